//! The `logs` checks on fixture roots: a positive and a benign case for each.

use std::net::Ipv4Addr;
use std::path::Path;
use std::process::Command;

use huoyan_artifacts::utmp;
use huoyan_checks::{run_checks, Context, Selection};
use huoyan_core::{Finding, Outcome, Root, Severity, Window};

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

#[test]
fn brute_force_then_success_is_critical() {
    let out = scan(&huoyan_testkit::fixture("logs-bruteforce-success"));
    let bf = of(&out, "logs.bruteforce");
    assert_eq!(bf.len(), 1, "{bf:#?}");
    assert_eq!(bf[0].ips, vec!["203.0.113.50"]);
    // 60 guesses: 30 for existing users (one `Failed password` each) and 30 for invalid users
    // (sshd logs `Invalid user` and then `Failed password for invalid user`: two failures).
    assert_eq!(bf[0].evidence["failures"], 90);
    assert_eq!(bf[0].evidence["root_attempts"], 24);
    // The guessing that worked is its own high finding, linked to the login.
    assert_eq!(bf[0].severity, Severity::High);
    assert!(
        bf[0].summary.contains("then logged in: root"),
        "{}",
        bf[0].summary
    );
    let ok = of(&out, "logs.bruteforce_success");
    assert_eq!(ok.len(), 1, "{ok:#?}");
    assert_eq!(ok[0].severity, Severity::Critical);
    assert_eq!(ok[0].users, vec!["root"]);
    assert_eq!(ok[0].ips, vec!["203.0.113.50"]);
    assert!(ok[0].evidence["first_failure"]
        .as_str()
        .expect("first")
        .starts_with("2026-11-27T02:14:11"));
    assert!(ok[0].evidence["login_time"]
        .as_str()
        .expect("login")
        .starts_with("2026-11-27T03:08:18"));
    println!("success finding: {}", ok[0].summary);
    // The account created afterwards and the sshd reload are reported too.
    let acc = of(&out, "logs.account_changes");
    assert!(acc
        .iter()
        .any(|f| f.severity == Severity::High && f.summary.contains("'sudo'")));
    assert!(!of(&out, "logs.sshd_restart").is_empty());
}

#[test]
fn unrelated_accepted_login_is_not_a_success() {
    let out = scan(&huoyan_testkit::fixture("logs-bruteforce-unrelated"));
    let bf = of(&out, "logs.bruteforce");
    assert_eq!(bf.len(), 1);
    // Guessing that led nowhere is background noise: low, still evidence.
    assert_eq!(bf[0].severity, Severity::Low);
    assert!(bf[0].is_evidence());
    assert_eq!(bf[0].evidence["sources"], 1);
    assert!(
        of(&out, "logs.bruteforce_success").is_empty(),
        "{:#?}",
        of(&out, "logs.bruteforce_success")
    );
    assert!(of(&out, "logs.account_changes").is_empty());
    assert!(of(&out, "logs.sshd_restart").is_empty());
    assert!(of(&out, "logs.log_shrunk").is_empty());
    assert!(of(&out, "logs.mtime_before_content").is_empty());
}

fn touch(path: &Path, when: &str) {
    let ok = Command::new("touch")
        .arg("-d")
        .arg(when)
        .arg(path)
        .status()
        .expect("touch");
    assert!(ok.success());
}

fn auth_lines(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "Nov 26 {:02}:{:02}:{:02} web1 CRON[{}]: pam_unix(cron:session): session opened for user root(uid=0) by root(uid=0)\n",
                (i / 3600) % 24,
                (i / 60) % 60,
                i % 60,
                1000 + i
            )
        })
        .collect()
}

