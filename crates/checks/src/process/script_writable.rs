//! `process.script_writable` — interpreters running a script from a temporary or hidden place.
//!
//! **What it looks at:** processes whose executable is a shell or interpreter (bash, sh, python,
//! perl, php, ruby, node …) and whose arguments name a script under /tmp, /var/tmp, /dev/shm or a
//! hidden directory.
//!
//! **Why an attacker leaves this trace:** downloaded stagers and bots are often scripts run with
//! the system interpreter, so the executable itself looks legitimate; only the script path tells.
//!
//! **Example:** pid 2211 `/usr/bin/python3 /dev/shm/.s.py` as www-data.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1059 (Command and Scripting Interpreter).

use huoyan_artifacts::proc::LinkTarget;
use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct ScriptFromWritablePlace;

static INFO: CheckInfo = CheckInfo {
    id: "process.script_writable",
    title: "Interpreter running a script from a temporary or hidden directory",
    title_zh: "解释器正在运行临时目录或隐藏目录中的脚本",
    mitre: &["T1059"],
    remediation: "Copy the script, stop the process, and find how the script arrived (web upload, \
                  download in a shell history, cron).",
    remediation_zh: "复制该脚本并结束进程，追查脚本来源（Web 上传、命令历史中的下载、计划任务）。",
};

impl Check for ScriptFromWritablePlace {
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
        for p in super::examined(ctx, scene) {
            let Some(LinkTarget::Path { path, .. }) = &p.exe else {
                continue;
            };
            if !super::is_interpreter(super::base_name(path)) {
                continue;
            }
            let Some(script) = p.cmdline.iter().skip(1).find(|a| {
                !a.starts_with('-') && (super::is_writable_place(a) || super::in_hidden_dir(a))
            }) else {
                continue;
            };
            out.add(
                INFO.finding(
                    Severity::High,
                    format!("pid {} runs {script} with {path}", p.pid),
                )
                .pid(p.pid)
                .path(script.clone())
                .user(p.user_label())
                .at(p.start_time)
                .evidence(json!({"interpreter": path, "script": script, "cmdline": p.cmdline, "ppid": p.ppid})),
            );
        }
    }
}
