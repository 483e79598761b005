//! End-to-end: `huoyan triage` on a fixture root that tells a full intrusion story, the case
//! folder it leaves (timeline exports, reports), and the HTML report in headless Chromium.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn huoyan() -> Command {
    Command::new(env!("CARGO_BIN_EXE_huoyan"))
}

/// Copies the story fixture into a temp dir and gives its files the times of the story
/// (git does not keep mtimes).
fn story_root() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("root");
    let status = Command::new("cp")
        .arg("-a")
        .arg(huoyan_testkit::fixture("story-compromised"))
        .arg(&root)
        .status()
        .expect("cp");
    assert!(status.success());
    for (path, when) in [
        ("var/log/auth.log", "2026-11-27 03:00:00"),
        ("var/log/wtmp", "2026-11-27 02:14:09"),
        ("root/.bash_history", "2026-11-27 02:22:00"),
        ("tmp/.x", "2026-11-27 02:15:12"),
        ("var/spool/cron/crontabs/root", "2026-11-27 02:16:40"),
        ("var/www/html/upload/x.php", "2026-11-27 02:19:51"),
        ("var/www/html/upload.php", "2026-10-02 09:00:00"),
        ("var/www/html/index.php", "2026-10-02 09:00:00"),
        ("var/log/nginx/access.log", "2026-11-27 02:21:30"),
    ] {
        let status = Command::new("touch")
            .arg("-d")
            .arg(format!("{when} UTC"))
            .arg(root.join(path))
            .status()
            .expect("touch");
        assert!(status.success(), "touch {path}");
    }
    (tmp, root)
}