#[test]
fn emptied_auth_log_beside_big_rotation() {
    let dir = tempfile::tempdir().expect("tmp");
    let log = dir.path().join("var/log");
    std::fs::create_dir_all(&log).expect("mkdir");
    std::fs::write(log.join("auth.log.1"), auth_lines(20_000)).expect("write");
    std::fs::write(log.join("auth.log"), b"").expect("write");
    touch(&log.join("auth.log.1"), "2026-11-27 00:00:05");
    touch(&log.join("auth.log"), "2026-11-28 09:00:00");
    let out = scan(dir.path());
    let f = of(&out, "logs.log_shrunk");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].severity, Severity::High);
    assert_eq!(f[0].evidence["size"], 0);
    assert!(f[0].evidence["sibling_size"].as_u64().expect("size") > 1_000_000);
    println!("{}", f[0].summary);

    // Benign: a live file as busy as its rotation.
    let dir = tempfile::tempdir().expect("tmp");
    let log = dir.path().join("var/log");
    std::fs::create_dir_all(&log).expect("mkdir");
    std::fs::write(log.join("auth.log.1"), auth_lines(2_000)).expect("write");
    std::fs::write(log.join("auth.log"), auth_lines(1_500)).expect("write");
    touch(&log.join("auth.log.1"), "2026-11-26 23:59:59");
    touch(&log.join("auth.log"), "2026-11-27 00:30:00");
    assert!(of(&scan(dir.path()), "logs.log_shrunk").is_empty());
}

fn wtmp_with(zero_at: Option<usize>) -> Vec<u8> {
    let mut data = Vec::new();
    for i in 0..6 {
        if Some(i) == zero_at {
            data.extend_from_slice(&[0u8; utmp::RECORD_SIZE]);
            continue;
        }
        data.extend_from_slice(&utmp::encode_record(
            7,
            3000 + i as i32,
            "pts/0",
            "alice",
            "198.51.100.10",
            1_764_288_000 + i as i32 * 600,
            Some(Ipv4Addr::new(198, 51, 100, 10)),
        ));
    }
    data
}

#[test]
fn zeroed_wtmp_record_is_found_with_its_offset() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(dir.path().join("var/log")).expect("mkdir");
    std::fs::write(dir.path().join("var/log/wtmp"), wtmp_with(Some(3))).expect("write");
    let out = scan(dir.path());
    let f = of(&out, "logs.login_records");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].evidence["offset"], 3 * utmp::RECORD_SIZE as u64);
    assert_eq!(f[0].severity, Severity::High);
    println!("{}", f[0].summary);

    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(dir.path().join("var/log")).expect("mkdir");
    std::fs::write(dir.path().join("var/log/wtmp"), wtmp_with(None)).expect("write");
    assert!(of(&scan(dir.path()), "logs.login_records").is_empty());
}

#[test]
fn configured_but_missing_log() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(dir.path().join("etc")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("var/log")).expect("mkdir");
    std::fs::write(
        dir.path().join("etc/rsyslog.conf"),
        "module(load=\"imuxsock\")\n*.*;auth,authpriv.none\t-/var/log/syslog\nauth,authpriv.*\t\t\t/var/log/auth.log\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("var/log/syslog"), auth_lines(10)).expect("write");
    // Never written (a quiet facility on a fresh box): information, hardening.
    let out = scan(dir.path());
    let f = of(&out, "logs.configured_missing");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(f[0].summary.contains("/var/log/auth.log"));
    assert_eq!(f[0].severity, Severity::Info);
    assert!(!f[0].is_evidence());
    // Its rotations remain: it existed and was deleted.
    std::fs::write(dir.path().join("var/log/auth.log.1"), auth_lines(10)).expect("write");
    let out = scan(dir.path());
    let f = of(&out, "logs.configured_missing");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].severity, Severity::High);
    assert!(f[0].is_evidence());
    assert!(f[0].summary.contains("auth.log.1"), "{}", f[0].summary);
    // logrotate's state names it, no rotation left: deleted too.
    std::fs::remove_file(dir.path().join("var/log/auth.log.1")).expect("rm");
    std::fs::create_dir_all(dir.path().join("var/lib/logrotate")).expect("mkdir");
    std::fs::write(
        dir.path().join("var/lib/logrotate/status"),
        "logrotate state -- version 2\n\"/var/log/syslog\" 2026-11-27-0:0:0\n\"/var/log/auth.log\" 2026-11-27-0:0:0\n",
    )
    .expect("write");
    let f = of(&scan(dir.path()), "logs.configured_missing")
        .into_iter()
        .map(|f| f.severity)
        .collect::<Vec<_>>();
    assert_eq!(f, vec![Severity::High]);
    std::fs::write(dir.path().join("var/log/auth.log"), auth_lines(10)).expect("write");
    let dir2 = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(dir2.path().join("etc")).expect("mkdir");
    std::fs::create_dir_all(dir2.path().join("var/log")).expect("mkdir");
    std::fs::copy(
        dir.path().join("etc/rsyslog.conf"),
        dir2.path().join("etc/rsyslog.conf"),
    )
    .expect("cp");
    std::fs::write(dir2.path().join("var/log/syslog"), b"").expect("write");
    std::fs::write(dir2.path().join("var/log/auth.log"), b"").expect("write");
    assert!(of(&scan(dir2.path()), "logs.configured_missing").is_empty());
}

