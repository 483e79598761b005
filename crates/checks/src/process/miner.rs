//! `process.miner` — sustained CPU burn together with a mining-pool connection or stratum URL.
//!
//! **What it looks at:** processes whose average CPU use since start is above 50 % of one core
//! (after at least a minute), and that either hold a TCP connection to a typical pool port
//! (3333, 4444, 5555, 7777, 8888, 9999, 14444, 45700 …) or carry `stratum+tcp://`, `--donate-level`
//! or a pool host in their command line.
//!
//! **Why an attacker leaves this trace:** cryptomining is the most common payload on a
//! compromised Linux server; renamed miners still burn CPU and still talk stratum to a pool.
//!
//! **Example:** pid 3200 `/tmp/.x/sshd -o pool.example:3333` at 390 % CPU → 198.51.100.9:3333.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1496 (Resource Hijacking).

use std::collections::{HashMap, HashSet};

use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct MinerActivity;

static INFO: CheckInfo = CheckInfo {
    id: "process.miner",
    title: "Cryptominer: high CPU with a mining-pool connection",
    title_zh: "挖矿程序：高 CPU 占用并连接矿池",
    mitre: &["T1496"],
    remediation: "Block the pool address, collect the binary, stop the process and remove its \
                  persistence (cron, systemd, rc files); miners usually reinstall themselves.",
    remediation_zh: "封禁矿池地址，提取样本，结束进程并清除其持久化（cron、systemd、rc 文件）；挖矿程序通常会自我恢复。",
};

const POOL_PORTS: &[u16] = &[
    3333, 3334, 4444, 5555, 5556, 6666, 7777, 8888, 9999, 14433, 14444, 20580, 45560, 45700,
];
const POOL_WORDS: &[&str] = &[
    "stratum+tcp://",
    "stratum+ssl://",
    "stratum2+tcp://",
    "--donate-level",
    "--cpu-max-threads-hint",
    "nicehash",
    "xmrpool",
    "supportxmr",
    "minexmr",
    "nanopool",
    "hashvault",
    "moneroocean",
    "c3pool",
    "f2pool",
];

impl Check for MinerActivity {
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
        let mut pool_peers: HashMap<u32, HashSet<String>> = HashMap::new();
        for s in &scene.sockets.inet {
            if s.socket.proto.is_tcp()
                && s.socket.state == "ESTABLISHED"
                && POOL_PORTS.contains(&s.socket.remote_port)
            {
                for pid in &s.owners.pids {
                    pool_peers
                        .entry(*pid)
                        .or_default()
                        .insert(format!("{}:{}", s.socket.remote_ip, s.socket.remote_port));
                }
            }
        }
        for p in super::examined(ctx, scene) {
            let cmd = p.command().to_ascii_lowercase();
            let words: Vec<&str> = POOL_WORDS
                .iter()
                .copied()
                .filter(|w| cmd.contains(w))
                .collect();
            let peers = pool_peers.get(&p.pid);
            if words.is_empty() && peers.is_none() {
                continue;
            }
            let age = p
                .start_time
                .map(|t| (scene.now.as_second() - t.as_second()).max(1) as f64)
                .unwrap_or(0.0);
            let cpu_share = if age > 0.0 { p.cpu_seconds / age } else { 0.0 };
            let busy = age >= 60.0 && cpu_share > 0.5;
            if !busy && words.is_empty() {
                continue;
            }
            let severity = if busy {
                Severity::Critical
            } else {
                Severity::High
            };
            let mut f = INFO
                .finding(
                    severity,
                    format!(
                        "pid {} ({}) uses {:.0}% CPU on average{}{}",
                        p.pid,
                        p.command(),
                        cpu_share * 100.0,
                        peers.map(|s| format!(", connected to {}", s.iter().cloned().collect::<Vec<_>>().join(", "))).unwrap_or_default(),
                        if words.is_empty() { String::new() } else { format!(", command line has {}", words.join(", ")) }
                    ),
                )
                .pid(p.pid)
                .user(p.user_label())
                .at(p.start_time)
                .evidence(json!({"cpu_share": cpu_share, "cpu_seconds": p.cpu_seconds, "pool_peers": peers, "words": words, "cmdline": p.cmdline}));
            for peer in peers.into_iter().flatten() {
                if let Some((ip, _)) = peer.rsplit_once(':') {
                    f = f.ip(ip.trim_matches(['[', ']']).to_string());
                }
            }
            out.add(f);
        }
    }
}
