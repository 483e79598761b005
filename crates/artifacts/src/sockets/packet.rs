//! `/proc/net/packet`: AF_PACKET sockets, i.e. raw link-layer capture.
//!
//! A packet socket sees every frame on an interface: sniffers (tcpdump), but also passive
//! backdoors that wait for a magic packet (BPFDoor and its kin) without any listening port.
//! Columns: kernel address, refcount, type (3 raw, 2 dgram), protocol (ethertype, `0003` = all),
//! interface index, running flag, receive memory, owner uid, inode.

use serde::Serialize;

use crate::ParseError;

/// One packet socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PacketSocket {
    /// Socket type (3 = SOCK_RAW, 2 = SOCK_DGRAM).
    pub sock_type: u32,
    /// Ethertype it listens for (`0x0003` = every protocol).
    pub protocol: u16,
    /// Interface index (0 = all interfaces).
    pub ifindex: u32,
    /// Receive buffer memory in use.
    pub rmem: u64,
    /// Owner uid.
    pub uid: u32,
    /// Socket inode.
    pub inode: u64,
}

/// Parses `/proc/net/packet`.
pub fn parse(data: &[u8]) -> Result<Vec<PacketSocket>, ParseError> {
    let what = "/proc/net/packet";
    let text = std::str::from_utf8(data).map_err(|_| ParseError::malformed(what, "not text"))?;
    let mut lines = text.lines();
    let header = lines
        .next()
        .ok_or_else(|| ParseError::malformed(what, "empty"))?;
    if !header.starts_with("sk") {
        return Err(ParseError::malformed(what, "no header line"));
    }
    let mut out = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_ascii_whitespace().collect();
        if f.len() < 9 {
            return Err(ParseError::Truncated {
                what,
                need: 9,
                have: f.len(),
            });
        }
        let bad = |why: &str| ParseError::malformed(what, why.to_string());
        out.push(PacketSocket {
            sock_type: f[2].parse().map_err(|_| bad("type"))?,
            protocol: u16::from_str_radix(f[3], 16).map_err(|_| bad("proto"))?,
            ifindex: f[4].parse().map_err(|_| bad("iface"))?,
            rmem: f[6].parse().map_err(|_| bad("rmem"))?,
            uid: f[7].parse().map_err(|_| bad("user"))?,
            inode: f[8].parse().map_err(|_| bad("inode"))?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[u8] = b"sk               RefCnt Type Proto  Iface R Rmem   User   Inode\n\
ffff8880069b1000 3      3    0003   2     1 0      0      23456\n";

    #[test]
    fn parses_real_line() {
        let v = parse(SAMPLE).expect("packet");
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].protocol, 3);
        assert_eq!(v[0].ifindex, 2);
        assert_eq!(v[0].inode, 23456);
    }

    #[test]
    fn truncated_and_garbage_are_errors() {
        assert!(parse(&SAMPLE[..90]).is_err());
        assert!(parse(b"").is_err());
        assert!(parse(b"\xff").is_err());
        assert!(parse(b"sk x\nffff 3 3 zz 2 1 0 0 1\n").is_err());
    }
}
