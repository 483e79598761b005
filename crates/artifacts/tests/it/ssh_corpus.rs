//! Detection rate on fail2ban's labelled sshd / sshd-journal / dropbear / pam / audit lines
//! (../shared/corpora/ssh-logs, `LABELS.tsv`): every labelled failure must be counted as a failure
//! with the right source and time, and no line labelled as not a failure may be counted.
//!
//! fail2ban labels some blocks only for its "normal" mode; huoyan counts like its "aggressive"
//! mode (pre-authentication disconnects count), which matches a superset. So a "no match" label
//! from a block that does not include the aggressive mode says nothing about huoyan and is not
//! scored (the test prints how many were set aside); failure labels are always scored.

use std::collections::HashMap;

use huoyan_artifacts::auth::{from_audit_line, AuthEvent, AuthExtractor, AuthKind, LogRecord};
use huoyan_artifacts::syslog::{parse_line, TimeResolver};
use jiff::tz::TimeZone;

struct Label {
    file: String,
    line: u64,
    modes: String,
    is_failure: bool,
    host: String,
    time: String,
    constraint: String,
}

fn events_of(path: &std::path::Path, name: &str, tz: &TimeZone) -> HashMap<u64, Vec<AuthEvent>> {
    let text = std::fs::read_to_string(path).expect("read corpus file");
    let anchor: jiff::Timestamp = "2005-08-14T10:00:00Z".parse().expect("anchor");
    let mut times = TimeResolver::new(tz.clone(), anchor);
    let mut x = AuthExtractor::new();
    let mut by_line: HashMap<u64, Vec<AuthEvent>> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let lineno = i as u64 + 1;
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if name == "selinux-ssh" {
            if let Some(e) = from_audit_line(line, lineno) {
                by_line.entry(lineno).or_default().push(e);
            }
            continue;
        }
        let Some(l) = parse_line(line, &mut times) else {
            continue;
        };
        let rec = LogRecord {
            time: l.time,
            host: l.host,
            ident: l.ident,
            pid: l.pid,
            message: l.message,
            repeat: l.repeat,
            line: lineno,
        };
        x.feed(&rec, &mut |e: &AuthEvent| {
            by_line.entry(e.line).or_default().push(e.clone())
        });
    }
    x.finish(&mut |e: &AuthEvent| by_line.entry(e.line).or_default().push(e.clone()));
    by_line
}

fn is_failure(e: &AuthEvent) -> bool {
    matches!(
        e.kind,
        AuthKind::Failure | AuthKind::Probe | AuthKind::SuFailure | AuthKind::SudoFailure
    )
}

#[test]
fn fail2ban_labelled_failures() {
    let dir = huoyan_testkit::corpus("ssh-logs").join("fail2ban-tests");
    let tsv = std::fs::read_to_string(dir.join("LABELS.tsv")).expect("labels");
    let labels: Vec<Label> = tsv
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.len() >= 8).then(|| Label {
                file: f[0].to_string(),
                line: f[1].parse().expect("lineno"),
                modes: f[2].to_string(),
                is_failure: f[3] == "true",
                host: f[4].to_string(),
                time: f[5].to_string(),
                constraint: f[6].to_string(),
            })
        })
        .collect();
    // fail2ban's test suite runs in Europe/Berlin; its labelled times are local to that zone.
    let tz = TimeZone::get("Europe/Berlin").expect("zoneinfo Europe/Berlin (Debian tzdata)");
    let mut per_file = HashMap::new();
    let (mut want, mut got, mut non_failures, mut false_pos, mut set_aside) = (0, 0, 0, 0, 0);
    let mut misses = Vec::new();
    for label in &labels {
        let events = per_file
            .entry(label.file.clone())
            .or_insert_with(|| events_of(&dir.join(&label.file), &label.file, &tz));
        let at_line: Vec<&AuthEvent> = events
            .get(&label.line)
            .map(|v| v.iter().filter(|e| is_failure(e)).collect())
            .unwrap_or_default();
        if label.is_failure {
            if label.constraint.contains("!= 'aggressive'") {
                continue;
            }
            want += 1;
            let ok = at_line.iter().any(|e| {
                let source_ok =
                    e.source.as_deref() == Some(label.host.as_str()) || label.host.is_empty();
                let time_ok = label.time.is_empty()
                    || e.time.is_some_and(|t| {
                        t.to_zoned(tz.clone())
                            .strftime("%Y-%m-%dT%H:%M:%S")
                            .to_string()
                            == label.time
                    });
                source_ok && time_ok
            });
            if ok {
                got += 1;
            } else {
                misses.push(format!("{}:{} {:?}", label.file, label.line, at_line));
            }
        } else {
            if !label.modes.contains("aggressive") || label.constraint.contains("!= 'aggressive'") {
                set_aside += 1;
                continue;
            }
            non_failures += 1;
            if !at_line.is_empty() {
                false_pos += 1;
                misses.push(format!("FALSE {}:{} {:?}", label.file, label.line, at_line));
            }
        }
    }
    let rate = got as f64 / want as f64;
    println!(
        "ssh-logs: {got}/{want} labelled failures counted with the right source and time ({:.1} %)",
        rate * 100.0
    );
    println!(
        "ssh-logs: {false_pos}/{non_failures} non-failure lines counted as failures \
         ({set_aside} normal-mode-only non-failure labels set aside)"
    );
    for m in &misses {
        println!("  {m}");
    }
    assert!(rate >= 0.98, "detection rate {rate}");
    assert_eq!(false_pos, 0, "non-failure lines counted");
}
