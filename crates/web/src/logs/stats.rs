//! Per-source-IP statistics over the access logs: how many requests, which attack classes,
//! first and last seen, share of 4xx answers, distinct paths — the numbers a responder uses to
//! separate the attacker from the crowd.

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap, HashSet};

use huoyan_core::Timestamp;
use serde::Serialize;

use super::classify::AttackClass;
use super::parse::AccessRecord;

/// Cap on distinct paths remembered per IP.
pub const MAX_PATHS_PER_IP: usize = 10_000;
/// Cap on distinct IPs tracked (a botnet flood must not exhaust memory).
pub const MAX_IPS: usize = 500_000;

/// Statistics for one client address.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IpStats {
    /// Requests seen.
    pub requests: u64,
    /// Requests answered 4xx.
    pub client_errors: u64,
    /// POST requests.
    pub posts: u64,
    /// Requests carrying at least one exploit class.
    pub attack_requests: u64,
    /// Classes seen.
    pub classes: BTreeSet<AttackClass>,
    /// First request.
    pub first: Option<Timestamp>,
    /// Last request.
    pub last: Option<Timestamp>,
    /// Distinct paths (capped), as 64-bit hashes of the still-encoded path: a flood of long
    /// random paths costs 8 bytes each, not the paths themselves.
    #[serde(skip)]
    pub paths: HashSet<u64>,
    /// Distinct paths count (capped at [`MAX_PATHS_PER_IP`]).
    pub distinct_paths: usize,
    /// A few user agents seen: the first five distinct, in the order they came (so that
    /// joining the tables of consecutive chunks keeps the same five as one pass); serialised
    /// sorted.
    #[serde(serialize_with = "sorted")]
    pub user_agents: Vec<String>,
}

fn sorted<S: serde::Serializer>(v: &[String], s: S) -> Result<S::Ok, S::Error> {
    let mut v: Vec<&String> = v.iter().collect();
    v.sort();
    s.collect_seq(v)
}

/// The hash a distinct path is remembered by (fixed keys: equal in every chunk and run).
pub fn path_hash(path: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(path)
}

impl IpStats {
    fn note_user_agent(&mut self, ua: String) {
        if !self.user_agents.contains(&ua) {
            self.user_agents.push(ua);
        }
    }

    /// [`IpStats::user_agents`] sorted.
    pub fn user_agents_sorted(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.user_agents.iter().map(String::as_str).collect();
        v.sort_unstable();
        v
    }

    /// Share of 4xx answers.
    pub fn client_error_ratio(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.client_errors as f64 / self.requests as f64
        }
    }
}

/// All IPs.
#[derive(Debug, Clone, Default)]
pub struct IpTable {
    /// Stats by IP.
    pub by_ip: HashMap<String, IpStats>,
    /// IPs dropped because the table was full.
    pub dropped: u64,
}

impl IpTable {
    /// Adds one request.
    pub fn add(&mut self, rec: &AccessRecord, classes: &[AttackClass]) {
        if !self.by_ip.contains_key(&rec.ip) && self.by_ip.len() >= MAX_IPS {
            self.dropped += 1;
            return;
        }
        let s = self.by_ip.entry(rec.ip.clone()).or_default();
        s.requests += 1;
        if rec.status.is_some_and(|c| (400..500).contains(&c)) {
            s.client_errors += 1;
        }
        if rec.method == "POST" {
            s.posts += 1;
        }
        if classes.iter().any(|c| c.is_exploit()) {
            s.attack_requests += 1;
        }
        s.classes.extend(classes.iter().copied());
        if let Some(t) = rec.time {
            if s.first.is_none_or(|f| t < f) {
                s.first = Some(t);
            }
            if s.last.is_none_or(|l| t > l) {
                s.last = Some(t);
            }
        }
        if s.paths.len() < MAX_PATHS_PER_IP {
            s.paths.insert(path_hash(rec.path()));
        }
        s.distinct_paths = s.paths.len();
        if s.user_agents.len() < 5 && !rec.user_agent.is_empty() {
            s.note_user_agent(rec.user_agent.chars().take(200).collect());
        }
    }

    /// Merges the table of a later chunk or another file. A new IP beyond [`MAX_IPS`] is
    /// dropped with its requests counted in `dropped`, as in [`IpTable::add`].
    pub fn merge(&mut self, other: IpTable) {
        self.dropped += other.dropped;
        for (ip, o) in other.by_ip {
            let full = self.by_ip.len() >= MAX_IPS;
            let s = match self.by_ip.entry(ip) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(_) if full => {
                    self.dropped += o.requests;
                    continue;
                }
                // A new address: its statistics move over as they are.
                Entry::Vacant(e) => {
                    e.insert(o);
                    continue;
                }
            };
            s.requests += o.requests;
            s.client_errors += o.client_errors;
            s.posts += o.posts;
            s.attack_requests += o.attack_requests;
            s.classes.extend(o.classes);
            s.first = match (s.first, o.first) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            s.last = match (s.last, o.last) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            for p in o.paths {
                if s.paths.len() >= MAX_PATHS_PER_IP {
                    break;
                }
                s.paths.insert(p);
            }
            s.distinct_paths = s.paths.len();
            for u in o.user_agents {
                if s.user_agents.len() < 5 {
                    s.note_user_agent(u);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::parse::parse_line;

    #[test]
    fn counts() {
        let mut t = IpTable::default();
        let a = parse_line(
            "1.2.3.4 - - [01/Jan/2024:00:00:00 +0000] \"GET /a HTTP/1.1\" 404 1 \"-\" \"x\"",
        )
        .expect("p");
        let b = parse_line(
            "1.2.3.4 - - [01/Jan/2024:00:01:00 +0000] \"POST /b HTTP/1.1\" 200 1 \"-\" \"x\"",
        )
        .expect("p");
        t.add(&a, &[AttackClass::Probe]);
        t.add(&b, &[AttackClass::Sqli]);
        let s = &t.by_ip["1.2.3.4"];
        assert_eq!(s.requests, 2);
        assert_eq!(s.posts, 1);
        assert_eq!(s.attack_requests, 1);
        assert_eq!(s.distinct_paths, 2);
        assert!((s.client_error_ratio() - 0.5).abs() < 1e-9);
        assert!(s.first < s.last);
    }
}
