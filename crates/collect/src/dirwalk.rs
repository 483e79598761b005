//! Directory listing that leaves directory access times alone.
//!
//! Listing a directory (getdents) updates its atime on strictatime and, under the default
//! relatime, whenever the old atime is older than a day or than the mtime. A responder's listing
//! of `/var/log` or `/home/alice` would then look like activity on the host at collection time.
//! So the collector lists directories through a descriptor opened `O_NOATIME` (falling back
//! without it where the kernel refuses, i.e. for directories the caller does not own without
//! CAP_FOWNER) with the raw `getdents64` syscall, and walks trees itself under the same rules as
//! [`Root::walk`]: parents resolved inside the root, entries never followed, one filesystem,
//! bounded depth and count.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use huoyan_core::root::{WalkEntry, WalkOptions};
use huoyan_core::{FileKind, Meta, Root, RootError};

/// Names in a host directory, sorted, without `.` and `..`.
pub fn list_host_dir(host: &Path, shown: &str) -> Result<Vec<OsString>, RootError> {
    use rustix::fs::{Mode, OFlags, RawDir};
    let base = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NOFOLLOW;
    let fd = match rustix::fs::open(host, base | OFlags::NOATIME, Mode::empty()) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::PERM) => rustix::fs::open(host, base, Mode::empty())
            .map_err(|e| RootError::from_io(shown, std::io::Error::from(e)))?,
        Err(e) => return Err(RootError::from_io(shown, std::io::Error::from(e))),
    };
    let mut buf = vec![std::mem::MaybeUninit::<u8>::uninit(); 64 * 1024];
    let mut iter = RawDir::new(&fd, &mut buf);
    let mut out = Vec::new();
    while let Some(entry) = iter.next() {
        let entry = entry.map_err(|e| RootError::from_io(shown, std::io::Error::from(e)))?;
        let name = entry.file_name().to_bytes();
        if name != b"." && name != b".." {
            out.push(OsString::from_vec(name.to_vec()));
        }
    }
    out.sort();
    Ok(out)
}

/// Lists a logical directory of `root` (symlinks to reach it followed inside the root) as
/// (logical path, kind from lstat).
pub fn read_dir(root: &Root, logical: &Path) -> Result<Vec<(PathBuf, FileKind)>, RootError> {
    let shown = logical.display().to_string();
    let host = root.resolve(logical)?;
    let names = list_host_dir(&host, &shown)?;
    Ok(names
        .into_iter()
        .map(|name| {
            let kind = std::fs::symlink_metadata(host.join(&name))
                .map(|m| FileKind::from_file_type(m.file_type()))
                .unwrap_or(FileKind::Unknown);
            (logical.join(name), kind)
        })
        .collect())
}

/// Walks the tree under `start` like [`Root::walk`], without touching directory atimes.
/// Entries come in name order, depth first; errors on subdirectories go to `errors`.
pub fn walk(
    root: &Root,
    start: &Path,
    opts: &WalkOptions,
    errors: &mut Vec<RootError>,
) -> Result<Vec<WalkEntry>, RootError> {
    let host = root.resolve(start)?;
    let meta = std::fs::symlink_metadata(&host)
        .map_err(|e| RootError::from_io(start.display().to_string(), e))?;
    let dev = meta.dev();
    let mut out = Vec::new();
    let mut stack: Vec<(PathBuf, PathBuf, usize)> = vec![(start.to_path_buf(), host, 0)];
    while let Some((logical_dir, host_dir, depth)) = stack.pop() {
        let names = match list_host_dir(&host_dir, &logical_dir.display().to_string()) {
            Ok(n) => n,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let mut children = Vec::new();
        for name in names {
            let host_path = host_dir.join(&name);
            let path = logical_dir.join(&name);
            let meta = match std::fs::symlink_metadata(&host_path) {
                Ok(m) => m,
                Err(e) => {
                    errors.push(RootError::from_io(path.display().to_string(), e));
                    continue;
                }
            };
            if out.len() >= opts.max_entries {
                errors.push(RootError::Io {
                    path: start.display().to_string(),
                    source: std::io::Error::other(format!(
                        "walk stopped after {} entries",
                        opts.max_entries
                    )),
                });
                return Ok(out);
            }
            let entry = WalkEntry {
                path,
                host_path,
                meta: Meta::from_std(&meta),
                depth: depth + 1,
            };
            if entry.meta.kind == FileKind::Dir
                && depth + 1 < opts.max_depth
                && (!opts.same_device || entry.meta.dev == dev)
            {
                children.push((entry.path.clone(), entry.host_path.clone(), depth + 1));
            }
            out.push(entry);
        }
        children.reverse();
        stack.extend(children);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_without_following_and_lists_sorted() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(dir.path().join("a/b")).expect("mkdir");
        std::fs::write(dir.path().join("a/b/f"), b"x").expect("write");
        std::fs::write(dir.path().join("a/z"), b"x").expect("write");
        std::os::unix::fs::symlink("/", dir.path().join("a/loop")).expect("symlink");
        let root = Root::new(dir.path()).expect("root");
        let mut errors = Vec::new();
        let entries =
            walk(&root, Path::new("/a"), &WalkOptions::default(), &mut errors).expect("walk");
        let paths: Vec<String> = entries
            .iter()
            .map(|e| e.path.display().to_string())
            .collect();
        assert_eq!(paths, vec!["/a/b", "/a/loop", "/a/z", "/a/b/f"]);
        assert!(errors.is_empty());
        let listed = read_dir(&root, Path::new("/a")).expect("list");
        assert_eq!(listed[1].1, FileKind::Symlink);
        assert!(read_dir(&root, Path::new("/a/z")).is_err());
        let capped = WalkOptions {
            max_entries: 2,
            ..WalkOptions::default()
        };
        let entries = walk(&root, Path::new("/a"), &capped, &mut errors).expect("walk");
        assert_eq!(entries.len(), 2);
        assert_eq!(errors.len(), 1);
    }
}
