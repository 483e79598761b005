//! `process.ld_preload` — processes started with `LD_PRELOAD` (or an unusual `LD_LIBRARY_PATH`).
//!
//! **What it looks at:** the `LD_PRELOAD` and `LD_LIBRARY_PATH` keys of `/proc/PID/environ`.
//!
//! **Why an attacker leaves this trace:** a preloaded library runs inside the process and can
//! hook any libc call — userland rootkits hide files and processes this way, credential stealers
//! hook PAM or `read()`. Almost nothing on a server runs with LD_PRELOAD legitimately.
//!
//! **Example:** pid 913 `sshd` with `LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libext.so.1`.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1574.006 (Hijack Execution Flow: Dynamic Linker Hijacking).

use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct PreloadInEnvironment;

static INFO: CheckInfo = CheckInfo {
    id: "process.ld_preload",
    title: "Process started with LD_PRELOAD",
    title_zh: "进程以 LD_PRELOAD 方式加载了额外的库",
    mitre: &["T1574.006"],
    remediation: "Copy the preloaded library for analysis, find where the variable is set (unit \
                  files, profile scripts, /etc/environment) and restart the service without it.",
    remediation_zh: "复制被预加载的库用于分析，查找设置该变量的位置（服务单元、profile 脚本、/etc/environment），\
                     并在去除后重启服务。",
};

impl Check for PreloadInEnvironment {
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
            let preload = p.env.get("LD_PRELOAD").filter(|v| !v.trim().is_empty());
            let libpath = p.env.get("LD_LIBRARY_PATH").filter(|v| {
                v.split(':').any(|d| {
                    super::is_writable_place(&format!("{d}/"))
                        || super::in_hidden_dir(&format!("{d}/x"))
                })
            });
            if preload.is_none() && libpath.is_none() {
                continue;
            }
            let mut f = INFO
                .finding(
                    if preload.is_some() {
                        Severity::High
                    } else {
                        Severity::Medium
                    },
                    format!(
                        "pid {} ({}) runs with {}",
                        p.pid,
                        p.command(),
                        preload
                            .map(|v| format!("LD_PRELOAD={v}"))
                            .or_else(|| libpath.map(|v| format!("LD_LIBRARY_PATH={v}")))
                            .unwrap_or_default()
                    ),
                )
                .pid(p.pid)
                .user(p.user_label())
                .at(p.start_time)
                .evidence(json!({"env": p.env, "cmdline": p.cmdline}));
            for lib in preload.into_iter().flat_map(|v| v.split([':', ' '])) {
                if !lib.is_empty() {
                    f = f.path(lib.to_string());
                }
            }
            out.add(f);
        }
    }
}
