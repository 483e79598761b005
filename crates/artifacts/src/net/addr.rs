//! Interface addresses: `/proc/net/if_inet6` for IPv6 and an `RTM_GETADDR` netlink dump for both
//! families (the kernel has no /proc file listing IPv4 addresses per interface).
//!
//! A responder needs the host's own addresses to tell inbound from outbound connections and to
//! spot an address an attacker added (a secondary IP for a covert listener). The netlink dump is
//! live-only, like /proc; its reply bytes are parsed by the pure [`parse_netlink_dump`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use crate::ParseError;

/// One address of an interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IfAddr {
    /// Interface index.
    pub ifindex: u32,
    /// Interface name, where the source gives it (`if_inet6`, `IFA_LABEL`).
    pub iface: Option<String>,
    /// The address.
    pub ip: IpAddr,
    /// Prefix length.
    pub prefix_len: u8,
    /// Scope (0 global, 253 link, 254 host).
    pub scope: u8,
}

/// Parses `/proc/net/if_inet6`: `ADDR IFINDEX PREFIX SCOPE FLAGS NAME`, all hex.
pub fn parse_if_inet6(data: &[u8]) -> Result<Vec<IfAddr>, ParseError> {
    let what = "/proc/net/if_inet6";
    let text = std::str::from_utf8(data).map_err(|_| ParseError::malformed(what, "not text"))?;
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_ascii_whitespace().collect();
        if f.len() < 6 {
            return Err(ParseError::Truncated {
                what,
                need: 6,
                have: f.len(),
            });
        }
        let bad = |why: &str| ParseError::malformed(what, why.to_string());
        if f[0].len() != 32 {
            return Err(bad("address is not 32 hex digits"));
        }
        let ip = u128::from_str_radix(f[0], 16).map_err(|_| bad("address"))?;
        out.push(IfAddr {
            ip: IpAddr::V6(Ipv6Addr::from(ip)),
            ifindex: u32::from_str_radix(f[1], 16).map_err(|_| bad("index"))?,
            prefix_len: u8::from_str_radix(f[2], 16).map_err(|_| bad("prefix"))?,
            scope: u8::from_str_radix(f[3], 16).map_err(|_| bad("scope"))?,
            iface: Some(f[5].to_string()),
        });
    }
    Ok(out)
}

const RTM_NEWADDR: u16 = 20;
const RTM_GETADDR: u16 = 22;
/// Size of `struct ifaddrmsg`.
const IFADDRMSG: usize = 8;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_LABEL: u16 = 3;
/// Addresses kept from one dump at most.
const MAX_ADDRESSES: usize = 65_536;

/// Parses the bytes of one or more `RTM_NEWADDR` messages. Returns the addresses and whether the
/// dump is complete (an `NLMSG_DONE` was seen).
pub fn parse_netlink_dump(data: &[u8]) -> Result<(Vec<IfAddr>, bool), ParseError> {
    let what = "netlink RTM_GETADDR reply";
    let mut out = Vec::new();
    let done = super::netlink::walk_messages(data, what, |kind, msg| {
        if kind != RTM_NEWADDR {
            return Ok(());
        }
        if msg.len() < IFADDRMSG {
            return Err(ParseError::Truncated {
                what,
                need: IFADDRMSG,
                have: msg.len(),
            });
        }
        let family = msg[0];
        let prefix_len = msg[1];
        let scope = msg[3];
        let ifindex = super::netlink::u32_at(msg, 4).unwrap_or(0);
        let (mut address, mut local, mut label) = (None, None, None);
        super::netlink::walk_attributes(msg, IFADDRMSG, what, |akind, payload| {
            let ip = match (family, payload.len()) {
                (2, 4) => Some(IpAddr::V4(Ipv4Addr::new(
                    payload[0], payload[1], payload[2], payload[3],
                ))),
                (10, 16) => {
                    let mut o = [0u8; 16];
                    o.copy_from_slice(payload);
                    Some(IpAddr::V6(Ipv6Addr::from(o)))
                }
                _ => None,
            };
            match akind {
                IFA_ADDRESS => address = ip,
                IFA_LOCAL => local = ip,
                IFA_LABEL => {
                    let end = memchr::memchr(0, payload).unwrap_or(payload.len());
                    label = Some(huoyan_core::text::bytes_to_string(&payload[..end]));
                }
                _ => {}
            }
        })?;
        // For point-to-point links IFA_LOCAL is ours and IFA_ADDRESS the peer.
        if let Some(ip) = local.or(address) {
            out.push(IfAddr {
                ifindex,
                iface: label,
                ip,
                prefix_len,
                scope,
            });
        }
        Ok(())
    })?;
    Ok((out, done))
}

