//! The snapshot directory: its file names, and the checks on where it may be written.
//!
//! ```text
//! DIR/
//!   manifest.json      SHA-256 of every file below, start/end time, host identity, version
//!   system.json        hostname, kernel, boot time, uptime, load, memory
//!   processes.json     every process (pid, users, start UTC, cmdline, exe + SHA-256, cwd, tty …)
//!   open_files.json    every fd, cwd, root and exe link per process (deleted marked)
//!   sockets.json       tcp/udp/raw (v4+v6), unix, packet sockets with owning pids and netns
//!   network.json       interfaces (flags, PROMISC, MAC, addresses), routes, ARP neighbours
//!   modules.json       loaded kernel modules
//!   logins.json        current sessions from utmp with idle time
//!   mounts.json        the mount table (/proc/self/mountinfo)
//!   gaps.json          what could not be read, and why
//!   ps.txt pstree.txt netstat.txt lsof.txt w.txt   the same as tables read at a glance
//!   journal.jsonl      the action journal (written by the caller, when it puts it here)
//! ```

use std::path::{Path, PathBuf};

use huoyan_core::{ProcFs, Root};

use crate::SnapshotError;

/// The manifest.
pub const MANIFEST: &str = "manifest.json";
/// System facts.
pub const SYSTEM: &str = "system.json";
/// Processes.
pub const PROCESSES: &str = "processes.json";
/// Open files.
pub const OPEN_FILES: &str = "open_files.json";
/// Sockets.
pub const SOCKETS: &str = "sockets.json";
/// Network configuration.
pub const NETWORK: &str = "network.json";
/// Kernel modules.
pub const MODULES: &str = "modules.json";
/// Mount table.
pub const MOUNTS: &str = "mounts.json";
/// Logged-in users.
pub const LOGINS: &str = "logins.json";
/// Gaps.
pub const GAPS: &str = "gaps.json";
/// `ps auxww` equivalent.
pub const PS: &str = "ps.txt";
/// Process tree.
pub const PSTREE: &str = "pstree.txt";
/// `netstat -anp` equivalent.
pub const NETSTAT: &str = "netstat.txt";
/// `lsof` equivalent.
pub const LSOF: &str = "lsof.txt";
/// `w` equivalent.
pub const W: &str = "w.txt";
/// The action journal a caller may already have opened in the directory.
pub const JOURNAL: &str = "journal.jsonl";

/// Kernel pseudo-filesystems a snapshot is never written into.
const PSEUDO: &[&str] = &["/proc", "/sys", "/dev"];

/// The absolute, symlink-free form of `path`, resolving its longest existing ancestor.
fn absolute(path: &Path) -> std::io::Result<PathBuf> {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    };
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    loop {
        match std::fs::canonicalize(existing) {
            Ok(c) => {
                let mut out = c;
                for part in rest.iter().rev() {
                    out.push(part);
                }
                return Ok(out);
            }
            Err(_) => match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_os_string());
                    existing = parent;
                }
                _ => return Ok(abs),
            },
        }
    }
}

/// Checks where the snapshot goes, then creates the directory if needed.
#[allow(clippy::disallowed_methods)] // huoyan's own output folder
pub fn prepare_out_dir(out: &Path, root: &Root, proc_fs: &ProcFs) -> Result<(), SnapshotError> {
    let io = |source| SnapshotError::Io {
        path: out.to_path_buf(),
        source,
    };
    let abs = absolute(out).map_err(io)?;
    let forbid = |why: String| SnapshotError::OutDirForbidden {
        path: out.to_path_buf(),
        why,
    };
    for p in PSEUDO {
        if abs.starts_with(p) {
            return Err(forbid(format!("{p} is a kernel pseudo-filesystem")));
        }
    }
    if let Ok(base) = std::fs::canonicalize(proc_fs.base()) {
        if abs.starts_with(&base) {
            return Err(forbid("it is inside the /proc being captured".into()));
        }
    }
    if !root.is_host() && abs.starts_with(root.base()) {
        return Err(forbid(format!(
            "it is inside the evidence being described ({})",
            root.base().display()
        )));
    }
    match std::fs::symlink_metadata(&abs) {
        Ok(meta) if meta.is_dir() => {
            let mut entries = std::fs::read_dir(&abs).map_err(io)?;
            let busy = entries.any(|e| e.map(|e| e.file_name() != JOURNAL).unwrap_or(true));
            if busy {
                return Err(SnapshotError::OutDirNotEmpty(out.to_path_buf()));
            }
            Ok(())
        }
        Ok(_) => Err(forbid("it exists and is not a directory".into())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // Evidence holds command lines, environment keys and paths: owner-only.
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&abs)
                .map_err(io)
        }
        Err(e) => Err(io(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proc_fs() -> Option<ProcFs> {
        ProcFs::live()
    }

    #[test]
    fn refuses_proc_and_nonempty_and_image() {
        let Some(p) = proc_fs() else { return };
        let host = Root::host();
        assert!(matches!(
            prepare_out_dir(Path::new("/proc/self/x"), &host, &p),
            Err(SnapshotError::OutDirForbidden { .. })
        ));
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("x"), b"").expect("write");
        assert!(matches!(
            prepare_out_dir(dir.path(), &host, &p),
            Err(SnapshotError::OutDirNotEmpty(_))
        ));
        let image = tempfile::tempdir().expect("tempdir");
        let root = Root::new(image.path()).expect("root");
        assert!(matches!(
            prepare_out_dir(&image.path().join("case"), &root, &p),
            Err(SnapshotError::OutDirForbidden { .. })
        ));
        let fresh = dir.path().join("new/case");
        prepare_out_dir(&fresh, &host, &p).expect("new dir is fine");
        assert!(fresh.is_dir());
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&fresh)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
        std::fs::write(fresh.join(JOURNAL), b"").expect("journal");
        prepare_out_dir(&fresh, &host, &p).expect("a journal alone is fine");
    }
}
