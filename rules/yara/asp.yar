/*
 * huoyan's own ASP / ASP.NET webshell rules (Apache-2.0, written for the project).
 */

private rule huoyan_is_asp
{
    strings:
        $a = "<%"
        $b = /runat\s*=\s*"?server/ nocase
        $c = "<script" nocase
    condition:
        $a or ($b and $c)
}

rule huoyan_asp_eval_request
{
    meta:
        description = "ASP evaluating request input (China Chopper server side and relatives)"
        severity = "critical"
    strings:
        $a = /(eval|execute|executeglobal)\s*\(?\s*request\s*[\.\(\[]/ nocase
        $b = /eval\s*\(\s*Request\.Item\s*\[/ nocase
        $c = /(eval|execute)\s*\(?\s*(unescape|decode|Base64Decode)\s*\(\s*request/ nocase
    condition:
        any of them
}

rule huoyan_asp_shell_objects
{
    meta:
        description = "ASP driving WScript.Shell / Shell.Application with request data"
        severity = "high"
    strings:
        $o1 = "WScript.Shell" nocase
        $o2 = "Shell.Application" nocase
        $o3 = "WScript.Network" nocase
        $x1 = ".exec(" nocase
        $x2 = ".run(" nocase
        $x3 = "ShellExecute" nocase
        $x4 = "cmd.exe" nocase
        $r = "request" nocase
    condition:
        huoyan_is_asp and any of ($o*) and any of ($x*) and $r
}

rule huoyan_asp_encoded_script
{
    meta:
        description = "ASP hidden with the Microsoft Script Encoder"
        severity = "high"
    strings:
        $enc = /#@~\^[A-Za-z0-9+\/]{6}==/
        $lang = /language\s*=\s*"?(VBScript|JScript)\.Encode/ nocase
    condition:
        any of them
}

rule huoyan_aspx_process_or_assembly
{
    meta:
        description = "ASP.NET page starting processes or loading assemblies from the request"
        severity = "critical"
    strings:
        $p1 = "ProcessStartInfo"
        $p2 = /Process\s*\.\s*Start\s*\(/
        $a1 = /Assembly\s*\.\s*Load\s*\(/
        $a2 = "CreateInstance"
        $r1 = /Request\s*\.\s*(Form|QueryString|Item|BinaryRead|InputStream|Params)/ nocase
        $r2 = /Request\s*\[/
        $c1 = "cmd.exe" nocase
        $c2 = "FromBase64String"
        $c3 = "RijndaelManaged"
    condition:
        (any of ($p*) and any of ($r*) and ($c1 or $r1)) or ($a1 and any of ($r*) and ($a2 or $c2 or $c3))
}

rule huoyan_aspx_jscript_unsafe_eval
{
    meta:
        description = "JScript.NET eval of request input with the unsafe flag"
        severity = "critical"
    strings:
        $a = /eval\s*\([^;]{0,120}["']unsafe["']/ nocase
    condition:
        $a
}

rule huoyan_asp_known_family
{
    meta:
        description = "marker of a known ASP/ASPX webshell family (ASPXSpy, aspydrv, ZehirAsp, K-Shell, Bin's shell, 海阳顶端 …)"
        severity = "critical"
    strings:
        $a = "ASPXSpy" nocase
        $b = "aspydrv" nocase
        $c = "ZehirAsp" nocase
        $d = "K-Shell" nocase
        $e = "Bin'Asp" nocase
        $f = "HYTop" nocase
        $g = "lake2 " nocase
        $h = "Bin Asp" nocase
        $i = "asp shell" nocase
        $j = "ASPXspy2" nocase
        $k = "Scripting.FileSystemObject" nocase
        $l = "Server.CreateObject" nocase
        $m = "request" nocase
        $n = /\.(CreateTextFile|OpenTextFile|DeleteFile|CopyFile|MoveFile)/ nocase
        $o = "Cmd" fullword nocase
    condition:
        huoyan_is_asp and (any of ($a,$b,$c,$d,$e,$f,$g,$h,$i,$j) or ($k and $l and $m and $n and $o))
}
