//! `rootkit.hidden_tasks` — processes and threads the kernel knows about but /proc does not list,
//! found through views a getdents hook does not cover.
//!
//! **What it looks at (live):** the raw `getdents64` listing of `/proc` and of every
//! `/proc/PID/task`, compared with
//! - the children each visible thread reports (`/proc/PID/task/TID/children`, where the kernel has
//!   `CONFIG_PROC_CHILDREN`),
//! - the parent pid of every visible process (`/proc/PID/stat` field 4),
//! - the scheduler's runnable tasks (`/proc/sched_debug` or `/sys/kernel/debug/sched/debug`,
//!   where available),
//! - the kernel's own thread count (`/proc/loadavg`, field 4 `running/total`).
//!
//! A task seen by one of these views but missing from the listing is confirmed by probing it
//! directly (`kill(pid, 0)` and `/proc/PID/status`) after a fresh listing, so a process that just
//! exited is not reported. The thread count view is only reported when it is stable across three
//! samples.
//!
//! **Why an attacker leaves this trace:** kernel rootkits (Diamorphine, Reptile) hide a process
//! by filtering `/proc`'s directory listing; they rarely also rewrite the parent's children list,
//! every child's parent field, the scheduler's debug output and the global thread counter.
//!
//! **Example:** `pid 4242 (kworkerd) exists but is hidden from the /proc listing (seen by:
//! children of 1, ppid of 4250)` (critical).
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1014 (Rootkit), T1564 (Hide Artifacts).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use huoyan_core::{CheckInfo, Gap, GapReason, Outcome, ProcFs, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct HiddenTasks;

static INFO: CheckInfo = CheckInfo {
    id: "rootkit.hidden_tasks",
    title: "Process or thread hidden from /proc",
    title_zh: "进程或线程在 /proc 中被隐藏",
    mitre: &["T1014", "T1564"],
    remediation: "A kernel-level rootkit is likely: capture memory now (the hidden task's code \
                  lives there), record its pid and parent, then isolate the host and rebuild it.",
    remediation_zh: "极可能存在内核级 rootkit：立即获取内存镜像（被隐藏任务的代码在内存中），记录其 pid 与父进程，\
                     随后隔离并重建主机。",
};

/// Tasks some view reports, with the views that reported each.
pub type Sightings = BTreeMap<u32, BTreeSet<String>>;

/// The tasks seen by other views but absent from the listing (pure; for testing).
pub fn unlisted(listed: &HashSet<u32>, sightings: &Sightings) -> Vec<(u32, Vec<String>)> {
    sightings
        .iter()
        .filter(|(pid, _)| **pid != 0 && !listed.contains(pid))
        .map(|(pid, views)| (*pid, views.iter().cloned().collect()))
        .collect()
}

/// Parses the runnable-task tables of sched_debug: returns the pids (tids) listed.
pub fn parse_sched_debug(data: &[u8]) -> Vec<u32> {
    let text = String::from_utf8_lossy(data);
    let mut out = Vec::new();
    let mut in_table = false;
    for line in text.lines() {
        if line.contains("runnable tasks:") {
            in_table = true;
            continue;
        }
        if line.trim().is_empty() || line.starts_with("cpu#") {
            in_table = false;
            continue;
        }
        if !in_table || line.trim_start().starts_with('-') || line.contains("tree-key") {
            continue;
        }
        let tokens: Vec<&str> = line.split_whitespace().collect();
        // The pid is the first all-digit token followed by a decimal tree-key ("123.456").
        for w in tokens.windows(2) {
            if w[0].bytes().all(|b| b.is_ascii_digit())
                && w[1].contains('.')
                && w[1]
                    .replace('.', "")
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b'-')
            {
                if let Ok(pid) = w[0].parse() {
                    out.push(pid);
                }
                break;
            }
        }
    }
    out
}

/// `running/total` from /proc/loadavg: the kernel's thread count.
pub fn parse_loadavg_threads(data: &[u8]) -> Option<u64> {
    let text = String::from_utf8_lossy(data);
    let field = text.split_whitespace().nth(3)?;
    field.split_once('/')?.1.parse().ok()
}

fn exists(proc_fs: &ProcFs, pid: u32) -> bool {
    let alive = rustix::process::Pid::from_raw(pid as i32)
        .map(|p| match rustix::process::test_kill_process(p) {
            Ok(()) => true,
            Err(e) => e == rustix::io::Errno::PERM,
        })
        .unwrap_or(false);
    alive || proc_fs.read(&format!("{pid}/status")).is_ok()
}

