//! File times (MACB: modified, accessed, changed, born) for files in the window under the places
//! attackers write to and the checks look at, plus every file a finding names (whatever its times).

use std::collections::HashSet;

use huoyan_core::root::{WalkControl, WalkOptions};
use huoyan_core::{Finding, Gap, Meta, Root, Timestamp, Window};

use crate::{Category, Event};

/// Directories whose files' times go on the timeline when they fall in the window.
const WATCHED: &[&str] = &[
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

/// At most this many file events (a mass change, e.g. an upgrade, would drown the timeline).
const MAX_FILE_EVENTS: usize = 200_000;

pub(super) fn collect(
    root: &Root,
    window: &Window,
    findings: &[Finding],
    events: &mut Vec<Event>,
    gaps: &mut Vec<Gap>,
) {
    let window = if window.is_unbounded() {
        let now = huoyan_core::time::now();
        Window {
            since: huoyan_core::time::from_unix(now.as_second() - 30 * 86_400, 0),
            until: None,
        }
    } else {
        *window
    };
    let flagged: HashSet<&str> = findings
        .iter()
        .flat_map(|f| f.paths.iter().map(String::as_str))
        .collect();
    let mut count = 0usize;
    let mut seen = HashSet::new();
    for dir in WATCHED {
        let opts = WalkOptions {
            max_depth: 12,
            same_device: true,
            max_entries: 1_000_000,
        };
        let result = root.walk(
            dir,
            &opts,
            &mut |entry| {
                if count >= MAX_FILE_EVENTS {
                    return WalkControl::Stop;
                }
                let path = entry.path.display().to_string();
                if !seen.insert(path.clone()) {
                    return WalkControl::SkipDir;
                }
                let before = events.len();
                push_macb(events, &path, &entry.meta, |t| window.contains(Some(t)));
                count += events.len() - before;
                WalkControl::Continue
            },
            &mut |err| {
                if !err.is_not_found() {
                    gaps.push(Gap::from_error("timeline.files", &err));
                }
            },
        );
        if let Err(e) = result {
            if !e.is_not_found() {
                gaps.push(Gap::from_error("timeline.files", &e));
            }
        }
    }
    if count >= MAX_FILE_EVENTS {
        gaps.push(Gap::new(
            "timeline.files",
            huoyan_core::GapReason::Truncated,
            format!("stopped after {MAX_FILE_EVENTS} file events; narrow --since/--until"),
        ));
    }
    for path in flagged {
        if seen.contains(path) {
            continue;
        }
        if let Ok(meta) = root.lstat(path) {
            push_macb(events, path, &meta, |_| true);
        }
    }
}

/// Adds one event per distinct time of the file, naming every MACB letter that shares it.
fn push_macb(events: &mut Vec<Event>, path: &str, meta: &Meta, keep: impl Fn(Timestamp) -> bool) {
    let times = [
        ('m', meta.mtime, "Modification Time"),
        ('a', meta.atime, "Access Time"),
        ('c', meta.ctime, "Metadata Change Time"),
        ('b', meta.btime, "Creation Time"),
    ];
    let mut distinct: Vec<Timestamp> = times
        .iter()
        .filter_map(|t| t.1)
        .filter(|t| keep(*t))
        .collect();
    distinct.sort();
    distinct.dedup();
    for t in distinct {
        let mut letters = String::new();
        let mut descs = Vec::new();
        for (letter, time, desc) in times {
            if time == Some(t) {
                letters.push(letter);
                descs.push(desc);
            } else {
                letters.push('.');
            }
        }
        // Access alone is noise (every read sets it); keep it only with another change.
        if letters == ".a.." {
            continue;
        }
        events.push(
            Event::new(
                t,
                "file",
                format!("file_{letters}"),
                descs.join("; "),
                Category::File,
                format!(
                    "{letters} {path} ({} bytes, mode {:o}, uid {})",
                    meta.size,
                    meta.perm(),
                    meta.uid
                ),
            )
            .path(path.to_string()),
        );
    }
}
