//! `ProcFs`: live-only access to the kernel's process filesystem.
//!
//! `/proc` is the responder's most trustworthy witness on a live host: it comes from the kernel,
//! not from a binary the attacker could replace. It is also the only place where a deleted file
//! that a process still holds open (a wiped log, a deleted malware binary) can be read back, via
//! the "magic" links `/proc/PID/exe` and `/proc/PID/fd/N`. Those links must be *followed* by the
//! kernel, unlike symlinks inside a [`crate::Root`], so `/proc` has its own accessor.
//!
//! On a disk image there is no `/proc`: callers get `None` from [`ProcFs::live`] and report a gap.
//! Directory listings use the raw `getdents64` syscall so that a libc hook cannot hide entries.

// ProcFs is the one place that opens the live /proc.
#![allow(clippy::disallowed_methods)]

use std::ffi::OsString;
use std::fs::File;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

use crate::root::{check_regular, open_noatime, open_regular_host, read_capped_from, Capped};
use crate::{FileKind, Meta, RootError};

/// Cap for reading one /proc pseudo-file (cmdline, environ, maps …).
pub const PROC_READ_CAP: u64 = 16 * 1024 * 1024;

/// Access to a mounted procfs (normally `/proc`).
#[derive(Debug, Clone)]
pub struct ProcFs {
    base: PathBuf,
}

impl ProcFs {
    /// The running kernel's `/proc`, if it is mounted and readable.
    pub fn live() -> Option<Self> {
        Self::at("/proc")
    }

    /// A procfs mounted at `base` (tests may point this at a fixture directory of /proc files).
    pub fn at(base: impl AsRef<Path>) -> Option<Self> {
        let base = base.as_ref().to_path_buf();
        if base.join("stat").exists() || base.join("self").exists() {
            Some(ProcFs { base })
        } else {
            None
        }
    }

    /// The mount point.
    pub fn base(&self) -> &Path {
        &self.base
    }

    fn host(&self, rel: &str) -> PathBuf {
        self.base.join(rel.trim_start_matches('/'))
    }

    fn shown(&self, rel: &str) -> String {
        self.host(rel).display().to_string()
    }

    /// Reads a procfs file (e.g. `"1234/cmdline"`, `"net/tcp"`), capped. The final component is
    /// not followed, so this cannot be tricked into reading through a link.
    pub fn read(&self, rel: &str) -> Result<Vec<u8>, RootError> {
        Ok(self.read_capped(rel, PROC_READ_CAP)?.data)
    }

    /// Reads at most `cap` bytes of a procfs file.
    pub fn read_capped(&self, rel: &str, cap: u64) -> Result<Capped, RootError> {
        let host = self.host(rel);
        let shown = self.shown(rel);
        let file = open_regular_host(&host, &shown)?;
        read_capped_from(file, cap, &shown)
    }

    /// The text of a magic link such as `1234/exe` or `1234/fd/3`
    /// (`/usr/bin/x (deleted)`, `socket:[123]`, `/memfd:x (deleted)`).
    pub fn read_link(&self, rel: &str) -> Result<Vec<u8>, RootError> {
        std::fs::read_link(self.host(rel))
            .map(|p| OsString::from(p).into_vec())
            .map_err(|e| RootError::from_io(self.shown(rel), e))
    }

    /// Metadata of what a magic link points to (the kernel follows it; works for deleted files).
    pub fn stat_target(&self, rel: &str) -> Result<Meta, RootError> {
        std::fs::metadata(self.host(rel))
            .map(|m| Meta::from_std(&m))
            .map_err(|e| RootError::from_io(self.shown(rel), e))
    }

    /// Opens what a magic link points to, if it is a regular file: how huoyan reads a deleted
    /// executable (`PID/exe`) or a deleted-but-open log (`PID/fd/N`). Never opens specials.
    pub fn open_target(&self, rel: &str) -> Result<File, RootError> {
        let shown = self.shown(rel);
        let meta = self.stat_target(rel)?;
        if meta.kind != FileKind::File {
            return Err(RootError::WrongKind {
                path: shown,
                kind: meta.kind,
                expected: FileKind::File,
            });
        }
        let file = open_noatime(&self.host(rel), 0).map_err(|e| RootError::from_io(&shown, e))?;
        check_regular(&file, &shown)?;
        Ok(file)
    }

