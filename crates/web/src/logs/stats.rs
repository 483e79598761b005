//! Per-source-IP statistics over the access logs: how many requests, which attack classes,
//! first and last seen, share of 4xx answers, distinct paths — the numbers a responder uses to
//! separate the attacker from the crowd.

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use huoyan_core::Timestamp;
use serde::Serialize;

use super::classify::AttackClass;
use super::parse::AccessRecord;

/// Cap on distinct paths remembered per IP.
pub const MAX_PATHS_PER_IP: usize = 10_000;
/// Cap on distinct IPs tracked (a botnet flood must not exhaust memory).
pub const MAX_IPS: usize = 100_000;
/// Room beyond [`MAX_IPS`] for addresses whose requests carry attacks: an attacker hiding in a
/// flood of other addresses is still tracked.
pub const MAX_ATTACKER_IPS_EXTRA: usize = 10_000;
/// Cap on distinct user agents shared between IPs (beyond it each IP keeps its own copy).
pub const MAX_SHARED_AGENTS: usize = 16_384;
/// Answered server-side exploit targets remembered per IP.
pub const ANSWERED_TARGETS_PER_IP: usize = 64;
/// Distinct exploit targets whose senders are counted (beyond it a new target counts as rare).
pub const MAX_TARGETS: usize = 200_000;
/// Sources counted per exploit target: this many or more make it a campaign.
pub const CAMPAIGN_SOURCES: usize = 3;

/// The hash an exploit request's target is remembered by: lower-cased, digit runs folded to
/// `0`, so a botnet's copies of one payload (`vars[1][]=HelloThinkPHP21`, `?id=1'…`) meet.
pub fn target_hash(target: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher, Hasher};
    let mut h = BuildHasherDefault::<DefaultHasher>::default().build_hasher();
    let mut in_digits = false;
    for b in target.bytes() {
        if b.is_ascii_digit() {
            if !in_digits {
                h.write_u8(b'0');
            }
            in_digits = true;
        } else {
            in_digits = false;
            h.write_u8(b.to_ascii_lowercase());
        }
    }
    h.finish()
}

/// Up to [`CAMPAIGN_SOURCES`] distinct senders (address hashes) of one exploit target.
#[derive(Debug, Clone, Copy, Default)]
pub struct TargetSources {
    ips: [u64; CAMPAIGN_SOURCES],
    n: u8,
}

impl TargetSources {
    fn add(&mut self, ip: u64) {
        let n = usize::from(self.n);
        if n < CAMPAIGN_SOURCES && !self.ips[..n].contains(&ip) {
            self.ips[n] = ip;
            self.n += 1;
        }
    }

    /// Distinct senders, capped at [`CAMPAIGN_SOURCES`].
    pub fn count(&self) -> usize {
        usize::from(self.n)
    }
}

/// Hashes a value that already is a 64-bit hash: as it is.
#[derive(Default)]
pub struct AlreadyHashed(u64);

impl Hasher for AlreadyHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// The distinct paths of one IP, as hashes: most clients ask for a few paths, which fit inline;
/// a set is allocated only for more.
#[derive(Debug, Clone)]
pub enum PathSet {
    /// Up to four hashes (the first `n`).
    Few([u64; 4], u8),
    /// More.
    Many(HashSet<u64, BuildHasherDefault<AlreadyHashed>>),
}

impl Default for PathSet {
    fn default() -> Self {
        PathSet::Few([0; 4], 0)
    }
}

impl PathSet {
    /// How many distinct hashes.
    pub fn len(&self) -> usize {
        match self {
            PathSet::Few(_, n) => usize::from(*n),
            PathSet::Many(set) => set.len(),
        }
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds a hash.
    pub fn insert(&mut self, h: u64) {
        match self {
            PathSet::Few(few, n) => {
                let used = &few[..usize::from(*n)];
                if used.contains(&h) {
                    return;
                }
                if usize::from(*n) < few.len() {
                    few[usize::from(*n)] = h;
                    *n += 1;
                    return;
                }
                let mut set: HashSet<u64, BuildHasherDefault<AlreadyHashed>> =
                    few.iter().copied().collect();
                set.insert(h);
                *self = PathSet::Many(set);
            }
            PathSet::Many(set) => {
                set.insert(h);
            }
        }
    }

    /// The hashes.
    pub fn to_vec(&self) -> Vec<u64> {
        match self {
            PathSet::Few(few, n) => few[..usize::from(*n)].to_vec(),
            PathSet::Many(set) => set.iter().copied().collect(),
        }
    }
}

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
    /// Of those, the ones answered 2xx (the server did what was asked: possible success).
    pub attacks_answered_ok: u64,
    /// The targets (see [`target_hash`]) of the first [`ANSWERED_TARGETS_PER_IP`] distinct
    /// requests answered 2xx whose class acts on the server: whether one of them was this
    /// source's own (not a campaign many sources sent) is decided at the end, with
    /// [`IpTable::sources_of`].
    #[serde(skip)]
    pub answered_targets: Vec<u64>,
    /// Classes seen.
    pub classes: BTreeSet<AttackClass>,
    /// First request.
    pub first: Option<Timestamp>,
    /// Last request.
    pub last: Option<Timestamp>,
    /// Distinct paths (capped), as 64-bit hashes of the still-encoded path: a flood of long
    /// random paths costs 8 bytes each, not the paths themselves.
    #[serde(skip)]
    pub paths: PathSet,
    /// Distinct paths count (capped at [`MAX_PATHS_PER_IP`]).
    pub distinct_paths: usize,
    /// A few user agents seen: the first five distinct, in the order they came (so that
    /// joining the tables of consecutive chunks keeps the same five as one pass); serialised
    /// sorted.
    #[serde(serialize_with = "sorted")]
    pub user_agents: Vec<Arc<str>>,
}

