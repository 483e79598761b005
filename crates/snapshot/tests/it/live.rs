//! Live acceptance tests of `huoyan_snapshot::capture` against real processes on this host.

use crate::common;

use std::process::Command;

use common::*;
use serde_json::Value;

fn sockets(snap: &Snap) -> Vec<Value> {
    snap.json("sockets.json")["inet"]
        .as_array()
        .expect("inet array")
        .clone()
}

fn owned_by(s: &Value, pid: u32) -> bool {
    s["pids"]
        .as_array()
        .is_some_and(|p| p.iter().any(|x| x == pid))
}

#[test]
fn listener_child_found_with_pid_user_cmdline_and_port() {
    let kid = python(LISTENER, &["--huoyan-marker", "listener"]);
    let port: u16 = kid.ready.parse().expect("port");
    let snap = capture();
    let p = snap.process(kid.pid());
    assert_eq!(p["cmdline"][0], PYTHON);
    assert_eq!(p["cmdline"][3], "--huoyan-marker");
    assert_eq!(p["cmdline"][4], "listener");
    let me = rustix::process::geteuid().as_raw();
    assert_eq!(p["euid"], me);
    if me == 0 {
        assert_eq!(p["user"], "root");
    }
    assert!(p["start_time"].is_string());
    let s = sockets(&snap);
    let l = s
        .iter()
        .find(|s| s["local_port"] == port && s["listening"] == true)
        .expect("listener in sockets.json");
    assert_eq!(l["proto"], "tcp");
    assert_eq!(l["local_ip"], "127.0.0.1");
    assert_eq!(l["state"], "LISTEN");
    assert!(owned_by(l, kid.pid()), "listener not attributed: {l}");
    let netstat = snap.text("netstat.txt");
    assert!(netstat.contains(&format!("127.0.0.1:{port}")));
    assert!(netstat.contains(&format!("{}/python3", kid.pid())));
    let ps = snap.text("ps.txt");
    assert!(ps.contains("--huoyan-marker listener"));
}

#[test]
fn established_loopback_connection_attributed_to_both_ends() {
    let server = python(LISTENER, &["server"]);
    let port = server.ready.clone();
    let client = python(CLIENT, &[&port]);
    let port: u16 = port.parse().expect("port");
    let client_port: u16 = client.ready.parse().expect("client port");
    let snap = capture();
    let s = sockets(&snap);
    let server_end = s
        .iter()
        .find(|s| {
            s["state"] == "ESTABLISHED"
                && s["local_port"] == port
                && s["remote_port"] == client_port
        })
        .expect("server end");
    let client_end = s
        .iter()
        .find(|s| {
            s["state"] == "ESTABLISHED"
                && s["local_port"] == client_port
                && s["remote_port"] == port
        })
        .expect("client end");
    assert!(owned_by(server_end, server.pid()), "{server_end}");
    assert!(owned_by(client_end, client.pid()), "{client_end}");
    let lsof = snap.text("lsof.txt");
    assert!(lsof.contains(&format!(
        "127.0.0.1:{client_port}->127.0.0.1:{port} (ESTABLISHED)"
    )));
}

#[test]
fn deleted_executable_is_reported_and_still_hashed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("evil-sleep");
    std::fs::copy("/bin/sleep", &copy).expect("copy sleep");
    let original = sha256_of(&copy);
    let mut cmd = Command::new(&copy);
    cmd.arg("120");
    let child = spawn_retrying(&mut cmd);
    let kid = Kid {
        child,
        ready: String::new(),
    };
    // Wait until the exec has happened, then delete the binary.
    let exe_link = format!("/proc/{}/exe", kid.pid());
    for _ in 0..200 {
        if std::fs::read_link(&exe_link).is_ok_and(|t| t.ends_with("evil-sleep")) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    std::fs::remove_file(&copy).expect("delete the running binary");
    let snap = capture_hashed();
    let p = snap.process(kid.pid());
    assert_eq!(p["exe"]["deleted"], true, "{}", p["exe"]);
    assert!(p["exe"]["path"]
        .as_str()
        .is_some_and(|s| s.ends_with("evil-sleep")));
    assert_eq!(p["exe_sha256"], original.as_str());
    let ps = snap.text("ps.txt");
    let row = ps
        .lines()
        .find(|l| l.contains("evil-sleep 120"))
        .expect("row in ps.txt");
    assert!(row.contains(" D "), "deleted flag missing: {row}");
    assert!(snap.summary.deleted_executables >= 1);
}