fn triage(root: &Path, case: &Path, extra: &[&str]) -> std::process::Output {
    let out = huoyan()
        .arg("triage")
        .arg("--root")
        .arg(root)
        .arg("--out")
        .arg(case)
        .arg("--since")
        .arg("2026-11-20")
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .expect("run huoyan");
    assert!(
        out.status.code().is_some(),
        "huoyan died: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn jsonl(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).expect("valid JSON line"))
        .collect()
}

#[test]
fn timeline_exports_validate() {
    let (tmp, root) = story_root();
    let case = tmp.path().join("case");
    triage(&root, &case, &["--no-collect"]);
    let rows = jsonl(&case.join("timeline/timesketch.jsonl"));
    assert!(!rows.is_empty(), "empty timeline");
    for row in &rows {
        for key in ["message", "datetime", "timestamp", "timestamp_desc"] {
            assert!(row.get(key).is_some(), "row without {key}: {row}");
        }
        let dt = row["datetime"].as_str().expect("datetime string");
        assert!(dt.ends_with("+00:00"), "datetime not ISO 8601 UTC: {dt}");
        assert!(row["timestamp"].as_i64().is_some());
    }
    // The login of the story is on it.
    assert!(rows.iter().any(|r| r["source"] == "wtmp"
        && r["ips"] == "203.0.113.7"
        && r["datetime"] == "2026-11-27T02:14:09.000000+00:00"));
    // File times (gathered by the scan's walk and handed to the timeline): the webshell's
    // modification time is on it.
    assert!(
        rows.iter().any(|r| r["source"] == "file"
            && r["paths"] == "/var/www/html/upload/x.php"
            && r["datetime"] == "2026-11-27T02:19:51.000000+00:00"),
        "webshell mtime missing from the timeline"
    );
    let csv = std::fs::read_to_string(case.join("timeline/timesketch.csv")).expect("csv");
    let header = csv.lines().next().expect("header");
    for col in ["message", "datetime", "timestamp", "timestamp_desc"] {
        assert!(
            header.split(',').any(|c| c == col),
            "csv header lacks {col}"
        );
    }
    for row in jsonl(&case.join("timeline/ecs.jsonl")) {
        assert!(
            row["@timestamp"].is_string(),
            "ECS row without @timestamp: {row}"
        );
        assert!(
            row["event"]["kind"].is_string(),
            "ECS row without event.kind: {row}"
        );
    }
}

#[test]
fn zh_report_translates_every_finding_title() {
    let (tmp, root) = story_root();
    let case = tmp.path().join("case");
    triage(&root, &case, &["--no-collect", "--lang", "zh"]);
    let zh = std::fs::read_to_string(case.join("report.zh.md")).expect("zh report");
    let findings: Vec<Value> = jsonl(&case.join("findings.jsonl"))
        .into_iter()
        .filter(|r| r["record"] == "finding")
        .collect();
    for f in &findings {
        let en = f["title"].as_str().expect("title");
        let zh_title = f["title_zh"].as_str().expect("title_zh");
        assert!(
            !zh_title.is_empty(),
            "{} has no Chinese title",
            f["check_id"]
        );
        if en != zh_title {
            assert!(
                !zh.contains(&format!("] {en} (")),
                "untranslated title in zh report: {en}"
            );
        }
    }
    assert!(zh.contains("安全事件报告"));
}

/// Runs headless Chromium on the report: no console errors, no network requests, a screenshot.
#[test]
fn html_report_opens_offline_in_chromium() {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("chromium is installed by .ci/packages/report.txt");
    let (tmp, root) = story_root();
    let case = tmp.path().join("case");
    triage(&root, &case, &["--no-collect"]);
    let html = case.join("report.en.html");
    let text = std::fs::read_to_string(&html).expect("html");
    for attr in ["src=", "url(", "@import", "srcset="] {
        assert!(
            !text.contains(attr),
            "the report references a resource ({attr})"
        );
    }
    // Links stay inside the page (the table of contents, finding ids).
    assert!(
        text.split("href=")
            .skip(1)
            .all(|rest| rest.starts_with("\"#")),
        "the report links outside itself"
    );
    assert!(
        !text.contains("<script"),
        "the report must not carry scripts"
    );
    let profile = tmp.path().join("profile");
    let shot = case.join("report.png");
    let netlog = tmp.path().join("netlog.json");
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,2400",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("run chromium");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "chromium failed: {stderr}");
    let console_errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught") || l.contains("Refused to"))
        .collect();
    assert!(
        console_errors.is_empty(),
        "console errors: {console_errors:?}"
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG"), "screenshot is not a PNG");
    let log = std::fs::read_to_string(&netlog).unwrap_or_default();
    let requests: Vec<&str> = log
        .match_indices("\"url\":\"")
        .map(|(i, _)| &log[i + 7..(i + 7 + 80).min(log.len())])
        .filter(|u| u.starts_with("http") || u.starts_with("ws"))
        .filter(|u| !is_chromium_background_service(u))
        .collect();
    assert!(
        requests.is_empty(),
        "network requests from the report: {requests:?}"
    );
}

/// Chromium itself calls home (time, account and component-update services) whatever the page;
/// those requests are not the report's. Anything the page tried would also be refused by its
/// Content-Security-Policy and show up as a console error, which the test rejects.
fn is_chromium_background_service(url: &str) -> bool {
    let host = url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', ':', '?']).next())
        .unwrap_or("");
    [
        "clients1.google.com",
        "clients2.google.com",
        "accounts.google.com",
        "update.googleapis.com",
        "safebrowsing.googleapis.com",
        "optimizationguide-pa.googleapis.com",
        "content-autofill.googleapis.com",
        "redirector.gvt1.com",
    ]
    .contains(&host)
}

#[test]
fn story_fixture_is_compromised_and_reconstructed() {
    let (tmp, root) = story_root();
    let case = tmp.path().join("case");
    let out = triage(&root, &case, &["--no-collect"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("VERDICT: COMPROMISED"), "verdict: {stdout}");
    assert_eq!(out.status.code(), Some(4), "exit code for compromised");
    let story: Value =
        serde_json::from_slice(&std::fs::read(case.join("story.json")).expect("story"))
            .expect("json");
    let steps = story["steps"].as_array().expect("steps");
    // The story in order: brute force success → download to /tmp → cron reverse shell → webshell.
    let position = |pred: &dyn Fn(&Value) -> bool, what: &str| -> usize {
        steps
            .iter()
            .position(pred)
            .unwrap_or_else(|| panic!("no step for {what}: {steps:#?}"))
    };
    let text = |s: &Value| format!("{} {} {}", s["check_id"], s["summary"], s["evidence"]);
    let login = position(
        &|s| {
            s["check_id"].as_str().unwrap_or("").contains("success")
                && text(s).contains("203.0.113.7")
        },
        "brute-force success",
    );
    let download = position(&|s| text(s).contains("/tmp/.x"), "download to /tmp");
    let cron = position(
        &|s| text(s).contains("/dev/tcp/203.0.113.7/4444"),
        "cron reverse shell",
    );
    let webshell = position(&|s| text(s).contains("x.php"), "webshell");
    assert!(
        login < download && download < cron && cron < webshell,
        "order: {steps:#?}"
    );
    assert_eq!(steps[login]["time"], "2026-11-27T02:14:09Z");
    assert_eq!(story["root_cause"]["confidence"], "high");
}

/// Writes `files` (logical path, content) under a new root.
fn small_root(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("root");
    for (path, content) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, content).expect("write");
    }
    (tmp, root)
}

const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n\
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n";
const GROUP: &str = "root:x:0:\ndaemon:x:1:\nwww-data:x:33:\n";
const DPKG_STATUS: &str =
    "Package: bash\nStatus: install ok installed\nVersion: 5.2\nArchitecture: amd64\n\n";
const AUTH_LOG: &str = "2026-11-20T10:00:00.000000+00:00 web01 sshd[100]: Accepted publickey for root from 192.0.2.10 port 50000 ssh2: ED25519 SHA256:abc\n";

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Posture alone (root login and password authentication allowed) is hardening: listed, but
/// the verdict stays "no evidence found" and the exit code 0.
#[test]
fn posture_alone_never_raises_the_verdict() {
    let (tmp, root) = small_root(&[
        ("etc/passwd", PASSWD),
        ("etc/group", GROUP),
        ("etc/hostname", "web01\n"),
        (
            "etc/ssh/sshd_config",
            "PermitRootLogin yes\nPasswordAuthentication yes\n",
        ),
        ("var/lib/dpkg/status", DPKG_STATUS),
        ("var/log/auth.log", AUTH_LOG),
    ]);
    let case = tmp.path().join("case");
    let out = triage(&root, &case, &["--no-collect"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("VERDICT: NO EVIDENCE FOUND"), "{text}");
    let findings: Vec<Value> = jsonl(&case.join("findings.jsonl"))
        .into_iter()
        .filter(|r| r["record"] == "finding")
        .collect();
    let hardening: Vec<&Value> = findings
        .iter()
        .filter(|f| f["kind"] == "hardening")
        .collect();
    assert!(
        hardening
            .iter()
            .any(|f| f["check_id"] == "ssh.permit_root_login"),
        "root login not listed as hardening: {findings:?}"
    );
    assert!(hardening.iter().all(|f| f["role"] == "hardening"));
    let report = std::fs::read_to_string(case.join("report.en.md")).expect("report");
    assert!(report.contains("## Hardening"), "no hardening section");
}

/// A root without accounts, package database or logs cannot be called clean.
#[test]
fn too_little_examined_is_inconclusive() {
    let (tmp, root) = small_root(&[("etc/hostname", "web01\n")]);
    let case = tmp.path().join("case");
    let out = triage(&root, &case, &["--no-collect"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(5), "{text}");
    assert!(text.contains("VERDICT: INCONCLUSIVE"), "{text}");
    assert!(text.contains("no accounts"), "{text}");
    let info: Value =
        serde_json::from_str(&std::fs::read_to_string(case.join("case.json")).expect("case.json"))
            .expect("json");
    assert_eq!(info["coverage"]["accounts"], false);
    assert_eq!(info["coverage"]["packages"], false);
    assert_eq!(info["coverage"]["logs"], false);
    let report = std::fs::read_to_string(case.join("report.en.md")).expect("report");
    assert!(report.contains("INCONCLUSIVE"));
}

/// The terminal ranks by the attack story: the planted entry and its webshell come before
/// lesser findings, and the cause names the attacker's address.
#[test]
fn terminal_ranks_the_attack_first_and_names_the_cause() {
    let (tmp, root) = story_root();
    let case = tmp.path().join("case");
    let out = triage(&root, &case, &["--no-collect"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(4), "{text}");
    let top = text
        .split("Top findings")
        .nth(1)
        .expect("top findings section");
    let first_lines: Vec<&str> = top
        .lines()
        .filter(|l| l.starts_with("CRITICAL") || l.starts_with("HIGH") || l.starts_with("MEDIUM"))
        .take(3)
        .collect();
    assert!(
        first_lines.iter().all(|l| l.starts_with("CRITICAL")),
        "criticals not first: {first_lines:?}"
    );
    let cause = text
        .lines()
        .find(|l| l.starts_with("Cause:"))
        .expect("cause line");
    assert!(cause.contains("203.0.113.7"), "{cause}");
    let story: Value = serde_json::from_str(
        &std::fs::read_to_string(case.join("story.json")).expect("story.json"),
    )
    .expect("json");
    assert_eq!(story["root_cause"]["ips"][0], "203.0.113.7");
    // Every critical finding is a step of the attack timeline.
    let steps: Vec<&str> = story["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["finding_id"].as_str())
        .collect();
    for f in jsonl(&case.join("findings.jsonl")) {
        if f["record"] == "finding" && f["severity"] == "critical" && f["kind"] == "evidence" {
            let id = f["id"].as_str().expect("id");
            assert!(
                steps.contains(&id),
                "critical {id} missing from the timeline"
            );
        }
    }
}

/// `--min-severity` limits what is shown, not what is weighed.
#[test]
fn min_severity_filters_the_listing_only() {
    let (tmp, root) = story_root();
    let case = tmp.path().join("case");
    let out = triage(
        &root,
        &case,
        &["--no-collect", "--json", "--min-severity", "critical"],
    );
    assert_eq!(out.status.code(), Some(4));
    let text = stdout(&out);
    let findings: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json line"))
        .filter(|r| r["record"] == "finding")
        .collect();
    assert!(!findings.is_empty());
    assert!(findings.iter().all(|f| f["severity"] == "critical"));
}
