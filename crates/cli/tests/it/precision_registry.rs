//! The calibration rule over the whole registry: every check, deep ones included, on every benign
//! fixture root of the repository (`tests/fixtures/*-clean`) yields no high or critical
//! *evidence* finding. Posture may be listed, but only as hardening, and every finding carries a
//! kind and a role. (The realistic clean server of `tests/servers/` is the larger gate.)

use std::process::Command;

use serde_json::Value;

fn clean_fixtures() -> Vec<std::path::PathBuf> {
    let dir = huoyan_testkit::workspace().join("tests/fixtures");
    let mut out: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/fixtures")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with("-clean"))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn benign_fixtures_give_no_high_evidence() {
    let fixtures = clean_fixtures();
    assert!(fixtures.len() >= 4, "clean fixtures missing: {fixtures:?}");
    let mut offending = Vec::new();
    for root in &fixtures {
        let output = Command::new(env!("CARGO_BIN_EXE_huoyan"))
            .args(["scan", "--deep", "--json", "--root"])
            .arg(root)
            .output()
            .expect("run huoyan");
        let stdout = String::from_utf8(output.stdout).expect("utf-8 output");
        for line in stdout.lines() {
            let v: Value = serde_json::from_str(line).expect("json line");
            if v["record"] != "finding" {
                continue;
            }
            assert!(
                v["kind"] == "evidence" || v["kind"] == "hardening",
                "finding without a kind: {v}"
            );
            assert!(v["role"].is_string(), "finding without a role: {v}");
            if v["kind"] == "hardening" {
                assert_eq!(v["role"], "hardening", "{v}");
            }
            if v["kind"] == "evidence" && (v["severity"] == "high" || v["severity"] == "critical") {
                offending.push(format!(
                    "{}: {} {} — {}",
                    root.display(),
                    v["severity"],
                    v["check_id"],
                    v["summary"]
                ));
            }
        }
        // Posture never raises the exit code: the worst evidence decides it.
        assert_ne!(
            output.status.code(),
            Some(4),
            "{} exits as compromised",
            root.display()
        );
    }
    assert!(
        offending.is_empty(),
        "high/critical evidence on benign fixtures:\n{}",
        offending.join("\n")
    );
}
