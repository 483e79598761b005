//! Authentication events from syslog lines, journal entries and audit records.
//!
//! This is the step from "a line in auth.log" to "a failed password for root from 203.0.113.9 at
//! 02:14:09": one [`AuthEvent`] per failure, probe, accepted login, session, su, sudo, account
//! change, password change and sshd restart, whichever source it came from. Brute-force and
//! success analyses count these. Failures and probes (millions in a brute force) reach the
//! [`AuthSink`] as a borrowed [`FailureRef`], so counting them allocates nothing.
//!
//! sshd spreads one connection over several lines, so an [`AuthExtractor`] keeps a small state
//! per sshd process: the source seen in `Connection from`, `Failed publickey` attempts that only
//! count if no key is finally accepted (clients try several keys), PAM failures that sshd also
//! reports as `Failed password` (counted once), and protocol failures whose source appears on a
//! later line. The state ends with the process (a pre-authentication close, the login's session
//! opening or closing), so a recycled pid starts afresh; it is bounded, and
//! [`AuthExtractor::finish`] flushes what is still pending.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHasher};
use smallvec::SmallVec;

use huoyan_core::Timestamp;

use crate::auth_event::owned;
pub use crate::auth_event::{
    intern, is_sshd, AuthEvent, AuthKind, AuthSink, FailureRef, LogRecord, Name,
};
use crate::auth_sshd::{self, SshdMsg};
use crate::auth_system::{self, SysMsg};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pending {
    PamFailure(Option<Name>),
    FailedKey(Name),
    TooMany(Option<Name>),
    NoHostProbe,
}

#[derive(Debug, Default)]
struct Session {
    host: Option<Name>,
    pending: SmallVec<[(Pending, Option<Timestamp>, u64); 1]>,
    tried_users: SmallVec<[Name; 1]>,
    /// sshd logged `Accepted …` in this process.
    accepted: bool,
}

/// The reason [`auth_sshd::classify`] gives sshd's `PAM: Authentication failure for …`.
const PAM_FAILURE: &str = "PAM authentication failure";

/// Most failures kept pending for one sshd process before they are counted (bounded memory).
const MAX_PENDING: usize = 64;

/// Most sshd processes tracked at once before the state is flushed (bounded memory).
pub const MAX_SESSIONS: usize = 16_384;

/// Turns log records into [`AuthEvent`]s, keeping per-sshd-process state.
#[derive(Debug, Default)]
pub struct AuthExtractor {
    /// The sshd process of the latest lines, outside the table: a connection's lines mostly
    /// follow each other, so most lines need no table lookup.
    current: Option<(SessionKey, Session)>,
    /// The other sshd processes still open.
    sessions: FxHashMap<SessionKey, Session>,
    /// One bit per slot of keys that may be in `sessions` (never a false "no"): a new
    /// connection's pid is usually not there, and this says so without a table lookup.
    shelved: Vec<u64>,
}

/// Bits in [`AuthExtractor::shelved`].
const SHELF_BITS: usize = 1 << 16;

fn shelf_slot(key: SessionKey) -> (usize, u64) {
    let slot = (key.0 ^ u64::from(key.1)) as usize % SHELF_BITS;
    (slot / 64, 1 << (slot % 64))
}

/// (hash of the reporting host, pid).
type SessionKey = (u64, u32);

/// A failure of this record's program.
fn failure<'b>(
    rec: &LogRecord<'_>,
    service: &'b str,
    user: Option<&'b str>,
    host: Option<&'b str>,
    method: &'b str,
    invalid: bool,
) -> FailureRef<'b> {
    FailureRef {
        time: rec.time,
        kind: AuthKind::Failure,
        service,
        method,
        user: user.filter(|u| !u.is_empty()),
        source: host.filter(|h| !h.is_empty()),
        invalid_user: invalid,
        pid: rec.pid,
        count: rec.repeat.max(1),
        line: rec.line,
    }
}

fn ev(rec: &LogRecord<'_>, kind: AuthKind, service: &str) -> AuthEvent {
    AuthEvent {
        time: rec.time,
        kind,
        service: intern(service),
        method: None,
        user: None,
        actor: None,
        source: None,
        invalid_user: false,
        pid: rec.pid,
        count: rec.repeat.max(1),
        line: rec.line,
        account: None,
        detail: None,
    }
}

