#!/usr/bin/env python3
"""The life layer of the clean server: what six months of ordinary administration leave on a
Debian 12 web server installed on 2026-05-18. Usage: life.py ROOT (a root made by base.sh).

Accounts (through the root's own useradd, run in a chroot), sudoers, an in-house app under /opt/app
with its unit and cron jobs, nginx vhosts for WordPress, MediaWiki, phpMyAdmin and Roundcube,
uploads (real JPEG/PNG), shell histories, crontabs, months of rotated logs with internet background
noise, wtmp/btmp/lastlog, and realistic file times."""

import datetime as dt
import gzip
import os
import re
import struct
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import logs  # noqa: E402
import srvlib as S  # noqa: E402
import traffic  # noqa: E402
from srvlib import UTC  # noqa: E402

T = dt.timedelta
D = lambda *a: dt.datetime(*a, tzinfo=UTC)  # noqa: E731


def chroot(root, *cmd, stdin=None):
    subprocess.run(["chroot", root, "/usr/bin/env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                    "LANG=C.UTF-8"] + list(cmd), input=stdin, check=True,
                   stdout=subprocess.DEVNULL)


def normalise_times(root):
    """Package files keep their .deb times; what the build itself wrote (postinst output, host
    keys, the dpkg database) gets the install day instead of the build day."""
    t = S.ts(S.INSTALL + T(minutes=4))
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            path = os.path.join(dirpath, n)
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                continue
            if st.st_mtime > S.ts(S.END) or st.st_atime > S.ts(S.END):
                m = t if st.st_mtime > S.ts(S.END) else st.st_mtime
                os.utime(path, (max(m, min(st.st_atime, t)), m), follow_symlinks=False)
    os.utime(root, (t, t))


def shift_install_logs(root):
    """dpkg.log, apt logs and alternatives.log: moved from the build day to the install day."""
    pat = re.compile(r"(\d{4}-\d{2}-\d{2})( {1,2})(\d{2}:\d{2}:\d{2})")
    first = None
    for rel in ["var/log/dpkg.log", "var/log/apt/history.log", "var/log/apt/term.log",
                "var/log/alternatives.log"]:
        path = os.path.join(root, rel)
        if not os.path.exists(path):
            continue
        text = open(path, encoding="utf-8", errors="replace").read()
        stamps = [dt.datetime.strptime(m.group(1) + " " + m.group(3), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
                  for m in pat.finditer(text)]
        if stamps and first is None:
            first = min(stamps)
        if first is None:
            continue
        delta = S.INSTALL - first

        def sub(m):
            d = dt.datetime.strptime(m.group(1) + " " + m.group(3), "%Y-%m-%d %H:%M:%S") + delta
            return d.strftime("%Y-%m-%d") + m.group(2) + d.strftime("%H:%M:%S")
        new = pat.sub(sub, text)
        last = max([dt.datetime.strptime(m.group(1) + " " + m.group(3), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
                    for m in pat.finditer(new)] or [S.INSTALL])
        os.remove(path)
        open(path, "w", encoding="utf-8").write(new)
        os.utime(path, (S.ts(last), S.ts(last)))


def png(w, h, seed):
    r = S.rng("png" + seed)
    raw = b"".join(b"\0" + bytes(r.randrange(256) if (x // 8 + y // 8) % 3 else 200 for x in range(w * 3)) for y in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def jpeg(root, seed):
    """A real JPEG (one of the root's packaged photos) with a COM segment of its own: valid, and
    different bytes per upload."""
    srcs = sorted(os.path.join(dp, n) for dp, _, fs in os.walk(S.p(root, "/usr/share/doc/libjs-cropper"))
                  for n in fs if n.endswith(".jpg"))
    src = open(S.rng("jpg" + seed).choice(srcs), "rb").read()
    com = ("Larkspur Co-op upload " + seed).encode()
    return src[:2] + b"\xff\xfe" + struct.pack(">H", len(com) + 2) + com + src[2:]


def main(root):
    w = S.Writer(root)
    shift_install_logs(root)
    normalise_times(root)
    inst = S.INSTALL

    # --- accounts ---------------------------------------------------------------------------------
    created = {"mchen": inst + T(minutes=40), "aokafor": inst + T(minutes=43),
               "deploy": D(2026, 5, 21, 14, 2, 11), "ledger": D(2026, 6, 3, 10, 15, 40)}
    for user, uid, gecos in S.ADMINS:
        chroot(root, "useradd", "-m", "-u", str(uid), "-s", "/bin/bash", "-c", gecos + ",,,", "-G", "sudo,adm", user)
    chroot(root, "useradd", "-m", "-u", "1002", "-s", "/bin/bash", "-c", "Deploy pipeline,,,", "deploy")
    chroot(root, "useradd", "-r", "-u", str(S.APPUSER[1]), "-d", "/opt/app", "-M", "-s", "/usr/sbin/nologin",
           "-c", "Larkspur ledger", "ledger")
    # yescrypt hashes as Debian 12's passwd writes them (fixed salts: the build is deterministic).
    import crypt  # noqa: deprecated but present in 3.11, uses the host's libxcrypt
    hashes = {}
    for user, pw, salt in [("root", "Tr0ub4dor&3-larkspur", "Qe1sZ8xkT0c3Lw9bS2mN0."),
                           ("mchen", "correct horse battery staple 91", "8nR2pT4vX6zA1cE3gI5kM."),
                           ("aokafor", "Okafor!Lark2026", "a9B8c7D6e5F4g3H2i1J0k.")]:
        hashes[user] = crypt.crypt(pw, "$y$j9T$" + salt)
        assert hashes[user].startswith("$y$"), "host libcrypt lacks yescrypt"
    chroot(root, "chpasswd", "-e", stdin="".join("%s:%s\n" % kv for kv in hashes.items()).encode())
    # Shadow "last changed" days: the creation days, not the build day.
    sh = []
    epoch_day = lambda d: int(S.ts(d) // 86400)  # noqa: E731
    for line in open(S.p(root, "/etc/shadow")):
        f = line.rstrip("\n").split(":")
        when = created.get(f[0], inst)
        if f[0] == "root":
            when = inst
        f[2] = str(epoch_day(when))
        sh.append(":".join(f) + "\n")
    w.refresh()
    w.write("/etc/shadow", "".join(sh), created["ledger"], "root", "shadow", 0o640)
    for f, mode, grp in [("/etc/passwd", 0o644, "root"), ("/etc/group", 0o644, "root"), ("/etc/gshadow", 0o640, "shadow"),
                         ("/etc/passwd-", 0o644, "root"), ("/etc/group-", 0o644, "root"), ("/etc/shadow-", 0o640, "shadow"), ("/etc/gshadow-", 0o640, "shadow"),
                         ("/etc/subuid", 0o644, "root"), ("/etc/subgid", 0o644, "root")]:
        if os.path.exists(S.p(root, f)):
            w.touch(f, created["ledger"])

    # homes
    for user, uid, _ in S.ADMINS + [("deploy", 1002, "")]:
        home = "/home/" + user
        for n in os.listdir(S.p(root, home)):
            w.touch(home + "/" + n, created[user])
        pub, _ = S.ed25519_pub(user if user != "deploy" else "deploy", user + ("@ci" if user == "deploy" else "@laptop"))
        extra = ""
        if user == "mchen":
            extra = S.rsa_pub("mchen-old", "mei@old-thinkpad")[0] + "\n"
        w.mkdir(home + "/.ssh", created[user] + T(minutes=5), user, user, 0o700)
        w.write(home + "/.ssh/authorized_keys", extra + pub + "\n", created[user] + T(minutes=5), user, user, 0o600)
        w.mkdir(home, created[user], user, user, 0o700 if user != "deploy" else 0o750)

    # sudoers
    w.write("/etc/sudoers.d/deploy",
            "# Deploy pipeline (CI): reload the web tier after a release. Ticket OPS-112.\n"
            "deploy ALL=(root) NOPASSWD: /bin/systemctl reload nginx, /bin/systemctl restart php8.2-fpm\n",
            created["deploy"] + T(minutes=3), "root", "root", 0o440)

    # ssh: the hosting provider's image allows root password logins (kept by the admins).
    w.write("/etc/ssh/sshd_config.d/10-provider.conf",
            "# Added by the provider's cloud image; root login for the rescue console.\nPermitRootLogin yes\n",
            inst + T(minutes=2), "root", "root", 0o644)
    w.write("/etc/ssh/sshd_config.d/50-larkspur.conf",
            "# Larkspur ops baseline\nPasswordAuthentication yes\nMaxAuthTries 6\nClientAliveInterval 300\nX11Forwarding no\n",
            D(2026, 5, 19, 10, 4, 0), "root", "root", 0o644)

    # --- the in-house app --------------------------------------------------------------------------
    t_app = created["ledger"] + T(minutes=20)
    w.mkdir("/opt/app", t_app, "ledger", "ledger", 0o755)
    w.mkdir("/opt/app/bin", t_app, "ledger", "ledger", 0o755)
    w.mkdir("/opt/app/var", t_app, "ledger", "ledger", 0o750)
    w.write("/opt/app/ledger.py", open(os.path.join(os.path.dirname(__file__), "files/ledger.py")).read(),
            D(2026, 10, 14, 15, 2, 9), "ledger", "ledger", 0o644)
    w.write("/opt/app/bin/ledger-sync", "#!/bin/sh\n# Pulls new orders from the shop API into the ledger DB.\nset -e\ncd /opt/app\nexec /usr/bin/python3 ledger.py sync \"$@\"\n",
            t_app, "ledger", "ledger", 0o755)
    w.write("/opt/app/bin/ledger-report", "#!/bin/sh\n# Daily summary mail to the treasurer.\nset -e\ncd /opt/app\nexec /usr/bin/python3 ledger.py report \"$@\"\n",
            t_app, "ledger", "ledger", 0o755)
    w.write("/opt/app/ledger.ini", "[api]\nlisten = 127.0.0.1:8087\n[db]\npath = /opt/app/var/ledger.sqlite3\n[mail]\nto = treasurer@larkspur-coop.example\n",
            t_app, "ledger", "ledger", 0o640)
    w.write("/opt/app/var/ledger.sqlite3", b"SQLite format 3\0" + bytes(4080), S.END - T(minutes=11), "ledger", "ledger", 0o640)
    w.write("/etc/systemd/system/ledger.service",
            "[Unit]\nDescription=Larkspur ledger sync API\nAfter=network-online.target mariadb.service\n\n[Service]\nUser=ledger\nGroup=ledger\n"
            "WorkingDirectory=/opt/app\nExecStart=/usr/bin/python3 /opt/app/ledger.py serve\nRestart=on-failure\nNoNewPrivileges=yes\nProtectSystem=full\n\n"
            "[Install]\nWantedBy=multi-user.target\n", t_app + T(minutes=4))
    w.symlink("/etc/systemd/system/ledger.service", "/etc/systemd/system/multi-user.target.wants/ledger.service", t_app + T(minutes=5))
    w.write("/etc/cron.d/ledger", "# Larkspur ledger: order sync every 15 minutes\nSHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin\n\n*/15 * * * * ledger /opt/app/bin/ledger-sync --quiet\n",
            t_app + T(minutes=9))

    # --- crontabs -----------------------------------------------------------------------------------
    crontab_hdr = "# DO NOT EDIT THIS FILE - edit the master and reinstall.\n# (/tmp/crontab.%s installed on %s)\n# (Cron version -- $Id: crontab.c,v 2.13 1994/01/17 03:20:37 vixie Exp $)\n"
    for user, when, body in [
        ("root", D(2026, 5, 22, 11, 30, 2), "# m h  dom mon dow   command\n30 2 * * * /usr/local/sbin/backup-sites.sh >>/var/log/backup-sites.log 2>&1\n"),
        ("ledger", t_app + T(minutes=12), "MAILTO=treasurer@larkspur-coop.example\n5 1 * * * /opt/app/bin/ledger-report --email >/dev/null\n"),
        ("mchen", D(2026, 7, 2, 9, 44, 10), "# cert expiry check, mails me\n0 4 * * * /home/mchen/bin/check-certs.sh\n"),
    ]:
        hdr = crontab_hdr % ("x" + user[:5], when.strftime("%a %b %d %H:%M:%S %Y"))
        w.write("/var/spool/cron/crontabs/" + user, hdr + body, when, user, "crontab", 0o600)
    w.touch("/var/spool/cron/crontabs", D(2026, 7, 2, 9, 44, 10))
    w.write("/usr/local/sbin/backup-sites.sh", open(os.path.join(os.path.dirname(__file__), "files/backup-sites.sh")).read(),
            D(2026, 6, 30, 16, 20, 0), "root", "root", 0o750)
    w.mkdir("/home/mchen/bin", D(2026, 7, 2, 9, 40, 0), "mchen", "mchen", 0o755)
    w.write("/home/mchen/bin/check-certs.sh",
            "#!/bin/sh\n# Mails me when a certificate expires within 14 days.\nfor c in /etc/letsencrypt/live/*/cert.pem; do\n"
            "  openssl x509 -checkend 1209600 -noout -in \"$c\" >/dev/null 2>&1 || echo \"$c expires soon\" | mail -s 'cert expiry' mchen\ndone\n",
            D(2026, 7, 2, 9, 41, 0), "mchen", "mchen", 0o755)
    w.write("/var/log/backup-sites.log", "".join(
        "%s backup-sites: wordpress wikidb roundcube dumped, %d MB, sent to %s\n" % (d.strftime("%Y-%m-%d 02:3%M"[:16]).replace("%M", "4"), 180 + (i * 7) % 40, S.BACKUP_HOST)
        for i, d in enumerate(S.days(D(2026, 10, 1), S.END - T(days=1)))), D(2026, 11, 27, 2, 34, 40), "root", "root", 0o640)

    # logrotate: the admins keep three months of system logs and two months of web logs.
    rs = open(S.p(root, "/etc/logrotate.d/rsyslog")).read().replace("rotate 4", "rotate 12")
    w.write("/etc/logrotate.d/rsyslog", rs, D(2026, 5, 19, 10, 12, 0))
    ng = open(S.p(root, "/etc/logrotate.d/nginx")).read().replace("daily", "weekly").replace("rotate 14", "rotate 8")
    w.write("/etc/logrotate.d/nginx", ng, D(2026, 5, 19, 10, 13, 30))

    # --- web ------------------------------------------------------------------------------------------
    web_t = D(2026, 5, 20, 15, 0, 0)
    for name, body in open_vhosts():
        w.write("/etc/nginx/sites-available/" + name, body, web_t + T(days=len(name)), "root", "root", 0o644)
        w.symlink("../sites-available/" + name, "/etc/nginx/sites-enabled/" + name, web_t + T(days=len(name)))
    os.remove(S.p(root, "/etc/nginx/sites-enabled/default"))
    w.touch("/etc/nginx/sites-enabled", D(2026, 5, 29, 11, 0, 0))
    w.write("/etc/wordpress/config-www.larkspur-coop.example.php",
            "<?php\ndefine('DB_NAME', 'wordpress');\ndefine('DB_USER', 'wordpress');\ndefine('DB_PASSWORD', 'vN3q7Lr0uKe2Tz9w');\n"
            "define('DB_HOST', 'localhost');\ndefine('WP_CONTENT_DIR', '/var/lib/wordpress/wp-content');\n"
            "define('FS_METHOD', 'direct');\ndefine('DISABLE_WP_CRON', true);\n"
            "define('AUTH_KEY', 'q>T|7d+Xo!j1$Fz(M;s0ghL9u?Yv2b@W4c#N8e%R6k^P3a&D5x*H');\n?>\n",
            D(2026, 5, 20, 15, 31, 0), "root", "www-data", 0o640)
    wpc = "/var/lib/wordpress/wp-content"
    w.mkdir(wpc + "/uploads", D(2026, 5, 20, 16, 2, 0), "www-data", "www-data", 0o755)
    ur = S.rng("uploads")
    month = D(2026, 5, 1)
    names = ["spring-market", "volunteers", "farm-visit", "harvest-2026", "board-meeting", "logo",
             "compost-workshop", "bee-hives", "newsletter-header", "tomatoes", "cider-press", "winter-share"]
    k = 0
    while month < S.END:
        mdir = "%s/uploads/%04d/%02d" % (wpc, month.year, month.month)
        last = month
        for i in range(ur.randint(2, 5)):
            when = month + T(days=ur.randint(0, 27), hours=ur.randint(8, 18), minutes=ur.randint(0, 59))
            if when > S.END - T(days=1):
                continue
            last = max(last, when)
            base = "%s-%d" % (names[k % len(names)], k)
            k += 1
            if i % 2:
                w.write("%s/%s.png" % (mdir, base), png(48, 32, base), when, "www-data", "www-data", 0o644)
                w.write("%s/%s-150x150.png" % (mdir, base), png(15, 15, base + "t"), when, "www-data", "www-data", 0o644)
            else:
                w.write("%s/%s.jpg" % (mdir, base), jpeg(root, base), when, "www-data", "www-data", 0o644)
                w.write("%s/%s-150x150.jpg" % (mdir, base), jpeg(root, base + "t"), when, "www-data", "www-data", 0o644)
        w.mkdir(mdir, last, "www-data", "www-data", 0o755)
        w.mkdir(os.path.dirname(mdir), last, "www-data", "www-data", 0o755)
        month = D(month.year + (month.month == 12), month.month % 12 + 1, 1)
    # WP Super Cache style page cache: static HTML and gz, no PHP.
    cr = S.rng("cache")
    cache = wpc + "/cache/supercache/www.larkspur-coop.example"
    for slug in ["", "about", "join-us", "events", "2026/11/winter-share-signup", "2026/10/cider-day", "shop", "contact"]:
        when = S.END - T(hours=cr.randint(1, 40), minutes=cr.randint(0, 59))
        html = ("<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"UTF-8\"><title>%s | Larkspur Co-op</title>"
                "<link rel='stylesheet' href='/wp-includes/css/dist/block-library/style.min.css?ver=6.1.1'></head><body>"
                "<main><h1>%s</h1><p>Fresh, local, member-owned.</p></main></body></html>\n<!-- Dynamic page generated in 0.412 seconds. -->\n"
                "<!-- Cached page generated by WP-Super-Cache on %s -->\n") % (slug or "Home", slug or "Welcome", when.strftime("%Y-%m-%d %H:%M:%S"))
        d = cache + ("/" + slug if slug else "")
        w.write(d + "/index-https.html", html, when, "www-data", "www-data", 0o644)
        w.write(d + "/index-https.html.gz", gzip.compress(html.encode(), mtime=int(S.ts(when))), when, "www-data", "www-data", 0o644)
    w.write(wpc + "/cache/.htaccess", "# BEGIN supercache\n<IfModule mod_mime.c>\n  AddEncoding gzip .gz\n</IfModule>\n# END supercache\n", D(2026, 6, 2, 12, 0, 0), "www-data", "www-data", 0o644)
    w.write(wpc + "/cache/wp-cache-config.json", '{"cache_enabled":true,"super_cache_enabled":true,"cache_max_time":3600,"cache_compression":1}\n', D(2026, 6, 2, 12, 0, 0), "www-data", "www-data", 0o644)
    w.write(wpc + "/cache/object/notoptions.json", '{"cron":1,"sidebars_widgets":0}\n', S.END - T(minutes=9), "www-data", "www-data", 0o644)
    # A hand-installed plugin (its upload handler is the way in of the intrusion in the twin).
    plug = wpc + "/plugins/coop-file-share"
    w.write(plug + "/coop-file-share.php", open(os.path.join(os.path.dirname(__file__), "files/coop-file-share.php")).read(),
            D(2026, 6, 9, 13, 5, 0), "www-data", "www-data", 0o644)
    w.write(plug + "/upload.php", open(os.path.join(os.path.dirname(__file__), "files/coop-upload.php")).read(),
            D(2026, 6, 9, 13, 5, 0), "www-data", "www-data", 0o644)
    w.write(plug + "/readme.txt", "=== Co-op File Share ===\nContributors: larkspur\nStable tag: 1.2.0\nLets members share documents.\n",
            D(2026, 6, 9, 13, 5, 0), "www-data", "www-data", 0o644)
    w.mkdir(plug, D(2026, 6, 9, 13, 5, 0), "www-data", "www-data", 0o755)
    # MediaWiki uploads
    for i, n in enumerate(["Bed_layout.png", "Rota_winter.png", "Logo.png", "Compost_bins.png"]):
        hx = "%x" % (sum(map(ord, n)) % 256)
        hx = hx.rjust(2, "0")
        when = D(2026, 6, 15, 10, 0, 0) + T(days=23 * i)
        w.write("/var/lib/mediawiki/images/%s/%s/%s" % (hx[0], hx, n), png(64, 40, n), when, "www-data", "www-data", 0o644)
    w.write("/etc/mediawiki/LocalSettings.php", open(os.path.join(os.path.dirname(__file__), "files/LocalSettings.php")).read(),
            D(2026, 5, 27, 10, 20, 0), "root", "www-data", 0o640)
    # letsencrypt layout (the keys are placeholders: no real private key in a fixture)
    for site in ["www.larkspur-coop.example", "wiki.larkspur-coop.example", "mail.larkspur-coop.example"]:
        t0 = D(2026, 9, 25, 6, 31, 0) + T(minutes=len(site))
        for f in ["cert", "chain", "fullchain", "privkey"]:
            w.write("/etc/letsencrypt/archive/%s/%s3.pem" % (site, f),
                    "-----BEGIN %s-----\nMIIB%s\n-----END %s-----\n" % ("PRIVATE KEY" if f == "privkey" else "CERTIFICATE", S.rng(site + f).randbytes(48).hex(), "PRIVATE KEY" if f == "privkey" else "CERTIFICATE"),
                    t0, "root", "root", 0o600 if f == "privkey" else 0o644)
            w.symlink("../../archive/%s/%s3.pem" % (site, f), "/etc/letsencrypt/live/%s/%s.pem" % (site, f), t0)
        w.write("/etc/letsencrypt/renewal/%s.conf" % site, "# renew_before_expiry = 30 days\nversion = 2.1.0\narchive_dir = /etc/letsencrypt/archive/%s\ncert = /etc/letsencrypt/live/%s/cert.pem\n"
                "[renewalparams]\naccount = 3c5e1f0a9b7d2e4c6a8f0b1d3e5c7a9f\nauthenticator = nginx\ninstaller = nginx\nserver = https://acme-v02.api.letsencrypt.org/directory\n" % (site, site), t0)
    w.write("/var/log/letsencrypt/letsencrypt.log", "".join(
        "%s:%s,%03d:DEBUG:certbot._internal.main:certbot version: 2.1.0\n%s:%s,%03d:INFO:certbot._internal.renewal:Cert not yet due for renewal\n"
        % (d.strftime("%Y-%m-%d %H"), "14:07", 100 + i, d.strftime("%Y-%m-%d %H"), "14:08", 200 + i)
        for i, d in enumerate([S.END - T(hours=12 * j + 2) for j in range(6, 0, -1)])), S.END - T(hours=2, minutes=-8), "root", "root", 0o644)
    # php-fpm log (reloads by the deploy pipeline)
    w.write("/var/log/php8.2-fpm.log", "".join(
        "[%s] NOTICE: Terminating ...\n[%s] NOTICE: exiting, bye-bye!\n[%s] NOTICE: fpm is running, pid %d\n[%s] NOTICE: ready to handle connections\n[%s] NOTICE: systemd monitor interval set to 10000ms\n"
        % ((d.strftime("%d-%b-%Y %H:%M:%S"),) * 3 + (8000 + i * 37,) + (d.strftime("%d-%b-%Y %H:%M:%S"),) * 2)
        for i, d in enumerate([D(2026, 11, 22, 0, 0, 4) + T(days=j, hours=14) for j in range(0, 4)])), D(2026, 11, 25, 14, 0, 4), "root", "adm", 0o600)
    w.write("/var/log/unattended-upgrades/unattended-upgrades.log", "".join(
        "%s,%03d INFO Starting unattended upgrades script\n%s,%03d INFO Allowed origins are: origin=Debian,codename=bookworm,label=Debian, origin=Debian,codename=bookworm,label=Debian-Security, origin=Debian,codename=bookworm-security,label=Debian-Security\n%s,%03d INFO No packages found that can be upgraded unattended and no pending auto-removals\n"
        % ((d.strftime("%Y-%m-%d %H:%M:%S"), 412) * 2 + ((d + T(seconds=7)).strftime("%Y-%m-%d %H:%M:%S"), 88))
        for d in [x + T(hours=6, minutes=22) for x in S.days(D(2026, 10, 28), S.END - T(days=1))]), D(2026, 11, 27, 6, 22, 7), "root", "adm", 0o644)

    # --- histories --------------------------------------------------------------------------------------
    here = os.path.dirname(os.path.abspath(__file__))
    for user, when in [("mchen", D(2026, 11, 26, 16, 12, 40)), ("aokafor", D(2026, 11, 25, 21, 9, 3))]:
        w.write("/home/%s/.bash_history" % user, open(os.path.join(here, "files/history-%s" % user)).read(), when, user, user, 0o600)
    w.write("/root/.ssh/backup_ed25519", "-----BEGIN OPENSSH PRIVATE KEY-----\n(placeholder: the fixture carries no real private key)\n-----END OPENSSH PRIVATE KEY-----\n",
            D(2026, 5, 22, 11, 12, 0), "root", "root", 0o600)
    w.write("/root/.ssh/backup_ed25519.pub", S.ed25519_pub("root-backup", "root@web01")[0] + "\n", D(2026, 5, 22, 11, 12, 0), "root", "root", 0o644)
    w.write("/root/.ssh/known_hosts", "|1|%s|%s ssh-ed25519 %s\n" % ("Zx0c3Lw9bS2mN0Qe1sZ8xkT0c3w=", "k8WcE6d3c0bq3M3hN0Qn4i1xWqA=", S.ed25519_pub("backup01-host", "")[0].split()[1]),
            D(2026, 5, 22, 11, 13, 0), "root", "root", 0o644)
    w.mkdir("/root/.ssh", D(2026, 5, 22, 11, 13, 0), "root", "root", 0o700)
    w.write("/root/.bash_history", open(os.path.join(here, "files/history-root")).read(), D(2026, 11, 20, 11, 41, 0), "root", "root", 0o600)
    w.mkdir("/home/deploy", created["deploy"], "deploy", "deploy", 0o750)

    # --- logs ---------------------------------------------------------------------------------------
    logs.write_all(w, attack=False)
    w.write("/var/log/user.log", "", S.INSTALL + T(minutes=5), "root", "adm", 0o640)
    traffic.write_all(w, attack=False)
    # mysql error log stays in the journal on Debian 12; the /var/log/mysql directory exists.
    if os.path.isdir(S.p(root, "/var/log/mysql")):
        w.touch("/var/log/mysql", S.INSTALL + T(minutes=4))
    w.touch("/var/log", S.END - T(minutes=1))
    S.settle_dir_times(root)
    print("life: done", file=sys.stderr)


def open_vhosts():
    here = os.path.dirname(os.path.abspath(__file__))
    d = os.path.join(here, "files/nginx")
    for n in sorted(os.listdir(d)):
        yield n, open(os.path.join(d, n)).read()


if __name__ == "__main__":
    main(sys.argv[1])
