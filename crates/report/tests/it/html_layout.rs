//! The HTML report of a large, hostile case reads in five minutes: summary first, a table of
//! contents, every finding collapsed, evidence without literal `\n`, every critical in the
//! timeline, nothing that scrolls sideways at 1,280 px and fewer than 25 screens of page —
//! measured in headless Chromium when it is installed (screenshots and PDF prints are left in
//! `$CARGO_TARGET_TMPDIR/html_layout/` as artifacts).
//!
//! The case is built like the compromised web server of issue 22: ~900 findings, hundreds of
//! critical ones spread over weeks, long hashes and paths without a break, multi-line evidence,
//! attacker markup in every host string.

use std::path::PathBuf;

use huoyan_core::journal::JournalEntry;
use huoyan_core::{CheckInfo, Gap, GapReason, Outcome, Role, Severity, Timestamp};
use huoyan_report::html::esc;
use huoyan_report::{html, reconstruct, Case, Lang};
use serde_json::json;

use crate::layout_check::{layout_problems, measure, structure_problems};

const fn check(id: &'static str, title: &'static str, title_zh: &'static str) -> CheckInfo {
    CheckInfo {
        id,
        title,
        title_zh,
        mitre: &["T1505.003"],
        remediation: "Preserve the file, find how it arrived, then remove it.",
        remediation_zh: "先保全文件，查明来源后删除。",
    }
}

const BRUTE_OK: CheckInfo = check(
    "logs.bruteforce_success",
    "Successful login after password guessing",
    "口令猜测后登录成功",
);
const WEBSHELL: CheckInfo = check(
    "web.webshell",
    "Webshell or malicious server-side code",
    "Webshell 或恶意服务端代码",
);
const WEB_FILES: CheckInfo = check(
    "web.files",
    "Suspicious file in a web root",
    "Web 目录中的可疑文件",
);
const WEB_ATTACK: CheckInfo = check("web.attack", "Web attack", "Web 攻击");
const UID0: CheckInfo = check(
    "accounts.uid0",
    "Second account with uid 0",
    "第二个 uid 为 0 的账号",
);
const CRON: CheckInfo = check(
    "persistence.cron",
    "Suspicious or new cron job",
    "可疑或新增的计划任务",
);
const PACKAGES: CheckInfo = check(
    "integrity.packages",
    "System binary differs from its package",
    "系统程序与软件包不一致",
);
const WIPE: CheckInfo = check("logs.tamper", "Logs wiped", "日志被清除");
const SSH_CONF: CheckInfo = check(
    "ssh.permit_root_login",
    "sshd allows root to log in",
    "sshd 允许 root 登录",
);

fn at(day: u32, second: u32) -> Option<Timestamp> {
    let base: Timestamp = "2026-10-01T00:00:00Z".parse().ok()?;
    Timestamp::from_second(base.as_second() + i64::from(day) * 86_400 + i64::from(second)).ok()
}

const HOSTILE: &str = "<script>alert(1)</script><img src=x onerror=alert(2)>";

/// A compromised web server: one entry point, then weeks of webshells, staged files, requests,
/// accounts, cron, replaced binaries and log wiping.
fn big_case() -> Case {
    let mut out = Outcome::default();
    let attacker = "198.51.100.23";
    out.add(
        BRUTE_OK
            .finding(Severity::Critical, format!("root logged in (password) from {attacker} after 4000 failures"))
            .ip(attacker)
            .user("root")
            .at(at(0, 3600))
            .with_role(Role::EntryPoint)
            .evidence(json!({"line": format!("Accepted password for root from {attacker} port 51000 ssh2"), "failures": 4000})),
    );
    let hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".repeat(3);
    for i in 0..180u32 {
        let path = format!(
            "/var/www/html/wp-content/uploads/2026/10/{}{}/shell{i}.php",
            "a".repeat(120),
            HOSTILE
        );
        out.add(
            WEBSHELL
                .finding(Severity::Critical, format!("{path}: eval of POST data {HOSTILE}"))
                .path(path.clone())
                .ip(attacker)
                .at(at(1 + i / 10, i * 97))
                .with_role(Role::Foothold)
                .evidence(json!({
                    "sha256": hash,
                    "rule": "php_eval_post",
                    "excerpt": format!("<?php\n\t@eval($_POST['x']);\n// {HOSTILE}\n?>"),
                    "matches": [{"offset": 12, "text": "eval($_POST"}, {"offset": 40, "text": "base64_decode"}],
                })),
        );
    }
    for i in 0..260u32 {
        out.add(
            WEB_FILES
                .finding(
                    Severity::High,
                    format!(
                        "/var/www/html/cache/{i}/{}.php: written by the web user near a webshell",
                        hash
                    ),
                )
                .path(format!("/var/www/html/cache/{i}/{hash}.php"))
                .at(at(2 + i / 20, i * 31))
                .evidence(json!({"owner": "www-data", "mode": "0644", "sha256": hash})),
        );
    }
    for i in 0..400u32 {
        let ip = format!("192.0.2.{}", i % 250);
        out.add(
            WEB_ATTACK
                .finding(Severity::Medium, format!("{ip}: 12 requests classified as sqli, rfi, traversal"))
                .ip(ip)
                .at(at(i / 15, i * 13))
                .with_role(Role::EntryPoint)
                .evidence(json!({"requests": [
                    format!("GET /index.php?id=1%27%20union%20select%20{} HTTP/1.1", "x".repeat(300)),
                    "GET /../../etc/passwd HTTP/1.1"
                ]})),
        );
    }
    for (k, info) in [UID0, CRON, PACKAGES, WIPE].iter().enumerate() {
        for i in 0..12u32 {
            out.add(
                info.finding(
                    Severity::Critical,
                    format!("{} number {i} {HOSTILE}", info.title),
                )
                .path(format!("/etc/thing{k}/{i}"))
                .user("toor")
                .at(at(25 + i, k as u32 * 1000))
                .with_role(Role::Foothold)
                .evidence(
                    json!({"entry": format!("toor:x:0:0::/root:/bin/bash\nline two {HOSTILE}")}),
                ),
            );
        }
    }
    for i in 0..10u32 {
        out.add(
            SSH_CONF
                .finding(
                    Severity::High,
                    format!("root may log in with a password ({i})"),
                )
                .path("/etc/ssh/sshd_config")
                .hardening(),
        );
    }
    let mut case = Case::default();
    case.info.hostname = format!("web01{HOSTILE}");
    case.info.machine_id = String::new();
    case.info.root = "/".into();
    case.info.live = true;
    case.info.huoyan_version = "0.1.0".into();
    case.info.finished = at(40, 0);
    case.findings = out.findings;
    for i in 0..40u32 {
        case.gaps.push(Gap::new(
            format!("network.area{i}"),
            GapReason::LiveOnly,
            format!("needs the live host's /proc {HOSTILE}"),
        ));
    }
    for i in 0..30u32 {
        case.journal.push(JournalEntry {
            time: at(40, i).unwrap_or_default(),
            action: "read".into(),
            target: format!("/var/log/auth.log.{i}"),
            detail: HOSTILE.into(),
        });
    }
    case
}

