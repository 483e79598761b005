//! `Root`: every file huoyan reads goes through here.
//!
//! A responder runs huoyan either on the live host (`/`) or on a disk image mounted somewhere
//! (`--root /mnt/image`). In both cases the files are evidence chosen by an attacker, so reading
//! them must be safe:
//!
//! - paths are *logical* (`/etc/passwd` means `<root>/etc/passwd`) and are resolved component by
//!   component inside the root: absolute symlinks are re-rooted, `..` stops at the root, and a
//!   symlink loop is an error after [`MAX_SYMLINK_HOPS`] hops;
//! - FIFOs, sockets and device nodes are never opened (opening a FIFO blocks, opening a device can
//!   have side effects); the kind is checked with `lstat` before the open and `fstat` after it;
//! - files are opened `O_NOATIME` where the kernel permits it (owner or CAP_FOWNER) and
//!   `O_NOFOLLOW` on the final component, so reading never changes access times;
//! - reads are capped: a 10 GB sparse file never fills memory;
//! - every failure is a typed [`RootError`] carrying the logical path, so callers can turn it into
//!   a coverage gap.

// Root is the one place that opens evidence with std::fs (and the rules it enforces).
#![allow(clippy::disallowed_methods)]

use std::ffi::{OsStr, OsString};
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

mod dir;
pub use dir::{RootDir, WalkControl, WalkEntry, WalkOptions};

/// How many symlinks one resolution may follow before it is declared a loop (Linux uses 40).
pub const MAX_SYMLINK_HOPS: usize = 40;

/// Default cap for whole-file reads: large enough for any config or history, small enough that
/// a hostile file cannot exhaust memory.
pub const DEFAULT_READ_CAP: u64 = 64 * 1024 * 1024;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RootError {
    /// The path (or one of its parents) does not exist.
    #[error("{path}: not found")]
    NotFound {
        /// Logical path inside the root.
        path: String,
    },
    /// The kernel refused access.
    #[error("{path}: permission denied")]
    PermissionDenied {
        /// Logical path inside the root.
        path: String,
    },
    /// The path names something that is not what the caller needs (a FIFO, a device, a
    /// directory where a file was expected …). Such files are never opened.
    #[error("{path}: is a {kind}, not a {expected}")]
    WrongKind {
        /// Logical path inside the root.
        path: String,
        /// What it is.
        kind: FileKind,
        /// What the caller wanted.
        expected: FileKind,
    },
    /// Too many symlinks: a loop, or a chain built to waste time.
    #[error("{path}: too many levels of symbolic links")]
    SymlinkLoop {
        /// Logical path inside the root.
        path: String,
    },
    /// Any other I/O error.
    #[error("{path}: {source}")]
    Io {
        /// Logical path inside the root.
        path: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A cap (depth, entries, size) stopped the reading: what was left out.
    #[error("{path}: {what}")]
    Limit {
        /// Logical path inside the root.
        path: String,
        /// What was left out, and which cap.
        what: String,
    },
}

impl RootError {
    /// Builds the right variant from an I/O error.
    pub fn from_io(path: impl Into<String>, source: io::Error) -> Self {
        let path = path.into();
        match source.kind() {
            io::ErrorKind::NotFound => RootError::NotFound { path },
            io::ErrorKind::PermissionDenied => RootError::PermissionDenied { path },
            _ if source.raw_os_error() == Some(libc::ENOTDIR) => RootError::NotFound { path },
            _ if source.raw_os_error() == Some(libc::ELOOP) => RootError::SymlinkLoop { path },
            _ => RootError::Io { path, source },
        }
    }

    /// The logical path the error is about.
    pub fn path(&self) -> &str {
        match self {
            RootError::NotFound { path }
            | RootError::PermissionDenied { path }
            | RootError::WrongKind { path, .. }
            | RootError::SymlinkLoop { path }
            | RootError::Io { path, .. }
            | RootError::Limit { path, .. } => path,
        }
    }

    /// True when the file simply is not there (often normal, never a crash).
    pub fn is_not_found(&self) -> bool {
        matches!(self, RootError::NotFound { .. })
    }

    /// True when access was refused (run as root to see it).
    pub fn is_permission_denied(&self) -> bool {
        matches!(self, RootError::PermissionDenied { .. })
    }
}

/// The kind of a directory entry, taken from `lstat` (symlinks are not followed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// A named pipe.
    Fifo,
    /// A Unix domain socket.
    Socket,
    /// A block device node.
    BlockDevice,
    /// A character device node.
    CharDevice,
    /// Anything else.
    Unknown,
}

