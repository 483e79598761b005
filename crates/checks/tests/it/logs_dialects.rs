//! The auth-log dialects of each distribution family (tests/fixtures/logs-dialect-*): the same
//! story — a benign administrator's login, then password guessing that ends in a root login —
//! must give the same findings whatever the family's log looks like, and nothing of weight once
//! the attacker's lines are taken out. docs/COVERAGE.md lists which family each case proves.

use std::path::Path;
use std::process::Command;

use huoyan_checks::{run_checks, Context, Selection};
use huoyan_core::{Finding, Outcome, Root, Severity, Window};

/// A fixture root and the attacker its log names.
struct Case {
    fixture: &'static str,
    /// The source as the findings must name it.
    attacker: &'static str,
    /// It is a host name (`hosts`), not an address (`ips`).
    by_name: bool,
}

const CASES: &[Case] = &[
    Case {
        fixture: "logs-dialect-rhel4",
        attacker: "dsl-203-0-113-50.example.net",
        by_name: true,
    },
    Case {
        fixture: "logs-dialect-rhel5",
        attacker: "203.0.113.51",
        by_name: false,
    },
    Case {
        fixture: "logs-dialect-rhel",
        attacker: "203.0.113.52",
        by_name: false,
    },
    Case {
        fixture: "logs-dialect-suse",
        attacker: "203.0.113.53",
        by_name: false,
    },
    Case {
        fixture: "logs-dialect-debian",
        attacker: "203.0.113.54",
        by_name: false,
    },
    Case {
        fixture: "logs-dialect-alpine",
        attacker: "203.0.113.55",
        by_name: false,
    },
    Case {
        fixture: "logs-dialect-ubuntu-iso",
        attacker: "203.0.113.56",
        by_name: false,
    },
];

fn scan(root: &Path) -> Outcome {
    let ctx = Context::new(Root::new(root).expect("root"), Window::default());
    run_checks(
        &ctx,
        &Selection {
            only: vec!["logs".into()],
            ..Selection::default()
        },
    )
}

fn of<'a>(out: &'a Outcome, id: &str) -> Vec<&'a Finding> {
    out.findings.iter().filter(|f| f.check_id == id).collect()
}

/// The attacker's processes have pids from 60000 up (tests/fixtures/logs-dialects.py).
fn attacker_pid(line: &str) -> bool {
    let Some(close) = line.find("]:") else {
        return false;
    };
    let Some(open) = line[..close].rfind('[') else {
        return false;
    };
    line[open + 1..close]
        .parse::<u32>()
        .is_ok_and(|p| p >= 60_000)
}

/// Copies a fixture root into a temporary directory (without the attacker's lines when
/// `benign`), with the logs' mtime the morning after the story: lines without a year take it
/// from the mtime.
fn root_of(fixture: &str, attacker: &str, benign: bool) -> tempfile::TempDir {
    let src = huoyan_testkit::fixture(fixture);
    let dir = tempfile::tempdir().expect("tmp");
    let log = dir.path().join("var/log");
    std::fs::create_dir_all(&log).expect("mkdir");
    for e in std::fs::read_dir(src.join("var/log")).expect("fixture") {
        let e = e.expect("entry");
        let text = std::fs::read_to_string(e.path()).expect("read");
        let kept: String = text
            .lines()
            .filter(|l| !benign || !(attacker_pid(l) || l.contains(attacker)))
            .map(|l| format!("{l}\n"))
            .collect();
        let to = log.join(e.file_name());
        std::fs::write(&to, kept).expect("write");
        let ok = Command::new("touch")
            .arg("-d")
            .arg("2026-11-28 09:00:00 UTC")
            .arg(&to)
            .status()
            .expect("touch");
        assert!(ok.success());
    }
    dir
}