impl AuthExtractor {
    /// A fresh extractor.
    pub fn new() -> Self {
        Self::default()
    }

    /// Classifies one record, calling `emit` for each event it yields (zero, one or two).
    pub fn feed(&mut self, rec: &LogRecord<'_>, emit: &mut dyn AuthSink) {
        if is_sshd(rec.ident) {
            if let Some(msg) = auth_sshd::classify(rec.message) {
                self.sshd(rec, msg, emit);
                return;
            }
        }
        if let Some(msg) = auth_system::classify(rec.ident, rec.message) {
            self.system(rec, msg, emit);
        }
    }

    fn key(rec: &LogRecord<'_>) -> Option<(u64, u32)> {
        let pid = rec.pid?;
        let mut h = FxHasher::default();
        rec.host.unwrap_or("").hash(&mut h);
        Some((h.finish(), pid))
    }

    /// The state of this record's sshd process, created if needed.
    fn session(&mut self, rec: &LogRecord<'_>) -> Option<&mut Session> {
        let key = Self::key(rec)?;
        if !self.make_current(key) {
            let old = self.current.replace((key, Session::default()));
            self.shelve(old);
        }
        self.current.as_mut().map(|(_, s)| s)
    }

    /// Makes the state of `key` the current one if it exists anywhere; false if it does not.
    fn make_current(&mut self, key: SessionKey) -> bool {
        if self.current.as_ref().is_some_and(|(k, _)| *k == key) {
            return true;
        }
        if !self.may_be_shelved(key) {
            return false;
        }
        let Some(found) = self.sessions.remove(&key) else {
            return false;
        };
        let old = self.current.replace((key, found));
        self.shelve(old);
        true
    }

    /// Puts a state back into the table (emptied first when full: bounded memory).
    fn shelve(&mut self, state: Option<(SessionKey, Session)>) {
        if let Some((key, s)) = state {
            if self.shelved.is_empty() {
                self.shelved = vec![0; SHELF_BITS / 64];
            }
            if self.sessions.len() >= MAX_SESSIONS {
                self.sessions.clear();
                self.shelved.fill(0);
            }
            let (word, bit) = shelf_slot(key);
            self.shelved[word] |= bit;
            self.sessions.insert(key, s);
        }
    }

    /// False when `key` is certainly not in the table.
    fn may_be_shelved(&self, key: SessionKey) -> bool {
        let (word, bit) = shelf_slot(key);
        self.shelved.get(word).is_some_and(|w| w & bit != 0)
    }

    /// Forgets the state of `key` (its process ended), returning it.
    fn end(&mut self, key: SessionKey) -> Option<Session> {
        if self.current.as_ref().is_some_and(|(k, _)| *k == key) {
            return self.current.take().map(|(_, s)| s);
        }
        if !self.may_be_shelved(key) {
            return None;
        }
        self.sessions.remove(&key)
    }

    /// The state of this record's sshd process, only if it has one.
    fn existing(&mut self, rec: &LogRecord<'_>) -> Option<&mut Session> {
        let key = Self::key(rec)?;
        if !self.make_current(key) {
            return None;
        }
        self.current.as_mut().map(|(_, s)| s)
    }

