//! The network lab of the containment tests: `server`, `attacker` and `responder` namespaces on
//! a bridge that lives in a fourth ("switch") namespace, echo servers, clients run from threads
//! that joined a namespace (setns affects only the calling thread), and huoyan run inside
//! `server`. Everything is deleted when the `Lab` is dropped, pass or fail.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const SERVER: &str = "198.18.0.1";
pub const ATTACKER: &str = "198.18.0.2";
pub const RESPONDER: &str = "198.18.0.3";
pub const ECHO_PORT: u16 = 7000;
pub const ATTACKER_PORT: u16 = 7001;
pub const WAIT: Duration = Duration::from_millis(1500);

pub static COUNTER: AtomicU32 = AtomicU32::new(0);

pub fn can_run() -> bool {
    let ok = rustix::process::geteuid().is_root()
        && ["ip", "nft", "ping"].iter().all(|t| {
            Command::new(t)
                .arg("-V")
                .output()
                .map(|_| true)
                .unwrap_or(false)
        });
    huoyan_testkit::require(
        ok,
        "needs root, ip, nft and ping (.ci/packages/contain.txt)",
    )
}

pub fn run(cmd: &[&str]) -> Output {
    Command::new(cmd[0])
        .args(&cmd[1..])
        .output()
        .expect("run command")
}

pub fn must(cmd: &[&str]) {
    let out = run(cmd);
    assert!(out.status.success(), "{cmd:?} failed: {out:?}");
}

/// The four namespaces of one test; deleted on drop.
pub struct Lab {
    tag: String,
    pub state_dir: tempfile::TempDir,
    stop: Arc<AtomicBool>,
}

impl Lab {
    pub fn ns(&self, role: &str) -> String {
        format!("hy{}{role}", self.tag)
    }

    pub fn new() -> Lab {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let lab = Lab {
            tag: format!("{}x{n}", std::process::id()),
            state_dir: tempfile::tempdir().expect("tempdir"),
            stop: Arc::new(AtomicBool::new(false)),
        };
        let sw = lab.ns("sw");
        must(&["ip", "netns", "add", &sw]);
        must(&["ip", "-n", &sw, "link", "add", "br0", "type", "bridge"]);
        must(&["ip", "-n", &sw, "link", "set", "br0", "up"]);
        for (role, addr) in [("srv", SERVER), ("att", ATTACKER), ("rsp", RESPONDER)] {
            let ns = lab.ns(role);
            must(&["ip", "netns", "add", &ns]);
            let port = format!("p{role}");
            must(&[
                "ip", "-n", &sw, "link", "add", &port, "type", "veth", "peer", "name", "eth0",
                "netns", &ns,
            ]);
            must(&["ip", "-n", &sw, "link", "set", &port, "master", "br0", "up"]);
            must(&[
                "ip",
                "-n",
                &ns,
                "addr",
                "add",
                &format!("{addr}/24"),
                "dev",
                "eth0",
            ]);
            must(&["ip", "-n", &ns, "link", "set", "eth0", "up"]);
            must(&["ip", "-n", &ns, "link", "set", "lo", "up"]);
        }
        lab
    }

    /// Runs `f` on a thread inside namespace `role`.
    pub fn within<T: Send + 'static>(
        &self,
        role: &str,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> T {
        let path = format!("/run/netns/{}", self.ns(role));
        std::thread::spawn(move || {
            enter(&path);
            f()
        })
        .join()
        .expect("thread in namespace")
    }

