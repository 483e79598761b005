//! `network.outbound` — established connections to public addresses on unusual ports.
//!
//! **What it looks at:** every established TCP socket (all network namespaces) whose remote end
//! is a public address, on a port outside the common service set (web, mail, DNS, NTP, SSH …),
//! with the process that holds it.
//!
//! **Why an attacker leaves this trace:** reverse shells, C2 beacons and bots call out to the
//! attacker on ports of their choosing (4444, 1337, 8443 …); the owning process tells whether it
//! is a shell, a dropped binary or a legitimate agent.
//!
//! **Example:** pid 5150 `bash -i` 10.0.0.5:43122 → 203.0.113.7:4444 ESTABLISHED.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1071 (Application Layer Protocol), T1571 (Non-Standard Port).

use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct UnusualOutbound;

static INFO: CheckInfo = CheckInfo {
    id: "network.outbound",
    title: "Connection to a public address on an unusual port",
    title_zh: "连接到公网地址的非常用端口",
    mitre: &["T1071", "T1571"],
    remediation: "Identify the remote address (threat intelligence, your asset list); if unknown, \
                  block it at the firewall and examine the owning process.",
    remediation_zh: "核实远端地址（威胁情报、资产清单）；若不明，在防火墙封禁并排查所属进程。",
};

const COMMON_PORTS: &[u16] = &[
    21, 22, 25, 53, 80, 110, 123, 143, 443, 465, 587, 853, 993, 995, 3306, 5432, 6379, 9200, 11371,
];

impl Check for UnusualOutbound {
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
        let listening_ports: std::collections::HashSet<u16> = scene
            .sockets
            .inet
            .iter()
            .filter(|s| s.socket.listening)
            .map(|s| s.socket.local_port)
            .collect();
        for s in &scene.sockets.inet {
            let sock = &s.socket;
            if !sock.proto.is_tcp()
                || sock.state != "ESTABLISHED"
                || !super::is_public(&sock.remote_ip)
            {
                continue;
            }
            // Inbound connections to our own services are not outbound.
            if listening_ports.contains(&sock.local_port)
                || COMMON_PORTS.contains(&sock.remote_port)
            {
                continue;
            }
            let (comm, command, user) = s
                .owners
                .pids
                .first()
                .map(|pid| super::describe(scene, *pid))
                .unwrap_or_else(|| ("?".into(), "?".into(), "?".into()));
            let shell = crate::process::is_interpreter(&comm);
            let mut f = INFO
                .finding(
                    if shell {
                        Severity::High
                    } else {
                        Severity::Medium
                    },
                    format!(
                        "{}:{} → {}:{} by {} ({})",
                        sock.local_ip,
                        sock.local_port,
                        sock.remote_ip,
                        sock.remote_port,
                        comm,
                        command
                    ),
                )
                .ip(sock.remote_ip.to_string())
                .evidence(json!({
                    "local": format!("{}:{}", sock.local_ip, sock.local_port),
                    "remote": format!("{}:{}", sock.remote_ip, sock.remote_port),
                    "pids": s.owners.pids, "net_ns": s.owners.net_ns, "command": command,
                }));
            for pid in &s.owners.pids {
                f = f.pid(*pid);
            }
            if user != "?" {
                f = f.user(user);
            }
            out.add(f);
        }
    }
}
