//! Acceptance tests of `huoyan contain` on a real kernel with real traffic — only inside network
//! namespaces these tests create: `server`, `attacker` and `responder` hang on a bridge that
//! lives in a fourth ("switch") namespace, so nothing touches the host's own network. Every
//! namespace is deleted when the test ends, pass or fail.
//!
//! Needs root, `ip`, `nft` (only to list and compare rulesets) and `ping`
//! (.ci/packages/contain.txt); skipped with a message otherwise.

use crate::contain_lab;

use std::process::Command;
use std::time::Duration;

use contain_lab::*;

#[test]
fn apply_isolates_attacker_and_keeps_responder() {
    if !can_run() {
        return;
    }
    let lab = lab_with_traffic();

    // Before: everything flows both ways.
    assert!(attacker_gets_in(&lab), "attacker → server before");
    assert!(
        lab.connect("srv", ATTACKER, ATTACKER_PORT).is_some(),
        "server → attacker before"
    );
    assert!(
        lab.ping("att", SERVER) && lab.ping("srv", ATTACKER),
        "ICMP before"
    );
    let mut attacker_session = lab
        .connect("att", SERVER, ECHO_PORT)
        .expect("attacker session");
    assert!(echoes(&mut attacker_session, "attacker-1"));
    let mut responder_session = lab
        .connect("rsp", SERVER, ECHO_PORT)
        .expect("responder session");
    assert!(echoes(&mut responder_session, "responder-1"));

    let case = tempfile::tempdir().unwrap();
    let case_dir = case.path().to_str().unwrap().to_string();
    let out = lab.huoyan_ok(&[
        "contain",
        "--apply",
        "--allow",
        RESPONDER,
        "--rollback-after",
        "10m",
        "--case",
        &case_dir,
    ]);
    assert!(out.contains("APPLIED"), "{out}");
    // The dry-run part of the output names the attacker's connection as one that will be cut.
    assert!(out.contains(&format!("{ATTACKER}:")), "cut list: {out}");
    assert!(lab.table_present());

    // After: the attacker is out in both directions, its established session is dead.
    assert!(!attacker_gets_in(&lab), "attacker still connects in");
    assert!(
        lab.connect("srv", ATTACKER, ATTACKER_PORT).is_none(),
        "server still connects out to the attacker"
    );
    assert!(!lab.ping("att", SERVER), "attacker still pings the server");
    assert!(
        !lab.ping("srv", ATTACKER),
        "server still pings the attacker"
    );
    assert!(
        !echoes(&mut attacker_session, "attacker-2"),
        "the attacker's established connection still passes data"
    );
    // The responder's established session and new connections work.
    assert!(
        echoes(&mut responder_session, "responder-2"),
        "responder session cut"
    );
    let mut fresh = lab
        .connect("rsp", SERVER, ECHO_PORT)
        .expect("new responder connection");
    assert!(echoes(&mut fresh, "responder-3"));
    assert!(lab.ping("rsp", SERVER));

    let status = lab.huoyan_ok(&["contain", "--status"]);
    assert!(status.contains("armed"), "{status}");
    // The drop counters read back over netlink show the attacker's blocked packets.
    let dropped_in: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("dropped in input: "))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("input counter in status");
    assert!(dropped_in > 0, "{status}");
    let journal = std::fs::read_to_string(case.path().join("journal.jsonl")).unwrap();
    assert!(journal.contains("applied isolation table"), "{journal}");

    // Release: the attacker gets through again.
    lab.huoyan_ok(&["contain", "--release"]);
    assert!(!lab.table_present());
    assert!(attacker_gets_in(&lab), "attacker blocked after release");
}

