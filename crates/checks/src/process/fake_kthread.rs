//! `process.fake_kthread` — user processes dressed up as kernel threads.
//!
//! **What it looks at:** processes whose command line is a bracketed name (`[kworker/0:1]`,
//! `[kthreadd]`) or whose comm imitates a kernel thread, but that have an executable or memory
//! maps — which real kernel threads never have (their parent is kthreadd, pid 2).
//!
//! **Why an attacker leaves this trace:** `ps` shows kernel threads in brackets, and responders
//! skip them; miners and backdoors overwrite their argv to look like one.
//!
//! **Example:** pid 8812 `[kworker/1:2]` with exe `/usr/lib/.x/kw` and parent 1.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1036.004 (Masquerade Task or Service).

use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct FakeKernelThread;

static INFO: CheckInfo = CheckInfo {
    id: "process.fake_kthread",
    title: "User process disguised as a kernel thread",
    title_zh: "伪装成内核线程的用户进程",
    mitre: &["T1036.004"],
    remediation: "Dump and stop the process; recover its executable through /proc/PID/exe and \
                  find what started it (parent, cron, systemd).",
    remediation_zh:
        "转储并结束该进程；通过 /proc/PID/exe 提取其程序，并追查启动来源（父进程、cron、systemd）。",
};

const KERNEL_NAMES: &[&str] = &[
    "kworker",
    "kthreadd",
    "ksoftirqd",
    "kswapd",
    "migration",
    "rcu_",
    "watchdog",
    "kdevtmpfs",
    "khugepaged",
    "kblockd",
    "jbd2",
    "kauditd",
    "irq/",
    "scsi_",
    "writeback",
    "kcompactd",
];

impl Check for FakeKernelThread {
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
            if p.kernel_thread || p.exe.is_none() {
                continue;
            }
            let argv0 = p.cmdline.first().map(String::as_str).unwrap_or("");
            let bracketed = argv0.starts_with('[') && argv0.trim_end().ends_with(']');
            let kernelish = |s: &str| {
                let s = s.trim_start_matches('[');
                KERNEL_NAMES.iter().any(|k| s.starts_with(k))
            };
            // Real kernel threads have no executable and kthreadd (2) as parent.
            if !(bracketed || kernelish(&p.comm)) || p.ppid == 2 {
                continue;
            }
            let exe = p.exe.as_ref().map(|e| format!("{e:?}")).unwrap_or_default();
            out.add(
                INFO.finding(
                    Severity::Critical,
                    format!(
                        "pid {} shows as {:?} but is a user process (parent {}, comm {:?})",
                        p.pid,
                        p.command(),
                        p.ppid,
                        p.comm
                    ),
                )
                .pid(p.pid)
                .user(p.user_label())
                .at(p.start_time)
                .evidence(json!({"cmdline": p.cmdline, "comm": p.comm, "ppid": p.ppid, "exe": exe, "sha256": p.exe_sha256})),
            );
        }
    }
}