    fn sshd(&mut self, rec: &LogRecord<'_>, msg: SshdMsg<'_>, emit: &mut dyn AuthSink) {
        let service = rec.ident;
        match msg {
            SshdMsg::ConnectionFrom { host } => {
                if let Some(s) = self.session(rec) {
                    set_host(s, host);
                }
            }
            SshdMsg::Failed {
                method,
                user,
                invalid,
                host,
            } => {
                if let Some(s) = self.existing(rec) {
                    set_host(s, host);
                    s.pending.retain(|p| !matches!(p.0, Pending::PamFailure(_)));
                }
                emit.failure(&failure(
                    rec,
                    service,
                    Some(user),
                    Some(host),
                    method,
                    invalid,
                ));
            }
            SshdMsg::Refused {
                user,
                host,
                reason: PAM_FAILURE,
                ..
            } if self.existing(rec).is_some() => {
                // `error: PAM: Authentication failure for U from H` (keyboard-interactive, the
                // SUSE default) is always followed by sshd's `Failed keyboard-interactive/pam`
                // for the same guess, and often preceded by pam_unix's line: count it once.
                if let Some(s) = self.existing(rec) {
                    set_host(s, host);
                    let who = user.filter(|u| !u.is_empty()).map(Name::from);
                    let same = s.pending.last().is_some_and(|p| match &p.0 {
                        Pending::PamFailure(u) => u.is_none() || *u == who,
                        _ => false,
                    });
                    if !same {
                        s.pending
                            .push((Pending::PamFailure(who), rec.time, rec.line));
                    }
                }
            }
            SshdMsg::Refused {
                user,
                host,
                invalid,
                reason,
            } => {
                if let Some(s) = self.existing(rec) {
                    set_host(s, host);
                    s.pending.retain(|p| !matches!(p.0, Pending::PamFailure(_)));
                }
                emit.failure(&failure(rec, service, user, Some(host), reason, invalid));
            }
            SshdMsg::FailedKey {
                user,
                host,
                invalid,
            } => {
                if let Some(s) = self.session(rec) {
                    set_host(s, host);
                    s.pending
                        .push((Pending::FailedKey(Name::from(user)), rec.time, rec.line));
                } else {
                    emit.failure(&failure(
                        rec,
                        service,
                        Some(user),
                        Some(host),
                        "publickey",
                        invalid,
                    ));
                }
            }
            SshdMsg::TooMany { user } => {
                let Some(s) = self.session(rec) else { return };
                match s.host.clone() {
                    Some(host) => {
                        s.pending.clear();
                        emit.failure(&failure(
                            rec,
                            service,
                            user,
                            Some(&host),
                            "too many failures",
                            false,
                        ));
                    }
                    None => s
                        .pending
                        .push((Pending::TooMany(owned(user)), rec.time, rec.line)),
                }
            }
            SshdMsg::ProbeNoHost => {
                let Some(s) = self.session(rec) else { return };
                match s.host.clone() {
                    Some(host) => {
                        let mut e = ev(rec, AuthKind::Probe, service);
                        e.source = Some(host);
                        e.method = Some(Cow::Borrowed("protocol"));
                        emit.event(&e);
                    }
                    None => s.pending.push((Pending::NoHostProbe, rec.time, rec.line)),
                }
            }
            SshdMsg::Probe {
                host,
                user,
                preauth,
            } => {
                // Every probe message (closed, reset, disconnected, negotiation or banner
                // failure) ends its sshd process: the state goes with it, so the table stays
                // small and a recycled pid starts afresh.
                let pending = Self::key(rec)
                    .and_then(|k| self.end(k))
                    .map(|s| s.pending)
                    .unwrap_or_default();
                let strong = pending
                    .iter()
                    .find(|p| !matches!(p.0, Pending::NoHostProbe))
                    .map(|p| pending_user(&p.0));
                if let Some(puser) = strong {
                    emit.failure(&failure(
                        rec,
                        service,
                        user.or(puser.as_deref()),
                        Some(host),
                        "preauth",
                        false,
                    ));
                } else if preauth || !pending.is_empty() {
                    let mut f = failure(rec, service, user, Some(host), "preauth", false);
                    f.kind = AuthKind::Probe;
                    emit.failure(&f);
                }
            }
            SshdMsg::Accepted { method, user, host } => {
                if let Some(s) = self.session(rec) {
                    let pam_tried = s
                        .pending
                        .iter()
                        .any(|p| matches!(p.0, Pending::PamFailure(_)))
                        || !s.tried_users.is_empty();
                    if pam_tried && !s.tried_users.iter().any(|u| u == user) {
                        let first = s.tried_users.first().cloned();
                        emit.failure(&failure(
                            rec,
                            service,
                            first.as_deref(),
                            Some(host),
                            "password",
                            false,
                        ));
                    }
                    s.pending.clear();
                    s.tried_users.clear();
                    s.accepted = true;
                    set_host(s, host);
                }
                let mut e = ev(rec, AuthKind::Accepted, service);
                e.method = Some(intern(method));
                e.user = owned(Some(user));
                e.source = Some(Name::from(host));
                emit.event(&e);
            }
            SshdMsg::Started => emit.event(&ev(rec, AuthKind::SshdStarted, service)),
            SshdMsg::Reloaded => emit.event(&ev(rec, AuthKind::SshdReloaded, service)),
            SshdMsg::Stopped => emit.event(&ev(rec, AuthKind::SshdStopped, service)),
        }
    }

