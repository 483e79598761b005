//! Routes and neighbours: `/proc/net/route`, `/proc/net/ipv6_route`, `/proc/net/arp`.
//!
//! A route added by an attacker sends traffic through a host they control; an ARP entry whose
//! MAC matches the gateway's on another IP (or a gateway MAC that changed) is ARP spoofing; the
//! neighbour table lists the hosts this machine talked to recently (lateral movement).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use crate::ParseError;

/// One route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    /// Output interface.
    pub iface: String,
    /// Destination network.
    pub destination: IpAddr,
    /// Prefix length.
    pub prefix_len: u8,
    /// Gateway (unspecified for directly connected networks).
    pub gateway: IpAddr,
    /// `RTF_*` flags.
    pub flags: u32,
    /// Metric.
    pub metric: u32,
}

/// One ARP neighbour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Neighbour {
    /// IP address.
    pub ip: IpAddr,
    /// Hardware address.
    pub mac: String,
    /// ATF flags (0x2 complete, 0x4 permanent).
    pub flags: u32,
    /// Interface.
    pub iface: String,
}

fn v4(hex: &str) -> Option<Ipv4Addr> {
    let w = u32::from_str_radix(hex, 16).ok()?;
    (hex.len() == 8).then(|| Ipv4Addr::from(w.to_ne_bytes()))
}

/// Parses `/proc/net/route` (IPv4; addresses in host byte order).
pub fn parse_route(data: &[u8]) -> Result<Vec<Route>, ParseError> {
    let what = "/proc/net/route";
    let text = std::str::from_utf8(data).map_err(|_| ParseError::malformed(what, "not text"))?;
    let mut lines = text.lines();
    if !lines.next().is_some_and(|h| h.starts_with("Iface")) {
        return Err(ParseError::malformed(what, "no header line"));
    }
    let mut out = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_ascii_whitespace().collect();
        if f.len() < 8 {
            return Err(ParseError::Truncated {
                what,
                need: 8,
                have: f.len(),
            });
        }
        let bad = |why: &str| ParseError::malformed(what, why.to_string());
        let mask = v4(f[7]).ok_or_else(|| bad("mask"))?;
        out.push(Route {
            iface: f[0].to_string(),
            destination: IpAddr::V4(v4(f[1]).ok_or_else(|| bad("destination"))?),
            gateway: IpAddr::V4(v4(f[2]).ok_or_else(|| bad("gateway"))?),
            flags: u32::from_str_radix(f[3], 16).map_err(|_| bad("flags"))?,
            metric: f[6].parse().map_err(|_| bad("metric"))?,
            prefix_len: u32::from(mask).count_ones() as u8,
        });
    }
    Ok(out)
}

fn v6(hex: &str) -> Option<Ipv6Addr> {
    if hex.len() != 32 {
        return None;
    }
    u128::from_str_radix(hex, 16).ok().map(Ipv6Addr::from)
}

/// Parses `/proc/net/ipv6_route` (no header; addresses in network order).
pub fn parse_ipv6_route(data: &[u8]) -> Result<Vec<Route>, ParseError> {
    let what = "/proc/net/ipv6_route";
    let text = std::str::from_utf8(data).map_err(|_| ParseError::malformed(what, "not text"))?;
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_ascii_whitespace().collect();
        if f.len() < 10 {
            return Err(ParseError::Truncated {
                what,
                need: 10,
                have: f.len(),
            });
        }
        let bad = |why: &str| ParseError::malformed(what, why.to_string());
        out.push(Route {
            destination: IpAddr::V6(v6(f[0]).ok_or_else(|| bad("destination"))?),
            prefix_len: u8::from_str_radix(f[1], 16).map_err(|_| bad("prefix"))?,
            gateway: IpAddr::V6(v6(f[4]).ok_or_else(|| bad("next hop"))?),
            metric: u32::from_str_radix(f[5], 16).map_err(|_| bad("metric"))?,
            flags: u32::from_str_radix(f[8], 16).map_err(|_| bad("flags"))?,
            iface: f[9].to_string(),
        });
    }
    Ok(out)
}

/// Parses `/proc/net/arp`.
pub fn parse_arp(data: &[u8]) -> Result<Vec<Neighbour>, ParseError> {
    let what = "/proc/net/arp";
    let text = std::str::from_utf8(data).map_err(|_| ParseError::malformed(what, "not text"))?;
    let mut lines = text.lines();
    if !lines.next().is_some_and(|h| h.starts_with("IP address")) {
        return Err(ParseError::malformed(what, "no header line"));
    }
    let mut out = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_ascii_whitespace().collect();
        if f.len() < 6 {
            return Err(ParseError::Truncated {
                what,
                need: 6,
                have: f.len(),
            });
        }
        let bad = |why: &str| ParseError::malformed(what, why.to_string());
        out.push(Neighbour {
            ip: f[0].parse().map_err(|_| bad("IP address"))?,
            flags: u32::from_str_radix(f[2].trim_start_matches("0x"), 16)
                .map_err(|_| bad("flags"))?,
            mac: f[3].to_string(),
            iface: f[5].to_string(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUTE: &[u8] =
        b"Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n\
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";
    const V6: &[u8] = b"fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n\
00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth0\n";
    const ARP: &[u8] =
        b"IP address       HW type     Flags       HW address            Mask     Device\n\
192.0.2.1        0x1         0x2         02:fc:00:00:00:05     *        eth0\n";

    #[cfg(target_endian = "little")]
    #[test]
    fn parses_routes_and_arp() {
        let r = parse_route(ROUTE).expect("route");
        assert_eq!(r[0].gateway.to_string(), "192.0.2.1");
        assert_eq!(r[0].prefix_len, 0);
        assert_eq!(r[1].destination.to_string(), "192.0.2.0");
        assert_eq!(r[1].prefix_len, 24);
        let r6 = parse_ipv6_route(V6).expect("v6");
        assert_eq!(r6[0].destination.to_string(), "fd00::");
        assert_eq!(r6[0].prefix_len, 64);
        assert_eq!(r6[1].gateway.to_string(), "fd00::1");
        let a = parse_arp(ARP).expect("arp");
        assert_eq!(a[0].mac, "02:fc:00:00:00:05");
        assert_eq!(a[0].iface, "eth0");
    }

    #[test]
    fn truncated_and_garbage_are_errors() {
        assert!(parse_route(&ROUTE[..100]).is_err());
        assert!(parse_route(b"").is_err());
        assert!(parse_route(b"\xff").is_err());
        assert!(parse_ipv6_route(&V6[..50]).is_err());
        assert!(parse_ipv6_route(b"zz 40 zz 00 zz 0 0 0 0 eth0\n").is_err());
        assert!(parse_arp(&ARP[..100]).is_err());
        assert!(parse_arp(b"IP address\nnot-an-ip 0x1 0x2 aa * eth0\n").is_err());
        assert!(parse_arp(b"").is_err());
    }
}
