//! `rootkit.hidden_ports` — ports in use on loopback that /proc/net does not show.
//!
//! **What it looks at (live):** every local port of every TCP and UDP socket (IPv4 and IPv6, any
//! state) in `/proc/net/{tcp,tcp6,udp,udp6}`, against a bind probe: huoyan tries to `bind()` a
//! fresh socket (without `SO_REUSEADDR`) to `127.0.0.1:PORT` for every port, TCP and UDP. A port
//! the kernel refuses with `EADDRINUSE` must belong to some socket; if /proc/net lists none, the
//! view is being filtered. Candidates are re-checked against a fresh /proc/net read before they
//! are reported. Nothing is sent: `bind()` alone never puts a packet on any wire, and the probe
//! stays on loopback in huoyan's own network namespace.
//!
//! **Why an attacker leaves this trace:** kernel rootkits hide their backdoor's listener by
//! filtering `tcp4_seq_show` (the code behind `/proc/net/tcp`), which hides it from `netstat`,
//! `ss -a` with the proc backend and most tools — but the port is still taken in the kernel's
//! bind table. A userland preload hook on `fopen` only fools dynamically linked tools: huoyan is
//! static and reads /proc/net directly, so such a port is simply visible to huoyan (and
//! `rootkit.preload_hooks` reports the hook).
//!
//! **Example:** `tcp port 31337 is bound on this host but missing from /proc/net` (high).
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1014 (Rootkit), T1205 (Traffic Signaling), T1571 (Non-Standard Port).

use std::collections::HashSet;
use std::net::{Ipv4Addr, SocketAddrV4};

use huoyan_core::{CheckInfo, Gap, GapReason, Outcome, ProcFs, Severity};
use rustix::net::{AddressFamily, SocketFlags, SocketType};
use serde::Serialize;
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct HiddenPorts;

static INFO: CheckInfo = CheckInfo {
    id: "rootkit.hidden_ports",
    title: "Port in use but hidden from /proc/net",
    title_zh: "端口被占用但在 /proc/net 中被隐藏",
    mitre: &["T1014", "T1205", "T1571"],
    remediation: "A kernel rootkit is filtering the socket tables: capture memory, capture \
                  traffic on the port from outside the host (a switch span or the hypervisor), \
                  then isolate and rebuild the host.",
    remediation_zh: "内核 rootkit 正在过滤套接字表：获取内存镜像，在主机外部（交换机镜像口或虚拟化层）抓取该端口流量，\
                     随后隔离并重建主机。",
};

/// Transport protocol of a probed port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

/// Local ports of the sockets in one /proc/net/{tcp,udp}[6] table (any state).
pub fn parse_proc_net_ports(data: &[u8]) -> Vec<u16> {
    String::from_utf8_lossy(data)
        .lines()
        .skip(1)
        .filter_map(|l| {
            let local = l.split_whitespace().nth(1)?;
            let port = local.rsplit_once(':')?.1;
            u16::from_str_radix(port, 16).ok()
        })
        .collect()
}

/// Ports /proc/net lists, per protocol.
pub fn listed_ports(
    proc_fs: &ProcFs,
) -> Result<(HashSet<u16>, HashSet<u16>), huoyan_core::RootError> {
    let mut tcp = HashSet::new();
    let mut udp = HashSet::new();
    for file in ["net/tcp", "net/tcp6", "net/udp", "net/udp6"] {
        let set = if file.contains("tcp") {
            &mut tcp
        } else {
            &mut udp
        };
        match proc_fs.read(file) {
            Ok(d) => set.extend(parse_proc_net_ports(&d)),
            Err(e) if e.is_not_found() && file.ends_with('6') => {}
            Err(e) => return Err(e),
        }
    }
    Ok((tcp, udp))
}

/// Outcome of one bind probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// The bind succeeded: nobody holds the port.
    Free,
    /// EADDRINUSE: some socket holds it.
    InUse,
    /// Could not tell (EACCES for privileged ports, no sockets left …).
    Unknown,
}

