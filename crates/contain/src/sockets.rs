//! Current TCP/UDP sockets of a network namespace (`/proc/PID/net/{tcp,tcp6,udp,udp6}`) and the
//! processes that hold them (`socket:[INODE]` links under `/proc/PID/fd`).
//!
//! Before cutting the network a responder wants to know what will break: the attacker's reverse
//! shell (good), but also the database replication or the colleague's session (to warn about).
//! These tables come from the kernel, not from `ss`/`netstat`, which the attacker may have
//! replaced. The table format is parsed by `huoyan_artifacts::sockets::inet`; this module turns
//! it into flows the ruleset evaluator understands. Live-only: there are no sockets on a disk
//! image.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use huoyan_artifacts::sockets::inet::{self, InetProto, InetSocket};
use huoyan_core::ProcFs;

use crate::policy::unmap;
use crate::ruleset::{Flow, Proto};

/// TCP state numbers from `include/net/tcp_states.h`.
pub const TCP_ESTABLISHED: u8 = 0x01;
/// Listening socket.
pub const TCP_LISTEN: u8 = 0x0a;

/// One line of a /proc/net socket table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketEntry {
    /// TCP or UDP.
    pub proto: Proto,
    /// Local address (IPv4-mapped addresses unmapped).
    pub local: IpAddr,
    /// Local port.
    pub local_port: u16,
    /// Remote address.
    pub remote: IpAddr,
    /// Remote port.
    pub remote_port: u16,
    /// Kernel state number.
    pub state: u8,
    /// Owner uid.
    pub uid: u32,
    /// Socket inode (matches `socket:[INODE]`).
    pub inode: u64,
}

/// Converts the artifacts crate's view of one inet socket (TCP/UDP only).
pub fn from_inet(sock: &InetSocket) -> Option<SocketEntry> {
    let proto = match sock.proto {
        InetProto::Tcp | InetProto::Tcp6 => Proto::Tcp,
        InetProto::Udp | InetProto::Udp6 => Proto::Udp,
        InetProto::Raw | InetProto::Raw6 => return None,
    };
    let state = match sock.state.as_str() {
        "ESTABLISHED" => TCP_ESTABLISHED,
        "LISTEN" => TCP_LISTEN,
        _ => 0,
    };
    Some(SocketEntry {
        proto,
        local: unmap(sock.local_ip),
        local_port: sock.local_port,
        remote: unmap(sock.remote_ip),
        remote_port: sock.remote_port,
        state,
        uid: sock.uid,
        inode: sock.inode,
    })
}

/// Parses one socket table with the artifacts crate's parser (a table the kernel did not write
/// yields nothing).
pub fn parse(data: &[u8], table: InetProto) -> Vec<SocketEntry> {
    inet::parse(data, table)
        .map(|socks| socks.iter().filter_map(from_inet).collect())
        .unwrap_or_default()
}

/// Every TCP/UDP socket of the network namespace `pid` lives in (`"self"` for ours).
pub fn read_all(proc_fs: &ProcFs, pid: &str) -> Vec<SocketEntry> {
    let mut out = Vec::new();
    for table in [
        InetProto::Tcp,
        InetProto::Tcp6,
        InetProto::Udp,
        InetProto::Udp6,
    ] {
        if let Ok(data) = proc_fs.read(&format!("{pid}/net/{}", table.file())) {
            out.extend(parse(&data, table));
        }
    }
    out
}

/// A process holding a socket.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Holder {
    /// Process id.
    pub pid: u32,
    /// `comm` (attacker-controlled: sanitise before printing).
    pub comm: String,
}

/// The socket inodes a process holds open.
pub fn socket_inodes(proc_fs: &ProcFs, pid: u32) -> BTreeSet<u64> {
    let Ok(entries) = proc_fs.list_raw(&format!("{pid}/fd")) else {
        return BTreeSet::new();
    };
    entries
        .iter()
        .filter_map(|(name, _)| {
            let link = proc_fs
                .read_link(&format!("{pid}/fd/{}", name.to_string_lossy()))
                .ok()?;
            socket_inode(&link)
        })
        .collect()
}

