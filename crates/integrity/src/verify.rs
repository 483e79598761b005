//! Package verification: hash every packaged file in parallel and compare with the database.
//!
//! This is `dpkg --verify` / `rpm -Va` done without running either (both are host binaries the
//! attacker may have replaced, and both trust the host's libc): every file is opened through
//! [`Root`] (no symlink escapes, O_NOATIME), hashed with the algorithm its database recorded, and
//! judged by [`crate::classify`]. Work is spread over all cores with rayon.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use huoyan_core::{FileKind, Root, RootError, Severity};
use rayon::prelude::*;
use serde::Serialize;
use sha2::Digest;

use crate::classify::{classify, severity_missing, severity_modified, FileClass};
use crate::packages::{Algo, Manager, PackageIndex, PackagedFile};

/// What happened to one packaged file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum FileState {
    /// Content differs from the database.
    Modified {
        /// The digest now.
        actual: String,
    },
    /// Not there (and not excluded by dpkg's path filters).
    Missing,
    /// There but not a regular file (a symlink to elsewhere, a FIFO …).
    WrongKind {
        /// What it is now.
        kind: String,
    },
    /// Could not be read (permission, I/O error).
    Unreadable {
        /// Why.
        reason: String,
    },
}

/// One packaged file that did not verify.
#[derive(Debug, Clone, Serialize)]
pub struct FileProblem {
    /// Logical path (merged-/usr aliases resolved: `/usr/bin/ps`, not dpkg's `/bin/ps`).
    pub path: PathBuf,
    /// The path as the package database records it.
    pub package_path: PathBuf,
    /// Owning package(s).
    pub packages: Vec<String>,
    /// Database.
    pub manager: Manager,
    /// A configuration file.
    pub conffile: bool,
    /// What kind of file it is.
    pub class: FileClass,
    /// What is wrong.
    pub state: FileState,
    /// Expected digest (hex) and algorithm.
    pub expected: String,
    /// Algorithm of `expected`.
    pub algo: Algo,
    /// How bad it is.
    pub severity: Severity,
    /// The file starts with `#!` now (a script where a binary was).
    pub now_script: bool,
    /// The file is an ELF now.
    pub now_elf: bool,
}

/// The result of a verification run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    /// Packages in the databases.
    pub packages: usize,
    /// Distinct files checked.
    pub files_checked: usize,
    /// Distinct packaged files left unhashed ([`Depth::Changed`] only).
    pub files_skipped: usize,
    /// Bytes hashed.
    pub bytes_hashed: u64,
    /// Files that did not verify, worst first.
    pub problems: Vec<FileProblem>,
    /// Wall time.
    #[serde(skip)]
    pub elapsed: Duration,
}

thread_local! {
    static BUF: RefCell<Vec<u8>> = RefCell::new(vec![0u8; 256 * 1024]);
}

/// Hashes a reader with an algorithm; returns hex digest, bytes read and the first 4 bytes.
pub fn hash_reader(mut reader: impl Read, algo: Algo) -> std::io::Result<(String, u64, [u8; 4])> {
    enum H {
        Md5(md5::Md5),
        Sha1(sha1::Sha1),
        Sha256(sha2::Sha256),
        Sha384(sha2::Sha384),
        Sha512(sha2::Sha512),
    }
    let mut h = match algo {
        Algo::Md5 => H::Md5(md5::Md5::new()),
        Algo::Sha1 => H::Sha1(sha1::Sha1::new()),
        Algo::Sha256 => H::Sha256(sha2::Sha256::new()),
        Algo::Sha384 => H::Sha384(sha2::Sha384::new()),
        Algo::Sha512 => H::Sha512(sha2::Sha512::new()),
    };
    let mut head = [0u8; 4];
    let mut total = 0u64;
    BUF.with(|cell| -> std::io::Result<()> {
        let mut buf = cell.borrow_mut();
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if total < 4 {
                let start = total as usize;
                let take = (4 - start).min(n);
                head[start..start + take].copy_from_slice(&buf[..take]);
            }
            let chunk = &buf[..n];
            match &mut h {
                H::Md5(x) => x.update(chunk),
                H::Sha1(x) => x.update(chunk),
                H::Sha256(x) => x.update(chunk),
                H::Sha384(x) => x.update(chunk),
                H::Sha512(x) => x.update(chunk),
            }
            total += n as u64;
        }
        Ok(())
    })?;
    let hex = match h {
        H::Md5(x) => hex::encode(x.finalize()),
        H::Sha1(x) => hex::encode(x.finalize()),
        H::Sha256(x) => hex::encode(x.finalize()),
        H::Sha384(x) => hex::encode(x.finalize()),
        H::Sha512(x) => hex::encode(x.finalize()),
    };
    Ok((hex, total, head))
}

