//! Login records that disagree (issue 15, class 5): lastlog behind wtmp, wtmp out of order while
//! the authentication log runs on, logins of the authentication log without a wtmp record. Each
//! root is built here — wtmp and lastlog are binary — from one benign story: alice logs in four
//! times from 198.51.100.10, root once from 198.51.100.11, each login in auth.log, wtmp (login
//! and logout) and lastlog, as sshd writes them for a session with a terminal.

use std::net::Ipv4Addr;
use std::path::Path;

use huoyan_artifacts::{lastlog, utmp};
use huoyan_checks::{run_checks, Context, Selection};
use huoyan_core::{Finding, Outcome, Root, Severity, Window};

/// 2026-11-28T00:00:00Z.
const T0: i32 = 1_764_288_000;
const USER_PROCESS: i16 = 7;
const DEAD_PROCESS: i16 = 8;
const BOOT_TIME: i16 = 2;

/// One login: (user, uid, source, seconds after T0, pid).
type Login = (&'static str, u32, &'static str, i32, i32);

const LOGINS: &[Login] = &[
    ("alice", 1000, "198.51.100.10", 0, 3000),
    ("alice", 1000, "198.51.100.10", 3_600, 3001),
    ("alice", 1000, "198.51.100.10", 7_200, 3002),
    ("root", 0, "198.51.100.11", 9_000, 3003),
    ("alice", 1000, "198.51.100.10", 10_800, 3004),
];

fn ip(s: &str) -> Option<Ipv4Addr> {
    s.parse().ok()
}

fn stamp(secs: i32) -> String {
    let t = huoyan_core::time::from_unix(i64::from(secs), 0).expect("time");
    t.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

fn accepted(user: &str, src: &str, at: i32, pid: i32, method: &str) -> String {
    format!(
        "{} web1 sshd[{pid}]: Accepted {method} for {user} from {src} port 5{pid} ssh2\n{} web1 sshd[{pid}]: pam_unix(sshd:session): session opened for user {user}(uid=0) by (uid=0)\n",
        stamp(at),
        stamp(at)
    )
}

/// The wtmp records of the story: each login and its logout twenty minutes later, in time
/// order.
fn wtmp_records() -> Vec<(i32, [u8; utmp::RECORD_SIZE])> {
    let mut recs = Vec::new();
    for (i, (user, _, src, at, pid)) in LOGINS.iter().enumerate() {
        let line = format!("pts/{i}");
        recs.push((
            T0 + at,
            utmp::encode_record(USER_PROCESS, *pid, &line, user, src, T0 + at, ip(src)),
        ));
        recs.push((
            T0 + at + 1_200,
            utmp::encode_record(DEAD_PROCESS, *pid, &line, "", "", T0 + at + 1_200, None),
        ));
    }
    recs.sort_by_key(|r| r.0);
    recs
}

/// A root with the story; `lastlog_of` gives each uid's slot (None: zero).
fn story(
    wtmp: &[[u8; utmp::RECORD_SIZE]],
    auth: &str,
    lastlog_of: &dyn Fn(u32) -> Option<(i32, &'static str)>,
) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(dir.path().join("etc")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("var/log")).expect("mkdir");
    std::fs::write(
        dir.path().join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n",
    )
    .expect("passwd");
    std::fs::write(dir.path().join("var/log/wtmp"), wtmp.concat()).expect("wtmp");
    let mut ll = vec![0u8; 1001 * lastlog::RECORD_SIZE];
    for uid in [0u32, 1000] {
        if let Some((secs, host)) = lastlog_of(uid) {
            let at = uid as usize * lastlog::RECORD_SIZE;
            ll[at..at + lastlog::RECORD_SIZE]
                .copy_from_slice(&lastlog::encode_record(secs, "pts/0", host));
        }
    }
    std::fs::write(dir.path().join("var/log/lastlog"), ll).expect("lastlog");
    std::fs::write(dir.path().join("var/log/auth.log"), auth).expect("auth");
    dir
}

fn story_auth() -> String {
    LOGINS
        .iter()
        .map(|(u, _, s, at, pid)| accepted(u, s, T0 + at, *pid, "publickey"))
        .collect()
}

/// lastlog as sshd leaves it: each account's latest login.
fn kept_lastlog(uid: u32) -> Option<(i32, &'static str)> {
    LOGINS
        .iter()
        .filter(|l| l.1 == uid)
        .map(|l| (T0 + l.3, l.2))
        .max()
}

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

fn records(order: &[usize]) -> Vec<[u8; utmp::RECORD_SIZE]> {
    let all = wtmp_records();
    order.iter().map(|&i| all[i].1).collect()
}

fn in_order() -> Vec<[u8; utmp::RECORD_SIZE]> {
    wtmp_records().into_iter().map(|r| r.1).collect()
}

/// The story as written agrees with itself: none of the three checks speaks.
#[test]
fn records_that_agree_are_quiet() {
    let root = story(&in_order(), &story_auth(), &kept_lastlog);
    let out = scan(root.path());
    for id in [
        "logs.lastlog_stale",
        "logs.wtmp_disorder",
        "logs.unrecorded_logins",
        "logs.lastlog_unbacked",
        "logs.unlogged_sessions",
        "logs.login_records",
    ] {
        assert!(of(&out, id).is_empty(), "{id}: {:#?}", of(&out, id));
    }
}

#[test]
fn zeroed_or_older_lastlog_slot_behind_wtmp() {
    // root's slot zeroed.
    let zeroed = |uid: u32| if uid == 0 { None } else { kept_lastlog(uid) };
    let root = story(&in_order(), &story_auth(), &zeroed);
    let out = scan(root.path());
    let f = of(&out, "logs.lastlog_stale");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].severity, Severity::Medium);
    assert_eq!(f[0].users, ["root"]);
    assert_eq!(f[0].ips, ["198.51.100.11"]);
    assert!(f[0].summary.contains("is zero"), "{}", f[0].summary);

    // alice's slot put back to her first login.
    let older = |uid: u32| {
        if uid == 1000 {
            Some((T0, "198.51.100.10"))
        } else {
            kept_lastlog(uid)
        }
    };
    let root = story(&in_order(), &story_auth(), &older);
    let f = of(&scan(root.path()), "logs.lastlog_stale").len();
    assert_eq!(f, 1);

    // A host that keeps no lastlog (every slot zero): nothing concluded.
    let root = story(&in_order(), &story_auth(), &|_| None);
    assert!(of(&scan(root.path()), "logs.lastlog_stale").is_empty());
}

