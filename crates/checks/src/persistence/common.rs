//! Helpers shared by the persistence checks: reading files and directories through the Root with
//! gaps for what cannot be read, "changed recently" against the responder's window, and running
//! every command of a file through the detector.

use huoyan_artifacts::persistence::CommandLine;
use huoyan_core::root::DirEntry;
use huoyan_core::{CheckInfo, FileKind, Meta, Outcome, Severity, Timestamp};
use serde_json::json;

use crate::command_findings::{scan_and_report, CommandSource};
use crate::Context;

/// Largest persistence file read (configs and scripts are small; a huge one is itself odd).
pub const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// Reads a file (following symlinks inside the root). Absent files are silently `None`; other
/// errors become gaps.
pub fn read_file(
    ctx: &Context,
    info: &CheckInfo,
    path: &str,
    out: &mut Outcome,
) -> Option<(Vec<u8>, Meta)> {
    let meta = match ctx.root.stat(path) {
        Ok(m) => m,
        Err(e) => {
            out.gap_from(info.id, &e, true);
            return None;
        }
    };
    if meta.kind != FileKind::File {
        return None;
    }
    match ctx.root.read_capped(path, MAX_CONFIG_BYTES) {
        Ok(c) => Some((c.data, meta)),
        Err(e) => {
            out.gap_from(info.id, &e, true);
            None
        }
    }
}

/// Lists a directory; absent is silent, other errors become gaps.
pub fn list_dir(ctx: &Context, info: &CheckInfo, dir: &str, out: &mut Outcome) -> Vec<DirEntry> {
    match ctx.root.read_dir(dir) {
        Ok(v) => v,
        Err(e) => {
            out.gap_from(info.id, &e, true);
            Vec::new()
        }
    }
}

/// Logical path of a directory entry as text.
pub fn entry_path(e: &DirEntry) -> String {
    e.path.display().to_string()
}

/// Entry name as text.
pub fn entry_name(e: &DirEntry) -> String {
    huoyan_core::root::display_name(&e.name)
}

/// The later of a file's content change (mtime) and inode change (ctime): `touch -r` can fake
/// the first but not the second.
pub fn changed_at(meta: &Meta) -> Option<Timestamp> {
    match (meta.mtime, meta.ctime) {
        (Some(m), Some(c)) => Some(m.max(c)),
        (m, c) => m.or(c),
    }
}

/// True when the file changed since [`Context::recent_since`] (and not after `--until`).
pub fn is_recent(ctx: &Context, meta: &Meta) -> bool {
    changed_at(meta)
        .is_some_and(|t| t >= ctx.recent_since() && ctx.window.until.is_none_or(|u| t <= u))
}

/// Reports a persistence file that changed recently (low: a lead, not a verdict).
pub fn report_recent(
    ctx: &Context,
    info: &CheckInfo,
    path: &str,
    meta: &Meta,
    what: &str,
    out: &mut Outcome,
) {
    if !is_recent(ctx, meta) {
        return;
    }
    let owner = ctx.users().user_label(meta.uid);
    out.add(
        info.finding(
            Severity::Low,
            format!(
                "{what} {path} changed recently (mtime {}, ctime {})",
                meta.mtime
                    .map(huoyan_core::time::format_short)
                    .unwrap_or_default(),
                meta.ctime
                    .map(huoyan_core::time::format_short)
                    .unwrap_or_default()
            ),
        )
        .path(path)
        .user(owner)
        .at(changed_at(meta))
        .evidence(json!({
            "mtime": meta.mtime,
            "ctime": meta.ctime,
            "uid": meta.uid,
            "mode": format!("{:o}", meta.perm()),
            "recent_since": ctx.recent_since(),
        })),
    );
}

/// Runs each command line through the detector and reports hits at `min` severity or above.
pub fn scan_lines(
    info: &CheckInfo,
    path: &str,
    user: Option<&str>,
    what: &str,
    lines: &[CommandLine],
    min: Severity,
    out: &mut Outcome,
) {
    for l in lines {
        let source = CommandSource {
            path,
            line: l.line,
            user,
            time: None,
            what,
        };
        scan_and_report(info, &source, &l.command, min, out);
    }
}

/// True for a file worth reading as a script or config: not a backup or package leftover.
pub fn is_config_name(name: &str) -> bool {
    !(name.starts_with('.') && name.len() <= 2
        || name.ends_with('~')
        || name.ends_with(".dpkg-old")
        || name.ends_with(".dpkg-dist")
        || name.ends_with(".dpkg-new")
        || name.ends_with(".rpmsave")
        || name.ends_with(".rpmnew")
        || name == "README"
        || name == ".placeholder")
}

/// Files in `dir` (following symlinks inside the root) with their content and metadata.
pub fn read_dir_files(
    ctx: &Context,
    info: &CheckInfo,
    dir: &str,
    out: &mut Outcome,
) -> Vec<(String, Vec<u8>, Meta)> {
    let mut files = Vec::new();
    for e in list_dir(ctx, info, dir, out) {
        if !matches!(e.kind, FileKind::File | FileKind::Symlink) || !is_config_name(&entry_name(&e))
        {
            continue;
        }
        let path = entry_path(&e);
        if let Some((data, meta)) = read_file(ctx, info, &path, out) {
            files.push((path, data, meta));
        }
    }
    files
}

/// Directories that may be the same place (merged /usr: /lib → /usr/lib). Keeps the first of each
/// set that resolves to the same host directory.
pub fn distinct_dirs<'a>(ctx: &Context, dirs: &[&'a str]) -> Vec<&'a str> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for d in dirs {
        if let Ok(host) = ctx.root.resolve(d) {
            if !seen.contains(&host) {
                seen.push(host);
                out.push(*d);
            }
        }
    }
    out
}
