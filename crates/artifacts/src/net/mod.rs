//! Network configuration of the live host: interfaces (flags, PROMISC, MAC, addresses), routes
//! and ARP neighbours.
//!
//! Sources: `/proc/net/dev` for the interface list and counters, `/sys/class/net/NAME/{flags,
//! address,mtu,ifindex,operstate}` for flags and hardware address, a netlink address dump plus
//! `/proc/net/if_inet6` for addresses, `/proc/net/{route,ipv6_route,arp}` for routes and
//! neighbours. All of it describes the running kernel of the reader's network namespace, so it is
//! live-only; `/sys` is read through a [`Root`] for the host (`Root::host()`), never an image.

pub mod addr;
pub mod dev;
mod netlink;
pub mod netns;
pub mod route;

use huoyan_core::{Gap, GapReason, ProcFs, Root};
use serde::Serialize;

pub use addr::IfAddr;
pub use route::{Neighbour, Route};

/// One network interface.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Interface {
    /// Name (`eth0`).
    pub name: String,
    /// Kernel index.
    pub index: Option<u32>,
    /// Raw `IFF_*` flags.
    pub flags: Option<u32>,
    /// Flag names (`UP`, `PROMISC` …).
    pub flag_names: Vec<&'static str>,
    /// True when the interface captures every frame (sniffer or passive backdoor).
    pub promisc: bool,
    /// Hardware address.
    pub mac: Option<String>,
    /// MTU.
    pub mtu: Option<u32>,
    /// `up`, `down`, `unknown` …
    pub operstate: Option<String>,
    /// Addresses (IPv4 and IPv6).
    pub addresses: Vec<IfAddr>,
    /// Traffic counters.
    pub counters: dev::DevCounters,
}

/// Interfaces, routes and neighbours.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Network {
    /// Interfaces in `/proc/net/dev` order.
    pub interfaces: Vec<Interface>,
    /// IPv4 and IPv6 routes.
    pub routes: Vec<Route>,
    /// ARP neighbours.
    pub neighbours: Vec<Neighbour>,
    /// The other network namespaces (containers, `ip netns`) and their interfaces; filled by the
    /// snapshot once the processes are known ([`netns::read_namespaces`]).
    pub namespaces: Vec<netns::NetNamespace>,
}

fn gap_parse(path: &str, e: &crate::ParseError) -> Gap {
    Gap {
        area: "artifacts.net".into(),
        path: Some(path.to_string()),
        reason: GapReason::Malformed,
        detail: e.to_string(),
    }
}

/// Reads the network configuration. `sys` is the live host root through which `/sys` is read.
pub fn read_network(proc_fs: &ProcFs, sys: &Root) -> (Network, Vec<Gap>) {
    let mut net = Network::default();
    let mut gaps = Vec::new();
    let proc_read = |rel: &str, gaps: &mut Vec<Gap>| match proc_fs.read(rel) {
        Ok(d) => Some(d),
        Err(e) => {
            gaps.push(Gap::from_error("artifacts.net", &e));
            None
        }
    };
    if let Some(d) = proc_read("net/dev", &mut gaps) {
        match dev::parse_dev(&d) {
            Ok(v) => {
                net.interfaces = v
                    .into_iter()
                    .map(|counters| Interface {
                        name: counters.name.clone(),
                        counters,
                        ..Interface::default()
                    })
                    .collect()
            }
            Err(e) => gaps.push(gap_parse("/proc/net/dev", &e)),
        }
    }
    for iface in &mut net.interfaces {
        // Interface names come from the kernel but may be set by an attacker; a name with '/'
        // or '..' cannot exist, but never build a path from it without checking.
        if iface.name.contains('/') || iface.name.starts_with('.') {
            continue;
        }
        let base = format!("/sys/class/net/{}", iface.name);
        let text = |file: &str| {
            sys.read_capped(format!("{base}/{file}"), 4096)
                .ok()
                .map(|c| String::from_utf8_lossy(&c.data).trim().to_string())
        };
        match sys.read_capped(format!("{base}/flags"), 64) {
            Ok(c) => match dev::parse_flags_file(&c.data) {
                Ok(f) => {
                    iface.flags = Some(f);
                    iface.flag_names = dev::flag_names(f);
                    iface.promisc = f & dev::IFF_PROMISC != 0;
                }
                Err(e) => gaps.push(gap_parse(&format!("{base}/flags"), &e)),
            },
            Err(e) => gaps.push(Gap::from_error("artifacts.net", &e)),
        }
        iface.mac = text("address");
        iface.mtu = text("mtu").and_then(|s| s.parse().ok());
        iface.index = text("ifindex").and_then(|s| s.parse().ok());
        iface.operstate = text("operstate");
    }
    let mut addrs = match addr::dump_addresses() {
        Ok(v) => v,
        Err(e) => {
            gaps.push(Gap::new(
                "artifacts.net",
                GapReason::Error,
                format!("netlink address dump failed ({e}); IPv4 addresses unknown"),
            ));
            Vec::new()
        }
    };
    if !addrs.iter().any(|a| a.ip.is_ipv6()) {
        if let Some(d) = proc_read("net/if_inet6", &mut gaps) {
            match addr::parse_if_inet6(&d) {
                Ok(v) => addrs.extend(v),
                Err(e) => gaps.push(gap_parse("/proc/net/if_inet6", &e)),
            }
        }
    }
    for a in addrs {
        if let Some(iface) = net.interfaces.iter_mut().find(|i| {
            i.index == Some(a.ifindex) || (i.index.is_none() && a.iface.as_deref() == Some(&i.name))
        }) {
            iface.addresses.push(a);
        }
    }
    if let Some(d) = proc_read("net/route", &mut gaps) {
        match route::parse_route(&d) {
            Ok(v) => net.routes.extend(v),
            Err(e) => gaps.push(gap_parse("/proc/net/route", &e)),
        }
    }
    match proc_fs.read("net/ipv6_route") {
        Ok(d) => match route::parse_ipv6_route(&d) {
            Ok(v) => net.routes.extend(v),
            Err(e) => gaps.push(gap_parse("/proc/net/ipv6_route", &e)),
        },
        Err(e) if e.is_not_found() => {}
        Err(e) => gaps.push(Gap::from_error("artifacts.net", &e)),
    }
    if let Some(d) = proc_read("net/arp", &mut gaps) {
        match route::parse_arp(&d) {
            Ok(v) => net.neighbours = v,
            Err(e) => gaps.push(gap_parse("/proc/net/arp", &e)),
        }
    }
    (net, gaps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_network_has_loopback() {
        let Some(proc_fs) = ProcFs::live() else {
            return;
        };
        let (net, _gaps) = read_network(&proc_fs, &Root::host());
        let lo = net.interfaces.iter().find(|i| i.name == "lo").expect("lo");
        assert!(lo.flag_names.contains(&"LOOPBACK"));
    }
}
