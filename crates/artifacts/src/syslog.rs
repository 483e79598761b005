//! Syslog text files: `/var/log/auth.log`, `secure`, `messages`, `syslog` and their rotations.
//!
//! These are where sshd, PAM, su, sudo and the account tools write what a responder needs first:
//! who tried to log in, from where, who got in, who became root. Three line shapes occur:
//!
//! - RFC 3164 (`Jun  7 04:10:35 host sshd[424228]: message`): no year and no zone. The year is
//!   inferred from an anchor (the file's mtime): a line dated after the anchor belongs to the
//!   previous year, which handles a file spanning New Year. The zone is the host's
//!   (`/etc/localtime` of the root), given by the caller.
//! - rsyslog high precision (`2015-04-16T18:02:50.321974+00:00 host sshd[2716]: message`), the
//!   default on Debian 13 and Ubuntu.
//! - RFC 5424 (`<38>1 2019-07-08T17:40:16.954167-04:00 host sshd 57915 - [sd] message`).
//! - BusyBox syslogd (Alpine, embedded systems: `/var/log/messages`) writes the facility and
//!   priority between host and tag (`Jun  7 04:10:35 alpine authpriv.info dropbear[2130]: …`),
//!   or neither host nor facility with `-S`.
//!
//! The host may be absent in each shape (`journalctl -o short` without it, `-S`).
//!
//! rsyslog's `message repeated N times: [ msg ]` is unfolded into `msg` with a repeat count, so a
//! burst of identical failures is counted as what it was. Parsing borrows from the line and never
//! allocates: a gigabyte of auth log goes through at disk speed.

pub use crate::lines::{for_each_line, for_each_text_line, LineText};
use huoyan_core::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

/// One parsed syslog line (borrowed from the input).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyslogLine<'a> {
    /// When it was logged (UTC), if the line carries a time.
    pub time: Option<Timestamp>,
    /// The reporting host, as logged.
    pub host: Option<&'a str>,
    /// The program (`sshd`, `sudo`, `pam_unix` …).
    pub ident: &'a str,
    /// The process id in brackets, if any.
    pub pid: Option<u32>,
    /// The message text.
    pub message: &'a str,
    /// How many times the message occurred (rsyslog's `message repeated N times`), at least 1.
    pub repeat: u32,
}

/// Turns the date parts of an RFC 3164 line into a UTC time: the year comes from an anchor
/// (usually the file's mtime) and the zone from the examined host.
#[derive(Debug, Clone)]
pub struct TimeResolver {
    tz: TimeZone,
    anchor_year: i16,
    /// (month, day) of the anchor in the host's zone, plus one day of slack for clock skew.
    anchor_md: (i8, i8),
    /// Cache of the last hour seen: (year, month, day, hour) → Unix seconds at its start.
    hour_cache: Option<((i16, i8, i8, i8), i64)>,
    /// What the previous RFC 3164 line began with, so that the next line, which usually shares
    /// its hour, host and program, is split with a few comparisons.
    prev: PrevHeader,
}

/// The header of the previous RFC 3164 line.
#[derive(Debug, Clone, Default)]
struct PrevHeader {
    /// `Mmm dd hh:` and the Unix second at the start of that hour (zone and year applied).
    hour: Option<([u8; HOUR_PREFIX], i64)>,
    /// `host ident[` of a line tagged `ident[pid]:` (host without space, not ending in `:`, not
    /// starting with `[`; ident without space or `:`, not starting with `[`); empty if none.
    tag_head: Vec<u8>,
    /// Length of the host in `tag_head`.
    host_len: usize,
    /// The last time made, by its Unix second.
    time: Option<(i64, Timestamp)>,
}

/// Length of `Mmm dd hh:` and of `Mmm dd hh:mm:ss`.
const HOUR_PREFIX: usize = 10;
const BSD_STAMP: usize = 15;

impl TimeResolver {
    /// A resolver for lines written in zone `tz`, by a file last modified at `anchor`.
    pub fn new(tz: TimeZone, anchor: Timestamp) -> Self {
        let local = anchor.to_zoned(tz.clone()).datetime();
        let slack = local
            .checked_add(jiff::SignedDuration::from_hours(24))
            .unwrap_or(local);
        TimeResolver {
            tz,
            anchor_year: local.year(),
            anchor_md: (slack.month(), slack.day()),
            hour_cache: None,
            prev: PrevHeader::default(),
        }
    }

