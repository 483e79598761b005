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
//!
//! rsyslog's `message repeated N times: [ msg ]` is unfolded into `msg` with a repeat count, so a
//! burst of identical failures is counted as what it was. Parsing borrows from the line and never
//! allocates: a gigabyte of auth log goes through at disk speed.

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
}

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
        if !(0..60).contains(&m) || !(0..61).contains(&s) {
            return None;
        }
        huoyan_core::time::from_unix(base + i64::from(m) * 60 + i64::from(s), 0)
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

/// Parses `Mmm dd hh:mm:ss` (day space-padded or not) at the start; returns the parts and the
/// length consumed.
fn bsd_time(b: &[u8]) -> Option<((i8, i8, i8, i8, i8), usize)> {
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
    let colon = memchr::memchr(b':', b)?;
    let head = &rest[..colon];
    if head.is_empty() || head.contains(' ') {
        return None;
    }
    let msg = &rest[colon + 1..];
    let msg = msg.strip_prefix(' ').unwrap_or(msg);
    if let Some(open) = head.rfind('[') {
        if head.ends_with(']') {
            let pid = head[open + 1..head.len() - 1].parse().ok();
            return Some((&head[..open], pid, msg));
        }
    }
    Some((head, None, msg))
}

/// Host and tag after the time: `host ident[pid]: msg`, or `ident[pid]: msg` without a host.
fn host_and_tag(rest: &str) -> Option<(Option<&str>, &str, Option<u32>, &str)> {
    let rest = rest.trim_start_matches(' ');
    let first_end = memchr::memchr(b' ', rest.as_bytes()).unwrap_or(rest.len());
    let first = &rest[..first_end];
    if first.ends_with(':') || first.starts_with('[') {
        let (ident, pid, msg) = tag(rest)?;
        return Some((None, ident, pid, msg));
    }
    let after = rest.get(first_end + 1..)?;
    let (ident, pid, msg) = tag(after)?;
    Some((Some(first), ident, pid, msg))
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
    let Some(rest) = line.message.strip_prefix("message repeated ") else {
        return;
    };
    let Some((n, rest)) = rest.split_once(" times: [") else {
        return;
    };
    let Ok(n) = n.parse::<u32>() else { return };
    let inner = rest.strip_suffix(']').unwrap_or(rest);
    line.message = inner.strip_prefix(' ').unwrap_or(inner);
    line.repeat = n.max(1);
}

/// Parses one line (without its newline). Lines without a recognisable time are still parsed as
/// `host ident[pid]: message` (the shape of `journalctl -o short` without dates) with no time;
/// `None` when the line has no tag at all.
pub fn parse_line<'a>(line: &'a str, times: &mut TimeResolver) -> Option<SyslogLine<'a>> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut s = line;
    if s.starts_with('<') {
        if let Some(close) = s[..s.len().min(6)].find('>') {
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
    let (time, rest) = if let Some(((mo, d, h, mi, se), n)) = bsd_time(s.as_bytes()) {
        (times.resolve(mo, d, h, mi, se), &s[n..])
    } else if let Some((t, n)) = iso_time(s, times) {
        (Some(t), &s[n..])
    } else {
        (None, s)
    };
    let (host, ident, pid, message) = host_and_tag(rest)?;
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

/// Calls `visit(line_number, line)` for every line of a stream (1-based numbers, newline
/// removed). Reads in large blocks and splits with memchr; a line longer than `max_line` bytes
/// is cut (the rest is skipped), so one hostile line cannot exhaust memory.
pub fn for_each_line<R: std::io::Read>(
    mut reader: R,
    max_line: usize,
    visit: &mut dyn FnMut(u64, &[u8]),
) -> std::io::Result<()> {
    let mut buf = vec![0u8; 1 << 20];
    let mut carry: Vec<u8> = Vec::new();
    let mut skipping = false;
    let mut lineno = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let mut chunk = &buf[..n];
        while let Some(nl) = memchr::memchr(b'\n', chunk) {
            let piece = &chunk[..nl];
            chunk = &chunk[nl + 1..];
            lineno += 1;
            if skipping {
                skipping = false;
                carry.clear();
                continue;
            }
            if carry.is_empty() {
                visit(lineno, &piece[..piece.len().min(max_line)]);
            } else {
                let room = max_line.saturating_sub(carry.len());
                carry.extend_from_slice(&piece[..piece.len().min(room)]);
                visit(lineno, &carry);
                carry.clear();
            }
        }
        if !skipping {
            let room = max_line.saturating_sub(carry.len());
            carry.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if chunk.len() > room {
                lineno += 1;
                visit(lineno, &carry);
                carry.clear();
                skipping = true;
                lineno -= 1;
            }
        }
    }
    if !carry.is_empty() && !skipping {
        lineno += 1;
        visit(lineno, &carry);
    }
    Ok(())
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
        ] {
            let _ = parse_line(s, &mut t);
        }
    }

    #[test]
    fn splits_lines_and_caps_long_ones() {
        let data = b"a\nbb\n".repeat(3);
        let mut seen = Vec::new();
        for_each_line(&data[..], 10, &mut |n, l| seen.push((n, l.to_vec()))).expect("read");
        assert_eq!(seen.len(), 6);
        let mut long = vec![b'x'; 100];
        long.extend_from_slice(b"\nok");
        let mut seen = Vec::new();
        for_each_line(&long[..], 10, &mut |n, l| seen.push((n, l.len()))).expect("read");
        assert_eq!(seen, vec![(1, 10), (2, 2)]);
    }
}
