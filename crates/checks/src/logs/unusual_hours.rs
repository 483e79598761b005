//! `logs.unusual_hours` — a login in the middle of the night by an account that works days.
//!
//! **What it looks at:** accepted logins per account in the host's local time zone (its
//! `/etc/localtime`); accounts with at least ten logins, nine in ten of them between 07:00 and
//! 20:59, that also logged in between 00:00 and 05:59.
//!
//! **Why an attacker leaves this trace:** intruders work when the victim sleeps, often from
//! another time zone; administrators rarely do.
//!
//! **Example:** `alice logged in from 198.51.100.7 at 03:12 local time; 95 % of her 60 logins
//! are between 07:00 and 21:00`.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1078 (Valid Accounts).

use huoyan_core::{CheckInfo, Outcome, Severity};
use huoyan_logs::activity::unusual_hours;
use serde_json::json;

use super::common::{data, path_of, short, ts};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct UnusualHours;

static INFO: CheckInfo = CheckInfo {
    id: "logs.unusual_hours",
    title: "Login at an unusual hour",
    title_zh: "非常规时间登录",
    mitre: &["T1078"],
    remediation: "Confirm with the account owner; if it was not them, treat the account as \
                  compromised (lock, rotate credentials, review the session).",
    remediation_zh: "与账号所有者核实；若非本人，按账号失陷处理（锁定、更换凭据、排查会话）。",
};

impl Check for UnusualHours {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let data = data(ctx);
        let tz = huoyan_logs::collect::root_zone(&ctx.root);
        for n in unusual_hours(&data, &tz) {
            let e = &n.event.event;
            if !ctx.window.contains(e.time) {
                continue;
            }
            let user = e.user.clone().unwrap_or_default();
            let mut f = INFO
                .finding(
                    Severity::Low,
                    format!(
                        "{user} logged in from {} at {} ({:02}:xx local time); the account's {} \
                         logins are nine in ten between 07:00 and 21:00",
                        e.source.as_deref().unwrap_or("?"),
                        short(e.time),
                        n.local_hour.unwrap_or(0),
                        n.history
                    ),
                )
                .user(user)
                .path(path_of(&data, n.event.file))
                .at(e.time)
                .evidence(json!({
                    "time": ts(e.time),
                    "local_hour": n.local_hour,
                    "zone": data.zone,
                    "logins": n.history,
                    "line": e.line,
                }));
            if let Some(s) = &e.source {
                f = f.source(s.clone());
            }
            out.add(f);
        }
    }
}