    fn system(&mut self, rec: &LogRecord<'_>, msg: SysMsg<'_>, emit: &mut dyn AuthSink) {
        match msg {
            SysMsg::PamFailure {
                service,
                user,
                ruser,
                rhost,
            } => {
                // `sshd[P]: pam_unix(sshd:auth): …`, or `sshd(pam_unix)[P]: …` of Linux-PAM
                // before 0.99: the same sshd process P.
                let from_sshd = rec.message.starts_with("pam_unix(")
                    || auth_system::module_ident(rec.ident).is_some();
                if service == "sshd" && from_sshd {
                    // sshd also logs "Failed password" for this attempt: remember, count once.
                    let host = rhost.map(auth_sshd::normalise_host);
                    let Some(s) = self.session(rec) else { return };
                    if let Some(h) = host {
                        s.host = Some(Name::from(h));
                    }
                    let who = user.map(Name::from);
                    let new_user = who
                        .as_ref()
                        .is_some_and(|u| !s.tried_users.is_empty() && !s.tried_users.contains(u));
                    if let Some(u) = &who {
                        if !s.tried_users.contains(u) {
                            s.tried_users.push(u.clone());
                        }
                    }
                    if new_user {
                        s.pending.retain(|p| !matches!(p.0, Pending::PamFailure(_)));
                        let mut e = ev(rec, AuthKind::Failure, "sshd");
                        e.user = who;
                        e.source = s.host.clone();
                        e.method = Some(Cow::Borrowed("password"));
                        emit.event(&e);
                    } else {
                        s.pending
                            .push((Pending::PamFailure(who), rec.time, rec.line));
                        if s.pending.len() > MAX_PENDING {
                            // A log of PAM's lines only, whose sshd processes never end in it
                            // (recycled pids): what is pending is failures, counted now so the
                            // state stays small.
                            let pending = std::mem::take(&mut s.pending);
                            for (p, time, line) in pending {
                                match (&p, &s.host, rec.pid) {
                                    (
                                        Pending::PamFailure(_) | Pending::TooMany(_),
                                        Some(h),
                                        Some(pid),
                                    ) => {
                                        emit.event(&pending_failure(&p, time, line, pid, h));
                                    }
                                    (Pending::PamFailure(_) | Pending::TooMany(_), _, _) => {}
                                    _ => s.pending.push((p, time, line)),
                                }
                            }
                        }
                    }
                    return;
                }
                let kind = match service {
                    "su" | "su-l" => AuthKind::SuFailure,
                    "sudo" | "sudo-i" => AuthKind::SudoFailure,
                    _ => AuthKind::Failure,
                };
                let mut e = ev(rec, kind, service);
                e.user = owned(user);
                e.actor = owned(ruser);
                e.source = owned(rhost.map(auth_sshd::normalise_host));
                e.method = Some(Cow::Borrowed("password"));
                emit.event(&e);
            }
            SysMsg::SessionOpened { service, user, by } => {
                let mut e = ev(rec, AuthKind::SessionOpened, service);
                e.user = owned(Some(user));
                e.actor = owned(by);
                if is_sshd(service) {
                    // The login is complete: nothing later in this sshd process needs its state.
                    // PAM failures still pending were never followed by sshd's `Failed …` (a log
                    // with PAM's lines only, as old RHEL `secure` files often are): they were
                    // guesses before this login, from the same source.
                    if let Some(s) = Self::key(rec).and_then(|k| self.end(k)) {
                        if let (Some(host), Some(pid)) = (&s.host, rec.pid) {
                            for (p, time, line) in &s.pending {
                                if matches!(p, Pending::PamFailure(_) | Pending::TooMany(_)) {
                                    emit.event(&pending_failure(p, *time, *line, pid, host));
                                }
                            }
                        }
                        if !s.accepted && s.host.is_some() {
                            // No `Accepted` line for this login (PAM's lines only): the
                            // session is the login, from the source PAM named.
                            let mut login = ev(rec, AuthKind::Accepted, service);
                            login.method = Some(Cow::Borrowed("session"));
                            login.user = e.user.clone();
                            login.source = s.host.clone();
                            emit.event(&login);
                        }
                        e.source = s.host;
                    }
                }
                emit.event(&e);
            }
            SysMsg::SessionClosed { service, user } => {
                if is_sshd(service) {
                    // The login is over; so is its sshd process.
                    if let Some(k) = Self::key(rec) {
                        self.end(k);
                    }
                }
                let mut e = ev(rec, AuthKind::SessionClosed, service);
                e.user = owned(Some(user));
                emit.event(&e);
            }
            SysMsg::Su { from, to, success } => {
                let kind = if success {
                    AuthKind::Su
                } else {
                    AuthKind::SuFailure
                };
                let mut e = ev(rec, kind, "su");
                e.user = owned(Some(to));
                e.actor = owned(Some(from));
                emit.event(&e);
            }
            SysMsg::Sudo {
                user,
                target,
                detail,
                success,
            } => {
                let kind = if success {
                    AuthKind::Sudo
                } else {
                    AuthKind::SudoFailure
                };
                let mut e = ev(rec, kind, "sudo");
                e.user = owned(Some(target));
                e.actor = owned(Some(user));
                e.detail = Some(detail.to_string()).filter(|d| !d.is_empty());
                emit.event(&e);
            }
            SysMsg::Account {
                action,
                name,
                detail,
            } => {
                let mut e = ev(rec, AuthKind::Account, rec.ident);
                e.user = owned(Some(name));
                e.account = Some(action);
                e.detail = Some(detail.to_string()).filter(|d| !d.is_empty());
                emit.event(&e);
            }
            SysMsg::Dropbear {
                user,
                host,
                accepted,
                invalid,
                probe,
            } => {
                let kind = if accepted.is_some() {
                    AuthKind::Accepted
                } else if probe {
                    AuthKind::Probe
                } else {
                    AuthKind::Failure
                };
                let mut e = ev(rec, kind, "dropbear");
                e.user = owned(Some(user).filter(|u| !u.is_empty()));
                e.source = owned(Some(host));
                e.method = Some(Cow::Borrowed(match (accepted, probe) {
                    (Some(m), _) => m,
                    (None, true) => "preauth",
                    (None, false) => "password",
                }));
                e.invalid_user = invalid;
                emit.event(&e);
            }
        }
    }

