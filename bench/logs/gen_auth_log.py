#!/usr/bin/env python3
"""Writes a large auth.log for the logs benchmark by replicating real sshd/PAM lines.

The message shapes come from the shared ssh-logs corpus (fail2ban's labelled sshd lines) and the
Debian 13 fixture of this repository; each copy gets its own time (moving forward second by
second over many days) and source addresses spread over a few thousand hosts, so the brute-force
tables are exercised as on a real internet-facing server.

usage: gen_auth_log.py OUT_PATH SIZE_MB
"""
import random
import sys
import datetime

out_path, size_mb = sys.argv[1], int(sys.argv[2])
random.seed(20261128)

# Message templates (real shapes). {ip} {port} {user} {pid} are filled per line.
templates = [
    "sshd[{pid}]: Failed password for root from {ip} port {port} ssh2",
    "sshd[{pid}]: Failed password for invalid user {user} from {ip} port {port} ssh2",
    "sshd[{pid}]: Invalid user {user} from {ip} port {port}",
    "sshd[{pid}]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}  user=root",
    "sshd[{pid}]: pam_unix(sshd:auth): check pass; user unknown",
    "sshd[{pid}]: Connection closed by authenticating user root {ip} port {port} [preauth]",
    "sshd[{pid}]: Received disconnect from {ip} port {port}:11: Bye Bye [preauth]",
    "sshd[{pid}]: Disconnected from invalid user {user} {ip} port {port} [preauth]",
    "sshd[{pid}]: error: kex_exchange_identification: Connection closed by remote host",
    "sshd[{pid}]: Connection reset by {ip} port {port} [preauth]",
    "sshd[{pid}]: Accepted publickey for deploy from 198.51.100.10 port {port} ssh2: ED25519 SHA256:9bN0gIt3kQ0hQm3Q8YqkqM1oEwQvZ3qGmVb3m4yH2xU",
    "sshd[{pid}]: pam_unix(sshd:session): session opened for user deploy(uid=1000) by (uid=0)",
    "CRON[{pid}]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
    "CRON[{pid}]: pam_unix(cron:session): session closed for user root",
    "systemd-logind[611]: New session {port} of user deploy.",
    "sudo[{pid}]:   deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx",
]
weights = [30, 20, 12, 10, 5, 8, 4, 4, 2, 2, 1, 1, 3, 3, 1, 1]
users = ["admin", "test", "oracle", "ubuntu", "git", "postgres", "user", "guest", "ftpuser", "pi"]
ips = ["%d.%d.%d.%d" % (random.choice([45, 61, 103, 141, 185, 193, 203, 222]), random.randint(0, 255), random.randint(0, 255), random.randint(1, 254)) for _ in range(3000)]

t = datetime.datetime(2026, 11, 1, 0, 0, 0)
target = size_mb * 1024 * 1024
written = 0
pid = 10000
choices = random.choices(range(len(templates)), weights=weights, k=100000)
with open(out_path, "w") as f:
    buf = []
    i = 0
    while written < target:
        k = choices[i % len(choices)]
        i += 1
        if i % 3 == 0:
            t += datetime.timedelta(seconds=1)
        pid += 1
        msg = templates[k].format(pid=pid % 4000000, ip=ips[(i * 7919) % len(ips)], port=1024 + i % 60000, user=users[i % len(users)])
        line = "%s %2d %s web1 %s\n" % (t.strftime("%b"), t.day, t.strftime("%H:%M:%S"), msg)
        buf.append(line)
        written += len(line)
        if len(buf) >= 20000:
            f.write("".join(buf))
            buf = []
    f.write("".join(buf))