#[test]
fn unconfirmed_containment_rolls_back_and_confirmed_one_stays() {
    if !can_run() {
        return;
    }
    let lab = lab_with_traffic();
    let case = tempfile::tempdir().unwrap();
    let case_dir = case.path().to_str().unwrap().to_string();

    // Not confirmed: the watchdog removes the table after 3 s and traffic flows again.
    lab.huoyan_ok(&[
        "contain",
        "--apply",
        "--allow",
        RESPONDER,
        "--rollback-after",
        "3s",
        "--case",
        &case_dir,
    ]);
    assert!(lab.table_present());
    assert!(!attacker_gets_in(&lab));
    assert!(eventually(|| !lab.table_present()), "table not rolled back");
    assert!(attacker_gets_in(&lab), "attacker traffic did not come back");
    let status = lab.huoyan_ok(&["contain", "--status"]);
    assert!(status.contains("rolled back"), "{status}");
    assert!(eventually(|| std::fs::read_to_string(
        case.path().join("journal.jsonl")
    )
    .is_ok_and(|j| j.contains("auto-rollback"))));
    // Confirming after the rollback is refused with an explanation.
    let late = lab.huoyan(&["contain", "--confirm"]);
    assert!(!late.status.success());
    assert!(String::from_utf8_lossy(&late.stderr).contains("too late"));

    // Confirmed: the rules stay past the deadline.
    lab.huoyan_ok(&[
        "contain",
        "--apply",
        "--allow",
        RESPONDER,
        "--rollback-after",
        "3s",
    ]);
    lab.huoyan_ok(&["contain", "--confirm"]);
    let state_file = std::fs::read_dir(lab.state_dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().ends_with(".json"))
        .expect("state file")
        .path();
    // Wait until the watchdog has seen the confirmation and exited (bounded), then past the
    // deadline: the table must still be there.
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&state_file).unwrap()).unwrap();
    let watchdog = state["watchdog_pid"].as_u64().expect("watchdog pid");
    assert!(eventually(|| !std::path::Path::new(&format!(
        "/proc/{watchdog}"
    ))
    .exists()
        || std::fs::read_to_string(format!("/proc/{watchdog}/stat"))
            .is_ok_and(|s| s.contains(") Z"))));
    std::thread::sleep(Duration::from_secs(4));
    assert!(lab.table_present(), "confirmed containment was rolled back");
    assert!(!attacker_gets_in(&lab));

    // A second, unconfirmed apply on top of the confirmed one: the rollback restores the
    // previous (confirmed) policy rather than removing the table.
    let second = format!("{ATTACKER}:{ECHO_PORT}");
    lab.huoyan_ok(&[
        "contain",
        "--apply",
        "--allow",
        RESPONDER,
        "--allow",
        &second,
        "--rollback-after",
        "3s",
    ]);
    assert!(lab.nft_ruleset("srv").contains(&second));
    assert!(
        attacker_gets_in(&lab),
        "the second policy lets the attacker's port through"
    );
    assert!(
        eventually(|| {
            let rs = lab.nft_ruleset("srv");
            rs.contains("table inet huoyan") && !rs.contains(&second)
        }),
        "previous policy not restored"
    );
    assert!(!attacker_gets_in(&lab));
}

#[test]
fn dry_run_changes_nothing() {
    if !can_run() {
        return;
    }
    let lab = lab_with_traffic();
    must(&[
        "ip",
        "netns",
        "exec",
        &lab.ns("srv"),
        "nft",
        "add",
        "table",
        "inet",
        "preexisting",
    ]);
    let mut attacker_session = lab
        .connect("att", SERVER, ECHO_PORT)
        .expect("attacker session");
    let before = lab.nft_ruleset("srv");
    let out = lab.huoyan_ok(&["contain", "--allow", RESPONDER]);
    assert!(out.contains("DRY RUN"), "{out}");
    assert!(out.contains("table inet huoyan"), "{out}");
    assert!(
        out.contains(&format!("{ATTACKER}:")),
        "would-cut list misses the attacker: {out}"
    );
    assert_eq!(lab.nft_ruleset("srv"), before);
    assert!(echoes(&mut attacker_session, "still-here"));
    assert!(lab.huoyan_ok(&["contain", "--status"]).contains("absent"));
}