/// `socket:[12345]` → 12345.
pub fn socket_inode(link: &[u8]) -> Option<u64> {
    std::str::from_utf8(link)
        .ok()?
        .strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// `comm` of a process, trimmed.
pub fn comm(proc_fs: &ProcFs, pid: u32) -> String {
    proc_fs
        .read(&format!("{pid}/comm"))
        .map(|b| String::from_utf8_lossy(&b).trim_end().to_string())
        .unwrap_or_default()
}

/// Maps socket inodes to the processes holding them (every process we can see).
pub fn holders(proc_fs: &ProcFs) -> BTreeMap<u64, Vec<Holder>> {
    let mut map: BTreeMap<u64, Vec<Holder>> = BTreeMap::new();
    for pid in proc_fs.pids().unwrap_or_default() {
        let inodes = socket_inodes(proc_fs, pid);
        if inodes.is_empty() {
            continue;
        }
        let holder = Holder {
            pid,
            comm: comm(proc_fs, pid),
        };
        for inode in inodes {
            map.entry(inode).or_default().push(holder.clone());
        }
    }
    map
}

/// The established flows among `entries` (TCP established, UDP with a peer), with direction
/// guessed from listening ports and loopback from the addresses.
pub fn flows(entries: &[SocketEntry]) -> Vec<(Flow, u64)> {
    let listening: BTreeSet<u16> = entries
        .iter()
        .filter(|e| e.proto == Proto::Tcp && e.state == TCP_LISTEN)
        .map(|e| e.local_port)
        .collect();
    entries
        .iter()
        .filter(|e| match e.proto {
            Proto::Tcp => e.state == TCP_ESTABLISHED,
            Proto::Udp => e.remote_port != 0 && !e.remote.is_unspecified(),
        })
        .map(|e| {
            (
                Flow {
                    proto: e.proto,
                    local: e.local,
                    local_port: e.local_port,
                    remote: e.remote,
                    remote_port: e.remote_port,
                    inbound: e.proto == Proto::Tcp && listening.contains(&e.local_port),
                    loopback: e.remote.is_loopback() || e.remote == e.local,
                },
                e.inode,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP: &[u8] = b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0000000000000000 100 0 0 10 0
   1: 0100090A:0016 0300090A:C350 01 00000000:00000000 02:000A7B5A 00000000     0        0 2222 4 0000000000000000 20 4 30 10 -1
   2: 0100090A:9C40 0200090A:115C 01 00000000:00000000 02:000A7B5A 00000000  1000        0 3333 4 0000000000000000 20 4 30 10 -1
";
    const TCP6: &[u8] = b"  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0000000000000000FFFF00000100090A:0016 0000000000000000FFFF00000400090A:D431 01 00000000:00000000 02:00000000 00000000     0        0 4444 1 0000000000000000 20 4 0 10 -1
   1: 000000FD000000000000000001000000:0016 000000FD000000000000000007000000:D431 01 00000000:00000000 02:00000000 00000000     0        0 5555 1 0000000000000000 20 4 0 10 -1
";

    #[test]
    fn parses_v4_and_v6_tables() {
        let v4 = parse(TCP, InetProto::Tcp);
        assert_eq!(v4.len(), 3);
        assert_eq!(v4[1].local.to_string(), "10.9.0.1");
        assert_eq!(v4[1].remote.to_string(), "10.9.0.3");
        assert_eq!((v4[1].local_port, v4[1].remote_port), (22, 50000));
        assert_eq!(v4[2].uid, 1000);
        let v6 = parse(TCP6, InetProto::Tcp6);
        assert_eq!(v6[0].remote.to_string(), "10.9.0.4");
        assert_eq!(v6[1].remote.to_string(), "fd00::7");
        assert_eq!(v6[1].inode, 5555);
    }

    #[test]
    fn flows_know_direction() {
        let mut all = parse(TCP, InetProto::Tcp);
        all.extend(parse(TCP6, InetProto::Tcp6));
        let f = flows(&all);
        assert_eq!(f.len(), 4);
        assert!(f[0].0.inbound);
        assert!(!f[1].0.inbound);
    }

    #[test]
    fn truncated_and_garbage_input() {
        for cut in 0..TCP.len() {
            let _ = parse(&TCP[..cut], InetProto::Tcp);
        }
        assert!(parse(b"\xff\xfe\x00", InetProto::Udp).is_empty());
        let mut garbage = TCP.to_vec();
        garbage.extend_from_slice(b"   3: garbage line\n");
        assert!(parse(&garbage, InetProto::Tcp).is_empty());
        assert_eq!(socket_inode(b"socket:[42]"), Some(42));
        assert_eq!(socket_inode(b"pipe:[42]"), None);
        assert_eq!(socket_inode(b"socket:[x]"), None);
    }
}
