//! Login records that disagree with each other: lastlog behind wtmp, wtmp out of order while the
//! authentication log runs on, and logins of the authentication log that wtmp does not hold.
//!
//! A Linux host records one interactive login in several places written by different code:
//! sshd's `record_login` (or `login`, or pam_lastlog) appends a record to `/var/log/wtmp` and
//! overwrites the account's slot of `/var/log/lastlog`; syslog or the journal gets sshd's
//! `Accepted …` line. Log cleaners edit one or two of them (`last` reads wtmp, `lastlog` reads
//! lastlog), so the three stop agreeing. What legitimately makes them differ is known and
//! excluded here: sessions without a terminal (`scp`, `sftp`, `ssh host command`) write neither
//! wtmp nor lastlog; hosts that keep no lastlog at all (Debian 13, Fedora 40 moved to wtmpdb and
//! lastlog2); clock steps, which the system marks with boot and time-change records.
//!
//! - [`stale_lastlog`]: an account whose lastlog slot is zero or older than its latest remote
//!   login in wtmp, on a host whose lastlog otherwise keeps up with wtmp;
//! - [`wtmp_disorder`]: a wtmp record earlier than the one before it by more than
//!   [`ORDER_TOLERANCE`], with no boot or clock-change record beside it, while the authentication
//!   log shows logins inside the span the two times enclose;
//! - [`unrecorded_logins`]: accepted logins of the authentication log, inside the time wtmp
//!   covers, with no wtmp or wtmpdb record of that user near them.

use std::collections::HashMap;

use huoyan_artifacts::auth::AuthKind;
use huoyan_artifacts::utmp::{UtmpRecord, UtmpType};
use huoyan_core::{Root, Timestamp};
use serde::Serialize;

use crate::LogData;

/// How far apart two records of one login may be (clocks, the seconds PAM takes).
pub const TOLERANCE: i64 = 120;
/// How far a wtmp record may lie before the one preceding it (two logins finishing their
/// records in the other order) before the order is broken.
pub const ORDER_TOLERANCE: i64 = 300;

/// A wtmp record of an interactive remote login: a user process on a terminal with a remote
/// host (not tmux's, screen's or mosh's own entries, whose host names the multiplexer).
pub fn remote_login(r: &UtmpRecord) -> bool {
    if r.kind != UtmpType::UserProcess || r.user.is_empty() || r.time.is_none() {
        return false;
    }
    let host = r.host.as_str();
    if r.addr.is_none() && host.is_empty() {
        return false;
    }
    !(host.starts_with(':') || host.starts_with("tmux(") || host.contains("mosh"))
}

/// An account whose lastlog slot lags behind wtmp.
#[derive(Debug, Clone, Serialize)]
pub struct StaleLastlog {
    /// The account.
    pub user: String,
    /// Its uid (the lastlog slot).
    pub uid: u32,
    /// What lastlog holds: `None` for a zero record.
    pub lastlog_time: Option<Timestamp>,
    /// The latest remote login wtmp shows for it.
    pub login_time: Timestamp,
    /// From where.
    pub login_from: String,
    /// The wtmp file and the record's offset.
    pub wtmp_path: String,
    /// Byte offset of that record.
    pub wtmp_offset: u64,
}

