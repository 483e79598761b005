//! `huoyan scan --root <fixture> --json` on the history and persistence fixture roots: every
//! planted item is found with the right path, user and (for histories) time; the benign twins
//! yield nothing above low. Runs the huoyan binary built by cargo for this test.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The checks these fixtures exercise (other helpers' checks in the same areas have their own
/// fixtures).
const MY_CHECKS: &str = "history.suspicious_command,history.tampered,persistence.cron,\
persistence.at,persistence.systemd,persistence.boot_scripts,persistence.shell_rc,\
persistence.package_hooks,persistence.pam,persistence.system_hooks";

fn scan(fixture: &str) -> Vec<Value> {
    let root = huoyan_testkit::fixture(fixture);
    assert!(root.is_dir(), "fixture {} missing", root.display());
    let output = Command::new(env!("CARGO_BIN_EXE_huoyan"))
        .args(["scan", "--only", MY_CHECKS, "--json", "--root"])
        .arg(&root)
        .output()
        .expect("run huoyan");
    let stdout = String::from_utf8(output.stdout).expect("utf-8 output");
    assert!(
        !stdout.trim().is_empty(),
        "no output; stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json line"))
        .filter(|v| v.get("check_id").is_some())
        .collect()
}

fn severity_rank(s: &str) -> u8 {
    match s {
        "info" => 0,
        "low" => 1,
        "medium" => 2,
        "high" => 3,
        "critical" => 4,
        _ => 0,
    }
}

fn assert_found(findings: &[Value], check: &str, path: &str, user: &str, min: &str) -> Value {
    findings
        .iter()
        .find(|f| {
            f["check_id"] == check
                && f["paths"]
                    .as_array()
                    .is_some_and(|p| p.iter().any(|x| x == path))
                && f["users"]
                    .as_array()
                    .is_some_and(|u| u.iter().any(|x| x == user))
                && severity_rank(f["severity"].as_str().unwrap_or("")) >= severity_rank(min)
        })
        .cloned()
        .unwrap_or_else(|| {
            let near: Vec<String> = findings
                .iter()
                .filter(|f| {
                    f["paths"]
                        .as_array()
                        .is_some_and(|p| p.iter().any(|x| x == path))
                })
                .map(|f| format!("{} {} {}", f["severity"], f["check_id"], f["summary"]))
                .collect();
            panic!("{check} {path} ({user}, ≥{min}) not found; findings on that path: {near:#?}")
        })
}

fn assert_quiet(findings: &[Value]) {
    let loud: Vec<String> = findings
        .iter()
        .filter(|f| severity_rank(f["severity"].as_str().unwrap_or("")) > 1)
        .map(|f| format!("{} {}", f["severity"], f["summary"]))
        .collect();
    assert!(
        loud.is_empty(),
        "benign twin has findings above low: {loud:#?}"
    );
}

#[test]
fn persistence_bad_fixture_finds_every_planted_item() {
    let f = scan("scan-persistence-bad");
    let expected = [
        ("persistence.cron", "/etc/crontab", "root", "high"),
        (
            "persistence.cron",
            "/etc/cron.d/sysstat-update",
            "root",
            "high",
        ),
        (
            "persistence.cron",
            "/var/spool/cron/crontabs/www-data",
            "www-data",
            "critical",
        ),
        (
            "persistence.cron",
            "/etc/cron.hourly/0sync",
            "root",
            "critical",
        ),
        (
            "persistence.at",
            "/var/spool/cron/atjobs/a00001019b3c41",
            "root",
            "high",
        ),
        (
            "persistence.systemd",
            "/etc/systemd/system/dbus-broker-helper.service",
            "root",
            "high",
        ),
        (
            "persistence.systemd",
            "/etc/systemd/system/ssh.service.d/override.conf",
            "root",
            "high",
        ),
        (
            "persistence.systemd",
            "/etc/systemd/system/backup.service",
            "root",
            "high",
        ),
        (
            "persistence.systemd",
            "/home/alice/.config/systemd/user/pulse-sync.service",
            "alice",
            "critical",
        ),
        ("persistence.boot_scripts", "/etc/rc.local", "root", "high"),
        (
            "persistence.boot_scripts",
            "/etc/init.d/networking-helper",
            "root",
            "critical",
        ),
        ("persistence.boot_scripts", "/etc/inittab", "root", "high"),
        (
            "persistence.boot_scripts",
            "/etc/systemd/system-generators/netplan-helper",
            "root",
            "high",
        ),
        (
            "persistence.boot_scripts",
            "/etc/update-motd.d/50-landscape-sysinfo",
            "root",
            "high",
        ),
        ("persistence.shell_rc", "/root/.bashrc", "root", "high"),
        (
            "persistence.shell_rc",
            "/home/alice/.profile",
            "alice",
            "high",
        ),
        (
            "persistence.shell_rc",
            "/etc/profile.d/locale-fix.sh",
            "root",
            "high",
        ),
        ("persistence.shell_rc", "/etc/environment", "root", "high"),
        (
            "persistence.system_hooks",
            "/etc/udev/rules.d/99-usb-sync.rules",
            "root",
            "high",
        ),
        (
            "persistence.package_hooks",
            "/etc/apt/apt.conf.d/99periodic-update",
            "root",
            "critical",
        ),
        (
            "persistence.system_hooks",
            "/etc/xinetd.d/ingreslock",
            "root",
            "critical",
        ),
        (
            "persistence.system_hooks",
            "/etc/modprobe.d/nf-helper.conf",
            "root",
            "high",
        ),
        (
            "persistence.system_hooks",
            "/etc/modules-load.d/fs.conf",
            "root",
            "critical",
        ),
    ];
    for (check, path, user, min) in expected {
        assert_found(&f, check, path, user, min);
    }
    let unit = assert_found(
        &f,
        "persistence.systemd",
        "/etc/systemd/system/dbus-broker-helper.service",
        "root",
        "high",
    );
    assert_eq!(unit["evidence"]["enabled"], true);
    let sudo = assert_found(&f, "persistence.shell_rc", "/root/.bashrc", "root", "high");
    assert!(sudo["evidence"]["line"].as_u64().is_some());
}

