//! `network.promiscuous` — network interfaces in promiscuous mode.
//!
//! **What it looks at:** the `IFF_PROMISC` flag of every interface (`/sys/class/net/*/flags`).
//!
//! **Why an attacker leaves this trace:** a sniffer collecting credentials from the wire, or a
//! passive backdoor waiting for a magic packet, puts the interface in promiscuous mode. Bridges
//! and container hosts do too, so the owner of any packet socket is checked alongside.
//!
//! **Example:** `eth0` flags UP,BROADCAST,RUNNING,PROMISC,MULTICAST.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1040 (Network Sniffing).

use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

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
            // Bridge ports and veth members of a bridge are promiscuous by design.
            let bridged = iface.name.starts_with("veth")
                || iface.name.starts_with("docker")
                || iface.name.starts_with("br-");
            out.add(
                INFO.finding(
                    if bridged { Severity::Low } else { Severity::High },
                    format!("interface {} is in promiscuous mode ({})", iface.name, iface.flag_names.join(",")),
                )
                .evidence(json!({"interface": iface.name, "flags": iface.flag_names, "index": iface.index})),
            );
        }
    }
}