/// Accounts whose lastlog slot is zero or older than their latest remote wtmp login by more than
/// [`TOLERANCE`], and whether lastlog is kept on this host at all (some account's slot agrees
/// with its latest wtmp login). Nothing is concluded when it is not (`false`, empty list).
pub fn stale_lastlog(data: &LogData, root: &Root) -> (bool, Vec<StaleLastlog>) {
    if !data.lastlog_read {
        return (false, Vec::new());
    }
    // Latest remote login per user: (time, from, path, offset).
    let mut latest: HashMap<&str, (Timestamp, String, &str, u64)> = HashMap::new();
    for f in &data.wtmp {
        for r in f.records.iter().filter(|r| remote_login(r)) {
            let Some(t) = r.time else { continue };
            let from = r
                .addr
                .map(|a| a.to_string())
                .unwrap_or_else(|| r.host.clone());
            let slot =
                latest
                    .entry(r.user.as_str())
                    .or_insert((t, from.clone(), &f.path, r.offset));
            if t > slot.0 {
                *slot = (t, from, &f.path, r.offset);
            }
        }
    }
    if latest.is_empty() {
        return (false, Vec::new());
    }
    let (users, _) = huoyan_artifacts::users::UserDb::read(root);
    let uid_of = |name: &str| {
        users
            .passwd
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.uid)
    };
    let mut kept = false;
    let mut out = Vec::new();
    let mut names: Vec<&&str> = latest.keys().collect();
    names.sort();
    for name in names {
        let Some((t, from, path, offset)) = latest.get(*name) else {
            continue;
        };
        let Some(uid) = uid_of(name) else { continue };
        let entry = data.lastlog.iter().find(|e| e.uid == uid);
        let lastlog_time = entry.and_then(|e| e.time);
        match lastlog_time {
            Some(l) if l.as_second() + TOLERANCE >= t.as_second() => kept = true,
            _ => out.push(StaleLastlog {
                user: (*name).to_string(),
                uid,
                lastlog_time,
                login_time: *t,
                login_from: from.clone(),
                wtmp_path: (*path).to_string(),
                wtmp_offset: *offset,
            }),
        }
    }
    if !kept {
        return (false, Vec::new());
    }
    (true, out)
}

/// A wtmp record earlier than its predecessor.
#[derive(Debug, Clone, Serialize)]
pub struct Disorder {
    /// The wtmp file.
    pub path: String,
    /// Offset of the record that goes back.
    pub offset: u64,
    /// Its time.
    pub time: Timestamp,
    /// Its user, when a login or logout.
    pub user: String,
    /// The time of the record before it.
    pub previous: Timestamp,
    /// Logins of the authentication log inside [time, previous]: (user, source, time).
    pub logins_inside: Vec<(String, String, Timestamp)>,
}

/// Record types that mark a reboot or a clock change: a time going back beside them is
/// explained.
fn marks_clock(kind: UtmpType) -> bool {
    matches!(
        kind,
        UtmpType::BootTime | UtmpType::RunLevel | UtmpType::NewTime | UtmpType::OldTime
    )
}

/// Most logins listed per disorder.
const MAX_INSIDE: usize = 10;

/// wtmp records that go back by more than [`ORDER_TOLERANCE`] with no boot or clock-change
/// record at or just before them, where the authentication log shows logins in between.
pub fn wtmp_disorder(data: &LogData) -> Vec<Disorder> {
    let mut logins: Vec<(&str, &str, Timestamp)> = data
        .events
        .iter()
        .filter(|e| e.event.kind == AuthKind::Accepted)
        .filter_map(|e| {
            Some((
                e.event.user.as_deref()?,
                e.event.source.as_deref().unwrap_or(""),
                e.event.time?,
            ))
        })
        .collect();
    logins.sort_by_key(|l| l.2);
    let mut out = Vec::new();
    for f in &data.wtmp {
        let mut prev: Option<(Timestamp, UtmpType)> = None;
        for r in &f.records {
            if r.all_zero {
                continue;
            }
            let Some(t) = r.time else { continue };
            if let Some((p, pkind)) = prev {
                let back = p.as_second() - t.as_second();
                if back > ORDER_TOLERANCE && !marks_clock(r.kind) && !marks_clock(pkind) {
                    let start = logins.partition_point(|l| l.2 < t);
                    let inside: Vec<(String, String, Timestamp)> = logins[start..]
                        .iter()
                        .take_while(|l| l.2 <= p)
                        .take(MAX_INSIDE)
                        .map(|l| (l.0.to_string(), l.1.to_string(), l.2))
                        .collect();
                    if !inside.is_empty() {
                        out.push(Disorder {
                            path: f.path.clone(),
                            offset: r.offset,
                            time: t,
                            user: r.user.clone(),
                            previous: p,
                            logins_inside: inside,
                        });
                    }
                }
            }
            prev = Some((t, r.kind));
        }
    }
    out
}

