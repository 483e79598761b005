//! Deleted-but-open files: the logs an attacker wiped and the binary they deleted after starting.
//!
//! Deleting a file only removes its name; while a process keeps it open (a daemon writing
//! `auth.log`, a backdoor running from `/tmp/.x`), the kernel keeps the content, reachable
//! through `/proc/PID/fd/N` and `/proc/PID/exe`. The link text ends in ` (deleted)`; opening
//! the link (the kernel follows it) reads the content back. This module finds every such file
//! once (by device and inode), for the bundle writer to copy through [`ProcFs::open_target`].

use std::collections::HashSet;

use huoyan_core::{FileKind, Gap, GapReason, Meta, ProcFs};

/// One deleted file still held open.
#[derive(Debug, Clone)]
pub struct DeletedOpen {
    /// The process holding it.
    pub pid: u32,
    /// The descriptor, or `None` for the executable.
    pub fd: Option<u32>,
    /// Process name (comm), escaped.
    pub comm: String,
    /// The link text as the kernel gives it (`/var/log/x.log (deleted)`), escaped.
    pub link: String,
    /// The path the file had, without the ` (deleted)` suffix, escaped.
    pub original_path: String,
    /// Metadata of the open file, before reading.
    pub meta: Meta,
}

impl DeletedOpen {
    /// The /proc link to open (`PID/exe` or `PID/fd/N`).
    pub fn proc_link(&self) -> String {
        match self.fd {
            Some(fd) => format!("{}/fd/{fd}", self.pid),
            None => format!("{}/exe", self.pid),
        }
    }
}

const DELETED: &[u8] = b" (deleted)";

/// Finds every deleted regular file held open by a process (executables first), skipping the
/// processes in `skip_pids` (huoyan itself).
pub fn find_deleted_open(proc_fs: &ProcFs, skip_pids: &[u32]) -> (Vec<DeletedOpen>, Vec<Gap>) {
    let mut out = Vec::new();
    let mut gaps = Vec::new();
    let mut seen: HashSet<(u64, u64)> = HashSet::new();
    let pids = match proc_fs.pids() {
        Ok(p) => p,
        Err(e) => {
            gaps.push(Gap::from_error("collect.recover", &e));
            return (out, gaps);
        }
    };
    let mut denied = 0usize;
    for &pid in &pids {
        if skip_pids.contains(&pid) {
            continue;
        }
        let comm = proc_fs
            .read_capped(&format!("{pid}/comm"), 256)
            .map(|c| huoyan_core::text::bytes_to_string(c.data.trim_ascii_end()))
            .unwrap_or_default();
        let mut consider = |rel: String, fd: Option<u32>| {
            let Ok(link) = proc_fs.read_link(&rel) else {
                return;
            };
            let Some(original) = link.strip_suffix(DELETED) else {
                return;
            };
            let Ok(meta) = proc_fs.stat_target(&rel) else {
                return;
            };
            if meta.kind != FileKind::File || !seen.insert((meta.dev, meta.ino)) {
                return;
            }
            out.push(DeletedOpen {
                pid,
                fd,
                comm: comm.clone(),
                link: huoyan_core::text::bytes_to_string(&link),
                original_path: huoyan_core::text::bytes_to_string(original),
                meta,
            });
        };
        consider(format!("{pid}/exe"), None);
        match proc_fs.list_raw(&format!("{pid}/fd")) {
            Ok(fds) => {
                let mut fds: Vec<u32> = fds
                    .iter()
                    .filter_map(|(name, _)| name.to_str().and_then(|s| s.parse().ok()))
                    .collect();
                fds.sort_unstable();
                for fd in fds {
                    consider(format!("{pid}/fd/{fd}"), Some(fd));
                }
            }
            Err(e) if e.is_permission_denied() => denied += 1,
            Err(_) => {} // the process exited meanwhile
        }
    }
    if denied > 0 {
        gaps.push(Gap::new(
            "collect.recover",
            GapReason::PermissionDenied,
            format!(
                "open files of {denied} processes could not be listed; run as root to recover deleted files they hold"
            ),
        ));
    }
    // Executables first: a deleted running binary is the single most valuable file.
    out.sort_by_key(|d| (d.fd.is_some(), d.pid, d.fd));
    (out, gaps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn finds_a_deleted_file_held_by_this_process_when_not_skipped() {
        let Some(proc_fs) = ProcFs::live() else {
            return;
        };
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("held.log");
        let mut file = std::fs::File::create(&path).expect("create");
        file.write_all(b"line one\n").expect("write");
        std::fs::remove_file(&path).expect("rm");
        let (found, _) = find_deleted_open(&proc_fs, &[]);
        let me = std::process::id();
        let hit = found
            .iter()
            .find(|d| d.pid == me && d.original_path == path.display().to_string())
            .expect("found");
        assert_eq!(hit.meta.size, 9);
        assert!(hit.link.ends_with("(deleted)"));
        let (skipped, _) = find_deleted_open(&proc_fs, &[me]);
        assert!(!skipped.iter().any(|d| d.pid == me));
        drop(file);
    }
}
