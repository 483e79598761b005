//! Counting failures without keeping them: per source address, per /24 (IPv6: /64) and per
//! target user, with first and last time, so a gigabyte of guessing costs a few kilobytes.
//!
//! Every table is capped ([`MAX_KEYS`]): when one is full, the least active half of its keys
//! is dropped (the busiest sources survive a spray from millions of addresses) and their counts
//! go to `overflow`, so totals stay honest and the caller can say what was left out.

use std::net::IpAddr;

use std::borrow::Cow;

use huoyan_artifacts::auth::{intern, AuthEvent, AuthKind, FailureRef, Name};
use huoyan_core::Timestamp;
use rustc_hash::FxHashMap;
use serde::Serialize;

/// Most distinct keys kept per table.
pub const MAX_KEYS: usize = 50_000;

/// The key cap of one [`FailureStats`] ([`MAX_KEYS`] unless a test lowers it).
#[derive(Debug, Clone, Copy)]
struct KeyCap(usize);

impl Default for KeyCap {
    fn default() -> Self {
        KeyCap(MAX_KEYS)
    }
}
/// Most distinct users remembered per source (and sources per user).
pub const MAX_NAMES: usize = 32;

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
    pub names: FxHashMap<String, u64>,
    /// Events whose name was not recorded because the cap was reached.
    pub names_overflow: u64,
    /// Services attacked (sshd, dropbear, vsftpd …).
    pub services: Vec<String>,
}

/// Consecutive failures or probes that only differ in time (a burst of guesses from one source
/// against one user), counted once into the tables.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Run {
    kind: AuthKind,
    source: Option<Name>,
    user: Option<Name>,
    invalid_user: bool,
    service: Cow<'static, str>,
    count: u64,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
}

/// Sets a name, keeping it when it is already the same (a burst's user often is).
fn set_name(slot: &mut Option<Name>, value: Option<&str>) {
    if slot.as_deref() != value {
        *slot = value.map(Name::from);
    }
}

impl Default for Run {
    fn default() -> Self {
        Run {
            kind: AuthKind::Failure,
            source: None,
            user: None,
            invalid_user: false,
            service: Cow::Borrowed(""),
            count: 0,
            first: None,
            last: None,
        }
    }
}

impl Run {
    /// Starts a new run with `e`, reusing this one's storage (field by field: no moves of the
    /// whole struct).
    fn restart(&mut self, e: &FailureRef<'_>) {
        self.kind = e.kind;
        set_name(&mut self.source, e.source);
        set_name(&mut self.user, e.user);
        self.invalid_user = e.invalid_user;
        if *self.service != *e.service {
            self.service = intern(e.service);
        }
        self.count = u64::from(e.count.max(1));
        self.first = e.time;
        self.last = e.time;
    }

