"""The server's system logs: auth.log, syslog, cron.log, mail.log, kern.log with weekly rotations,
wtmp/btmp/lastlog, and the attack's traces when asked (attack=True). Deterministic: every stream
has its own random generator, and the attack only adds events (and removes the ones the attacker
wiped)."""

import datetime as dt
import gzip
import os

import srvlib as S
from srvlib import UTC

T = dt.timedelta
SSH_VER = "OpenSSH_9.2p1 Debian-2+deb12u3"
KERNEL = "6.1.0-27-amd64"

# Reboots of the server (security updates of the kernel and libc), the first one its install.
BOOTS = [S.INSTALL + T(minutes=3), dt.datetime(2026, 6, 14, 3, 11, 40, tzinfo=UTC),
         dt.datetime(2026, 7, 19, 3, 8, 2, tzinfo=UTC), dt.datetime(2026, 8, 30, 3, 14, 55, tzinfo=UTC),
         dt.datetime(2026, 10, 11, 3, 9, 31, tzinfo=UTC), dt.datetime(2026, 11, 8, 3, 12, 7, tzinfo=UTC)]

BRUTE_USERS = ["admin", "test", "user", "ubuntu", "oracle", "postgres", "git", "ftpuser", "guest",
               "pi", "support", "debian", "centos", "ftp", "mysql", "www", "web", "jenkins",
               "hadoop", "minecraft", "steam", "teamspeak", "ts3", "odoo", "es", "elastic",
               "nagios", "zabbix", "user1", "test1", "administrator", "dev", "devops", "ansible",
               "vagrant", "docker", "sol", "solana", "validator", "node", "tomcat", "kafka",
               "redis", "backup", "sammy", "ubnt", "usuario", "operator", "oscar", "student"]
# Real users that get guessed too (they exist, so the failures are not "invalid user").
REAL_GUESSED = ["root", "root", "root", "root", "deploy", "www-data"]


def rotation_bounds():
    """[start, end) of each weekly file, newest first: index 0 is the live file."""
    end = S.END
    # Sundays 00:00:0x, the logrotate.timer run.
    last_sunday = dt.datetime(end.year, end.month, end.day, 0, 0, 3, tzinfo=UTC)
    while last_sunday.weekday() != 6:
        last_sunday -= T(days=1)
    bounds = [(last_sunday, end)]
    for _ in range(S.ROTATIONS):
        s = bounds[-1][0] - T(days=7)
        bounds.append((s, bounds[-1][0]))
    return bounds


LOG_START = rotation_bounds()[-1][0]


class Pids:
    def __init__(self, seed):
        self.r = S.rng("pids:" + seed)
        self.n = 1200

    def __call__(self):
        self.n += self.r.randint(3, 60)
        if self.n > 4194000:
            self.n = 1200
        return self.n


