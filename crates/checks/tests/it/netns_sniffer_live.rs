//! Live (issue 15, class 2): a sniffer inside another network namespace. The test creates an
//! `ip netns` namespace with one end of a veth pair, puts that end in promiscuous mode and starts
//! a process inside the namespace holding an AF_PACKET socket bound to it. Neither shows in the
//! host's `/sys/class/net` or `/proc/net/packet`; `network.promiscuous` and
//! `network.packet_socket` must name the namespace (inode and `ip netns` name), the interface and
//! the pid. A second namespace with nothing in it must give no finding.
//!
//! Needs root and iproute2: skipped without them, but a failure under `CI` (CI runs as root).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use huoyan_checks::{run_checks, Context, Selection};
use huoyan_core::{Root, Severity, Window};

const SNIFFER: &str = r#"
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((sys.argv[1], 0))
print("ready", flush=True)
time.sleep(120)
"#;

/// Deletes the namespaces and the host end of the veth pair, even when the test fails.
struct Cleanup {
    namespaces: Vec<String>,
    link: String,
    child: Option<Child>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(c) = &mut self.child {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = Command::new("ip")
            .args(["link", "del", &self.link])
            .stderr(Stdio::null())
            .status();
        for ns in &self.namespaces {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

fn ip(args: &[&str]) {
    let st = Command::new("ip").args(args).status().expect("run ip");
    assert!(st.success(), "ip {args:?} failed");
}

fn prerequisites() -> bool {
    let ok = huoyan_testkit::is_root()
        && Command::new("ip")
            .arg("-V")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
        && std::path::Path::new("/proc/self/ns/net").exists();
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!("CI runs as root with iproute2: this live test must run there");
        }
        eprintln!("skipped: needs root, iproute2 and a live /proc");
    }
    ok
}

fn ns_inode(name: &str) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(format!("/run/netns/{name}"))
        .expect("netns bind mount")
        .ino()
}

#[test]
fn sniffer_in_another_network_namespace_is_named() {
    if !prerequisites() {
        return;
    }
    let tag = std::process::id() % 100_000;
    let (ns, quiet) = (format!("hy-sniff-{tag}"), format!("hy-quiet-{tag}"));
    let (outer, inner) = (format!("hyo{tag}"), format!("hyi{tag}"));
    let mut cleanup = Cleanup {
        namespaces: vec![ns.clone(), quiet.clone()],
        link: outer.clone(),
        child: None,
    };
    ip(&["netns", "add", &ns]);
    ip(&["netns", "add", &quiet]);
    ip(&[
        "link", "add", &outer, "type", "veth", "peer", "name", &inner,
    ]);
    ip(&["link", "set", &inner, "netns", &ns]);
    ip(&["-n", &ns, "link", "set", &inner, "up"]);
    ip(&["-n", &ns, "link", "set", &inner, "promisc", "on"]);
    let python = if std::path::Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    };
    let mut child = Command::new("ip")
        .args(["netns", "exec", &ns, python, "-c", SNIFFER, &inner])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the sniffer");
    let stdout = child.stdout.take().expect("stdout");
    let pid = child.id();
    cleanup.child = Some(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("ready");
    assert_eq!(line.trim(), "ready", "the sniffer did not start");

    let inode = ns_inode(&ns);
    let quiet_inode = ns_inode(&quiet);
    let host_flags = std::fs::read_to_string(format!("/sys/class/net/{inner}/flags"));
    assert!(
        host_flags.is_err(),
        "the inner interface is visible on the host"
    );

    let ctx = Context::new(Root::host(), Window::default());
    let outcome = run_checks(
        &ctx,
        &Selection {
            only: vec!["network.promiscuous".into(), "network.packet_socket".into()],
            ..Selection::default()
        },
    );
    let promisc = outcome
        .findings
        .iter()
        .find(|f| f.check_id == "network.promiscuous" && f.summary.contains(&inner))
        .unwrap_or_else(|| panic!("promiscuous {inner} not reported: {:#?}", outcome.findings));
    assert_eq!(promisc.severity, Severity::High, "{promisc:#?}");
    assert!(promisc.summary.contains(&inode.to_string()), "{promisc:#?}");
    assert!(
        promisc.summary.contains(&format!("\"{ns}\"")),
        "{promisc:#?}"
    );
    assert!(promisc.pids.contains(&pid), "{promisc:#?}");
    assert!(promisc.paths.contains(&format!("/run/netns/{ns}")));

    let packet = outcome
        .findings
        .iter()
        .find(|f| f.check_id == "network.packet_socket" && f.pids.contains(&pid))
        .unwrap_or_else(|| {
            panic!(
                "packet socket of {pid} not reported: {:#?}",
                outcome.findings
            )
        });
    assert_eq!(packet.severity, Severity::High, "{packet:#?}");
    assert!(packet.summary.contains(&inner), "{packet:#?}");
    assert!(packet.summary.contains(&inode.to_string()), "{packet:#?}");
    assert_eq!(packet.evidence["net_ns"], inode);
    assert_eq!(packet.evidence["interface"], inner.as_str());

    // Benign: the empty namespace was entered and is quiet.
    let named_quiet: Vec<_> = outcome
        .findings
        .iter()
        .filter(|f| f.summary.contains(&quiet_inode.to_string()) || f.summary.contains(&quiet))
        .collect();
    assert!(named_quiet.is_empty(), "{named_quiet:#?}");
    let scene = ctx.scene().expect("live").expect("scene");
    let q = scene
        .network
        .namespaces
        .iter()
        .find(|n| n.inode == quiet_inode)
        .expect("the empty namespace is listed through /run/netns");
    assert!(q.entered && q.names == vec![quiet.clone()], "{q:#?}");
    assert!(q.links.iter().any(|l| l.name == "lo") && q.links.iter().all(|l| !l.promisc));
    drop(cleanup);
}
