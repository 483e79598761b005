//! A log and its rotations: `auth.log`, `auth.log.1`, `auth.log.2.gz` … or, with logrotate's
//! `dateext`, `secure-20261122`, `secure-20261129.gz`.
//!
//! A responder needs all of them, oldest first: the brute force of last week is in `.2.gz`, and
//! comparing sizes across the family shows a current file that was emptied. Files are found and
//! opened through `Root` (never following a link out of the image); `.gz` rotations are
//! decompressed as a stream.

use std::io::Read;

use huoyan_core::{Meta, Root, RootError};
use serde::Serialize;

/// One member of a log family.
#[derive(Debug, Clone, Serialize)]
pub struct LogFile {
    /// Logical path inside the root.
    pub path: String,
    /// Rotation rank: 0 for the live file, 1 for `.1`, … (dateext files are ranked by date,
    /// newest = 1).
    pub rank: u32,
    /// True for `.gz` files.
    pub compressed: bool,
    /// Metadata (size, mtime).
    pub meta: Meta,
}

/// What follows the base name: `""`, `.N`, `.N.gz`, `-YYYYMMDD[HH]`, `-YYYYMMDD.gz`, `.old`.
/// Returns (sort key: larger is older, compressed).
fn rotation_key(suffix: &str) -> Option<(u64, bool)> {
    let (body, gz) = match suffix.strip_suffix(".gz") {
        Some(b) => (b, true),
        None => (suffix, false),
    };
    if body.is_empty() {
        return (!gz).then_some((0, false));
    }
    if let Some(n) = body.strip_prefix('.') {
        if n == "old" {
            return Some((1_000_000, gz));
        }
        let n: u64 = n.parse().ok()?;
        return Some((n, gz));
    }
    if let Some(d) = body.strip_prefix('-') {
        if (8..=10).contains(&d.len()) && d.bytes().all(|c| c.is_ascii_digit()) {
            let date: u64 = d[..8].parse().ok()?;
            // Newer dates must sort first: invert.
            return Some((100_000_000 - date.min(99_999_999), gz));
        }
    }
    None
}

/// Lists `dir/base` and its rotations, oldest first (the live file last). Absent directory →
/// the error; no member → empty list.
pub fn family(root: &Root, dir: &str, base: &str) -> Result<Vec<LogFile>, RootError> {
    family_with_skipped(root, dir, base).map(|(files, _)| files)
}

/// A family member that is not a regular file: its logical path and kind.
pub type Skipped = (String, huoyan_core::FileKind);

/// [`family`], and the members that were not read because they are not regular files (a FIFO
/// or a device at `auth.log`, a directory at `auth.log.1`): path and kind, for a gap.
pub fn family_with_skipped(
    root: &Root,
    dir: &str,
    base: &str,
) -> Result<(Vec<LogFile>, Vec<Skipped>), RootError> {
    let entries = root.read_dir(dir)?;
    let mut skipped = Vec::new();
    let mut found: Vec<(u64, LogFile)> = Vec::new();
    for e in entries {
        let Some(name) = e.name.to_str() else {
            continue;
        };
        let Some(suffix) = name.strip_prefix(base) else {
            continue;
        };
        let Some((key, compressed)) = rotation_key(suffix) else {
            continue;
        };
        let path = format!("{}/{name}", dir.trim_end_matches('/'));
        let Ok(meta) = root.stat(&path) else { continue };
        if meta.kind != huoyan_core::FileKind::File {
            skipped.push((path, meta.kind));
            continue;
        }
        found.push((
            key,
            LogFile {
                path,
                rank: 0,
                compressed,
                meta,
            },
        ));
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    let n = found.len() as u32;
    let files = found
        .into_iter()
        .enumerate()
        .map(|(i, (_, mut f))| {
            f.rank = n - 1 - i as u32;
            f
        })
        .collect();
    Ok((files, skipped))
}

/// Opens a member for reading its text (decompressing `.gz`).
pub fn open_text(root: &Root, file: &LogFile) -> Result<Box<dyn Read + Send>, RootError> {
    let f = root.open(&file.path)?;
    if file.compressed {
        // Capped: a small .gz may inflate to gigabytes (the error names the file; a gap).
        Ok(Box::new(huoyan_core::inflate::Capped::new(
            flate2::read::MultiGzDecoder::new(std::io::BufReader::with_capacity(1 << 16, f)),
            &file.path,
        )))
    } else {
        Ok(Box::new(f))
    }
}

/// The syslog files a responder reads for authentication and system events, by distribution.
pub const AUTH_LOGS: &[(&str, &str)] = &[
    ("/var/log", "auth.log"),
    ("/var/log", "secure"),
    ("/var/log", "messages"),
    ("/var/log", "syslog"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_rotations_oldest_first() {
        let dir = tempfile::tempdir().expect("tmp");
        let log = dir.path().join("var/log");
        std::fs::create_dir_all(&log).expect("mkdir");
        for n in [
            "auth.log",
            "auth.log.1",
            "auth.log.2.gz",
            "auth.log.10.gz",
            "auth.logger",
            "secure-20261122",
            "secure-20261129.gz",
            "secure",
        ] {
            std::fs::write(log.join(n), b"x").expect("write");
        }
        let root = Root::new(dir.path()).expect("root");
        let fam = family(&root, "/var/log", "auth.log").expect("family");
        let names: Vec<_> = fam
            .iter()
            .map(|f| f.path.rsplit('/').next().unwrap_or("").to_string())
            .collect();
        assert_eq!(
            names,
            ["auth.log.10.gz", "auth.log.2.gz", "auth.log.1", "auth.log"]
        );
        assert_eq!(fam[3].rank, 0);
        let fam = family(&root, "/var/log", "secure").expect("family");
        let names: Vec<_> = fam
            .iter()
            .map(|f| f.path.rsplit('/').next().unwrap_or("").to_string())
            .collect();
        assert_eq!(names, ["secure-20261122", "secure-20261129.gz", "secure"]);
    }
}
