//! `rootkit.hidden_process` — processes that exist but are missing from the /proc listing.
//!
//! **What it looks at:** every pid from 1 to `/proc/sys/kernel/pid_max`. A pid "answers" when
//! `kill(pid, 0)` succeeds or fails with EPERM (the process exists, we may just not signal it);
//! the /proc directory listing is read with the raw `getdents64` syscall
//! ([`huoyan_core::ProcFs::pids`]). A pid that answers but is not listed, whose
//! `/proc/PID/status` opened directly shows `Tgid == PID` (so it is a process, not a thread: a
//! thread id answers too but is never listed at the top level), and that is still missing from a
//! second listing (so it did not simply start in between), is reported.
//!
//! **Why an attacker leaves this trace:** kernel rootkits (Diamorphine, Reptile, Adore-ng) and
//! LD_PRELOAD rootkits (libprocesshider) hide processes by filtering directory listings of /proc;
//! they rarely also hook `kill` or the direct lookup of `/proc/PID`, so the two views disagree.
//! The hidden pid is usually the attacker's miner, backdoor or shell.
//!
//! The same check reports the other common trick, an empty directory bind-mounted over
//! `/proc/PID`: the pid is listed, answers `kill`, but `/proc/PID/stat` is missing.
//!
//! **Example:** pid 31337 answers `kill(31337, 0)` and `/proc/31337/status` reads `Name: kworkerd`,
//! `Tgid: 31337`, but `getdents64("/proc")` does not list it.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1014 (Rootkit), T1564 (Hide Artifacts).

use std::collections::HashSet;

