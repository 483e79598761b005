//! `/proc/net/{tcp,tcp6,udp,udp6,raw,raw6}`: the kernel's tables of internet sockets.
//!
//! One line per socket with hexadecimal addresses in host byte order, the state, queues, owner
//! uid and the socket inode that links it to the process holding it (`/proc/PID/fd/N ->
//! socket:[INODE]`). This is what `netstat -anp` and `ss` read; huoyan reads it itself so a
//! replaced `netstat` cannot hide a backdoor's listener or a reverse shell's connection.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use crate::ParseError;

/// Which table a socket came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InetProto {
    /// `/proc/net/tcp`.
    Tcp,
    /// `/proc/net/tcp6`.
    Tcp6,
    /// `/proc/net/udp`.
    Udp,
    /// `/proc/net/udp6`.
    Udp6,
    /// `/proc/net/raw`.
    Raw,
    /// `/proc/net/raw6`.
    Raw6,
}

impl InetProto {
    /// Every table, in the order they are read.
    pub const ALL: [InetProto; 6] = [
        InetProto::Tcp,
        InetProto::Tcp6,
        InetProto::Udp,
        InetProto::Udp6,
        InetProto::Raw,
        InetProto::Raw6,
    ];

    /// The file name under `/proc/net/` (also the name netstat prints).
    pub fn file(self) -> &'static str {
        match self {
            InetProto::Tcp => "tcp",
            InetProto::Tcp6 => "tcp6",
            InetProto::Udp => "udp",
            InetProto::Udp6 => "udp6",
            InetProto::Raw => "raw",
            InetProto::Raw6 => "raw6",
        }
    }

    /// True for the TCP tables.
    pub fn is_tcp(self) -> bool {
        matches!(self, InetProto::Tcp | InetProto::Tcp6)
    }

    fn is_v6(self) -> bool {
        matches!(self, InetProto::Tcp6 | InetProto::Udp6 | InetProto::Raw6)
    }
}

/// One internet socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InetSocket {
    /// Which table.
    pub proto: InetProto,
    /// Local address.
    pub local_ip: IpAddr,
    /// Local port (the protocol number for raw sockets).
    pub local_port: u16,
    /// Remote address.
    pub remote_ip: IpAddr,
    /// Remote port.
    pub remote_port: u16,
    /// State name (`LISTEN`, `ESTABLISHED` …; for UDP/raw `UNCONN` or `ESTABLISHED`).
    pub state: String,
    /// True when the socket waits for peers: TCP LISTEN, or an unconnected bound UDP/raw socket.
    pub listening: bool,
    /// Bytes queued for sending.
    pub tx_queue: u64,
    /// Bytes queued for receiving.
    pub rx_queue: u64,
    /// Owner uid.
    pub uid: u32,
    /// Socket inode (0 for TIME_WAIT entries owned by no process).
    pub inode: u64,
}

/// TCP state name for the kernel's numeric state.
pub fn tcp_state_name(code: u8) -> &'static str {
    match code {
        0x01 => "ESTABLISHED",
        0x02 => "SYN_SENT",
        0x03 => "SYN_RECV",
        0x04 => "FIN_WAIT1",
        0x05 => "FIN_WAIT2",
        0x06 => "TIME_WAIT",
        0x07 => "CLOSE",
        0x08 => "CLOSE_WAIT",
        0x09 => "LAST_ACK",
        0x0A => "LISTEN",
        0x0B => "CLOSING",
        0x0C => "NEW_SYN_RECV",
        _ => "UNKNOWN",
    }
}

fn hex_u32(s: &str) -> Option<u32> {
    u32::from_str_radix(s, 16).ok()
}

/// Decodes `ADDR:PORT` as printed by the kernel (address words in host byte order).
pub fn parse_endpoint(s: &str, v6: bool) -> Option<(IpAddr, u16)> {
    let (addr, port) = s.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    if v6 {
        if addr.len() != 32 {
            return None;
        }
        let mut octets = [0u8; 16];
        for i in 0..4 {
            let word = hex_u32(addr.get(i * 8..i * 8 + 8)?)?;
            octets[i * 4..i * 4 + 4].copy_from_slice(&word.to_ne_bytes());
        }
        let ip = Ipv6Addr::from(octets);
        Some((IpAddr::V6(ip), port))
    } else {
        if addr.len() != 8 {
            return None;
        }
        let word = hex_u32(addr)?;
        Some((IpAddr::V4(Ipv4Addr::from(word.to_ne_bytes())), port))
    }
}

