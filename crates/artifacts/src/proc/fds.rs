//! Open files: every `/proc/PID/fd/N` link of a process, plus its `cwd`, `root` and `exe`.
//!
//! This is `lsof` without `lsof`. Each fd names what the process holds: files (with deleted ones
//! marked: a wiped log or a dropped tool that still lives because something holds it open),
//! sockets (joined with /proc/net/* by inode to give `netstat -p`), pipes and anonymous inodes.
//! The fd directory of another user's process is unreadable without privileges: that is returned
//! as an error for the caller to record as a gap.

use huoyan_core::{ProcFs, RootError};
use serde::Serialize;

use super::link::{self, LinkTarget};

/// One open file of a process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenFile {
    /// Owning process.
    pub pid: u32,
    /// The descriptor: a number, or `cwd`, `rtd` (root dir), `txt` (executable) as lsof names them.
    pub fd: String,
    /// What it points at.
    pub target: LinkTarget,
    /// True when the target is a deleted file (suffix ` (deleted)` or link count 0).
    pub deleted: bool,
    /// Size of a regular file (bytes), when it could be stat'ed.
    pub size: Option<u64>,
    /// Inode of the target, when it could be stat'ed.
    pub inode: Option<u64>,
    /// File kind of the target (`file`, `dir`, `char_device`, `fifo`, `socket` …).
    pub kind: Option<huoyan_core::FileKind>,
}

/// At most this many descriptors are read per process: a process holding a million fds (which
/// an attacker can arrange to stall a responder's tools) costs seconds and hundreds of MB.
pub const MAX_FDS_PER_PROCESS: usize = 65_536;

/// The open files of one process, and how many descriptors it had in total.
#[derive(Debug, Clone, Default)]
pub struct OpenFiles {
    /// `cwd`, `rtd`, `txt`, then the numbered descriptors in order (at most
    /// [`MAX_FDS_PER_PROCESS`] of them).
    pub files: Vec<OpenFile>,
    /// Descriptors listed in `/proc/PID/fd` (more than were read when above the cap).
    pub fd_count: usize,
    /// The cap that applied.
    pub cap: usize,
}

impl OpenFiles {
    /// True when descriptors were left out because of the cap.
    pub fn truncated(&self) -> bool {
        self.fd_count > self.cap
    }
}

/// Reads the open files of `pid`: `cwd`, `rtd`, `txt`, then every numbered fd in order, at most
/// [`MAX_FDS_PER_PROCESS`]. Fails (for a gap) when the fd directory itself cannot be listed.
pub fn read_open_files(proc_fs: &ProcFs, pid: u32) -> Result<OpenFiles, RootError> {
    read_open_files_capped(proc_fs, pid, MAX_FDS_PER_PROCESS)
}

/// [`read_open_files`] with an explicit cap on numbered descriptors.
pub fn read_open_files_capped(
    proc_fs: &ProcFs,
    pid: u32,
    max_fds: usize,
) -> Result<OpenFiles, RootError> {
    let entries = proc_fs.list_raw(&format!("{pid}/fd"))?;
    let mut fds: Vec<u32> = entries
        .iter()
        .filter_map(|(name, _)| name.to_str().and_then(|s| s.parse().ok()))
        .collect();
    fds.sort_unstable();
    let fd_count = fds.len();
    fds.truncate(max_fds);
    let mut out = Vec::with_capacity(fds.len() + 3);
    for (label, rel) in [("cwd", "cwd"), ("rtd", "root"), ("txt", "exe")] {
        if let Some(f) = one(proc_fs, pid, label, &format!("{pid}/{rel}")) {
            out.push(f);
        }
    }
    for fd in fds {
        if let Some(f) = one(proc_fs, pid, &fd.to_string(), &format!("{pid}/fd/{fd}")) {
            out.push(f);
        }
    }
    Ok(OpenFiles {
        files: out,
        fd_count,
        cap: max_fds,
    })
}

