//! Directories of a [`Root`]: walking a tree, and examining many entries of one directory with
//! one path lookup. Every entry is statted relative to its open directory (`statx(dirfd, name)`,
//! never following a final symlink), and directories are opened `O_NOATIME` where permitted, so
//! walking evidence neither follows an attacker's symlink out of the root nor changes an atime.

use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::{FileKind, Meta, Root, RootError};

impl Root {
    /// Opens a directory of the root once, so many of its entries can be examined with one path
    /// resolution (see [`RootDir`]). Symlinks are followed inside the root.
    pub fn open_dir(&self, logical: impl AsRef<Path>) -> Result<RootDir, RootError> {
        use rustix::fs::{Mode, OFlags, ResolveFlags};
        let logical = logical.as_ref();
        // The kernel resolves inside the root in one call where it can (openat2 with
        // RESOLVE_IN_ROOT: absolute symlinks and `..` stay under the base, as in `resolve`).
        let relative = logical.strip_prefix("/").unwrap_or(logical);
        let relative = if relative.as_os_str().is_empty() {
            Path::new(".")
        } else {
            relative
        };
        let base_flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::PATH;
        if let Ok(base) = rustix::fs::open(&self.base, base_flags, Mode::empty()) {
            let resolve = ResolveFlags::IN_ROOT | ResolveFlags::NO_MAGICLINKS;
            let opened = crate::procfs::open_dir_noatime(|flags| {
                rustix::fs::openat2(&base, relative, flags, Mode::empty(), resolve)
            });
            match opened {
                Ok(fd) => {
                    return Ok(RootDir {
                        fd,
                        logical: logical.to_path_buf(),
                    })
                }
                // Older kernels and seccomp filters: resolve in userspace below.
                Err(rustix::io::Errno::NOSYS) | Err(rustix::io::Errno::PERM) => {}
                Err(e) => {
                    return Err(RootError::from_io(
                        logical.display().to_string(),
                        io::Error::from(e),
                    ))
                }
            }
        }
        let host = self.resolve(logical)?;
        let fd = crate::procfs::open_dir_noatime(|flags| {
            rustix::fs::open(&host, flags | OFlags::NOFOLLOW, Mode::empty())
        })
        .map_err(|e| RootError::from_io(logical.display().to_string(), io::Error::from(e)))?;
        Ok(RootDir {
            fd,
            logical: logical.to_path_buf(),
        })
    }

    /// Walks a tree without following symlinks, calling `visit` for every entry below `start`
    /// (not `start` itself). Stays on one filesystem when `opts.same_device` is set. Errors on
    /// subdirectories are handed to `visit_error` and the walk goes on.
    pub fn walk(
        &self,
        start: impl AsRef<Path>,
        opts: &WalkOptions,
        visit: &mut dyn FnMut(&WalkEntry) -> WalkControl,
        visit_error: &mut dyn FnMut(RootError),
    ) -> Result<(), RootError> {
        let start = start.as_ref();
        let host = self.resolve(start)?;
        let meta = std::fs::symlink_metadata(&host)
            .map_err(|e| RootError::from_io(start.display().to_string(), e))?;
        let dev = meta.dev();
        let mut stack: Vec<(PathBuf, PathBuf, usize)> = vec![(start.to_path_buf(), host, 0)];
        let mut seen = 0usize;
        // Directories not entered because of the depth cap: counted, and named in one error at
        // the end (a webshell 62 levels down must not vanish without a word).
        let mut too_deep = 0usize;
        let mut first_too_deep: Option<PathBuf> = None;
        while let Some((logical_dir, host_dir, depth)) = stack.pop() {
            // Listed O_NOATIME with raw getdents64, so directory atimes stay as they were.
            let (dir_fd, names) = match crate::procfs::list_dir_raw_keep_fd(
                &host_dir,
                &logical_dir.display().to_string(),
            ) {
                Ok(listed) => listed,
                Err(e) => {
                    visit_error(e);
                    continue;
                }
            };
            let mut children = Vec::new();
            for (name, listed_kind) in names {
                // statx relative to the open directory, never following a final symlink.
                let listed_only =
                    opts.names_only && !matches!(listed_kind, FileKind::Dir | FileKind::Unknown);
                let meta = match if listed_only {
                    Ok(Meta::kind_only(listed_kind))
                } else {
                    stat_at(&dir_fd, &name)
                } {
                    Ok(m) => m,
                    Err(e) => {
                        visit_error(RootError::from_io(
                            logical_dir.join(&name).display().to_string(),
                            e,
                        ));
                        continue;
                    }
                };
                let entry = WalkEntry {
                    path: logical_dir.join(&name),
                    host_path: host_dir.join(&name),
                    meta,
                    depth: depth + 1,
                };
                seen += 1;
                if seen > opts.max_entries {
                    report_too_deep(start, opts, too_deep, &first_too_deep, visit_error);
                    visit_error(RootError::Limit {
                        path: start.display().to_string(),
                        what: format!(
                            "walk stopped after {} entries (the cap): what lies beyond, from {} \
                             on, was not examined",
                            opts.max_entries,
                            entry.path.display()
                        ),
                    });
                    return Ok(());
                }
                let control = visit(&entry);
                if control == WalkControl::Stop {
                    report_too_deep(start, opts, too_deep, &first_too_deep, visit_error);
                    return Ok(());
                }
                if entry.meta.kind == FileKind::Dir
                    && control != WalkControl::SkipDir
                    && (!opts.same_device || entry.meta.dev == dev)
                {
                    if depth + 1 < opts.max_depth {
                        children.push((entry.path, entry.host_path, depth + 1));
                    } else {
                        too_deep += 1;
                        if first_too_deep.is_none() {
                            first_too_deep = Some(entry.path.clone());
                        }
                    }
                }
            }
            children.sort_by(|a, b| b.0.cmp(&a.0));
            stack.extend(children);
        }
        report_too_deep(start, opts, too_deep, &first_too_deep, visit_error);
        Ok(())
    }
}