impl FileKind {
    /// Kind from a std file type.
    pub fn from_file_type(ft: std::fs::FileType) -> Self {
        if ft.is_symlink() {
            FileKind::Symlink
        } else if ft.is_file() {
            FileKind::File
        } else if ft.is_dir() {
            FileKind::Dir
        } else if ft.is_fifo() {
            FileKind::Fifo
        } else if ft.is_socket() {
            FileKind::Socket
        } else if ft.is_block_device() {
            FileKind::BlockDevice
        } else if ft.is_char_device() {
            FileKind::CharDevice
        } else {
            FileKind::Unknown
        }
    }

    /// True for files that must never be opened (reading could block or have side effects).
    pub fn is_special(self) -> bool {
        matches!(
            self,
            FileKind::Fifo | FileKind::Socket | FileKind::BlockDevice | FileKind::CharDevice
        )
    }
}

impl std::fmt::Display for FileKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FileKind::File => "regular file",
            FileKind::Dir => "directory",
            FileKind::Symlink => "symbolic link",
            FileKind::Fifo => "FIFO",
            FileKind::Socket => "socket",
            FileKind::BlockDevice => "block device",
            FileKind::CharDevice => "character device",
            FileKind::Unknown => "unknown file type",
        })
    }
}

/// File metadata as forensics needs it: owner, mode and all four times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// What the entry is (from lstat unless stated otherwise).
    pub kind: FileKind,
    /// Size in bytes.
    pub size: u64,
    /// Full st_mode (type and permission bits).
    pub mode: u32,
    /// Owner uid.
    pub uid: u32,
    /// Owner gid.
    pub gid: u32,
    /// Hard-link count.
    pub nlink: u64,
    /// Inode number.
    pub ino: u64,
    /// Device id.
    pub dev: u64,
    /// Last modification (content).
    pub mtime: Option<Timestamp>,
    /// Last access.
    pub atime: Option<Timestamp>,
    /// Last inode change.
    pub ctime: Option<Timestamp>,
    /// Birth time where the filesystem records it (statx).
    pub btime: Option<Timestamp>,
}

impl Meta {
    /// A metadata record that only knows the kind (a names-only walk, see
    /// [`WalkOptions::names_only`]).
    pub fn kind_only(kind: FileKind) -> Self {
        Meta {
            kind,
            size: 0,
            mode: 0,
            uid: 0,
            gid: 0,
            nlink: 0,
            ino: 0,
            dev: 0,
            mtime: None,
            atime: None,
            ctime: None,
            btime: None,
        }
    }

    /// Converts std metadata.
    pub fn from_std(m: &std::fs::Metadata) -> Self {
        Meta {
            kind: FileKind::from_file_type(m.file_type()),
            size: m.size(),
            mode: m.mode(),
            uid: m.uid(),
            gid: m.gid(),
            nlink: m.nlink(),
            ino: m.ino(),
            dev: m.dev(),
            mtime: crate::time::from_unix(m.mtime(), m.mtime_nsec()),
            atime: crate::time::from_unix(m.atime(), m.atime_nsec()),
            ctime: crate::time::from_unix(m.ctime(), m.ctime_nsec()),
            btime: m.created().ok().and_then(|t| Timestamp::try_from(t).ok()),
        }
    }

    /// Permission bits (including setuid/setgid/sticky).
    pub fn perm(&self) -> u32 {
        self.mode & 0o7777
    }

    /// True when the set-user-id bit is set.
    pub fn is_setuid(&self) -> bool {
        self.mode & 0o4000 != 0
    }

    /// True when the set-group-id bit is set.
    pub fn is_setgid(&self) -> bool {
        self.mode & 0o2000 != 0
    }

    /// True when writable by anyone.
    pub fn is_world_writable(&self) -> bool {
        self.mode & 0o002 != 0
    }
}

