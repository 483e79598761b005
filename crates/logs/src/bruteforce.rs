//! Password guessing and whether it worked.
//!
//! An attack is a source with at least [`MIN_FAILURES`] failures, or a /24 (IPv6 /64) whose
//! addresses stay below that one by one but add up to [`MIN_NETWORK_FAILURES`] from at least
//! [`MIN_NETWORK_SOURCES`] addresses (a distributed guess). It *succeeded* when:
//!
//! - an accepted login (password or key; sshd, dropbear) or a wtmp/wtmpdb session comes from an
//!   attacking address or its /24 at or after the attack's first failure; or
//! - the logs carry no address for the session (PAM `session opened` only) but it opens for a
//!   user the attack targeted, during the attack or within [`AFTER_ATTACK`] of its end.

use std::collections::HashSet;

use huoyan_artifacts::auth::AuthKind;
use huoyan_artifacts::utmp::UtmpType;
use huoyan_core::Timestamp;
use serde::Serialize;

use crate::stats::{network_of, Network, Tally};
use crate::LogData;

/// Failures from one source that make an attack.
pub const MIN_FAILURES: u64 = 10;
/// Failures from one /24 (spread over several addresses) that make an attack.
pub const MIN_NETWORK_FAILURES: u64 = 20;
/// Addresses in the /24 needed for a distributed attack.
pub const MIN_NETWORK_SOURCES: usize = 3;
/// Failures against one user that make it a target.
pub const MIN_USER_FAILURES: u64 = 10;
/// How long after an attack's last failure a session for a targeted user still counts.
pub const AFTER_ATTACK: i64 = 30 * 60;

/// Whether an attack is one address or a network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// One address (or host name).
    Source,
    /// A /24 or /64.
    Network,
}

/// One attack.
#[derive(Debug, Clone, Serialize)]
pub struct Attack {
    /// The address or network.
    pub key: String,
    /// Which.
    pub scope: Scope,
    /// Its counts.
    pub tally: Tally,
}

/// Every attack, worst first.
pub fn attacks(data: &LogData) -> Vec<Attack> {
    let mut out: Vec<Attack> = data
        .failures
        .by_source
        .iter()
        .filter(|(_, t)| t.failures >= MIN_FAILURES)
        .map(|(k, t)| Attack {
            key: k.clone(),
            scope: Scope::Source,
            tally: t.clone(),
        })
        .collect();
    let attacked_nets: HashSet<Network> = out.iter().filter_map(|a| network_of(&a.key)).collect();
    for (net, t) in &data.failures.by_network {
        if t.failures >= MIN_NETWORK_FAILURES
            && t.names.len() >= MIN_NETWORK_SOURCES
            && !attacked_nets.contains(net)
        {
            out.push(Attack {
                key: net.to_string(),
                scope: Scope::Network,
                tally: t.clone(),
            });
        }
    }
    out.sort_by(|a, b| {
        b.tally
            .failures
            .cmp(&a.tally.failures)
            .then(a.key.cmp(&b.key))
    });
    out
}

/// Users attacked with at least [`MIN_USER_FAILURES`] failures, worst first.
pub fn targeted_users(data: &LogData) -> Vec<(String, Tally)> {
    let mut out: Vec<(String, Tally)> = data
        .failures
        .by_user
        .iter()
        .filter(|(_, t)| t.failures >= MIN_USER_FAILURES)
        .map(|(u, t)| (u.clone(), t.clone()))
        .collect();
    out.sort_by(|a, b| b.1.failures.cmp(&a.1.failures).then(a.0.cmp(&b.0)));
    out
}

/// A login that followed an attack.
#[derive(Debug, Clone, Serialize)]
pub struct Success {
    /// The attacking address or network.
    pub attacker: String,
    /// How the login is tied to it: `same address`, `same network`, `targeted user`.
    pub link: &'static str,
    /// Who logged in.
    pub user: Option<String>,
    /// From where (as logged).
    pub source: Option<String>,
    /// How (`password`, `publickey`, `session`, `wtmp`).
    pub method: String,
    /// When.
    pub time: Option<Timestamp>,
    /// The attack's first failure.
    pub first_failure: Option<Timestamp>,
    /// The attack's last failure.
    pub last_failure: Option<Timestamp>,
    /// Failures of the attack.
    pub failures: u64,
    /// Where it was logged (path) and the line, entry or record offset.
    pub evidence_path: String,
    /// Line, entry number or byte offset.
    pub evidence_at: u64,
}

fn after(first: Option<Timestamp>, t: Option<Timestamp>) -> bool {
    match (first, t) {
        (Some(f), Some(t)) => t >= f,
        _ => true,
    }
}