#[test]
fn refuses_plans_that_contain_nothing_or_bad_addresses() {
    if !can_run() {
        return;
    }
    let lab = Lab::new();
    let before = lab.nft_ruleset("srv");
    let out = lab.huoyan(&["contain", "--apply", "--allow", "0.0.0.0/0"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cut nothing"));
    let out = lab.huoyan(&["contain", "--apply", "--allow", "300.1.1.1"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow"));
    assert_eq!(
        lab.nft_ruleset("srv"),
        before,
        "a refused apply changed the ruleset"
    );
}

/// A stand-in for sshd inside `server` (a Python process renamed `sshd` that accepted the
/// responder's TCP connection) runs huoyan: the responder is detected from the process tree and
/// its socket, kept without any `--allow`, and `--no-keep-session` without an allow is refused.
const FAKE_SSHD: &str = r#"
import ctypes, socket, subprocess, sys
ctypes.CDLL(None).prctl(15, b"sshd", 0, 0, 0)
l = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[2], 2222))
l.listen(1)
print("LISTENING", flush=True)
c, _ = l.accept()
c.settimeout(20)
r = subprocess.run([sys.argv[1], "contain", "--apply", "--no-keep-session", "--rollback-after", "10m"], capture_output=True, text=True)
print("NOKEEP", r.returncode, r.stderr.replace("\n", " "), flush=True)
r = subprocess.run([sys.argv[1], "contain", "--apply", "--rollback-after", "10m"], capture_output=True, text=True)
print("APPLY", r.returncode, r.stdout.replace("\n", " | "), r.stderr.replace("\n", " "), flush=True)
d = c.recv(5)
c.sendall(d)
print("DONE", flush=True)
"#;

#[test]
fn callers_ssh_session_is_detected_and_kept() {
    use std::io::BufRead;
    if !can_run() || Command::new("python3").arg("-V").output().is_err() {
        return;
    }
    let lab = lab_with_traffic();
    let mut sshd = Command::new("ip")
        .args(["netns", "exec", &lab.ns("srv"), "python3", "-c", FAKE_SSHD])
        .arg(env!("CARGO_BIN_EXE_huoyan"))
        .arg(SERVER)
        .env("HUOYAN_STATE_DIR", lab.state_dir.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    let mut lines = std::io::BufReader::new(sshd.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "LISTENING");
    let mut session = lab
        .connect("rsp", SERVER, 2222)
        .expect("responder ssh-like session");
    let nokeep = lines.next().unwrap().unwrap();
    assert!(nokeep.starts_with("NOKEEP 1"), "{nokeep}");
    assert!(nokeep.contains("your own SSH session"), "{nokeep}");
    let apply = lines.next().unwrap().unwrap();
    assert!(apply.starts_with("APPLY 0"), "{apply}");
    assert!(
        apply.contains(&format!("your SSH session from {RESPONDER}:")),
        "{apply}"
    );
    assert!(
        echoes(&mut session, "hello"),
        "the responder's session was cut"
    );
    assert_eq!(lines.next().unwrap().unwrap(), "DONE");
    let _ = sshd.wait();
    assert!(!attacker_gets_in(&lab), "attacker not contained");
}

#[test]
fn not_root_is_refused_clearly() {
    if !can_run() || Command::new("setpriv").arg("-V").output().is_err() {
        return;
    }
    let lab = Lab::new();
    let before = lab.nft_ruleset("srv");
    for args in [
        vec!["contain", "--apply", "--allow", RESPONDER],
        vec!["contain", "--status"],
        vec!["contain", "--release"],
    ] {
        let out = Command::new("ip")
            .args([
                "netns",
                "exec",
                &lab.ns("srv"),
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
            ])
            .arg(env!("CARGO_BIN_EXE_huoyan"))
            .args(&args)
            .env("HUOYAN_STATE_DIR", lab.state_dir.path())
            .output()
            .expect("setpriv");
        assert!(!out.status.success(), "{args:?} succeeded as nobody");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("needs root"), "{args:?}: {err}");
    }
    assert_eq!(lab.nft_ruleset("srv"), before);
}

#[test]
fn ipv6_peers_are_isolated_and_allowed_like_ipv4() {
    if !can_run() {
        return;
    }
    let lab = Lab::new();
    for (role, addr) in [
        ("srv", "fd00:18::1"),
        ("att", "fd00:18::2"),
        ("rsp", "fd00:18::3"),
    ] {
        must(&[
            "ip",
            "-n",
            &lab.ns(role),
            "addr",
            "add",
            &format!("{addr}/64"),
            "dev",
            "eth0",
            "nodad",
        ]);
    }
    lab.echo_server("srv", "fd00:18::1", ECHO_PORT);
    let v6_in = |role: &str| {
        lab.connect(role, "[fd00:18::1]", ECHO_PORT)
            .is_some_and(|mut s| echoes(&mut s, "six"))
    };
    assert!(eventually(|| v6_in("att")), "IPv6 before");
    let mut responder = lab
        .connect("rsp", "[fd00:18::1]", ECHO_PORT)
        .expect("v6 session");
    lab.huoyan_ok(&[
        "contain",
        "--apply",
        "--allow",
        "fd00:18::3",
        "--rollback-after",
        "10m",
    ]);
    assert!(!v6_in("att"), "IPv6 attacker still connects");
    assert!(
        echoes(&mut responder, "still"),
        "IPv6 responder session cut"
    );
    // Neighbour discovery still works for the allowed peer: a new connection after the
    // neighbour cache entry is flushed.
    must(&["ip", "-n", &lab.ns("srv"), "neigh", "flush", "dev", "eth0"]);
    must(&["ip", "-n", &lab.ns("rsp"), "neigh", "flush", "dev", "eth0"]);
    assert!(v6_in("rsp"), "new IPv6 responder connection");
}

#[test]
fn reapplying_before_confirming_rolls_back_to_the_state_before_both() {
    if !can_run() {
        return;
    }
    let lab = lab_with_traffic();
    lab.huoyan_ok(&[
        "contain",
        "--apply",
        "--allow",
        RESPONDER,
        "--rollback-after",
        "10m",
    ]);
    lab.huoyan_ok(&[
        "contain",
        "--apply",
        "--allow",
        RESPONDER,
        "--rollback-after",
        "3s",
    ]);
    // Neither was confirmed: the second rollback must not leave the first in place without
    // its (now retired) watchdog.
    assert!(
        eventually(|| !lab.table_present()),
        "an unconfirmed containment was left behind"
    );
    assert!(attacker_gets_in(&lab));
}
