//! `network.packet_socket` — raw packet (AF_PACKET) sockets and the programs holding them.
//!
//! **What it looks at:** `/proc/net/packet` of every namespace, joined with process fds.
//!
//! **Why an attacker leaves this trace:** sniffers and passive backdoors (BPFDoor and friends)
//! read every frame through an AF_PACKET socket, even without promiscuous mode. DHCP clients and
//! network managers use them legitimately; anything else is reported.
//!
//! **Example:** pid 1337 `/dev/shm/kdmtmpflush --init` holds a packet socket for all protocols.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1040 (Network Sniffing), T1205.002 (Traffic Signaling: Socket Filters).

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

const EXPECTED: &[&str] = &[
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
        for s in &scene.sockets.packet {
            for pid in &s.owners.pids {
                let Some(p) = scene.processes.iter().find(|p| p.pid == *pid) else {
                    continue;
                };
                if p.pid == std::process::id() {
                    continue;
                }
                let expected = EXPECTED.contains(&p.comm.as_str());
                out.add(
                    INFO.finding(
                        if expected { Severity::Info } else { Severity::High },
                        format!(
                            "pid {} ({}) holds a packet socket (protocol 0x{:04x}, interface index {})",
                            p.pid,
                            p.command(),
                            s.socket.protocol,
                            s.socket.ifindex
                        ),
                    )
                    .pid(p.pid)
                    .user(p.user_label())
                    .at(p.start_time)
                    .evidence(json!({"protocol": s.socket.protocol, "ifindex": s.socket.ifindex, "sock_type": s.socket.sock_type, "cmdline": p.cmdline})),
                );
            }
        }
    }
}