/// Hashes one file inside the root.
pub fn hash_file(
    root: &Root,
    path: &Path,
    algo: Algo,
) -> Result<(String, u64, [u8; 4]), RootError> {
    let file = root.open(path)?;
    hash_reader(file, algo).map_err(|e| RootError::from_io(path.display().to_string(), e))
}

/// How many packaged files a verification re-hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Depth {
    /// Every packaged file (reads every packaged byte: seconds to minutes).
    #[default]
    Every,
    /// Only files that may have changed since their package installed them — inode change
    /// time after the package database recorded the package, size of zero, or no recorded
    /// install time — plus, always, the files attackers replace first (core commands, PAM
    /// modules, the loader and libc, kernel modules are left to the full run).
    Changed,
}

/// Slack between a file's inode change and its package's database write (dpkg writes the
/// `.list` right after unpacking; coarse filesystem clocks round).
const SETTLE_SLACK_SECS: i64 = 2;

/// True for the files [`Depth::Changed`] hashes whatever their times say.
fn always_hashed(f: &PackagedFile) -> bool {
    f.settled.is_none()
        || f.conffile
        || matches!(
            classify(&f.path),
            FileClass::CriticalCommand | FileClass::PamModule | FileClass::LibcOrLoader
        )
}

/// [`Depth::Changed`]: stats every packaged file (in parallel) and hashes those whose inode
/// changed after their package was installed, plus the always-hashed set; the count left
/// unhashed is in [`VerifyReport::files_skipped`].
pub fn verify_changed(root: &Root, index: &PackageIndex) -> VerifyReport {
    // Grouped by directory: each directory is resolved and opened once, its files statted
    // relative to it (tens of thousands of path walks saved on a real system).
    let mut by_dir: HashMap<&Path, Vec<&PackagedFile>> = HashMap::new();
    for f in &index.files {
        by_dir
            .entry(f.path.parent().unwrap_or(Path::new("/")))
            .or_default()
            .push(f);
    }
    let by_dir: Vec<(&Path, Vec<&PackagedFile>)> = by_dir.into_iter().collect();
    let selected: HashSet<&Path> = by_dir
        .par_iter()
        .flat_map_iter(|(dir, files)| {
            let handle = root.open_dir(dir).ok();
            files
                .iter()
                .filter(move |f| {
                    if always_hashed(f) {
                        return true;
                    }
                    let (Some(settled), Some(handle), Some(name)) =
                        (f.settled, handle.as_ref(), f.path.file_name())
                    else {
                        // Unknown install time, or a directory that cannot be opened: hashing
                        // reports the file properly.
                        return true;
                    };
                    match handle.lstat(name) {
                        Err(_) => true,
                        Ok(m) if m.kind != FileKind::File => true,
                        Ok(m) => m.ctime.is_none_or(|c| {
                            c.as_second() > settled.as_second() + SETTLE_SLACK_SECS
                        }),
                    }
                })
                .map(|f| f.path.as_path())
                .collect::<Vec<_>>()
        })
        .collect();
    let mut report = verify(root, index, &|f| selected.contains(f.path.as_path()));
    report.files_skipped = index.distinct_files().saturating_sub(report.files_checked);
    report
}