use huoyan_artifacts::proc::crossview::{answers, pid_max, unlisted};
use huoyan_artifacts::proc::status;
use huoyan_core::{CheckInfo, Gap, GapReason, Outcome, ProcFs, RootError, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct HiddenProcess;

static INFO: CheckInfo = CheckInfo {
    id: "rootkit.hidden_process",
    title: "Process hidden from the /proc listing",
    title_zh: "进程在 /proc 目录列表中被隐藏",
    mitre: &["T1014", "T1564"],
    remediation: "Treat the host as compromised by a rootkit: capture memory and the process's \
                  exe (/proc/PID/exe) and maps now, look for unknown kernel modules and \
                  /etc/ld.so.preload, then isolate and rebuild the host from known-good media.",
    remediation_zh:
        "按已被 rootkit 控制处理：立即保存该进程的可执行文件（/proc/PID/exe）、内存映射\
                     和内存，排查未知内核模块与 /etc/ld.so.preload，然后隔离主机并用可信介质重建。",
};

impl Check for HiddenProcess {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn live_only(&self) -> bool {
        true
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let Some(proc_fs) = ctx.proc_fs.as_ref() else {
            return;
        };
        run_with(proc_fs, &|| proc_fs.pids(), &answers, out);
    }
}

/// The pid listing a cross-view compares against (normally [`ProcFs::pids`]).
pub type Listing<'a> = dyn Fn() -> Result<Vec<u32>, RootError> + 'a;

/// The check with an injectable listing and probe (tests filter the listing the way a rootkit
/// would, against real processes).
pub fn run_with(
    proc_fs: &ProcFs,
    list: &Listing<'_>,
    probe: &(dyn Fn(u32) -> bool + Sync),
    out: &mut Outcome,
) {
    let listed: HashSet<u32> = match list() {
        Ok(p) => p.into_iter().collect(),
        Err(e) => {
            out.gap(Gap::from_error(INFO.id, &e));
            return;
        }
    };
    masked_entries(proc_fs, &listed, probe, out);
    let candidates = unlisted(&listed, pid_max(proc_fs), probe);
    if candidates.is_empty() {
        return;
    }
    // A second listing removes processes that started after the first one.
    let relisted: HashSet<u32> = list().map(|p| p.into_iter().collect()).unwrap_or_default();
    let mut unreadable = 0usize;
    for pid in candidates.into_iter().filter(|p| !relisted.contains(p)) {
        let raw = match proc_fs.read(&format!("{pid}/status")) {
            Ok(r) => r,
            // Still answering but invisible: hidepid (when not root) or hidden from lookup too.
            Err(e) if e.is_not_found() && probe(pid) => {
                unreadable += 1;
                continue;
            }
            // Gone meanwhile: nothing to report.
            Err(e) if e.is_not_found() => continue,
            Err(e) => {
                out.gap(Gap::from_error(INFO.id, &e));
                continue;
            }
        };
        let st = match status::parse(&raw) {
            Ok(s) => s,
            Err(e) => {
                out.gap(Gap {
                    area: INFO.id.into(),
                    path: Some(format!("/proc/{pid}/status")),
                    reason: GapReason::Malformed,
                    detail: e.to_string(),
                });
                continue;
            }
        };
        if st.tgid != Some(pid) {
            continue; // a thread of a listed process
        }
        let name = huoyan_core::text::bytes_to_string(&st.name);
        let cmdline = proc_fs
            .read(&format!("{pid}/cmdline"))
            .map(|c| huoyan_core::text::nul_args_to_string(&c))
            .unwrap_or_default();
        let exe = proc_fs
            .read_link(&format!("{pid}/exe"))
            .map(|t| huoyan_core::text::bytes_to_string(&t))
            .ok();
        out.add(
            INFO.finding(
                Severity::Critical,
                format!(
                    "pid {pid} ({name}) exists (answers kill(pid, 0) and /proc/{pid}/status) \
                     but is missing from the getdents64 listing of /proc"
                ),
            )
            .pid(pid)
            .path(format!("/proc/{pid}"))
            .evidence(json!({
                "pid": pid,
                "name": name,
                "ppid": st.ppid,
                "uids": st.uids,
                "cmdline": cmdline,
                "exe": exe,
            })),
        );
    }
    if unreadable > 0 {
        out.gap(Gap {
            area: INFO.id.into(),
            path: Some("/proc".into()),
            reason: GapReason::PermissionDenied,
            detail: format!(
                "{unreadable} ids answer kill(pid, 0) but /proc shows nothing for them (hidepid \
                 mount option when not root, or hidden from direct lookup too); run as root"
            ),
        });
    }
}

/// The other way to hide from `ps`: the pid is listed, but an empty directory is bind-mounted
/// over `/proc/PID`, so `/proc/PID/stat` is missing while the process still answers `kill`.
fn masked_entries(
    proc_fs: &ProcFs,
    listed: &HashSet<u32>,
    probe: &(dyn Fn(u32) -> bool + Sync),
    out: &mut Outcome,
) {
    let mut pids: Vec<u32> = listed.iter().copied().collect();
    pids.sort_unstable();
    for pid in pids {
        match proc_fs.read_capped(&format!("{pid}/stat"), 1) {
            Err(e) if e.is_not_found() && probe(pid) => {}
            _ => continue,
        }
        out.add(
            INFO.finding(
                Severity::Critical,
                format!(
                    "pid {pid} is listed in /proc and answers kill(pid, 0), but /proc/{pid}/stat \
                     is missing: its /proc entry is masked (e.g. an empty directory bind-mounted \
                     over /proc/{pid}), which hides it from ps and top"
                ),
            )
            .pid(pid)
            .path(format!("/proc/{pid}"))
            .evidence(json!({ "pid": pid, "technique": "masked /proc/PID entry" }))
            .remediation(
                "Look for a mount on /proc/PID in /proc/self/mountinfo, unmount it (umount \
                 /proc/PID) to see the process, capture its exe and memory, then treat the host \
                 as compromised.",
                "在 /proc/self/mountinfo 中查找挂载在 /proc/PID 上的挂载点，卸载（umount /proc/PID）\
                 后查看该进程，保存其可执行文件与内存，并按主机已失陷处理。",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlisted_finds_what_the_probe_sees() {
        let listed: HashSet<u32> = [1, 2, 3].into_iter().collect();
        let probe = |pid: u32| pid == 2 || pid == 7;
        assert_eq!(unlisted(&listed, 10, &probe), vec![7]);
    }

    /// Positive: a real child process, the real kill(pid, 0) probe and the real
    /// /proc/PID/status, with a listing filtered the way a getdents-hooking rootkit filters it.
    #[test]
    fn flags_a_pid_missing_from_the_listing() {
        let Some(proc_fs) = ProcFs::live() else {
            return;
        };
        let mut child = huoyan_testkit::command("sleep")
            .arg("30")
            .spawn()
            .expect("spawn sleep");
        let hidden = child.id();
        let filtered = || {
            proc_fs
                .pids()
                .map(|v| v.into_iter().filter(|p| *p != hidden).collect())
        };
        let mut out = Outcome::default();
        run_with(&proc_fs, &filtered, &answers, &mut out);
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(out.findings.len(), 1, "{:?}", out.findings);
        assert_eq!(out.findings[0].pids, vec![hidden]);
        assert_eq!(out.findings[0].severity, Severity::Critical);
        assert_eq!(out.findings[0].evidence["name"], "sleep");
    }

    #[test]
    fn live_host_has_no_hidden_process_and_threads_are_not_flagged() {
        let Some(proc_fs) = ProcFs::live() else {
            return;
        };
        // A second thread: its tid answers kill(tid, 0) but is not listed at the top level.
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let worker = std::thread::spawn(move || {
            let _ = rx.recv();
        });
        let mut out = Outcome::default();
        run_with(&proc_fs, &|| proc_fs.pids(), &answers, &mut out);
        let _ = tx.send(());
        let _ = worker.join();
        assert!(
            out.findings.is_empty(),
            "unexpected hidden processes: {:?}",
            out.findings
        );
    }
}
