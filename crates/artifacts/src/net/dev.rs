//! Interfaces: `/proc/net/dev` (names and traffic counters) and `/sys/class/net/NAME/flags`
//! (`IFF_*` bits).
//!
//! An interface in promiscuous mode (`IFF_PROMISC`) is capturing every frame on the wire: a
//! sniffer harvesting credentials, or a passive backdoor. Unknown tunnels (`tun0`, `gre1`) and
//! bridges are the infrastructure of lateral movement and exfiltration.

use serde::Serialize;

use crate::ParseError;

/// Traffic counters of one interface (`/proc/net/dev`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DevCounters {
    /// Interface name.
    pub name: String,
    /// Bytes received.
    pub rx_bytes: u64,
    /// Packets received.
    pub rx_packets: u64,
    /// Bytes sent.
    pub tx_bytes: u64,
    /// Packets sent.
    pub tx_packets: u64,
}

/// Parses `/proc/net/dev` (two header lines, then `name: 16 counters`).
pub fn parse_dev(data: &[u8]) -> Result<Vec<DevCounters>, ParseError> {
    let what = "/proc/net/dev";
    let text = std::str::from_utf8(data).map_err(|_| ParseError::malformed(what, "not text"))?;
    let mut lines = text.lines();
    match (lines.next(), lines.next()) {
        (Some(a), Some(b)) if a.contains('|') && b.contains('|') => {}
        _ => return Err(ParseError::malformed(what, "missing the two header lines")),
    }
    let mut out = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let (name, counters) = line
            .split_once(':')
            .ok_or_else(|| ParseError::malformed(what, "no ':' after the interface name"))?;
        let nums: Vec<u64> = counters
            .split_ascii_whitespace()
            .map(|s| s.parse::<u64>())
            .collect::<Result<_, _>>()
            .map_err(|_| ParseError::malformed(what, "counter is not a number"))?;
        if nums.len() < 16 {
            return Err(ParseError::Truncated {
                what,
                need: 16,
                have: nums.len(),
            });
        }
        out.push(DevCounters {
            name: name.trim().to_string(),
            rx_bytes: nums[0],
            rx_packets: nums[1],
            tx_bytes: nums[8],
            tx_packets: nums[9],
        });
    }
    Ok(out)
}

/// Parses the hexadecimal `flags` file of sysfs (`0x1103`).
pub fn parse_flags_file(data: &[u8]) -> Result<u32, ParseError> {
    let what = "/sys/class/net/*/flags";
    let text = std::str::from_utf8(data).map_err(|_| ParseError::malformed(what, "not text"))?;
    let t = text.trim();
    let hex = t
        .strip_prefix("0x")
        .ok_or_else(|| ParseError::malformed(what, "no 0x prefix"))?;
    u32::from_str_radix(hex, 16).map_err(|_| ParseError::malformed(what, "not hexadecimal"))
}

const FLAG_NAMES: &[(u32, &str)] = &[
    (0x1, "UP"),
    (0x2, "BROADCAST"),
    (0x4, "DEBUG"),
    (0x8, "LOOPBACK"),
    (0x10, "POINTOPOINT"),
    (0x20, "NOTRAILERS"),
    (0x40, "RUNNING"),
    (0x80, "NOARP"),
    (0x100, "PROMISC"),
    (0x200, "ALLMULTI"),
    (0x400, "MASTER"),
    (0x800, "SLAVE"),
    (0x1000, "MULTICAST"),
    (0x2000, "PORTSEL"),
    (0x4000, "AUTOMEDIA"),
    (0x8000, "DYNAMIC"),
];

/// `IFF_PROMISC`.
pub const IFF_PROMISC: u32 = 0x100;

/// Names of the set `IFF_*` bits, in bit order.
pub fn flag_names(flags: u32) -> Vec<&'static str> {
    FLAG_NAMES
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, n)| *n)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEV: &[u8] = b"Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0\n  eth0: 178873226    8241    0    0    0     0          0         0   517048    5459    0    0    0     0       0          0\n";

    #[test]
    fn parses_dev_and_flags() {
        let v = parse_dev(DEV).expect("dev");
        assert_eq!(v.len(), 2);
        assert_eq!(v[1].name, "eth0");
        assert_eq!(v[1].rx_bytes, 178_873_226);
        assert_eq!(v[1].tx_packets, 5459);
        let f = parse_flags_file(b"0x1103\n").expect("flags");
        assert_eq!(
            flag_names(f),
            vec!["UP", "BROADCAST", "PROMISC", "MULTICAST"]
        );
    }

    #[test]
    fn truncated_and_garbage_are_errors() {
        assert!(parse_dev(&DEV[..250]).is_err());
        assert!(parse_dev(b"").is_err());
        assert!(parse_dev(b"\xff\xfe").is_err());
        assert!(parse_flags_file(b"1103").is_err());
        assert!(parse_flags_file(b"0xzz").is_err());
        assert!(parse_flags_file(b"\xff").is_err());
    }
}
