//! `logs.unlogged_sessions` — remote logins that wtmp records but the authentication log does
//! not: the lines of the login were removed from the log.
//!
//! **What it looks at:** every remote login (a user-process record with a host or address) in
//! `/var/log/wtmp` and its rotations, against the authentication events read from auth.log /
//! secure / messages and the journal (sshd `Accepted …`, or a PAM session opened by sshd or
//! dropbear, for the same user within two minutes). Only logins inside the stretch of time the
//! authentication log covers (each of its files, from its first to its latest line) are compared, and only when that log records remote logins at all;
//! when most logins are missing, the two sources disagree as a whole (time zone, another log
//! target) and the finding is a gap, not evidence.
//!
//! **Why an attacker leaves this trace:** an intruder who cleans `auth.log` with `sed -i` or a log
//! cleaner usually forgets wtmp (a binary file that needs another tool), so `last` still shows a
//! login that the text log no longer mentions.
//!
//! **Severity:** high: the login happened (the kernel-written record says so) and its log lines
//! are gone.
//!
//! **Example:** `root logged in from 198.51.100.23 on pts/1 at 2026-11-26 02:10:14 (wtmp), but no
//! authentication log line records it, although the log covers 2026-08-30 … 2026-11-27`.
//!
//! **ATT&CK:** T1070.002 (Clear Linux or Mac System Logs).

use huoyan_artifacts::auth_event::AuthKind;
use huoyan_artifacts::utmp::UtmpType;
use huoyan_core::{CheckInfo, Gap, GapReason, Outcome, Severity, Timestamp};
use serde_json::json;

use super::common::{data, short, ts};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct UnloggedSessions;

static INFO: CheckInfo = CheckInfo {
    id: "logs.unlogged_sessions",
    title: "Login in wtmp that the authentication log no longer records",
    title_zh: "wtmp 中存在、认证日志中却无记录的登录",
    mitre: &["T1070.002"],
    remediation: "Treat the authentication log as edited: recover the original from backups, a \
                  remote log server or the journal; investigate the named session (who, from \
                  where, what it ran) with wtmp, lastlog, shell histories and file times.",
    remediation_zh: "认证日志已被篡改：从备份、远程日志服务器或 journal 恢复原始日志；结合 wtmp、\
                     lastlog、命令历史与文件时间调查该会话（何人、来源、执行了什么）。",
};

/// How far apart the wtmp record and the log line may be.
const TOLERANCE_SECONDS: i64 = 120;

/// When more than this share of the comparable logins is missing, the sources disagree as a
/// whole and nothing is concluded.
const MAX_MISSING_SHARE: f64 = 0.5;

/// Most findings listed; the rest are counted in the last one.
const MAX_FINDINGS: usize = 20;

/// One remote login from wtmp.
struct Login {
    time: Timestamp,
    user: String,
    host: String,
    line: String,
    path: String,
}

impl Check for UnloggedSessions {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let data = data(ctx);
        // Remote logins the authentication log recorded: (user, time).
        let mut logged: Vec<(&str, Timestamp)> = data
            .events
            .iter()
            .filter(|e| {
                matches!(e.event.kind, AuthKind::Accepted)
                    || (e.event.kind == AuthKind::SessionOpened
                        && matches!(e.event.service.as_ref(), "sshd" | "dropbear"))
            })
            .filter_map(|e| Some((e.event.user.as_deref()?, e.event.time?)))
            .collect();
        if logged.is_empty() {
            return;
        }
        logged.sort_by_key(|(_, t)| *t);
        // The stretches of time the authentication log covers: each file that holds
        // authentication events, from its first to its latest line.
        let covered: Vec<(Timestamp, Timestamp)> = data
            .files
            .iter()
            .filter(|f| f.auth_events > 0)
            .filter_map(|f| Some((f.rhythm.first?, f.rhythm.latest?)))
            .collect();
        let (Some(first), Some(last)) = (
            covered.iter().map(|c| c.0).min(),
            covered.iter().map(|c| c.1).max(),
        ) else {
            return;
        };
        let logins: Vec<Login> = data
            .wtmp
            .iter()
            .flat_map(|file| {
                file.records.iter().filter_map(move |r| {
                    let remote = !r.host.is_empty() || r.addr.is_some();
                    if r.kind != UtmpType::UserProcess || !remote || r.user.is_empty() {
                        return None;
                    }
                    let time = r.time?;
                    Some(Login {
                        time,
                        user: r.user.clone(),
                        host: r
                            .addr
                            .map(|a| a.to_string())
                            .filter(|a| r.host.is_empty() || a != "0.0.0.0")
                            .unwrap_or_else(|| r.host.clone()),
                        line: r.line.clone(),
                        path: file.path.clone(),
                    })
                })
            })
            .filter(|l| {
                covered
                    .iter()
                    .any(|(from, to)| l.time >= *from && l.time <= *to)
            })
            .collect();
        if logins.is_empty() {
            return;
        }
        let missing: Vec<&Login> = logins
            .iter()
            .filter(|l| !was_logged(&logged, &l.user, l.time))
            .collect();
        if missing.is_empty() {
            return;
        }
        let share = missing.len() as f64 / logins.len() as f64;
        if share > MAX_MISSING_SHARE {
            out.gap(Gap::new(
                INFO.id,
                GapReason::Unsupported,
                format!(
                    "{} of {} remote logins in wtmp have no authentication log line: the two \
                     sources disagree as a whole (time zone, another log target), so missing \
                     lines were not judged",
                    missing.len(),
                    logins.len()
                ),
            ));
            return;
        }
        for login in missing.iter().take(MAX_FINDINGS) {
            out.add(
                INFO.finding(
                    Severity::High,
                    format!(
                        "{} logged in from {} on {} at {} ({}), but no authentication log line \
                         records it, although the log covers {} … {} and records {} other \
                         remote logins",
                        login.user,
                        login.host,
                        login.line,
                        short(Some(login.time)),
                        login.path,
                        short(Some(first)),
                        short(Some(last)),
                        logins.len() - missing.len()
                    ),
                )
                .user(login.user.clone())
                .source(login.host.clone())
                .path(login.path.clone())
                .at(Some(login.time))
                .evidence(json!({
                    "wtmp_time": ts(Some(login.time)),
                    "terminal": login.line,
                    "log_covers_from": ts(Some(first)),
                    "log_covers_to": ts(Some(last)),
                    "tolerance_seconds": TOLERANCE_SECONDS,
                })),
            );
        }
        if missing.len() > MAX_FINDINGS {
            out.add(INFO.finding(
                Severity::High,
                format!(
                    "{} more wtmp logins without an authentication log line (only the first \
                     {MAX_FINDINGS} are listed)",
                    missing.len() - MAX_FINDINGS
                ),
            ));
        }
    }
}

