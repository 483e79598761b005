//! Live test: a listener inside another network namespace (invisible in /proc/net of ours) is
//! captured with its namespace and owner. Needs root and iproute2; skipped otherwise.

use crate::common;

use std::process::Command;

use common::*;

struct Netns(String);

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

#[test]
fn listener_in_other_network_namespace_is_captured() {
    if !huoyan_testkit::require_root("needs root for ip netns") {
        return;
    }
    let name = format!("huoyan-snap-{}", std::process::id());
    let created = Command::new("ip").args(["netns", "add", &name]).status();
    if !huoyan_testkit::require(created.is_ok_and(|s| s.success()), "ip netns add failed") {
        return;
    }
    let ns = Netns(name);
    let up = Command::new("ip")
        .args(["netns", "exec", &ns.0, "ip", "link", "set", "lo", "up"])
        .status()
        .expect("ip link");
    assert!(up.success());
    let mut cmd = Command::new("ip");
    cmd.args(["netns", "exec", &ns.0, PYTHON, "-c", LISTENER, "in-netns"]);
    let kid = start(cmd);
    let port: u16 = kid.ready.parse().expect("port");
    let snap = capture();
    let host_ns = std::fs::read_link("/proc/self/ns/net").expect("own ns");
    let host_ns: u64 = host_ns
        .to_string_lossy()
        .trim_start_matches("net:[")
        .trim_end_matches(']')
        .parse()
        .expect("ns inode");
    let sockets = snap.json("sockets.json");
    let hit = sockets["inet"]
        .as_array()
        .expect("inet")
        .iter()
        .find(|s| {
            s["local_port"] == port
                && s["listening"] == true
                && s["pids"]
                    .as_array()
                    .is_some_and(|p| p.iter().any(|x| x == kid.pid()))
        })
        .expect("listener of the other namespace captured and attributed");
    assert_ne!(hit["net_ns"], host_ns);
    assert!(snap.summary.net_namespaces >= 2);
    drop(kid);
    drop(ns);
}