    /// An echo server on `port` inside `role`, stopped when the lab is dropped.
    pub fn echo_server(&self, role: &str, addr: &str, port: u16) {
        let path = format!("/run/netns/{}", self.ns(role));
        let host = if addr.contains(':') {
            format!("[{addr}]")
        } else {
            addr.to_string()
        };
        let bind: SocketAddr = format!("{host}:{port}").parse().unwrap();
        let stop = self.stop.clone();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            enter(&path);
            let listener = TcpListener::bind(bind).expect("bind echo server");
            listener.set_nonblocking(true).unwrap();
            ready_tx.send(()).unwrap();
            while !stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((mut conn, _)) => {
                        let stop = stop.clone();
                        std::thread::spawn(move || {
                            conn.set_nonblocking(false).unwrap();
                            conn.set_read_timeout(Some(Duration::from_millis(200)))
                                .unwrap();
                            let mut buf = [0u8; 256];
                            while !stop.load(Ordering::SeqCst) {
                                match conn.read(&mut buf) {
                                    Ok(0) => break,
                                    Ok(n) => {
                                        if conn.write_all(&buf[..n]).is_err() {
                                            break;
                                        }
                                    }
                                    Err(e)
                                        if e.kind() == std::io::ErrorKind::WouldBlock
                                            || e.kind() == std::io::ErrorKind::TimedOut => {}
                                    Err(_) => break,
                                }
                            }
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        ready_rx.recv().expect("echo server ready");
    }

    /// Opens a TCP connection from `role` (None when it cannot connect).
    pub fn connect(&self, role: &str, to: &str, port: u16) -> Option<TcpStream> {
        let target: SocketAddr = format!("{to}:{port}").parse().unwrap();
        self.within(role, move || {
            let s = TcpStream::connect_timeout(&target, WAIT).ok()?;
            s.set_read_timeout(Some(WAIT)).unwrap();
            s.set_write_timeout(Some(WAIT)).unwrap();
            Some(s)
        })
    }

    pub fn ping(&self, role: &str, to: &str) -> bool {
        run(&[
            "ip",
            "netns",
            "exec",
            &self.ns(role),
            "ping",
            "-c1",
            "-W1",
            "-n",
            "-q",
            to,
        ])
        .status
        .success()
    }

    pub fn nft_ruleset(&self, role: &str) -> String {
        let out = run(&[
            "ip",
            "netns",
            "exec",
            &self.ns(role),
            "nft",
            "list",
            "ruleset",
        ]);
        assert!(out.status.success(), "nft list ruleset: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs `huoyan ARGS…` inside the server namespace.
    pub fn huoyan(&self, args: &[&str]) -> Output {
        Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.ns("srv"),
                env!("CARGO_BIN_EXE_huoyan"),
            ])
            .args(args)
            .env("HUOYAN_STATE_DIR", self.state_dir.path())
            .output()
            .expect("run huoyan")
    }

    pub fn huoyan_ok(&self, args: &[&str]) -> String {
        let out = self.huoyan(args);
        assert!(
            out.status.success(),
            "huoyan {args:?}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn table_present(&self) -> bool {
        self.nft_ruleset("srv").contains("table inet huoyan")
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Release first so no watchdog outlives the test with work to do.
        let _ = self.huoyan(&["contain", "--release"]);
        for role in ["srv", "att", "rsp", "sw"] {
            let _ = run(&["ip", "netns", "del", &self.ns(role)]);
        }
    }
}

pub fn enter(netns_path: &str) {
    let file = std::fs::File::open(netns_path).expect("open netns");
    rustix::thread::move_into_link_name_space(
        std::os::fd::AsFd::as_fd(&file),
        Some(rustix::thread::LinkNameSpaceType::Network),
    )
    .expect("setns");
}

/// Sends a line and expects it echoed back.
pub fn echoes(stream: &mut TcpStream, msg: &str) -> bool {
    if stream.write_all(msg.as_bytes()).is_err() {
        return false;
    }
    let mut buf = vec![0u8; msg.len()];
    stream.read_exact(&mut buf).is_ok() && buf == msg.as_bytes()
}

pub fn lab_with_traffic() -> Lab {
    let lab = Lab::new();
    lab.echo_server("srv", SERVER, ECHO_PORT);
    lab.echo_server("att", ATTACKER, ATTACKER_PORT);
    lab
}

pub fn attacker_gets_in(lab: &Lab) -> bool {
    lab.connect("att", SERVER, ECHO_PORT)
        .is_some_and(|mut s| echoes(&mut s, "knock"))
}

/// Waits (bounded) until `cond` holds; the bound is generous and never asserted as a timing.
pub fn eventually(mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    false
}