/// Parses one of the inet tables. The header line is required; a malformed data line is an
/// error (the kernel never writes one, so it means the input is not this table).
pub fn parse(data: &[u8], proto: InetProto) -> Result<Vec<InetSocket>, ParseError> {
    let what = "/proc/net inet table";
    let text = std::str::from_utf8(data).map_err(|_| ParseError::malformed(what, "not text"))?;
    let mut lines = text.lines();
    let header = lines
        .next()
        .ok_or_else(|| ParseError::malformed(what, "empty"))?;
    if !header.contains("local_address") {
        return Err(ParseError::malformed(what, "no header line"));
    }
    let mut out = Vec::new();
    for (n, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |why: &str| ParseError::malformed(what, format!("line {}: {why}", n + 2));
        let f: Vec<&str> = line.split_ascii_whitespace().collect();
        if f.len() < 10 {
            return Err(ParseError::Truncated {
                what,
                need: 10,
                have: f.len(),
            });
        }
        let (local_ip, local_port) =
            parse_endpoint(f[1], proto.is_v6()).ok_or_else(|| bad("local address"))?;
        let (remote_ip, remote_port) =
            parse_endpoint(f[2], proto.is_v6()).ok_or_else(|| bad("remote address"))?;
        let code = u8::from_str_radix(f[3], 16).map_err(|_| bad("state"))?;
        let (tx, rx) = f[4].split_once(':').ok_or_else(|| bad("queues"))?;
        let tx_queue = u64::from_str_radix(tx, 16).map_err(|_| bad("tx_queue"))?;
        let rx_queue = u64::from_str_radix(rx, 16).map_err(|_| bad("rx_queue"))?;
        let uid = f[7].parse().map_err(|_| bad("uid"))?;
        let inode = f[9].parse().map_err(|_| bad("inode"))?;
        let (state, listening) = if proto.is_tcp() {
            (tcp_state_name(code).to_string(), code == 0x0A)
        } else if code == 0x01 {
            ("ESTABLISHED".to_string(), false)
        } else {
            ("UNCONN".to_string(), true)
        };
        out.push(InetSocket {
            proto,
            local_ip,
            local_port,
            remote_ip,
            remote_port,
            state,
            listening,
            tx_queue,
            rx_queue,
            uid,
            inode,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP: &[u8] = b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 40123 1 0000000000000000 100 0 0 10 0\n\
   1: 0100007F:1F90 0100007F:C350 01 00000010:00000002 00:00000000 00000000  1000        0 40125 1 0000000000000000 20 4 30 10 -1\n";

    const TCP6: &[u8] = b"  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1 0000000000000000 100 0 0 10 0\n";

    #[cfg(target_endian = "little")]
    #[test]
    fn parses_tcp_lines() {
        let v = parse(TCP, InetProto::Tcp).expect("tcp");
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].local_ip.to_string(), "127.0.0.1");
        assert_eq!(v[0].local_port, 8080);
        assert!(v[0].listening);
        assert_eq!(v[0].uid, 1000);
        assert_eq!(v[1].state, "ESTABLISHED");
        assert_eq!(v[1].remote_port, 50000);
        assert_eq!(v[1].tx_queue, 16);
        assert_eq!(v[1].inode, 40125);
        let v6 = parse(TCP6, InetProto::Tcp6).expect("tcp6");
        assert_eq!(v6[0].local_ip.to_string(), "::1");
        assert_eq!(v6[0].local_port, 22);
    }

    #[test]
    fn udp_states() {
        let udp = b"   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n\
  5: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 999 2 0000000000000000 0\n";
        let v = parse(udp, InetProto::Udp).expect("udp");
        assert_eq!(v[0].state, "UNCONN");
        assert!(v[0].listening);
        assert_eq!(v[0].local_port, 68);
    }

    #[test]
    fn truncated_and_garbage_are_errors() {
        assert!(parse(&TCP[..160], InetProto::Tcp).is_err());
        assert!(parse(b"", InetProto::Tcp).is_err());
        assert!(parse(b"\xff\xfe\x00", InetProto::Tcp).is_err());
        assert!(parse(b"hello world\n", InetProto::Tcp).is_err());
        let bad_addr = b"sl local_address\n 0: 0100007G:1F90 00000000:0000 0A 0:0 0:0 0 0 0 1\n";
        assert!(parse(bad_addr, InetProto::Tcp).is_err());
        // Header only: no sockets, not an error.
        assert_eq!(
            parse(
                &TCP[..TCP.iter().position(|&b| b == b'\n').unwrap_or(0) + 1],
                InetProto::Tcp
            )
            .map(|v| v.len()),
            Ok(0)
        );
    }
}
