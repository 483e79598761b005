//! Timeline writers: Timesketch JSONL and CSV (`message`, `datetime`, `timestamp`,
//! `timestamp_desc` plus huoyan's fields) and ECS JSONL (`@timestamp`, `event.*`, `rule.*`,
//! `threat.*`, `host.*`, `process.*`, `file.*`, `source.ip`, `user.name`, `related.*`).

use std::io::{self, Write};

use serde::Serialize;

use crate::Event;

/// `datetime` as Timesketch wants it: ISO 8601 with an explicit `+00:00`.
pub fn timesketch_datetime(e: &Event) -> String {
    e.time.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

/// One Timesketch row, borrowed from its event (no per-event map: a timeline holds hundreds of
/// thousands of events and is written three times).
#[derive(Serialize)]
struct TimesketchRow<'a> {
    message: &'a str,
    datetime: String,
    timestamp: i64,
    timestamp_desc: &'a str,
    source: &'a str,
    kind: &'a str,
    category: &'static str,
    paths: String,
    users: String,
    ips: String,
    pids: String,
    finding_id: &'a str,
    check_id: &'a str,
    severity: &'static str,
    mitre: String,
}

impl<'a> TimesketchRow<'a> {
    fn of(e: &'a Event) -> Self {
        let pids: Vec<String> = e.pids.iter().map(|p| p.to_string()).collect();
        TimesketchRow {
            message: &e.message,
            datetime: timesketch_datetime(e),
            timestamp: e.time.as_microsecond(),
            timestamp_desc: &e.timestamp_desc,
            source: &e.source,
            kind: &e.kind,
            category: e.category.ecs(),
            paths: e.paths.join(";"),
            users: e.users.join(";"),
            ips: e.ips.join(";"),
            pids: pids.join(";"),
            finding_id: e.finding_id.as_deref().unwrap_or_default(),
            check_id: e.check_id.as_deref().unwrap_or_default(),
            severity: e.severity.map(|s| s.as_str()).unwrap_or(""),
            mitre: e.mitre.join(";"),
        }
    }

    /// The values in [`CSV_COLUMNS`] order.
    fn columns(&self) -> [std::borrow::Cow<'_, str>; 15] {
        use std::borrow::Cow::{Borrowed, Owned};
        [
            Borrowed(self.message),
            Borrowed(self.datetime.as_str()),
            Owned(self.timestamp.to_string()),
            Borrowed(self.timestamp_desc),
            Borrowed(self.source),
            Borrowed(self.kind),
            Borrowed(self.category),
            Borrowed(self.paths.as_str()),
            Borrowed(self.users.as_str()),
            Borrowed(self.ips.as_str()),
            Borrowed(self.pids.as_str()),
            Borrowed(self.finding_id),
            Borrowed(self.check_id),
            Borrowed(self.severity),
            Borrowed(self.mitre.as_str()),
        ]
    }
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: &[&str] = &[
    "message",
    "datetime",
    "timestamp",
    "timestamp_desc",
    "source",
    "kind",
    "category",
    "paths",
    "users",
    "ips",
    "pids",
    "finding_id",
    "check_id",
    "severity",
    "mitre",
];

/// Writes Timesketch JSONL (one object per event).
pub fn write_timesketch_jsonl(out: &mut dyn Write, events: &[Event]) -> io::Result<()> {
    for e in events {
        huoyan_core::jsonl::to_writer(&mut *out, &TimesketchRow::of(e))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes Timesketch CSV with a header row.
pub fn write_timesketch_csv(out: &mut dyn Write, events: &[Event]) -> io::Result<()> {
    writeln!(out, "{}", CSV_COLUMNS.join(","))?;
    let mut line = String::new();
    for e in events {
        let row = TimesketchRow::of(e);
        line.clear();
        for (i, v) in row.columns().iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            push_csv_field(&mut line, v);
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Quotes a CSV field (RFC 4180). Attacker text that a spreadsheet would run as a formula
/// (`=`, `+`, `@` first) is prefixed with `'`.
pub fn csv_field(v: &str) -> String {
    let mut out = String::new();
    push_csv_field(&mut out, v);
    out
}

fn push_csv_field(out: &mut String, v: &str) {
    // Control characters (ESC, BEL, CR, BS, newlines, C1, bidi) are written as visible escapes:
    // a `cat` of the CSV must not run the attacker's terminal sequences nor forge a row.
    let v = &*huoyan_core::text::sanitize(v);
    let guard = v.starts_with(['=', '+', '@']);
    let quote = v.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
    }
    if guard {
        out.push('\'');
    }
    if quote {
        out.push_str(&v.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(v);
    }
}

#[derive(Serialize)]
struct EcsRow<'a> {
    #[serde(rename = "@timestamp")]
    timestamp: String,
    message: &'a str,
    event: EcsEvent<'a>,
    host: Named<'a>,
    related: EcsRelated<'a>,
    labels: EcsLabels<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<EcsRule<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    threat: Option<EcsThreat<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    process: Option<EcsProcess>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<EcsFile<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<EcsSource<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<Named<'a>>,
}

#[derive(Serialize)]
struct EcsEvent<'a> {
    kind: &'static str,
    category: [&'static str; 1],
    action: &'a str,
    provider: &'a str,
    created: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    severity: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    risk_score: Option<u8>,
}

#[derive(Serialize)]
struct Named<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct EcsRelated<'a> {
    ip: &'a [String],
    user: &'a [String],
}

#[derive(Serialize)]
struct EcsLabels<'a> {
    timestamp_desc: &'a str,
}

#[derive(Serialize)]
struct EcsRule<'a> {
    id: &'a str,
    uuid: Option<&'a str>,
}

#[derive(Serialize)]
struct EcsThreat<'a> {
    framework: &'static str,
    technique: EcsTechnique<'a>,
}

