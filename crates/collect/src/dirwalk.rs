//! Directory listings and walks for the plan, in a stable order.
//!
//! [`Root`] lists directories `O_NOATIME` with raw `getdents64`, so neither a listing of
//! `/var/log` nor of `/home/alice` shows up as activity at collection time; the kernel returns
//! entries in no particular order, and a manifest should read the same from one run to the next,
//! so these helpers collect a walk and sort it (parents before children, names in byte order).

use std::path::{Path, PathBuf};

use huoyan_core::root::{WalkControl, WalkEntry, WalkOptions};
use huoyan_core::{FileKind, Root, RootError};

/// Lists a logical directory of `root` as (logical path, kind from lstat), sorted by name.
pub fn read_dir(root: &Root, logical: &Path) -> Result<Vec<(PathBuf, FileKind)>, RootError> {
    Ok(root
        .read_dir(logical)?
        .into_iter()
        .map(|e| (e.path, e.kind))
        .collect())
}

/// Walks the tree under `start` (never following symlinks) and returns every entry, sorted by
/// path; errors on subdirectories go to `errors`.
pub fn walk(
    root: &Root,
    start: &Path,
    opts: &WalkOptions,
    errors: &mut Vec<RootError>,
) -> Result<Vec<WalkEntry>, RootError> {
    let mut out = Vec::new();
    root.walk(
        start,
        opts,
        &mut |e| {
            out.push(e.clone());
            WalkControl::Continue
        },
        &mut |e| errors.push(e),
    )?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
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
        assert_eq!(paths, vec!["/a/b", "/a/b/f", "/a/loop", "/a/z"]);
        assert!(errors.is_empty());
        let listed = read_dir(&root, Path::new("/a")).expect("list");
        assert_eq!(listed[1].1, FileKind::Symlink);
        assert!(read_dir(&root, Path::new("/a/z")).is_err());
    }
}