#[test]
fn lastlog_without_wtmp_and_mtime_before_content() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(dir.path().join("etc")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("var/log")).expect("mkdir");
    std::fs::write(
        dir.path().join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("var/log/wtmp"), wtmp_with(None)).expect("write");
    let mut ll = vec![0u8; 1001 * huoyan_artifacts::lastlog::RECORD_SIZE];
    // root's lastlog says 203.0.113.50 at a time wtmp covers, with no wtmp record.
    ll[..huoyan_artifacts::lastlog::RECORD_SIZE].copy_from_slice(
        &huoyan_artifacts::lastlog::encode_record(1_764_289_000, "pts/2", "203.0.113.50"),
    );
    // alice's matches her wtmp login.
    let at = 1000 * huoyan_artifacts::lastlog::RECORD_SIZE;
    ll[at..at + huoyan_artifacts::lastlog::RECORD_SIZE].copy_from_slice(
        &huoyan_artifacts::lastlog::encode_record(
            1_764_288_000 + 5 * 600,
            "pts/0",
            "198.51.100.10",
        ),
    );
    std::fs::write(dir.path().join("var/log/lastlog"), ll).expect("write");
    std::fs::write(
        dir.path().join("var/log/auth.log"),
        "2026-11-27T03:41:02.118223+00:00 web1 sshd-session[20433]: Accepted publickey for alice from 198.51.100.10 port 52210 ssh2: ED25519 SHA256:x\n",
    )
    .expect("write");
    touch(&dir.path().join("var/log/auth.log"), "2026-11-20 06:25:01");
    let out = scan(dir.path());
    let f = of(&out, "logs.lastlog_unbacked");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].users, vec!["root"]);
    let m = of(&out, "logs.mtime_before_content");
    assert_eq!(m.len(), 1, "{m:#?}");
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

/// Debian 12 keeps no auth.log: the same attack, only in the journal, with a PAM session (no
/// address in the log) for the targeted user right after the guessing.
#[test]
fn journal_only_host_attack_and_session_for_targeted_user() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tmp");
    let jdir = dir
        .path()
        .join("var/log/journal/3f1e9a7c2b6d4e8f9a0b1c2d3e4f5a6b");
    std::fs::create_dir_all(&jdir).expect("mkdir");
    let mut export = Vec::new();
    let base = 1_764_288_000_000_000u64;
    let mut seq = 0u64;
    let mut entry = |t: u64, comm: &str, pid: u32, msg: &str, out: &mut Vec<u8>| {
        seq += 1;
        write!(
            out,
            "__CURSOR=s=1;i={seq}\n__REALTIME_TIMESTAMP={t}\n__MONOTONIC_TIMESTAMP={seq}000\n\
             _BOOT_ID=6b1c1f2c0e6a4d9f8a4f0c2b5d7e9a11\n_COMM={comm}\n_PID={pid}\n_UID=0\n\
             SYSLOG_IDENTIFIER={comm}\n_HOSTNAME=db1\nMESSAGE={msg}\n\n"
        )
        .expect("write");
    };
    for i in 0..30u64 {
        entry(
            base + i * 20_000_000,
            "sshd",
            7000 + i as u32,
            &format!(
                "Failed password for postgres from 192.0.2.{} port {} ssh2",
                10 + i % 8,
                40000 + i
            ),
            &mut export,
        );
    }
    // A session opened for the targeted user, with no address in the line.
    entry(
        base + 700_000_000,
        "sshd",
        7100,
        "pam_unix(sshd:session): session opened for user postgres(uid=106) by (uid=0)",
        &mut export,
    );
    let mut child = Command::new(journal_remote())
        .arg("-o")
        .arg(jdir.join("remote.journal"))
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&export)
        .expect("export");
    assert!(child.wait().expect("wait").success());
    let out = scan(dir.path());
    let bf = of(&out, "logs.bruteforce");
    assert!(bf.iter().any(|f| f.ips == vec!["192.0.2.0/24"]), "{bf:#?}");
    let ok = of(&out, "logs.bruteforce_success");
    assert_eq!(ok.len(), 1, "{ok:#?}");
    assert_eq!(ok[0].users, vec!["postgres"]);
    assert_eq!(ok[0].evidence["link"], "targeted user");
    assert!(of(&out, "logs.journal_integrity").is_empty());

    // A truncated copy of that journal alone: no success can be claimed, the damage is reported.
    let dir2 = tempfile::tempdir().expect("tmp");
    let jdir2 = dir2
        .path()
        .join("var/log/journal/3f1e9a7c2b6d4e8f9a0b1c2d3e4f5a6b");
    std::fs::create_dir_all(&jdir2).expect("mkdir");
    let data = std::fs::read(jdir.join("remote.journal")).expect("read");
    // Truncated copy of the journal: reported, not a crash.
    std::fs::write(jdir2.join("system.journal"), &data[..data.len() / 2]).expect("write");
    let out2 = scan(dir2.path());
    let j = of(&out2, "logs.journal_integrity");
    assert_eq!(j.len(), 1, "{j:#?}");
    assert!(of(&out2, "logs.bruteforce_success").is_empty());
}