#[test]
fn persistence_clean_fixture_is_quiet() {
    assert_quiet(&scan("scan-persistence-clean"));
}

#[test]
fn history_bad_fixture_finds_every_planted_item() {
    let f = scan("scan-history-bad");
    let expected = [
        (
            "history.suspicious_command",
            "/root/.bash_history",
            "root",
            "high",
        ),
        (
            "history.suspicious_command",
            "/home/alice/.zsh_history",
            "alice",
            "critical",
        ),
        (
            "history.suspicious_command",
            "/home/alice/.local/share/fish/fish_history",
            "alice",
            "high",
        ),
        (
            "history.suspicious_command",
            "/home/alice/.python_history",
            "alice",
            "critical",
        ),
        (
            "history.suspicious_command",
            "/home/dave/.mysql_history",
            "dave",
            "critical",
        ),
        (
            "history.suspicious_command",
            "/root/.viminfo",
            "root",
            "critical",
        ),
        (
            "history.suspicious_command",
            "/root/.lesshst",
            "root",
            "critical",
        ),
        (
            "history.suspicious_command",
            "/root/.rediscli_history",
            "root",
            "high",
        ),
        (
            "history.suspicious_command",
            "/root/.psql_history",
            "root",
            "high",
        ),
        (
            "history.suspicious_command",
            "/home/olduser/.bash_history",
            "olduser",
            "critical",
        ),
        ("history.tampered", "/home/bob/.bash_history", "bob", "high"),
        (
            "history.tampered",
            "/home/carol/.bash_history",
            "carol",
            "medium",
        ),
        ("history.tampered", "/home/dave", "dave", "medium"),
    ];
    for (check, path, user, min) in expected {
        assert_found(&f, check, path, user, min);
    }
    // Each category the issue names, with the line and the recorded time.
    for (line, category, time) in [
        (20, "exec_from_writable", "2025-11-28T02:22:21"),
        (22, "compiler", "2025-11-28T02:23:20"),
        (24, "scanner", "2025-11-28T02:25:00"),
        (26, "credential_access", "2025-11-28T02:26:40"),
        (28, "anti_forensics", "2025-11-28T02:28:20"),
        (30, "anti_forensics", "2025-11-28T02:29:10"),
        (32, "anti_forensics", "2025-11-28T02:30:00"),
    ] {
        let hit = f
            .iter()
            .find(|x| x["paths"][0] == "/root/.bash_history" && x["evidence"]["line"] == line)
            .unwrap_or_else(|| panic!("line {line} not reported"));
        assert!(
            hit["summary"].as_str().unwrap_or("").contains(category),
            "{hit}"
        );
        assert!(
            hit["time"].as_str().unwrap_or("").starts_with(time),
            "{hit}"
        );
    }
}

#[test]
fn history_clean_fixture_is_quiet() {
    assert_quiet(&scan("scan-history-clean"));
}

#[test]
fn fixtures_are_where_the_tests_expect() {
    assert!(Path::new(&huoyan_testkit::fixture("scan-history-bad"))
        .join("var/log/wtmp")
        .is_file());
}
