//! Helpers shared by the persistence checks: reading files and directories through the Root with
//! gaps for what cannot be read, "changed recently" against the responder's window (not
//! trusting an inode change time the whole system shares: a copied or restored image), and
//! running every command of a file through the detector.

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

/// Widest spread of inode-change times counted as one bulk event.
const BULK_SPAN_SECS: i64 = 3 * 3600;
/// Share of sampled files whose ctime must fall in that span.
const BULK_SHARE: f64 = 0.8;
/// How far before and after the sampled files' times the bulk event is taken to reach.
const BULK_MARGIN_SECS: i64 = 10 * 60;
/// Fewest files sampled before a bulk event is believed.
const BULK_MIN_SAMPLE: usize = 50;

type BandKey = (std::path::PathBuf, i128);
type Band = Option<(Timestamp, Timestamp)>;
static BANDS: std::sync::Mutex<Vec<(BandKey, Band)>> = std::sync::Mutex::new(Vec::new());

/// The span of inode-change times that most of the system's files share, when there is one:
/// the moment the filesystem was copied, restored or unpacked (an image built or restored, a
/// backup put back, `rsync -a` of a whole root, or the installation itself). A ctime inside it
/// says nothing about who changed the file afterwards, so [`trusted_changed_at`] falls back on
/// the mtime for those files. Sampled from `/etc` (two levels) and the program directories;
/// computed once per scan.
pub fn bulk_ctime_band(ctx: &Context) -> Option<(Timestamp, Timestamp)> {
    let key = (ctx.root.base().to_path_buf(), ctx.now.as_nanosecond());
    let mut bands = BANDS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, band)) = bands.iter().find(|(k, _)| *k == key) {
        return *band;
    }
    let mut times: Vec<i64> = Vec::new();
    let sample_dir = |dir: &str, depth: usize, times: &mut Vec<i64>| {
        let mut stack = vec![(dir.to_string(), depth)];
        while let Some((d, left)) = stack.pop() {
            let Ok(list) = ctx.root.read_dir(&d) else {
                continue;
            };
            for e in list.into_iter().take(400) {
                if let Some(c) = ctx.root.lstat(&e.path).ok().and_then(|m| m.ctime) {
                    times.push(c.as_second());
                }
                if left > 0 && e.kind == FileKind::Dir {
                    stack.push((e.path.display().to_string(), left - 1));
                }
            }
        }
    };
    for (dir, depth) in [
        ("/etc", 1),
        ("/usr/bin", 0),
        ("/usr/sbin", 0),
        ("/usr/lib", 0),
    ] {
        sample_dir(dir, depth, &mut times);
    }
    times.sort_unstable();
    let mut band = None;
    if times.len() >= BULK_MIN_SAMPLE {
        let need = (times.len() as f64 * BULK_SHARE).ceil() as usize;
        let mut j = 0;
        for i in 0..times.len() {
            if j < i {
                j = i;
            }
            while j + 1 < times.len() && times[j + 1] - times[i] <= BULK_SPAN_SECS {
                j += 1;
            }
            if j + 1 - i >= need {
                // The copy also wrote the directories not sampled (homes, /opt, /var) just
                // before or after the sampled ones.
                band = huoyan_core::time::from_unix(times[i] - BULK_MARGIN_SECS, 0)
                    .zip(huoyan_core::time::from_unix(times[j] + BULK_MARGIN_SECS, 0));
                break;
            }
        }
    }
    bands.retain(|(k, _)| k.0 != key.0);
    bands.push((key, band));
    band
}

/// When the file last changed as far as can be trusted: the later of mtime and ctime (`touch
/// -r` can fake the first but not the second), except a
/// ctime inside the [`bulk_ctime_band`] (the whole system got that ctime at once), where only
/// the mtime tells.
pub fn trusted_changed_at(ctx: &Context, meta: &Meta) -> Option<Timestamp> {
    let band = bulk_ctime_band(ctx);
    let ctime = meta
        .ctime
        .filter(|c| !band.is_some_and(|(lo, hi)| *c >= lo && *c <= hi));
    match (meta.mtime, ctime) {
        (Some(m), Some(c)) => Some(m.max(c)),
        (m, c) => m.or(c),
    }
}

/// True when the file changed since [`Context::recent_since`] (and not after `--until`), by
/// [`trusted_changed_at`].
pub fn is_recent(ctx: &Context, meta: &Meta) -> bool {
    trusted_changed_at(ctx, meta)
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
        .at(trusted_changed_at(ctx, meta))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn set_mtime(path: &std::path::Path, unix: u64) {
        let f = std::fs::File::options()
            .write(true)
            .open(path)
            .expect("open");
        f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix))
            .expect("mtime");
    }

    #[test]
    fn a_ctime_the_whole_system_shares_is_not_a_change() {
        let dir = tempfile::tempdir().expect("tempdir");
        let etc = dir.path().join("etc");
        std::fs::create_dir_all(&etc).expect("mkdir");
        for i in 0..80 {
            let p = etc.join(format!("f{i}"));
            std::fs::write(&p, "x").expect("write");
            set_mtime(&p, 1_600_000_000);
        }
        let fresh = etc.join("fresh");
        std::fs::write(&fresh, "x").expect("write");
        let ctx = Context::new(
            huoyan_core::Root::new(dir.path()).expect("root"),
            huoyan_core::Window::default(),
        );
        assert!(bulk_ctime_band(&ctx).is_some());
        let old = ctx.root.stat("/etc/f1").expect("stat");
        assert!(!is_recent(&ctx, &old), "ctime in the bulk band, old mtime");
        let new = ctx.root.stat("/etc/fresh").expect("stat");
        assert!(is_recent(&ctx, &new), "mtime inside the window");
    }

    #[test]
    fn without_a_bulk_band_ctime_counts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let etc = dir.path().join("etc");
        std::fs::create_dir_all(&etc).expect("mkdir");
        let p = etc.join("one");
        std::fs::write(&p, "x").expect("write");
        set_mtime(&p, 1_600_000_000);
        let ctx = Context::new(
            huoyan_core::Root::new(dir.path()).expect("root"),
            huoyan_core::Window::default(),
        );
        assert!(bulk_ctime_band(&ctx).is_none());
        let meta = ctx.root.stat("/etc/one").expect("stat");
        assert!(
            is_recent(&ctx, &meta),
            "a timestomped file still shows its ctime"
        );
    }
}