/// Writes an auth.log of (seconds before now, message) lines in rsyslog's high-precision format.
fn recent_log(lines: &[(i64, String)]) -> tempfile::TempDir {
    let now = huoyan_core::time::now().as_second();
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(dir.path().join("var/log")).expect("mkdir");
    let mut text = String::new();
    let mut sorted = lines.to_vec();
    sorted.sort_by_key(|l| std::cmp::Reverse(l.0));
    for (ago, msg) in sorted {
        let t = huoyan_core::time::from_unix(now - ago, 0).expect("t");
        text.push_str(&format!(
            "{} web1 {msg}\n",
            t.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00")
        ));
    }
    std::fs::write(dir.path().join("var/log/auth.log"), text).expect("write");
    dir
}

fn failed(user: &str, ip: &str, pid: u32) -> String {
    format!("sshd-session[{pid}]: Failed password for {user} from {ip} port 50000 ssh2")
}

#[test]
fn background_guessing_is_one_low_finding_and_a_guesser_who_logs_in_is_linked() {
    // Forty addresses guess twelve times each, over the last days; none logs in.
    let mut lines: Vec<(i64, String)> = Vec::new();
    for src in 0..40u32 {
        for k in 0..12u32 {
            let ago = 86_400 * (1 + i64::from(src % 5)) + i64::from(src * 600 + k * 7);
            let user = ["root", "admin", "ubuntu", "test"][(k % 4) as usize];
            lines.push((
                ago,
                failed(
                    user,
                    &format!("203.0.{}.{}", 100 + src / 200, 10 + src),
                    1000 + src * 20 + k,
                ),
            ));
        }
    }
    let out = scan(recent_log(&lines).path());
    let bf = of(&out, "logs.bruteforce");
    assert_eq!(bf.len(), 1, "{bf:#?}");
    assert_eq!(bf[0].severity, Severity::Low);
    assert!(bf[0].is_evidence());
    assert_eq!(bf[0].evidence["sources"], 40);
    assert_eq!(bf[0].evidence["failures"], 480);
    assert_eq!(bf[0].ips.len(), 10);
    assert!(of(&out, "logs.bruteforce_success").is_empty());

    // One of them comes back an hour later with a key: the guessing that worked is high,
    // linked to the login; the login is critical; the rest stay one low finding.
    lines.push((3600, accepted("root", "203.0.100.17", 99_999)));
    let out = scan(recent_log(&lines).path());
    let bf = of(&out, "logs.bruteforce");
    assert_eq!(bf.len(), 2, "{bf:#?}");
    let won = bf
        .iter()
        .find(|f| f.ips == vec!["203.0.100.17"])
        .expect("linked attack");
    assert_eq!(won.severity, Severity::High);
    assert!(
        won.summary.contains("then logged in: root (publickey)"),
        "{}",
        won.summary
    );
    let rest = bf
        .iter()
        .find(|f| f.severity == Severity::Low)
        .expect("noise");
    assert_eq!(rest.evidence["sources"], 39);
    let ok = of(&out, "logs.bruteforce_success");
    assert_eq!(ok.len(), 1, "{ok:#?}");
    assert_eq!(ok[0].severity, Severity::Critical);
}