    /// A resolver for UTC lines anchored now.
    pub fn utc_now() -> Self {
        Self::new(TimeZone::UTC, Timestamp::now())
    }

    /// The zone used for lines without one.
    pub fn zone(&self) -> &TimeZone {
        &self.tz
    }

    /// Resolves month/day/time of a line without a year.
    pub fn resolve(&mut self, month: i8, day: i8, h: i8, m: i8, s: i8) -> Option<Timestamp> {
        let base = self.hour_start(month, day, h)?;
        if !(0..60).contains(&m) || !(0..61).contains(&s) {
            return None;
        }
        huoyan_core::time::from_unix(base + i64::from(m) * 60 + i64::from(s), 0)
    }

    /// Unix second at the start of an hour of a line without a year.
    fn hour_start(&mut self, month: i8, day: i8, h: i8) -> Option<i64> {
        let mut year = self.anchor_year;
        if (month, day) > self.anchor_md {
            year -= 1;
        }
        let key = (year, month, day, h);
        let base = match self.hour_cache {
            Some((k, base)) if k == key => base,
            _ => {
                let dt = DateTime::new(year, month, day, h, 0, 0, 0).ok()?;
                let ts = self.tz.to_ambiguous_timestamp(dt).compatible().ok()?;
                let base = ts.as_second();
                self.hour_cache = Some((key, base));
                base
            }
        };
        Some(base)
    }

    /// Resolves a naive `YYYY-MM-DDTHH:MM:SS` (no zone) in the host's zone.
    fn resolve_naive(&self, dt: DateTime) -> Option<Timestamp> {
        self.tz.to_ambiguous_timestamp(dt).compatible().ok()
    }
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

fn two_digits(b: &[u8]) -> Option<i8> {
    match b {
        [a, c] if a.is_ascii_digit() && c.is_ascii_digit() => {
            Some(((a - b'0') * 10 + (c - b'0')) as i8)
        }
        _ => None,
    }
}

/// Month, day, hour, minute, second of a line without a year.
type BsdParts = (i8, i8, i8, i8, i8);

/// Parses `Mmm dd hh:mm:ss` (day space-padded or not) at the start; returns the parts and the
/// length consumed.
fn bsd_time(b: &[u8]) -> Option<(BsdParts, usize)> {
    if b.len() < 14 || b[3] != b' ' {
        return None;
    }
    let month = MONTHS.iter().position(|m| &b[..3] == *m)? as i8 + 1;
    let mut i = 4;
    while i < b.len() && b[i] == b' ' {
        i += 1;
    }
    let day_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let day: i8 = match i - day_start {
        1 => (b[day_start] - b'0') as i8,
        2 => two_digits(&b[day_start..i])?,
        _ => return None,
    };
    if b.get(i) != Some(&b' ') || b.len() < i + 9 {
        return None;
    }
    let t = &b[i + 1..i + 9];
    if t[2] != b':' || t[5] != b':' {
        return None;
    }
    let h = two_digits(&t[0..2])?;
    let m = two_digits(&t[3..5])?;
    let s = two_digits(&t[6..8])?;
    Some(((month, day, h, m, s), i + 9))
}

/// Parses an RFC 3339 timestamp at the start (with or without zone); returns it and the length.
fn iso_time(s: &str, times: &TimeResolver) -> Option<(Timestamp, usize)> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[10] != b'T' && b[10] != b' ' {
        return None;
    }
    let end = memchr::memchr(b' ', b).unwrap_or(b.len());
    let token = &s[..end];
    if let Ok(t) = token.parse::<Timestamp>() {
        return Some((t, end));
    }
    let dt: DateTime = token.parse().ok()?;
    Some((times.resolve_naive(dt)?, end))
}

