//! Known-good baselines: what the package database cannot vouch for.
//!
//! `huoyan baseline create` records, on a machine the responder trusts (a fresh install of the
//! same image, or the suspect host before the incident), the SHA-256, size, mode and owner of
//! every system binary and library and every file under `/etc` and `/boot`. `baseline compare`
//! on the suspect host reports what was added, removed or changed, with the severity rules of
//! [`crate::classify`]. This covers what dpkg/rpm cannot: files outside packages, hosts without a
//! package database, and a package database the attacker rewrote.
//!
//! **Format** (versioned): one JSON document `{"format":"huoyan-baseline","version":1,
//! "created":…,"huoyan":…,"root":…,"scope":[…],"entries":[{path,kind,size,mode,uid,gid,sha256,
//! link}…]}`, zstd-compressed when the file name ends in `.zst` (detected by magic when read).
//! Paths that are not UTF-8 are stored hex-encoded in `path_hex`.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use huoyan_core::root::{WalkControl, WalkOptions};
use huoyan_core::{CheckInfo, FileKind, Gap, Outcome, Root, Severity, Timestamp};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::classify::{classify, severity_added, severity_modified, FileClass};
use crate::packages::Algo;
use crate::unowned::SYSTEM_DIRS;
use crate::verify::hash_file;

/// The `format` field of every baseline.
pub const FORMAT: &str = "huoyan-baseline";
/// The current format version.
pub const VERSION: u32 = 1;
/// Files larger than this are recorded by size and mode only.
pub const HASH_CAP: u64 = 1 << 30;
/// Individual findings before the rest are summarised.
const MAX_FINDINGS: usize = 5000;

/// Where a baseline looks, besides [`SYSTEM_DIRS`].
pub const EXTRA_SCOPE: &[&str] = &["/etc", "/boot"];

/// A baseline file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Baseline {
    /// Always [`FORMAT`].
    pub format: String,
    /// Format version.
    pub version: u32,
    /// When it was made (UTC).
    pub created: Timestamp,
    /// huoyan version that made it.
    pub huoyan: String,
    /// The root it was made of (host path).
    pub root: String,
    /// Top directories covered.
    pub scope: Vec<String>,
    /// One entry per file, directory and symlink, sorted by path.
    pub entries: Vec<Entry>,
}

/// One recorded file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Logical path (UTF-8; see `path_hex` otherwise).
    pub path: String,
    /// The path's bytes in hex when they are not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_hex: Option<String>,
    /// File kind.
    pub kind: FileKind,
    /// Size in bytes (0 for directories).
    pub size: u64,
    /// Permission bits (with setuid/setgid/sticky).
    pub mode: u32,
    /// Owner uid.
    pub uid: u32,
    /// Owner gid.
    pub gid: u32,
    /// SHA-256 of a regular file's content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Target of a symlink.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

impl Entry {
    /// The logical path as a PathBuf.
    pub fn logical(&self) -> PathBuf {
        match self.path_hex.as_deref().and_then(|h| hex::decode(h).ok()) {
            Some(bytes) => PathBuf::from(OsStr::from_bytes(&bytes)),
            None => PathBuf::from(&self.path),
        }
    }
}

/// Baseline errors.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// Reading or writing the baseline file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// Not a baseline, or a version this huoyan cannot read.
    #[error("{path}: {detail}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong.
        detail: String,
    },
}