    /// Takes `e` in if it only differs in time and count.
    fn absorb(&mut self, e: &FailureRef<'_>) -> bool {
        if self.kind != e.kind
            || self.invalid_user != e.invalid_user
            || self.source.as_deref() != e.source
            || self.user.as_deref() != e.user
            || *self.service != *e.service
        {
            return false;
        }
        self.count += u64::from(e.count.max(1));
        if let Some(t) = e.time {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
        true
    }
}

impl Tally {
    fn add(&mut self, r: &Run, name: Option<&str>, with_service: bool) {
        let n = r.count;
        match r.kind {
            AuthKind::Probe => self.probes += n,
            _ => self.failures += n,
        }
        if r.invalid_user {
            self.invalid_users += n;
        }
        if r.user.as_deref() == Some("root") && r.kind != AuthKind::Probe {
            self.root_attempts += n;
        }
        if let Some(t) = r.first {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
        }
        if let Some(t) = r.last {
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
        if let Some(name) = name.filter(|s| !s.is_empty() && r.kind != AuthKind::Probe) {
            if let Some(c) = self.names.get_mut(name) {
                *c += n;
            } else if self.names.len() < MAX_NAMES {
                self.names.insert(name.to_string(), n);
            } else {
                self.names_overflow += n;
            }
        }
        if with_service
            && self.services.len() < 8
            && !self.services.iter().any(|s| *s == *r.service)
        {
            self.services.push(r.service.to_string());
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

/// A /24 (IPv4) or /64 (IPv6), printed as `a.b.c.0/24` or `x:x:x:x::/64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Network {
    /// The first three octets.
    V4([u8; 3]),
    /// The first four segments.
    V6([u16; 4]),
}

impl std::fmt::Display for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Network::V4(o) => write!(f, "{}.{}.{}.0/24", o[0], o[1], o[2]),
            Network::V6(s) => write!(f, "{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3]),
        }
    }
}

impl Serialize for Network {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The network a source belongs to: its /24 for IPv4, its /64 for IPv6, `None` for names.
pub fn network_of(source: &str) -> Option<Network> {
    let first = *source.as_bytes().first()?;
    if !(first.is_ascii_hexdigit() || first == b':') {
        return None;
    }
    match source.parse::<IpAddr>().ok()? {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            Some(Network::V4([o[0], o[1], o[2]]))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            Some(Network::V6([s[0], s[1], s[2], s[3]]))
        }
    }
}

/// Failure tables of one pass.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FailureStats {
    /// Per source address (or host name, as logged).
    pub by_source: FxHashMap<String, Tally>,
    /// Per /24 (IPv6 /64).
    pub by_network: FxHashMap<Network, Tally>,
    /// Per target user.
    pub by_user: FxHashMap<String, Tally>,
    /// Failures without a source (local su/sudo/login).
    pub without_source: u64,
    /// Events not tallied because a table was full.
    pub overflow: u64,
    /// All failures.
    pub total_failures: u64,
    /// All probes.
    pub total_probes: u64,
    /// Failures counted in the totals but not yet in the tables (see [`FailureStats::flush`]);
    /// none when its count is 0.
    #[serde(skip)]
    run: Run,
    #[serde(skip)]
    cap: KeyCap,
}

/// Weight of a tally when a table must shed keys: its failures and probes.
fn weight(t: &Tally) -> u64 {
    t.failures.saturating_add(t.probes)
}

/// Keeps the `keep` heaviest keys of `table` (ties by key order are arbitrary but bounded);
/// returns the failures and probes of the keys dropped.
fn prune<K: std::hash::Hash + Eq>(table: &mut FxHashMap<K, Tally>, keep: usize) -> u64 {
    if table.len() <= keep {
        return 0;
    }
    // Rebuilt rather than removed from: removals would leave the table full of tombstones and
    // every later lookup would probe through them.
    let mut entries: Vec<(K, Tally)> = std::mem::take(table).into_iter().collect();
    entries.sort_unstable_by_key(|(_, t)| std::cmp::Reverse(weight(t)));
    let dropped = entries[keep..]
        .iter()
        .fold(0u64, |n, (_, t)| n.saturating_add(weight(t)));
    entries.truncate(keep);
    let mut fresh = FxHashMap::default();
    fresh.reserve(keep.saturating_mul(2));
    fresh.extend(entries);
    *table = fresh;
    dropped
}

/// Adds a burst to `key`'s tally; a full table first sheds its least active half. Returns the
/// failures and probes shed.
fn bump(
    table: &mut FxHashMap<String, Tally>,
    key: &str,
    r: &Run,
    name: Option<&str>,
    with_service: bool,
    cap: usize,
) -> u64 {
    if let Some(t) = table.get_mut(key) {
        t.add(r, name, with_service);
        return 0;
    }
    let shed = if table.len() >= cap {
        prune(table, cap / 2)
    } else {
        0
    };
    table
        .entry(key.to_string())
        .or_default()
        .add(r, name, with_service);
    shed
}

impl FailureStats {
    /// Tables capped at `cap` keys instead of [`MAX_KEYS`] (tests).
    pub fn with_key_cap(cap: usize) -> Self {
        FailureStats {
            cap: KeyCap(cap.max(2)),
            ..FailureStats::default()
        }
    }

