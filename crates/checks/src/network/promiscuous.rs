//! `network.promiscuous` — network interfaces in promiscuous mode.
//!
//! **What it looks at:** the `IFF_PROMISC` flag of every interface of huoyan's network namespace
//! (`/sys/class/net/*/flags`), and of every interface of every other namespace a process uses or
//! `/run/netns` names (containers, `ip netns`): their links are read by a thread of huoyan's that
//! enters the namespace with `setns(2)` and asks netlink (`huoyan_artifacts::net::netns`), where
//! promiscuity is the kernel's counter (`IFLA_PROMISCUITY`) as well as the flag. A finding in
//! another namespace names it (inode, `ip netns` name), the interface, and the processes that
//! hold a packet socket there (or, when none does, the processes living in it).
//!
//! **Why an attacker leaves this trace:** a sniffer collecting credentials from the wire, or a
//! passive backdoor waiting for a magic packet, puts the interface in promiscuous mode. Bridges
//! and container hosts do too, so the owner of any packet socket is checked alongside.
//!
//! **Example:** `eth0` flags UP,BROADCAST,RUNNING,PROMISC,MULTICAST; `veth-in` in network
//! namespace `net:[4026532456]` (`ip netns` "blue") is promiscuous (count 1), packet socket held
//! by pid 4242.
//!
//! **Calibration:** role `activity`. Low for interfaces promiscuous by design — bridge members
//! (`veth*`, `docker*`, `br-*`, or enslaved to a bridge in their namespace) — and, in another
//! namespace, for an interface whose only packet-socket holders are known network or capture
//! programs (`network.packet_socket`'s list); high otherwise: a sniffer put it there
//! (docs/PRECISION.md).
//!
//! **ATT&CK:** T1040 (Network Sniffing).

use huoyan_artifacts::net::netns::{NetNamespace, NsLink};
use huoyan_artifacts::proc::Process;
use huoyan_core::{CheckInfo, Outcome, Severity};
use huoyan_snapshot::collect::Scene;
use serde_json::json;

use super::packet_socket::EXPECTED;
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct PromiscuousInterface;

static INFO: CheckInfo = CheckInfo {
    id: "network.promiscuous",
    title: "Network interface in promiscuous mode (sniffing)",
    title_zh: "网卡处于混杂模式（可能在嗅探）",
    mitre: &["T1040"],
    remediation: "Find the process with a packet socket on that interface (network.packet_socket \
                  findings); unless it is a known bridge or capture tool, stop it and rotate \
                  credentials that crossed the wire.",
    remediation_zh: "找出在该网卡上持有原始套接字的进程（参见 network.packet_socket）；若不是已知的网桥或抓包工具，\
                     结束它并更换可能被截获的凭据。",
};

impl Check for PromiscuousInterface {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }
    fn live_only(&self) -> bool {
        true
    }
    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let Some(scene) = crate::process::scene(ctx, out) else {
            return;
        };
        for iface in &scene.network.interfaces {
            if !iface.promisc {
                continue;
            }
            let bridged = bridge_name(&iface.name);
            out.add(
                INFO.finding(
                    if bridged { Severity::Low } else { Severity::High },
                    format!("interface {} is in promiscuous mode ({})", iface.name, iface.flag_names.join(",")),
                )
                .evidence(json!({"interface": iface.name, "flags": iface.flag_names, "index": iface.index})),
            );
        }
        for ns in &scene.network.namespaces {
            for link in ns.links.iter().filter(|l| l.promisc) {
                other_namespace(scene, ns, link, out);
            }
        }
    }
}

/// Bridge ports and veth members of a bridge are promiscuous by design.
fn bridge_name(name: &str) -> bool {
    name.starts_with("veth") || name.starts_with("docker") || name.starts_with("br-")
}

