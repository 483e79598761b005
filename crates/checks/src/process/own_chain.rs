//! `process.own_chain` — huoyan's own process and the wrappers that started it, left out of the
//! process checks.
//!
//! **What it looks at:** the live scene's process tree, from huoyan's own pid up through the
//! wrappers above it (`sudo`, `su`, shells, `timeout`, `nohup`, `tmux` …) until a parent that is
//! not a wrapper (`sshd`, `systemd`).
//!
//! **Why it matters to a responder:** huoyan and the commands the responder typed to start it
//! must never be mistaken for the attacker's (a root shell running an unknown static binary from
//! /tmp looks exactly like an implant). The other process checks skip this chain; this check
//! records which pids were skipped, so the exclusion is visible and can be verified.
//!
//! **Example:** `4242 (huoyan) ← 4100 (sudo) ← 4099 (bash)`.
//!
//! **Calibration:** role `background`; always `info` — it is huoyan's own activity, never
//! evidence.
//!
//! **ATT&CK:** none (huoyan's own activity).

use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct OwnChain;

static INFO: CheckInfo = CheckInfo {
    id: "process.own_chain",
    title: "huoyan's own processes (not examined)",
    title_zh: "huoyan 自身进程（未检查）",
    mitre: &[],
    remediation: "Nothing to do: these are huoyan and the commands the responder started it \
                  with.",
    remediation_zh: "无需处理：这些是 huoyan 本身及响应人员启动它所用的命令。",
};

impl Check for OwnChain {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }
    fn live_only(&self) -> bool {
        true
    }
    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let Some(scene) = super::scene(ctx, out) else {
            return;
        };
        let own = super::own_processes(ctx, scene);
        if own.is_empty() {
            return;
        }
        let listed: Vec<String> = own
            .iter()
            .map(|p| format!("{} ({})", p.pid, p.comm))
            .collect();
        out.add(
            INFO.finding(
                Severity::Info,
                format!(
                    "huoyan's own process chain is left out of the process checks: {}",
                    listed.join(" ← ")
                ),
            )
            .evidence(json!({
                "excluded": own.iter().map(|p| json!({
                    "pid": p.pid,
                    "ppid": p.ppid,
                    "comm": p.comm,
                    "cmdline": p.cmdline,
                })).collect::<Vec<_>>(),
            })),
        );
    }
}