/// One entry of a directory listing.
#[derive(Debug, Clone)]
pub struct DirEntry {
    /// The entry's name (may be any bytes but `/` and NUL: attacker-chosen).
    pub name: OsString,
    /// Logical path inside the root.
    pub path: PathBuf,
    /// Kind from lstat (never follows a symlink).
    pub kind: FileKind,
}

/// The result of a capped read.
#[derive(Debug, Clone, Default)]
pub struct Capped {
    /// The bytes read (at most the cap).
    pub data: Vec<u8>,
    /// True when the file holds more than was read.
    pub truncated: bool,
}

/// A filesystem root: the live host (`/`) or a mounted image.
#[derive(Debug, Clone)]
pub struct Root {
    base: PathBuf,
}

impl Root {
    /// A root at `base` (a directory). The path itself is the responder's choice and trusted.
    pub fn new(base: impl AsRef<Path>) -> Result<Self, RootError> {
        let given = base.as_ref();
        let shown = given.display().to_string();
        let base = std::fs::canonicalize(given).map_err(|e| RootError::from_io(&shown, e))?;
        let meta = std::fs::metadata(&base).map_err(|e| RootError::from_io(&shown, e))?;
        if !meta.is_dir() {
            return Err(RootError::WrongKind {
                path: shown,
                kind: FileKind::from_file_type(meta.file_type()),
                expected: FileKind::Dir,
            });
        }
        Ok(Root { base })
    }

    /// The live host's root, `/`.
    pub fn host() -> Self {
        Root {
            base: PathBuf::from("/"),
        }
    }

    /// The host path of the root directory.
    pub fn base(&self) -> &Path {
        &self.base
    }

    /// True when this root is the running system's own `/` (so `/proc` describes it).
    pub fn is_host(&self) -> bool {
        self.base == Path::new("/")
    }

    /// The host path for a logical path, without resolving anything (for messages and for
    /// entries produced by a walk, whose parents are already resolved).
    pub fn host_path_unresolved(&self, logical: impl AsRef<Path>) -> PathBuf {
        let mut out = self.base.clone();
        for c in logical.as_ref().components() {
            if let Component::Normal(n) = c {
                out.push(n);
            }
        }
        out
    }

    /// Resolves a logical path to a host path inside the root, following symlinks (re-rooted).
    pub fn resolve(&self, logical: impl AsRef<Path>) -> Result<PathBuf, RootError> {
        self.resolve_inner(logical.as_ref(), true)
    }

    /// Resolves the parents of a logical path but not its final component.
    pub fn resolve_parent(&self, logical: impl AsRef<Path>) -> Result<PathBuf, RootError> {
        self.resolve_inner(logical.as_ref(), false)
    }

    fn resolve_inner(&self, logical: &Path, follow_final: bool) -> Result<PathBuf, RootError> {
        let shown = || logical.display().to_string();
        // Pending components, in reverse order (a stack), and resolved ones.
        let mut pending: Vec<OsString> = Vec::new();
        push_components(&mut pending, logical);
        let mut resolved: Vec<OsString> = Vec::new();
        let mut hops = 0usize;
        while let Some(name) = pending.pop() {
            if name == ".." {
                resolved.pop();
                continue;
            }
            let is_final = pending.is_empty();
            let mut host = self.base.clone();
            host.extend(resolved.iter());
            host.push(&name);
            if is_final && !follow_final {
                resolved.push(name);
                break;
            }
            match std::fs::symlink_metadata(&host) {
                Ok(m) if m.file_type().is_symlink() => {
                    hops += 1;
                    if hops > MAX_SYMLINK_HOPS {
                        return Err(RootError::SymlinkLoop { path: shown() });
                    }
                    let target =
                        std::fs::read_link(&host).map_err(|e| RootError::from_io(shown(), e))?;
                    if target.is_absolute() {
                        resolved.clear();
                    }
                    push_components(&mut pending, &target);
                }
                Ok(_) => resolved.push(name),
                Err(e) => return Err(RootError::from_io(shown(), e)),
            }
        }
        let mut host = self.base.clone();
        host.extend(resolved.iter());
        Ok(host)
    }