/// True when the log holds a login of `user` within the tolerance of `time` (`logged` is sorted
/// by time).
fn was_logged(logged: &[(&str, Timestamp)], user: &str, time: Timestamp) -> bool {
    let from = time.as_second() - TOLERANCE_SECONDS;
    let to = time.as_second() + TOLERANCE_SECONDS;
    let start = logged.partition_point(|(_, t)| t.as_second() < from);
    logged[start..]
        .iter()
        .take_while(|(_, t)| t.as_second() <= to)
        .any(|(u, _)| *u == user)
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use huoyan_artifacts::utmp;
    use huoyan_core::{Root, Window};

    use super::*;

    /// 2026-11-28 00:00:00 UTC.
    const BASE: i64 = 1_795_824_000;

    fn line(t: i64, msg: &str) -> String {
        let ts = huoyan_core::time::from_unix(t, 0).expect("time");
        format!(
            "{} web01 {msg}\n",
            ts.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00")
        )
    }

    /// Six logins of alice ten minutes apart in wtmp; the auth log keeps those in `kept`,
    /// shifted by `shift` seconds, between cron sessions before and after.
    fn run(kept: &[usize], shift: i64) -> Outcome {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("var/log");
        std::fs::create_dir_all(&log).expect("mkdir");
        let mut wtmp = Vec::new();
        let mut auth = line(
            BASE - 3600,
            "CRON[10]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
        );
        for i in 0..6usize {
            let t = BASE + i as i64 * 600;
            wtmp.extend_from_slice(&utmp::encode_record(
                7,
                3000 + i as i32,
                "pts/0",
                "alice",
                "198.51.100.10",
                t as i32,
                Some(Ipv4Addr::new(198, 51, 100, 10)),
            ));
            if kept.contains(&i) {
                auth.push_str(&line(
                    t + shift - 1,
                    &format!("sshd[{}]: Accepted publickey for alice from 198.51.100.10 port 5000{i} ssh2: ED25519 SHA256:abc", 3000 + i),
                ));
            }
        }
        auth.push_str(&line(
            BASE + 7200,
            "CRON[11]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
        ));
        std::fs::write(log.join("wtmp"), wtmp).expect("wtmp");
        std::fs::write(log.join("auth.log"), auth).expect("auth.log");
        let ctx = Context::new(Root::new(dir.path()).expect("root"), Window::default());
        let mut out = Outcome::default();
        UnloggedSessions.run(&ctx, &mut out);
        out
    }

    #[test]
    fn a_login_cut_from_the_log_is_found() {
        let out = run(&[0, 1, 2, 4, 5], 0);
        assert_eq!(out.findings.len(), 1, "{:?}", out.findings);
        let f = &out.findings[0];
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.users, vec!["alice".to_string()]);
        assert_eq!(f.ips, vec!["198.51.100.10".to_string()]);
        assert_eq!(f.time.map(|t| t.as_second()), Some(BASE + 1800));
    }

    #[test]
    fn every_login_logged_is_quiet() {
        let out = run(&[0, 1, 2, 3, 4, 5], 0);
        assert!(
            out.findings.is_empty() && out.gaps.is_empty(),
            "{:?}",
            out.findings
        );
    }

    #[test]
    fn sources_that_disagree_as_a_whole_are_a_gap() {
        // Every log line eight hours off (a zone the reader got wrong): no evidence, a gap.
        let out = run(&[0, 1, 2, 3, 4, 5], 8 * 3600);
        assert!(out.findings.is_empty(), "{:?}", out.findings);
        assert_eq!(out.gaps.len(), 1);
    }
}