    /// Flushes the failures still pending (a `Failed publickey` never followed by success, a PAM
    /// failure never confirmed) as events at the line where they were seen.
    pub fn finish(&mut self, emit: &mut dyn AuthSink) {
        // In pid order (then host), so that what is emitted does not depend on the table.
        if let Some((key, s)) = self.current.take() {
            self.sessions.insert(key, s);
        }
        let mut keys: Vec<(u64, u32)> = self.sessions.keys().copied().collect();
        keys.sort_unstable_by_key(|k| (k.1, k.0));
        for key in keys {
            let pid = key.1;
            let Some(s) = self.sessions.remove(&key) else {
                continue;
            };
            let Some(host) = s.host else { continue };
            for (p, time, line) in s.pending {
                if matches!(p, Pending::NoHostProbe) {
                    continue;
                }
                emit.event(&pending_failure(&p, time, line, pid, &host));
            }
        }
    }
}

/// A pending failure of sshd process `pid` as the failure it turned out to be.
fn pending_failure(
    p: &Pending,
    time: Option<Timestamp>,
    line: u64,
    pid: u32,
    host: &Name,
) -> AuthEvent {
    AuthEvent {
        time,
        kind: AuthKind::Failure,
        service: Cow::Borrowed("sshd"),
        method: Some(Cow::Borrowed(match p {
            Pending::FailedKey(_) => "publickey",
            _ => "password",
        })),
        user: pending_user(p),
        actor: None,
        source: Some(host.clone()),
        invalid_user: false,
        pid: Some(pid),
        count: 1,
        line,
        account: None,
        detail: None,
    }
}

fn set_host(s: &mut Session, host: &str) {
    if s.host.as_deref() != Some(host) {
        s.host = Some(Name::from(host));
    }
}

fn pending_user(p: &Pending) -> Option<Name> {
    match p {
        Pending::PamFailure(u) | Pending::TooMany(u) => u.clone(),
        Pending::FailedKey(u) => Some(u.clone()),
        Pending::NoHostProbe => None,
    }
}