/// Splits `ident[pid]: message` (or `ident: message`, `[ident]: message`, `[ident] message`).
fn tag(rest: &str) -> Option<(&str, Option<u32>, &str)> {
    let b = rest.as_bytes();
    if b.first() == Some(&b'[') {
        let close = memchr::memchr(b']', b)?;
        let ident = &rest[1..close];
        let after = &rest[close + 1..];
        let msg = after.strip_prefix(':').unwrap_or(after);
        return Some((ident, None, msg.strip_prefix(' ').unwrap_or(msg)));
    }
    // The tag runs to the first ':' and holds no space (a short scan: no memchr set-up).
    let colon = b.iter().position(|&c| c == b':' || c == b' ')?;
    if colon == 0 || b[colon] != b':' {
        return None;
    }
    let head = &rest[..colon];
    let msg = &rest[colon + 1..];
    let msg = msg.strip_prefix(' ').unwrap_or(msg);
    let hb = head.as_bytes();
    if hb.last() == Some(&b']') {
        if let Some(open) = hb.iter().rposition(|&c| c == b'[') {
            let pid = parse_pid(&hb[open + 1..hb.len() - 1]);
            return Some((&head[..open], pid, msg));
        }
    }
    Some((head, None, msg))
}

/// A process id: 1 to 10 ASCII digits that fit a `u32`.
fn parse_pid(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 10 {
        return None;
    }
    let mut pid: u32 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        pid = pid.checked_mul(10)?.checked_add(u32::from(d - b'0'))?;
    }
    Some(pid)
}

/// Host and tag after the time: `host ident[pid]: msg`, or `ident[pid]: msg` without a host.
fn host_and_tag(rest: &str) -> Option<(Option<&str>, &str, Option<u32>, &str)> {
    let rest = rest.trim_start_matches(' ');
    let first_end = rest
        .as_bytes()
        .iter()
        .position(|&c| c == b' ')
        .unwrap_or(rest.len());
    let first = &rest[..first_end];
    if first.ends_with(':') || first.starts_with('[') {
        let (ident, pid, msg) = tag(rest)?;
        return Some((None, ident, pid, msg));
    }
    // Extra spaces between the fields (hand-written templates, `%HOSTNAME%  %syslogtag%`).
    let after = rest.get(first_end + 1..)?.trim_start_matches(' ');
    let after = skip_facility(after);
    let (ident, pid, msg) = tag(after)?;
    Some((Some(first), ident, pid, msg))
}

/// BusyBox syslogd (Alpine, embedded systems) writes `facility.priority` between the host and
/// the tag (`Jun  7 04:10:35 alpine authpriv.info dropbear[2130]: …`): skips that one word when
/// it is a syslog facility and priority, so the tag after it is read as on any other host.
fn skip_facility(s: &str) -> &str {
    const FACILITIES: [&str; 23] = [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
        "authpriv", "ftp", "ntp", "security", "console", "local0", "local1", "local2", "local3",
        "local4", "local5", "local6", "local7",
    ];
    const PRIORITIES: [&str; 11] = [
        "emerg", "panic", "alert", "crit", "err", "error", "warn", "warning", "notice", "info",
        "debug",
    ];
    let end = crate::spaces::word_len(s.as_bytes());
    let Some((fac, pri)) = s[..end].split_once('.') else {
        return s;
    };
    if FACILITIES.contains(&fac) && PRIORITIES.contains(&pri) {
        s.get(end + 1..).unwrap_or(s)
    } else {
        s
    }
}

/// Parses an RFC 5424 line after `<pri>`: `1 TIME HOST APP PROCID MSGID SD MSG`.
fn rfc5424<'a>(s: &'a str, times: &TimeResolver) -> Option<SyslogLine<'a>> {
    let s = s.strip_prefix("1 ")?;
    let mut fields = [""; 5];
    let mut rest = s;
    for f in &mut fields {
        let end = memchr::memchr(b' ', rest.as_bytes())?;
        *f = &rest[..end];
        rest = &rest[end + 1..];
    }
    let time = if fields[0] == "-" {
        None
    } else {
        iso_time(fields[0], times).map(|(t, _)| t)
    };
    // Structured data: "-" or one or more [..] elements with quoted values (\] escapes).
    let b = rest.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i = 1;
    } else {
        while b.get(i) == Some(&b'[') {
            let mut in_quotes = false;
            i += 1;
            while i < b.len() {
                match b[i] {
                    b'\\' => i += 1,
                    b'"' => in_quotes = !in_quotes,
                    b']' if !in_quotes => break,
                    _ => {}
                }
                i += 1;
            }
            i += 1;
        }
    }
    let msg = rest.get(i.min(rest.len())..).unwrap_or("");
    let msg = msg.strip_prefix(' ').unwrap_or(msg);
    let msg = msg.strip_prefix('\u{feff}').unwrap_or(msg);
    let nil = |f: &'a str| if f == "-" { None } else { Some(f) };
    Some(SyslogLine {
        time,
        host: nil(fields[1]),
        ident: nil(fields[2]).unwrap_or(""),
        pid: fields[3].parse().ok(),
        message: msg,
        repeat: 1,
    })
}

