//! `network.packet_socket` — raw packet (AF_PACKET) sockets and the programs holding them.
//!
//! **What it looks at:** `/proc/net/packet` of huoyan's network namespace and `/proc/PID/net/packet`
//! of one member of every other namespace a process uses (containers, `ip netns`), joined with
//! process fds; the interface index is named from that namespace's own interface list (the
//! `setns` netlink dump of `huoyan_artifacts::net::netns`), and a namespace is named by its
//! inode and by any `/run/netns/NAME` that bind-mounts it.
//!
//! **Why an attacker leaves this trace:** sniffers and passive backdoors (BPFDoor and friends)
//! read every frame through an AF_PACKET socket, even without promiscuous mode. DHCP clients and
//! network managers use them legitimately; anything else is reported.
//!
//! **Example:** pid 1337 `/dev/shm/kdmtmpflush --init` holds a packet socket for all protocols;
//! pid 4242 `python3 -c …` holds one on `veth-in` in network namespace `net:[4026532456]`
//! (`ip netns` "blue").
//!
//! **Calibration:** role `activity`. Info for the programs that need link-layer sockets for
//! their job (DHCP clients, network managers, LLDP, keepalived, capture tools an administrator
//! runs: the `EXPECTED` list), in any namespace; high for any other program, in the host's
//! namespace or another one — an unknown process reading raw frames is a sniffer or a passive
//! backdoor until shown otherwise (docs/PRECISION.md).
//!
//! **ATT&CK:** T1040 (Network Sniffing), T1205.002 (Traffic Signaling: Socket Filters).

use huoyan_artifacts::net::netns::NetNamespace;
use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct PacketSniffer;

static INFO: CheckInfo = CheckInfo {
    id: "network.packet_socket",
    title: "Program holding a raw packet socket (sniffer or passive backdoor)",
    title_zh: "持有原始数据包套接字的程序（嗅探器或被动后门）",
    mitre: &["T1040", "T1205.002"],
    remediation: "Identify the program; unless it is a known network tool, dump it, stop it and \
                  look for BPF-filter backdoors (magic-packet triggered shells).",
    remediation_zh: "确认该程序；若不是已知的网络工具，转储并结束它，并排查 BPF 过滤器类后门（魔术包触发的 shell）。",
};

/// Programs that hold packet sockets for their job (matched on the command name).
pub(crate) const EXPECTED: &[&str] = &[
    "dhclient",
    "dhcpcd",
    "NetworkManager",
    "systemd-network",
    "systemd-networkd",
    "wpa_supplicant",
    "lldpd",
    "keepalived",
    "tcpdump",
    "dumpcap",
    "wireshark",
    "tshark",
    "arpwatch",
    "udhcpc",
];

impl Check for PacketSniffer {
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
        let others: std::collections::HashMap<u64, &NetNamespace> = scene
            .network
            .namespaces
            .iter()
            .map(|n| (n.inode, n))
            .collect();
        for s in &scene.sockets.packet {
            // None: the namespace was not read through a member pid, i.e. huoyan's own.
            let foreign = s
                .owners
                .net_ns
                .and_then(|ns| scene.sockets.namespaces.get(&ns))
                .is_some_and(|via| via.is_some());
            let ns = s.owners.net_ns.and_then(|n| others.get(&n).copied());
            let iface = if s.socket.ifindex == 0 {
                Some("any".to_string())
            } else if foreign {
                ns.and_then(|n| n.link(s.socket.ifindex))
                    .map(|l| l.name.clone())
            } else {
                scene
                    .network
                    .interfaces
                    .iter()
                    .find(|i| i.index == Some(s.socket.ifindex))
                    .map(|i| i.name.clone())
            };
            let where_ = match (foreign, ns) {
                (false, _) => String::new(),
                (true, Some(n)) => format!(" in network namespace {}", n.label()),
                (true, None) => format!(
                    " in network namespace net:[{}]",
                    s.owners.net_ns.unwrap_or_default()
                ),
            };
            for pid in &s.owners.pids {
                let Some(p) = scene.processes.iter().find(|p| p.pid == *pid) else {
                    continue;
                };
                if p.pid == std::process::id() {
                    continue;
                }
                let expected = EXPECTED.contains(&p.comm.as_str());
                let mut f = INFO
                    .finding(
                        if expected {
                            Severity::Info
                        } else {
                            Severity::High
                        },
                        format!(
                            "pid {} ({}) holds a packet socket (protocol 0x{:04x}, interface {} \
                             #{}){where_}",
                            p.pid,
                            p.command(),
                            s.socket.protocol,
                            iface.as_deref().unwrap_or("?"),
                            s.socket.ifindex
                        ),
                    )
                    .pid(p.pid)
                    .user(p.user_label())
                    .at(p.start_time)
                    .evidence(json!({
                        "protocol": s.socket.protocol,
                        "ifindex": s.socket.ifindex,
                        "interface": iface,
                        "sock_type": s.socket.sock_type,
                        "cmdline": p.cmdline,
                        "exe": p.exe,
                        "net_ns": s.owners.net_ns,
                        "host_namespace": !foreign,
                        "netns_names": ns.map(|n| n.names.clone()).unwrap_or_default(),
                    }));
                if let Some(n) = ns {
                    for name in &n.names {
                        f = f.path(format!("/run/netns/{name}"));
                    }
                }
                out.add(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use huoyan_artifacts::net::netns::{NetNamespace, NsLink};
    use huoyan_artifacts::sockets::{Owned, Owners, PacketSocket};
    use huoyan_core::Severity;

    use crate::process::fixtures::{benign, process, run};

    const HOST_NS: u64 = 4026531840;
    const OTHER_NS: u64 = 4026532456;

    /// The benign server plus one packet socket, held by `comm`, in another namespace.
    fn scene_with(comm_exe: &str) -> huoyan_snapshot::collect::Scene {
        let mut scene = benign();
        scene.sockets.namespaces.insert(HOST_NS, None);
        scene.sockets.namespaces.insert(OTHER_NS, Some(4300));
        scene
            .processes
            .push(process(4300, "root", comm_exe, &[comm_exe, "-q"]));
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
                net_ns: Some(OTHER_NS),
                pids: vec![4300],
            },
        });
        scene.network.namespaces.push(NetNamespace {
            inode: OTHER_NS,
            names: vec!["blue".into()],
            pids: vec![4300],
            process_count: 1,
            links: vec![NsLink {
                index: 2,
                name: "veth-in".into(),
                ..NsLink::default()
            }],
            entered: true,
        });
        scene
    }

    #[test]
    fn unknown_sniffer_in_another_namespace_is_high_and_names_it() {
        let out = run(scene_with("/dev/shm/.snf"), "network.packet_socket");
        assert_eq!(out.findings.len(), 1, "{:#?}", out.findings);
        let f = &out.findings[0];
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.pids, vec![4300]);
        assert!(f.summary.contains("veth-in") && f.summary.contains("net:[4026532456]"));
        assert!(f.summary.contains("\"blue\""));
        assert_eq!(f.paths, vec!["/run/netns/blue".to_string()]);
        assert_eq!(f.evidence["host_namespace"], false);
    }

    #[test]
    fn dhcp_client_in_another_namespace_is_info() {
        let out = run(scene_with("/usr/sbin/dhclient"), "network.packet_socket");
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].severity, Severity::Info);
    }
}