fn artifacts() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("html_layout")
}

fn critical_ids(case: &Case) -> Vec<String> {
    case.evidence()
        .filter(|f| f.severity == Severity::Critical)
        .map(|f| esc(&f.id))
        .collect()
}

#[test]
fn html_report_of_a_large_hostile_case_reads_in_five_minutes() {
    let case = big_case();
    let story = reconstruct(&case.findings, &case.events);
    let criticals = critical_ids(&case);
    assert!(criticals.len() > 200, "{}", criticals.len());
    for (lang, name, print) in [(Lang::En, "large-en", true), (Lang::Zh, "large-zh", false)] {
        let page = html::render(&case, &story, lang);
        let problems = structure_problems(&page, &criticals);
        assert!(problems.is_empty(), "{name}: {problems:#?}");
        assert!(
            !page.contains(HOSTILE),
            "{name}: host markup was not escaped"
        );
        assert!(!page.contains("<script>alert"), "{name}");
        if let Some((m, pages)) = measure(&page, &artifacts(), name, print) {
            let problems = layout_problems(&m);
            assert!(problems.is_empty(), "{name}: {m:?} {problems:#?}");
            assert!(!print || pages > 0, "{name}: the print to PDF gave no page");
            eprintln!("{name}: {} bytes, {m:?}, {pages} printed pages", page.len());
        } else {
            eprintln!("{name}: chromium is not installed; layout not measured");
        }
    }
}

/// The Chinese report's own words are Chinese: headings, table heads and labels carry no
/// English word (ATT&CK, UTC, SSH, ID and the tool's name excepted).
#[test]
fn chinese_report_headings_are_chinese() {
    let case = big_case();
    let story = reconstruct(&case.findings, &case.events);
    let page = html::render(&case, &story, Lang::Zh);
    let allowed = [
        "UTC", "ATT", "CK", "amp", "ID", "SSH", "Webshell", "Web", "sshd", "uid", "root", "huoyan",
        "ignore",
    ];
    let mut english = Vec::new();
    for tag in ["h2", "h3", "th", "dt", "title"] {
        for part in page.split(&format!("<{tag}>")).skip(1) {
            let text = part.split(&format!("</{tag}>")).next().unwrap_or("");
            // Host text and check ids are in <code>; leave them out.
            let text: String = text
                .split("<code>")
                .map(|p| p.rsplit("</code>").next().unwrap_or(""))
                .collect();
            let text: String = text
                .split('<')
                .map(|p| p.rsplit('>').next().unwrap_or(""))
                .collect();
            for word in text.split(|c: char| !c.is_ascii_alphabetic()) {
                if word.len() > 1 && !allowed.contains(&word) && !text.contains("web01") {
                    english.push(format!("<{tag}> {word}: {text}"));
                }
            }
        }
    }
    assert!(english.is_empty(), "{english:#?}");
}

/// The summary's attack flow has at most eight steps, and the critical entry point is one.
#[test]
fn summary_flow_is_short_and_starts_with_the_cause() {
    let case = big_case();
    let story = reconstruct(&case.findings, &case.events);
    let page = html::render(&case, &story, Lang::En);
    let top = crate::layout_check::section(&page, "summary");
    let flow = top
        .split("<ol>")
        .nth(1)
        .and_then(|r| r.split("</ol>").next())
        .unwrap_or("");
    let steps = flow.matches("<li>").count();
    assert!((1..=8).contains(&steps), "{steps} steps: {flow}");
    assert!(
        flow.contains("Successful login after password guessing"),
        "{flow}"
    );
    assert!(!page.contains("\\n"), "a literal \\n somewhere in the page");
}