    /// Counts one failure or probe event (other kinds are ignored). The totals count it at
    /// once; the tables when the burst it belongs to ends or at [`FailureStats::flush`].
    pub fn add(&mut self, e: &AuthEvent) {
        self.add_ref(&e.as_failure());
    }

    /// [`FailureStats::add`] for a failure whose names are borrowed.
    pub fn add_ref(&mut self, e: &FailureRef<'_>) {
        if !matches!(e.kind, AuthKind::Failure | AuthKind::Probe) {
            return;
        }
        let n = u64::from(e.count.max(1));
        if e.kind == AuthKind::Probe {
            self.total_probes += n;
        } else {
            self.total_failures += n;
        }
        if self.run.count > 0 && self.run.absorb(e) {
            return;
        }
        self.flush();
        self.run.restart(e);
    }

    /// Puts the pending burst into the tables. Reading the tables before a flush misses it:
    /// [`FailureStats::merge`] and [`FailureStats::derive_networks`] flush first.
    pub fn flush(&mut self) {
        if self.run.count == 0 {
            return;
        }
        let FailureStats {
            by_source,
            by_user,
            without_source,
            overflow,
            run: r,
            cap,
            ..
        } = self;
        let n = r.count;
        match r.source.as_deref() {
            // The per-network table is derived from this one once the pass is over
            // (`derive_networks`): a network's tally is the sum of its sources'.
            Some(src) => *overflow += bump(by_source, src, r, r.user.as_deref(), true, cap.0),
            None => *without_source += n,
        }
        if r.kind == AuthKind::Failure {
            if let Some(u) = r.user.as_deref().filter(|u| !u.is_empty()) {
                *overflow += bump(by_user, u, r, r.source.as_deref(), false, cap.0);
            }
        }
        r.count = 0;
    }

    /// Fills [`FailureStats::by_network`] from the per-source table (call once, after the last
    /// `add`/`merge`): each /24 (IPv6 /64) gets the sum of its sources' tallies, with the sources
    /// as its names.
    pub fn derive_networks(&mut self) {
        self.flush();
        let mut networks: FxHashMap<Network, Tally> = FxHashMap::default();
        let mut sources: Vec<(&String, &Tally)> = self.by_source.iter().collect();
        // Deterministic names under the cap: busiest sources first.
        sources.sort_by(|a, b| b.1.failures.cmp(&a.1.failures).then_with(|| a.0.cmp(b.0)));
        for (src, t) in sources {
            let Some(net) = network_of(src) else {
                continue;
            };
            if networks.len() >= self.cap.0 && !networks.contains_key(&net) {
                self.overflow += t.failures + t.probes;
                continue;
            }
            let n = networks.entry(net).or_default();
            let mut own = Tally {
                failures: t.failures,
                probes: t.probes,
                invalid_users: t.invalid_users,
                root_attempts: t.root_attempts,
                first: t.first,
                last: t.last,
                services: t.services.clone(),
                ..Tally::default()
            };
            if t.failures > 0 {
                own.names.insert(src.clone(), t.failures);
            }
            n.merge(own);
        }
        self.by_network = networks;
    }