    /// Metadata of the path itself (a final symlink is not followed).
    pub fn lstat(&self, logical: impl AsRef<Path>) -> Result<Meta, RootError> {
        let logical = logical.as_ref();
        let host = self.resolve_parent(logical)?;
        std::fs::symlink_metadata(&host)
            .map(|m| Meta::from_std(&m))
            .map_err(|e| RootError::from_io(logical.display().to_string(), e))
    }

    /// Metadata of what the path points to, following symlinks inside the root.
    pub fn stat(&self, logical: impl AsRef<Path>) -> Result<Meta, RootError> {
        let logical = logical.as_ref();
        let host = self.resolve(logical)?;
        std::fs::symlink_metadata(&host)
            .map(|m| Meta::from_std(&m))
            .map_err(|e| RootError::from_io(logical.display().to_string(), e))
    }

    /// True when the path exists (after resolution inside the root).
    pub fn exists(&self, logical: impl AsRef<Path>) -> bool {
        self.stat(logical).is_ok()
    }

    /// Opens a regular file for reading (symlinks followed inside the root). Anything that is not
    /// a regular file is refused without being opened.
    pub fn open(&self, logical: impl AsRef<Path>) -> Result<File, RootError> {
        let logical = logical.as_ref();
        let host = self.resolve(logical)?;
        open_regular_host(&host, &logical.display().to_string())
    }

    /// Opens a regular file at a host path that a walk produced (its parents are already
    /// resolved and the entry itself is not followed).
    pub fn open_walked(&self, entry: &WalkEntry) -> Result<File, RootError> {
        open_regular_host(&entry.host_path, &entry.path.display().to_string())
    }

    /// Reads at most `cap` bytes of a regular file.
    pub fn read_capped(&self, logical: impl AsRef<Path>, cap: u64) -> Result<Capped, RootError> {
        let logical = logical.as_ref();
        let file = self.open(logical)?;
        read_capped_from(file, cap, &logical.display().to_string())
    }

    /// Reads a whole regular file up to [`DEFAULT_READ_CAP`] (the rest is dropped).
    pub fn read(&self, logical: impl AsRef<Path>) -> Result<Vec<u8>, RootError> {
        Ok(self.read_capped(logical, DEFAULT_READ_CAP)?.data)
    }