/// Records the root. Gaps are added for what could not be read.
pub fn create(root: &Root, gaps: &mut Vec<Gap>) -> Baseline {
    let mut scope: Vec<String> = SYSTEM_DIRS.iter().map(|s| s.to_string()).collect();
    scope.extend(EXTRA_SCOPE.iter().map(|s| s.to_string()));
    let mut walked: Vec<(PathBuf, huoyan_core::Meta)> = Vec::new();
    for top in &scope {
        match root.lstat(top) {
            Ok(m) if m.kind == FileKind::Dir => walked.push((PathBuf::from(top), m)),
            Ok(m) => {
                walked.push((PathBuf::from(top), m));
                continue;
            }
            Err(_) => continue,
        }
        let _ = root.walk(
            top,
            &WalkOptions::default(),
            &mut |e| {
                walked.push((e.path.clone(), e.meta.clone()));
                WalkControl::Continue
            },
            &mut |err| gaps.push(Gap::from_error(BASELINE.id, &err)),
        );
    }
    let results: Vec<(Entry, Option<Gap>)> = walked
        .par_iter()
        .map(|(path, meta)| entry_for(root, path, meta))
        .collect();
    let mut entries = Vec::with_capacity(results.len());
    for (e, gap) in results {
        entries.push(e);
        gaps.extend(gap);
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path).then(a.path_hex.cmp(&b.path_hex)));
    entries.dedup_by(|a, b| a.path == b.path && a.path_hex == b.path_hex);
    Baseline {
        format: FORMAT.into(),
        version: VERSION,
        created: huoyan_core::time::now(),
        huoyan: huoyan_core::VERSION.into(),
        root: root.base().display().to_string(),
        scope,
        entries,
    }
}

fn entry_for(root: &Root, path: &Path, meta: &huoyan_core::Meta) -> (Entry, Option<Gap>) {
    let bytes = path.as_os_str().as_bytes();
    let (text, path_hex) = match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), None),
        Err(_) => (
            huoyan_core::text::bytes_to_string(bytes),
            Some(hex::encode(bytes)),
        ),
    };
    let mut entry = Entry {
        path: text,
        path_hex,
        kind: meta.kind,
        size: if meta.kind == FileKind::Dir {
            0
        } else {
            meta.size
        },
        mode: meta.perm(),
        uid: meta.uid,
        gid: meta.gid,
        sha256: None,
        link: None,
    };
    let mut gap = None;
    match meta.kind {
        FileKind::File if meta.size <= HASH_CAP => match hash_file_nofollow(root, path) {
            Ok(h) => entry.sha256 = Some(h),
            Err(e) => gap = Some(Gap::from_error(BASELINE.id, &e)),
        },
        FileKind::Symlink => {
            entry.link = root
                .read_link(path)
                .ok()
                .map(|t| t.to_string_lossy().into_owned());
        }
        _ => {}
    }
    (entry, gap)
}

/// Hashes a walked file: its parents are real directories, so Root's resolution is exact.
fn hash_file_nofollow(root: &Root, path: &Path) -> Result<String, huoyan_core::RootError> {
    hash_file(root, path, Algo::Sha256).map(|(h, _, _)| h)
}

/// Writes a baseline (zstd-compressed when the name ends in `.zst`).
pub fn write(baseline: &Baseline, out: &Path) -> Result<(), BaselineError> {
    let io = |source| BaselineError::Io {
        path: out.display().to_string(),
        source,
    };
    let json = huoyan_core::jsonl::to_vec(baseline).map_err(io)?;
    let mut file = huoyan_core::outfile::create_new(out).map_err(io)?;
    if out.extension().is_some_and(|e| e == "zst") {
        let compressed = zstd::encode_all(&json[..], 9).map_err(io)?;
        file.write_all(&compressed).map_err(io)?;
    } else {
        file.write_all(&json).map_err(io)?;
    }
    file.sync_all().map_err(io)
}

/// Reads a baseline file (plain or zstd).
#[allow(clippy::disallowed_methods)] // the responder's baseline file, made on a trusted machine
pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
    let shown = path.display().to_string();
    let io = |source| BaselineError::Io {
        path: shown.clone(),
        source,
    };
    let mut raw = Vec::new();
    std::fs::File::open(path)
        .map_err(io)?
        .take(4 << 30)
        .read_to_end(&mut raw)
        .map_err(io)?;
    if raw.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        raw = zstd::decode_all(&raw[..]).map_err(io)?;
    }
    let baseline: Baseline = serde_json::from_slice(&raw).map_err(|e| BaselineError::Format {
        path: shown.clone(),
        detail: e.to_string(),
    })?;
    if baseline.format != FORMAT {
        return Err(BaselineError::Format {
            path: shown,
            detail: format!("not a huoyan baseline (format {:?})", baseline.format),
        });
    }
    if baseline.version > VERSION {
        return Err(BaselineError::Format {
            path: shown,
            detail: format!(
                "baseline version {} is newer than this huoyan reads ({VERSION})",
                baseline.version
            ),
        });
    }
    Ok(baseline)
}