fn accepted(user: &str, ip: &str, pid: u32) -> String {
    format!("sshd-session[{pid}]: Accepted publickey for {user} from {ip} port 50000 ssh2: ED25519 SHA256:x")
}

#[test]
fn login_from_a_new_source() {
    let mut lines: Vec<(i64, String)> = (0..5)
        .map(|i| {
            (
                86_400 * (10 - i),
                accepted("alice", "10.0.0.5", 100 + i as u32),
            )
        })
        .collect();
    let benign = recent_log(&lines);
    assert!(of(&scan(benign.path()), "logs.new_source").is_empty());
    lines.push((3600, accepted("alice", "198.51.100.77", 999)));
    let out = scan(recent_log(&lines).path());
    let f = of(&out, "logs.new_source");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].ips, vec!["198.51.100.77"]);
}

#[test]
fn login_at_an_unusual_hour() {
    let now = huoyan_core::time::now().as_second();
    let midnight = now - now % 86_400;
    // Twelve logins at 10:00 UTC on twelve days (the root has no /etc/localtime: UTC).
    let mut lines: Vec<(i64, String)> = (1..=12)
        .map(|d| {
            (
                now - (midnight - d * 86_400 + 10 * 3600),
                accepted("alice", "10.0.0.5", 100 + d as u32),
            )
        })
        .collect();
    assert!(of(&scan(recent_log(&lines).path()), "logs.unusual_hours").is_empty());
    lines.push((
        now - (midnight - 2 * 86_400 + 3 * 3600),
        accepted("alice", "10.0.0.5", 999),
    ));
    let out = scan(recent_log(&lines).path());
    let f = of(&out, "logs.unusual_hours");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].evidence["local_hour"], 3);
}

#[test]
fn service_account_becoming_root() {
    let passwd = "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nalice:x:1000:1000::/home/alice:/bin/bash\n";
    let group = "root:x:0:\nsudo:x:27:alice\nwww-data:x:33:\nalice:x:1000:\n";
    let sudo = |who: &str| {
        (
            600,
            format!(
                "sudo[4242]:   {who} : TTY=pts/0 ; PWD=/var/www ; USER=root ; COMMAND=/bin/bash -i"
            ),
        )
    };
    let make = |who: &str| {
        let dir = recent_log(&[sudo(who)]);
        std::fs::create_dir_all(dir.path().join("etc")).expect("mkdir");
        std::fs::write(dir.path().join("etc/passwd"), passwd).expect("write");
        std::fs::write(dir.path().join("etc/group"), group).expect("write");
        dir
    };
    let out = scan(make("www-data").path());
    let f = of(&out, "logs.root_use");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].severity, Severity::High);
    let out = scan(make("alice").path());
    let f = of(&out, "logs.root_use");
    assert!(f.iter().all(|f| f.severity == Severity::Info), "{f:#?}");
}

#[test]
fn silence_far_beyond_the_rhythm() {
    let cron = |pid: u32| {
        format!(
            "CRON[{pid}]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"
        )
    };
    // A line a minute for two days.
    let steady: Vec<(i64, String)> = (0..2880)
        .map(|i| (60 * (3000 - i), cron(1000 + i as u32)))
        .collect();
    assert!(of(&scan(recent_log(&steady).path()), "logs.log_silence").is_empty());
    // The same with ten hours cut out.
    let cut: Vec<(i64, String)> = steady
        .iter()
        .filter(|(ago, _)| !(60 * 1200..60 * 1800).contains(ago))
        .cloned()
        .collect();
    let out = scan(recent_log(&cut).path());
    let f = of(&out, "logs.log_silence");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(f[0].evidence["seconds"].as_i64().expect("secs") >= 36_000);
}

