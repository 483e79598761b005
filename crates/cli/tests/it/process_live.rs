//! Acceptance tests of `huoyan process`: a test process holding a marker only in its heap (sent
//! over stdin, never in argv or the environment) is suspended, dumped — the dump contains the
//! marker — and killed; killing before the dump is refused.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};

fn huoyan(state: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_huoyan"))
        .args(args)
        .env("HUOYAN_STATE_DIR", state)
        .output()
        .expect("run huoyan")
}

/// Kills the test process if the test fails half-way.
struct Reaper(u32);

impl Drop for Reaper {
    fn drop(&mut self) {
        if let Some(pid) = rustix::process::Pid::from_raw(self.0 as i32) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn dump_keeps_the_marker_and_kill_waits_for_the_dump() {
    if !huoyan_testkit::require(
        rustix::process::geteuid().is_root() && Command::new("python3").arg("-V").output().is_ok(),
        "needs root and python3",
    ) {
        return;
    }
    let state = tempfile::tempdir().unwrap();
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import sys,time\nm=sys.stdin.readline().strip()*3\nprint('ready',flush=True)\ntime.sleep(120)",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let _reaper = Reaper(child.id());
    let pid = child.id().to_string();
    let marker = format!("HUOYAN-MARKER-{}-", std::process::id());
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(format!("{marker}\n").as_bytes())
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready");

    // Kill before a dump: refused, the process lives on.
    let out = huoyan(state.path(), &["process", "kill", &pid]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not dumped"));
    assert!(child.try_wait().unwrap().is_none());

    let out = huoyan(state.path(), &["process", "suspend", &pid]);
    assert!(out.status.success(), "{out:?}");
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    assert!(stat.contains(") T"), "not stopped: {stat}");

    let case = tempfile::tempdir().unwrap();
    let dump_dir = case.path().join("dump");
    let out = huoyan(
        state.path(),
        &[
            "process",
            "dump",
            &pid,
            "--out",
            dump_dir.to_str().unwrap(),
            "--case",
            case.path().to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dump_dir.join("manifest.json")).unwrap()).unwrap();
    let wanted = format!("{marker}{marker}{marker}");
    let mut found = false;
    for file in manifest["files"].as_array().unwrap() {
        let rel = file["path"].as_str().unwrap();
        let data = std::fs::read(dump_dir.join(rel)).unwrap();
        assert_eq!(data.len() as u64, file["size"].as_u64().unwrap(), "{rel}");
        if rel.starts_with("memory/") && contains(&data, wanted.as_bytes()) {
            found = true;
        }
    }
    assert!(found, "marker not in any dumped memory region");
    for name in ["maps", "cmdline", "environ", "exe", "fds.txt"] {
        assert!(dump_dir.join(name).is_file(), "{name} missing");
    }
    assert!(std::fs::read_to_string(case.path().join("journal.jsonl"))
        .unwrap()
        .contains("dump of pid"));

    // Dumped: kill proceeds.
    let out = huoyan(state.path(), &["process", "kill", &pid]);
    assert!(out.status.success(), "{out:?}");
    let status = child.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9)
    );
}
