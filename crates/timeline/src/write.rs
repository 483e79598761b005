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

/// The ECS version the rows follow.
pub const ECS_VERSION: &str = "8.11.0";

#[derive(Serialize)]
struct EcsVersion {
    version: &'static str,
}

#[derive(Serialize)]
struct EcsRow<'a> {
    #[serde(rename = "@timestamp")]
    timestamp: String,
    ecs: EcsVersion,
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
    #[serde(rename = "type")]
    kind_type: [&'static str; 1],
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
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
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    uuid: Option<String>,
}

#[derive(Serialize)]
struct EcsThreat<'a> {
    framework: &'static str,
    technique: EcsTechnique<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tactic: Option<EcsTactic>,
}

#[derive(Serialize)]
struct EcsTactic {
    id: Vec<&'static str>,
    name: Vec<&'static str>,
}

/// ECS `event.type` for an event: one of the values ECS allows for its category.
fn ecs_type(e: &Event) -> &'static str {
    use crate::Category::*;
    let kind = e.kind.as_str();
    match e.category {
        Authentication if kind.contains("logout") || kind.ends_with("_end") => "end",
        Authentication => "start",
        File if kind.contains("creat") || kind.contains("birth") => "creation",
        File if kind.contains("delet") || kind.contains("remov") => "deletion",
        File if kind.contains("access") => "access",
        File => "change",
        Process if kind.contains("end") || kind.contains("exit") => "end",
        Process => "start",
        Network => "connection",
        Package if kind.contains("remov") || kind.contains("purge") => "deletion",
        Package if kind.contains("upgrad") => "change",
        Package => "installation",
        Iam if kind.contains("group") => "group",
        Iam if kind.contains("add") || kind.contains("creat") || kind.contains("new") => "creation",
        Iam if kind.contains("del") || kind.contains("remov") => "deletion",
        Iam => "change",
        Web => "access",
        Host if kind.contains("shutdown") || kind.contains("stop") => "end",
        Host if kind.contains("boot") || kind.contains("start") => "start",
        Host => "change",
        IntrusionDetection => "info",
    }
}

/// ECS `event.outcome`: failure for failed logins and refusals, success for what happened,
/// unknown for a finding (an alert is neither).
fn ecs_outcome(e: &Event) -> &'static str {
    let kind = e.kind.as_str();
    if e.finding_id.is_some() {
        "unknown"
    } else if kind.contains("fail") || kind.contains("invalid") || kind.contains("denied") {
        "failure"
    } else {
        "success"
    }
}

