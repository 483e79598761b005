//! `process.writable_exe` — processes whose executable lives in /tmp, /var/tmp, /dev/shm or a
//! hidden directory.
//!
//! **What it looks at:** the path of `/proc/PID/exe` of every process.
//!
//! **Why an attacker leaves this trace:** world-writable and in-memory directories are where
//! downloaded tools land (`wget -O /tmp/.x`), and hidden directories (`/root/.ssh/.x/`,
//! `/tmp/... /`) keep them out of a casual `ls`. Legitimate daemons run from system paths.
//!
//! **Example:** pid 31337 `/tmp/.ICE-unix/kworker` owned by www-data.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1036.005 (Masquerading: Match Legitimate Name or Location), T1564.001 (Hidden
//! Files and Directories).

use huoyan_artifacts::proc::LinkTarget;
use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct ExecutableInWritablePlace;

static INFO: CheckInfo = CheckInfo {
    id: "process.writable_exe",
    title: "Process running from a temporary or hidden directory",
    title_zh: "进程从临时目录或隐藏目录运行",
    mitre: &["T1036.005", "T1564.001"],
    remediation:
        "Copy the executable for analysis, check its network connections and parent, then \
                  stop it and remove the file and whatever starts it.",
    remediation_zh:
        "复制该可执行文件用于分析，检查其网络连接与父进程，然后结束进程并删除文件及其启动项。",
};

impl Check for ExecutableInWritablePlace {
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
            let writable = super::is_writable_place(path);
            let hidden = super::in_hidden_dir(path);
            if !(writable || hidden) || p.pid == std::process::id() {
                continue;
            }
            let place = if writable {
                "a world-writable/in-memory directory"
            } else {
                "a hidden directory"
            };
            out.add(
                INFO.finding(
                    Severity::High,
                    format!("pid {} ({}) runs {path} from {place}", p.pid, p.command()),
                )
                .pid(p.pid)
                .path(path.clone())
                .user(p.user_label())
                .at(p.start_time)
                .evidence(json!({"exe": path, "cmdline": p.cmdline, "ppid": p.ppid, "sha256": p.exe_sha256})),
            );
        }
    }
}
