//! What authenticated users did that a responder checks after any intrusion: logins from
//! addresses the account never used before, logins at hours the account is never active,
//! becoming root with su or sudo, account and group changes, password changes, sshd restarts.

use std::collections::{HashMap, HashSet};

use huoyan_artifacts::auth::AuthKind;
use huoyan_core::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use crate::{Event, LogData};

/// Earlier logins an account needs before a new source is remarkable.
pub const MIN_HISTORY: usize = 3;
/// Logins an account needs before its hours are known.
pub const MIN_HOURS_HISTORY: usize = 10;

/// A login worth a look, with the history that makes it so.
#[derive(Debug, Clone, Serialize)]
pub struct NotableLogin<'a> {
    /// The login.
    pub event: &'a Event,
    /// Earlier logins of the account.
    pub history: usize,
    /// Sources the account used before (up to 10).
    pub known_sources: Vec<String>,
    /// Local hour of the login (for unusual hours).
    pub local_hour: Option<i8>,
}

fn accepted(data: &LogData) -> impl Iterator<Item = &Event> {
    data.events
        .iter()
        .filter(|e| e.event.kind == AuthKind::Accepted)
}

/// Logins from a source the account had not used in its earlier logins (needs
/// [`MIN_HISTORY`] earlier logins; only logins at or after `since` are reported).
pub fn new_sources(data: &LogData, since: Option<Timestamp>) -> Vec<NotableLogin<'_>> {
    let mut seen: HashMap<&str, (usize, Vec<&str>)> = HashMap::new();
    let mut out = Vec::new();
    for ev in accepted(data) {
        let (Some(user), Some(src)) = (ev.event.user.as_deref(), ev.event.source.as_deref()) else {
            continue;
        };
        let entry = seen.entry(user).or_default();
        let recent = since.is_none_or(|s| ev.event.time.is_none_or(|t| t >= s));
        if !entry.1.contains(&src) {
            if entry.0 >= MIN_HISTORY && recent {
                out.push(NotableLogin {
                    event: ev,
                    history: entry.0,
                    known_sources: entry.1.iter().take(10).map(|s| s.to_string()).collect(),
                    local_hour: None,
                });
            }
            if entry.1.len() < 1000 {
                entry.1.push(src);
            }
        }
        entry.0 += 1;
    }
    out
}

/// Logins between 00:00 and 05:59 local time by accounts whose other logins (at least
/// [`MIN_HOURS_HISTORY`]) are at least 90 % between 07:00 and 20:59.
pub fn unusual_hours<'a>(data: &'a LogData, tz: &TimeZone) -> Vec<NotableLogin<'a>> {
    let mut per_user: HashMap<&str, Vec<(&Event, i8)>> = HashMap::new();
    for ev in accepted(data) {
        let (Some(user), Some(t)) = (ev.event.user.as_deref(), ev.event.time) else {
            continue;
        };
        let hour = t.to_zoned(tz.clone()).hour();
        per_user.entry(user).or_default().push((ev, hour));
    }
    let mut out = Vec::new();
    for logins in per_user.values() {
        if logins.len() < MIN_HOURS_HISTORY {
            continue;
        }
        let day = logins.iter().filter(|(_, h)| (7..=20).contains(h)).count();
        if day * 10 < logins.len() * 9 {
            continue;
        }
        for (ev, h) in logins {
            if (0..=5).contains(h) {
                out.push(NotableLogin {
                    event: ev,
                    history: logins.len(),
                    known_sources: Vec::new(),
                    local_hour: Some(*h),
                });
            }
        }
    }
    out.sort_by_key(|a| a.event.event.time);
    out
}

/// Who became root, how often, first and last time, and sample commands.
#[derive(Debug, Clone, Serialize)]
pub struct RootUse<'a> {
    /// The account that became root.
    pub actor: String,
    /// `su` or `sudo`.
    pub via: &'static str,
    /// How many times.
    pub count: u64,
    /// Refusals (wrong password, not in sudoers).
    pub refused: u64,
    /// First time.
    pub first: Option<Timestamp>,
    /// Last time.
    pub last: Option<Timestamp>,
    /// Up to 10 distinct sudo commands.
    pub commands: Vec<String>,
    /// The events.
    #[serde(skip)]
    pub events: Vec<&'a Event>,
}

/// su and sudo to root, per actor and tool.
pub fn root_use(data: &LogData) -> Vec<RootUse<'_>> {
    let mut map: HashMap<(String, &'static str), RootUse<'_>> = HashMap::new();
    for ev in &data.events {
        let e = &ev.event;
        let (via, ok) = match e.kind {
            AuthKind::Su => ("su", true),
            AuthKind::SuFailure => ("su", false),
            AuthKind::Sudo => ("sudo", true),
            AuthKind::SudoFailure => ("sudo", false),
            _ => continue,
        };
        if ok && e.user.as_deref() != Some("root") {
            continue;
        }
        let actor = e.actor.as_deref().unwrap_or("?").to_string();
        if actor == "root" {
            continue;
        }
        let r = map.entry((actor.clone(), via)).or_insert_with(|| RootUse {
            actor,
            via,
            count: 0,
            refused: 0,
            first: None,
            last: None,
            commands: Vec::new(),
            events: Vec::new(),
        });
        if ok {
            r.count += u64::from(e.count);
        } else {
            r.refused += u64::from(e.count);
        }
        if let Some(t) = e.time {
            r.first = Some(r.first.map_or(t, |f| f.min(t)));
            r.last = Some(r.last.map_or(t, |l| l.max(t)));
        }
        if let Some(cmd) = e.detail.as_ref().filter(|_| ok && via == "sudo") {
            if r.commands.len() < 10 && !r.commands.contains(cmd) {
                r.commands.push(cmd.clone());
            }
        }
        if r.events.len() < 100 {
            r.events.push(ev);
        }
    }
    let mut out: Vec<_> = map.into_values().collect();
    out.sort_by(|a, b| a.actor.cmp(&b.actor).then(a.via.cmp(b.via)));
    out
}

/// Account, group and password changes, in time order.
pub fn account_changes(data: &LogData) -> Vec<&Event> {
    let mut seen = HashSet::new();
    data.events
        .iter()
        .filter(|e| e.event.kind == AuthKind::Account)
        .filter(|e| {
            seen.insert((
                e.event.time,
                e.event.account,
                e.event.user.clone(),
                e.event.detail.clone(),
            ))
        })
        .collect()
}

/// sshd starts, reloads and stops, in time order.
pub fn sshd_restarts(data: &LogData) -> Vec<&Event> {
    data.events
        .iter()
        .filter(|e| {
            matches!(
                e.event.kind,
                AuthKind::SshdStarted | AuthKind::SshdReloaded | AuthKind::SshdStopped
            )
        })
        .collect()
}