/// Unfolds rsyslog's `message repeated N times: [ msg]`.
fn unfold_repeat(line: &mut SyslogLine<'_>) {
    (line.message, line.repeat) = unfold(line.message);
}

/// The message inside rsyslog's `message repeated N times: [ msg]` and N, or the message
/// itself and 1.
#[inline(always)]
fn unfold(message: &str) -> (&str, u32) {
    if message.as_bytes().first() != Some(&b'm') {
        return (message, 1);
    }
    unfold_slow(message)
}

fn unfold_slow(message: &str) -> (&str, u32) {
    let Some(rest) = message.strip_prefix("message repeated ") else {
        return (message, 1);
    };
    let Some((n, rest)) = rest.split_once(" times: [") else {
        return (message, 1);
    };
    let Ok(n) = n.parse::<u32>() else {
        return (message, 1);
    };
    let inner = rest.strip_suffix(']').unwrap_or(rest);
    (inner.strip_prefix(' ').unwrap_or(inner), n.max(1))
}

/// Remembers the host and program of a line whose tag was `ident[pid]:`.
fn remember_names(prev: &mut PrevHeader, host: Option<&str>, ident: &str, pid: Option<u32>) {
    let (Some(host), Some(_)) = (host, pid) else {
        return;
    };
    if ident.is_empty() || ident.starts_with('[') || host.is_empty() {
        return;
    }
    let same = prev.host_len == host.len()
        && prev.tag_head.len() == host.len() + ident.len() + 2
        && prev.tag_head.starts_with(host.as_bytes())
        && prev.tag_head[host.len() + 1..].starts_with(ident.as_bytes());
    if !same {
        prev.tag_head.clear();
        prev.tag_head.extend_from_slice(host.as_bytes());
        prev.tag_head.push(b' ');
        prev.tag_head.extend_from_slice(ident.as_bytes());
        prev.tag_head.push(b'[');
        prev.host_len = host.len();
    }
}

/// The common case of a busy log: `Mmm dd hh:mm:ss host ident[pid]: message` with the hour,
/// host and program of the previous line. Gives exactly what the general path would, or `None`
/// to let it decide.
#[inline]
fn same_shape_as_previous<'a>(s: &'a str, times: &mut TimeResolver) -> Option<SyslogLine<'a>> {
    let b = s.as_bytes();
    let prev = &mut times.prev;
    let (prefix, base) = prev.hour.as_ref()?;
    let stamp: &[u8; 16] = b.get(..16)?.try_into().ok()?;
    let (hour, rest) = stamp.split_at(HOUR_PREFIX);
    if hour != prefix.as_slice() || rest[2] != b':' || rest[5] != b' ' {
        return None;
    }
    let m = two_digits(&rest[0..2])?;
    let sec = two_digits(&rest[3..5])?;
    if m >= 60 || sec >= 61 {
        return None;
    }
    let head = prev.tag_head.as_slice();
    let pid_at = BSD_STAMP + 1 + head.len();
    if head.is_empty() || b.get(BSD_STAMP + 1..pid_at)? != head {
        return None;
    }
    // 1 to 10 digits, `]`, `:`.
    let mut pid: u64 = 0;
    let mut close = pid_at;
    while let Some(d) = b.get(close).filter(|d| d.is_ascii_digit()) {
        pid = pid * 10 + u64::from(d - b'0');
        close += 1;
        if close - pid_at > 10 {
            return None;
        }
    }
    if close == pid_at || b.get(close) != Some(&b']') || b.get(close + 1) != Some(&b':') {
        return None;
    }
    let pid = u32::try_from(pid).ok()?;
    let secs = base + i64::from(m) * 60 + i64::from(sec);
    let time = match prev.time {
        Some((at, t)) if at == secs => t,
        _ => {
            let t = huoyan_core::time::from_unix(secs, 0)?;
            prev.time = Some((secs, t));
            t
        }
    };
    let host_end = BSD_STAMP + 1 + prev.host_len;
    let msg = &s[close + 2..];
    let (message, repeat) = unfold(msg.strip_prefix(' ').unwrap_or(msg));
    Some(SyslogLine {
        time: Some(time),
        host: Some(&s[BSD_STAMP + 1..host_end]),
        ident: &s[host_end + 1..pid_at - 1],
        pid: Some(pid),
        message,
        repeat,
    })
}

