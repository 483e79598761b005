//! Findings in the formats other tools read: CSV for a spreadsheet, SARIF 2.1.0 for code-scanning
//! dashboards and ticketing pipelines. (JSON Lines is `huoyan_core::jsonl`, the native form.)
//!
//! Every field comes from the host and is attacker-chosen: CSV cells are quoted and their control
//! characters escaped (a cell must not carry an ESC sequence or a line break into a terminal that
//! `cat`s the file), and cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`)
//! are prefixed with `'`.

use std::collections::BTreeMap;
use std::io::{self, Write};

use huoyan_core::text::sanitize;
use huoyan_core::{Finding, Severity};
use serde_json::{json, Value};

/// The CSV columns, in order.
pub const CSV_COLUMNS: &[&str] = &[
    "id",
    "check_id",
    "severity",
    "kind",
    "role",
    "time_utc",
    "title",
    "summary",
    "paths",
    "pids",
    "users",
    "ips",
    "mitre",
    "remediation",
];

fn csv_cell(raw: &str) -> String {
    let text = sanitize(raw);
    let guarded = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.into_owned()
    };
    format!("\"{}\"", guarded.replace('"', "\"\""))
}

/// Writes a header line and one line per finding.
pub fn write_csv(out: &mut dyn Write, findings: &[Finding]) -> io::Result<()> {
    writeln!(out, "{}", CSV_COLUMNS.join(","))?;
    for f in findings {
        let pids: Vec<String> = f.pids.iter().map(u32::to_string).collect();
        let cells = [
            f.id.clone(),
            f.check_id.clone(),
            f.severity.as_str().to_string(),
            f.kind.as_str().to_string(),
            f.role.as_str().to_string(),
            f.time
                .map(huoyan_core::time::format_utc)
                .unwrap_or_default(),
            f.title.clone(),
            f.summary.clone(),
            f.paths.join("; "),
            pids.join("; "),
            f.users.join("; "),
            f.ips.join("; "),
            f.mitre.join("; "),
            f.remediation.clone(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        writeln!(out, "{}", line.join(","))?;
    }
    Ok(())
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// Writes one SARIF 2.1.0 log with one run: a rule per check id seen, a result per finding
/// (level from the severity; the affected paths as locations; severity, kind, role, ATT&CK,
/// pids, users and addresses as properties).
pub fn write_sarif(out: &mut dyn Write, findings: &[Finding], version: &str) -> io::Result<()> {
    let mut rules: BTreeMap<&str, &Finding> = BTreeMap::new();
    for f in findings {
        rules.entry(f.check_id.as_str()).or_insert(f);
    }
    let rule_index: BTreeMap<&str, usize> =
        rules.keys().enumerate().map(|(i, id)| (*id, i)).collect();
    let rules_json: Vec<Value> = rules
        .values()
        .map(|f| {
            json!({
                "id": f.check_id,
                "name": f.check_id,
                "shortDescription": {"text": f.title},
                "help": {"text": f.remediation},
                "properties": {"tags": f.mitre, "title_zh": f.title_zh},
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let locations: Vec<Value> = f
                .paths
                .iter()
                .map(|p| {
                    json!({"physicalLocation": {"artifactLocation": {
                        "uri": format!("file://{}", percent_path(p)),
                    }}})
                })
                .collect();
            json!({
                "ruleId": f.check_id,
                "ruleIndex": rule_index.get(f.check_id.as_str()).copied().unwrap_or(0),
                "level": sarif_level(f.severity),
                "message": {"text": f.summary},
                "locations": locations,
                "partialFingerprints": {"huoyanFindingId": f.id},
                "properties": {
                    "severity": f.severity.as_str(),
                    "kind": f.kind.as_str(),
                    "role": f.role.as_str(),
                    "mitre": f.mitre,
                    "time": f.time.map(huoyan_core::time::format_utc),
                    "pids": f.pids,
                    "users": f.users,
                    "ips": f.ips,
                },
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "huoyan",
                "version": version,
                "rules": rules_json,
            }},
            "results": results,
        }],
    });
    // One line, with C1 and bidi controls escaped like every JSON huoyan writes.
    huoyan_core::jsonl::to_writer(&mut *out, &log)?;
    out.write_all(b"\n")
}

/// A path as a URI path: unreserved bytes and `/` kept, everything else percent-encoded.
fn percent_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use huoyan_core::CheckInfo;

    static INFO: CheckInfo = CheckInfo {
        id: "test.example",
        title: "Example",
        title_zh: "示例",
        mitre: &["T1059"],
        remediation: "Fix it",
        remediation_zh: "修复",
    };

    fn hostile() -> Finding {
        INFO.finding(
            Severity::High,
            "=cmd|' /C calc'!A0 \u{1b}[31mred\nnext \"q\"",
        )
        .path("/var/www/a b\n.php")
        .with_id()
    }

    #[test]
    fn csv_cells_are_quoted_escaped_and_formula_safe() {
        let mut buf = Vec::new();
        write_csv(&mut buf, &[hostile()]).expect("csv");
        let text = String::from_utf8(buf).expect("utf-8");
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(!text.bytes().any(|b| b == 0x1b || b == b'\r'));
        assert!(text.contains("\"'=cmd"), "{text}");
        assert!(text.contains("\"\"q\"\""), "{text}");
    }

    #[test]
    fn sarif_has_rules_results_and_levels() {
        let mut buf = Vec::new();
        write_sarif(&mut buf, &[hostile()], "0.1.0").expect("sarif");
        let v: Value = serde_json::from_slice(&buf).expect("json");
        assert_eq!(v["version"], "2.1.0");
        let run = &v["runs"][0];
        assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "test.example");
        assert_eq!(run["results"][0]["level"], "error");
        assert_eq!(run["results"][0]["ruleIndex"], 0);
        let uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .expect("uri");
        assert_eq!(uri, "file:///var/www/a%20b%0A.php");
    }
}