/// Asks the kernel for every address over a route netlink socket (live host only).
pub fn dump_addresses() -> std::io::Result<Vec<IfAddr>> {
    super::netlink::dump(RTM_GETADDR, IFADDRMSG, MAX_ADDRESSES, parse_netlink_dump)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::netlink::{NLMSG_DONE, NLMSG_HDR};

    const INET6: &[u8] = b"00000000000000000000000000000001 01 80 10 80       lo\n\
fe8000000000000000fc00fffe000001 04 40 20 80     eth0\n";

    fn newaddr(family: u8, prefix: u8, index: u32, ip: &[u8], label: &str) -> Vec<u8> {
        let mut attrs = Vec::new();
        let push = |attrs: &mut Vec<u8>, kind: u16, payload: &[u8]| {
            attrs.extend_from_slice(&((4 + payload.len()) as u16).to_ne_bytes());
            attrs.extend_from_slice(&kind.to_ne_bytes());
            attrs.extend_from_slice(payload);
            while !attrs.len().is_multiple_of(4) {
                attrs.push(0);
            }
        };
        push(&mut attrs, IFA_ADDRESS, ip);
        push(&mut attrs, IFA_LOCAL, ip);
        let mut l = label.as_bytes().to_vec();
        l.push(0);
        push(&mut attrs, IFA_LABEL, &l);
        let mut m = Vec::new();
        let len = (NLMSG_HDR + 8 + attrs.len()) as u32;
        m.extend_from_slice(&len.to_ne_bytes());
        m.extend_from_slice(&RTM_NEWADDR.to_ne_bytes());
        m.extend_from_slice(&[0u8; 10]);
        m.extend_from_slice(&[family, prefix, 0, 0]);
        m.extend_from_slice(&index.to_ne_bytes());
        m.extend_from_slice(&attrs);
        m
    }

    #[test]
    fn parses_if_inet6() {
        let v = parse_if_inet6(INET6).expect("if_inet6");
        assert_eq!(v[0].ip.to_string(), "::1");
        assert_eq!(v[0].prefix_len, 128);
        assert_eq!(v[1].iface.as_deref(), Some("eth0"));
        assert_eq!(v[1].scope, 0x20);
        assert!(parse_if_inet6(&INET6[..40]).is_err());
        assert!(parse_if_inet6(b"zz 01 80 10 80 lo\n").is_err());
        assert!(parse_if_inet6(b"\xff").is_err());
    }

    #[test]
    fn parses_netlink_messages() {
        let mut dump = newaddr(2, 24, 2, &[192, 0, 2, 10], "eth0");
        dump.extend(newaddr(2, 8, 1, &[127, 0, 0, 1], "lo"));
        let mut done = vec![0u8; 20];
        done[0..4].copy_from_slice(&20u32.to_ne_bytes());
        done[4..6].copy_from_slice(&NLMSG_DONE.to_ne_bytes());
        dump.extend(done);
        let (v, complete) = parse_netlink_dump(&dump).expect("dump");
        assert!(complete);
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].ip.to_string(), "192.0.2.10");
        assert_eq!(v[0].iface.as_deref(), Some("eth0"));
        assert_eq!(v[0].prefix_len, 24);
        // Truncated and garbage.
        assert!(parse_netlink_dump(&dump[..30]).is_err());
        let mut bad = newaddr(2, 24, 2, &[1, 2, 3, 4], "x");
        bad[24] = 0xff; // first attribute length now overruns
        assert!(parse_netlink_dump(&bad).is_err());
        assert_eq!(parse_netlink_dump(b"\x01\x02").map(|r| r.0.len()), Ok(0));
    }

    #[test]
    fn live_dump_has_loopback() {
        if let Ok(v) = dump_addresses() {
            assert!(v.iter().any(|a| a.ip.is_loopback()));
        }
    }
}
