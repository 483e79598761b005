//! Acting on one process: suspend (SIGSTOP keeps its memory intact), resume, dump, kill.
//!
//! Killing a malicious process first throws away the evidence in its memory, so `kill` refuses
//! unless the same process (pid *and* start time, so a recycled pid does not count) was dumped
//! earlier, or `--force` is given. Dumps are remembered in `<state dir>/dumps.json`. Signals are
//! sent with the raw `kill` syscall (rustix), never with the host's `kill` binary. pid 1, huoyan
//! itself and its own ancestors (the responder's shell and SSH session) are refused.

pub mod dump;

use std::path::{Path, PathBuf};

use huoyan_core::ProcFs;
use rustix::process::{Pid, Signal};
use serde::{Deserialize, Serialize};

use crate::error::{ContainError, Result};
use crate::session::parse_status;
use crate::state::state_dir;

/// One remembered dump.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DumpRecord {
    /// Process id.
    pub pid: u32,
    /// Its start time (clock ticks since boot).
    pub starttime: u64,
    /// Dump directory.
    pub out: PathBuf,
    /// SHA-256 of the manifest.
    pub manifest_sha256: String,
    /// When.
    pub taken_at: huoyan_core::Timestamp,
}

fn records_path(dir: &Path) -> PathBuf {
    dir.join("dumps.json")
}

#[allow(clippy::disallowed_methods)] // huoyan's own dump records
fn load_records(dir: &Path) -> Vec<DumpRecord> {
    std::fs::read(records_path(dir))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Remembers a dump (so `kill` may proceed).
pub fn remember_dump(record: DumpRecord) -> Result<()> {
    let dir = state_dir();
    std::fs::create_dir_all(&dir).map_err(|e| ContainError::io(dir.display(), e))?;
    let lock = rustix::fs::open(
        dir.join("dumps.lock"),
        rustix::fs::OFlags::CREATE
            | rustix::fs::OFlags::RDWR
            | rustix::fs::OFlags::CLOEXEC
            | rustix::fs::OFlags::NOFOLLOW,
        rustix::fs::Mode::from_raw_mode(0o600),
    )
    .map_err(|e| ContainError::io(dir.display(), e.into()))?;
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive)
        .map_err(|e| ContainError::io(dir.display(), e.into()))?;
    let mut records = load_records(&dir);
    records.retain(|r| !(r.pid == record.pid && r.starttime == record.starttime));
    records.push(record);
    let data = huoyan_core::jsonl::to_vec_pretty(&records)
        .map_err(|e| ContainError::io("dumps.json", e))?;
    huoyan_core::outfile::write_replace(&records_path(&dir), &data)
        .map_err(|e| ContainError::io(dir.display(), e))
}

/// The dump of this very process (same start time) whose manifest is still on disk.
pub fn find_dump(proc_fs: &ProcFs, pid: u32) -> Option<DumpRecord> {
    let starttime = starttime(proc_fs, pid).ok()?;
    load_records(&state_dir())
        .into_iter()
        .rev()
        .find(|r| r.pid == pid && r.starttime == starttime && r.out.join("manifest.json").is_file())
}

/// Start time of a live process.
pub fn starttime(proc_fs: &ProcFs, pid: u32) -> Result<u64> {
    let stat = proc_fs
        .read(&format!("{pid}/stat"))
        .map_err(|e| ContainError::Process {
            pid,
            detail: format!("no such process or not readable ({e})"),
        })?;
    dump::parse_starttime(&stat).ok_or(ContainError::Process {
        pid,
        detail: "malformed /proc stat".into(),
    })
}

/// The process state letter (`S`, `R`, `T` stopped, `Z` …).
pub fn state_letter(proc_fs: &ProcFs, pid: u32) -> Option<char> {
    let stat = proc_fs.read(&format!("{pid}/stat")).ok()?;
    let text = String::from_utf8_lossy(&stat);
    text[text.rfind(')')? + 1..].trim_start().chars().next()
}

/// Refuses pid 0/1, huoyan itself and its ancestors.
pub fn check_target(proc_fs: &ProcFs, pid: u32) -> Result<()> {
    let refuse = |why: &str| {
        Err(ContainError::Process {
            pid,
            detail: why.to_string(),
        })
    };
    if pid <= 1 {
        return refuse("refusing to signal init");
    }
    let mut cur = std::process::id();
    for _ in 0..128 {
        if cur == pid {
            return refuse(
                "this is huoyan itself or one of its parents (your shell or SSH session)",
            );
        }
        let Ok(status) = proc_fs.read(&format!("{cur}/status")) else {
            break;
        };
        match parse_status(&status).1 {
            Some(p) if p > 0 && p != cur => cur = p,
            _ => break,
        }
    }
    Ok(())
}

fn signal(pid: u32, sig: Signal) -> Result<()> {
    let target = i32::try_from(pid)
        .ok()
        .and_then(Pid::from_raw)
        .ok_or(ContainError::Process {
            pid,
            detail: "invalid pid".into(),
        })?;
    rustix::process::kill_process(target, sig).map_err(|e| ContainError::Process {
        pid,
        detail: format!("signal failed: {e}"),
    })
}

/// SIGSTOP: the process stops running but keeps its memory, sockets and files. Signal delivery
/// is asynchronous, so this waits (at most two seconds) until the kernel reports the process
/// stopped (`T`) and returns whether it did.
pub fn suspend(proc_fs: &ProcFs, pid: u32) -> Result<bool> {
    check_target(proc_fs, pid)?;
    signal(pid, Signal::STOP)?;
    for _ in 0..100 {
        if matches!(state_letter(proc_fs, pid), Some('T' | 't')) {
            return Ok(true);
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Ok(false)
}

/// SIGCONT.
pub fn resume(proc_fs: &ProcFs, pid: u32) -> Result<()> {
    check_target(proc_fs, pid)?;
    signal(pid, Signal::CONT)
}

/// SIGKILL, refused unless the process was dumped or `force`.
pub fn kill(proc_fs: &ProcFs, pid: u32, force: bool) -> Result<Option<DumpRecord>> {
    check_target(proc_fs, pid)?;
    let record = find_dump(proc_fs, pid);
    if record.is_none() && !force {
        return Err(ContainError::Process {
            pid,
            detail: "refusing to kill a process whose memory was not dumped: run `huoyan process dump PID --out DIR` first (or --force)".into(),
        });
    }
    signal(pid, Signal::KILL)?;
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_init_and_own_ancestry() {
        let Some(proc_fs) = ProcFs::live() else {
            return;
        };
        assert!(check_target(&proc_fs, 1).is_err());
        assert!(check_target(&proc_fs, std::process::id()).is_err());
        let (_, parent) = parse_status(&proc_fs.read("self/status").unwrap());
        assert!(check_target(&proc_fs, parent.unwrap()).is_err());
    }
}
