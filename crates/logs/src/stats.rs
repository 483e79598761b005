//! Counting failures without keeping them: per source address, per /24 (IPv6: /64) and per
//! target user, with first and last time, so a gigabyte of guessing costs a few kilobytes.
//!
//! Every table is capped ([`MAX_KEYS`]); what does not fit is counted in `overflow` so totals
//! stay honest even when an attacker sprays from a million addresses.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use huoyan_artifacts::auth::{AuthEvent, AuthKind};
use huoyan_core::Timestamp;
use serde::Serialize;

/// Most distinct keys kept per table.
pub const MAX_KEYS: usize = 200_000;
/// Most distinct users remembered per source (and sources per user).
pub const MAX_NAMES: usize = 64;

/// Failure counts for one key (a source, a network or a user).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Tally {
    /// Failed authentications (wrong password/key, invalid or refused user).
    pub failures: u64,
    /// Pre-authentication disconnects and protocol failures (scanning).
    pub probes: u64,
    /// Failures naming a user that does not exist.
    pub invalid_users: u64,
    /// Failures against root.
    pub root_attempts: u64,
    /// First failure or probe.
    pub first: Option<Timestamp>,
    /// Last failure or probe.
    pub last: Option<Timestamp>,
    /// Counts per user tried (for a source) or per source (for a user), capped.
    pub names: BTreeMap<String, u64>,
    /// Distinct names seen beyond the cap.
    pub names_overflow: u64,
    /// Services attacked (sshd, dropbear, vsftpd …).
    pub services: Vec<String>,
}

impl Tally {
    fn add(&mut self, e: &AuthEvent, name: Option<&str>) {
        let n = u64::from(e.count.max(1));
        match e.kind {
            AuthKind::Probe => self.probes += n,
            _ => self.failures += n,
        }
        if e.invalid_user {
            self.invalid_users += n;
        }
        if e.user.as_deref() == Some("root") && e.kind != AuthKind::Probe {
            self.root_attempts += n;
        }
        if let Some(t) = e.time {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
        if let Some(name) = name.filter(|s| !s.is_empty() && e.kind != AuthKind::Probe) {
            if let Some(c) = self.names.get_mut(name) {
                *c += n;
            } else if self.names.len() < MAX_NAMES {
                self.names.insert(name.to_string(), n);
            } else {
                self.names_overflow += 1;
            }
        }
        if self.services.len() < 8 && !self.services.iter().any(|s| s == &e.service) {
            self.services.push(e.service.clone());
        }
    }

    fn merge(&mut self, o: Tally) {
        self.failures += o.failures;
        self.probes += o.probes;
        self.invalid_users += o.invalid_users;
        self.root_attempts += o.root_attempts;
        self.first = match (self.first, o.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = match (self.last, o.last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        for (k, v) in o.names {
            if let Some(c) = self.names.get_mut(&k) {
                *c += v;
            } else if self.names.len() < MAX_NAMES {
                self.names.insert(k, v);
            } else {
                self.names_overflow += 1;
            }
        }
        self.names_overflow += o.names_overflow;
        for s in o.services {
            if self.services.len() < 8 && !self.services.contains(&s) {
                self.services.push(s);
            }
        }
    }
}

/// The network a source belongs to: `a.b.c.0/24` for IPv4, the /64 for IPv6, `None` for names.
pub fn network_of(source: &str) -> Option<String> {
    match source.parse::<IpAddr>().ok()? {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            Some(format!("{}.{}.{}.0/24", o[0], o[1], o[2]))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            Some(format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3]))
        }
    }
}

/// Failure tables of one pass.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FailureStats {
    /// Per source address (or host name, as logged).
    pub by_source: HashMap<String, Tally>,
    /// Per /24 (IPv6 /64).
    pub by_network: HashMap<String, Tally>,
    /// Per target user.
    pub by_user: HashMap<String, Tally>,
    /// Failures without a source (local su/sudo/login).
    pub without_source: u64,
    /// Events not tallied because a table was full.
    pub overflow: u64,
    /// All failures.
    pub total_failures: u64,
    /// All probes.
    pub total_probes: u64,
}

fn bump(table: &mut HashMap<String, Tally>, key: &str, e: &AuthEvent, name: Option<&str>) -> bool {
    if let Some(t) = table.get_mut(key) {
        t.add(e, name);
        return true;
    }
    if table.len() >= MAX_KEYS {
        return false;
    }
    table.entry(key.to_string()).or_default().add(e, name);
    true
}

impl FailureStats {
    /// Counts one failure or probe event (other kinds are ignored).
    pub fn add(&mut self, e: &AuthEvent) {
        if !matches!(e.kind, AuthKind::Failure | AuthKind::Probe) {
            return;
        }
        let n = u64::from(e.count.max(1));
        if e.kind == AuthKind::Probe {
            self.total_probes += n;
        } else {
            self.total_failures += n;
        }
        let mut full = false;
        match e.source.as_deref() {
            Some(src) => {
                full |= !bump(&mut self.by_source, src, e, e.user.as_deref());
                if let Some(net) = network_of(src) {
                    full |= !bump(&mut self.by_network, &net, e, Some(src));
                }
            }
            None => self.without_source += n,
        }
        if e.kind == AuthKind::Failure {
            if let Some(u) = e.user.as_deref().filter(|u| !u.is_empty()) {
                full |= !bump(&mut self.by_user, u, e, e.source.as_deref());
            }
        }
        if full {
            self.overflow += n;
        }
    }

    /// Merges another pass's tables.
    pub fn merge(&mut self, o: FailureStats) {
        for (table, other) in [
            (&mut self.by_source, o.by_source),
            (&mut self.by_network, o.by_network),
            (&mut self.by_user, o.by_user),
        ] {
            for (k, v) in other {
                if let Some(t) = table.get_mut(&k) {
                    t.merge(v);
                } else if table.len() < MAX_KEYS {
                    table.insert(k, v);
                } else {
                    self.overflow += v.failures + v.probes;
                }
            }
        }
        self.without_source += o.without_source;
        self.overflow += o.overflow;
        self.total_failures += o.total_failures;
        self.total_probes += o.total_probes;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks() {
        assert_eq!(
            network_of("203.0.113.77").as_deref(),
            Some("203.0.113.0/24")
        );
        assert_eq!(
            network_of("2001:db8:1:2:3::1").as_deref(),
            Some("2001:db8:1:2::/64")
        );
        assert_eq!(network_of("example.com"), None);
    }
}
