//! The responder's own SSH session: which remote address must stay reachable.
//!
//! Walks from the invoking process up the parent chain (`/proc/PID/status` `PPid:`) to the
//! first SSH server process (`sshd`, `sshd-session` of OpenSSH 9.8+, `dropbear`) that holds an
//! established TCP socket; that socket's peer in `/proc/PID/net/tcp{,6}` (the server's own
//! network namespace) is the responder. Environment variables such as `SSH_CONNECTION` are not
//! used: sudo drops them and anybody can set them.
//!
//! Under tmux/screen the chain ends at the multiplexer, not at sshd; then [`ssh_peers`] lists
//! every SSH peer on the host so the responder can allow theirs explicitly.

use std::net::IpAddr;

use huoyan_core::ProcFs;
use serde::Serialize;

use crate::sockets::{self, TCP_ESTABLISHED};

/// Names of SSH server processes.
pub const SSH_SERVERS: [&str; 3] = ["sshd", "sshd-session", "dropbear"];

/// A remote SSH peer and the server process holding the connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SshPeer {
    /// The peer's address.
    pub addr: IpAddr,
    /// The peer's port.
    pub port: u16,
    /// Our address on that connection.
    pub local: IpAddr,
    /// Our SSH port.
    pub local_port: u16,
    /// The SSH server process.
    pub pid: u32,
}

/// `Name:` and `PPid:` of `/proc/PID/status`.
pub fn parse_status(data: &[u8]) -> (Option<String>, Option<u32>) {
    let text = String::from_utf8_lossy(data);
    let mut name = None;
    let mut ppid = None;
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("Name:") {
            name = Some(v.trim().to_string());
        } else if let Some(v) = line.strip_prefix("PPid:") {
            ppid = v.trim().parse().ok();
        }
    }
    (name, ppid)
}

fn is_ssh_server(name: &str) -> bool {
    SSH_SERVERS.contains(&name)
}

/// The established TCP peers of one process (in its own network namespace).
fn peers_of(proc_fs: &ProcFs, pid: u32) -> Vec<SshPeer> {
    let inodes = sockets::socket_inodes(proc_fs, pid);
    if inodes.is_empty() {
        return Vec::new();
    }
    sockets::read_all(proc_fs, &pid.to_string())
        .into_iter()
        .filter(|e| {
            e.proto == crate::ruleset::Proto::Tcp
                && e.state == TCP_ESTABLISHED
                && inodes.contains(&e.inode)
        })
        .map(|e| SshPeer {
            addr: e.remote,
            port: e.remote_port,
            local: e.local,
            local_port: e.local_port,
            pid,
        })
        .collect()
}

/// The SSH peer of the session `start` runs in, found by walking up its parents.
pub fn caller_peer(proc_fs: &ProcFs, start: u32) -> Option<SshPeer> {
    let mut pid = start;
    for _ in 0..128 {
        let status = proc_fs.read(&format!("{pid}/status")).ok()?;
        let (name, ppid) = parse_status(&status);
        if name.as_deref().is_some_and(is_ssh_server) {
            if let Some(peer) = peers_of(proc_fs, pid).into_iter().next() {
                return Some(peer);
            }
        }
        match ppid {
            Some(p) if p > 0 && p != pid => pid = p,
            _ => return None,
        }
    }
    None
}

/// Every established peer of every SSH server process on the host.
pub fn ssh_peers(proc_fs: &ProcFs) -> Vec<SshPeer> {
    let mut out: Vec<SshPeer> = Vec::new();
    for pid in proc_fs.pids().unwrap_or_default() {
        let Ok(status) = proc_fs.read(&format!("{pid}/status")) else {
            continue;
        };
        if parse_status(&status)
            .0
            .as_deref()
            .is_some_and(is_ssh_server)
        {
            for peer in peers_of(proc_fs, pid) {
                if !out
                    .iter()
                    .any(|p| p.addr == peer.addr && p.port == peer.port)
                {
                    out.push(peer);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// A fake /proc: init(1) → sshd(100, listening) → sshd-session(200, session socket) →
    /// bash(300) → huoyan(400).
    fn fake_proc() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        std::fs::write(p.join("stat"), "cpu 0\n").unwrap();
        let tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0 100 0 0 10 0
   1: 0100090A:0016 0300090A:C350 01 00000000:00000000 02:000A7B5A 00000000     0        0 2222 4 0 20 4 30 10 -1
";
        for (pid, name, ppid, sockets) in [
            (1u32, "systemd", 0u32, vec![]),
            (100, "sshd", 1, vec![1111u64]),
            (200, "sshd-session", 100, vec![2222]),
            (300, "bash", 200, vec![]),
            (400, "huoyan", 300, vec![]),
        ] {
            let d = p.join(pid.to_string());
            std::fs::create_dir_all(d.join("fd")).unwrap();
            std::fs::create_dir_all(d.join("net")).unwrap();
            std::fs::write(
                d.join("status"),
                format!("Name:\t{name}\nState:\tS\nPPid:\t{ppid}\n"),
            )
            .unwrap();
            std::fs::write(d.join("net/tcp"), tcp).unwrap();
            for (i, inode) in sockets.iter().enumerate() {
                symlink(format!("socket:[{inode}]"), d.join(format!("fd/{}", i + 3))).unwrap();
            }
        }
        dir
    }

    #[test]
    fn finds_the_callers_peer_through_the_process_tree() {
        let dir = fake_proc();
        let proc_fs = ProcFs::at(dir.path()).unwrap();
        let peer = caller_peer(&proc_fs, 400).expect("peer");
        assert_eq!(peer.addr.to_string(), "10.9.0.3");
        assert_eq!((peer.port, peer.local_port, peer.pid), (50000, 22, 200));
        assert_eq!(ssh_peers(&proc_fs).len(), 1);
    }

    #[test]
    fn no_sshd_in_the_chain_means_no_peer() {
        let dir = fake_proc();
        std::fs::write(dir.path().join("300/status"), "Name:\ttmux\nPPid:\t1\n").unwrap();
        let proc_fs = ProcFs::at(dir.path()).unwrap();
        assert_eq!(caller_peer(&proc_fs, 400), None);
        // …but the host's SSH peers are still listed for the responder.
        assert_eq!(ssh_peers(&proc_fs).len(), 1);
    }

    #[test]
    fn status_garbage() {
        assert_eq!(parse_status(b"\xff\xfePPid:\tx\n"), (None, None));
        assert_eq!(
            parse_status(b"Name:\tsshd\nPPid:\t7\n"),
            (Some("sshd".into()), Some(7))
        );
    }
}