/// Tries to bind 127.0.0.1:port (no SO_REUSEADDR); the socket is closed at once.
pub fn probe(proto: Proto, port: u16) -> Probe {
    let kind = match proto {
        Proto::Tcp => SocketType::STREAM,
        Proto::Udp => SocketType::DGRAM,
    };
    let Ok(fd) = rustix::net::socket_with(AddressFamily::INET, kind, SocketFlags::CLOEXEC, None)
    else {
        return Probe::Unknown;
    };
    match rustix::net::bind(&fd, &SocketAddrV4::new(Ipv4Addr::LOCALHOST, port)) {
        Ok(()) => Probe::Free,
        Err(rustix::io::Errno::ADDRINUSE) => Probe::InUse,
        Err(_) => Probe::Unknown,
    }
}

/// Ports in `range` that the bind probe finds taken but /proc/net (as `listed` by `read_view`)
/// does not show, re-checked once against a fresh view.
pub fn find_hidden_ports(
    read_view: &dyn Fn() -> Option<(HashSet<u16>, HashSet<u16>)>,
    range: std::ops::RangeInclusive<u16>,
) -> Option<Vec<(Proto, u16)>> {
    use rayon::prelude::*;
    let (tcp, udp) = read_view()?;
    // 131,070 bind() calls: spread over the cores (each port and protocol is probed once, so
    // two probes never contend for the same port).
    let mut candidates: Vec<(Proto, u16)> = range
        .into_par_iter()
        .filter(|&port| port != 0)
        .flat_map_iter(|port| {
            let tcp_hidden = !tcp.contains(&port) && probe(Proto::Tcp, port) == Probe::InUse;
            let udp_hidden = !udp.contains(&port) && probe(Proto::Udp, port) == Probe::InUse;
            [
                tcp_hidden.then_some((Proto::Tcp, port)),
                udp_hidden.then_some((Proto::Udp, port)),
            ]
            .into_iter()
            .flatten()
        })
        .collect();
    candidates.sort();
    if candidates.is_empty() {
        return Some(candidates);
    }
    let (tcp, udp) = read_view()?;
    Some(
        candidates
            .into_iter()
            .filter(|(proto, port)| {
                let listed = match proto {
                    Proto::Tcp => tcp.contains(port),
                    Proto::Udp => udp.contains(port),
                };
                !listed && probe(*proto, *port) == Probe::InUse
            })
            .collect(),
    )
}

impl Check for HiddenPorts {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn live_only(&self) -> bool {
        true
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let Some(proc_fs) = &ctx.proc_fs else {
            return;
        };
        if let Err(e) = listed_ports(proc_fs) {
            return out.gap(Gap::from_error(INFO.id, &e));
        }
        let view = || listed_ports(proc_fs).ok();
        let Some(hidden) = find_hidden_ports(&view, 1..=u16::MAX) else {
            return out.gap(Gap::new(
                INFO.id,
                GapReason::Error,
                "/proc/net became unreadable during the probe",
            ));
        };
        if probe(Proto::Tcp, 1) == Probe::Unknown {
            out.gap(Gap::new(
                INFO.id,
                GapReason::PermissionDenied,
                "ports below 1024 cannot be probed without root (CAP_NET_BIND_SERVICE)",
            ));
        }
        for (proto, port) in hidden {
            let name = match proto {
                Proto::Tcp => "tcp",
                Proto::Udp => "udp",
            };
            out.add(
                INFO.finding(
                    Severity::High,
                    format!("{name} port {port} is bound on this host but missing from /proc/net"),
                )
                .ip("127.0.0.1")
                .evidence(json!({"protocol": proto, "port": port,
                    "method": "bind() to 127.0.0.1 returned EADDRINUSE"})),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_net_tcp() {
        // Real /proc/net/tcp layout (header plus a listener on 127.0.0.1:8080).
        let data = b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0\n garbage\n";
        assert_eq!(parse_proc_net_ports(data), vec![8080]);
    }

    #[test]
    fn listener_filtered_from_view_is_found_and_listed_one_is_not() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        // A view that filters the port out (what a /proc/net-filtering rootkit produces).
        let hidden_view = || Some((HashSet::new(), HashSet::new()));
        let found = find_hidden_ports(&hidden_view, port..=port).expect("view");
        assert_eq!(found, vec![(Proto::Tcp, port)]);
        // The honest view lists it: nothing hidden.
        let honest_view = || Some(([port].into_iter().collect(), HashSet::new()));
        assert!(find_hidden_ports(&honest_view, port..=port)
            .expect("view")
            .is_empty());
    }
}
