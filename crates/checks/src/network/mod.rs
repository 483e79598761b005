//! Checks of the `network` area: connections, listeners, sniffers of the live host, from the
//! shared scene (see [`crate::Context::scene`]).

use std::net::IpAddr;

use huoyan_snapshot::collect::Scene;

use crate::Check;

mod listener;
mod outbound;
mod packet_socket;
mod promiscuous;

/// Every check of this area.
pub static ALL: &[&dyn Check] = &[
    &outbound::UnusualOutbound,
    &listener::UnexpectedListener,
    &promiscuous::PromiscuousInterface,
    &packet_socket::PacketSniffer,
];

/// True for addresses on the public internet (not loopback, private, link-local, CGNAT,
/// documentation-free multicast …). Documentation ranges count as public: tests and examples
/// use them for "the attacker".
pub(crate) fn is_public(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || (o[0] == 100 && (64..128).contains(&o[1])))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(&IpAddr::V4(v4));
            }
            let seg = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00
                || (seg[0] & 0xffc0) == 0xfe80)
        }
    }
}

/// Name and command line of a pid in the scene.
pub(crate) fn describe(scene: &Scene, pid: u32) -> (String, String, String) {
    scene
        .processes
        .iter()
        .find(|p| p.pid == pid)
        .map(|p| (p.comm.clone(), p.command(), p.user_label()))
        .unwrap_or_else(|| ("?".into(), "?".into(), "?".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_addresses() {
        assert!(is_public(&"203.0.113.7".parse().expect("ip")));
        assert!(!is_public(&"10.1.2.3".parse().expect("ip")));
        assert!(!is_public(&"127.0.0.1".parse().expect("ip")));
        assert!(!is_public(&"100.64.0.1".parse().expect("ip")));
        assert!(!is_public(&"fe80::1".parse().expect("ip")));
        assert!(is_public(&"2001:db8::1".parse().expect("ip")));
        assert!(!is_public(&"::ffff:192.168.1.1".parse().expect("ip")));
    }
}
