//! File times (MACB: modified, accessed, changed, born) for files in the window under the places
//! attackers write to and the checks look at, plus every file a finding names (whatever its times).

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use rayon::prelude::*;

use huoyan_core::root::{WalkControl, WalkOptions};
use huoyan_core::walked::WalkedTimes;
use huoyan_core::{Finding, Gap, Meta, Root, Timestamp, Window};

use crate::{Category, Event};

/// Directories whose files' times go on the timeline when they fall in the window.
const WATCHED: &[&str] = huoyan_core::walked::TIMELINE_DIRS;

/// How deep below a watched directory the walk goes.
const MAX_DEPTH: usize = 12;

/// At most this many file events (a mass change, e.g. an upgrade, would drown the timeline).
const MAX_FILE_EVENTS: usize = 200_000;

pub(super) fn collect(
    root: &Root,
    window: &Window,
    findings: &[Finding],
    walked: Option<&WalkedTimes>,
    events: &mut Vec<Event>,
    gaps: &mut Vec<Gap>,
) {
    let window = huoyan_core::walked::recent_window(*window, huoyan_core::time::now());
    // Reuse what an earlier walk of this run gathered when it covers the window.
    let walked = walked.filter(|w| {
        !w.truncated
            && w.window
                .since
                .is_none_or(|s| window.since.is_some_and(|t| s <= t))
            && w.window.until == window.until
    });
    let flagged: HashSet<&str> = findings
        .iter()
        .flat_map(|f| f.paths.iter().map(String::as_str))
        .collect();
    // Directories already walked, by identity: merged-/usr aliases (`/lib/systemd` is
    // `/usr/lib/systemd`) and bind mounts are walked once.
    let walked_dirs: Mutex<HashSet<(u64, u64)>> = Mutex::new(HashSet::new());
    let first_visit = |m: &Meta| {
        walked_dirs
            .lock()
            .map(|mut set| set.insert((m.dev, m.ino)))
            .unwrap_or(true)
    };
    // The walk is split into one job per watched directory's own entries and one per
    // subdirectory, run in parallel (a home with a toolchain holds hundreds of thousands of
    // files; every one is statted).
    let mut jobs: Vec<(String, usize)> = Vec::new();
    let covered_hosts: Vec<std::path::PathBuf> = walked
        .map(|w| {
            w.starts
                .iter()
                .filter_map(|s| root.resolve(s).ok())
                .collect()
        })
        .unwrap_or_default();
    let mut reused: Vec<&str> = Vec::new();
    for dir in WATCHED {
        // Inside a directory the earlier walk covered: its entries are taken from there.
        if root
            .resolve(dir)
            .is_ok_and(|h| covered_hosts.iter().any(|c| h.starts_with(c)))
        {
            reused.push(dir);
            continue;
        }
        match root.stat(dir) {
            Ok(m) if m.kind == huoyan_core::FileKind::Dir => {
                if !first_visit(&m) {
                    continue;
                }
            }
            Ok(_) => continue,
            Err(e) => {
                if !e.is_not_found() {
                    gaps.push(Gap::from_error("timeline.files", &e));
                }
                continue;
            }
        }
        jobs.push((dir.to_string(), 1));
        match root.read_dir(dir) {
            Ok(children) => {
                for child in children {
                    if child.kind != huoyan_core::FileKind::Dir {
                        continue;
                    }
                    let path = child.path.display().to_string();
                    if root.lstat(&path).is_ok_and(|m| first_visit(&m)) {
                        jobs.push((path, MAX_DEPTH - 1));
                    }
                }
            }
            Err(e) => gaps.push(Gap::from_error("timeline.files", &e)),
        }
    }
    let count = AtomicUsize::new(0);
    let results: Vec<(Vec<Event>, Vec<Gap>, Vec<String>)> = jobs
        .par_iter()
        .map(|(dir, max_depth)| {
            let mut job_events = Vec::new();
            let mut job_gaps = Vec::new();
            let mut evented = Vec::new();
            let opts = WalkOptions {
                max_depth: *max_depth,
                same_device: true,
                max_entries: 1_000_000,
                names_only: false,
                // A depth-1 job lists a watched directory's own entries: its subdirectories
                // are other jobs, not left out.
                report_depth_cap: *max_depth > 1,
            };
            let result = root.walk(
                dir,
                &opts,
                &mut |entry| {
                    if count.load(Ordering::Relaxed) >= MAX_FILE_EVENTS {
                        return WalkControl::Stop;
                    }
                    let meta = &entry.meta;
                    // A job of depth 1 lists a watched directory's own entries; its
                    // subdirectories are other jobs.
                    if *max_depth > 1
                        && meta.kind == huoyan_core::FileKind::Dir
                        && !first_visit(meta)
                    {
                        return WalkControl::SkipDir;
                    }
                    // An access alone makes no event (see push_macb).
                    if huoyan_core::walked::has_time_in(meta, &window) {
                        let path = entry.path.display().to_string();
                        let before = job_events.len();
                        push_macb(&mut job_events, &path, meta, |t| window.contains(Some(t)));
                        if job_events.len() > before {
                            count.fetch_add(job_events.len() - before, Ordering::Relaxed);
                            evented.push(path);
                        }
                    }
                    WalkControl::Continue
                },
                &mut |err| {
                    if !err.is_not_found() {
                        job_gaps.push(Gap::from_error("timeline.files", &err));
                    }
                },
            );
            if let Err(e) = result {
                if !e.is_not_found() {
                    job_gaps.push(Gap::from_error("timeline.files", &e));
                }
            }
            (job_events, job_gaps, evented)
        })
        .collect();
    // Files that got an event (a flagged file gets one below whatever its times).
    let mut evented: HashSet<String> = HashSet::new();
    if let Some(w) = walked {
        let prefixes: Vec<String> = reused.iter().map(|d| format!("{d}/")).collect();
        for (path, meta) in &w.entries {
            let shown = path.display().to_string();
            if !prefixes.iter().any(|p| shown.starts_with(p.as_str())) {
                continue;
            }
            if count.load(Ordering::Relaxed) >= MAX_FILE_EVENTS {
                break;
            }
            let before = events.len();
            push_macb(events, &shown, meta, |t| window.contains(Some(t)));
            if events.len() > before {
                count.fetch_add(events.len() - before, Ordering::Relaxed);
                evented.insert(shown);
            }
        }
    }
    for (job_events, job_gaps, job_evented) in results {
        events.extend(job_events);
        gaps.extend(job_gaps);
        evented.extend(job_evented);
    }
    if count.load(Ordering::Relaxed) >= MAX_FILE_EVENTS {
        gaps.push(Gap::new(
            "timeline.files",
            huoyan_core::GapReason::Truncated,
            format!("stopped after {MAX_FILE_EVENTS} file events; narrow --since/--until"),
        ));
    }
    for path in flagged {
        if evented.contains(path) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(events: &[Event]) -> Vec<String> {
        let mut m: Vec<String> = events.iter().map(|e| e.message.clone()).collect();
        m.sort();
        m
    }

    /// Reusing an earlier walk's entries gives the same file events as walking again.
    #[test]
    fn reused_walk_matches_a_fresh_walk() {
        let dir = tempfile::tempdir().expect("tempdir");
        for f in [
            "tmp/.x/payload",
            "etc/cron.d/job",
            "var/spool/cron/crontabs/root",
        ] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, b"x").expect("write");
        }
        let root = Root::new(dir.path()).expect("root");
        let window = Window::default();
        let (mut fresh, mut gaps) = (Vec::new(), Vec::new());
        collect(&root, &window, &[], None, &mut fresh, &mut gaps);
        assert!(fresh.iter().any(|e| e.message.contains("/tmp/.x/payload")));

        // What the scan's walk would hand on: every entry under /tmp and /etc.
        let recent = huoyan_core::walked::recent_window(window, huoyan_core::time::now());
        let mut entries = Vec::new();
        for start in ["/tmp", "/etc"] {
            root.walk(
                start,
                &WalkOptions::default(),
                &mut |e| {
                    if huoyan_core::walked::has_time_in(&e.meta, &recent) {
                        entries.push((e.path.clone(), e.meta.clone()));
                    }
                    WalkControl::Continue
                },
                &mut |_| {},
            )
            .expect("walk");
        }
        let walked = WalkedTimes {
            starts: vec!["/tmp".into(), "/etc".into()],
            window: recent,
            entries,
            truncated: false,
        };
        let (mut reused, mut gaps) = (Vec::new(), Vec::new());
        collect(&root, &window, &[], Some(&walked), &mut reused, &mut gaps);
        assert_eq!(messages(&fresh), messages(&reused));

        // A truncated hand-over is not trusted.
        let partial = WalkedTimes {
            entries: Vec::new(),
            truncated: true,
            ..walked
        };
        let (mut again, mut gaps) = (Vec::new(), Vec::new());
        collect(&root, &window, &[], Some(&partial), &mut again, &mut gaps);
        assert_eq!(messages(&fresh), messages(&again));
    }
}
