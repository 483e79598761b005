//! Test helpers: throwaway network namespaces (deleted on drop, even when a test fails) and
//! running code inside one from a thread (setns affects only the calling thread).
#![allow(dead_code)]

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A network namespace made with `ip netns add`, removed on drop.
pub struct Netns {
    pub name: String,
}

impl Netns {
    pub fn new(tag: &str) -> Netns {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("hy{tag}{}x{n}", std::process::id());
        let ok = Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .expect("run ip")
            .success();
        assert!(ok, "ip netns add {name}");
        let ns = Netns { name };
        ns.ip(&["link", "set", "lo", "up"]);
        ns
    }

    /// `ip netns exec NAME ip ARGS…`, asserting success.
    pub fn ip(&self, args: &[&str]) {
        let ok = Command::new("ip")
            .args(["netns", "exec", &self.name, "ip"])
            .args(args)
            .status()
            .expect("run ip")
            .success();
        assert!(ok, "ip {args:?} in {}", self.name);
    }

    /// Output of a command run inside the namespace.
    pub fn output(&self, cmd: &[&str]) -> std::process::Output {
        Command::new("ip")
            .args(["netns", "exec", &self.name])
            .args(cmd)
            .output()
            .expect("run ip netns exec")
    }

    /// `nft list ruleset` inside the namespace (Debian's nft, used only to verify).
    pub fn ruleset(&self) -> String {
        let out = self.output(&["nft", "list", "ruleset"]);
        assert!(out.status.success(), "nft list ruleset: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs `f` on a thread that has joined this namespace.
    pub fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> T {
        let path = format!("/run/netns/{}", self.name);
        std::thread::spawn(move || {
            let file = std::fs::File::open(&path).expect("open netns");
            rustix::thread::move_into_link_name_space(
                std::os::fd::AsFd::as_fd(&file),
                Some(rustix::thread::LinkNameSpaceType::Network),
            )
            .expect("setns");
            f()
        })
        .join()
        .expect("thread in netns")
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

/// Whether this machine can run the live tests (root, ip, nft present).
pub fn can_run_live() -> bool {
    let root = rustix::process::geteuid().is_root();
    let tools = ["ip", "nft"].iter().all(|t| {
        Command::new(t)
            .arg("-V")
            .output()
            .map(|_| true)
            .unwrap_or(false)
    });
    huoyan_testkit::require(
        root && tools,
        "live test needs root, ip and nft (.ci/packages/contain.txt)",
    )
}
