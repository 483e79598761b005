//! Logins, logouts, reboots (`/var/log/wtmp`) and failed logins (`/var/log/btmp`) as events.

use huoyan_artifacts::utmp::{self, UtmpType};
use huoyan_core::Gap;

use super::read_rotated;
use crate::{Category, Event};

pub(super) fn collect(root: &huoyan_core::Root, events: &mut Vec<Event>, gaps: &mut Vec<Gap>) {
    for data in read_rotated(root, "/var/log/wtmp", "timeline.wtmp", gaps) {
        let (records, _) = utmp::parse(&data);
        for r in records {
            let Some(time) = r.time else { continue };
            let from = r.addr.map(|a| a.to_string()).unwrap_or_default();
            let (kind, message) = match r.kind {
                UtmpType::UserProcess => (
                    "login",
                    format!(
                        "{} logged in on {} from {}",
                        r.user,
                        r.line,
                        or_local(&r.host)
                    ),
                ),
                UtmpType::DeadProcess => ("logout", format!("session on {} ended", r.line)),
                UtmpType::BootTime => ("boot", format!("system boot ({})", r.host)),
                UtmpType::RunLevel if r.user == "shutdown" => {
                    ("shutdown", "system shutdown".to_string())
                }
                _ => continue,
            };
            let category = if kind == "login" || kind == "logout" {
                Category::Authentication
            } else {
                Category::Host
            };
            let mut e = Event::new(time, "wtmp", kind, "Login Time", category, message)
                .user(if kind == "login" {
                    r.user.clone()
                } else {
                    String::new()
                })
                .ip(from);
            if r.pid > 0 {
                e = e.pid(r.pid as u32);
            }
            events.push(e);
        }
    }
    for data in read_rotated(root, "/var/log/btmp", "timeline.btmp", gaps) {
        let (records, _) = utmp::parse(&data);
        for r in records {
            let Some(time) = r.time else { continue };
            let from = r.addr.map(|a| a.to_string()).unwrap_or_default();
            events.push(
                Event::new(
                    time,
                    "btmp",
                    "failed_login",
                    "Failed Login Time",
                    Category::Authentication,
                    format!(
                        "failed login as {} on {} from {}",
                        r.user,
                        r.line,
                        or_local(&r.host)
                    ),
                )
                .user(r.user.clone())
                .ip(from),
            );
        }
    }
}

fn or_local(host: &str) -> &str {
    if host.is_empty() {
        "local"
    } else {
        host
    }
}
