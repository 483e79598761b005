//! `logs.bruteforce_success` — a login that followed password guessing from the same place.
//!
//! **What it looks at:** accepted SSH/dropbear logins, wtmp and wtmpdb sessions from an address
//! (or its /24) that guessed passwords before; and, when the log names no address, sessions
//! opened for a targeted account during the attack or within 30 minutes of its end.
//!
//! **Why an attacker leaves this trace:** a guess that works ends the series of failures with
//! one `Accepted password for …` from the same source — the moment the server was compromised.
//!
//! **Example:** `root logged in (password) from 203.0.113.50 at 2026-11-27 03:41:02 after 1,204
//! failures from that address since 02:14:09`.
//!
//! **Calibration:** role `entry_point` (a candidate for the story's cause, chosen by what links
//! to it); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1110 (Brute Force), T1078 (Valid Accounts).

use huoyan_core::{CheckInfo, Outcome, Severity};
use huoyan_logs::bruteforce::successes;
use serde_json::json;

use super::common::{data, short, ts};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct BruteForceSuccess;

static INFO: CheckInfo = CheckInfo {
    id: "logs.bruteforce_success",
    title: "Successful login after password guessing",
    title_zh: "暴力破解后登录成功",
    mitre: &["T1110", "T1078"],
    remediation: "Treat the account as compromised: lock it, kill its sessions, change its \
                  password and keys, review everything it did since the login time (shell \
                  history, new accounts, cron, authorized_keys, processes), and block the source.",
    remediation_zh: "按账号已失陷处理：锁定账号、结束其会话、更换口令和密钥，排查登录时间之后的\
                     全部操作（命令历史、新建账号、计划任务、authorized_keys、进程），并封禁来源。",
};

impl Check for BruteForceSuccess {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let data = data(ctx);
        for s in successes(&data) {
            let who = s.user.clone().unwrap_or_else(|| "?".into());
            let from = s
                .source
                .clone()
                .unwrap_or_else(|| "an unlogged address".into());
            let mut f = INFO
                .finding(
                    Severity::Critical,
                    format!(
                        "{who} logged in ({}) from {from} at {} after {} failures from {} ({}) \
                         between {} and {}",
                        s.method,
                        short(s.time),
                        s.failures,
                        s.attacker,
                        s.link,
                        short(s.first_failure),
                        short(s.last_failure)
                    ),
                )
                .user(who)
                .path(s.evidence_path.clone())
                .at(s.time)
                .evidence(json!({
                    "attacker": s.attacker,
                    "link": s.link,
                    "method": s.method,
                    "login_time": ts(s.time),
                    "first_failure": ts(s.first_failure),
                    "last_failure": ts(s.last_failure),
                    "failures": s.failures,
                    "logged_in": s.evidence_path,
                    "line_or_offset": s.evidence_at,
                }));
            if let Some(src) = s.source {
                f = f.source(src);
            }
            out.add(f);
        }
    }
}
