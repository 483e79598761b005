//! What stays reachable during containment: `--allow ADDR[/PREFIX][:PORT]`, the caller's SSH
//! peer, DNS resolvers.
//!
//! A containment that also cuts the responder off a remote server makes the incident worse, so
//! every exception is explicit and carries the reason it exists (shown in the ruleset as a
//! comment and in the journal). Addresses are normalised (host bits cleared, IPv4-mapped IPv6
//! turned into IPv4) so that `10.0.0.7/24` and `::ffff:10.0.0.7` mean what a responder expects.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use crate::error::{ContainError, Result};

/// An address with a prefix length (host bits cleared).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Net {
    /// Network address.
    pub addr: IpAddr,
    /// Prefix length (32 or 128 for a single host).
    pub prefix: u8,
}

impl Net {
    /// A network, with `addr` masked to `prefix` (clamped to the family's width).
    pub fn new(addr: IpAddr, prefix: u8) -> Self {
        let addr = unmap(addr);
        let prefix = prefix.min(width(addr));
        let mut bytes = ip_bytes(addr);
        let mask = prefix_mask(prefix, bytes.len());
        for (b, m) in bytes.iter_mut().zip(mask) {
            *b &= m;
        }
        Net {
            addr: bytes_to_ip(&bytes).unwrap_or(addr),
            prefix,
        }
    }

    /// A single host.
    pub fn host(addr: IpAddr) -> Self {
        let addr = unmap(addr);
        Net::new(addr, width(addr))
    }

    /// True for IPv4.
    pub fn is_v4(&self) -> bool {
        self.addr.is_ipv4()
    }

    /// True when this is a single address.
    pub fn is_host(&self) -> bool {
        self.prefix == width(self.addr)
    }

    /// Whether `ip` lies inside.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = unmap(ip);
        if ip.is_ipv4() != self.addr.is_ipv4() {
            return false;
        }
        Net::new(ip, self.prefix).addr == self.addr
    }

    /// The address bytes (4 or 16).
    pub fn bytes(&self) -> Vec<u8> {
        ip_bytes(self.addr)
    }

    /// The prefix as a byte mask (4 or 16 bytes).
    pub fn mask(&self) -> Vec<u8> {
        prefix_mask(self.prefix, self.bytes().len())
    }
}

impl fmt::Display for Net {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_host() {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.prefix)
        }
    }
}

/// Which way an exception works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Either side may open connections (the `--allow` semantics).
    Both,
    /// Only this host may open connections to the peer (DNS resolvers).
    Outbound,
}

/// One exception to the isolation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allowance {
    /// Peer address or network.
    pub net: Net,
    /// With a port: only traffic where one side uses this TCP/UDP port.
    pub port: Option<u16>,
    /// Who may open connections.
    pub direction: Direction,
    /// Why it exists (shown as the rule comment).
    pub reason: String,
}

impl Allowance {
    /// Parses `ADDR`, `ADDR/PREFIX`, `ADDR:PORT`, `ADDR/PREFIX:PORT`, `IPV6`, `IPV6/PREFIX`,
    /// `[IPV6]:PORT` or `[IPV6/PREFIX]:PORT`.
    pub fn parse(value: &str) -> Result<Self> {
        let bad = |reason: &str| ContainError::BadAllow {
            value: value.to_string(),
            reason: reason.to_string(),
        };
        let s = value.trim();
        let (net_part, port) = if let Some(rest) = s.strip_prefix('[') {
            let (inside, after) = rest.split_once(']').ok_or_else(|| bad("missing ']'"))?;
            let port = match after {
                "" => None,
                p => Some(
                    parse_port(
                        p.strip_prefix(':')
                            .ok_or_else(|| bad("expected ':' after ']'"))?,
                    )
                    .ok_or_else(|| bad("bad port"))?,
                ),
            };
            (inside, port)
        } else if s.matches(':').count() == 1 {
            let (a, p) = s.split_once(':').ok_or_else(|| bad("bad port"))?;
            (a, Some(parse_port(p).ok_or_else(|| bad("bad port"))?))
        } else {
            (s, None)
        };
        let (addr_s, prefix) = match net_part.split_once('/') {
            Some((a, p)) => (
                a,
                Some(p.parse::<u8>().map_err(|_| bad("bad prefix length"))?),
            ),
            None => (net_part, None),
        };
        let addr: IpAddr = addr_s.parse().map_err(|_| bad("not an IP address"))?;
        let addr = unmap(addr);
        let prefix = prefix.unwrap_or(width(addr));
        if prefix > width(addr) {
            return Err(bad("prefix longer than the address"));
        }
        Ok(Allowance {
            net: Net::new(addr, prefix),
            port,
            direction: Direction::Both,
            reason: format!("--allow {s}"),
        })
    }