fn one(proc_fs: &ProcFs, pid: u32, label: &str, rel: &str) -> Option<OpenFile> {
    // An fd closed between the listing and the readlink is simply gone.
    let text = proc_fs.read_link(rel).ok()?;
    let target = link::parse(&text);
    let mut f = OpenFile {
        pid,
        fd: label.to_string(),
        deleted: target.is_deleted(),
        target,
        size: None,
        inode: None,
        kind: None,
    };
    if let LinkTarget::Path { .. } = f.target {
        if let Ok(meta) = proc_fs.stat_target(rel) {
            if meta.kind == huoyan_core::FileKind::File {
                f.size = Some(meta.size);
                // A regular file with no links left is deleted even if its name lies.
                if meta.nlink == 0 {
                    f.deleted = true;
                }
            }
            f.inode = Some(meta.ino);
            f.kind = Some(meta.kind);
        }
    } else if let Some(inode) = f.target.socket_inode() {
        f.inode = Some(inode);
        f.kind = Some(huoyan_core::FileKind::Socket);
    } else if let LinkTarget::Pipe { inode } = f.target {
        f.inode = Some(inode);
        f.kind = Some(huoyan_core::FileKind::Fifo);
    }
    Some(f)
}

/// The files `pid` has mapped into memory, as lsof lists them: `mem`, or `DEL` when deleted.
/// The main executable (already listed as `txt`) is left out.
pub fn read_mapped_files(proc_fs: &ProcFs, pid: u32) -> Result<Vec<OpenFile>, RootError> {
    let rel = format!("{pid}/maps");
    // maps is read whole (a JVM can have 100k mappings); a cut is kept to complete lines.
    let capped = proc_fs.read_capped(&rel, 64 * 1024 * 1024)?;
    let mut data = capped.data;
    if capped.truncated {
        let keep = memchr::memrchr(b'\n', &data).map_or(0, |i| i + 1);
        data.truncate(keep);
    }
    let maps = super::maps::parse(&data).map_err(|e| RootError::Io {
        path: format!("/proc/{rel}"),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
    })?;
    let exe_inode = proc_fs
        .stat_target(&format!("{pid}/exe"))
        .ok()
        .map(|m| m.ino);
    Ok(maps
        .into_iter()
        .filter(|m| Some(m.inode) != exe_inode)
        .map(|m| OpenFile {
            pid,
            fd: if m.deleted { "DEL" } else { "mem" }.to_string(),
            deleted: m.deleted,
            target: LinkTarget::Path {
                path: m.path,
                deleted: m.deleted,
                memfd: m.memfd,
            },
            size: None,
            inode: Some(m.inode),
            kind: Some(huoyan_core::FileKind::File),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_deleted_file_is_marked() {
        let Some(proc_fs) = ProcFs::live() else {
            return;
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("gone.log");
        std::fs::write(&path, b"evidence").expect("write");
        let held = std::fs::File::open(&path).expect("open");
        std::fs::remove_file(&path).expect("rm");
        let files = read_open_files(&proc_fs, std::process::id())
            .expect("fds")
            .files;
        let hit = files
            .iter()
            .find(|f| matches!(&f.target, LinkTarget::Path { path: p, .. } if p.ends_with("gone.log")))
            .expect("held file listed");
        assert!(hit.deleted);
        assert_eq!(hit.size, Some(8));
        drop(held);
        assert!(files.iter().any(|f| f.fd == "txt"));
    }

    #[test]
    fn cap_limits_descriptors_and_says_so() {
        let Some(proc_fs) = ProcFs::live() else {
            return;
        };
        let held: Vec<std::fs::File> = (0..8)
            .map(|_| std::fs::File::open("/dev/null").expect("open"))
            .collect();
        let capped = read_open_files_capped(&proc_fs, std::process::id(), 3).expect("fds");
        assert!(capped.truncated());
        assert!(capped.fd_count >= 8);
        let numbered = capped
            .files
            .iter()
            .filter(|f| f.fd.parse::<u32>().is_ok())
            .count();
        assert_eq!(numbered, 3);
        drop(held);
    }
}
