//! Authentication events from syslog lines, journal entries and audit records.
//!
//! This is the step from "a line in auth.log" to "a failed password for root from 203.0.113.9 at
//! 02:14:09": one [`AuthEvent`] per failure, probe, accepted login, session, su, sudo, account
//! change, password change and sshd restart, whichever source it came from. Brute-force and
//! success analyses count these.
//!
//! sshd spreads one connection over several lines, so an [`AuthExtractor`] keeps a small state
//! per sshd process: the source seen in `Connection from`, `Failed publickey` attempts that only
//! count if no key is finally accepted (clients try several keys), PAM failures that sshd also
//! reports as `Failed password` (counted once), and protocol failures whose source appears on a
//! later line. The state is bounded; [`AuthExtractor::finish`] flushes what is still pending.

use std::collections::HashMap;

use huoyan_core::Timestamp;
use serde::Serialize;

use crate::auth_sshd::{self, SshdMsg};
use crate::auth_system::{self, AccountAction, SysMsg};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    /// A wrong password or key, an invalid or refused user: a guess.
    Failure,
    /// A pre-authentication disconnect or protocol failure (scanners, aborted guesses).
    Probe,
    /// A successful authentication (sshd `Accepted`, dropbear `auth succeeded`).
    Accepted,
    /// A PAM session was opened (any service).
    SessionOpened,
    /// A PAM session was closed.
    SessionClosed,
    /// su switched user (`actor` → `user`).
    Su,
    /// su was refused.
    SuFailure,
    /// sudo ran a command as `user` for `actor`.
    Sudo,
    /// sudo refused (wrong password, not in sudoers).
    SudoFailure,
    /// An account or group change, or a password change (see `account`).
    Account,
    /// sshd started (`Server listening on`).
    SshdStarted,
    /// sshd reloaded its configuration (SIGHUP).
    SshdReloaded,
    /// sshd stopped.
    SshdStopped,
}

/// One authentication-related event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthEvent {
    /// When (UTC), if the source had a time.
    pub time: Option<Timestamp>,
    /// What happened.
    pub kind: AuthKind,
    /// Program or PAM service (`sshd`, `su`, `vsftpd` …).
    pub service: String,
    /// Method or reason (`password`, `publickey`, `invalid user`, `not allowed` …).
    pub method: Option<String>,
    /// Target user (who was logged in as, or attempted).
    pub user: Option<String>,
    /// Who acted (su/sudo caller, session opener).
    pub actor: Option<String>,
    /// Source host or address, as logged (IPv4-mapped addresses normalised).
    pub source: Option<String>,
    /// The target user does not exist.
    pub invalid_user: bool,
    /// Process id of the logging process.
    pub pid: Option<u32>,
    /// How many times it happened (repeated messages), at least 1.
    pub count: u32,
    /// Line number (or entry number) in its source.
    pub line: u64,
    /// Account change kind, for [`AuthKind::Account`].
    pub account: Option<AccountAction>,
    /// Extra detail: sudo command, account change text.
    pub detail: Option<String>,
}

/// One log record, whatever file it came from.
#[derive(Debug, Clone, Copy)]
pub struct LogRecord<'a> {
    /// Time (UTC).
    pub time: Option<Timestamp>,
    /// Reporting host.
    pub host: Option<&'a str>,
    /// Program name.
    pub ident: &'a str,
    /// Process id.
    pub pid: Option<u32>,
    /// Message.
    pub message: &'a str,
    /// Repeat count (≥ 1).
    pub repeat: u32,
    /// Line or entry number.
    pub line: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pending {
    PamFailure(Option<String>),
    FailedKey(String),
    TooMany(Option<String>),
    NoHostProbe,
}

#[derive(Debug, Default)]
struct Session {
    host: Option<String>,
    pending: Vec<(Pending, Option<Timestamp>, u64)>,
    tried_users: Vec<String>,
}

/// Most sshd processes tracked at once before the state is flushed (bounded memory).
pub const MAX_SESSIONS: usize = 65_536;

/// Turns log records into [`AuthEvent`]s, keeping per-sshd-process state.
#[derive(Debug, Default)]
pub struct AuthExtractor {
    sessions: HashMap<(String, u32), Session>,
}