/// True when this process runs in a nested pid namespace (then /proc shows a subset of the
/// kernel's tasks and the global thread count cannot be compared).
fn nested_pid_namespace(proc_fs: &ProcFs) -> bool {
    proc_fs
        .read("self/status")
        .map(|s| {
            String::from_utf8_lossy(&s)
                .lines()
                .find(|l| l.starts_with("NSpid:"))
                .is_some_and(|l| l.split_whitespace().count() > 2)
        })
        .unwrap_or(false)
}

impl Check for HiddenTasks {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn live_only(&self) -> bool {
        true
    }

    #[allow(clippy::disallowed_methods)] // the live kernel's debugfs, never under an image root
    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let Some(proc_fs) = &ctx.proc_fs else {
            return;
        };
        let pids = match proc_fs.pids() {
            Ok(p) => p,
            Err(e) => return out.gap(Gap::from_error(INFO.id, &e)),
        };
        let mut listed: HashSet<u32> = pids.iter().copied().collect();
        let mut sightings = Sightings::new();
        let mut saw_children_file = false;
        for &pid in &pids {
            let tids = proc_fs.tids(pid).unwrap_or_default();
            for &tid in &tids {
                listed.insert(tid);
                if let Ok(c) = proc_fs.read(&format!("{pid}/task/{tid}/children")) {
                    saw_children_file = true;
                    for child in String::from_utf8_lossy(&c).split_whitespace() {
                        if let Ok(child) = child.parse::<u32>() {
                            sightings
                                .entry(child)
                                .or_default()
                                .insert(format!("child of {pid}"));
                        }
                    }
                }
            }
            if let Ok(stat) = proc_fs.read(&format!("{pid}/stat")) {
                if let Some(ppid) = stat_ppid(&stat) {
                    sightings
                        .entry(ppid)
                        .or_default()
                        .insert(format!("parent of {pid}"));
                }
            }
        }
        if !saw_children_file {
            out.gap(Gap::new(
                INFO.id,
                GapReason::Unsupported,
                "kernel without CONFIG_PROC_CHILDREN: children view not available",
            ));
        }
        let sched = proc_fs
            .read("sched_debug")
            .ok()
            .or_else(|| std::fs::read("/sys/kernel/debug/sched/debug").ok());
        match sched {
            Some(data) => {
                for tid in parse_sched_debug(&data) {
                    sightings
                        .entry(tid)
                        .or_default()
                        .insert("scheduler runqueue".into());
                }
            }
            None => out.gap(Gap::new(
                INFO.id,
                GapReason::Unsupported,
                "no /proc/sched_debug or debugfs sched/debug: scheduler view not available",
            )),
        }
        let candidates = unlisted(&listed, &sightings);
        if !candidates.is_empty() {
            let fresh: HashSet<u32> = proc_fs.pids().unwrap_or_default().into_iter().collect();
            for (pid, views) in candidates {
                if fresh.contains(&pid)
                    || proc_fs
                        .read(&format!("{pid}/status"))
                        .ok()
                        .and_then(|s| status_tgid(&s))
                        .is_some_and(|tgid| tgid != pid && fresh.contains(&tgid))
                    || !exists(proc_fs, pid)
                {
                    continue;
                }
                let comm = proc_fs
                    .read(&format!("{pid}/comm"))
                    .map(|c| huoyan_core::text::bytes_to_string(c.trim_ascii_end()))
                    .unwrap_or_default();
                out.add(
                    INFO.finding(
                        Severity::Critical,
                        format!(
                            "pid {pid} ({comm}) exists but is hidden from the /proc listing (seen as: {})",
                            views.join(", ")
                        ),
                    )
                    .pid(pid)
                    .evidence(json!({"pid": pid, "comm": comm, "views": views})),
                );
            }
        }
        thread_count_view(proc_fs, out);
    }
}

fn stat_ppid(stat: &[u8]) -> Option<u32> {
    let close = memchr_last(b')', stat)?;
    let rest = String::from_utf8_lossy(stat.get(close + 1..)?).into_owned();
    rest.split_whitespace().nth(1)?.parse().ok()
}

fn status_tgid(status: &[u8]) -> Option<u32> {
    String::from_utf8_lossy(status)
        .lines()
        .find_map(|l| l.strip_prefix("Tgid:"))
        .and_then(|v| v.trim().parse().ok())
}