    /// Merges another pass's tables.
    pub fn merge(&mut self, mut o: FailureStats) {
        self.flush();
        o.flush();
        let cap = self.cap.0.min(o.cap.0);
        self.cap = KeyCap(cap);
        self.overflow += merge_table(&mut self.by_source, o.by_source, cap);
        self.overflow += merge_table(&mut self.by_network, o.by_network, cap);
        self.overflow += merge_table(&mut self.by_user, o.by_user, cap);
        self.without_source += o.without_source;
        self.overflow += o.overflow;
        self.total_failures += o.total_failures;
        self.total_probes += o.total_probes;
    }
}

fn merge_table<K: std::hash::Hash + Eq>(
    table: &mut FxHashMap<K, Tally>,
    other: FxHashMap<K, Tally>,
    cap: usize,
) -> u64 {
    for (k, v) in other {
        if let Some(t) = table.get_mut(&k) {
            t.merge(v);
        } else {
            table.insert(k, v);
        }
    }
    // The heaviest keys of both survive.
    prune(table, cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 23 item 2: millions of distinct failing sources grew the tables to 1.2 GB. Tables
    /// now keep the busiest keys under the cap and count the rest in `overflow`.
    #[test]
    fn a_spray_from_many_sources_stays_under_the_cap_and_keeps_the_busiest() {
        let event = |src: String| AuthEvent {
            time: "2026-11-27T02:00:00Z".parse().ok(),
            kind: AuthKind::Failure,
            service: "sshd".into(),
            method: Some("password".into()),
            user: Some(format!("u{src}").into()),
            actor: None,
            source: Some(src.into()),
            invalid_user: true,
            pid: None,
            count: 1,
            line: 1,
            account: None,
            detail: None,
        };
        let mut s = FailureStats::with_key_cap(10);
        for i in 0..30 {
            s.add(&event("203.0.113.7".into()));
            s.add(&event(format!("198.51.{i}.1")));
        }
        for i in 0..500 {
            s.add(&event(format!("192.0.2.{}", i % 250)));
            s.add(&event(format!("10.{}.0.1", i)));
        }
        let mut other = FailureStats::with_key_cap(10);
        for i in 0..100 {
            other.add(&event(format!("172.16.{i}.1")));
        }
        s.merge(other);
        s.derive_networks();
        assert!(s.by_source.len() <= 10, "{}", s.by_source.len());
        assert!(s.by_user.len() <= 10);
        assert!(s.by_network.len() <= 10);
        assert_eq!(s.total_failures, 30 * 2 + 1000 + 100);
        assert!(s.overflow > 0);
        assert_eq!(
            s.by_source.get("203.0.113.7").map(|t| t.failures),
            Some(30),
            "the busiest source survives"
        );
    }

    #[test]
    fn network_tallies_are_the_sum_of_their_sources() {
        let event = |src: &str, user: &str, kind: AuthKind| AuthEvent {
            time: "2026-11-27T02:00:00Z".parse().ok(),
            kind,
            service: "sshd".into(),
            method: None,
            user: Some(user.into()),
            actor: None,
            source: Some(src.into()),
            invalid_user: false,
            pid: None,
            count: 1,
            line: 1,
            account: None,
            detail: None,
        };
        let mut stats = FailureStats::default();
        stats.add(&event("203.0.113.7", "root", AuthKind::Failure));
        stats.add(&event("203.0.113.7", "admin", AuthKind::Failure));
        stats.add(&event("203.0.113.9", "root", AuthKind::Failure));
        stats.add(&event("203.0.113.9", "", AuthKind::Probe));
        stats.add(&event("198.51.100.1", "root", AuthKind::Failure));
        stats.add(&event("host.example", "root", AuthKind::Failure));
        stats.derive_networks();
        assert_eq!(stats.by_network.len(), 2);
        let net = &stats.by_network[&Network::V4([203, 0, 113])];
        assert_eq!((net.failures, net.probes, net.root_attempts), (3, 1, 2));
        assert_eq!(net.names.get("203.0.113.7"), Some(&2));
        assert_eq!(net.names.get("203.0.113.9"), Some(&1));
        assert_eq!(net.services, vec!["sshd".to_string()]);
    }

    #[test]
    fn networks() {
        let s = |x: &str| network_of(x).map(|n| n.to_string());
        assert_eq!(s("203.0.113.77").as_deref(), Some("203.0.113.0/24"));
        assert_eq!(s("2001:db8:1:2:3::1").as_deref(), Some("2001:db8:1:2::/64"));
        assert_eq!(network_of("example.com"), None);
    }
}