fn ev(rec: &LogRecord<'_>, kind: AuthKind, service: &str) -> AuthEvent {
    AuthEvent {
        time: rec.time,
        kind,
        service: service.to_string(),
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

fn owned(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_string)
}

/// True for program names that are OpenSSH's server.
pub fn is_sshd(ident: &str) -> bool {
    ident == "sshd" || ident.starts_with("sshd-") || ident == "sshd-session"
}

impl AuthExtractor {
    /// A fresh extractor.
    pub fn new() -> Self {
        Self::default()
    }

    /// Classifies one record, calling `emit` for each event it yields (zero, one or two).
    pub fn feed(&mut self, rec: &LogRecord<'_>, emit: &mut dyn FnMut(AuthEvent)) {
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

    fn session(&mut self, rec: &LogRecord<'_>) -> Option<&mut Session> {
        let pid = rec.pid?;
        if self.sessions.len() >= MAX_SESSIONS {
            self.sessions.clear();
        }
        let key = (rec.host.unwrap_or("").to_string(), pid);
        Some(self.sessions.entry(key).or_default())
    }

    fn sshd(&mut self, rec: &LogRecord<'_>, msg: SshdMsg<'_>, emit: &mut dyn FnMut(AuthEvent)) {
        let service = rec.ident;
        let failure = |user: Option<&str>, host: Option<&str>, method: &str, invalid: bool| {
            let mut e = ev(rec, AuthKind::Failure, service);
            e.user = owned(user);
            e.source = owned(host);
            e.method = Some(method.to_string());
            e.invalid_user = invalid;
            e
        };
        match msg {
            SshdMsg::ConnectionFrom { host } => {
                if let Some(s) = self.session(rec) {
                    s.host = Some(host.to_string());
                }
            }
            SshdMsg::Failed {
                method,
                user,
                invalid,
                host,
            } => {
                if let Some(s) = self.session(rec) {
                    s.host = Some(host.to_string());
                    s.pending.retain(|p| !matches!(p.0, Pending::PamFailure(_)));
                }
                emit(failure(Some(user), Some(host), method, invalid));
            }
            SshdMsg::Refused {
                user,
                host,
                invalid,
                reason,
            } => {
                if let Some(s) = self.session(rec) {
                    s.host = Some(host.to_string());
                    s.pending.retain(|p| !matches!(p.0, Pending::PamFailure(_)));
                }
                emit(failure(user, Some(host), reason, invalid));
            }
            SshdMsg::FailedKey {
                user,
                host,
                invalid,
            } => {
                if let Some(s) = self.session(rec) {
                    s.host = Some(host.to_string());
                    s.pending
                        .push((Pending::FailedKey(user.to_string()), rec.time, rec.line));
                } else {
                    emit(failure(Some(user), Some(host), "publickey", invalid));
                }
            }
            SshdMsg::TooMany { user } => {
                let Some(s) = self.session(rec) else { return };
                match s.host.clone() {
                    Some(host) => {
                        s.pending.clear();
                        emit(failure(user, Some(&host), "too many failures", false));
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
                        e.method = Some("protocol".into());
                        emit(e);
                    }
                    None => s.pending.push((Pending::NoHostProbe, rec.time, rec.line)),
                }
            }
            SshdMsg::Probe {
                host,
                user,
                preauth,
            } => {
                let pending = self
                    .session(rec)
                    .map(|s| {
                        let p = std::mem::take(&mut s.pending);
                        s.host = Some(host.to_string());
                        p
                    })
                    .unwrap_or_default();
                let strong = pending
                    .iter()
                    .find(|p| !matches!(p.0, Pending::NoHostProbe))
                    .map(|p| pending_user(&p.0));
                if let Some(puser) = strong {
                    emit(failure(
                        user.or(puser.as_deref()),
                        Some(host),
                        "preauth",
                        false,
                    ));
                } else if preauth || !pending.is_empty() {
                    let mut e = ev(rec, AuthKind::Probe, service);
                    e.source = Some(host.to_string());
                    e.user = owned(user);
                    e.method = Some("preauth".into());
                    emit(e);
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
                        emit(failure(first.as_deref(), Some(host), "password", false));
                    }
                    s.pending.clear();
                    s.tried_users.clear();
                    s.host = Some(host.to_string());
                }
                let mut e = ev(rec, AuthKind::Accepted, service);
                e.method = Some(method.to_string());
                e.user = owned(Some(user));
                e.source = Some(host.to_string());
                emit(e);
            }
            SshdMsg::Started => emit(ev(rec, AuthKind::SshdStarted, service)),
            SshdMsg::Reloaded => emit(ev(rec, AuthKind::SshdReloaded, service)),
            SshdMsg::Stopped => emit(ev(rec, AuthKind::SshdStopped, service)),
        }
    }

    fn system(&mut self, rec: &LogRecord<'_>, msg: SysMsg<'_>, emit: &mut dyn FnMut(AuthEvent)) {
        match msg {
            SysMsg::PamFailure {
                service,
                user,
                ruser,
                rhost,
            } => {
                if service == "sshd" && rec.message.starts_with("pam_unix(") {
                    // sshd also logs "Failed password" for this attempt: remember, count once.
                    let host = rhost.map(auth_sshd::normalise_host);
                    let Some(s) = self.session(rec) else { return };
                    if let Some(h) = host {
                        s.host = Some(h.to_string());
                    }
                    let who = user.map(str::to_string);
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
                        e.method = Some("password".into());
                        emit(e);
                    } else {
                        s.pending
                            .push((Pending::PamFailure(who), rec.time, rec.line));
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
                e.method = Some("password".into());
                emit(e);
            }
            SysMsg::SessionOpened { service, user, by } => {
                let mut e = ev(rec, AuthKind::SessionOpened, service);
                e.user = owned(Some(user));
                e.actor = owned(by);
                if is_sshd(service) {
                    e.source = self.session(rec).and_then(|s| s.host.clone());
                }
                emit(e);
            }
            SysMsg::SessionClosed { service, user } => {
                let mut e = ev(rec, AuthKind::SessionClosed, service);
                e.user = owned(Some(user));
                emit(e);
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
                emit(e);
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
                e.detail = owned(Some(detail));
                emit(e);
            }
            SysMsg::Account {
                action,
                name,
                detail,
            } => {
                let mut e = ev(rec, AuthKind::Account, rec.ident);
                e.user = owned(Some(name));
                e.account = Some(action);
                e.detail = owned(Some(detail));
                emit(e);
            }
            SysMsg::Dropbear {
                user,
                host,
                accepted,
                invalid,
            } => {
                let kind = if accepted.is_some() {
                    AuthKind::Accepted
                } else {
                    AuthKind::Failure
                };
                let mut e = ev(rec, kind, "dropbear");
                e.user = owned(Some(user));
                e.source = owned(Some(host));
                e.method = Some(accepted.unwrap_or("password").to_string());
                e.invalid_user = invalid;
                emit(e);
            }
        }
    }

    /// Flushes the failures still pending (a `Failed publickey` never followed by success, a PAM
    /// failure never confirmed) as events at the line where they were seen.
    pub fn finish(&mut self, emit: &mut dyn FnMut(AuthEvent)) {
        let mut sessions: Vec<_> = self.sessions.drain().collect();
        sessions.sort_by_key(|(k, _)| k.1);
        for ((_, pid), s) in sessions {
            let Some(host) = s.host else { continue };
            for (p, time, line) in s.pending {
                if matches!(p, Pending::NoHostProbe) {
                    continue;
                }
                emit(AuthEvent {
                    time,
                    kind: AuthKind::Failure,
                    service: "sshd".into(),
                    method: Some(match p {
                        Pending::FailedKey(_) => "publickey".into(),
                        _ => "password".into(),
                    }),
                    user: pending_user(&p),
                    actor: None,
                    source: Some(host.clone()),
                    invalid_user: false,
                    pid: Some(pid),
                    count: 1,
                    line,
                    account: None,
                    detail: None,
                });
            }
        }
    }
}

fn pending_user(p: &Pending) -> Option<String> {
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
        service: if service.is_empty() { "audit" } else { service }.to_string(),
        method: Some("audit".into()),
        user: owned(acct),
        actor: None,
        source: Some(auth_sshd::normalise_host(addr).to_string()),
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
            x.feed(&rec, &mut |e| out.push(e));
        }
        x.finish(&mut |e| out.push(e));
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
