//! Cross-view of the process list: pids that exist but are missing from the /proc listing.
//!
//! The listing comes from the raw `getdents64` of `/proc` ([`ProcFs::pids`]); existence is
//! probed with `kill(pid, 0)` (success or EPERM both mean "exists") for every pid up to
//! `/proc/sys/kernel/pid_max`. Rootkits that filter /proc listings rarely also hook `kill` and the
//! direct lookup of `/proc/PID`, so a pid that answers, is not listed, and whose
//! `/proc/PID/status` says `Tgid == PID` (not a thread: thread ids answer too but are only listed
//! under `/proc/PID/task`) is a hidden process. Used by the snapshot (so hidden processes are
//! captured too; it probes only up to the highest pid allocated so far, see [`quick_limit`]) and
//! by the `rootkit.hidden_process` check (the whole range).

use std::collections::HashSet;

use huoyan_core::ProcFs;
use rayon::prelude::*;

/// Default when `/proc/sys/kernel/pid_max` cannot be read (the kernel's 64-bit maximum).
pub const PID_MAX_FALLBACK: u32 = 4_194_304;

/// True when a process or thread with this id exists (`kill(pid, 0)`: success or EPERM).
pub fn answers(pid: u32) -> bool {
    let Some(p) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    match rustix::process::test_kill_process(p) {
        Ok(()) => true,
        Err(e) => e == rustix::io::Errno::PERM,
    }
}

/// `/proc/sys/kernel/pid_max`, or [`PID_MAX_FALLBACK`].
pub fn pid_max(proc_fs: &ProcFs) -> u32 {
    proc_fs
        .read_capped("sys/kernel/pid_max", 64)
        .ok()
        .and_then(|c| parse_pid_max(&c.data))
        .unwrap_or(PID_MAX_FALLBACK)
}

/// Parses the `pid_max` file (a decimal number and a newline).
pub fn parse_pid_max(data: &[u8]) -> Option<u32> {
    std::str::from_utf8(data)
        .ok()?
        .trim()
        .parse()
        .ok()
        .filter(|&n| n > 0)
}

/// Pids in `1..=pid_max` that `probe` says exist but `listed` does not contain, ascending.
pub fn unlisted(
    listed: &HashSet<u32>,
    pid_max: u32,
    probe: &(dyn Fn(u32) -> bool + Sync),
) -> Vec<u32> {
    let mut out: Vec<u32> = (1..pid_max.saturating_add(1))
        .into_par_iter()
        .with_min_len(4096)
        .filter(|pid| !listed.contains(pid) && probe(*pid))
        .collect();
    out.sort_unstable();
    out
}

/// What a cross-view found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrossView {
    /// Processes (thread-group leaders) that exist but are missing from the listing.
    pub hidden: Vec<u32>,
    /// Ids that answer `kill` and are not listed, but whose `/proc/ID/status` cannot be read
    /// either: other users' processes under the `hidepid` mount option, or something hiding them
    /// from direct lookup too.
    pub unreadable: Vec<u32>,
}

/// Sorts `candidates` into processes (status readable, `Tgid == PID`), threads (dropped) and
/// unreadable ids.
pub fn classify(proc_fs: &ProcFs, candidates: &[u32]) -> CrossView {
    let mut view = CrossView::default();
    for &pid in candidates {
        match proc_fs.read(&format!("{pid}/status")) {
            Ok(raw) => {
                if super::status::parse(&raw).is_ok_and(|st| st.tgid == Some(pid)) {
                    view.hidden.push(pid);
                }
            }
            // Still answering means it exists; otherwise it simply exited.
            Err(_) if answers(pid) => view.unreadable.push(pid),
            Err(_) => {}
        }
    }
    view
}

/// Of `candidates`, those whose `/proc/PID/status` can be read directly and names them as a
/// thread-group leader (a process, not a thread).
pub fn processes_among(proc_fs: &ProcFs, candidates: &[u32]) -> Vec<u32> {
    classify(proc_fs, candidates).hidden
}

/// How far a quick probe must go: the highest pid allocated so far (`last_pid` of
/// `/proc/loadavg`, or the highest listed pid if larger) plus a margin, capped at `pid_max`.
/// When the listing holds pids above `last_pid` the pid counter has wrapped, and live pids can be
/// anywhere: then the whole range is returned.
pub fn quick_limit(proc_fs: &ProcFs, listed: &[u32]) -> u32 {
    let max = pid_max(proc_fs);
    let highest_listed = listed.iter().copied().max().unwrap_or(0);
    let last_pid = proc_fs
        .read_capped("loadavg", 256)
        .ok()
        .and_then(|c| crate::system::parse_loadavg(&c.data).ok())
        .and_then(|l| u32::try_from(l.last_pid).ok());
    match last_pid {
        Some(last) if highest_listed <= last => last.saturating_add(1024).min(max),
        _ => max,
    }
}

/// Processes that exist but are missing from the listing `listed`, probing pids up to `limit`
/// (re-checked against a second listing so that processes started meanwhile are not reported).
pub fn hidden_pids(proc_fs: &ProcFs, listed: &[u32], limit: u32) -> CrossView {
    let listed: HashSet<u32> = listed.iter().copied().collect();
    let candidates = unlisted(&listed, limit, &answers);
    if candidates.is_empty() {
        return CrossView::default();
    }
    let relisted: HashSet<u32> = proc_fs
        .pids()
        .map(|p| p.into_iter().collect())
        .unwrap_or_default();
    let remaining: Vec<u32> = candidates
        .into_iter()
        .filter(|p| !relisted.contains(p))
        .collect();
    classify(proc_fs, &remaining)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlisted_uses_the_probe() {
        let listed: HashSet<u32> = [1, 2, 3].into_iter().collect();
        assert_eq!(unlisted(&listed, 10, &|p| p == 2 || p == 7), vec![7]);
        assert!(unlisted(&listed, 0, &|_| true).is_empty());
    }

    #[test]
    fn pid_max_file() {
        assert_eq!(parse_pid_max(b"32768\n"), Some(32768));
        assert_eq!(parse_pid_max(b"0\n"), None);
        assert_eq!(parse_pid_max(b"32"), Some(32));
        assert_eq!(parse_pid_max(b"\xff"), None);
        assert_eq!(parse_pid_max(b"-1"), None);
    }

    #[test]
    fn live_threads_are_not_hidden_processes() {
        let Some(proc_fs) = ProcFs::live() else {
            return;
        };
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let worker = std::thread::spawn(move || {
            let _ = rx.recv();
        });
        let listed = proc_fs.pids().expect("pids");
        let limit = quick_limit(&proc_fs, &listed);
        assert!(limit >= *listed.iter().max().expect("some pid"));
        assert!(limit <= pid_max(&proc_fs));
        let hidden = hidden_pids(&proc_fs, &listed, pid_max(&proc_fs)).hidden;
        let _ = tx.send(());
        let _ = worker.join();
        assert!(hidden.is_empty(), "{hidden:?}");
        // The thread itself answers the probe but is not a process.
        let me = std::process::id();
        let tids = proc_fs.tids(me).expect("tids");
        assert!(processes_among(&proc_fs, &tids).contains(&me));
    }
}
