//! The command line's surface: arguments that cannot do what the responder meant fail loudly
//! (an `--only`/`--skip` entry that names nothing, an empty window, a case folder inside the
//! examined image, `verify` on what is not a bundle — a FIFO must not block it); the output
//! formats, `--version`, completions and the man page.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn huoyan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_huoyan"))
        .args(args)
        .output()
        .expect("run huoyan")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn unknown_check_ids_are_usage_errors() {
    let root = huoyan_testkit::fixture("scan-accounts-clean");
    let root = root.to_str().expect("utf-8 path");
    let out = huoyan(&["scan", "--root", root, "--only", "nosuchcheck"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("nosuchcheck"), "{}", stderr(&out));
    let out = huoyan(&[
        "scan", "--root", root, "--only", "accounts", "--skip", "bogus",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // A further id a check emits is a real id.
    let out = huoyan(&[
        "scan",
        "--root",
        root,
        "--only",
        "accounts",
        "--skip",
        "web.files",
    ]);
    assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn an_empty_window_is_a_usage_error() {
    let root = huoyan_testkit::fixture("scan-accounts-clean");
    let out = huoyan(&[
        "scan",
        "--root",
        root.to_str().expect("utf-8 path"),
        "--since",
        "2025-02-01",
        "--until",
        "2025-01-01",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("later than --until"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn triage_refuses_a_case_folder_inside_the_examined_image() {
    let image = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(image.path().join("etc")).expect("mkdir");
    std::fs::write(
        image.path().join("etc/passwd"),
        "root:x:0:0::/root:/bin/sh\n",
    )
    .expect("w");
    let inside = image.path().join("case");
    let out = huoyan(&[
        "triage",
        "--root",
        image.path().to_str().expect("utf-8"),
        "--out",
        inside.to_str().expect("utf-8"),
        "--no-collect",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("inside the examined root"),
        "{}",
        stderr(&out)
    );
    assert!(!inside.exists(), "nothing may be written into the image");
}

#[test]
fn verify_names_what_is_not_a_bundle_and_never_blocks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a bundle\n").expect("write");
    let out = huoyan(&["verify", text.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("NOT A BUNDLE"));

    let fifo = dir.path().join("bundle.tar.zst");
    let made = huoyan_testkit::command("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let started = Instant::now();
    let out = huoyan(&["verify", "--json", fifo.to_str().expect("utf-8")]);
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(6));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["intact"], false);
    assert!(v["first_mismatch"]
        .as_str()
        .is_some_and(|m| m.contains("regular file")));
}

#[test]
fn version_completions_and_man_page() {
    let out = huoyan(&["--version"]);
    let version = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success());
    assert!(
        version.contains("commit ") && version.contains("rules: "),
        "{version}"
    );
    let out = huoyan(&["completions", "bash"]);
    assert!(out.status.success());
    let script = String::from_utf8_lossy(&out.stdout);
    assert!(
        script.contains("huoyan") && script.contains("triage"),
        "{script}"
    );
    let out = huoyan(&["man"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(".TH huoyan"));
}

#[test]
fn findings_as_csv_and_sarif() {
    let root = huoyan_testkit::fixture("scan-accounts-bad");
    let root = root.to_str().expect("utf-8 path");
    let out = huoyan(&[
        "scan", "--root", root, "--only", "accounts", "--format", "csv",
    ]);
    let csv = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .is_some_and(|h| h.starts_with("id,check_id,severity")),
        "{csv}"
    );
    assert!(lines.count() >= 1, "{csv}");
    let out = huoyan(&[
        "scan", "--root", root, "--only", "accounts", "--format", "sarif",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    assert_eq!(v["version"], "2.1.0");
    assert!(v["runs"][0]["results"]
        .as_array()
        .is_some_and(|r| !r.is_empty()));
    // --json and --format cannot both be given.
    let out = huoyan(&["scan", "--root", root, "--json", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn diff_of_two_cases_names_new_gone_and_changed() {
    use huoyan_core::{CheckInfo, Severity};
    static INFO: CheckInfo = CheckInfo {
        id: "web.webshell",
        title: "Webshell",
        title_zh: "Webshell",
        mitre: &["T1505.003"],
        remediation: "r",
        remediation_zh: "r",
    };
    let case = |findings: &[(&str, Severity)]| {
        let dir = tempfile::tempdir().expect("tempdir");
        let list: Vec<_> = findings
            .iter()
            .map(|(path, sev)| {
                INFO.finding(*sev, format!("webshell {path}"))
                    .path(*path)
                    .with_id()
            })
            .collect();
        let mut buf = Vec::new();
        huoyan_core::jsonl::write_records(&mut buf, &list, std::iter::empty::<&huoyan_core::Gap>())
            .expect("jsonl");
        std::fs::write(dir.path().join("findings.jsonl"), buf).expect("write");
        dir
    };
    let a = case(&[
        ("/var/www/a.php", Severity::Critical),
        ("/var/www/b.php", Severity::High),
    ]);
    let b = case(&[
        ("/var/www/b.php", Severity::High),
        ("/var/www/c.php", Severity::Critical),
    ]);
    let out = huoyan(&[
        "diff",
        a.path().to_str().expect("utf-8"),
        b.path().to_str().expect("utf-8"),
    ]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("+ new") && text.contains("c.php"), "{text}");
    assert!(text.contains("- gone") && text.contains("a.php"), "{text}");
    assert!(text.contains("1 new, 1 gone, 0 changed"), "{text}");
    // A new critical: the exit code says compromised.
    assert_eq!(out.status.code(), Some(4), "{text}");
}

#[test]
fn ignore_file_takes_findings_out_of_the_verdict_but_lists_them() {
    let root = huoyan_testkit::fixture("scan-persistence-bad");
    let root = root.to_str().expect("utf-8 path");
    let lines = |out: &Output| -> Vec<serde_json::Value> {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect()
    };
    let before = lines(&huoyan(&[
        "scan",
        "--root",
        root,
        "--only",
        "persistence.cron",
        "--json",
    ]));
    let target = before
        .iter()
        .find(|v| v["record"] == "finding" && v["paths"][0].is_string())
        .expect("a cron finding with a path");
    let path = target["paths"][0].as_str().expect("path").to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let ignore = dir.path().join("ignore.toml");
    std::fs::write(
        &ignore,
        format!(
            "[[ignore]]\ncheck = \"persistence.cron\"\npath = \"{path}\"\nreason = \"known job\"\n"
        ),
    )
    .expect("write");
    let ignore = ignore.to_str().expect("utf-8");
    let after = lines(&huoyan(&[
        "scan",
        "--root",
        root,
        "--only",
        "persistence.cron",
        "--json",
        "--ignore",
        ignore,
    ]));
    let names_path = |v: &&serde_json::Value| {
        v["paths"]
            .as_array()
            .is_some_and(|p| p.iter().any(|x| x == path.as_str()))
    };
    assert!(!after
        .iter()
        .filter(|v| v["record"] == "finding")
        .any(|v| names_path(&v)));
    let suppressed: Vec<_> = after
        .iter()
        .filter(|v| v["record"] == "suppressed")
        .collect();
    assert!(!suppressed.is_empty());
    assert!(suppressed
        .iter()
        .all(|v| v["entry"]["reason"] == "known job"));

    // An entry without a reason, or naming no check, is a usage error.
    std::fs::write(
        dir.path().join("bad.toml"),
        "[[ignore]]\ncheck = \"persistence.cron\"\n",
    )
    .expect("write");
    let out = huoyan(&[
        "scan",
        "--root",
        root,
        "--ignore",
        dir.path().join("bad.toml").to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    std::fs::write(
        dir.path().join("typo.toml"),
        "[[ignore]]\ncheck = \"persistance\"\nreason = \"r\"\n",
    )
    .expect("write");
    let out = huoyan(&[
        "scan",
        "--root",
        root,
        "--ignore",
        dir.path().join("typo.toml").to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn case_note_goes_into_the_handling_section_of_both_reports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let case = dir.path().join("case");
    let out = huoyan(&[
        "triage",
        "--root",
        huoyan_testkit::fixture("story-compromised")
            .to_str()
            .expect("utf-8"),
        "--out",
        case.to_str().expect("utf-8"),
        "--no-collect",
    ]);
    assert!(case.join("findings.jsonl").is_file(), "{}", stderr(&out));
    let out = huoyan(&[
        "case",
        "note",
        case.to_str().expect("utf-8"),
        "isolated from the LAN; root password changed",
        "--by",
        "alice",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    for report in [
        "report.en.md",
        "report.zh.md",
        "report.en.html",
        "report.zh.html",
    ] {
        let text = std::fs::read_to_string(case.join(report)).expect("report");
        assert!(text.contains("root password changed"), "{report}");
        assert!(text.contains("alice"), "{report}");
    }
    let out = huoyan(&["case", "note", dir.path().to_str().expect("utf-8"), "x"]);
    assert_eq!(out.status.code(), Some(2), "not a case folder");
}
