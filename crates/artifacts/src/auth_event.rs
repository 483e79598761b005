//! The authentication event: what one log line or journal entry says about a login attempt,
//! login, session, su, sudo or account change, whatever its source.
//!
//! [`AuthEvent`] is the owned form kept for timelines and findings; [`FailureRef`] is the borrowed
//! form of a failure or probe, so a brute force of millions of guesses is counted without an
//! allocation per guess. [`AuthSink`] is where [`crate::auth::AuthExtractor`] puts both.

use std::borrow::Cow;

use huoyan_core::Timestamp;
use serde::Serialize;

use crate::auth_system::AccountAction;

/// A user name or source address from a log: kept inline up to 24 bytes, so the millions of
/// events of a brute force cost no allocation.
pub type Name = compact_str::CompactString;

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
    pub service: Cow<'static, str>,
    /// Method or reason (`password`, `publickey`, `invalid user`, `not allowed` …).
    pub method: Option<Cow<'static, str>>,
    /// Target user (who was logged in as, or attempted).
    pub user: Option<Name>,
    /// Who acted (su/sudo caller, session opener).
    pub actor: Option<Name>,
    /// Source host or address, as logged (IPv4-mapped addresses normalised).
    pub source: Option<Name>,
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

/// Common names without an allocation.
pub fn intern(s: &str) -> Cow<'static, str> {
    match s {
        "sshd" => Cow::Borrowed("sshd"),
        "sshd-session" => Cow::Borrowed("sshd-session"),
        "su" => Cow::Borrowed("su"),
        "sudo" => Cow::Borrowed("sudo"),
        "dropbear" => Cow::Borrowed("dropbear"),
        "login" => Cow::Borrowed("login"),
        "CRON" => Cow::Borrowed("CRON"),
        "cron" => Cow::Borrowed("cron"),
        "systemd-user" => Cow::Borrowed("systemd-user"),
        "password" => Cow::Borrowed("password"),
        "publickey" => Cow::Borrowed("publickey"),
        "keyboard-interactive" => Cow::Borrowed("keyboard-interactive"),
        "keyboard-interactive/pam" => Cow::Borrowed("keyboard-interactive/pam"),
        "hostbased" => Cow::Borrowed("hostbased"),
        "none" => Cow::Borrowed("none"),
        "preauth" => Cow::Borrowed("preauth"),
        "protocol" => Cow::Borrowed("protocol"),
        "useradd" => Cow::Borrowed("useradd"),
        "usermod" => Cow::Borrowed("usermod"),
        "userdel" => Cow::Borrowed("userdel"),
        "groupadd" => Cow::Borrowed("groupadd"),
        "passwd" => Cow::Borrowed("passwd"),
        "chpasswd" => Cow::Borrowed("chpasswd"),
        other => Cow::Owned(other.to_string()),
    }
}

/// A failure or probe whose names are borrowed from the log line: the bulk of a brute force,
/// counted without building an [`AuthEvent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureRef<'a> {
    /// When (UTC), if the source had a time.
    pub time: Option<Timestamp>,
    /// [`AuthKind::Failure`] or [`AuthKind::Probe`].
    pub kind: AuthKind,
    /// Program or PAM service.
    pub service: &'a str,
    /// Method or reason (empty when none).
    pub method: &'a str,
    /// Target user (never empty).
    pub user: Option<&'a str>,
    /// Source (never empty).
    pub source: Option<&'a str>,
    /// The target user does not exist.
    pub invalid_user: bool,
    /// Process id.
    pub pid: Option<u32>,
    /// How many times (at least 1).
    pub count: u32,
    /// Line or entry number.
    pub line: u64,
}

impl FailureRef<'_> {
    /// The same as an owned event.
    pub fn to_event(&self) -> AuthEvent {
        AuthEvent {
            time: self.time,
            kind: self.kind,
            service: intern(self.service),
            method: (!self.method.is_empty()).then(|| intern(self.method)),
            user: owned(self.user),
            actor: None,
            source: owned(self.source),
            invalid_user: self.invalid_user,
            pid: self.pid,
            count: self.count.max(1),
            line: self.line,
            account: None,
            detail: None,
        }
    }
}

impl AuthEvent {
    /// This event's failure fields, borrowed.
    pub fn as_failure(&self) -> FailureRef<'_> {
        FailureRef {
            time: self.time,
            kind: self.kind,
            service: &self.service,
            method: self.method.as_deref().unwrap_or(""),
            user: self.user.as_deref().filter(|u| !u.is_empty()),
            source: self.source.as_deref().filter(|s| !s.is_empty()),
            invalid_user: self.invalid_user,
            pid: self.pid,
            count: self.count.max(1),
            line: self.line,
        }
    }
}

/// Where an [`AuthExtractor`] puts what it finds. Any `FnMut(&AuthEvent)` is one (failures are
/// then built as events).
pub trait AuthSink {
    /// A failure or probe.
    fn failure(&mut self, f: &FailureRef<'_>);
    /// Any other event (and failures that carry state rather than text).
    fn event(&mut self, e: &AuthEvent);
}

impl<F: FnMut(&AuthEvent)> AuthSink for F {
    fn failure(&mut self, f: &FailureRef<'_>) {
        self(&f.to_event());
    }

    fn event(&mut self, e: &AuthEvent) {
        self(e);
    }
}

pub(crate) fn owned(s: Option<&str>) -> Option<Name> {
    s.filter(|s| !s.is_empty()).map(Name::from)
}

/// True for program names that are OpenSSH's server.
pub fn is_sshd(ident: &str) -> bool {
    ident == "sshd" || ident.starts_with("sshd-") || ident == "sshd-session"
}
