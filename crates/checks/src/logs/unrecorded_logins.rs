//! `logs.unrecorded_logins` — logins the authentication log records and wtmp does not.
//!
//! **What it looks at:** every accepted login of auth.log / secure / messages and the journal
//! (sshd or dropbear `Accepted …`, or a PAM session opened by sshd that names its source) that
//! lies inside the time `/var/log/wtmp` covers (its first to its last record), against wtmp's
//! user records and wtmpdb's rows of the same user within two minutes. Only on a host whose wtmp
//! holds remote logins at all.
//!
//! **Why an attacker leaves this trace:** wtmp and utmp cleaners remove the intruder's own
//! records so `last` and `who` do not show the visit; the text log, written by another program,
//! keeps the `Accepted` line.
//!
//! **Severity:** sessions without a terminal (`scp`, `sftp`, `ssh host command`, automation)
//! legitimately write no wtmp record, so a missing record alone proves nothing. Medium for a
//! login from a source that guessed passwords (at least ten failures): the visit that matters
//! most is the one whose record would be gone. Low, one finding per user, for the others, and
//! only for a user some of whose logins do have their record (an account whose logins never
//! have one is automation: `scp`, backups, deploys) and while most of those users' logins have
//! it; when most do not, the two sources disagree as a whole (sessions without a terminal, wtmp
//! not kept) and that is a gap, not evidence. Role `activity`.
//!
//! **Example:** `root logged in (password) from 203.0.113.50 at 2026-11-27 03:08:18
//! (/var/log/auth.log line 412), a source with 90 failed guesses, and wtmp — which covers
//! 2026-11-01 … 2026-11-28 — has no record of it`.
//!
//! **ATT&CK:** T1070.002 (Clear Linux or Mac System Logs), T1078 (Valid Accounts).

use std::collections::BTreeMap;

use huoyan_core::{CheckInfo, Gap, GapReason, Outcome, Severity};
use huoyan_logs::bruteforce::MIN_FAILURES;
use huoyan_logs::disagree::{unrecorded_logins, Unrecorded};
use serde_json::json;

use super::common::{data, short, ts};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct UnrecordedLogins;

static INFO: CheckInfo = CheckInfo {
    id: "logs.unrecorded_logins",
    title: "Login in the authentication log that wtmp does not record",
    title_zh: "认证日志中存在、wtmp 中却无记录的登录",
    mitre: &["T1070.002", "T1078"],
    remediation: "Check whether the session had a terminal (interactive shell) — then its wtmp \
                  record was removed: keep copies of wtmp and utmp, and reconstruct what the \
                  session did from shell histories, process accounting and file times.",
    remediation_zh: "确认该会话是否为交互式终端会话——若是，则其 wtmp 记录已被删除：保留 wtmp 与 \
                     utmp 副本，并依据命令历史、进程审计和文件时间重建该会话的操作。",
};

/// Most per-user findings listed.
const MAX_USERS: usize = 20;

impl Check for UnrecordedLogins {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let data = data(ctx);
        let (backed_by_user, missing) = unrecorded_logins(&data);
        let backed: usize = backed_by_user.values().sum();
        let guesses = |u: &Unrecorded| -> u64 {
            u.source
                .as_deref()
                .and_then(|s| data.failures.by_source.get(s))
                .map_or(0, |t| t.failures)
        };
        let mut others: BTreeMap<&str, Vec<&Unrecorded>> = BTreeMap::new();
        for u in &missing {
            let failures = guesses(u);
            if failures < MIN_FAILURES {
                // An account none of whose logins has a record: sessions without a terminal.
                if backed_by_user.get(&u.user).is_some_and(|&n| n > 0) {
                    others.entry(u.user.as_str()).or_default().push(u);
                }
                continue;
            }
            let from = u.source.as_deref().unwrap_or("?");
            out.add(
                INFO.finding(
                    Severity::Medium,
                    format!(
                        "{} logged in ({}) from {from} at {} ({} line {}), a source with {failures} \
                         failed guesses, and wtmp has no record of it although it covers that time",
                        u.user,
                        u.method,
                        short(Some(u.time)),
                        u.path,
                        u.line
                    ),
                )
                .user(u.user.clone())
                .source(from.to_string())
                .path(u.path.clone())
                .at(Some(u.time))
                .evidence(json!({
                    "login_time": ts(Some(u.time)),
                    "method": u.method,
                    "log": u.path,
                    "line": u.line,
                    "source_failures": failures,
                    "logins_with_wtmp_record": backed,
                })),
            );
        }
        let rest: usize = others.values().map(Vec::len).sum();
        if rest == 0 {
            return;
        }
        let backed: usize = others.keys().filter_map(|u| backed_by_user.get(*u)).sum();
        if rest > backed {
            out.gap(Gap::new(
                INFO.id,
                GapReason::Unsupported,
                format!(
                    "{rest} accepted logins in the authentication log have no wtmp record and only \
                     {backed} have one: sessions without a terminal or a wtmp that is not kept, so \
                     the missing records were not judged"
                ),
            ));
            return;
        }
        for (user, logins) in others.into_iter().take(MAX_USERS) {
            let times: Vec<String> = logins
                .iter()
                .take(5)
                .map(|u| {
                    format!(
                        "{} from {}",
                        short(Some(u.time)),
                        u.source.as_deref().unwrap_or("?")
                    )
                })
                .collect();
            let mut f = INFO
                .finding(
                    Severity::Low,
                    format!(
                        "{user}: {} login(s) in the authentication log without a wtmp record ({}), \
                         while {backed} other login(s) have one — removed records, or sessions \
                         without a terminal",
                        logins.len(),
                        times.join("; ")
                    ),
                )
                .user(user.to_string())
                .at(logins.first().map(|u| u.time))
                .evidence(json!({
                    "logins": logins.iter().take(20).map(|u| json!({
                        "time": ts(Some(u.time)),
                        "source": u.source,
                        "method": u.method,
                        "log": u.path,
                        "line": u.line,
                    })).collect::<Vec<_>>(),
                    "logins_with_wtmp_record": backed,
                }));
            for u in logins.iter().take(5) {
                if let Some(s) = &u.source {
                    f = f.source(s.clone());
                }
                f = f.path(u.path.clone());
            }
            out.add(f);
        }
    }
}
