//! `huoyan snapshot`: freeze the live scene into a directory, before anything else disturbs it.
//!
//! What it captures, volatile first: processes (including any hidden from the /proc listing) and
//! their open and mapped files, sockets (every network namespace with a process in it) and
//! logged-in users; then network configuration, system facts, the mount table and loaded kernel
//! modules; then the SHA-256 of every running executable, read through `/proc/PID/exe` so a
//! deleted binary is still hashed. Everything comes from the kernel ([`huoyan_core::ProcFs`],
//! netlink) and the root's own files ([`huoyan_core::Root`]); no host binary is run.
//!
//! What it writes (see [`layout`]): one JSON file per artifact, text tables equivalent to
//! `ps auxww`, `pstree`, `netstat -anp`, `lsof` and `w` (host text escaped), `gaps.json` (what could not be
//! read, and why) and `manifest.json` (SHA-256 of every file written, start and end time, host
//! identity, huoyan version). The output directory must not exist or be empty, and must not be
//! inside /proc, /sys, /dev or the image being described.

#![cfg_attr(test, allow(clippy::disallowed_methods))]

pub mod collect;
pub mod layout;
mod manifest;
mod tables;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use huoyan_core::{ActionJournal, Gap, ProcFs, Root, Timestamp};
use serde::Serialize;

pub use collect::Scene;
pub use manifest::{FileRecord, HostIdentity, Manifest};

/// Why a snapshot could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The output directory already holds files.
    #[error("output directory {0} is not empty; give a new or empty directory")]
    OutDirNotEmpty(PathBuf),
    /// The output directory is somewhere huoyan must never write.
    #[error("refusing to write the snapshot to {path}: {why}")]
    OutDirForbidden {
        /// The directory given.
        path: PathBuf,
        /// Why it is refused.
        why: String,
    },
    /// Writing the output failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The process list itself could not be read (no usable /proc).
    #[error("cannot list processes: {0}")]
    NoProcesses(String),
}

/// What a snapshot produced, for the caller to print or embed.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotSummary {
    /// Where the files are.
    pub out_dir: PathBuf,
    /// Collection start (UTC).
    pub started: Timestamp,
    /// Collection end (UTC).
    pub finished: Timestamp,
    /// Host identity.
    pub host: HostIdentity,
    /// Processes captured.
    pub processes: usize,
    /// Processes that exist but are missing from the /proc listing (a rootkit hides them).
    pub hidden_processes: Vec<u32>,
    /// Open files captured.
    pub open_files: usize,
    /// Open files whose target is deleted.
    pub deleted_open_files: usize,
    /// Memory mappings of deleted or memfd files (lsof's `DEL`): injected or self-deleted code.
    pub deleted_mapped_files: usize,
    /// Processes whose executable is deleted or in memory only.
    pub deleted_executables: usize,
    /// Internet sockets captured.
    pub inet_sockets: usize,
    /// Listening internet sockets.
    pub listening: usize,
    /// Unix and packet sockets captured.
    pub other_sockets: usize,
    /// Network namespaces read.
    pub net_namespaces: usize,
    /// Logged-in sessions.
    pub logins: usize,
    /// Interfaces in promiscuous mode.
    pub promiscuous_interfaces: Vec<String>,
    /// Loaded kernel modules.
    pub modules: usize,
    /// Mounts in huoyan's mount namespace.
    pub mounts: usize,
    /// Pids whose `/proc/PID` has something mounted over it (a way to hide a process).
    pub masked_proc_entries: Vec<u32>,
    /// Set kernel taint flags (`O: out-of-tree module loaded` …); empty when clean.
    pub kernel_taint: Vec<String>,
    /// Every gap (also in gaps.json).
    pub gaps: Vec<Gap>,
    /// Gap counts by `area: reason`.
    pub gap_counts: BTreeMap<String, usize>,
    /// Every file written, with its SHA-256.
    pub files: Vec<FileRecord>,
}

/// Choices a caller may make about a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaptureOptions {
    /// SHA-256 every distinct running executable (the default). Costs time proportional to the
    /// total size of the distinct executables; turning it off leaves a gap saying so.
    pub hash_executables: bool,
}

impl Default for CaptureOptions {
    fn default() -> Self {
        CaptureOptions {
            hash_executables: true,
        }
    }
}

/// Takes a snapshot of the live host described by `proc_fs` (with user names and machine-id from
/// `root`) into `out_dir`, recording every action in `journal`.
///
/// `out_dir` must not exist or must be empty (a `journal.jsonl` the caller already opened there is
/// allowed); it must not be inside /proc, /sys or /dev, nor inside `root` when `root` is an image.
pub fn capture(
    proc_fs: &ProcFs,
    root: &Root,
    out_dir: &Path,
    journal: &ActionJournal,
) -> Result<SnapshotSummary, SnapshotError> {
    capture_with(proc_fs, root, out_dir, journal, &CaptureOptions::default())
}

/// [`capture`] with explicit options.
pub fn capture_with(
    proc_fs: &ProcFs,
    root: &Root,
    out_dir: &Path,
    journal: &ActionJournal,
    options: &CaptureOptions,
) -> Result<SnapshotSummary, SnapshotError> {
    layout::prepare_out_dir(out_dir, root, proc_fs)?;
    let started = huoyan_core::time::now();
    journal.record(
        "start",
        out_dir.display().to_string(),
        format!("huoyan {} snapshot", huoyan_core::VERSION),
    );
    let scene = collect::collect(proc_fs, root, started, options)?;
    journal.record(
        "read",
        proc_fs.base().display().to_string(),
        format!(
            "{} processes, {} open files, {} sockets",
            scene.processes.len(),
            scene.open_files.len(),
            scene.sockets.inet.len() + scene.sockets.unix.len() + scene.sockets.packet.len()
        ),
    );
    manifest::write_all(&scene, out_dir, started, journal)
}
