//! `logs.new_source` — a login from an address the account had never used.
//!
//! **What it looks at:** accepted SSH/dropbear logins in time order; a recent login (since
//! `--since`, or the last 30 days) from a source the account had not logged in from in at least
//! three earlier logins.
//!
//! **Why an attacker leaves this trace:** stolen passwords and keys are used from the attacker's
//! infrastructure, not from the administrator's usual workstation or bastion.
//!
//! **Example:** `deploy logged in (publickey) from 198.51.100.77 at 2026-11-27 03:12:44; its 41
//! earlier logins came from 10.0.0.5, 10.0.0.6`.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1078 (Valid Accounts), T1021.004 (Remote Services: SSH).

use huoyan_core::{CheckInfo, Outcome, Severity};
use huoyan_logs::activity::new_sources;
use serde_json::json;

use super::common::{data, path_of, short, ts};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct NewSource;

static INFO: CheckInfo = CheckInfo {
    id: "logs.new_source",
    title: "Login from a never-before-seen source",
    title_zh: "来自从未出现过的来源的登录",
    mitre: &["T1078", "T1021.004"],
    remediation: "Ask the account owner whether this login was theirs; if not, lock the account, \
                  rotate its password and keys, and review what the session did.",
    remediation_zh: "向账号所有者核实该登录是否本人所为；若不是，锁定账号、更换口令和密钥，并排查\
                     该会话的操作。",
};

impl Check for NewSource {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let data = data(ctx);
        for n in new_sources(&data, Some(ctx.recent_since())) {
            let e = &n.event.event;
            let user = e.user.clone().unwrap_or_default();
            let src = e.source.clone().unwrap_or_default();
            out.add(
                INFO.finding(
                    Severity::Low,
                    format!(
                        "{user} logged in ({}) from {src} at {}; its {} earlier logins came from {}",
                        e.method.as_deref().unwrap_or("?"),
                        short(e.time),
                        n.history,
                        n.known_sources.join(", ")
                    ),
                )
                .user(user)
                .source(src)
                .path(path_of(&data, n.event.file))
                .at(e.time)
                .evidence(json!({
                    "time": ts(e.time),
                    "method": e.method,
                    "line": e.line,
                    "earlier_logins": n.history,
                    "known_sources": n.known_sources,
                })),
            );
        }
    }
}
