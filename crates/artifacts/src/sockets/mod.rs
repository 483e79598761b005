//! Sockets of the live host, in every network namespace that has a process in it.
//!
//! Reads `/proc/net/{tcp,tcp6,udp,udp6,raw,raw6,unix,packet}` (the parsers are in the
//! submodules) and joins each socket's inode with the `socket:[INODE]` fd links of processes to
//! name its owners — `netstat -anp` without `netstat`. `/proc/net` only shows the reader's own
//! network namespace; a backdoor started in another namespace (a container, `ip netns exec`) is
//! invisible there, so processes are grouped by `/proc/PID/ns/net` and `/proc/PID/net/*` is read
//! once per namespace. A namespace kept alive only by a bind mount, with no process in it, is
//! not reachable this way.

pub mod inet;
pub mod packet;
pub mod unix;

use std::collections::{BTreeMap, HashMap};

use huoyan_core::{Gap, GapReason, ProcFs};
use serde::Serialize;

pub use inet::{InetProto, InetSocket};
pub use packet::PacketSocket;
pub use unix::UnixSocket;

/// Cap for one socket table: a busy server's /proc/net/tcp with a million sockets is ~150 MB.
pub const SOCKET_TABLE_CAP: u64 = 256 * 1024 * 1024;

/// Where a socket lives and who holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Owners {
    /// Network namespace inode (`None` when it could not be read).
    pub net_ns: Option<u64>,
    /// Processes holding the socket open (empty when none could be seen).
    pub pids: Vec<u32>,
}

/// A socket with its namespace and owners.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Owned<T> {
    /// The socket as the kernel lists it.
    #[serde(flatten)]
    pub socket: T,
    /// Namespace and owning processes.
    #[serde(flatten)]
    pub owners: Owners,
}

/// Every socket the snapshot could see.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SocketTable {
    /// TCP, UDP and raw sockets, IPv4 and IPv6.
    pub inet: Vec<Owned<InetSocket>>,
    /// Unix domain sockets.
    pub unix: Vec<Owned<UnixSocket>>,
    /// Packet (link-layer) sockets.
    pub packet: Vec<Owned<PacketSocket>>,
    /// The namespaces read, with the pid whose `net/` view was used (`None`: `/proc/net`).
    pub namespaces: BTreeMap<u64, Option<u32>>,
}

impl SocketTable {
    /// Fills the owning pids from an inode → pids map (built from fd links).
    pub fn attach_owners(&mut self, by_inode: &HashMap<u64, Vec<u32>>) {
        let get = |inode: u64| {
            if inode == 0 {
                Vec::new()
            } else {
                by_inode.get(&inode).cloned().unwrap_or_default()
            }
        };
        for s in &mut self.inet {
            s.owners.pids = get(s.socket.inode);
        }
        for s in &mut self.unix {
            s.owners.pids = get(s.socket.inode);
        }
        for s in &mut self.packet {
            s.owners.pids = get(s.socket.inode);
        }
    }
}

/// Reads one socket table, capped and cut at a line; absence is not a gap (IPv6 or raw tables are
/// missing on kernels built without them), anything else is.
fn read_table(proc_fs: &ProcFs, rel: &str, gaps: &mut Vec<Gap>) -> Option<Vec<u8>> {
    match proc_fs.read_capped(rel, SOCKET_TABLE_CAP) {
        Ok(c) => {
            let mut data = c.data;
            if c.truncated {
                let keep = memchr::memrchr(b'\n', &data).map_or(0, |i| i + 1);
                data.truncate(keep);
                gaps.push(Gap {
                    area: "artifacts.sockets".into(),
                    path: Some(format!("/proc/{rel}")),
                    reason: GapReason::Truncated,
                    detail: format!("larger than {SOCKET_TABLE_CAP} bytes; the rest was not read"),
                });
            }
            Some(data)
        }
        Err(e) => {
            if !e.is_not_found() {
                gaps.push(Gap::from_error("artifacts.sockets", &e));
            }
            None
        }
    }
}