class Sessions:
    """Interactive SSH sessions of the whole life (wtmp needs all of them, the text logs only
    the last weeks)."""

    def __init__(self):
        self.list = []  # (start, end, user, uid, ip, pts, sshpid, fp, method, sudo_cmds)
        r = S.rng("sessions")
        keys = {u: S.ed25519_pub(u, u + "@laptop")[1] for u, _, _ in S.ADMINS}
        keys["deploy"] = S.ed25519_pub("deploy", "deploy@ci")[1]
        sudo_pool = [
            "/usr/bin/apt update", "/usr/bin/apt upgrade", "/usr/bin/systemctl reload nginx",
            "/usr/bin/systemctl restart php8.2-fpm", "/usr/bin/journalctl -u nginx --since today",
            "/usr/bin/vim /etc/nginx/sites-available/larkspur-coop", "/usr/sbin/nginx -t",
            "/usr/bin/tail -f /var/log/nginx/error.log", "/usr/bin/certbot renew --dry-run",
            "/usr/bin/ss -tlnp", "/bin/bash", "/usr/bin/mysqldump --all-databases",
            "/usr/bin/less /var/log/auth.log", "/usr/bin/systemctl status ledger",
            "/usr/bin/crontab -e", "/usr/bin/du -sh /var/lib/wordpress/wp-content/uploads",
        ]
        day = S.INSTALL + T(hours=1)
        day = dt.datetime(day.year, day.month, day.day, tzinfo=UTC)
        while day < S.END - T(hours=2):
            wd = day.weekday()
            for user, uid, _ in S.ADMINS:
                chance = 0.55 if wd < 5 else 0.08
                if r.random() < chance:
                    home = user == "aokafor" and r.random() < 0.3
                    h = r.randint(19, 22) if home else r.randint(8, 16)
                    start = day + T(hours=h, minutes=r.randint(0, 59), seconds=r.randint(0, 59))
                    dur = T(minutes=r.randint(3, 95), seconds=r.randint(0, 59))
                    cmds = [r.choice(sudo_pool) for _ in range(r.randint(0, 4))]
                    self.list.append([start, start + dur, user, uid,
                                      S.HOME_ADMIN2 if home else S.OFFICE, 0, 0, keys[user],
                                      "publickey", cmds])
            if wd in (1, 3) and r.random() < 0.8:
                start = day + T(hours=r.randint(10, 17), minutes=r.randint(0, 59), seconds=r.randint(0, 59))
                cmds = ["/bin/systemctl reload nginx", "/bin/systemctl restart php8.2-fpm"][: r.randint(1, 2)]
                self.list.append([start, start + T(seconds=r.randint(20, 70)), "deploy", 1002,
                                  S.CI_HOST, 0, 0, keys["deploy"], "publickey", cmds])
            day += T(days=1)
        self.list = [s for s in self.list if s[1] < S.END - T(minutes=5)]
        self.list.sort(key=lambda s: s[0])
        # pts numbers: the lowest free one.
        for i, s in enumerate(self.list):
            used = {o[5] for o in self.list[max(0, i - 20):i] if o[1] > s[0]}
            n = 0
            while n in used:
                n += 1
            s[5] = n


def attack_sessions():
    """The attacker's two root logins (password, after the brute force)."""
    first = dt.datetime(2026, 11, 24, 21, 44, 2, 512000, tzinfo=UTC)
    second = dt.datetime(2026, 11, 26, 2, 10, 37, 91000, tzinfo=UTC)
    return [[first, first + T(minutes=31, seconds=12), "root", 0, S.ATTACKER, 1, 0, None, "password", []],
            [second, second + T(minutes=38, seconds=5), "root", 0, S.ATTACKER, 1, 0, None, "password", []]]


# The attacker wiped auth.log lines of its second visit (sed -i) and emptied syslog.
WIPE_FROM = dt.datetime(2026, 11, 26, 1, 0, 0, tzinfo=UTC)
WIPE_TO = dt.datetime(2026, 11, 26, 4, 0, 0, tzinfo=UTC)
SYSLOG_EMPTIED = dt.datetime(2026, 11, 26, 2, 41, 19, tzinfo=UTC)


def bruteforce_sources(r):
    """Internet addresses that guess SSH passwords (never with success)."""
    prefixes = [45, 61, 80, 91, 103, 104, 116, 117, 118, 121, 122, 123, 134, 139, 141, 143, 150,
                152, 157, 159, 161, 164, 167, 170, 175, 178, 180, 183, 185, 186, 188, 190, 193,
                194, 196, 200, 201, 202, 206, 209, 210, 211, 212, 213, 218, 219, 221, 222]
    out = []
    for _ in range(900):
        a = r.choice(prefixes)
        out.append("%d.%d.%d.%d" % (a, r.randint(0, 255), r.randint(0, 255), r.randint(1, 254)))
    return out


