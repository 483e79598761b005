//! Authentication events (accepted logins, sessions, su, sudo, account changes, sshd restarts)
//! from every auth log, syslog and journal the log reader finds under the root. Individual
//! failures are summarised by the brute-force findings rather than listed one by one.

use huoyan_artifacts::auth::AuthKind;
use huoyan_core::{Gap, Root, Window};

use crate::{Category, Event};

pub(super) fn collect(root: &Root, window: Window, events: &mut Vec<Event>, gaps: &mut Vec<Gap>) {
    let data = huoyan_logs::data_for(root, window);
    gaps.extend(data.gaps.iter().cloned());
    for e in &data.events {
        let a = &e.event;
        let Some(time) = a.time else { continue };
        let file = data
            .files
            .get(e.file)
            .map(|f| f.path.as_str())
            .unwrap_or("");
        let user = a.user.clone().unwrap_or_default();
        let actor = a.actor.clone().unwrap_or_default();
        let from = a.source.clone().unwrap_or_default();
        let method = a.method.clone().unwrap_or_default();
        let (kind, category, message) = match a.kind {
            AuthKind::Accepted => (
                "login_accepted",
                Category::Authentication,
                format!("{} accepted {method} for {user} from {from}", a.service),
            ),
            AuthKind::SessionOpened => (
                "session_opened",
                Category::Authentication,
                format!("{} session opened for {user}", a.service),
            ),
            AuthKind::SessionClosed => continue,
            AuthKind::Su => (
                "su",
                Category::Authentication,
                format!("su from {actor} to {user}"),
            ),
            AuthKind::SuFailure => (
                "su_failed",
                Category::Authentication,
                format!("su from {actor} to {user} refused"),
            ),
            AuthKind::Sudo => (
                "sudo",
                Category::Process,
                format!(
                    "sudo by {actor} as {user}: {}",
                    a.detail.clone().unwrap_or_default()
                ),
            ),
            AuthKind::SudoFailure => (
                "sudo_failed",
                Category::Authentication,
                format!("sudo by {actor} refused"),
            ),
            AuthKind::Account => (
                "account_change",
                Category::Iam,
                format!("account change: {}", a.detail.clone().unwrap_or_default()),
            ),
            AuthKind::SshdStarted => ("sshd_started", Category::Host, "sshd started".to_string()),
            AuthKind::SshdReloaded => (
                "sshd_reloaded",
                Category::Host,
                "sshd reloaded its configuration".to_string(),
            ),
            AuthKind::SshdStopped => ("sshd_stopped", Category::Host, "sshd stopped".to_string()),
            AuthKind::Failure | AuthKind::Probe => continue,
        };
        let mut ev = Event::new(time, "auth", kind, "Log Entry Time", category, message)
            .path(file.to_string())
            .user(user)
            .user(actor)
            .ip(from);
        if let Some(pid) = a.pid {
            ev = ev.pid(pid);
        }
        events.push(ev);
    }
}