/// The baseline comparison check.
pub static BASELINE: CheckInfo = CheckInfo {
    id: "integrity.baseline",
    title: "System file differs from the known-good baseline",
    title_zh: "系统文件与可信基线不一致",
    mitre: &["T1554", "T1036.005", "T1014"],
    remediation: "Examine every added or changed binary and library (collect, hash, look up); \
                  a changed core command or library means the host's own tools cannot be trusted.",
    remediation_zh: "逐一检查新增或被修改的程序与库文件（取证、计算哈希、情报查询）；核心命令或库被改动意味着主机自带工具已不可信。",
};

/// What differs between two entries.
fn changed_fields(old: &Entry, new: &Entry) -> Vec<&'static str> {
    let mut f = Vec::new();
    if old.kind != new.kind {
        f.push("kind");
    }
    if old.sha256 != new.sha256 {
        f.push("sha256");
    }
    if old.size != new.size && old.kind != FileKind::Dir {
        f.push("size");
    }
    if old.mode != new.mode {
        f.push("mode");
    }
    if old.uid != new.uid {
        f.push("uid");
    }
    if old.gid != new.gid {
        f.push("gid");
    }
    if old.link != new.link {
        f.push("link");
    }
    f
}

/// Compares the root with a baseline: added, removed and changed files as findings.
pub fn compare(baseline: &Baseline, root: &Root) -> Outcome {
    let mut gaps = Vec::new();
    let current = create(root, &mut gaps);
    let mut out = Outcome::default();
    for g in gaps {
        out.gap(g);
    }
    let old: BTreeMap<PathBuf, &Entry> =
        baseline.entries.iter().map(|e| (e.logical(), e)).collect();
    let new: BTreeMap<PathBuf, &Entry> = current.entries.iter().map(|e| (e.logical(), e)).collect();
    let mut count = 0usize;
    let mut overflow = 0usize;
    let mut emit = |out: &mut Outcome, f: huoyan_core::Finding| {
        if count < MAX_FINDINGS {
            out.add(f);
            count += 1;
        } else {
            overflow += 1;
        }
    };
    for (path, n) in &new {
        let class = classify(path);
        let shown = path.display().to_string();
        match old.get(path) {
            None => {
                if n.kind == FileKind::Dir {
                    continue;
                }
                let sev = severity_added(class, path);
                emit(
                    &mut out,
                    BASELINE
                        .finding(sev, format!("{shown} was added since the baseline"))
                        .path(shown)
                        .evidence(json!({"change": "added", "class": class, "now": n})),
                );
            }
            Some(o) => {
                let fields = changed_fields(o, n);
                if fields.is_empty() {
                    continue;
                }
                let mut sev = severity_modified(class, false, path);
                if fields == ["mode"] || fields == ["uid"] || fields == ["gid"] {
                    sev = sev.min(Severity::Medium);
                }
                if n.mode & 0o6000 != 0 && o.mode & 0o6000 == 0 {
                    sev = sev.max(Severity::High);
                }
                if o.kind == FileKind::Dir && class == FileClass::Other {
                    sev = sev.min(Severity::Low);
                }
                emit(
                    &mut out,
                    BASELINE
                        .finding(
                            sev,
                            format!("{shown} changed since the baseline ({})", fields.join(", ")),
                        )
                        .path(shown)
                        .evidence(json!({
                            "change": "changed", "fields": fields, "class": class,
                            "baseline": o, "now": n,
                        })),
                );
            }
        }
    }
    for (path, o) in &old {
        if new.contains_key(path) || o.kind == FileKind::Dir {
            continue;
        }
        let class = classify(path);
        let sev = match class {
            c if c.is_critical() => Severity::High,
            FileClass::Binary | FileClass::Library => Severity::Medium,
            _ => Severity::Low,
        };
        let shown = path.display().to_string();
        emit(
            &mut out,
            BASELINE
                .finding(sev, format!("{shown} was removed since the baseline"))
                .path(shown)
                .evidence(json!({"change": "removed", "class": class, "baseline": o})),
        );
    }
    if overflow > 0 {
        out.add(BASELINE.finding(
            Severity::Info,
            format!("{overflow} further difference(s) not listed individually"),
        ));
    }
    out
}
