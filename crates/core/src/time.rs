//! Time: UTC timestamps, the `--since`/`--until` window, and parsing what responders type.
//!
//! Everything huoyan reports is in UTC with microsecond precision, so events from logs, file
//! times, process start times and findings line up in one timeline whatever the host's zone.

use serde::{Deserialize, Serialize};

/// A point in time (UTC), re-exported from jiff.
pub type Timestamp = jiff::Timestamp;

/// Builds a timestamp from Unix seconds and nanoseconds; `None` when out of range.
pub fn from_unix(secs: i64, nanos: i64) -> Option<Timestamp> {
    let nanos = i32::try_from(nanos.clamp(0, 999_999_999)).ok()?;
    Timestamp::new(secs, nanos).ok()
}

/// Builds a timestamp from Unix microseconds.
pub fn from_unix_micros(micros: i64) -> Option<Timestamp> {
    Timestamp::from_microsecond(micros).ok()
}

/// The current time.
pub fn now() -> Timestamp {
    Timestamp::now()
}

/// Formats as RFC 3339 UTC with microseconds (`2026-11-28T02:14:09.000000Z`).
pub fn format_utc(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Formats compactly for tables (`2026-11-28 02:14:09`).
pub fn format_short(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%S").to_string()
}

/// Error for a time the responder typed that could not be understood.
#[derive(Debug, thiserror::Error)]
#[error("cannot understand time {0:?}: use RFC 3339 (2026-11-01T00:00:00Z), a date (2026-11-01), a date and time (2026-11-01 12:00), or a duration back from now (7d, 12h, 30m)")]
pub struct TimeParseError(pub String);

/// Parses a `--since`/`--until` value: RFC 3339, `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]` (UTC),
/// Unix seconds (`@1700000000`), or a duration back from `now` (`90s`, `30m`, `12h`, `7d`, `2w`).
pub fn parse_when(s: &str, now: Timestamp) -> Result<Timestamp, TimeParseError> {
    let s = s.trim();
    let err = || TimeParseError(s.to_string());
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    if let Some(secs) = s.strip_prefix('@') {
        let secs: i64 = secs.parse().map_err(|_| err())?;
        return from_unix(secs, 0).ok_or_else(err);
    }
    if s.ends_with(|c: char| c.is_ascii_alphabetic()) && s.starts_with(|c: char| c.is_ascii_digit())
    {
        let secs = parse_duration(s).ok_or_else(err)?.as_secs();
        let secs = i64::try_from(secs).map_err(|_| err())?;
        return from_unix(now.as_second().saturating_sub(secs), 0).ok_or_else(err);
    }
    for fmt in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(dt) = jiff::civil::DateTime::strptime(fmt, s) {
            return dt
                .to_zoned(jiff::tz::TimeZone::UTC)
                .map(|z| z.timestamp())
                .map_err(|_| err());
        }
    }
    if let Ok(d) = jiff::civil::Date::strptime("%Y-%m-%d", s) {
        return d
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|_| err());
    }
    Err(err())
}

/// Parses a duration such as `5m`, `3s`, `1h30m`, `2w`, `90` (seconds): the one duration parser
/// of the workspace (`--rollback-after`, the `7d` of `--since`).
pub fn parse_duration(s: &str) -> Option<std::time::Duration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(secs) = s.parse::<u64>() {
        return Some(std::time::Duration::from_secs(secs));
    }
    let mut total = 0u64;
    let mut num = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: u64 = num.parse().ok()?;
        num.clear();
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            'w' => 7 * 86400,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    if !num.is_empty() {
        return None;
    }
    Some(std::time::Duration::from_secs(total))
}

/// The time zone of a root, from its own `/etc/localtime` (TZif), else `/etc/timezone` naming a
/// file under `/usr/share/zoneinfo`, else UTC. Logs that carry local time without a zone
/// (syslog, dpkg.log) are converted with it. Never consults the huoyan process's own zone.
pub fn root_timezone(root: &crate::Root) -> jiff::tz::TimeZone {
    if let Ok(data) = root.read_capped("/etc/localtime", 1 << 20) {
        if let Ok(tz) = jiff::tz::TimeZone::tzif("localtime", &data.data) {
            return tz;
        }
    }
    if let Ok(name) = root.read_string_lossy("/etc/timezone") {
        let name = name.trim();
        if !name.is_empty() && !name.contains("..") {
            if let Ok(data) = root.read_capped(format!("/usr/share/zoneinfo/{name}"), 1 << 20) {
                if let Ok(tz) = jiff::tz::TimeZone::tzif(name, &data.data) {
                    return tz;
                }
            }
        }
    }
    jiff::tz::TimeZone::UTC
}

/// The responder's time window of interest (either end open).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Start (inclusive).
    pub since: Option<Timestamp>,
    /// End (inclusive).
    pub until: Option<Timestamp>,
}

impl Window {
    /// True when `t` lies inside the window (an unknown time counts as inside).
    pub fn contains(&self, t: Option<Timestamp>) -> bool {
        let Some(t) = t else { return true };
        self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t <= u)
    }

    /// True when the window is open at both ends.
    pub fn is_unbounded(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms() {
        let now: Timestamp = "2026-11-28T00:00:00Z".parse().expect("ts");
        assert_eq!(
            parse_when("2026-11-01", now).expect("date").to_string(),
            "2026-11-01T00:00:00Z"
        );
        assert_eq!(
            parse_when("2026-11-01 12:30", now).expect("dt").to_string(),
            "2026-11-01T12:30:00Z"
        );
        assert_eq!(
            parse_when("7d", now).expect("rel").to_string(),
            "2026-11-21T00:00:00Z"
        );
        assert_eq!(
            parse_when("@0", now).expect("unix").to_string(),
            "1970-01-01T00:00:00Z"
        );
        assert!(parse_when("yesterday-ish", now).is_err());
    }

    #[test]
    fn window_contains() {
        let w = Window {
            since: Some("2026-01-01T00:00:00Z".parse().expect("ts")),
            until: None,
        };
        assert!(w.contains(Some("2026-02-01T00:00:00Z".parse().expect("ts"))));
        assert!(!w.contains(Some("2025-02-01T00:00:00Z".parse().expect("ts"))));
        assert!(w.contains(None));
    }

    #[test]
    fn formats_micros() {
        let t = from_unix(1_700_000_000, 5_000).expect("ts");
        assert_eq!(format_utc(t), "2023-11-14T22:13:20.000005Z");
    }
}