/// Writes `var/log/NAME` with one line at each of `times` (unix seconds, ascending).
fn write_times(root: &Path, name: &str, times: impl Iterator<Item = i64>, msg: &str) {
    let mut text = String::new();
    for (i, t) in times.enumerate() {
        let t = huoyan_core::time::from_unix(t, 0).expect("t");
        text.push_str(&format!(
            "{} web1 CRON[{}]: {msg}\n",
            t.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00"),
            1000 + i
        ));
    }
    let p = root.join("var/log").join(name);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

const SESSION: &str = "pam_unix(cron:session): session opened for user root(uid=0) by root(uid=0)";

#[test]
fn lines_cut_from_one_log_while_the_others_kept_writing() {
    let start = huoyan_core::time::now().as_second() / 3600 * 3600 - 3 * 86_400;
    let end = start + 2 * 86_400;
    let (cut_from, cut_to) = (start + 86_400, start + 86_400 + 3 * 3600);
    // auth.log every 5 minutes, three hours removed; syslog every 10 minutes throughout.
    let dir = tempfile::tempdir().expect("tmp");
    let every5 = (start..end).step_by(300);
    write_times(
        dir.path(),
        "auth.log",
        every5.clone().filter(|t| *t < cut_from || *t > cut_to),
        SESSION,
    );
    write_times(
        dir.path(),
        "syslog",
        (start..end).step_by(600),
        "(root) CMD (true)",
    );
    // wtmp keeps a root login inside the hole: named, with its address.
    let login = utmp::encode_record(
        7,
        4242,
        "pts/1",
        "root",
        "198.51.100.23",
        (cut_from + 3600) as i32,
        Some(Ipv4Addr::new(198, 51, 100, 23)),
    );
    std::fs::write(dir.path().join("var/log/wtmp"), login).expect("write");
    let out = scan(dir.path());
    let f = of(&out, "logs.log_silence");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].severity, Severity::High);
    assert!(f[0].summary.contains("syslog"), "{}", f[0].summary);
    assert!(
        f[0].summary
            .contains("logins inside it that this log does not show: root from 198.51.100.23"),
        "{}",
        f[0].summary
    );
    assert_eq!(f[0].ips, vec!["198.51.100.23"]);

    // The host was down: every log is silent for the same three hours. Too short for a
    // silence on its own.
    let down = tempfile::tempdir().expect("tmp");
    write_times(
        down.path(),
        "auth.log",
        every5.clone().filter(|t| *t < cut_from || *t > cut_to),
        SESSION,
    );
    write_times(
        down.path(),
        "syslog",
        (start..end)
            .step_by(600)
            .filter(|t| *t < cut_from || *t > cut_to),
        "(root) CMD (true)",
    );
    assert!(of(&scan(down.path()), "logs.log_silence").is_empty());

    // A log quiet for three hours every night while another keeps writing: its rhythm, not a
    // removal.
    let nightly = tempfile::tempdir().expect("tmp");
    let four_days = start - 2 * 86_400..end;
    write_times(
        nightly.path(),
        "auth.log",
        four_days
            .clone()
            .step_by(300)
            .filter(|t| !(12 * 3600..15 * 3600 + 600).contains(&((t - start).rem_euclid(86_400)))),
        SESSION,
    );
    write_times(
        nightly.path(),
        "syslog",
        four_days.step_by(600),
        "(root) CMD (true)",
    );
    let quiet = of(&scan(nightly.path()), "logs.log_silence")
        .into_iter()
        .cloned()
        .collect::<Vec<_>>();
    assert!(quiet.is_empty(), "{quiet:#?}");
}

#[test]
fn live_log_whose_beginning_was_removed() {
    let start = huoyan_core::time::now().as_second() / 3600 * 3600 - 10 * 86_400;
    let rotated = start + 4 * 86_400;
    let end = start + 8 * 86_400;
    let make = |live_from: i64| {
        let dir = tempfile::tempdir().expect("tmp");
        write_times(
            dir.path(),
            "syslog.1",
            (start..rotated).step_by(300),
            "(root) CMD (x)",
        );
        write_times(
            dir.path(),
            "syslog",
            (live_from..end).step_by(300),
            "(root) CMD (x)",
        );
        write_times(dir.path(), "auth.log", (start..end).step_by(600), SESSION);
        dir
    };
    // The live file starts two days after the rotation while auth.log kept writing.
    let cut = make(rotated + 2 * 86_400);
    let out = scan(cut.path());
    let f = of(&out, "logs.log_shrunk");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].severity, Severity::High);
    assert!(
        f[0].summary.contains("beginning of the log was removed"),
        "{}",
        f[0].summary
    );
    // Benign: the live file starts right after the rotation.
    let fine = make(rotated + 300);
    assert!(of(&scan(fine.path()), "logs.log_shrunk").is_empty());
}