#[test]
fn deleted_open_file_shows_as_deleted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("wiped.log");
    std::fs::write(&log, b"attacker was here\n").expect("write");
    let kid = python(
        "import sys,time\nf=open(sys.argv[1])\nprint('ready',flush=True)\ntime.sleep(120)\n",
        &[log.to_str().expect("utf8 path")],
    );
    std::fs::remove_file(&log).expect("delete");
    let snap = capture();
    let files = snap.json("open_files.json");
    let hit = files
        .as_array()
        .expect("array")
        .iter()
        .find(|f| {
            f["pid"] == kid.pid()
                && f["target"]["path"]
                    .as_str()
                    .is_some_and(|p| p.ends_with("wiped.log"))
        })
        .expect("held file in open_files.json");
    assert_eq!(hit["deleted"], true);
    assert_eq!(hit["size"], 18);
    let lsof = snap.text("lsof.txt");
    assert!(lsof
        .lines()
        .any(|l| l.contains("wiped.log (deleted)") && l.contains(&kid.pid().to_string())));
}

#[test]
fn hostile_argv_is_escaped_in_tables_and_json_stays_valid() {
    let evil = "line1\nFAKE ROW\x1b[31mred\x1b[0m";
    let kid = python(
        "import time\nprint('ready',flush=True)\ntime.sleep(120)\n",
        &[evil],
    );
    let snap = capture();
    // JSON parses (Snap::json panics otherwise) and keeps the exact argument.
    let p = snap.process(kid.pid());
    assert_eq!(p["cmdline"][3], evil);
    let ps = snap.text("ps.txt");
    assert!(!ps.contains('\x1b'), "raw escape reached ps.txt");
    assert!(ps.contains("line1\\nFAKE ROW\\e[31mred\\e[0m"));
    assert!(!ps.lines().any(|l| l.starts_with("FAKE ROW")));
    for table in ["netstat.txt", "lsof.txt", "w.txt"] {
        assert!(!snap.text(table).contains('\x1b'), "raw escape in {table}");
    }
}

#[test]
fn manifest_hashes_every_file_and_names_the_host() {
    let snap = capture();
    let manifest = snap.json("manifest.json");
    assert_eq!(manifest["huoyan_version"], huoyan_core::VERSION);
    assert!(manifest["started"].is_string() && manifest["finished"].is_string());
    assert!(manifest["host"]["hostname"].is_string());
    assert!(manifest["host"]["boot_id"].is_string());
    let files = manifest["files"].as_array().expect("files");
    let mut names: Vec<String> = std::fs::read_dir(&snap.out)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n != "manifest.json")
        .collect();
    names.sort();
    let mut listed: Vec<String> = files
        .iter()
        .map(|f| f["name"].as_str().expect("name").to_string())
        .collect();
    listed.sort();
    assert_eq!(names, listed);
    for f in files {
        let name = f["name"].as_str().expect("name");
        assert_eq!(
            f["sha256"],
            sha256_of(&snap.out.join(name)).as_str(),
            "{name}"
        );
    }
}

#[test]
fn refuses_non_empty_dir_and_proc() {
    let proc_fs = huoyan_core::ProcFs::live().expect("proc");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("old"), b"x").expect("write");
    let j = huoyan_core::ActionJournal::in_memory();
    let root = huoyan_core::Root::host();
    assert!(huoyan_snapshot::capture(&proc_fs, &root, dir.path(), &j).is_err());
    assert!(
        huoyan_snapshot::capture(&proc_fs, &root, std::path::Path::new("/proc/x"), &j).is_err()
    );
}

#[test]
fn a_process_holding_too_many_fds_is_capped_with_a_gap() {
    if !huoyan_testkit::require_root("needs root to raise RLIMIT_NOFILE above the cap") {
        return;
    }
    let kid = python(
        "import os,resource,time\n\
try:\n    resource.setrlimit(resource.RLIMIT_NOFILE,(70100,70100))\n\
except (ValueError, OSError):\n    print('skip',flush=True); time.sleep(120)\n\
fd=os.open('/dev/null',os.O_RDONLY)\n\
held=[os.dup(fd) for _ in range(70000)]\n\
print('ready',flush=True)\ntime.sleep(120)\n",
        &[],
    );
    if kid.ready == "skip" {
        // Even root cannot raise the hard limit inside some sandboxes (CI runners included):
        // an environment limit, not a missing package, so this one may skip under CI too.
        eprintln!("skipped: cannot raise RLIMIT_NOFILE here (no CAP_SYS_RESOURCE)");
        return;
    }
    let snap = capture();
    let gaps = snap.json("gaps.json");
    assert!(
        gaps.as_array().expect("array").iter().any(|g| {
            g["reason"] == "truncated" && g["path"] == format!("/proc/{}/fd", kid.pid())
        }),
        "no truncation gap for pid {}",
        kid.pid()
    );
    let held = snap
        .json("open_files.json")
        .as_array()
        .expect("array")
        .iter()
        .filter(|f| {
            f["pid"] == kid.pid() && f["fd"].as_str().is_some_and(|s| s.parse::<u32>().is_ok())
        })
        .count();
    assert_eq!(held, huoyan_artifacts::proc::fds::MAX_FDS_PER_PROCESS);
}
