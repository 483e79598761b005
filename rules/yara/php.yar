/*
 * huoyan's own PHP webshell rules.
 * Written for the huoyan project (Apache-2.0). Family markers are facts about public tools
 * (banner strings, parameter names); the rule logic and text are the project's own.
 * meta.severity is one of info/low/medium/high/critical and becomes the finding's severity.
 */

private rule huoyan_is_php
{
    strings:
        $open1 = "<?php" nocase
        $open2 = "<?="
        $open3 = "<?" 
    condition:
        any of them
}

rule huoyan_php_request_eval_oneliner
{
    meta:
        description = "PHP one-liner evaluating request input (China Chopper / AntSword style)"
        severity = "critical"
    strings:
        $a = /(eval|assert)\s*\(\s*(@\s*)?(\$_(POST|GET|REQUEST|COOKIE)|stripslashes\s*\(\s*\$_(POST|GET|REQUEST))/ nocase
        $b = /(eval|assert)\s*\(\s*(base64_decode|str_rot13|gzinflate|urldecode)\s*\(\s*\$_(POST|GET|REQUEST|COOKIE)/ nocase
    condition:
        any of them
}

rule huoyan_php_command_exec_request
{
    meta:
        description = "PHP command execution function called on request input"
        severity = "critical"
    strings:
        $a = /\b(system|passthru|shell_exec|exec|popen|proc_open|pcntl_exec)\s*\(\s*(@\s*)?(stripslashes\s*\(\s*)?(base64_decode\s*\(\s*)?\$_(POST|GET|REQUEST|COOKIE|SERVER)/ nocase
    condition:
        $a
}

rule huoyan_php_shell_capabilities
{
    meta:
        description = "PHP file combining several command-execution functions with shell UI markers"
        severity = "medium"
    strings:
        $x1 = "shell_exec" nocase
        $x2 = "passthru" nocase
        $x3 = /\bsystem\s*\(/ nocase
        $x4 = "proc_open" nocase
        $x5 = "popen(" nocase
        $x6 = /[^>:]\bexec\s*\(/ nocase
        $u1 = "uname -a" nocase
        $u2 = "safe_mode" nocase
        $u3 = "disable_functions" nocase
        $u4 = "/etc/passwd"
        $u5 = "netstat -an" nocase
        $u6 = "ps -aux" nocase
        $u7 = "whoami" nocase
        $u8 = "back connect" nocase
        $u9 = "backconnect" nocase
        $u10 = "bindport" nocase
        $u11 = "posix_getpwuid" nocase
        $u12 = "cmd.exe" nocase
        $u13 = "/bin/sh" nocase
        $u14 = "find / -type f -perm" nocase
        $u15 = "locate config." nocase
        $u16 = "@ini_get(" nocase
        $u17 = "Execute" fullword
        $u18 = "ls -la" nocase
        $r = /\$_(POST|GET|REQUEST)/
    condition:
        huoyan_is_php and $r and 2 of ($x*) and 2 of ($u*)
}

rule huoyan_php_known_family_banner
{
    meta:
        description = "banner or marker string of a well-known PHP webshell family (c99, r57, WSO/FilesMan, b374k, phpspy, Antichat, NIX REMOTE, SimAttacker …)"
        severity = "critical"
    strings:
        $f1 = "c99shell" nocase
        $f2 = "r57shell" nocase
        $f3 = "FilesMan"
        $f4 = "b374k" nocase
        $f5 = "phpspy" nocase
        $f6 = "Antichat Shell" nocase
        $f7 = "SimAttacker" nocase
        $f8 = "NIX REMOTE WEB-SHELL" nocase
        $f9 = "Web Shell by oRb" nocase
        $f10 = "WSO " fullword
        $f11 = "Safe-mode:" nocase
        $f12 = "Ajax_PHP Command Shell" nocase
        $f13 = "wso_version" nocase
        $f14 = "$default_action = 'FilesMan'"
        $f15 = "c100 shell" nocase
        $f16 = "Sh3ll" nocase
        $f17 = "PHP Shell" nocase
        $f18 = "Uname:" nocase
        $f19 = "phpRemoteView" nocase
        $f20 = "Crystal shell" nocase
        $f21 = "Dive Shell" nocase
        $f22 = "ironwarez" nocase
        $f23 = "MyShell" nocase
        $f24 = "NetworkFileManagerPHP" nocase
        $f25 = "Locus7s" nocase
        $f26 = "KAdot Universal Shell" nocase
        $f27 = "Storm7Shell" nocase
        $f28 = "Cyber Shell" nocase
        $f29 = "Loader'z WEB Shell" nocase
        $f30 = "php-backdoor" nocase
        $f31 = "nstview" nocase
        $f32 = "GFS Web-Shell" nocase
        $f33 = "h4ntu shell" nocase
        $f34 = "ZyklonShell" nocase
        $f35 = "webadmin.php" nocase
        $f36 = "Hacked by" nocase
        $f37 = "ASPXSpy" nocase
        $f38 = "Zehir" nocase
        $f39 = "Mini Shell" nocase
        $f40 = "Priv8" nocase
    condition:
        huoyan_is_php and (any of ($f1,$f2,$f3,$f4,$f5,$f6,$f7,$f8,$f9,$f12,$f13,$f14,$f15,$f19,$f20,$f21,$f24,$f25,$f26,$f27,$f29,$f30,$f31,$f32,$f33,$f34) or 2 of ($f10,$f11,$f16,$f17,$f18,$f22,$f23,$f28,$f35,$f36,$f37,$f38,$f39,$f40))
}

rule huoyan_php_obfuscated_eval
{
    meta:
        description = "PHP evaluating decoded or decompressed data"
        severity = "high"
    strings:
        $a = /(eval|assert)\s*\(\s*(@\s*)?(gzinflate|gzuncompress|gzdecode|str_rot13|base64_decode|strrev|convert_uudecode|hex2bin)\s*\(/ nocase
        $d = /create_function\s*\(\s*["']{2}\s*,\s*(\$_(POST|GET|REQUEST|COOKIE)|base64_decode|gzinflate|str_rot13)/ nocase
    condition:
        huoyan_is_php and any of them
}

rule huoyan_php_uploader
{
    meta:
        description = "minimal PHP uploader: writes an uploaded or posted file without any check"
        severity = "high"
    strings:
        $mu = /move_uploaded_file\s*\(\s*\$_FILES\s*\[[^\]]{1,40}\]\s*\[\s*['"]tmp_name['"]\s*\]\s*,\s*(\$_FILES\s*\[[^\]]{1,40}\]\s*\[\s*['"]name['"]\s*\]|\$_(POST|GET|REQUEST))/ nocase
        $fp = /(file_put_contents|fwrite)\s*\([^;]{0,80}\$_(POST|GET|REQUEST)[^;]{0,80}\$_(POST|GET|REQUEST)/ nocase
        $cp = /copy\s*\(\s*\$_FILES\s*\[[^\]]{1,40}\]\s*\[\s*['"]tmp_name['"]\s*\]\s*,\s*\$_FILES/ nocase
    condition:
        huoyan_is_php and any of them and filesize < 200KB
}

rule huoyan_php_dodgy_runtime_tampering
{
    meta:
        description = "PHP silencing errors, lifting limits and probing disabled functions, as shells do before acting"
        severity = "medium"
    strings:
        $a = "set_time_limit(0)" nocase
        $b = "error_reporting(0)" nocase
        $c = /ini_(get|set|restore)\s*\(\s*["'](disable_functions|safe_mode|open_basedir|allow_url_include)/ nocase
        $d = "ignore_user_abort" nocase
        $e = /\$_(POST|GET|REQUEST|COOKIE)/
        $f = /(shell_exec|passthru|proc_open|popen|system)\s*\(/ nocase
    condition:
        huoyan_is_php and $e and $f and 3 of ($a,$b,$c,$d)
}

rule huoyan_php_shellshock_or_ssi_strings
{
    meta:
        description = "PHP embedding shellshock or SSI exec payloads"
        severity = "high"
    strings:
        $a = "() { :;};"
        $b = "<!--#exec cmd=" nocase
    condition:
        huoyan_is_php and any of them
}

rule huoyan_php_mailer_spam_kit
{
    meta:
        description = "PHP mass-mailer kit (common companion of webshells)"
        severity = "medium"
    strings:
        $a = /mail\s*\(\s*\$_(POST|GET|REQUEST)/ nocase
        $b = "emaillist" nocase
        $c = "Leaf PHPMailer" nocase
    condition:
        huoyan_is_php and 2 of them
}

rule huoyan_php_reverse_shell
{
    meta:
        description = "PHP reverse or bind shell: socket plus shell process"
        severity = "critical"
    strings:
        $s1 = "fsockopen(" nocase
        $s2 = "socket_create(" nocase
        $s3 = "stream_socket_client(" nocase
        $p1 = "/bin/sh" nocase
        $p2 = "/bin/bash" nocase
        $p3 = "cmd.exe" nocase
        $e1 = "proc_open" nocase
        $e2 = "shell_exec" nocase
        $e3 = "popen" nocase
        $e4 = /\bsystem\s*\(/ nocase
    condition:
        huoyan_is_php and any of ($s*) and any of ($p*) and any of ($e*)
}

rule huoyan_php_udp_flood
{
    meta:
        description = "PHP UDP flooder aimed by the request (DoS kit often dropped with shells)"
        severity = "medium"
    strings:
        $a = /fsockopen\s*\(\s*["']udp:\/\// nocase
        $b = /(while|for)\s*\(/ nocase
        $r = /\$_(POST|GET|REQUEST)\b/
    condition:
        huoyan_is_php and $a and $b and $r
}