#[test]
fn wtmp_record_moved_back_while_the_log_ran_on() {
    // alice's second login (index 2) moved after root's login and logout: it is now 2.5 h
    // earlier than the record before it, and auth.log shows root logging in in between.
    let moved = records(&[0, 1, 3, 4, 5, 6, 7, 2, 8, 9]);
    let root = story(&moved, &story_auth(), &kept_lastlog);
    let out = scan(root.path());
    let f = of(&out, "logs.wtmp_disorder");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].severity, Severity::Medium);
    assert_eq!(f[0].evidence["offset"], 7 * utmp::RECORD_SIZE as u64);
    assert!(f[0].users.iter().any(|u| u == "alice"), "{:?}", f[0].users);
    assert!(f[0].users.iter().any(|u| u == "root"), "{:?}", f[0].users);
}

#[test]
fn wtmp_clock_step_at_boot_or_small_jitter_is_not_disorder() {
    // A reboot whose hardware clock was two hours behind: the boot record and the logins after
    // it are earlier than the logout before — the boot record explains it.
    let mut recs = in_order();
    let boot_at = T0 + 3 * 3_600;
    recs.push(utmp::encode_record(
        BOOT_TIME, 0, "~", "reboot", "6.1.0", boot_at, None,
    ));
    recs.push(utmp::encode_record(
        USER_PROCESS,
        4000,
        "pts/0",
        "alice",
        "198.51.100.10",
        boot_at + 60,
        ip("198.51.100.10"),
    ));
    // Two logins finishing their records in the other order, 40 s apart.
    recs.push(utmp::encode_record(
        USER_PROCESS,
        4002,
        "pts/2",
        "alice",
        "198.51.100.10",
        boot_at + 200,
        ip("198.51.100.10"),
    ));
    recs.push(utmp::encode_record(
        USER_PROCESS,
        4001,
        "pts/1",
        "alice",
        "198.51.100.10",
        boot_at + 160,
        ip("198.51.100.10"),
    ));
    let mut auth = story_auth();
    for (pid, at) in [(4000, 60), (4001, 160), (4002, 200)] {
        auth.push_str(&accepted(
            "alice",
            "198.51.100.10",
            boot_at + at,
            pid,
            "publickey",
        ));
    }
    let root = story(&recs, &auth, &kept_lastlog);
    let out = scan(root.path());
    assert!(
        of(&out, "logs.wtmp_disorder").is_empty(),
        "{:#?}",
        of(&out, "logs.wtmp_disorder")
    );
}