#[derive(Serialize)]
struct EcsTechnique<'a> {
    id: &'a [String],
}

#[derive(Serialize)]
struct EcsProcess {
    pid: u32,
}

#[derive(Serialize)]
struct EcsFile<'a> {
    path: &'a str,
}

#[derive(Serialize)]
struct EcsSource<'a> {
    ip: &'a str,
}

/// Writes ECS JSONL. `host_name` fills `host.name`.
pub fn write_ecs_jsonl(out: &mut dyn Write, events: &[Event], host_name: &str) -> io::Result<()> {
    let created = huoyan_core::time::format_utc(huoyan_core::time::now());
    for e in events {
        let severity = e.check_id.as_ref().and(e.severity);
        let row = EcsRow {
            timestamp: huoyan_core::time::format_utc(e.time),
            message: &e.message,
            event: EcsEvent {
                kind: if e.finding_id.is_some() {
                    "alert"
                } else {
                    "event"
                },
                category: [e.category.ecs()],
                action: &e.kind,
                provider: &e.source,
                created: &created,
                severity: severity.map(|s| s as u8),
                risk_score: severity.map(|s| match s {
                    huoyan_core::Severity::Info => 0,
                    huoyan_core::Severity::Low => 21,
                    huoyan_core::Severity::Medium => 47,
                    huoyan_core::Severity::High => 73,
                    huoyan_core::Severity::Critical => 99,
                }),
            },
            host: Named { name: host_name },
            related: EcsRelated {
                ip: &e.ips,
                user: &e.users,
            },
            labels: EcsLabels {
                timestamp_desc: &e.timestamp_desc,
            },
            rule: e.check_id.as_deref().map(|id| EcsRule {
                id,
                uuid: e.finding_id.as_deref(),
            }),
            threat: (!e.mitre.is_empty()).then_some(EcsThreat {
                framework: "MITRE ATT&CK",
                technique: EcsTechnique { id: &e.mitre },
            }),
            process: e.pids.first().map(|&pid| EcsProcess { pid }),
            file: e.paths.first().map(|path| EcsFile { path }),
            source: e.ips.first().map(|ip| EcsSource { ip }),
            user: e.users.first().map(|name| Named { name }),
        };
        huoyan_core::jsonl::to_writer(&mut *out, &row)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Category;
    use serde_json::Value;

    fn sample() -> Event {
        Event::new(
            "2026-11-27T02:14:09.5Z".parse().expect("ts"),
            "wtmp",
            "login",
            "Login Time",
            Category::Authentication,
            "root logged in, \"quoted\"\nnext",
        )
        .user("root")
        .ip("203.0.113.7")
    }

    #[test]
    fn timesketch_rows_have_required_columns() {
        let mut buf = Vec::new();
        write_timesketch_jsonl(&mut buf, &[sample()]).expect("write");
        let v: Value = serde_json::from_slice(&buf).expect("json");
        assert_eq!(v["datetime"], "2026-11-27T02:14:09.500000+00:00");
        assert_eq!(v["timestamp"], 1_795_745_649_500_000i64);
        assert_eq!(v["timestamp_desc"], "Login Time");
        let mut csv = Vec::new();
        write_timesketch_csv(&mut csv, &[sample()]).expect("csv");
        let text = String::from_utf8(csv).expect("utf8");
        assert!(text.starts_with("message,datetime,timestamp,timestamp_desc,"));
        // The newline in the message is written as a visible `\n`: one event, one CSV line.
        assert!(text.contains("\"root logged in, \"\"quoted\"\"\\nnext\""));
        assert_eq!(text.lines().count(), 2);
    }

    /// Issue 23 item 5: ESC, BEL, CR, BS, C1 and bidi controls in a field are escaped.
    #[test]
    fn csv_fields_carry_no_raw_control_characters() {
        let v = "web\u{1b}[2J\u{7}01\r\u{8}CRITICAL:\u{9b}\u{202e}x\ny";
        let field = csv_field(v);
        assert!(
            !field.chars().any(huoyan_core::text::is_dangerous),
            "{field:?}"
        );
        assert!(field.contains("CRITICAL:"));
    }

    #[test]
    fn ecs_rows() {
        let mut buf = Vec::new();
        write_ecs_jsonl(&mut buf, &[sample()], "web01").expect("write");
        let v: Value = serde_json::from_slice(&buf).expect("json");
        assert_eq!(v["event"]["kind"], "event");
        assert_eq!(v["source"]["ip"], "203.0.113.7");
        assert_eq!(v["user"]["name"], "root");
        assert!(v["@timestamp"].as_str().expect("ts").ends_with('Z'));
    }

    #[test]
    fn csv_guards_formulas() {
        assert_eq!(csv_field("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(csv_field("plain"), "plain");
    }
}