/// Reads the socket tables below `dir` (`net` or `PID/net`) for namespace `ns`.
pub fn read_namespace(
    proc_fs: &ProcFs,
    dir: &str,
    ns: Option<u64>,
    table: &mut SocketTable,
    gaps: &mut Vec<Gap>,
) {
    let owners = Owners {
        net_ns: ns,
        pids: Vec::new(),
    };
    let mut read = |file: &str| read_table(proc_fs, &format!("{dir}/{file}"), gaps);
    let mut parse_gaps = Vec::new();
    for proto in InetProto::ALL {
        if let Some(data) = read(proto.file()) {
            match inet::parse(&data, proto) {
                Ok(v) => table.inet.extend(v.into_iter().map(|socket| Owned {
                    socket,
                    owners: owners.clone(),
                })),
                Err(e) => parse_gaps.push((proto.file(), e)),
            }
        }
    }
    if let Some(data) = read("unix") {
        match unix::parse(&data) {
            Ok(v) => table.unix.extend(v.into_iter().map(|socket| Owned {
                socket,
                owners: owners.clone(),
            })),
            Err(e) => parse_gaps.push(("unix", e)),
        }
    }
    if let Some(data) = read("packet") {
        match packet::parse(&data) {
            Ok(v) => table.packet.extend(v.into_iter().map(|socket| Owned {
                socket,
                owners: owners.clone(),
            })),
            Err(e) => parse_gaps.push(("packet", e)),
        }
    }
    for (file, e) in parse_gaps {
        gaps.push(Gap {
            area: "artifacts.sockets".into(),
            path: Some(format!("/proc/{dir}/{file}")),
            reason: GapReason::Malformed,
            detail: e.to_string(),
        });
    }
}

/// Reads the sockets of the reader's own namespace and of every other namespace in which one of
/// `processes` (pid, its net namespace) lives. Owners are not attached yet.
pub fn read_all(proc_fs: &ProcFs, processes: &[(u32, Option<u64>)]) -> (SocketTable, Vec<Gap>) {
    let mut table = SocketTable::default();
    let mut gaps = Vec::new();
    let own_ns = proc_fs
        .read_link("self/ns/net")
        .ok()
        .and_then(|t| crate::proc::parse_ns_link(&t));
    read_namespace(proc_fs, "net", own_ns, &mut table, &mut gaps);
    if let Some(ns) = own_ns {
        table.namespaces.insert(ns, None);
    }
    let mut others: BTreeMap<u64, Vec<u32>> = BTreeMap::new();
    for &(pid, ns) in processes {
        if let Some(ns) = ns {
            if Some(ns) != own_ns {
                others.entry(ns).or_default().push(pid);
            }
        }
    }
    for (ns, pids) in others {
        // Any member's view will do; try the next one if the first exited meanwhile.
        let mut done = false;
        for pid in pids.iter().take(4) {
            if proc_fs.read_capped(&format!("{pid}/net/tcp"), 1).is_ok() {
                let mut ns_gaps = Vec::new();
                read_namespace(
                    proc_fs,
                    &format!("{pid}/net"),
                    Some(ns),
                    &mut table,
                    &mut ns_gaps,
                );
                gaps.extend(ns_gaps);
                table.namespaces.insert(ns, Some(*pid));
                done = true;
                break;
            }
        }
        if !done {
            gaps.push(Gap {
                area: "artifacts.sockets".into(),
                path: pids.first().map(|p| format!("/proc/{p}/net")),
                reason: GapReason::Error,
                detail: format!(
                    "network namespace {ns}: no member process's net/ view was readable"
                ),
            });
        }
    }
    (table, gaps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_own_namespace_live() {
        let Some(proc_fs) = ProcFs::live() else {
            return;
        };
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let (table, _gaps) = read_all(&proc_fs, &[]);
        assert!(table
            .inet
            .iter()
            .any(|s| s.socket.listening && s.socket.local_port == port));
    }
}
