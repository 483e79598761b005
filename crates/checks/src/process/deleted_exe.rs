//! `process.deleted_exe` — processes running an executable that was deleted, or that lives only
//! in memory (memfd).
//!
//! **What it looks at:** `/proc/PID/exe` of every process: the ` (deleted)` suffix and
//! `/memfd:` names.
//!
//! **Why an attacker leaves this trace:** dropping a binary, starting it and deleting it hides it
//! from `ls` and file scanners; fileless loaders run straight from `memfd_create`. The binary is
//! still readable through `/proc/PID/exe` — `huoyan collect` recovers it.
//!
//! **Example:** pid 4242 `/dev/shm/.x (deleted)`, sha256 of the running image.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1070.004 (Indicator Removal: File Deletion), T1620 (Reflective Code Loading).

use huoyan_artifacts::proc::LinkTarget;
use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct DeletedExecutable;

static INFO: CheckInfo = CheckInfo {
    id: "process.deleted_exe",
    title: "Process running a deleted or memory-only executable",
    title_zh: "进程运行的可执行文件已被删除或仅存在于内存",
    mitre: &["T1070.004", "T1620"],
    remediation: "Recover the binary first (huoyan collect copies it through /proc/PID/exe), dump \
                  the process (huoyan process dump), then stop it and find how it was started.",
    remediation_zh: "先提取该程序（huoyan collect 会通过 /proc/PID/exe 复制），转储进程内存\
                     （huoyan process dump），再结束进程并追查其启动方式。",
};

impl Check for DeletedExecutable {
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
            let Some(LinkTarget::Path {
                path,
                deleted,
                memfd,
            }) = &p.exe
            else {
                continue;
            };
            if !(*deleted || *memfd) || p.pid == std::process::id() {
                continue;
            }
            // Package upgrades replace binaries under running daemons: a deleted file in a
            // system directory is usually that, and only medium.
            let system = ["/usr/", "/bin/", "/sbin/", "/lib/", "/opt/"]
                .iter()
                .any(|d| path.starts_with(d));
            // runc re-executes itself from a sealed memfd (CVE-2019-5736 fix): expected.
            let runc = *memfd && path.contains("runc_cloned");
            let severity = if runc {
                Severity::Low
            } else if *memfd || !system {
                Severity::Critical
            } else {
                Severity::Medium
            };
            let what = if *memfd {
                "memory-only (memfd)"
            } else {
                "deleted"
            };
            out.add(
                INFO.finding(
                    severity,
                    format!(
                        "pid {} ({}) runs {what} executable {path}",
                        p.pid,
                        p.command()
                    ),
                )
                .pid(p.pid)
                .path(path.clone())
                .user(p.user_label())
                .at(p.start_time)
                .evidence(json!({
                    "exe": path, "deleted": deleted, "memfd": memfd,
                    "sha256": p.exe_sha256, "size": p.exe_size,
                    "cmdline": p.cmdline, "ppid": p.ppid,
                })),
            );
        }
    }
}
