//! `logs.lastlog_unbacked` — a last login in lastlog that wtmp does not show.
//!
//! **What it looks at:** each account's `/var/log/lastlog` entry whose time lies in the period
//! wtmp (or wtmpdb) covers, looking for that user's login record within a minute of it.
//!
//! **Why an attacker leaves this trace:** cleaners often remove the intruder's wtmp record but
//! forget lastlog (or the reverse), so the two disagree.
//!
//! **Example:** `lastlog: root last logged in from 203.0.113.50 on pts/2 at 03:41:02, but wtmp
//! has no login of root near that time`.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1070.002 (Clear Linux or Mac System Logs).

use huoyan_core::{CheckInfo, Outcome, Severity};
use huoyan_logs::tamper::lastlog_unbacked;
use serde_json::json;

use super::common::{data, short, ts};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct LastlogUnbacked;

static INFO: CheckInfo = CheckInfo {
    id: "logs.lastlog_unbacked",
    title: "lastlog entry without a wtmp login",
    title_zh: "lastlog 记录在 wtmp 中无对应登录",
    mitre: &["T1070.002"],
    remediation: "Look for the login in the auth logs and the journal at that time; a missing \
                  wtmp record next to a lastlog entry means wtmp was edited.",
    remediation_zh: "在认证日志和 journal 中查找该时间点的登录；lastlog 有记录而 wtmp 缺失，\
                     说明 wtmp 被篡改。",
};

impl Check for LastlogUnbacked {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let data = data(ctx);
        for (user, e) in lastlog_unbacked(&data, &ctx.root) {
            out.add(
                INFO.finding(
                    Severity::Medium,
                    format!(
                        "lastlog: {user} last logged in from {:?} on {} at {}, but wtmp has no login \
                         of {user} near that time",
                        e.host,
                        e.line,
                        short(e.time)
                    ),
                )
                .user(user)
                .source(e.host.clone())
                .path(huoyan_artifacts::lastlog::PATH)
                .at(e.time)
                .evidence(json!({
                    "uid": e.uid,
                    "offset": u64::from(e.uid) * huoyan_artifacts::lastlog::RECORD_SIZE as u64,
                    "time": ts(e.time),
                    "line": e.line,
                    "host": e.host,
                })),
            );
        }
    }
}
