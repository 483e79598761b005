/*
 * huoyan's own rules for CGI, ColdFusion and smuggled code (Apache-2.0, written for the project).
 */

rule huoyan_cgi_command_shell
{
    meta:
        description = "Perl/Python/shell CGI running commands from the query"
        severity = "high"
    strings:
        $q1 = "QUERY_STRING"
        $q2 = /param\s*\(\s*['"]?(cmd|command|c|exec)['"]?/ nocase
        $q3 = "cgi.FieldStorage"
        $q4 = /getvalue\s*\(\s*['"](cmd|command)/ nocase
        $e1 = /system\s*\(/
        $e2 = /`[^`]*\$/
        $e3 = /popen|subprocess|os\.system/
        $e4 = /open\s*\([^)]*\|/
        $e5 = /\bexec\s*[\(\s]/
        $lib1 = "use CGI"
        $lib2 = "import cgi"
        $php = "<?php" nocase
    condition:
        not $php and (uint16(0) == 0x2123 or any of ($lib*)) and any of ($q*) and any of ($e*)
}

rule huoyan_cfm_shell
{
    meta:
        description = "ColdFusion page executing commands or evaluating request input"
        severity = "critical"
    strings:
        $a = "<cfexecute" nocase
        $b = /evaluate\s*\(\s*(form|url)\./ nocase
        $c = /createObject\s*\(\s*"java"\s*,\s*"java\.lang\.Runtime"/ nocase
    condition:
        any of them
}

rule huoyan_php_in_image
{
    meta:
        description = "image file carrying a PHP payload after the image header"
        severity = "critical"
    strings:
        $php = "<?php" nocase
        $code = /(eval|assert|system|base64_decode|shell_exec)\s*\(/ nocase
    condition:
        (uint32(0) == 0x38464947 or uint32(0) == 0x474e5089 or uint16(0) == 0xd8ff) and $php and $code
}
