//! DNS resolvers from the root's `/etc/resolv.conf`, for `--allow-dns`.
//!
//! A contained server sometimes still needs name resolution (to upload evidence to a host name,
//! to reach a package mirror for a fix). Only the resolvers the host is configured with are let
//! through, and only outbound to port 53.

use std::net::IpAddr;

use huoyan_core::Root;

/// The `nameserver` addresses of a resolv.conf (scope suffixes like `%eth0` dropped).
pub fn parse_resolv_conf(data: &[u8]) -> Vec<IpAddr> {
    let text = String::from_utf8_lossy(data);
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let mut words = line.split_whitespace();
        if words.next() != Some("nameserver") {
            continue;
        }
        let Some(addr) = words.next() else { continue };
        let addr = addr.split('%').next().unwrap_or(addr);
        if let Ok(ip) = addr.parse::<IpAddr>() {
            if !out.contains(&ip) {
                out.push(ip);
            }
        }
    }
    out
}

/// The resolvers of `root` (empty when resolv.conf is missing or unreadable).
pub fn resolvers(root: &Root) -> Result<Vec<IpAddr>, huoyan_core::RootError> {
    Ok(parse_resolv_conf(&root.read("/etc/resolv.conf")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nameservers() {
        let conf = b"# generated\nsearch example.org\nnameserver 10.9.0.53\nnameserver fe80::1%eth0\n; x\nnameserver bogus\nnameserver 10.9.0.53\noptions edns0\n";
        let ns = parse_resolv_conf(conf);
        assert_eq!(ns.len(), 2);
        assert_eq!(ns[0].to_string(), "10.9.0.53");
        assert_eq!(ns[1].to_string(), "fe80::1");
        assert!(parse_resolv_conf(b"\xff\x00nameserver").is_empty());
    }
}
