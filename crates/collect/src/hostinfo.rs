//! Host identity for the chain-of-custody record: hostname, machine-id, boot id, addresses.
//!
//! A bundle must say unambiguously which machine (machine-id), which boot of it (boot id: the
//! deleted files recovered from /proc exist only in this boot) and which network identity it
//! came from. Hostname and machine-id come from the root's own files (on an image they describe
//! the image); the boot id, kernel and addresses come from the live kernel and are left empty
//! on an image. Addresses are parsed from `/proc/net/fib_trie` (local IPv4) and
//! `/proc/net/if_inet6`, not from `ip addr`.

use std::net::Ipv6Addr;

use huoyan_core::{ProcFs, Root};
use serde::{Deserialize, Serialize};

/// Who the host is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostIdentity {
    /// Hostname (kernel's on a live host, /etc/hostname on an image).
    pub hostname: String,
    /// /etc/machine-id of the root.
    pub machine_id: Option<String>,
    /// /proc/sys/kernel/random/boot_id (live only).
    pub boot_id: Option<String>,
    /// Kernel release (live only).
    pub kernel: Option<String>,
    /// Local addresses with their interface (IPv6) (live only).
    pub addresses: Vec<String>,
}

impl HostIdentity {
    /// Reads the identity of `root` (and of the live kernel when `proc_fs` is given).
    pub fn read(root: &Root, proc_fs: Option<&ProcFs>) -> Self {
        let first_line = |data: Vec<u8>| {
            let text = huoyan_core::text::bytes_to_string(&data);
            text.lines().next().unwrap_or("").trim().to_string()
        };
        let file_hostname = root
            .read_capped("/etc/hostname", 4096)
            .ok()
            .map(|c| first_line(c.data))
            .filter(|s| !s.is_empty());
        let machine_id = root
            .read_capped("/etc/machine-id", 4096)
            .ok()
            .map(|c| first_line(c.data))
            .filter(|s| !s.is_empty());
        let mut id = HostIdentity {
            hostname: file_hostname.unwrap_or_default(),
            machine_id,
            ..Default::default()
        };
        if let Some(proc_fs) = proc_fs {
            let uname = rustix::system::uname();
            id.hostname = huoyan_core::text::bytes_to_string(uname.nodename().to_bytes());
            id.kernel = Some(huoyan_core::text::bytes_to_string(
                uname.release().to_bytes(),
            ));
            id.boot_id = proc_fs
                .read("sys/kernel/random/boot_id")
                .ok()
                .map(first_line);
            if let Ok(data) = proc_fs.read("net/fib_trie") {
                id.addresses.extend(parse_fib_trie_local(&data));
            }
            if let Ok(data) = proc_fs.read("net/if_inet6") {
                id.addresses.extend(
                    parse_if_inet6(&data)
                        .into_iter()
                        .map(|(a, ifname)| format!("{a}%{ifname}")),
                );
            }
        }
        if id.hostname.is_empty() {
            id.hostname = "unknown-host".into();
        }
        id
    }
}

/// Local IPv4 addresses (`/32 host LOCAL` leaves) from `/proc/net/fib_trie`, deduplicated.
pub fn parse_fib_trie_local(data: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(data);
    let mut out: Vec<String> = Vec::new();
    let mut last_leaf: Option<&str> = None;
    for line in text.lines() {
        let t = line.trim();
        if let Some(ip) = t.strip_prefix("|-- ") {
            last_leaf = Some(ip.trim());
        } else if t.starts_with("/32 host LOCAL") {
            if let Some(ip) = last_leaf {
                if ip.parse::<std::net::Ipv4Addr>().is_ok() && !out.iter().any(|o| o == ip) {
                    out.push(ip.to_string());
                }
            }
        }
    }
    out
}

/// IPv6 addresses and interface names from `/proc/net/if_inet6`.
pub fn parse_if_inet6(data: &[u8]) -> Vec<(Ipv6Addr, String)> {
    let text = String::from_utf8_lossy(data);
    let mut out = Vec::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (Some(hex), Some(name)) = (fields.first(), fields.last()) else {
            continue;
        };
        if hex.len() != 32 || fields.len() < 6 {
            continue;
        }
        let Ok(value) = u128::from_str_radix(hex, 16) else {
            continue;
        };
        out.push((
            Ipv6Addr::from(value),
            huoyan_core::text::sanitize(name).into_owned(),
        ));
    }
    out
}

/// A hostname reduced to characters safe in a file name (`[A-Za-z0-9._-]`).
pub fn file_safe(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    let s = s.trim_start_matches('.').to_string();
    if s.is_empty() {
        "host".into()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIB: &[u8] =
        b"Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 0.0.0.0\n        /0 universe UNICAST\n\
     +-- 127.0.0.0/8 2 0 2\n        +-- 127.0.0.0/31 1 0 0\n           |-- 127.0.0.0\n\
              /8 host LOCAL\n           |-- 127.0.0.1\n              /32 host LOCAL\n\
        |-- 10.0.2.15\n           /32 host LOCAL\n        |-- 10.0.2.255\n\
           /32 link BROADCAST\nLocal:\n        |-- 10.0.2.15\n           /32 host LOCAL\n";

    #[test]
    fn fib_trie_local_addresses() {
        assert_eq!(parse_fib_trie_local(FIB), vec!["127.0.0.1", "10.0.2.15"]);
        assert!(parse_fib_trie_local(b"|-- junk\n/32 host LOCAL\n").is_empty());
    }

    #[test]
    fn if_inet6_lines() {
        let data = b"00000000000000000000000000000001 01 80 10 80       lo\n\
fe800000000000005054fffe123456 02 40 20 80 eth0\nshort\n";
        let got = parse_if_inet6(data);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, Ipv6Addr::LOCALHOST);
        assert_eq!(got[0].1, "lo");
    }

    #[test]
    fn file_safe_names() {
        assert_eq!(file_safe("web-01.example"), "web-01.example");
        assert_eq!(file_safe("../../x y"), "_.._x_y");
        assert_eq!(file_safe(""), "host");
    }
}
