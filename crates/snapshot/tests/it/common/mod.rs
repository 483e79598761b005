//! Shared helpers for the live snapshot tests: real child processes (Debian's python3, copies of
//! coreutils), killed when dropped, and a capture into a fresh directory read back as JSON.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use huoyan_core::{ActionJournal, ProcFs, Root};
use serde_json::Value;

pub const PYTHON: &str = "/usr/bin/python3";

/// A child process killed and reaped on drop.
pub struct Kid {
    pub child: Child,
    /// The first line the child printed (its "ready" message).
    pub ready: String,
}

impl Kid {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Kid {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `cmd` with a piped stdout and waits for its first line.
pub fn start(mut cmd: Command) -> Kid {
    cmd.stdout(Stdio::piped()).stdin(Stdio::null());
    let mut child = spawn_retrying(&mut cmd);
    let out = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(out)
        .read_line(&mut line)
        .expect("ready line");
    Kid {
        child,
        ready: line.trim().to_string(),
    }
}

/// Spawns, retrying on ETXTBSY: another test thread may fork while a freshly written executable
/// still has a write descriptor open in the child between fork and exec.
pub fn spawn_retrying(cmd: &mut Command) -> Child {
    for _ in 0..50 {
        match cmd.spawn() {
            Ok(c) => return c,
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) => {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            Err(e) => panic!("spawn {cmd:?}: {e}"),
        }
    }
    panic!("spawn {cmd:?}: text file stayed busy");
}

/// A python3 child running `code` with `args`.
pub fn python(code: &str, args: &[&str]) -> Kid {
    let mut cmd = Command::new(PYTHON);
    cmd.arg("-c").arg(code).args(args);
    start(cmd)
}

/// Listens on 127.0.0.1 (ephemeral port), prints the port, accepts one peer, then sleeps.
pub const LISTENER: &str = "import socket,sys,time\n\
s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(5)\n\
print(s.getsockname()[1], flush=True)\n\
c=s.accept()\n\
time.sleep(120)\n";

/// Connects to 127.0.0.1:PORT (argv[1]), prints its own port, sleeps.
pub const CLIENT: &str = "import socket,sys,time\n\
c=socket.create_connection(('127.0.0.1',int(sys.argv[1])))\n\
print(c.getsockname()[1], flush=True)\n\
time.sleep(120)\n";

/// A captured snapshot read back.
pub struct Snap {
    pub dir: tempfile::TempDir,
    pub out: PathBuf,
    pub summary: huoyan_snapshot::SnapshotSummary,
}

impl Snap {
    pub fn json(&self, name: &str) -> Value {
        let bytes = std::fs::read(self.out.join(name)).expect("read json");
        serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{name} is not valid JSON: {e}"))
    }

    pub fn text(&self, name: &str) -> String {
        String::from_utf8(std::fs::read(self.out.join(name)).expect("read text"))
            .expect("tables are UTF-8")
    }

    pub fn process(&self, pid: u32) -> Value {
        self.json("processes.json")
            .as_array()
            .expect("array")
            .iter()
            .find(|p| p["pid"] == pid)
            .cloned()
            .unwrap_or_else(|| panic!("pid {pid} not in processes.json"))
    }
}

/// Captures the live host into a fresh directory, without hashing executables (debug builds
/// hash slowly, and the machine may be running hundreds of MB of binaries).
pub fn capture() -> Snap {
    capture_opts(false)
}

/// Captures the live host, hashing every running executable.
pub fn capture_hashed() -> Snap {
    capture_opts(true)
}

fn capture_opts(hash_executables: bool) -> Snap {
    let proc_fs = ProcFs::live().expect("live /proc");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("snap");
    let options = huoyan_snapshot::CaptureOptions { hash_executables };
    let summary = huoyan_snapshot::capture_with(
        &proc_fs,
        &Root::host(),
        &out,
        &ActionJournal::in_memory(),
        &options,
    )
    .expect("capture");
    Snap { dir, out, summary }
}

/// SHA-256 of a file's bytes.
pub fn sha256_of(path: &Path) -> String {
    huoyan_core::hash::sha256_bytes(&std::fs::read(path).expect("read"))
}