/// Parses one line (without its newline). Lines without a recognisable time are still parsed as
/// `host ident[pid]: message` (the shape of `journalctl -o short` without dates) with no time;
/// `None` when the line has no tag at all.
#[inline]
pub fn parse_line<'a>(line: &'a str, times: &mut TimeResolver) -> Option<SyslogLine<'a>> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    // The common case first, built where the caller keeps it.
    if let Some(out) = same_shape_as_previous(line, times) {
        return Some(out);
    }
    parse_line_in_full(line, times)
}

/// [`parse_line`] after the shortcut failed (or for a line with a priority prefix).
fn parse_line_in_full<'a>(line: &'a str, times: &mut TimeResolver) -> Option<SyslogLine<'a>> {
    let mut s = line;
    if s.starts_with('<') {
        let head = &s.as_bytes()[..s.len().min(6)];
        if let Some(close) = memchr::memchr(b'>', head) {
            if s[1..close].bytes().all(|c| c.is_ascii_digit()) {
                s = &s[close + 1..];
                if s.starts_with("1 ") {
                    let mut out = rfc5424(s, times)?;
                    unfold_repeat(&mut out);
                    return Some(out);
                }
            }
        }
    }
    // `parse_line` already tried the shortcut on the line as it came.
    if s.len() != line.len() {
        if let Some(out) = same_shape_as_previous(s, times) {
            return Some(out);
        }
    }
    let (time, rest) = if let Some(((mo, d, h, mi, se), n)) = bsd_time(s.as_bytes()) {
        if n == BSD_STAMP {
            if let (Some(base), Ok(prefix)) = (
                times.hour_start(mo, d, h),
                <[u8; HOUR_PREFIX]>::try_from(&s.as_bytes()[..HOUR_PREFIX]),
            ) {
                times.prev.hour = Some((prefix, base));
            }
        }
        (times.resolve(mo, d, h, mi, se), &s[n..])
    } else if let Some((t, n)) = iso_time(s, times) {
        (Some(t), &s[n..])
    } else {
        (None, s)
    };
    let (host, ident, pid, message) = host_and_tag(rest)?;
    if time.is_some() && s.len() > BSD_STAMP && rest.len() == s.len() - BSD_STAMP {
        remember_names(&mut times.prev, host, ident, pid);
    }
    let mut out = SyslogLine {
        time,
        host,
        ident,
        pid,
        message,
        repeat: 1,
    };
    unfold_repeat(&mut out);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolver() -> TimeResolver {
        TimeResolver::new(TimeZone::UTC, "2026-01-10T00:00:00Z".parse().expect("ts"))
    }

    #[test]
    fn bsd_line_with_year_boundary() {
        let mut t = resolver();
        let l = parse_line(
            "Dec 31 23:59:58 web1 sshd[812]: Failed password for root from 203.0.113.9 port 4 ssh2",
            &mut t,
        )
        .expect("line");
        assert_eq!(l.time.expect("time").to_string(), "2025-12-31T23:59:58Z");
        assert_eq!(l.host, Some("web1"));
        assert_eq!(l.ident, "sshd");
        assert_eq!(l.pid, Some(812));
        let l = parse_line("Jan  2 00:00:01 web1 CRON[9]: x", &mut t).expect("line");
        assert_eq!(l.time.expect("time").to_string(), "2026-01-02T00:00:01Z");
    }

    /// Lines parsed after a similar line (the shortcut for a repeated header) give exactly what a
    /// fresh parse gives.
    #[test]
    fn shortcut_agrees_with_a_fresh_parse() {
        let lines = [
            "Nov  1 00:00:00 web1 sshd[10001]: Failed password for root from 1.2.3.4 port 5 ssh2",
            "Nov  1 00:00:01 web1 sshd[10002]: Invalid user a from 1.2.3.4 port 5",
            "Nov  1 00:00:01 web1 sshd[10002]: message repeated 3 times: [ Failed password for x]",
            "Nov  1 00:00:02 web1 sshd[]: empty pid",
            "Nov  1 00:00:02 web1 sshd[12345678901]: eleven digits",
            "Nov  1 00:00:02 web1 sshd[4294967296]: too big",
            "Nov  1 00:00:02 web1 sshd[4294967295]: largest",
            "Nov  1 00:00:03 web1 sshd[7] no colon",
            "Nov  1 00:00:03 web1 sshd[7]:no space",
            "Nov  1 00:00:03 web1 sshd[7]:",
            "Nov  1 00:00:03 web1  sshd[7]: two spaces",
            "Nov  1 00:00:03 web2 sshd[7]: other host",
            "Nov  1 00:00:03 web1 sshd-session[7]: other ident",
            "Nov  1 00:00:03 web1 sshd[7]: back\r",
            "Nov  1 00:00:60 web1 sshd[7]: leap second",
            "Nov  1 00:60:00 web1 sshd[7]: bad minute",
            "Nov  1 00:0a:00 web1 sshd[7]: bad digit",
            "Nov  1 01:00:00 web1 sshd[7]: next hour",
            "Nov  1 01:00:00  web1 sshd[7]: double space",
            "Nov  1 01:00:00 web1 sshd[7][8]: nested",
            "Nov  1 01:00:00 web1 s[d[7]: bracket in ident",
            "Nov  1 01:00:00 web1 s[d[8]: bracket in ident again",
            "Nov  1 01:00:00 web1 CRON[9]: cron",
            "Nov  1 01:00:00 web1 CRON[10]: cron again",
            "Nov  1 01:00:00 web1 sudo:   deploy : no pid",
            "Nov  1 01:00:00 web1 CRON[11]: after no pid",
            "Nov 1 01:00:00 web1 CRON[12]: one space day",
            "<13>Nov  1 01:00:00 web1 CRON[13]: with priority",
            "Nov  1 01:00:00 web1 CRON[14]: message repeated x times: [ y]",
            "Nov  1 01:00:00 web1 CRON[15]: \u{e9}t\u{e9}",
        ];
        let mut shared = resolver();
        for line in lines {
            let fresh = parse_line(line, &mut resolver());
            let reused = parse_line(line, &mut shared);
            assert_eq!(fresh, reused, "{line}");
            // Twice, so that each line also follows itself.
            assert_eq!(fresh, parse_line(line, &mut shared), "{line}");
        }
    }

    #[test]
    fn high_precision_and_5424() {
        let mut t = resolver();
        let l = parse_line(
            "2026-01-05T10:00:00.123456+01:00 h sshd[1]: Accepted publickey for a from 1.2.3.4 port 5 ssh2",
            &mut t,
        )
        .expect("line");
        assert_eq!(
            l.time.expect("time").to_string(),
            "2026-01-05T09:00:00.123456Z"
        );
        let l = parse_line(
            "<38>1 2019-07-08T17:40:17.954167-04:00 h.example sshd 55555 - [a b=\"[x]\"][c@1 d=\"e\"] Failed unknown",
            &mut t,
        )
        .expect("line");
        assert_eq!(l.message, "Failed unknown");
        assert_eq!(l.pid, Some(55555));
        assert_eq!(l.ident, "sshd");
    }

    #[test]
    fn repeated_and_odd_tags() {
        let mut t = resolver();
        let l = parse_line(
            "Jan  5 01:00:00 h sshd[3]: message repeated 4 times: [ Failed password for root from 1.1.1.1 port 2 ssh2]",
            &mut t,
        )
        .expect("line");
        assert_eq!(l.repeat, 4);
        assert!(l.message.starts_with("Failed password"));
        let l = parse_line("Mar  3 00:17:22 [sshd]: User root", &mut t).expect("line");
        assert_eq!((l.ident, l.message), ("sshd", "User root"));
        let l = parse_line("Nov 23 21:50:19 sshd[8148]: Disconnecting", &mut t).expect("line");
        assert_eq!((l.host, l.ident, l.pid), (None, "sshd", Some(8148)));
        let l = parse_line("srv sshd[5]: hello", &mut t).expect("line");
        assert_eq!((l.time, l.ident), (None, "sshd"));
    }

    /// BusyBox syslogd's `facility.priority` word between host and tag, with and without the
    /// host; a word that only looks like one (`my.host`) stays part of the line; extra spaces
    /// between host and tag are skipped.
    #[test]
    fn busybox_facility_and_priority() {
        let mut t = resolver();
        for line in [
            "Jan  5 01:00:00 alpine authpriv.info dropbear[2130]: Password auth succeeded for 'root' from 192.0.2.7:50022",
            "Jan  5 01:00:00 alpine auth.info sshd[2131]: Password auth succeeded for 'root' from 192.0.2.7:50022",
            "Jan  5 01:00:00 alpine local7.warn dropbear[2130]: Password auth succeeded for 'root' from 192.0.2.7:50022",
        ] {
            let l = parse_line(line, &mut t).expect("line");
            assert_eq!(l.host, Some("alpine"), "{line}");
            assert!(l.ident == "dropbear" || l.ident == "sshd", "{line}");
            assert!(l.message.starts_with("Password auth"), "{line}");
        }
        let l = parse_line(
            "Jan  5 01:00:00 dropbear[7]: Exit before auth from <192.0.2.7:1>: Exited normally",
            &mut t,
        )
        .expect("line");
        assert_eq!((l.host, l.ident, l.pid), (None, "dropbear", Some(7)));
        assert!(parse_line("Jan  5 01:00:00 h my.host sshd[1]: x", &mut t).is_none());
        let l = parse_line("Jan  5 01:00:00 h  sshd[4]: Accepted", &mut t).expect("line");
        assert_eq!((l.host, l.ident, l.pid), (Some("h"), "sshd", Some(4)));
    }

    #[test]
    fn random_lines_never_panic() {
        // A small deterministic generator over pieces of real lines and multi-byte text.
        let pieces = [
            "<",
            ">",
            "1 ",
            "Jan",
            " ",
            "  ",
            "2026-",
            "T",
            ":",
            "[",
            "]",
            "sshd",
            "[12]",
            ": ",
            "Failed password for ",
            "invalid user ",
            " from ",
            "1.2.3.4",
            " port ",
            "22",
            " ssh2",
            "é",
            "火眼",
            "\u{0}",
            "message repeated 3 times: [",
            "pam_unix(sshd:auth): ",
            "authentication failure;",
            " rhost=",
            " user=",
            "Accepted ",
            "(to root) ",
            "'",
        ];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut t = resolver();
        let mut ex = crate::auth::AuthExtractor::new();
        for _ in 0..20_000 {
            let mut line = String::new();
            for _ in 0..(x % 12) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                line.push_str(pieces[(x % pieces.len() as u64) as usize]);
            }
            x = x.wrapping_add(1);
            if let Some(l) = parse_line(&line, &mut t) {
                let rec = crate::auth::LogRecord {
                    time: l.time,
                    host: l.host,
                    ident: l.ident,
                    pid: l.pid,
                    message: l.message,
                    repeat: l.repeat,
                    line: 1,
                };
                ex.feed(&rec, &mut |_: &crate::auth::AuthEvent| {});
            }
            let _ = crate::auth_sshd::classify(&line);
            let _ = crate::auth_system::classify("sudo", &line);
            let _ = crate::auth_system::classify("dropbear", &line);
            let _ = crate::auth_system::classify("su", &line);
            let _ = crate::auth_system::classify("useradd", &line);
            let _ = crate::auth::from_audit_line(&line, 1);
        }
        ex.finish(&mut |_: &crate::auth::AuthEvent| {});
    }

    #[test]
    fn garbage_never_panics() {
        let mut t = resolver();
        for s in [
            "",
            "<",
            "<9999999",
            "<1>1 ",
            "Jan",
            "Jan 99 99:99:99 x y:",
            "\u{0}\u{1}:",
            "<12é火>1 x",
            "<火眼火眼",
        ] {
            let _ = parse_line(s, &mut t);
        }
    }
}
