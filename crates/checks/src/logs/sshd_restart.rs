//! `logs.sshd_restart` — sshd restarted or reloaded its configuration.
//!
//! **What it looks at:** sshd's `Server listening on …`, `Received SIGHUP; restarting.` and
//! `Received signal 15; terminating.` messages, summarised with every time.
//!
//! **Why an attacker leaves this trace:** to keep access an intruder edits sshd_config
//! (PermitRootLogin, AuthorizedKeysFile, a second port) or swaps the binary, and must restart or
//! reload sshd for it to apply.
//!
//! **Example:** `sshd reloaded its configuration 2 times and restarted 1 time; last at
//! 2026-11-27 03:50:02`.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1556 (Modify Authentication Process), T1021.004 (Remote Services: SSH).

use huoyan_artifacts::auth::AuthKind;
use huoyan_core::{CheckInfo, Outcome, Severity};
use huoyan_logs::activity::sshd_restarts;
use serde_json::json;

use super::common::{data, path_of, short, ts};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct SshdRestart;

static INFO: CheckInfo = CheckInfo {
    id: "logs.sshd_restart",
    title: "sshd restarted or reloaded",
    title_zh: "sshd 被重启或重新加载配置",
    mitre: &["T1556", "T1021.004"],
    remediation: "Compare sshd_config (and files in sshd_config.d) and the sshd binary with the \
                  package and your configuration management; find who restarted it at that time.",
    remediation_zh: "将 sshd_config（及 sshd_config.d 下的文件）和 sshd 二进制与软件包及配置管理\
                     进行比对；查明该时间点是谁重启了 sshd。",
};

impl Check for SshdRestart {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let data = data(ctx);
        let events = sshd_restarts(&data);
        if events.is_empty() {
            return;
        }
        let count = |k: AuthKind| events.iter().filter(|e| e.event.kind == k).count();
        let (reloads, starts, stops) = (
            count(AuthKind::SshdReloaded),
            count(AuthKind::SshdStarted),
            count(AuthKind::SshdStopped),
        );
        let last = events.iter().filter_map(|e| e.event.time).max();
        let list: Vec<_> = events
            .iter()
            .take(200)
            .map(|e| {
                json!({
                    "time": ts(e.event.time),
                    "what": e.event.kind,
                    "path": path_of(&data, e.file),
                    "line": e.event.line,
                })
            })
            .collect();
        let severity = if reloads > 0 {
            Severity::Low
        } else {
            Severity::Info
        };
        out.add(
            INFO.finding(
                severity,
                format!(
                    "sshd reloaded its configuration {reloads} times, started {starts} times and \
                     stopped {stops} times; last at {}",
                    short(last)
                ),
            )
            .at(last)
            .evidence(json!({ "events": list })),
        );
    }
}