fn other_namespace(scene: &Scene, ns: &NetNamespace, link: &NsLink, out: &mut Outcome) {
    // Who reads frames there: packet sockets of this namespace on this interface or on all.
    let mut holders: Vec<&Process> = Vec::new();
    for s in &scene.sockets.packet {
        if s.owners.net_ns != Some(ns.inode)
            || (s.socket.ifindex != 0 && s.socket.ifindex != link.index)
        {
            continue;
        }
        for pid in &s.owners.pids {
            if let Some(p) = scene.processes.iter().find(|p| p.pid == *pid) {
                if !holders.iter().any(|h| h.pid == p.pid) {
                    holders.push(p);
                }
            }
        }
    }
    let known_holders =
        !holders.is_empty() && holders.iter().all(|p| EXPECTED.contains(&p.comm.as_str()));
    let bridged = link.master.is_some() || bridge_name(&link.name);
    let severity = if bridged || known_holders {
        Severity::Low
    } else {
        Severity::High
    };
    let held = if holders.is_empty() {
        format!(
            "no packet socket there is held by a visible process; {} process(es) live in it",
            ns.process_count
        )
    } else {
        let shown: Vec<String> = holders
            .iter()
            .take(5)
            .map(|p| format!("pid {} ({})", p.pid, p.command()))
            .collect();
        format!("packet socket held by {}", shown.join(", "))
    };
    let mut f = INFO
        .finding(
            severity,
            format!(
                "interface {} in network namespace {} is in promiscuous mode (promiscuity {}, \
                 flags {}); {held}",
                link.name,
                ns.label(),
                link.promiscuity.map_or("?".to_string(), |p| p.to_string()),
                link.flag_names.join(",")
            ),
        )
        .evidence(json!({
            "interface": link.name,
            "index": link.index,
            "flags": link.flag_names,
            "promiscuity": link.promiscuity,
            "master": link.master,
            "net_ns": ns.inode,
            "netns_names": ns.names,
            "holders": holders.iter().map(|p| json!({"pid": p.pid, "comm": p.comm,
                "cmdline": p.cmdline, "exe": p.exe})).collect::<Vec<_>>(),
            "namespace_pids": ns.pids,
        }));
    for name in &ns.names {
        f = f.path(format!("/run/netns/{name}"));
    }
    if holders.is_empty() {
        for pid in ns.pids.iter().take(10) {
            f = f.pid(*pid);
        }
    } else {
        for p in &holders {
            f = f.pid(p.pid).user(p.user_label());
        }
    }
    out.add(f);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(name: &str, master: Option<u32>) -> NsLink {
        NsLink {
            index: 2,
            name: name.into(),
            flags: 0x1103,
            flag_names: vec!["UP", "BROADCAST", "PROMISC", "MULTICAST"],
            promiscuity: Some(1),
            promisc: true,
            master,
        }
    }

    fn ns() -> NetNamespace {
        NetNamespace {
            inode: 4026532456,
            names: vec!["blue".into()],
            pids: vec![4242],
            process_count: 1,
            links: vec![],
            entered: true,
        }
    }

    #[test]
    fn promiscuous_interface_of_another_namespace_is_high_and_named() {
        let scene = Scene::default();
        let mut out = Outcome::default();
        other_namespace(&scene, &ns(), &link("eth1", None), &mut out);
        let f = &out.findings[0];
        assert_eq!(f.severity, Severity::High);
        assert!(f.summary.contains("eth1") && f.summary.contains("4026532456"));
        assert!(f.summary.contains("\"blue\""));
        assert_eq!(f.paths, vec!["/run/netns/blue".to_string()]);
        assert_eq!(f.pids, vec![4242]);
    }

    #[test]
    fn bridge_member_of_another_namespace_is_low() {
        let scene = Scene::default();
        let mut out = Outcome::default();
        other_namespace(&scene, &ns(), &link("eth1", Some(7)), &mut out);
        other_namespace(&scene, &ns(), &link("veth12ab", None), &mut out);
        assert!(out.findings.iter().all(|f| f.severity == Severity::Low));
    }

    #[test]
    fn capture_tool_in_another_namespace_is_low_and_named() {
        use huoyan_artifacts::sockets::{Owned, Owners, PacketSocket};
        let mut scene = Scene::default();
        scene.processes.push(crate::process::fixtures::process(
            4300,
            "root",
            "/usr/bin/tcpdump",
            &["tcpdump", "-i", "eth1"],
        ));
        scene.sockets.packet.push(Owned {
            socket: PacketSocket {
                sock_type: 3,
                protocol: 3,
                ifindex: 2,
                rmem: 0,
                uid: 0,
                inode: 777,
            },
            owners: Owners {
                net_ns: Some(4026532456),
                pids: vec![4300],
            },
        });
        let mut out = Outcome::default();
        other_namespace(&scene, &ns(), &link("eth1", None), &mut out);
        let f = &out.findings[0];
        assert_eq!(f.severity, Severity::Low);
        assert_eq!(f.pids, vec![4300]);
        assert!(f.summary.contains("pid 4300 (tcpdump -i eth1)"));
    }
}
