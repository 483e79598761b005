//! The HTML report of the compromised fixture (`huoyan triage --root
//! tests/fixtures/story-compromised --no-collect`) in both languages: summary before the first
//! finding, a table of contents, every `<details>` closed, no literal `\n` in evidence, every
//! critical finding in the timeline; and, when Chromium is installed, measured headless at
//! 1,280 px (under 25 screens tall with everything collapsed, no horizontal scroll, the
//! summary in the first screen) with a screenshot and a PDF print left as artifacts in
//! `$CARGO_TARGET_TMPDIR/report_layout/`.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

#[path = "../../../report/tests/it/layout_check.rs"]
mod layout_check;

use layout_check::{layout_problems, measure, structure_problems};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[test]
fn triage_report_of_the_compromised_fixture_reads_in_five_minutes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let case = tmp.path().join("case");
    let out = Command::new(env!("CARGO_BIN_EXE_huoyan"))
        .arg("triage")
        .arg("--root")
        .arg(huoyan_testkit::fixture("story-compromised"))
        .arg("--out")
        .arg(&case)
        .arg("--no-collect")
        .env("NO_COLOR", "1")
        .output()
        .expect("run huoyan");
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let findings = std::fs::read_to_string(case.join("findings.jsonl")).expect("findings");
    let criticals: Vec<String> = findings
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|f| {
            f["record"] == "finding" && f["severity"] == "critical" && f["kind"] == "evidence"
        })
        .filter_map(|f| f["id"].as_str().map(esc))
        .collect();
    assert!(!criticals.is_empty(), "the fixture has critical findings");
    let artifacts = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report_layout");
    for lang in ["en", "zh"] {
        let page = std::fs::read_to_string(case.join(format!("report.{lang}.html"))).expect("html");
        let problems = structure_problems(&page, &criticals);
        assert!(problems.is_empty(), "{lang}: {problems:#?}");
        if let Some((m, pages)) = measure(&page, &artifacts, &format!("story-{lang}"), true) {
            let problems = layout_problems(&m);
            assert!(problems.is_empty(), "{lang}: {m:?} {problems:#?}");
            assert!(pages > 0, "{lang}: the print to PDF gave no page");
            eprintln!(
                "story-{lang}: {} bytes, {m:?}, {pages} printed pages",
                page.len()
            );
        } else {
            eprintln!("story-{lang}: chromium is not installed; layout not measured");
        }
    }
}