/// An audit-log line (`/var/log/audit/audit.log`) as an auth failure event, if it is one.
pub fn from_audit_line(line: &str, lineno: u64) -> Option<AuthEvent> {
    let (secs, acct, addr, exe) = auth_system::audit_failure(line)?;
    let service = exe.rsplit('/').next().unwrap_or(exe);
    Some(AuthEvent {
        time: huoyan_core::time::from_unix(secs, 0),
        kind: AuthKind::Failure,
        service: intern(if service.is_empty() { "audit" } else { service }),
        method: Some(Cow::Borrowed("audit")),
        user: owned(acct),
        actor: None,
        source: Some(Name::from(auth_sshd::normalise_host(addr))),
        invalid_user: false,
        pid: None,
        count: 1,
        line: lineno,
        account: None,
        detail: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lines: &[(&str, u32, &str)]) -> Vec<AuthEvent> {
        let mut x = AuthExtractor::new();
        let mut out = Vec::new();
        for (i, (ident, pid, msg)) in lines.iter().enumerate() {
            let rec = LogRecord {
                time: None,
                host: Some("h"),
                ident,
                pid: Some(*pid),
                message: msg,
                repeat: 1,
                line: i as u64 + 1,
            };
            x.feed(&rec, &mut |e: &AuthEvent| out.push(e.clone()));
        }
        x.finish(&mut |e: &AuthEvent| out.push(e.clone()));
        out
    }

    #[test]
    fn publickey_tries_then_success_are_not_failures() {
        let out = run(&[
            (
                "sshd",
                7,
                "Failed publickey for git from 192.0.2.1 port 5 ssh2: RSA x",
            ),
            (
                "sshd",
                7,
                "Accepted publickey for git from 192.0.2.1 port 5 ssh2: ED25519 y",
            ),
        ]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].kind, AuthKind::Accepted);
    }

    #[test]
    fn pam_then_failed_password_counts_once() {
        let out = run(&[
            ("sshd", 8, "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.5  user=root"),
            ("sshd", 8, "Failed password for root from 203.0.113.5 port 4 ssh2"),
        ]);
        let failures: Vec<_> = out.iter().filter(|e| e.kind == AuthKind::Failure).collect();
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].line, 2);
    }

    /// A pre-authentication close ends the sshd process; a later process with the same (recycled)
    /// pid starts without the earlier one's tried users.
    #[test]
    fn a_recycled_pid_starts_afresh() {
        let out = run(&[
            ("sshd", 5, "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.5  user=root"),
            ("sshd", 5, "Failed password for root from 203.0.113.5 port 4 ssh2"),
            ("sshd", 5, "Connection closed by authenticating user root 203.0.113.5 port 4 [preauth]"),
            ("sshd", 5, "Accepted publickey for deploy from 198.51.100.10 port 9 ssh2: ED25519 x"),
        ]);
        let failures: Vec<_> = out.iter().filter(|e| e.kind == AuthKind::Failure).collect();
        assert_eq!(failures.len(), 1, "{out:?}");
        assert_eq!(failures[0].source.as_deref(), Some("203.0.113.5"));
        assert!(out.iter().any(|e| e.kind == AuthKind::Accepted));
    }

    /// Linux-PAM before 0.99 (RHEL/CentOS 4) names its module in the program name and logs the
    /// peer's host name; a log with PAM's lines only still shows the guesses and the login.
    #[test]
    fn module_in_the_program_name_and_pam_lines_only() {
        let fail = "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=host.example.org  user=root";
        let out = run(&[
            ("sshd(pam_unix)", 10, fail),
            ("sshd(pam_unix)", 10, fail),
            ("sshd(pam_unix)", 10, "session opened for user root by (uid=0)"),
            ("sshd(pam_unix)", 11, "session opened for user alice by (uid=0)"),
            ("su(pam_unix)", 12, "authentication failure; logname=alice uid=500 euid=0 tty= ruser=alice rhost=  user=root"),
        ]);
        let failures: Vec<_> = out.iter().filter(|e| e.kind == AuthKind::Failure).collect();
        assert_eq!(failures.len(), 2, "{out:#?}");
        assert!(failures
            .iter()
            .all(|e| e.source.as_deref() == Some("host.example.org") && e.service == "sshd"));
        let logins: Vec<_> = out
            .iter()
            .filter(|e| e.kind == AuthKind::Accepted)
            .collect();
        assert_eq!(logins.len(), 1, "{out:#?}");
        assert_eq!(logins[0].user.as_deref(), Some("root"));
        assert_eq!(logins[0].source.as_deref(), Some("host.example.org"));
        let sessions: Vec<_> = out
            .iter()
            .filter(|e| e.kind == AuthKind::SessionOpened)
            .collect();
        assert_eq!(sessions.len(), 2);
        assert_eq!(sessions[1].source, None);
        assert!(out
            .iter()
            .any(|e| e.kind == AuthKind::SuFailure && e.actor.as_deref() == Some("alice")));
    }

    /// With both sshd's and PAM's lines, a login is one `Accepted`, not also a PAM session.
    #[test]
    fn accepted_and_session_are_one_login() {
        let out = run(&[
            (
                "sshd",
                4,
                "Accepted password for root from 192.0.2.8 port 4 ssh2",
            ),
            (
                "sshd",
                4,
                "pam_unix(sshd:session): session opened for user root by (uid=0)",
            ),
        ]);
        let logins = out.iter().filter(|e| e.kind == AuthKind::Accepted).count();
        assert_eq!(logins, 1, "{out:#?}");
    }

    /// PAM-only failures of one recycled pid never pile up: past the cap they are counted at
    /// once, and every one is counted exactly once.
    #[test]
    fn pending_pam_failures_are_bounded_and_all_counted() {
        let fail = "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.3  user=root";
        let lines: Vec<(&str, u32, &str)> = (0..1000).map(|_| ("sshd", 77, fail)).collect();
        let out = run(&lines);
        let failures = out.iter().filter(|e| e.kind == AuthKind::Failure).count();
        assert_eq!(failures, 1000);
    }

    /// SUSE's keyboard-interactive guess is logged three times (pam_unix, sshd's `PAM:` error,
    /// `Failed keyboard-interactive/pam`): one failure.
    #[test]
    fn keyboard_interactive_guess_counts_once() {
        let out = run(&[
            ("sshd", 6, "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.9  user=root"),
            ("sshd", 6, "error: PAM: Authentication failure for root from 192.0.2.9"),
            ("sshd", 6, "Failed keyboard-interactive/pam for root from 192.0.2.9 port 40022 ssh2"),
            ("sshd", 6, "error: PAM: Authentication failure for root from 192.0.2.9"),
            ("sshd", 6, "Failed keyboard-interactive/pam for root from 192.0.2.9 port 40022 ssh2"),
        ]);
        let failures = out.iter().filter(|e| e.kind == AuthKind::Failure).count();
        assert_eq!(failures, 2, "{out:#?}");
    }

    /// dropbear (Alpine, embedded): guesses, the login, and the connection's end before a login,
    /// with IPv4, bracketed and bare IPv6 peers.
    #[test]
    fn dropbear_lines() {
        let out = run(&[
            ("dropbear", 20, "Bad password attempt for 'root' from 192.0.2.7:50022"),
            ("dropbear", 20, "Exit before auth from <192.0.2.7:50022>: (user 'root', 1 fails): Exited normally"),
            ("dropbear", 21, "Bad password attempt for 'admin' from [2001:db8::7]:50023"),
            ("dropbear", 22, "Login attempt for nonexistent user from 2001:db8::7:50024"),
            ("dropbear", 22, "Exit before auth from <2001:db8::7:50024>: Max auth tries reached - user 'is invalid'"),
            ("dropbear", 23, "Password auth succeeded for 'root' from 192.0.2.7:50025, extra auth required"),
            ("dropbear", 24, "Exit before auth from <192.0.2.8:1>: Exited normally"),
        ]);
        let kinds: Vec<_> = out
            .iter()
            .map(|e| (e.kind, e.source.as_deref().unwrap_or(""), e.user.as_deref()))
            .collect();
        assert_eq!(
            kinds,
            [
                (AuthKind::Failure, "192.0.2.7", Some("root")),
                (AuthKind::Probe, "192.0.2.7", Some("root")),
                (AuthKind::Failure, "2001:db8::7", Some("admin")),
                (AuthKind::Failure, "2001:db8::7", None),
                (AuthKind::Failure, "2001:db8::7", None),
                (AuthKind::Accepted, "192.0.2.7", Some("root")),
                (AuthKind::Probe, "192.0.2.8", None),
            ]
        );
    }

    #[test]
    fn source_comes_from_context() {
        let out = run(&[
            (
                "sshd",
                9,
                "Connection from 192.0.2.10 port 62004 on 192.0.2.1 port 22",
            ),
            (
                "sshd",
                9,
                "error: kex_exchange_identification: Connection closed by remote host",
            ),
        ]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].source.as_deref(), Some("192.0.2.10"));
        assert_eq!(out[0].kind, AuthKind::Probe);
    }
}