/// Password guessing from 203.0.113.50, then its root login: in auth.log, but not in wtmp.
fn guessing_then_login() -> String {
    let mut auth = story_auth();
    for i in 0..12 {
        auth.push_str(&format!(
            "{} web1 sshd[{}]: Failed password for root from 203.0.113.50 port 4{i:04} ssh2\n",
            stamp(T0 + 9_600 + i * 20),
            5000 + i
        ));
    }
    auth.push_str(&accepted(
        "root",
        "203.0.113.50",
        T0 + 9_900,
        5100,
        "password",
    ));
    // auth.log goes on, in time order.
    let mut lines: Vec<&str> = auth.lines().collect();
    lines.sort();
    lines.iter().map(|l| format!("{l}\n")).collect()
}

#[test]
fn attackers_login_without_wtmp_record() {
    let root = story(&in_order(), &guessing_then_login(), &kept_lastlog);
    let out = scan(root.path());
    let f = of(&out, "logs.unrecorded_logins");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].severity, Severity::Medium);
    assert_eq!(f[0].users, ["root"]);
    assert_eq!(f[0].ips, ["203.0.113.50"]);
    // The login itself is the brute force's success, reported on its own.
    assert_eq!(of(&out, "logs.bruteforce_success").len(), 1);
}

#[test]
fn logins_without_a_terminal_are_context_or_a_gap() {
    // One scp-like login of alice without a wtmp record among five recorded ones: low context.
    let mut auth = story_auth();
    auth.push_str(&accepted(
        "alice",
        "198.51.100.10",
        T0 + 5_000,
        3100,
        "publickey",
    ));
    let mut lines: Vec<&str> = auth.lines().collect();
    lines.sort();
    let auth: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let root = story(&in_order(), &auth, &kept_lastlog);
    let out = scan(root.path());
    let f = of(&out, "logs.unrecorded_logins");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].severity, Severity::Low);
    assert_eq!(f[0].users, ["alice"]);

    // An automation account: none of its logins has a terminal or a record — no finding.
    let mut auth = story_auth();
    for i in 0..12 {
        auth.push_str(&accepted(
            "deploy",
            "198.51.100.20",
            T0 + 600 + i * 600,
            3200 + i,
            "publickey",
        ));
    }
    let mut lines: Vec<&str> = auth.lines().collect();
    lines.sort();
    let auth: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let root = story(&in_order(), &auth, &kept_lastlog);
    let out = scan(root.path());
    assert!(of(&out, "logs.unrecorded_logins").is_empty());

    // alice's logins mostly without a record (her scp jobs): the sources disagree as a whole —
    // a gap, no finding.
    let mut auth = story_auth();
    for i in 0..12 {
        auth.push_str(&accepted(
            "alice",
            "198.51.100.10",
            T0 + 600 + i * 600 + 300,
            3200 + i,
            "publickey",
        ));
    }
    let mut lines: Vec<&str> = auth.lines().collect();
    lines.sort();
    let auth: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let root = story(&in_order(), &auth, &kept_lastlog);
    let out = scan(root.path());
    assert!(of(&out, "logs.unrecorded_logins").is_empty());
    assert!(
        out.gaps.iter().any(|g| g.area == "logs.unrecorded_logins"),
        "{:#?}",
        out.gaps
    );
}