fn sorted<S: serde::Serializer>(v: &[Arc<str>], s: S) -> Result<S::Ok, S::Error> {
    let mut v: Vec<&str> = v.iter().map(|a| &**a).collect();
    v.sort_unstable();
    s.collect_seq(v)
}

/// The hash a distinct path is remembered by (fixed keys: equal in every chunk and run).
pub fn path_hash(path: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(path)
}

impl IpStats {
    fn note_user_agent(&mut self, ua: Arc<str>) {
        if !self.user_agents.contains(&ua) {
            // Most clients send one agent: no room for four until a second comes.
            if self.user_agents.is_empty() {
                self.user_agents.reserve_exact(1);
            }
            self.user_agents.push(ua);
        }
    }

    /// [`IpStats::user_agents`] sorted.
    pub fn user_agents_sorted(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.user_agents.iter().map(|a| &**a).collect();
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

/// How many addresses the table may hold when adding one that did (or did not) send attacks.
fn room_for(attacker: bool) -> usize {
    if attacker {
        MAX_IPS + MAX_ATTACKER_IPS_EXTRA
    } else {
        MAX_IPS
    }
}

/// All IPs.
#[derive(Debug, Clone, Default)]
pub struct IpTable {
    /// Stats by IP.
    pub by_ip: HashMap<String, IpStats>,
    /// IPs dropped because the table was full.
    pub dropped: u64,
    /// User agents shared by the IPs that sent them (browsers repeat a handful of strings).
    agents: HashSet<Arc<str>>,
    /// Senders of each exploit target (at most [`MAX_TARGETS`] targets).
    targets: HashMap<u64, TargetSources, BuildHasherDefault<AlreadyHashed>>,
}

impl IpTable {
    /// How many distinct sources sent the exploit target `hash` (capped at
    /// [`CAMPAIGN_SOURCES`]; 0 when it was not tracked).
    pub fn sources_of(&self, hash: u64) -> usize {
        self.targets.get(&hash).map_or(0, TargetSources::count)
    }

    /// True when one of the answered server-side exploits of `s` was its own: sent by fewer
    /// than [`CAMPAIGN_SOURCES`] sources. A payload that hundreds of addresses send to every
    /// server (and that a front controller answers 200 like any other URL) is not a success.
    pub fn answered_own_exploit(&self, s: &IpStats) -> bool {
        s.answered_targets
            .iter()
            .any(|t| self.sources_of(*t) < CAMPAIGN_SOURCES)
    }

    /// Adds one request.
    pub fn add(&mut self, rec: &AccessRecord, classes: &[AttackClass]) {
        if self.by_ip.len() >= room_for(!classes.is_empty()) && !self.by_ip.contains_key(&rec.ip) {
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
            let answered = rec.status.is_some_and(|c| (200..300).contains(&c));
            if answered {
                s.attacks_answered_ok += 1;
            }
            let target = target_hash(&rec.target);
            if answered
                && classes.iter().any(|c| c.acts_on_server())
                && s.answered_targets.len() < ANSWERED_TARGETS_PER_IP
                && !s.answered_targets.contains(&target)
            {
                s.answered_targets.push(target);
            }
            let len = self.targets.len();
            match self.targets.entry(target) {
                Entry::Occupied(mut e) => e.get_mut().add(path_hash(&rec.ip)),
                Entry::Vacant(e) if len < MAX_TARGETS => {
                    e.insert(TargetSources::default()).add(path_hash(&rec.ip))
                }
                Entry::Vacant(_) => {}
            }
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
            let ua = match rec.user_agent.char_indices().nth(200) {
                Some((cut, _)) => &rec.user_agent[..cut],
                None => rec.user_agent.as_str(),
            };
            let shared = match self.agents.get(ua) {
                Some(a) => a.clone(),
                None => {
                    let a: Arc<str> = Arc::from(ua);
                    if self.agents.len() < MAX_SHARED_AGENTS {
                        self.agents.insert(a.clone());
                    }
                    a
                }
            };
            s.note_user_agent(shared);
        }
    }

    /// Merges the table of a later chunk or another file. A new IP beyond [`MAX_IPS`] is
    /// dropped with its requests counted in `dropped`, as in [`IpTable::add`].
    ///
    /// When the new addresses do not all fit, the ones kept are chosen the same way in every run:
    /// addresses that sent attacks first, then by first request, then by address.
    pub fn merge(&mut self, other: IpTable) {
        self.dropped += other.dropped;
        for (target, o) in other.targets {
            let len = self.targets.len();
            match self.targets.entry(target) {
                Entry::Occupied(mut e) => {
                    for ip in &o.ips[..usize::from(o.n)] {
                        e.get_mut().add(*ip);
                    }
                }
                Entry::Vacant(e) if len < MAX_TARGETS => {
                    e.insert(o);
                }
                Entry::Vacant(_) => {}
            }
        }
        let mut entries: Vec<(String, IpStats)> = other.by_ip.into_iter().collect();
        if self.by_ip.len() + entries.len() > MAX_IPS {
            entries.sort_unstable_by(|a, b| {
                (a.1.classes.is_empty(), a.1.first, &a.0).cmp(&(
                    b.1.classes.is_empty(),
                    b.1.first,
                    &b.0,
                ))
            });
        }
        for (ip, o) in entries {
            let full = self.by_ip.len() >= room_for(!o.classes.is_empty());
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
            s.attacks_answered_ok += o.attacks_answered_ok;
            for t in o.answered_targets {
                if s.answered_targets.len() < ANSWERED_TARGETS_PER_IP
                    && !s.answered_targets.contains(&t)
                {
                    s.answered_targets.push(t);
                }
            }
            s.classes.extend(o.classes);
            s.first = match (s.first, o.first) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            s.last = match (s.last, o.last) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            for p in o.paths.to_vec() {
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

    fn full_table() -> IpTable {
        let mut t = IpTable::default();
        t.by_ip.reserve(MAX_IPS);
        for i in 0..MAX_IPS {
            t.by_ip.insert(format!("f{i}"), IpStats::default());
        }
        t
    }

    fn request(ip: &str, minute: u32) -> AccessRecord {
        parse_line(&format!(
            "{ip} - - [01/Jan/2024:00:{minute:02}:00 +0000] \"GET /a HTTP/1.1\" 200 1 \"-\" \"x\""
        ))
        .expect("parse")
    }

    /// A full table still tracks a new address that attacks, and drops one that does not.
    #[test]
    fn attackers_get_room_beyond_the_cap() {
        let mut t = full_table();
        t.add(&request("192.0.2.1", 0), &[]);
        t.add(&request("192.0.2.2", 0), &[AttackClass::Sqli]);
        assert!(!t.by_ip.contains_key("192.0.2.1"));
        assert!(t.by_ip.contains_key("192.0.2.2"));
        assert_eq!(t.dropped, 1);
    }

    /// Which new addresses a nearly full table keeps does not depend on hash order: attackers
    /// first, then the earliest.
    #[test]
    fn merging_into_a_full_table_is_deterministic() {
        let mut t = full_table();
        t.by_ip.remove("f0");
        t.by_ip.remove("f1");
        let mut other = IpTable::default();
        other.add(&request("192.0.2.30", 30), &[]);
        other.add(&request("192.0.2.10", 10), &[]);
        other.add(&request("192.0.2.20", 20), &[]);
        other.add(&request("192.0.2.99", 59), &[AttackClass::Xss]);
        t.merge(other);
        assert!(t.by_ip.contains_key("192.0.2.99"));
        assert!(t.by_ip.contains_key("192.0.2.10"));
        assert!(!t.by_ip.contains_key("192.0.2.20"));
        assert!(!t.by_ip.contains_key("192.0.2.30"));
        assert_eq!(t.dropped, 2);
    }

    #[test]
    fn path_sets_count_distinct_hashes() {
        let mut p = PathSet::default();
        for round in 0..2 {
            for h in 0..10u64 {
                p.insert(h * 7);
            }
            assert_eq!(p.len(), 10, "round {round}");
        }
        let mut few = PathSet::default();
        few.insert(1);
        few.insert(1);
        few.insert(2);
        assert_eq!(few.len(), 2);
        assert!(matches!(few, PathSet::Few(..)));
    }

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