    /// Lists a procfs directory with the raw `getdents64` syscall (no libc readdir, which an
    /// LD_PRELOAD rootkit hooks). Returns names and the kernel-reported entry type.
    pub fn list_raw(&self, rel: &str) -> Result<Vec<(OsString, FileKind)>, RootError> {
        list_dir_raw(&self.host(rel), &self.shown(rel))
    }

    /// Numeric entries of the procfs root: the process ids the kernel lists.
    pub fn pids(&self) -> Result<Vec<u32>, RootError> {
        let mut pids: Vec<u32> = self
            .list_raw("")?
            .into_iter()
            .filter_map(|(name, _)| name.to_str().and_then(|s| s.parse().ok()))
            .collect();
        pids.sort_unstable();
        Ok(pids)
    }

    /// Thread ids of one process (`PID/task`).
    pub fn tids(&self, pid: u32) -> Result<Vec<u32>, RootError> {
        let mut tids: Vec<u32> = self
            .list_raw(&format!("{pid}/task"))?
            .into_iter()
            .filter_map(|(name, _)| name.to_str().and_then(|s| s.parse().ok()))
            .collect();
        tids.sort_unstable();
        Ok(tids)
    }
}

/// Opens a directory for reading with `open` (given the flags to use), O_NOATIME first: the
/// kernel refuses that flag for directories the caller does not own without CAP_FOWNER, and
/// then the open is retried without it.
pub(crate) fn open_dir_noatime(
    open: impl Fn(rustix::fs::OFlags) -> rustix::io::Result<std::os::fd::OwnedFd>,
) -> rustix::io::Result<std::os::fd::OwnedFd> {
    use rustix::fs::OFlags;
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    match open(flags | OFlags::NOATIME) {
        Err(rustix::io::Errno::PERM) => open(flags),
        other => other,
    }
}

/// Lists a directory with raw getdents64, opened O_NOATIME where permitted.
pub fn list_dir_raw(host: &Path, shown: &str) -> Result<Vec<(OsString, FileKind)>, RootError> {
    list_dir_raw_keep_fd(host, shown).map(|(_, names)| names)
}

/// [`list_dir_raw`], also returning the open directory so its entries can be examined relative
/// to it (one path lookup per directory instead of one per entry).
pub fn list_dir_raw_keep_fd(
    host: &Path,
    shown: &str,
) -> Result<(std::os::fd::OwnedFd, Vec<(OsString, FileKind)>), RootError> {
    use rustix::fs::{FileType, OFlags, RawDir};
    // O_NOATIME: listing evidence directories must not update their access times (the kernel
    // refuses it for directories the caller does not own without CAP_FOWNER: retry without).
    // O_NOFOLLOW: the caller resolved the path inside the root; a symlink swapped in since
    // must not lead out of it.
    let fd = open_dir_noatime(|flags| {
        rustix::fs::open(host, flags | OFlags::NOFOLLOW, rustix::fs::Mode::empty())
    })
    .map_err(|e| RootError::from_io(shown, std::io::Error::from(e)))?;
    let mut buf = vec![std::mem::MaybeUninit::<u8>::uninit(); 64 * 1024];
    let mut out = Vec::new();
    let mut iter = RawDir::new(&fd, &mut buf);
    while let Some(entry) = iter.next() {
        let entry = entry.map_err(|e| RootError::from_io(shown, std::io::Error::from(e)))?;
        let name = entry.file_name().to_bytes();
        if name == b"." || name == b".." {
            continue;
        }
        let kind = match entry.file_type() {
            FileType::RegularFile => FileKind::File,
            FileType::Directory => FileKind::Dir,
            FileType::Symlink => FileKind::Symlink,
            FileType::Fifo => FileKind::Fifo,
            FileType::Socket => FileKind::Socket,
            FileType::CharacterDevice => FileKind::CharDevice,
            FileType::BlockDevice => FileKind::BlockDevice,
            FileType::Unknown => FileKind::Unknown,
        };
        out.push((OsString::from_vec(name.to_vec()), kind));
    }
    Ok((fd, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_proc_lists_self() {
        let Some(proc_fs) = ProcFs::live() else {
            return;
        };
        let me = std::process::id();
        assert!(proc_fs.pids().expect("pids").contains(&me));
        let stat = proc_fs.read(&format!("{me}/stat")).expect("stat");
        assert!(stat.starts_with(me.to_string().as_bytes()));
        let exe = proc_fs.open_target(&format!("{me}/exe"));
        assert!(exe.is_ok());
    }
}