    /// Display form `NET` or `NET:PORT` (`[v6]:PORT`).
    pub fn endpoint(&self) -> String {
        match (self.port, self.net.is_v4()) {
            (None, _) => self.net.to_string(),
            (Some(p), true) => format!("{}:{p}", self.net),
            (Some(p), false) => format!("[{}]:{p}", self.net),
        }
    }
}

fn parse_port(s: &str) -> Option<u16> {
    s.parse::<u16>().ok().filter(|&p| p != 0)
}

/// All exceptions of one containment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// The exceptions, in the order given.
    pub allowances: Vec<Allowance>,
}

impl Policy {
    /// Adds an exception unless an identical one exists.
    pub fn add(&mut self, allowance: Allowance) {
        if !self.allowances.iter().any(|a| {
            a.net == allowance.net && a.port == allowance.port && a.direction == allowance.direction
        }) {
            self.allowances.push(allowance);
        }
    }

    /// True when some exception lets every address through (nothing would be contained).
    pub fn allows_everything(&self) -> Option<&Allowance> {
        self.allowances
            .iter()
            .find(|a| a.net.prefix == 0 && a.port.is_none() && a.direction == Direction::Both)
    }

    /// True when any exception is IPv6 (neighbour discovery must then pass).
    pub fn has_v6(&self) -> bool {
        self.allowances.iter().any(|a| !a.net.is_v4())
    }
}

/// IPv4-mapped IPv6 (`::ffff:a.b.c.d`, as /proc/net/tcp6 shows IPv4 peers) becomes IPv4.
pub fn unmap(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

fn width(addr: IpAddr) -> u8 {
    if addr.is_ipv4() {
        32
    } else {
        128
    }
}

fn ip_bytes(addr: IpAddr) -> Vec<u8> {
    match addr {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

fn bytes_to_ip(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => Some(IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(bytes).ok()?))),
        16 => Some(IpAddr::V6(Ipv6Addr::from(
            <[u8; 16]>::try_from(bytes).ok()?,
        ))),
        _ => None,
    }
}

fn prefix_mask(prefix: u8, len: usize) -> Vec<u8> {
    let mut left = usize::from(prefix);
    (0..len)
        .map(|_| {
            let bits = left.min(8);
            left -= bits;
            if bits == 0 {
                0
            } else {
                0xffu8 << (8 - bits)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        let a = Allowance::parse("10.0.0.7").unwrap();
        assert_eq!(a.net.to_string(), "10.0.0.7");
        assert_eq!(a.port, None);
        let a = Allowance::parse("10.0.0.7/24").unwrap();
        assert_eq!(a.net.to_string(), "10.0.0.0/24");
        let a = Allowance::parse("10.0.0.7:22").unwrap();
        assert_eq!((a.net.to_string(), a.port), ("10.0.0.7".into(), Some(22)));
        let a = Allowance::parse("10.1.0.0/16:443").unwrap();
        assert_eq!(a.endpoint(), "10.1.0.0/16:443");
        let a = Allowance::parse("fd00::5").unwrap();
        assert!(!a.net.is_v4());
        let a = Allowance::parse("fd00::/64").unwrap();
        assert_eq!(a.net.prefix, 64);
        let a = Allowance::parse("[fd00::5]:2222").unwrap();
        assert_eq!(a.endpoint(), "[fd00::5]:2222");
        let a = Allowance::parse("::ffff:192.0.2.1").unwrap();
        assert_eq!(a.net.to_string(), "192.0.2.1");
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "x",
            "10.0.0.1:0",
            "10.0.0.1:99999",
            "10.0.0.1/33",
            "[fd00::1",
            "[fd00::1]x",
            "10.0.0.1/",
            "1.2.3.4:5:6x",
            "\u{1b}[31m",
        ] {
            assert!(Allowance::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn contains_respects_prefix_and_family() {
        let n = Net::new("10.0.0.0".parse().unwrap(), 8);
        assert!(n.contains("10.200.1.1".parse().unwrap()));
        assert!(!n.contains("11.0.0.1".parse().unwrap()));
        assert!(n.contains("::ffff:10.0.0.1".parse().unwrap()));
        assert!(!n.contains("fd00::1".parse().unwrap()));
        let n = Net::new("fd00:1:2:3::9".parse().unwrap(), 60);
        assert_eq!(n.to_string(), "fd00:1:2::/60");
        assert_eq!(n.mask()[7], 0xf0);
    }

    #[test]
    fn everything_is_detected() {
        let mut p = Policy::default();
        p.add(Allowance::parse("10.0.0.1").unwrap());
        assert!(p.allows_everything().is_none());
        p.add(Allowance::parse("0.0.0.0/0").unwrap());
        assert!(p.allows_everything().is_some());
        p.add(Allowance::parse("10.0.0.1").unwrap());
        assert_eq!(p.allowances.len(), 2);
    }
}