fn attacker_for<'a>(
    data: &'a LogData,
    source: &str,
    t: Option<Timestamp>,
) -> Option<(String, &'static str, &'a Tally)> {
    if let Some(tally) = data.failures.by_source.get(source) {
        if tally.failures >= MIN_FAILURES && after(tally.first, t) {
            return Some((source.to_string(), "same address", tally));
        }
    }
    let net = network_of(source)?;
    let tally = data.failures.by_network.get(&net)?;
    let attacking_net = tally.failures >= MIN_NETWORK_FAILURES
        || tally.names.keys().any(|s| {
            data.failures
                .by_source
                .get(s)
                .is_some_and(|t| t.failures >= MIN_FAILURES)
        });
    (attacking_net && after(tally.first, t)).then(|| (net.to_string(), "same network", tally))
}

/// Every login tied to an attack (first per attacker and user).
pub fn successes(data: &LogData) -> Vec<Success> {
    let mut out: Vec<Success> = Vec::new();
    let mut seen: HashSet<(String, Option<String>)> = HashSet::new();
    let mut push = |s: Success, out: &mut Vec<Success>| {
        if seen.insert((s.attacker.clone(), s.user.clone())) {
            out.push(s);
        }
    };
    let targeted = targeted_users(data);
    for ev in &data.events {
        let e = &ev.event;
        let path = data
            .files
            .get(ev.file)
            .map(|f| f.path.clone())
            .unwrap_or_default();
        match e.kind {
            AuthKind::Accepted => {
                let Some(src) = e.source.as_deref() else {
                    continue;
                };
                if let Some((attacker, link, tally)) = attacker_for(data, src, e.time) {
                    push(
                        Success {
                            attacker,
                            link,
                            user: e.user.as_ref().map(|u| u.to_string()),
                            source: Some(src.to_string()),
                            method: e.method.as_deref().unwrap_or_default().to_string(),
                            time: e.time,
                            first_failure: tally.first,
                            last_failure: tally.last,
                            failures: tally.failures,
                            evidence_path: path,
                            evidence_at: e.line,
                        },
                        &mut out,
                    );
                }
            }
            AuthKind::SessionOpened if e.source.is_none() => {
                let remote = matches!(e.service.as_ref(), "sshd" | "dropbear" | "sshd-session");
                let Some(user) = e.user.as_deref() else {
                    continue;
                };
                if !remote {
                    continue;
                }
                let Some((_, tally)) = targeted.iter().find(|(u, _)| u == user) else {
                    continue;
                };
                let during = match (tally.first, tally.last, e.time) {
                    (Some(f), Some(l), Some(t)) => {
                        t >= f && t.as_second() <= l.as_second() + AFTER_ATTACK
                    }
                    _ => false,
                };
                if during {
                    push(
                        Success {
                            attacker: format!("attack on {user}"),
                            link: "targeted user",
                            user: Some(user.to_string()),
                            source: None,
                            method: "session".into(),
                            time: e.time,
                            first_failure: tally.first,
                            last_failure: tally.last,
                            failures: tally.failures,
                            evidence_path: path,
                            evidence_at: e.line,
                        },
                        &mut out,
                    );
                }
            }
            _ => {}
        }
    }
    for f in &data.wtmp {
        for r in &f.records {
            if r.kind != UtmpType::UserProcess {
                continue;
            }
            let src = r
                .addr
                .map(|a| a.to_string())
                .unwrap_or_else(|| r.host.clone());
            if src.is_empty() {
                continue;
            }
            if let Some((attacker, link, tally)) = attacker_for(data, &src, r.time) {
                push(
                    Success {
                        attacker,
                        link,
                        user: Some(r.user.clone()),
                        source: Some(src.clone()),
                        method: "wtmp".into(),
                        time: r.time,
                        first_failure: tally.first,
                        last_failure: tally.last,
                        failures: tally.failures,
                        evidence_path: f.path.clone(),
                        evidence_at: r.offset,
                    },
                    &mut out,
                );
            }
        }
    }
    for r in data.wtmpdb.iter().flatten() {
        if r.kind != huoyan_artifacts::wtmpdb::TYPE_USER || r.remote_host.is_empty() {
            continue;
        }
        if let Some((attacker, link, tally)) = attacker_for(data, &r.remote_host, r.login) {
            push(
                Success {
                    attacker,
                    link,
                    user: Some(r.user.clone()),
                    source: Some(r.remote_host.clone()),
                    method: "wtmpdb".into(),
                    time: r.login,
                    first_failure: tally.first,
                    last_failure: tally.last,
                    failures: tally.failures,
                    evidence_path: huoyan_artifacts::wtmpdb::PATH.into(),
                    evidence_at: r.id as u64,
                },
                &mut out,
            );
        }
    }
    out.sort_by_key(|a| a.time);
    out
}