/// Verifies the packaged files selected by `select` (all of them for a full run).
pub fn verify(
    root: &Root,
    index: &PackageIndex,
    select: &(dyn Fn(&PackagedFile) -> bool + Sync),
) -> VerifyReport {
    let started = Instant::now();
    let mut groups: HashMap<PathBuf, Vec<&PackagedFile>> = HashMap::new();
    for f in index.files.iter().filter(|f| select(f)) {
        groups.entry(index.canonical(&f.path)).or_default().push(f);
    }
    // Path order keeps each directory's files together: far better disk locality than hash
    // order when the files are not in the page cache.
    let mut groups: Vec<(PathBuf, Vec<&PackagedFile>)> = groups.into_iter().collect();
    groups.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    // MD5 groups (all of dpkg) go through the eight-lane hasher; the rest one file per task.
    let use_x8 = crate::md5x8::available();
    let (md5_groups, other_groups): (Vec<_>, Vec<_>) = groups
        .iter()
        .partition(|(_, r)| use_x8 && r.first().is_some_and(|f| f.expected.algo == Algo::Md5));
    let md5_paths: Vec<&Path> = md5_groups
        .iter()
        .filter_map(|(_, r)| r.first().map(|f| f.path.as_path()))
        .collect();
    let hashed = crate::md5x8::hash_many(root, &md5_paths, rayon::current_num_threads());
    let mut results: Vec<(u64, Option<FileProblem>)> = md5_groups
        .iter()
        .zip(hashed)
        .map(|((_, records), h)| judge(index, records, h))
        .collect();
    let others: Vec<(u64, Option<FileProblem>)> = other_groups
        .par_iter()
        .map(|(_, records)| {
            let hashed = match records.first() {
                Some(f) => hash_file(root, &f.path, f.expected.algo),
                None => return (0, None),
            };
            judge(index, records, hashed)
        })
        .collect();
    results.extend(others);
    let mut report = VerifyReport {
        packages: index.package_count,
        files_checked: groups.len(),
        ..VerifyReport::default()
    };
    for (bytes, problem) in results {
        report.bytes_hashed += bytes;
        report.problems.extend(problem);
    }
    report.problems.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.path.cmp(&b.path))
    });
    report.elapsed = started.elapsed();
    report
}

fn judge(
    index: &PackageIndex,
    records: &[&PackagedFile],
    hashed: Result<(String, u64, [u8; 4]), RootError>,
) -> (u64, Option<FileProblem>) {
    let Some(first) = records.first() else {
        return (0, None);
    };
    let path = &first.path;
    let canonical = index.canonical(path);
    let class = classify(&canonical);
    let conffile = records.iter().all(|r| r.conffile);
    let mut packages: Vec<String> = records.iter().map(|r| r.package.clone()).collect();
    packages.dedup();
    let problem = |state: FileState, severity: Severity, head: [u8; 4]| FileProblem {
        path: canonical.clone(),
        package_path: path.clone(),
        packages: packages.clone(),
        manager: first.manager,
        conffile,
        class,
        state,
        expected: first.expected.hex.clone(),
        algo: first.expected.algo,
        severity,
        now_script: head.starts_with(b"#!"),
        now_elf: head == *b"\x7fELF",
    };
    match hashed {
        Ok((actual, bytes, head)) => {
            if records.iter().any(|r| r.expected.hex == actual) {
                return (bytes, None);
            }
            let mut severity = severity_modified(class, conffile, &canonical);
            if class.expects_elf() && head.starts_with(b"#!") {
                severity = Severity::Critical;
            }
            (
                bytes,
                Some(problem(FileState::Modified { actual }, severity, head)),
            )
        }
        Err(RootError::NotFound { .. }) => {
            if index.excluded(path) {
                return (0, None);
            }
            (
                0,
                Some(problem(
                    FileState::Missing,
                    severity_missing(class, conffile),
                    [0; 4],
                )),
            )
        }
        Err(RootError::WrongKind { kind, .. }) => (
            0,
            Some(problem(
                FileState::WrongKind {
                    kind: kind.to_string(),
                },
                severity_modified(class, conffile, &canonical).max(Severity::Low),
                [0; 4],
            )),
        ),
        Err(e) => (
            0,
            Some(problem(
                FileState::Unreadable {
                    reason: e.to_string(),
                },
                Severity::Info,
                [0; 4],
            )),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_match_known_vectors() {
        let (md5, n, head) = hash_reader(&b"abc"[..], Algo::Md5).expect("md5");
        assert_eq!(md5, "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(n, 3);
        assert_eq!(&head[..3], b"abc");
        let (sha, _, _) = hash_reader(&b"abc"[..], Algo::Sha256).expect("sha");
        assert_eq!(
            sha,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
