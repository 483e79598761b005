//! `logs.lastlog_stale` — an account's lastlog slot zeroed or older than a login wtmp shows.
//!
//! **What it looks at:** for every account with a remote interactive login in `/var/log/wtmp`
//! (and its rotations), its slot in `/var/log/lastlog` (uid × 292 bytes): zero, or a time more
//! than two minutes before that latest wtmp login. sshd (and `login`, pam_lastlog) writes both
//! for every session with a terminal, so the slot can only be behind if it was rewritten. Only on
//! a host whose lastlog keeps up with wtmp for some other account: Debian 13 and Fedora 40 keep
//! no lastlog, and a host that never fills it concludes nothing.
//!
//! **Why an attacker leaves this trace:** log cleaners zero the intruder's lastlog slot (or put
//! back an older one) so that `lastlog` and the `Last login:` banner do not show the visit, and
//! forget wtmp, which `last` reads.
//!
//! **Example:** `lastlog: root's slot is zero, but wtmp shows root logging in from 203.0.113.50
//! at 2026-11-27 03:08:18 (/var/log/wtmp offset 11,520)`.
//!
//! **Calibration:** medium: the records disagree and one was rewritten, but `lastlog --clear`
//! by an administrator does the same; the login itself is judged by the other log checks.
//! Role `activity`.
//!
//! **ATT&CK:** T1070.002 (Clear Linux or Mac System Logs).

use huoyan_core::{CheckInfo, Outcome, Severity};
use huoyan_logs::disagree::stale_lastlog;
use serde_json::json;

use super::common::{data, short, ts};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct LastlogStale;

static INFO: CheckInfo = CheckInfo {
    id: "logs.lastlog_stale",
    title: "lastlog behind a login that wtmp shows",
    title_zh: "lastlog 记录落后于 wtmp 中的登录",
    mitre: &["T1070.002"],
    remediation: "Treat lastlog as edited: keep copies of lastlog and wtmp, reconstruct the \
                  account's logins from wtmp and the authentication logs, and look for the \
                  cleaning tool (shell history, recently changed files).",
    remediation_zh: "lastlog 已被篡改：保留 lastlog 和 wtmp 副本，依据 wtmp 与认证日志重建该账号的\
                     登录情况，并查找清理工具（命令历史、近期修改的文件）。",
};

impl Check for LastlogStale {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let data = data(ctx);
        let (_, stale) = stale_lastlog(&data, &ctx.root);
        for s in stale {
            let slot = match s.lastlog_time {
                Some(t) => format!("says {}", short(Some(t))),
                None => "is zero".to_string(),
            };
            out.add(
                INFO.finding(
                    Severity::Medium,
                    format!(
                        "lastlog: {}'s slot {slot}, but wtmp shows {} logging in from {} at {} \
                         ({} offset {})",
                        s.user,
                        s.user,
                        s.login_from,
                        short(Some(s.login_time)),
                        s.wtmp_path,
                        s.wtmp_offset
                    ),
                )
                .user(s.user.clone())
                .source(s.login_from.clone())
                .path(huoyan_artifacts::lastlog::PATH)
                .path(s.wtmp_path.clone())
                .at(Some(s.login_time))
                .evidence(json!({
                    "uid": s.uid,
                    "lastlog_offset": u64::from(s.uid) * huoyan_artifacts::lastlog::RECORD_SIZE as u64,
                    "lastlog_time": ts(s.lastlog_time),
                    "wtmp_login": ts(Some(s.login_time)),
                    "wtmp_from": s.login_from,
                    "wtmp_path": s.wtmp_path,
                    "wtmp_offset": s.wtmp_offset,
                })),
            );
        }
    }
}
