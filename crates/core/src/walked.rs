//! File times gathered by one walk for another phase to reuse.
//!
//! A triage walks the same trees twice: the scan's set-id walk stats every file under `/usr`,
//! `/root`, `/home`, `/tmp`, `/etc` …, and the timeline wants the times of those same files. The
//! scan's walk keeps the entries whose times fall in the recent window ([`recent_window`]) and
//! hands them on, so the timeline walks only what the scan did not.

use std::path::PathBuf;

use crate::time::{Timestamp, Window};
use crate::Meta;

/// How far back file times count as recent when the responder gave no window.
pub const RECENT_DAYS: i64 = 30;

/// Most entries kept (a mass change, e.g. an upgrade, would otherwise fill memory).
pub const MAX_WALKED_TIMES: usize = 200_000;

/// The window file times are kept in: the responder's, or the last [`RECENT_DAYS`] days.
pub fn recent_window(window: Window, now: Timestamp) -> Window {
    if window.is_unbounded() {
        Window {
            since: crate::time::from_unix(now.as_second() - RECENT_DAYS * 86_400, 0),
            until: None,
        }
    } else {
        window
    }
}

/// Directories whose files' times belong on the timeline: where attackers write and where the
/// checks look.
pub const TIMELINE_DIRS: &[&str] = &[
    "/etc",
    "/tmp",
    "/var/tmp",
    "/dev/shm",
    "/root",
    "/home",
    "/bin",
    "/sbin",
    "/usr/bin",
    "/usr/sbin",
    "/usr/local",
    "/usr/lib/systemd",
    "/lib/systemd",
    "/var/spool/cron",
    "/var/spool/at",
    "/var/www",
    "/srv",
    "/opt",
];

/// True when the logical path lies below one of [`TIMELINE_DIRS`].
pub fn in_timeline_dirs(path: &std::path::Path) -> bool {
    TIMELINE_DIRS
        .iter()
        .any(|d| path.starts_with(d) && path != std::path::Path::new(d))
}

/// True when the entry was modified, changed or born in the window (an access alone does not
/// count: every read sets it, and the timeline drops it).
pub fn has_time_in(meta: &Meta, window: &Window) -> bool {
    [meta.mtime, meta.ctime, meta.btime]
        .iter()
        .any(|t| t.is_some() && window.contains(*t))
}

/// Entries with a recent time, from a walk of `starts`.
#[derive(Debug, Clone, Default)]
pub struct WalkedTimes {
    /// Logical directories walked completely (every entry below them was considered).
    pub starts: Vec<PathBuf>,
    /// The window entries were kept for.
    pub window: Window,
    /// Logical path and lstat of each kept entry.
    pub entries: Vec<(PathBuf, Meta)>,
    /// True when [`MAX_WALKED_TIMES`] was reached (the walk of the starts is then incomplete
    /// for timeline purposes).
    pub truncated: bool,
}
