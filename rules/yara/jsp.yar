/*
 * huoyan's own JSP webshell rules (Apache-2.0, written for the project).
 */

rule huoyan_jsp_cmd_exec_request
{
    meta:
        description = "JSP running a command taken from the request"
        severity = "critical"
    strings:
        $exec = /getRuntime\s*\(\s*\)\s*\.\s*exec\s*\(/
        $pb = /new\s+ProcessBuilder\s*\(/
        $req = /request\s*\.\s*getParameter\s*\(/
    condition:
        ($exec or $pb) and $req
}

rule huoyan_jsp_behinder_godzilla
{
    meta:
        description = "JSP decrypting the request and defining a class from it (Behinder 冰蝎 / Godzilla 哥斯拉)"
        severity = "critical"
    strings:
        $cl1 = "extends ClassLoader"
        $cl2 = ".defineClass("
        $cl3 = "defineClass"
        $c1 = /Cipher\s*\.\s*getInstance\s*\(\s*"AES/
        $c2 = "javax.crypto"
        $c3 = "getDecoder()"
        $c4 = "BASE64Decoder"
        $s1 = "session.putValue" nocase
        $s2 = "session.setAttribute" nocase
        $s3 = "request.getReader()" nocase
        $s4 = "getInputStream()"
        $s5 = "pageContext"
    condition:
        any of ($cl*) and any of ($c*) and any of ($s*)
}

rule huoyan_jsp_file_manager
{
    meta:
        description = "JSP file manager / shell with upload, delete and command features"
        severity = "high"
    strings:
        $a = "java.io.File" nocase
        $b = "FileOutputStream"
        $c = /getRuntime\s*\(\s*\)\s*\.\s*exec/
        $d = "request.getParameter"
        $e = ".delete()"
        $f = "listFiles()"
        $g = "cmd.exe" nocase
        $h = "/bin/sh"
        $i = "getServletContext().getRealPath" nocase
    condition:
        $d and ($c or $g or $h) and 3 of ($a,$b,$e,$f,$i)
}

rule huoyan_jsp_script_or_reflection_exec
{
    meta:
        description = "JSP reaching command execution through reflection or a script engine"
        severity = "high"
    strings:
        $r1 = /Class\s*\.\s*forName\s*\(\s*"java\.lang\.(Runtime|ProcessBuilder|ProcessImpl)"/
        $r2 = /getMethod\s*\(\s*"(exec|start|getRuntime)"/
        $s1 = "ScriptEngineManager"
        $s2 = /\.eval\s*\(\s*request/
        $u = "java.lang.UNIXProcess"
    condition:
        any of ($r*) or ($s1 and $s2) or $u
}

rule huoyan_jsp_known_family
{
    meta:
        description = "marker of a known JSP webshell family (JspSpy, jsp File Browser, Cknife, reGeorg tunnel …)"
        severity = "critical"
    strings:
        $a = "JspSpy" nocase
        $b = "jsp File Browser" nocase
        $c = "Cknife" nocase
        $d = "reGeorg" nocase
        $e = "Tunnel" fullword
        $f = "X-STATUS"
        $g = "X-CMD"
        $h = "JFolder" nocase
        $i = "KJ021320"
        $j = "Code by Bagheera" nocase
        $k = "caidao" nocase
        $l = "Jsp Shell" nocase
        $m = "devilzShell" nocase
    condition:
        any of ($a,$b,$c,$d,$h,$i,$j,$k,$l,$m) or ($e and $f and $g)
}
