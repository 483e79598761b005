//! Planning a containment: the exceptions (explicit, DNS, the caller's SSH peer), the ruleset,
//! what it would cut, and the refusals that keep a responder from locking themselves out.
//!
//! The plan is computed the same way for a dry run and for `--apply`, so what the responder
//! reads is exactly what gets installed.

use std::net::IpAddr;

use huoyan_core::{ProcFs, Root};
use serde::Serialize;

use crate::dns;
use crate::error::{ContainError, Result};
use crate::policy::{Allowance, Direction, Net, Policy};
use crate::ruleset::{self, Flow, Ruleset};
use crate::session::{self, SshPeer};
use crate::sockets::{self, Holder};

/// What the responder asked for.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// `--allow` values.
    pub allow: Vec<String>,
    /// `--allow-dns`: the root's resolvers, outbound port 53.
    pub allow_dns: bool,
    /// Keep the caller's SSH peer reachable (default; `--no-keep-session` turns it off).
    pub keep_session: bool,
    /// Skip the lock-out refusals (`--force`).
    pub force: bool,
    /// Where resolv.conf is read from.
    pub root: Root,
    /// The process whose SSH session is protected (normally our own pid).
    pub caller_pid: u32,
}

/// A current flow the ruleset would cut.
#[derive(Debug, Clone, Serialize)]
pub struct CutFlow {
    /// `tcp` or `udp`.
    pub proto: &'static str,
    /// Our address and port.
    pub local: String,
    /// The peer.
    pub remote: String,
    /// Whether the peer opened it.
    pub inbound: bool,
    /// Processes holding the socket (names are attacker-chosen).
    pub processes: Vec<(u32, String)>,
}

/// The computed plan.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Every exception with its reason.
    pub policy: Policy,
    /// The rules.
    pub ruleset: Ruleset,
    /// The caller's SSH peer, when found.
    pub caller: Option<SshPeer>,
    /// Current flows that would be cut.
    pub cut: Vec<CutFlow>,
    /// Things the responder should read before applying.
    pub warnings: Vec<String>,
}

fn endpoint(ip: IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V4(a) => format!("{a}:{port}"),
        IpAddr::V6(a) => format!("[{a}]:{port}"),
    }
}

/// Builds the plan and refuses plans that would lock the caller out or contain nothing.
pub fn plan(req: &PlanRequest) -> Result<Plan> {
    let mut policy = Policy::default();
    let mut warnings = Vec::new();
    for value in &req.allow {
        policy.add(Allowance::parse(value)?);
    }
    if req.allow_dns {
        match dns::resolvers(&req.root) {
            Ok(servers) if servers.is_empty() => {
                warnings.push("--allow-dns: /etc/resolv.conf lists no nameserver".into())
            }
            Ok(servers) => {
                for ip in servers {
                    if ip.is_loopback() {
                        warnings.push(format!(
                            "--allow-dns: nameserver {ip} is a local stub resolver; its upstream servers stay blocked (allow them with --allow ADDR:53)"
                        ));
                        continue;
                    }
                    policy.add(Allowance {
                        net: Net::host(ip),
                        port: Some(53),
                        direction: Direction::Outbound,
                        reason: format!("DNS resolver {ip} from /etc/resolv.conf"),
                    });
                }
            }
            Err(e) => warnings.push(format!("--allow-dns: cannot read /etc/resolv.conf: {e}")),
        }
    }
    let proc_fs = ProcFs::live();
    let caller = proc_fs
        .as_ref()
        .and_then(|p| session::caller_peer(p, req.caller_pid));
    match (&caller, req.keep_session) {
        (Some(peer), true) => policy.add(Allowance {
            net: Net::host(peer.addr),
            port: None,
            direction: Direction::Both,
            reason: format!(
                "your SSH session from {} (sshd pid {})",
                endpoint(peer.addr, peer.port),
                peer.pid
            ),
        }),
        (None, true) => {
            if let Some(p) = &proc_fs {
                let others = session::ssh_peers(p);
                if !others.is_empty() {
                    let list: Vec<String> =
                        others.iter().map(|o| endpoint(o.addr, o.port)).collect();
                    warnings.push(format!(
                        "no SSH session found above this process (tmux/screen/console?); SSH peers on this host: {} — add yours with --allow",
                        list.join(", ")
                    ));
                }
            }
        }
        _ => {}
    }
    let ruleset = ruleset::build(&policy);

    if let Some(all) = policy.allows_everything() {
        if !req.force {
            return Err(ContainError::Unsafe(format!(
                "{} lets every address through: the containment would cut nothing",
                all.reason
            )));
        }
    }
    if let Some(peer) = &caller {
        let own = Flow {
            proto: ruleset::Proto::Tcp,
            local: peer.local,
            local_port: peer.local_port,
            remote: peer.addr,
            remote_port: peer.port,
            inbound: true,
            loopback: false,
        };
        if !ruleset.keeps(&own) && !req.force {
            return Err(ContainError::Unsafe(format!(
                "this would cut your own SSH session from {}: allow it (--allow {}) or drop --no-keep-session; --force overrides",
                endpoint(peer.addr, peer.port),
                peer.addr
            )));
        }
    }

    let mut cut = Vec::new();
    if !rustix::process::geteuid().is_root() {
        warnings.push(
            "not root: other users' processes cannot be examined, so connections may show no process (and --apply will refuse)"
                .into(),
        );
    }
    if let Some(p) = &proc_fs {
        let entries = sockets::read_all(p, "self");
        let holders = sockets::holders(p);
        for (flow, inode) in sockets::flows(&entries) {
            if ruleset.keeps(&flow) {
                continue;
            }
            let processes = holders
                .get(&inode)
                .map(|hs: &Vec<Holder>| hs.iter().map(|h| (h.pid, h.comm.clone())).collect())
                .unwrap_or_default();
            cut.push(CutFlow {
                proto: match flow.proto {
                    ruleset::Proto::Tcp => "tcp",
                    ruleset::Proto::Udp => "udp",
                },
                local: endpoint(flow.local, flow.local_port),
                remote: endpoint(flow.remote, flow.remote_port),
                inbound: flow.inbound,
                processes,
            });
        }
    } else {
        warnings.push("/proc is not available: current connections were not examined".into());
    }
    if caller.is_none() && policy.allowances.is_empty() && !req.force {
        warnings.push(
            "no exception at all: only loopback stays reachable (fine from a console, fatal over a remote session)"
                .into(),
        );
    }
    Ok(Plan {
        policy,
        ruleset,
        caller,
        cut,
        warnings,
    })
}