/// Names, in one error, the directories a walk did not enter because of its depth cap.
fn report_too_deep(
    start: &Path,
    opts: &WalkOptions,
    count: usize,
    first: &Option<PathBuf>,
    visit_error: &mut dyn FnMut(RootError),
) {
    if count == 0 || !opts.report_depth_cap {
        return;
    }
    let first = first
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    visit_error(RootError::Limit {
        path: start.display().to_string(),
        what: format!(
            "{count} director{} deeper than {} levels not entered (the depth cap), first {first}",
            if count == 1 { "y" } else { "ies" },
            opts.max_depth
        ),
    });
}

/// A directory of a [`Root`], open: its entries are examined relative to it, one lookup each.
#[derive(Debug)]
pub struct RootDir {
    fd: std::os::fd::OwnedFd,
    logical: PathBuf,
}

impl RootDir {
    /// Metadata of the entry `name` (lstat semantics: a symlink is described, not followed).
    pub fn lstat(&self, name: impl AsRef<std::ffi::OsStr>) -> Result<Meta, RootError> {
        let name = name.as_ref();
        if name.as_bytes().contains(&b'/') || name.is_empty() {
            return Err(RootError::from_io(
                self.logical.join(name).display().to_string(),
                io::Error::from(io::ErrorKind::InvalidInput),
            ));
        }
        stat_at(&self.fd, name)
            .map_err(|e| RootError::from_io(self.logical.join(name).display().to_string(), e))
    }
}

/// Metadata of `name` inside the open directory `dir` (lstat semantics), with the birth time
/// where the filesystem records it.
fn stat_at(dir: &std::os::fd::OwnedFd, name: &std::ffi::OsStr) -> io::Result<Meta> {
    use rustix::fs::{AtFlags, StatxFlags};
    let x = rustix::fs::statx(
        dir,
        name,
        AtFlags::SYMLINK_NOFOLLOW | AtFlags::NO_AUTOMOUNT,
        StatxFlags::BASIC_STATS | StatxFlags::BTIME,
    )
    .map_err(io::Error::from)?;
    let mode = u32::from(x.stx_mode);
    let kind = match mode & 0o170000 {
        0o100000 => FileKind::File,
        0o040000 => FileKind::Dir,
        0o120000 => FileKind::Symlink,
        0o010000 => FileKind::Fifo,
        0o140000 => FileKind::Socket,
        0o060000 => FileKind::BlockDevice,
        0o020000 => FileKind::CharDevice,
        _ => FileKind::Unknown,
    };
    let when =
        |t: rustix::fs::StatxTimestamp| crate::time::from_unix(t.tv_sec, i64::from(t.tv_nsec));
    let has_btime = x.stx_mask & StatxFlags::BTIME.bits() != 0;
    Ok(Meta {
        kind,
        size: x.stx_size,
        mode,
        uid: x.stx_uid,
        gid: x.stx_gid,
        nlink: u64::from(x.stx_nlink),
        ino: x.stx_ino,
        dev: rustix::fs::makedev(x.stx_dev_major, x.stx_dev_minor),
        mtime: when(x.stx_mtime),
        atime: when(x.stx_atime),
        ctime: when(x.stx_ctime),
        btime: if has_btime { when(x.stx_btime) } else { None },
    })
}

/// What a walk visitor wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalkControl {
    /// Go on (and descend into this entry if it is a directory).
    Continue,
    /// Do not descend into this directory.
    SkipDir,
    /// Stop the whole walk.
    Stop,
}

/// Limits for [`Root::walk`].
#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Maximum depth below the start (1 = its direct children only).
    pub max_depth: usize,
    /// Do not cross into other filesystems (e.g. /proc, /sys, network mounts).
    pub same_device: bool,
    /// Stop after this many entries (a hostile tree can hold millions).
    pub max_entries: usize,
    /// Only names and kinds are needed for what is not a directory: such entries are not
    /// statted (their [`Meta`] holds the kind from the directory listing and nothing else), which
    /// makes a walk of a large tree several times cheaper. Directories are always statted.
    pub names_only: bool,
    /// Report the directories left out by `max_depth` through `visit_error` (one
    /// [`RootError::Limit`] naming the count and the first). On by default: the depth is a
    /// safety cap. Off only where a shallow walk is the intent (its subdirectories are walked
    /// by other jobs) or where the caller reports the cap itself.
    pub report_depth_cap: bool,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            max_depth: 64,
            same_device: true,
            max_entries: 5_000_000,
            names_only: false,
            report_depth_cap: true,
        }
    }
}

/// One entry seen by a walk.
#[derive(Debug, Clone)]
pub struct WalkEntry {
    /// Logical path inside the root.
    pub path: PathBuf,
    /// Host path (parents resolved; the entry itself never followed).
    pub host_path: PathBuf,
    /// lstat of the entry.
    pub meta: Meta,
    /// Depth below the walk's start (children of the start are 1).
    pub depth: usize,
}
