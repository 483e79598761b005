//! Timeline writers: Timesketch JSONL and CSV (`message`, `datetime`, `timestamp`,
//! `timestamp_desc` plus huoyan's fields) and ECS JSONL (`@timestamp`, `event.*`, `rule.*`,
//! `threat.*`, `host.*`, `process.*`, `file.*`, `source.ip`, `user.name`, `related.*`).

use std::io::{self, Write};

use serde_json::{json, Map, Value};

use crate::Event;

/// `datetime` as Timesketch wants it: ISO 8601 with an explicit `+00:00`.
pub fn timesketch_datetime(e: &Event) -> String {
    e.time.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

fn timesketch_object(e: &Event) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("message".into(), json!(e.message));
    m.insert("datetime".into(), json!(timesketch_datetime(e)));
    m.insert("timestamp".into(), json!(e.time.as_microsecond()));
    m.insert("timestamp_desc".into(), json!(e.timestamp_desc));
    m.insert("source".into(), json!(e.source));
    m.insert("kind".into(), json!(e.kind));
    m.insert("category".into(), json!(e.category.ecs()));
    m.insert("paths".into(), json!(e.paths.join(";")));
    m.insert("users".into(), json!(e.users.join(";")));
    m.insert("ips".into(), json!(e.ips.join(";")));
    let pids: Vec<String> = e.pids.iter().map(|p| p.to_string()).collect();
    m.insert("pids".into(), json!(pids.join(";")));
    m.insert(
        "finding_id".into(),
        json!(e.finding_id.clone().unwrap_or_default()),
    );
    m.insert(
        "check_id".into(),
        json!(e.check_id.clone().unwrap_or_default()),
    );
    m.insert(
        "severity".into(),
        json!(e.severity.map(|s| s.as_str()).unwrap_or("")),
    );
    m.insert("mitre".into(), json!(e.mitre.join(";")));
    m
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
        serde_json::to_writer(&mut *out, &Value::Object(timesketch_object(e)))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes Timesketch CSV with a header row.
pub fn write_timesketch_csv(out: &mut dyn Write, events: &[Event]) -> io::Result<()> {
    writeln!(out, "{}", CSV_COLUMNS.join(","))?;
    for e in events {
        let obj = timesketch_object(e);
        let row: Vec<String> = CSV_COLUMNS
            .iter()
            .map(|c| {
                let v = match obj.get(*c) {
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                };
                csv_field(&v)
            })
            .collect();
        writeln!(out, "{}", row.join(","))?;
    }
    Ok(())
}

/// Quotes a CSV field (RFC 4180). Attacker text that a spreadsheet would run as a formula
/// (`=`, `+`, `@` first) is prefixed with `'`.
pub fn csv_field(v: &str) -> String {
    let guarded = if v.starts_with(['=', '+', '@']) {
        format!("'{v}")
    } else {
        v.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// Writes ECS JSONL. `host_name` fills `host.name`.
pub fn write_ecs_jsonl(out: &mut dyn Write, events: &[Event], host_name: &str) -> io::Result<()> {
    for e in events {
        let mut v = json!({
            "@timestamp": huoyan_core::time::format_utc(e.time),
            "message": e.message,
            "event": {
                "kind": if e.finding_id.is_some() { "alert" } else { "event" },
                "category": [e.category.ecs()],
                "action": e.kind,
                "provider": e.source,
                "created": huoyan_core::time::format_utc(huoyan_core::time::now()),
            },
            "host": { "name": host_name },
            "related": {
                "ip": e.ips,
                "user": e.users,
            },
            "labels": { "timestamp_desc": e.timestamp_desc },
        });
        if let Some(id) = &e.check_id {
            v["rule"] = json!({ "id": id, "uuid": e.finding_id });
            if let Some(s) = e.severity {
                v["event"]["severity"] = json!(s as u8);
                v["event"]["risk_score"] = json!(match s {
                    huoyan_core::Severity::Info => 0,
                    huoyan_core::Severity::Low => 21,
                    huoyan_core::Severity::Medium => 47,
                    huoyan_core::Severity::High => 73,
                    huoyan_core::Severity::Critical => 99,
                });
            }
        }
        if !e.mitre.is_empty() {
            v["threat"] = json!({
                "framework": "MITRE ATT&CK",
                "technique": { "id": e.mitre },
            });
        }
        if let Some(pid) = e.pids.first() {
            v["process"] = json!({ "pid": pid });
        }
        if let Some(path) = e.paths.first() {
            v["file"] = json!({ "path": path });
        }
        if let Some(ip) = e.ips.first() {
            v["source"] = json!({ "ip": ip });
        }
        if let Some(user) = e.users.first() {
            v["user"] = json!({ "name": user });
        }
        serde_json::to_writer(&mut *out, &v)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Category;

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
        assert!(text.contains("\"root logged in, \"\"quoted\"\"\nnext\""));
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