/// What a successful guess must give in every dialect: one high brute force and one critical
/// login, both naming the attacker (an address, or the host name when that is all the log has)
/// and the login naming root.
fn assert_attack(out: &Outcome, case: &Case) {
    let name = case.fixture;
    let entity = |f: &Finding| -> Vec<String> {
        if case.by_name {
            f.hosts.clone()
        } else {
            f.ips.clone()
        }
    };
    let bf = of(out, "logs.bruteforce");
    assert_eq!(bf.len(), 1, "{name}: {bf:#?}");
    assert_eq!(bf[0].severity, Severity::High, "{name}: {}", bf[0].summary);
    assert_eq!(entity(bf[0]), [case.attacker], "{name}");
    assert!(
        bf[0].evidence["failures"].as_u64().unwrap_or(0) >= 20,
        "{name}: {}",
        bf[0].evidence
    );
    let ok = of(out, "logs.bruteforce_success");
    assert_eq!(ok.len(), 1, "{name}: {ok:#?}");
    assert_eq!(ok[0].severity, Severity::Critical, "{name}");
    assert_eq!(ok[0].users, ["root"], "{name}");
    assert_eq!(entity(ok[0]), [case.attacker], "{name}");
    // The times are read right whatever the stamp: the guessing began at 02:14 UTC.
    let first = ok[0].evidence["first_failure"].as_str().unwrap_or("");
    assert!(first.starts_with("2026-11-27T02:14"), "{name}: {first}");
    let login = ok[0].evidence["login_time"].as_str().unwrap_or("");
    assert!(login.starts_with("2026-11-27T03:0"), "{name}: {login}");
}

/// The administrator's own login, the cron and sudo sessions: nothing of weight.
fn assert_benign(out: &Outcome, name: &str) {
    assert!(of(out, "logs.bruteforce").is_empty(), "{name}");
    assert!(of(out, "logs.bruteforce_success").is_empty(), "{name}");
    let heavy: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.is_evidence() && f.severity >= Severity::Medium)
        .collect();
    assert!(heavy.is_empty(), "{name}: {heavy:#?}");
}

#[test]
fn every_syslog_dialect_shows_the_attack_and_its_success() {
    for case in CASES {
        let root = root_of(case.fixture, case.attacker, false);
        let out = scan(root.path());
        assert_attack(&out, case);
        // The administrator's login (from 198.51.100.10) is never taken for the attacker's.
        for f in &out.findings {
            assert!(
                !f.ips.iter().any(|ip| ip == "198.51.100.10") || f.severity < Severity::High,
                "{}: {f:#?}",
                case.fixture
            );
        }
    }
}

#[test]
fn every_syslog_dialect_without_the_attacker_is_quiet() {
    for case in CASES {
        let root = root_of(case.fixture, case.attacker, true);
        let out = scan(root.path());
        assert_benign(&out, case.fixture);
    }
}

fn journal_remote() -> &'static str {
    [
        "/lib/systemd/systemd-journal-remote",
        "/usr/lib/systemd/systemd-journal-remote",
    ]
    .into_iter()
    .find(|p| Path::new(p).exists())
    .expect("systemd-journal-remote is needed: listed in .ci/packages/logs.txt")
}

/// A journal-only root (Arch; also Amazon Linux 2023) from the fixture's export, written by
/// systemd's own journal writer; without the attacker's entries when `benign`.
fn journal_root(benign: bool) -> tempfile::TempDir {
    use std::io::Write;
    let export = std::fs::read_to_string(
        huoyan_testkit::fixture("logs-dialect-arch").join("journal.export"),
    )
    .expect("export");
    let kept: String = export
        .split("\n\n")
        .filter(|e| !e.trim().is_empty())
        .filter(|e| {
            !benign
                || !e.lines().any(|l| {
                    l.strip_prefix("_PID=")
                        .and_then(|p| p.parse::<u32>().ok())
                        .is_some_and(|p| p >= 60_000)
                })
        })
        .map(|e| format!("{e}\n\n"))
        .collect();
    let dir = tempfile::tempdir().expect("tmp");
    let jdir = dir
        .path()
        .join("var/log/journal/8c2e4f6a1b3d5e7f9a0b2c4d6e8f0a1b");
    std::fs::create_dir_all(&jdir).expect("mkdir");
    let mut child = Command::new(journal_remote())
        .arg("-o")
        .arg(jdir.join("system.journal"))
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(kept.as_bytes())
        .expect("export");
    assert!(child.wait().expect("wait").success());
    dir
}

/// Arch Linux: no syslog file, OpenSSH 9.8+ logging as `sshd-session`, the journal only.
#[test]
fn journal_only_dialect_with_sshd_session() {
    let case = Case {
        fixture: "logs-dialect-arch",
        attacker: "203.0.113.57",
        by_name: false,
    };
    let root = journal_root(false);
    assert_attack(&scan(root.path()), &case);
    let root = journal_root(true);
    assert_benign(&scan(root.path()), case.fixture);
}