/// An accepted login of the authentication log with no wtmp record.
#[derive(Debug, Clone, Serialize)]
pub struct Unrecorded {
    /// Who.
    pub user: String,
    /// From where, as logged.
    pub source: Option<String>,
    /// How (`password`, `publickey`, `session`).
    pub method: String,
    /// When.
    pub time: Timestamp,
    /// The log file and line.
    pub path: String,
    /// Line or entry number.
    pub line: u64,
}

/// Accepted logins of the authentication log inside the time wtmp covers (from its first to its
/// last record) with no wtmp user record (or wtmpdb row) of that user within [`TOLERANCE`], and
/// per user how many such logins had one. When wtmp holds no remote login at all it is not kept
/// for remote sessions on this host: nothing is listed.
pub fn unrecorded_logins(data: &LogData) -> (HashMap<String, usize>, Vec<Unrecorded>) {
    let mut records: HashMap<&str, Vec<i64>> = HashMap::new();
    for (user, t) in data
        .wtmp
        .iter()
        .flat_map(|f| f.records.iter())
        .filter(|r| r.kind == UtmpType::UserProcess)
        .filter_map(|r| Some((r.user.as_str(), r.time?)))
        .chain(
            data.wtmpdb
                .iter()
                .flatten()
                .filter(|r| r.kind == huoyan_artifacts::wtmpdb::TYPE_USER)
                .filter_map(|r| Some((r.user.as_str(), r.login?))),
        )
    {
        records.entry(user).or_default().push(t.as_second());
    }
    for times in records.values_mut() {
        times.sort_unstable();
    }
    let any_remote = data
        .wtmp
        .iter()
        .flat_map(|f| f.records.iter())
        .any(remote_login)
        || data
            .wtmpdb
            .iter()
            .flatten()
            .any(|r| !r.remote_host.is_empty());
    let times = data
        .wtmp
        .iter()
        .flat_map(|f| f.records.iter().filter_map(|r| r.time))
        .chain(data.wtmpdb.iter().flatten().filter_map(|r| r.login));
    let (first, last) = times.fold((None, None), |(lo, hi): (Option<Timestamp>, _), t| {
        (
            Some(lo.map_or(t, |l: Timestamp| l.min(t))),
            Some(hi.map_or(t, |h: Timestamp| h.max(t))),
        )
    });
    let (Some(first), Some(last)) = (first, last) else {
        return (HashMap::new(), Vec::new());
    };
    if !any_remote {
        return (HashMap::new(), Vec::new());
    }
    let mut backed: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for ev in &data.events {
        let e = &ev.event;
        if e.kind != AuthKind::Accepted {
            continue;
        }
        let (Some(user), Some(t)) = (e.user.as_deref(), e.time) else {
            continue;
        };
        if t < first || t > last {
            continue;
        }
        let near = records.get(user).is_some_and(|times| {
            let from = times.partition_point(|&x| x < t.as_second() - TOLERANCE);
            times
                .get(from)
                .is_some_and(|&x| x <= t.as_second() + TOLERANCE)
        });
        if near {
            *backed.entry(user.to_string()).or_default() += 1;
            continue;
        }
        out.push(Unrecorded {
            user: user.to_string(),
            source: e.source.as_ref().map(|s| s.to_string()),
            method: e.method.as_deref().unwrap_or_default().to_string(),
            time: t,
            path: data
                .files
                .get(ev.file)
                .map(|f| f.path.clone())
                .unwrap_or_default(),
            line: e.line,
        });
    }
    (backed, out)
}