fn memchr_last(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().rposition(|&b| b == needle)
}

fn count_threads(proc_fs: &ProcFs) -> Option<u64> {
    let pids = proc_fs.pids().ok()?;
    Some(
        pids.iter()
            .map(|&p| proc_fs.tids(p).map(|t| t.len() as u64).unwrap_or(0))
            .sum(),
    )
}

fn thread_count_view(proc_fs: &ProcFs, out: &mut Outcome) {
    if nested_pid_namespace(proc_fs) {
        out.gap(Gap::new(
            INFO.id,
            GapReason::Unsupported,
            "running in a nested pid namespace: the kernel's thread count covers other namespaces",
        ));
        return;
    }
    let mut deficits = Vec::new();
    for _ in 0..3 {
        let before = proc_fs
            .read("loadavg")
            .ok()
            .and_then(|d| parse_loadavg_threads(&d));
        let counted = count_threads(proc_fs);
        let after = proc_fs
            .read("loadavg")
            .ok()
            .and_then(|d| parse_loadavg_threads(&d));
        match (before, counted, after) {
            (Some(b), Some(c), Some(a)) if a == b => deficits.push(b.saturating_sub(c)),
            _ => deficits.push(0),
        }
    }
    let min = deficits.iter().copied().min().unwrap_or(0);
    if min > 0 && deficits.iter().all(|&d| d == min) {
        out.add(
            INFO.finding(
                Severity::High,
                format!(
                    "the kernel counts {min} more thread(s) than /proc lists (stable over 3 samples)"
                ),
            )
            .evidence(json!({"deficits": deficits, "source": "/proc/loadavg"})),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlisted_tasks_are_candidates() {
        let listed: HashSet<u32> = [1, 2, 100, 101].into_iter().collect();
        let mut s = Sightings::new();
        s.entry(1).or_default().insert("parent of 100".into());
        s.entry(0).or_default().insert("parent of 1".into());
        s.entry(4242).or_default().insert("child of 1".into());
        s.entry(4242)
            .or_default()
            .insert("scheduler runqueue".into());
        let u = unlisted(&listed, &s);
        assert_eq!(u.len(), 1);
        assert_eq!(u[0].0, 4242);
        assert_eq!(u[0].1.len(), 2);
    }

    #[test]
    fn benign_listing_has_no_candidates() {
        let listed: HashSet<u32> = [1, 100].into_iter().collect();
        let mut s = Sightings::new();
        s.entry(1).or_default().insert("parent of 100".into());
        assert!(unlisted(&listed, &s).is_empty());
    }

    #[test]
    fn parses_sched_debug_runnable_tasks() {
        // Layout of a 6.1 kernel's /proc/sched_debug runnable-task table.
        let data = b"cpu#0, 2400.000 MHz\n  .nr_running  : 1\n\nrunnable tasks:\n S            task   PID         tree-key  switches  prio     wait-time             sum-exec        sum-sleep\n-------------------------------------------------------------------------------------------------------------\n S         systemd     1     12345.678901      2000   120         0.000000      1000.000000         0.000000 0 0 /\n >R     kworker/0:1  4242        99.000001        10   120         0.000000         1.000000         0.000000 0 0 /\n\ncpu#1\n";
        assert_eq!(parse_sched_debug(data), vec![1, 4242]);
        assert!(parse_sched_debug(b"garbage\nrunnable tasks:\n x y z\n").is_empty());
    }

    #[test]
    fn loadavg_and_stat_fields() {
        assert_eq!(
            parse_loadavg_threads(b"2.91 2.74 1.63 2/96 9168\n"),
            Some(96)
        );
        assert_eq!(parse_loadavg_threads(b"junk"), None);
        assert_eq!(stat_ppid(b"42 (a) b) c) S 7 42 42 0"), Some(7));
    }

    #[test]
    fn live_host_reports_nothing_hidden() {
        let Some(proc_fs) = ProcFs::live() else {
            return;
        };
        let mut ctx = Context::new(huoyan_core::Root::host(), huoyan_core::Window::default());
        ctx.proc_fs = Some(proc_fs);
        let mut out = Outcome::default();
        HiddenTasks.run(&ctx, &mut out);
        assert!(
            out.findings.iter().all(|f| f.severity < Severity::Critical),
            "{:?}",
            out.findings
        );
    }
}