def generate(attack=False):
    """Events (when, facility, tag, message) of the whole window, sorted; plus utmp material."""
    ev = []
    add = ev.append
    pid = Pids("main")

    # --- boots ----------------------------------------------------------------------------
    for b in BOOTS:
        if b < LOG_START:
            continue
        shut = b - T(seconds=40)
        add((shut, "daemon", "systemd[1]", "Stopping cron.service - Regular background program processing daemon..."))
        add((shut + T(seconds=1), "daemon", "systemd[1]", "Stopping nginx.service - A high performance web server and a reverse proxy server..."))
        add((shut + T(seconds=2), "auth", "sshd[611]", "Received signal 15; terminating."))
        add((shut + T(seconds=3), "daemon", "systemd[1]", "Reached target shutdown.target - System Shutdown."))
        kmsgs = ["Linux version %s (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01)" % KERNEL,
                 "Command line: BOOT_IMAGE=/boot/vmlinuz-%s root=UUID=5f0c1c7e-2f4b-4c1e-9d3a-7b1d0e6a9c21 ro quiet" % KERNEL,
                 "BIOS-provided physical RAM map:", "DMI: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014",
                 "Hypervisor detected: KVM", "Memory: 3985532K/4193784K available", "virtio_net virtio1 ens3: renamed from eth0",
                 "EXT4-fs (vda1): mounted filesystem with ordered data mode. Quota mode: none.",
                 "audit: type=1403 audit(%d.120:2): auditd_enabled" % int(S.ts(b)),
                 "EXT4-fs (vda1): re-mounted. Quota mode: none."]
        for i, m in enumerate(kmsgs):
            add((b + T(milliseconds=10 * i), "kern", "kernel", "[    %d.%06d] %s" % (i // 3, 1000 * i + 17, m)))
        for i, m in enumerate(["Started systemd-journald.service - Journal Service.",
                               "Started rsyslog.service - System Logging Service.",
                               "Started cron.service - Regular background program processing daemon.",
                               "Starting mariadb.service - MariaDB 10.11.11 database server...",
                               "Started php8.2-fpm.service - The PHP 8.2 FastCGI Process Manager.",
                               "Started nginx.service - A high performance web server and a reverse proxy server.",
                               "Started postfix@-.service - Postfix Mail Transport Agent (instance -).",
                               "Started ledger.service - Larkspur ledger sync API.",
                               "Reached target multi-user.target - Multi-User System."]):
            add((b + T(seconds=2 + i), "daemon", "systemd[1]", m))
        add((b + T(seconds=2.5), "auth", "systemd-logind[402]", "New seat seat0."))
        add((b + T(seconds=2.6), "auth", "systemd-logind[402]", "Watching system buttons on /dev/input/event0 (Power Button)"))
        add((b + T(seconds=3.1), "auth", "sshd[611]", "Server listening on 0.0.0.0 port 22."))
        add((b + T(seconds=3.1), "auth", "sshd[611]", "Server listening on :: port 22."))

    # --- rotation HUPs ---------------------------------------------------------------------
    for s, _ in rotation_bounds():
        if s >= LOG_START:
            add((s + T(seconds=1), "syslog", "rsyslogd",
                 '[origin software="rsyslogd" swVersion="8.2302.0" x-pid="498" x-info="https://www.rsyslog.com"] rsyslogd was HUPed'))

    # --- cron --------------------------------------------------------------------------------
    jobs = [  # (minute set, hour set or None, user, uid, cmd)
        ({17}, None, "root", 0, "cd / && run-parts --report /etc/cron.hourly"),
        (set(range(0, 60, 15)), None, "ledger", S.APPUSER[1], "/opt/app/bin/ledger-sync --quiet"),
        (set(range(0, 60, 10)), None, "www-data", 33, "/usr/bin/php /usr/share/wordpress/wp-cron.php >/dev/null 2>&1"),
        ({30}, {2}, "root", 0, "/usr/local/sbin/backup-sites.sh >>/var/log/backup-sites.log 2>&1"),
        ({5}, {1}, "ledger", S.APPUSER[1], "/opt/app/bin/ledger-report --email >/dev/null"),
        ({25}, {6}, "root", 0, "test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }"),
        ({0}, {4}, "mchen", 1000, "/home/mchen/bin/check-certs.sh"),
    ]
    cr = S.rng("cron")
    t = LOG_START.replace(second=0)
    while t < S.END:
        for mins, hours, user, uid, cmd in jobs:
            if t.minute in mins and (hours is None or t.hour in hours):
                cpid = pid()
                w = t + T(seconds=1, microseconds=cr.randint(1000, 900000))
                add((w, "authpriv", "CRON[%d]" % cpid, "pam_unix(cron:session): session opened for user %s(uid=%d) by (uid=0)" % (user, uid)))
                add((w + T(microseconds=2000), "cron", "CRON[%d]" % (cpid + 1), "(%s) CMD (%s)" % (user, cmd)))
                dur = T(seconds=cr.randint(0, 2)) if "backup" not in cmd else T(minutes=4, seconds=cr.randint(0, 50))
                add((w + dur + T(microseconds=cr.randint(5000, 90000)), "authpriv", "CRON[%d]" % cpid,
                     "pam_unix(cron:session): session closed for user %s" % user))
        if t.minute in (9, 39):
            add((t + T(seconds=cr.randint(1, 50)), "daemon", "systemd[1]", "Starting phpsessionclean.service - Clean php session files..."))
            add((t + T(seconds=51), "daemon", "systemd[1]", "phpsessionclean.service: Deactivated successfully."))
            add((t + T(seconds=51, microseconds=400), "daemon", "systemd[1]", "Finished phpsessionclean.service - Clean php session files."))
        if t.minute == 0 and t.hour == 0:
            add((t + T(seconds=2), "daemon", "systemd[1]", "Starting logrotate.service - Rotate log files..."))
            add((t + T(seconds=3), "daemon", "systemd[1]", "logrotate.service: Deactivated successfully."))
            add((t + T(seconds=3), "daemon", "systemd[1]", "Finished logrotate.service - Rotate log files."))
            add((t + T(minutes=7, seconds=12), "daemon", "systemd[1]", "Starting man-db.service - Daily man-db regeneration..."))
            add((t + T(minutes=7, seconds=14), "daemon", "systemd[1]", "Finished man-db.service - Daily man-db regeneration."))
        if t.minute == 0 and t.hour in (6, 18):
            w = t + T(minutes=cr.randint(1, 50), seconds=cr.randint(0, 59))
            add((w, "daemon", "systemd[1]", "Starting certbot.service - Certbot..."))
            add((w + T(seconds=2), "daemon", "systemd[1]", "certbot.service: Deactivated successfully."))
            add((w + T(seconds=2), "daemon", "systemd[1]", "Finished certbot.service - Certbot."))
        if t.minute == 0 and t.hour == 6:
            w = t + T(minutes=cr.randint(5, 50))
            add((w, "daemon", "systemd[1]", "Starting apt-daily-upgrade.service - Daily apt upgrade and clean activities..."))
            add((w + T(seconds=9), "daemon", "systemd[1]", "apt-daily-upgrade.service: Deactivated successfully."))
            add((w + T(seconds=9), "daemon", "systemd[1]", "Finished apt-daily-upgrade.service - Daily apt upgrade and clean activities."))
        t += T(minutes=1)

    # --- internet SSH noise (never succeeds) ------------------------------------------------
    br = S.rng("brute")
    sources = bruteforce_sources(br)
    day = LOG_START
    while day < S.END:
        for _ in range(br.randint(6, 22)):  # campaigns a day
            ip = br.choice(sources)
            t = day + T(seconds=br.randint(0, 86399), microseconds=br.randint(0, 999999))
            style = br.random()
            if style < 0.25:  # banner grabbers / scanners
                p_ = pid()
                port = br.randint(30000, 65000)
                msg = br.choice(["error: kex_exchange_identification: Connection closed by remote host",
                                 "error: kex_exchange_identification: read: Connection reset by peer",
                                 "banner exchange: Connection from %s port %d: invalid format" % (ip, port),
                                 "error: kex_exchange_identification: client sent invalid protocol identifier \"GET / HTTP/1.1\""])
                add((t, "auth", "sshd[%d]" % p_, msg))
                add((t + T(microseconds=300), "auth", "sshd[%d]" % p_, "Connection closed by %s port %d" % (ip, port)))
                continue
            n = br.choice([1, 1, 2, 3, 5, 8, 20, 60, 150])
            for _ in range(n):
                t += T(seconds=br.randint(1, 40), microseconds=br.randint(0, 999999))
                if t >= S.END:
                    break
                p_ = pid()
                port = br.randint(30000, 65000)
                if br.random() < 0.7:
                    user = br.choice(BRUTE_USERS)
                    add((t, "auth", "sshd[%d]" % p_, "Invalid user %s from %s port %d" % (user, ip, port)))
                    t2 = t + T(seconds=br.uniform(0.5, 2.5))
                    add((t2, "authpriv", "sshd[%d]" % p_, "pam_unix(sshd:auth): check pass; user unknown"))
                    add((t2, "authpriv", "sshd[%d]" % p_, "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=%s " % ip))
                    t3 = t2 + T(seconds=br.uniform(1.5, 3))
                    add((t3, "auth", "sshd[%d]" % p_, "Failed password for invalid user %s from %s port %d ssh2" % (user, ip, port)))
                    add((t3 + T(milliseconds=br.randint(100, 600)), "auth", "sshd[%d]" % p_, "Received disconnect from %s port %d:11: Bye Bye [preauth]" % (ip, port)))
                    add((t3 + T(milliseconds=br.randint(601, 700)), "auth", "sshd[%d]" % p_, "Disconnected from invalid user %s %s port %d [preauth]" % (user, ip, port)))
                    yield_btmp.append((t3, user, ip, p_))
                else:
                    user = br.choice(REAL_GUESSED)
                    uid = {"root": 0, "deploy": 1002, "www-data": 33}[user]
                    if user == "www-data":
                        add((t, "auth", "sshd[%d]" % p_, "User www-data from %s not allowed because shell /usr/sbin/nologin is not executable" % ip))
                        add((t + T(seconds=1), "auth", "sshd[%d]" % p_, "Connection closed by invalid user www-data %s port %d [preauth]" % (ip, port)))
                        continue
                    t2 = t + T(seconds=br.uniform(0.5, 2.5))
                    add((t2, "authpriv", "sshd[%d]" % p_, "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=%s  user=%s" % (ip, user)))
                    t3 = t2 + T(seconds=br.uniform(1.5, 3))
                    add((t3, "auth", "sshd[%d]" % p_, "Failed password for %s from %s port %d ssh2" % (user, ip, port)))
                    add((t3 + T(milliseconds=br.randint(100, 600)), "auth", "sshd[%d]" % p_, "Received disconnect from %s port %d:11: Bye Bye [preauth]" % (ip, port)))
                    add((t3 + T(milliseconds=br.randint(601, 700)), "auth", "sshd[%d]" % p_, "Disconnected from authenticating user %s %s port %d [preauth]" % (user, ip, port)))
                    yield_btmp.append((t3, user, ip, p_))
        day += T(days=1)

    # --- mail: notifications out, spam rejected at the door ------------------------------------
    mr = S.rng("mail")
    day = LOG_START
    qid = lambda: "".join(mr.choice("0123456789ABCDEF") for _ in range(10))  # noqa: E731
    while day < S.END:
        for _ in range(mr.randint(3, 12)):  # WordPress / ledger notifications
            t = day + T(seconds=mr.randint(0, 86399))
            q = qid()
            uid = mr.choice([33, 33, S.APPUSER[1]])
            frm = "www-data" if uid == 33 else "ledger"
            add((t, "mail", "postfix/pickup[%d]" % pid(), "%s: uid=%d from=<%s>" % (q, uid, frm)))
            add((t + T(milliseconds=40), "mail", "postfix/cleanup[%d]" % pid(), "%s: message-id=<%d.%s@%s>" % (q, int(S.ts(t)), q.lower(), S.FQDN)))
            add((t + T(milliseconds=60), "mail", "postfix/qmgr[833]", "%s: from=<%s@%s>, size=%d, nrcpt=1 (queue active)" % (q, frm, S.FQDN, mr.randint(700, 4000))))
            to = mr.choice(["treasurer@larkspur-coop.example", "members@larkspur-coop.example", "mei.chen@fastmail.example", "orders@larkspur-coop.example"])
            add((t + T(seconds=1.2), "mail", "postfix/smtp[%d]" % pid(), "%s: to=<%s>, relay=mx.larkspur-coop.example[192.0.2.25]:25, delay=1.2, delays=0.06/0.01/0.6/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as %s)" % (q, to, qid())))
            add((t + T(seconds=1.3), "mail", "postfix/qmgr[833]", "%s: removed" % q))
        for _ in range(mr.randint(4, 20)):  # relay attempts and spam bots
            t = day + T(seconds=mr.randint(0, 86399))
            ip = "%d.%d.%d.%d" % (mr.choice([45, 80, 91, 185, 193, 194, 212]), mr.randint(0, 255), mr.randint(0, 255), mr.randint(1, 254))
            sp = pid()
            add((t, "mail", "postfix/smtpd[%d]" % sp, "connect from unknown[%s]" % ip))
            if mr.random() < 0.5:
                add((t + T(seconds=1), "mail", "postfix/smtpd[%d]" % sp, "NOQUEUE: reject: RCPT from unknown[%s]: 454 4.7.1 <spameri@tiscali.example>: Relay access denied; from=<spameri@tiscali.example> to=<spameri@tiscali.example> proto=ESMTP helo=<WIN-CLJ1B0GQ6JP>" % ip))
            else:
                add((t + T(seconds=1), "mail", "postfix/smtpd[%d]" % sp, "warning: unknown[%s]: SASL LOGIN authentication failed: authentication failure" % ip))
            add((t + T(seconds=2), "mail", "postfix/smtpd[%d]" % sp, "disconnect from unknown[%s] ehlo=1 auth=0/1 rset=1 quit=1 commands=3/4" % ip))
        day += T(days=1)

    # --- interactive sessions ------------------------------------------------------------------
    sess = Sessions().list
    if attack:
        sess = sorted(sess + attack_sessions(), key=lambda s: s[0])
    logind_session = 400
    apid = Pids("attack")
    sr = S.rng("sessionlines")
    for s in sess:
        start, end, user, uid, ip, pts, _, fp, method, cmds = s
        p_ = apid() if method == "password" else pid()
        s[6] = p_
        logind_session += 1
        s.append(logind_session)
        if start < LOG_START:
            continue
        port = sr.randint(40000, 64000)
        if method == "publickey":
            add((start, "auth", "sshd[%d]" % p_, "Accepted publickey for %s from %s port %d ssh2: ED25519 %s" % (user, ip, port, fp)))
        else:
            add((start, "auth", "sshd[%d]" % p_, "Accepted password for %s from %s port %d ssh2" % (user, ip, port)))
        add((start + T(milliseconds=12), "authpriv", "sshd[%d]" % p_, "pam_unix(sshd:session): session opened for user %s(uid=%d) by (uid=0)" % (user, uid)))
        add((start + T(milliseconds=20), "auth", "systemd-logind[402]", "New session %d of user %s." % (logind_session, user)))
        add((start + T(milliseconds=90), "authpriv", "(systemd)[%d]" % (p_ + 3), "pam_unix(systemd-user:session): session opened for user %s(uid=%d) by (uid=0)" % (user, uid)))
        t = start + T(seconds=sr.randint(20, 120))
        for c in cmds:
            pwd = "/home/%s" % user
            if user == "deploy":
                t = start + T(seconds=sr.randint(3, 15))
            elif sr.random() < 0.04:
                add((t, "authpriv", "sudo", "pam_unix(sudo:auth): authentication failure; logname=%s uid=%d euid=0 tty=/dev/pts/%d ruser=%s rhost=  user=%s" % (user, uid, pts, user, user)))
                t += T(seconds=sr.randint(4, 9))
            if t > end:
                break
            add((t, "authpriv", "sudo", "%8s : TTY=pts/%d ; PWD=%s ; USER=root ; COMMAND=%s" % (user, pts, pwd, c)))
            add((t + T(milliseconds=3), "authpriv", "sudo", "pam_unix(sudo:session): session opened for user root(uid=0) by %s(uid=%d)" % (user, uid)))
            t2 = t + T(seconds=sr.randint(1, 200))
            add((min(t2, end - T(seconds=1)), "authpriv", "sudo", "pam_unix(sudo:session): session closed for user root"))
            t = t2 + T(seconds=sr.randint(5, 300))
        add((end, "auth", "sshd[%d]" % p_, "Received disconnect from %s port %d:11: disconnected by user" % (ip, port)))
        add((end + T(microseconds=400), "auth", "sshd[%d]" % p_, "Disconnected from user %s %s port %d" % (user, ip, port)))
        add((end + T(microseconds=900), "authpriv", "sshd[%d]" % p_, "pam_unix(sshd:session): session closed for user %s" % user))
        add((end + T(milliseconds=3), "auth", "systemd-logind[402]", "Session %d logged out. Waiting for processes to exit." % logind_session))
        add((end + T(milliseconds=9), "auth", "systemd-logind[402]", "Removed session %d." % logind_session))

    # --- the attack ------------------------------------------------------------------------------
    if attack:
        ar = S.rng("attack-brute")
        t = dt.datetime(2026, 11, 24, 20, 58, 11, 204000, tzinfo=UTC)
        stop = dt.datetime(2026, 11, 24, 21, 43, 50, tzinfo=UTC)
        while t < stop:
            p_ = apid()
            port = ar.randint(33000, 61000)
            for k in range(ar.choice([1, 2, 3, 6])):
                t2 = t + T(seconds=ar.uniform(0.8, 1.6))
                if k == 0:
                    add((t2, "authpriv", "sshd[%d]" % p_, "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=%s  user=root" % S.ATTACKER))
                add((t2 + T(seconds=1.9), "auth", "sshd[%d]" % p_, "Failed password for root from %s port %d ssh2" % (S.ATTACKER, port)))
                yield_btmp.append((t2 + T(seconds=1.9), "root", S.ATTACKER, p_))
                t = t2 + T(seconds=2)
            add((t + T(milliseconds=200), "auth", "sshd[%d]" % p_, "Connection closed by authenticating user root %s port %d [preauth]" % (S.ATTACKER, port)))
            t += T(seconds=ar.uniform(0.3, 1.2))
        # Outbound: the reverse-shell cron job's connections are not logged; the miner's pool
        # connection leaves a kernel line only if a firewall logged it (none here).
        ev[:] = [e for e in ev if not (WIPE_FROM <= e[0] < WIPE_TO and e[1] in ("auth", "authpriv"))]
        add((dt.datetime(2026, 11, 24, 22, 3, 41, tzinfo=UTC), "authpriv", "useradd[%d]" % apid(), "new user: name=sysupdate, UID=0, GID=0, home=/root, shell=/bin/bash, from=/dev/pts/1"))
        add((dt.datetime(2026, 11, 24, 22, 3, 55, tzinfo=UTC), "authpriv", "chpasswd[%d]" % apid(), "pam_unix(chpasswd:chauthtok): password changed for sysupdate"))
    ev.sort(key=lambda e: e[0])
    return ev, sess


yield_btmp = []


def render(e, trad):
    when, fac, tag, msg = e
    stamp = S.traditional(when) if trad else S.rfc3339(when)
    return "%s %s %s: %s\n" % (stamp, S.HOST, tag, msg)


ROUTE = {"auth.log": ("auth", "authpriv"), "syslog": ("daemon", "kern", "cron", "syslog", "mail", "user"),
         "cron.log": ("cron",), "kern.log": ("kern",), "mail.log": ("mail",)}


def write_text_logs(w, ev, attack):
    """Weekly rotation like logrotate (notifempty: an empty file is not rotated, its week joins
    the next one), 12 kept, the oldest kept one in rsyslog's traditional format."""
    bounds = list(reversed(rotation_bounds()))  # oldest first
    for name, facs in ROUTE.items():
        lines = [e for e in ev if e[1] in facs]
        files = []  # (chunk, rotated_at or None)
        pending = []
        for s, e_ in bounds:
            pending += [e for e in lines if s <= e[0] < e_]
            if e_ < S.END and pending:
                files.append((pending, e_))
                pending = []
        files.append((pending, None))
        files = list(reversed(files))[: S.ROTATIONS + 1]  # newest first
        for i, (chunk, rotated) in enumerate(files):
            trad = i == S.ROTATIONS
            if name == "syslog" and attack and i == 0:
                chunk = [e for e in chunk if e[0] >= SYSLOG_EMPTIED]
            text = "".join(render(e, trad) for e in chunk)
            logical = "/var/log/" + name + ("" if i == 0 else ".%d" % i)
            last = chunk[-1][0] if chunk else (SYSLOG_EMPTIED if attack and name == "syslog" else S.INSTALL + T(minutes=5))
            if i >= 2:
                data = gzip.compress(text.encode(), mtime=int(S.ts(rotated)))
                logical += ".gz"
            else:
                data = text.encode()
            # Debian creates them root:adm 0640.
            w.write(logical, data, last if i < 2 else rotated + T(seconds=1), "root", "adm", 0o640)


def write_utmp(w, sess, attack):
    recs = []
    for b in BOOTS:
        shut = b - T(seconds=40)
        if b != BOOTS[0]:
            recs.append((shut, S.utmp(S.RUN_LVL, shut, pid=0x30, line="~~", uid_id="~~", user="shutdown", host=KERNEL)))
        recs.append((b, S.utmp(S.BOOT_TIME, b, line="~", uid_id="~~", user="reboot", host=KERNEL)))
        recs.append((b + T(seconds=6), S.utmp(S.RUN_LVL, b + T(seconds=6), pid=0x33, line="~", uid_id="~~", user="runlevel", host=KERNEL)))
    for s in sess:
        start, end, user, uid, ip, pts, p_ = s[:7]
        if user == "deploy":
            continue  # `ssh deploy@web01 sudo systemctl ...`: no tty, so no utmp record
        line = "pts/%d" % pts
        recs.append((start, S.utmp(S.USER_PROCESS, start + T(milliseconds=30), pid=p_ + 2, line=line, uid_id="ts/%d" % pts, user=user, host=ip, addr=ip, session=s[10] if len(s) > 10 else 0)))
        recs.append((end, S.utmp(S.DEAD_PROCESS, end + T(milliseconds=1), pid=p_ + 2, line=line, uid_id="ts/%d" % pts)))
    recs.sort(key=lambda r: r[0])
    wtmp = b"".join(r for _, r in recs)
    w.write("/var/log/wtmp", wtmp, recs[-1][0], "root", "utmp", 0o664)
    # btmp: monthly rotation, one kept (Debian's /etc/logrotate.d/btmp).
    month = dt.datetime(2026, 11, 1, 0, 0, 4, tzinfo=UTC)
    prev = dt.datetime(2026, 10, 1, 0, 0, 4, tzinfo=UTC)
    fails = sorted(yield_btmp)
    cur = [f for f in fails if f[0] >= month]
    old = [f for f in fails if prev <= f[0] < month]
    for name, chunk, default in (("/var/log/btmp", cur, month), ("/var/log/btmp.1", old, prev)):
        data = b"".join(S.utmp(S.LOGIN_PROCESS, t, pid=p_, line="ssh:notty", user=u, host=ip, addr=ip) for t, u, ip, p_ in chunk)
        w.write(name, data, chunk[-1][0] if chunk else default, "root", "utmp", 0o660)
    # lastlog: each account's last login.
    last = {}
    for s in sess:
        if s[2] == "deploy":
            continue
        last[s[3]] = (s[0], "pts/%d" % s[5], s[4])
    w.write("/var/log/lastlog", S.lastlog(last), max(v[0] for v in last.values()), "root", "utmp", 0o664)


def write_all(w, attack=False):
    yield_btmp.clear()
    ev, sess = generate(attack)
    write_text_logs(w, ev, attack)
    write_utmp(w, sess, attack)
    return sess