    /// Reads a file as text, with invalid UTF-8 replaced (for configs; never for evidence).
    pub fn read_string_lossy(&self, logical: impl AsRef<Path>) -> Result<String, RootError> {
        let data = self.read(logical)?;
        Ok(match String::from_utf8(data) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }

    /// The target of a symlink, as stored (not resolved).
    pub fn read_link(&self, logical: impl AsRef<Path>) -> Result<PathBuf, RootError> {
        let logical = logical.as_ref();
        let host = self.resolve_parent(logical)?;
        std::fs::read_link(&host).map_err(|e| RootError::from_io(logical.display().to_string(), e))
    }

    /// Lists a directory (symlinks followed inside the root to reach it), sorted by name.
    pub fn read_dir(&self, logical: impl AsRef<Path>) -> Result<Vec<DirEntry>, RootError> {
        let logical = logical.as_ref();
        let shown = logical.display().to_string();
        let host = self.resolve(logical)?;
        // Listed O_NOATIME with raw getdents64, so the directory's atime stays as it was.
        let listed = crate::procfs::list_dir_raw(&host, &shown)?;
        let mut out = Vec::new();
        for (name, kind) in listed {
            let kind = if kind == FileKind::Unknown {
                std::fs::symlink_metadata(host.join(&name))
                    .map(|m| FileKind::from_file_type(m.file_type()))
                    .unwrap_or(FileKind::Unknown)
            } else {
                kind
            };
            out.push(DirEntry {
                path: logical.join(&name),
                name,
                kind,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }
}

fn push_components(stack: &mut Vec<OsString>, path: &Path) {
    let mut parts: Vec<OsString> = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(n) => parts.push(n.to_os_string()),
            Component::ParentDir => parts.push(OsString::from("..")),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    stack.extend(parts.into_iter().rev());
}

/// Opens a host path as a regular file: lstat first (specials are never opened), then
/// `O_NOFOLLOW | O_NONBLOCK | O_NOATIME`, then fstat to close the race.
pub(crate) fn open_regular_host(host: &Path, shown: &str) -> Result<File, RootError> {
    let meta = std::fs::symlink_metadata(host).map_err(|e| RootError::from_io(shown, e))?;
    let kind = FileKind::from_file_type(meta.file_type());
    if kind != FileKind::File {
        return Err(RootError::WrongKind {
            path: shown.to_string(),
            kind,
            expected: FileKind::File,
        });
    }
    let file = open_noatime(host, libc::O_NOFOLLOW).map_err(|e| RootError::from_io(shown, e))?;
    check_regular(&file, shown)?;
    Ok(file)
}

/// Opens read-only with O_NOATIME (falling back without it when the kernel refuses, which it
/// does for files the caller does not own unless it has CAP_FOWNER).
pub(crate) fn open_noatime(host: &Path, extra_flags: i32) -> io::Result<File> {
    let base = libc::O_NONBLOCK | libc::O_CLOEXEC | extra_flags;
    match OpenOptions::new()
        .read(true)
        .custom_flags(base | libc::O_NOATIME)
        .open(host)
    {
        Ok(f) => Ok(f),
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => {
            OpenOptions::new().read(true).custom_flags(base).open(host)
        }
        Err(e) => Err(e),
    }
}

pub(crate) fn check_regular(file: &File, shown: &str) -> Result<(), RootError> {
    let meta = file.metadata().map_err(|e| RootError::from_io(shown, e))?;
    let kind = FileKind::from_file_type(meta.file_type());
    if kind != FileKind::File {
        return Err(RootError::WrongKind {
            path: shown.to_string(),
            kind,
            expected: FileKind::File,
        });
    }
    Ok(())
}

/// Reads at most `cap` bytes from an open file.
pub fn read_capped_from(file: File, cap: u64, shown: &str) -> Result<Capped, RootError> {
    let mut data = Vec::new();
    let mut limited = file.take(cap.saturating_add(1));
    limited
        .read_to_end(&mut data)
        .map_err(|e| RootError::from_io(shown, e))?;
    let truncated = data.len() as u64 > cap;
    if truncated {
        data.truncate(cap as usize);
    }
    Ok(Capped { data, truncated })
}

/// Displays an attacker-chosen file name as text (invalid UTF-8 escaped).
pub fn display_name(name: &OsStr) -> String {
    crate::text::bytes_to_string(name.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn fixture() -> (tempfile::TempDir, Root) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("etc")).expect("mkdir");
        std::fs::write(dir.path().join("etc/shadow"), b"root:*:1::::::\n").expect("write");
        let root = Root::new(dir.path()).expect("root");
        (dir, root)
    }

    #[test]
    fn absolute_symlink_is_rerooted() {
        let (dir, root) = fixture();
        symlink("/etc/shadow", dir.path().join("link")).expect("symlink");
        let data = root.read("/link").expect("read");
        assert_eq!(data, b"root:*:1::::::\n");
        assert!(root
            .resolve("/link")
            .expect("resolve")
            .starts_with(root.base()));
    }

    #[test]
    fn dotdot_cannot_escape() {
        let (dir, root) = fixture();
        symlink("../../../../../../etc/shadow", dir.path().join("up")).expect("symlink");
        assert_eq!(root.read("/up").expect("read"), b"root:*:1::::::\n");
        assert_eq!(
            root.read("/../../etc/shadow").expect("read"),
            b"root:*:1::::::\n"
        );
    }

    #[test]
    fn symlink_loop_is_an_error() {
        let (dir, root) = fixture();
        symlink("/b", dir.path().join("a")).expect("symlink");
        symlink("/a", dir.path().join("b")).expect("symlink");
        assert!(matches!(
            root.read("/a"),
            Err(RootError::SymlinkLoop { .. })
        ));
    }

    #[test]
    fn fifo_is_never_opened() {
        let (dir, root) = fixture();
        let fifo = dir.path().join("pipe");
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .expect("mkfifo");
        match root.read("/pipe") {
            Err(RootError::WrongKind { kind, .. }) => assert_eq!(kind, FileKind::Fifo),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn sparse_file_read_is_capped() {
        let (dir, root) = fixture();
        let f = std::fs::File::create(dir.path().join("big")).expect("create");
        f.set_len(10 * 1024 * 1024 * 1024).expect("set_len");
        let capped = root.read_capped("/big", 1024).expect("read");
        assert_eq!(capped.data.len(), 1024);
        assert!(capped.truncated);
    }

    #[test]
    fn missing_is_typed() {
        let (_dir, root) = fixture();
        assert!(root
            .read("/etc/nothing")
            .expect_err("missing")
            .is_not_found());
        assert!(root
            .read("/etc/shadow/x")
            .expect_err("missing")
            .is_not_found());
    }

    /// Issue 23 item 6: the walker stopped at its depth cap without a word; the directories it
    /// did not enter are now named in one error (a gap for the caller).
    #[test]
    fn walk_names_what_its_depth_cap_left_out() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut deep = dir.path().join("www");
        for i in 0..10 {
            deep = deep.join(format!("d{i}"));
        }
        std::fs::create_dir_all(&deep).expect("mkdir");
        std::fs::write(deep.join("shell.php"), b"<?php").expect("write");
        let root = Root::new(dir.path()).expect("root");
        let opts = WalkOptions {
            max_depth: 5,
            ..WalkOptions::default()
        };
        let mut errors = Vec::new();
        let mut seen = 0;
        root.walk(
            "/www",
            &opts,
            &mut |_| {
                seen += 1;
                WalkControl::Continue
            },
            &mut |e| errors.push(e),
        )
        .expect("walk");
        assert_eq!(seen, 5);
        assert_eq!(errors.len(), 1, "{errors:?}");
        let text = errors[0].to_string();
        assert!(
            text.contains("deeper than 5 levels") && text.contains("/www/d0/d1/d2/d3/d4"),
            "{text}"
        );
        assert_eq!(
            crate::GapReason::of(&errors[0]),
            crate::GapReason::Truncated
        );
        // A shallow walk by intent says nothing.
        let mut errors = Vec::new();
        let opts = WalkOptions {
            max_depth: 1,
            report_depth_cap: false,
            ..WalkOptions::default()
        };
        root.walk("/www", &opts, &mut |_| WalkControl::Continue, &mut |e| {
            errors.push(e)
        })
        .expect("walk");
        assert!(errors.is_empty());
    }

    #[test]
    fn walk_does_not_follow_symlinks() {
        let (dir, root) = fixture();
        symlink("/", dir.path().join("etc/rootlink")).expect("symlink");
        let mut seen = Vec::new();
        root.walk(
            "/",
            &WalkOptions::default(),
            &mut |e| {
                seen.push(e.path.clone());
                WalkControl::Continue
            },
            &mut |_| {},
        )
        .expect("walk");
        seen.sort();
        assert_eq!(
            seen,
            vec![
                PathBuf::from("/etc"),
                PathBuf::from("/etc/rootlink"),
                PathBuf::from("/etc/shadow")
            ]
        );
    }

    #[test]
    fn open_dir_stays_inside_the_root() {
        let (dir, root) = fixture();
        std::fs::create_dir_all(dir.path().join("usr/bin")).expect("mkdir");
        std::fs::write(dir.path().join("usr/bin/ps"), b"x").expect("write");
        // Absolute and climbing symlinks resolve under the base, never on the host.
        symlink("/usr/bin", dir.path().join("bin")).expect("symlink");
        symlink("../../../../../../etc", dir.path().join("up")).expect("symlink");
        let bin = root.open_dir("/bin").expect("open /bin");
        assert_eq!(bin.lstat("ps").expect("ps").size, 1);
        let up = root.open_dir("/up").expect("open /up");
        assert!(up.lstat("shadow").is_ok(), "the root's etc, not the host's");
        assert!(
            up.lstat("passwd").is_err(),
            "the host's /etc/passwd must not be seen"
        );
        assert!(root.open_dir("/").expect("base").lstat("etc").is_ok());
        assert!(root.open_dir("/etc/shadow").is_err(), "not a directory");
        assert!(bin.lstat("../etc").is_err(), "names only, no paths");
    }
}
