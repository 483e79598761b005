"""Shared helpers of the server fixture generators: the timeline, deterministic randomness, file
writing with owner/mode/times, glibc utmp records, OpenSSH public keys.

Everything is a pure function of the constants here and a fixed seed, so two builds are equal."""

import base64
import calendar
import datetime as dt
import hashlib
import os
import random
import socket
import struct

UTC = dt.timezone.utc
HOST = "web01"
FQDN = "web01.larkspur-coop.example"
DOMAIN = "larkspur-coop.example"

# The server's life: installed in May, the image is taken on the morning of 27 November 2026.
INSTALL = dt.datetime(2026, 5, 18, 9, 12, 4, tzinfo=UTC)
END = dt.datetime(2026, 11, 27, 8, 41, 0, tzinfo=UTC)
# Weekly rotations of the syslog files (logrotate.timer, just after midnight on Sundays), 12 kept.
ROTATIONS = 12

# People and places. The attacker (compromised twin only) is 198.51.100.23: never used here.
OFFICE = "203.0.113.10"      # the co-op's office (both admins)
HOME_ADMIN2 = "192.0.2.77"   # second admin's home line
CI_HOST = "203.0.113.60"     # the deploy pipeline
BACKUP_HOST = "backup01.larkspur-coop.example"
ATTACKER = "198.51.100.23"

ADMINS = [("mchen", 1000, "Mei Chen"), ("aokafor", 1001, "Ade Okafor")]
DEPLOY = ("deploy", 1002)
APPUSER = ("ledger", 997)


def rng(name):
    """A random generator of its own per purpose, so adding events to one stream leaves the
    others unchanged."""
    return random.Random(hashlib.sha256(("huoyan-servers:" + name).encode()).digest())


def ts(d):
    return calendar.timegm(d.utctimetuple()) + d.microsecond / 1e6


def p(root, logical):
    return os.path.join(root, logical.lstrip("/"))


def ids(root):
    """name -> uid and name -> gid of the root's own passwd/group."""
    users, groups = {}, {}
    for line in open(p(root, "/etc/passwd"), encoding="utf-8"):
        f = line.rstrip("\n").split(":")
        if len(f) > 3:
            users[f[0]] = int(f[2])
    for line in open(p(root, "/etc/group"), encoding="utf-8"):
        f = line.rstrip("\n").split(":")
        if len(f) > 2:
            groups[f[0]] = int(f[2])
    return users, groups


class Writer:
    def __init__(self, root):
        self.root = root
        self.users, self.groups = ids(root)

    def refresh(self):
        self.users, self.groups = ids(self.root)

    def mkdir(self, logical, when, owner="root", group=None, mode=0o755):
        path = p(self.root, logical)
        os.makedirs(path, exist_ok=True)
        self.own(path, owner, group, mode, when)
        return path

    def own(self, path, owner, group, mode, when, atime=None):
        uid = self.users[owner] if isinstance(owner, str) else owner
        group = group if group is not None else owner
        gid = self.groups[group] if isinstance(group, str) else group
        os.lchown(path, uid, gid)
        if not os.path.islink(path):
            os.chmod(path, mode)
        if when is not None:
            a = ts(atime or when)
            os.utime(path, (a, ts(when)), follow_symlinks=False)

    def write(self, logical, data, when, owner="root", group=None, mode=0o644, atime=None):
        """Writes a file (remove first: never writes into a file shared by a hard link)."""
        path = p(self.root, logical)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.lexists(path):
            os.remove(path)
        with open(path, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        self.own(path, owner, group, mode, when, atime)
        return path

    def symlink(self, target, logical, when):
        path = p(self.root, logical)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.lexists(path):
            os.remove(path)
        os.symlink(target, path)
        os.utime(path, (ts(when), ts(when)), follow_symlinks=False)

    def touch(self, logical, when, atime=None):
        path = p(self.root, logical)
        os.utime(path, (ts(atime or when), ts(when)), follow_symlinks=False)


# --- utmp (glibc x86-64: 384-byte records) -------------------------------------------------
RUN_LVL, BOOT_TIME, LOGIN_PROCESS, USER_PROCESS, DEAD_PROCESS = 1, 2, 6, 7, 8
UTMP = struct.Struct("<hhi32s4s32s256shhiii4i20s")
assert UTMP.size == 384


def utmp(kind, when, pid=0, line="", uid_id="", user="", host="", addr=None, session=0):
    a = [0, 0, 0, 0]
    if addr:
        a[0] = struct.unpack("<i", socket.inet_aton(addr))[0]
    t = ts(when)
    return UTMP.pack(kind, 0, pid, line.encode(), uid_id.encode(), user.encode(), host.encode(),
                     0, 0, session, int(t), int((t % 1) * 1e6), *a, b"\0" * 20)


LASTLOG = struct.Struct("<i32s256s")


def lastlog(entries):
    """entries: uid -> (when, line, host); a sparse file like the real one."""
    top = max(entries) + 1
    buf = bytearray(LASTLOG.size * top)
    for uid, (when, line, host) in entries.items():
        LASTLOG.pack_into(buf, uid * LASTLOG.size, int(ts(when)), line.encode(), host.encode())
    return bytes(buf)


# --- OpenSSH keys ----------------------------------------------------------------------------
def ed25519_pub(seed, comment):
    raw = hashlib.sha256(("ed25519:" + seed).encode()).digest()
    blob = struct.pack(">I", 11) + b"ssh-ed25519" + struct.pack(">I", 32) + raw
    fp = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return "ssh-ed25519 " + base64.b64encode(blob).decode() + " " + comment, "SHA256:" + fp


def rsa_pub(seed, comment, bits=3072):
    r = random.Random(seed)
    n = r.getrandbits(bits) | (1 << (bits - 1)) | 1
    nb = n.to_bytes(bits // 8 + 1, "big")
    e = b"\x01\x00\x01"
    blob = (struct.pack(">I", 7) + b"ssh-rsa" + struct.pack(">I", 3) + e
            + struct.pack(">I", len(nb)) + nb)
    fp = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return "ssh-rsa " + base64.b64encode(blob).decode() + " " + comment, "SHA256:" + fp


def days(start, end):
    d = dt.datetime(start.year, start.month, start.day, tzinfo=UTC)
    while d <= end:
        yield d
        d += dt.timedelta(days=1)


def rfc3339(d):
    """Debian 12 rsyslog default: 2026-11-20T03:14:07.123456+00:00"""
    return d.strftime("%Y-%m-%dT%H:%M:%S.%f") + "+00:00"


def traditional(d):
    return d.strftime("%b ") + ("%2d" % d.day) + d.strftime(" %H:%M:%S")


def settle_dir_times(root):
    """Directories the generators created today get the time of their newest entry (never later
    than the end of the story)."""
    end = ts(END)
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        st = os.lstat(dirpath)
        if st.st_mtime <= end:
            continue
        newest = 0
        for n in dirnames + filenames:
            try:
                m = os.lstat(os.path.join(dirpath, n)).st_mtime
            except FileNotFoundError:
                continue
            if m <= end:
                newest = max(newest, m)
        newest = newest or ts(INSTALL)
        os.utime(dirpath, (newest, newest))