/// A name-based UUID (version 5 layout) from a finding id: stable across exports of one case.
fn uuid_of(text: &str) -> String {
    let hex = huoyan_core::hash::sha256_bytes(text.as_bytes());
    let mut c: Vec<char> = hex.chars().take(32).collect();
    if c.len() < 32 {
        return String::new();
    }
    c[12] = '5';
    let variant = c[16].to_digit(16).unwrap_or(0);
    c[16] = char::from_digit((variant & 0x3) | 0x8, 16).unwrap_or('8');
    let s: String = c.into_iter().collect();
    format!(
        "{}-{}-{}-{}-{}",
        &s[0..8],
        &s[8..12],
        &s[12..16],
        &s[16..20],
        &s[20..32]
    )
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
        let mut tactics: Vec<huoyan_core::attack::Tactic> = e
            .mitre
            .iter()
            .filter_map(|t| huoyan_core::attack::of_technique(t))
            .collect();
        tactics.sort();
        tactics.dedup();
        let row = EcsRow {
            timestamp: huoyan_core::time::format_utc(e.time),
            ecs: EcsVersion {
                version: ECS_VERSION,
            },
            message: &e.message,
            event: EcsEvent {
                kind: if e.finding_id.is_some() {
                    "alert"
                } else {
                    "event"
                },
                category: [e.category.ecs()],
                kind_type: [ecs_type(e)],
                outcome: ecs_outcome(e),
                id: e.finding_id.as_deref(),
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
                name: id,
                uuid: e.finding_id.as_deref().map(uuid_of),
            }),
            threat: (!e.mitre.is_empty()).then(|| EcsThreat {
                framework: "MITRE ATT&CK",
                technique: EcsTechnique { id: &e.mitre },
                tactic: (!tactics.is_empty()).then(|| EcsTactic {
                    id: tactics.iter().map(|t| t.id()).collect(),
                    name: tactics.iter().map(|t| t.names().0).collect(),
                }),
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

    /// Every ECS row uses only values the ECS field reference allows (event.kind, category,
    /// the types allowed for that category, outcome), carries ecs.version, and a finding's
    /// rule.uuid is a UUID and its threat.tactic is named.
    #[test]
    fn ecs_values_are_the_allowed_ones() {
        use std::collections::HashMap;
        let allowed_types: HashMap<&str, &[&str]> = HashMap::from([
            ("authentication", &["start", "end", "info"][..]),
            (
                "file",
                &["access", "change", "creation", "deletion", "info"][..],
            ),
            ("host", &["access", "change", "end", "info", "start"][..]),
            (
                "iam",
                &[
                    "admin", "change", "creation", "deletion", "group", "info", "user",
                ][..],
            ),
            ("intrusion_detection", &["allowed", "denied", "info"][..]),
            (
                "network",
                &[
                    "access",
                    "allowed",
                    "connection",
                    "denied",
                    "end",
                    "info",
                    "protocol",
                    "start",
                ][..],
            ),
            (
                "package",
                &[
                    "access",
                    "change",
                    "deletion",
                    "info",
                    "installation",
                    "start",
                ][..],
            ),
            ("process", &["access", "change", "end", "info", "start"][..]),
            ("web", &["access", "error", "info"][..]),
        ]);
        let at = "2026-11-27T02:14:09Z".parse().expect("ts");
        let mut events = Vec::new();
        for (cat, kinds) in [
            (
                Category::Authentication,
                &["login", "failed_login", "logout"][..],
            ),
            (
                Category::File,
                &["file_modified", "file_created", "file_changed"][..],
            ),
            (Category::Process, &["process_start", "command"][..]),
            (Category::Network, &["connection"][..]),
            (
                Category::Package,
                &["package_install", "package_remove", "package_upgrade"][..],
            ),
            (
                Category::Iam,
                &["user_added", "group_changed", "password_changed"][..],
            ),
            (Category::Web, &["request", "attack"][..]),
            (Category::Host, &["boot", "shutdown", "service_change"][..]),
        ] {
            for kind in kinds {
                events.push(Event::new(at, "test", *kind, "t", cat, "m"));
            }
        }
        const INFO: huoyan_core::CheckInfo = huoyan_core::CheckInfo {
            id: "web.webshell",
            title: "t",
            title_zh: "t",
            mitre: &["T1505.003"],
            remediation: "r",
            remediation_zh: "r",
        };
        let finding = INFO
            .finding(huoyan_core::Severity::Critical, "shell")
            .at(Some(at))
            .with_id();
        events.push(Event::from_finding(&finding).expect("a timed finding is an event"));
        let mut buf = Vec::new();
        write_ecs_jsonl(&mut buf, &events, "web01").expect("write");
        let text = String::from_utf8(buf).expect("utf-8");
        let is_uuid = |u: &str| {
            let parts: Vec<&str> = u.split('-').collect();
            parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
                && u.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
                && parts[2].starts_with('5')
                && parts[3].starts_with(['8', '9', 'a', 'b'])
        };
        for line in text.lines() {
            let v: Value = serde_json::from_str(line).expect("json");
            assert_eq!(v["ecs"]["version"], ECS_VERSION);
            let kind = v["event"]["kind"].as_str().expect("kind");
            assert!(["event", "alert"].contains(&kind), "{line}");
            let cat = v["event"]["category"][0].as_str().expect("category");
            let ty = v["event"]["type"][0].as_str().expect("type");
            let allowed = allowed_types.get(cat).expect("known category");
            assert!(allowed.contains(&ty), "{cat}/{ty}: {line}");
            let outcome = v["event"]["outcome"].as_str().expect("outcome");
            assert!(
                ["success", "failure", "unknown"].contains(&outcome),
                "{line}"
            );
            if kind == "alert" {
                assert!(is_uuid(v["rule"]["uuid"].as_str().expect("uuid")), "{line}");
                assert_eq!(v["rule"]["name"], "web.webshell");
                assert_eq!(v["threat"]["tactic"]["id"][0], "TA0003");
            }
        }
        assert!(text.contains("\"outcome\":\"failure\""));
    }

    #[test]
    fn csv_guards_formulas() {
        assert_eq!(csv_field("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(csv_field("plain"), "plain");
    }
}
