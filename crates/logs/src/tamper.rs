//! Signs that logs were wiped or edited: "judge by size" made precise.
//!
//! - a live log emptied, or far smaller than its rotated sibling;
//! - a silence in a log far longer than its normal rhythm;
//! - wtmp/utmp/btmp records zeroed, a partial record (bytes cut out), times going backwards;
//!   wtmpdb row ids with holes;
//! - lastlog logins that no wtmp record backs;
//! - logs that rsyslog is configured to write, missing; journald told not to keep logs;
//! - journal files that do not parse or whose sequence numbers break;
//! - a log whose last line is newer than its modification time (mtime reset with `touch`).

use huoyan_artifacts::utmp::UtmpType;
use huoyan_core::{Root, Timestamp};
use serde::Serialize;

use crate::{LogData, SourceFile, SourceKind};

/// A live log at most this fraction (1/N) of its sibling's size counts as "much smaller".
pub const SHRINK_RATIO: u64 = 100;
/// The sibling must be at least this big for the ratio to mean anything.
pub const SHRINK_MIN_SIBLING: u64 = 1024 * 1024;
/// Silences shorter than this are never reported.
pub const MIN_SILENCE: i64 = 6 * 3600;
/// A silence must exceed the 99th-percentile gap this many times.
pub const SILENCE_FACTOR: i64 = 20;

/// A live log next to a much bigger rotation, or whose beginning is missing.
#[derive(Debug, Clone, Serialize)]
pub struct Shrunk<'a> {
    /// The live (or rotated) file that is small.
    pub file: &'a SourceFile,
    /// Its older sibling.
    pub sibling: &'a SourceFile,
    /// True when the file is empty.
    pub empty: bool,
    /// The file's first line comes long after its sibling's last one while other logs were
    /// being written: its beginning was cut (`sed -i '1,N d'`, emptied and written again).
    pub head_missing: Option<Hole>,
}

/// A stretch of time one log has no line for while other logs were written.
#[derive(Debug, Clone, Serialize)]
pub struct Hole {
    /// Last line before.
    pub from: Timestamp,
    /// First line after.
    pub to: Timestamp,
    /// The gap that 99 % of the log's gaps stay under (seconds).
    pub p99_gap: i64,
    /// Other logs written during the hole: (path, minutes with lines, in whole 10-minute slots).
    pub others: Vec<(String, u64)>,
}

impl Hole {
    /// Length in seconds.
    pub fn secs(&self) -> i64 {
        self.to.as_second() - self.from.as_second()
    }
}

/// A hole shorter than this is never a sign of its own.
pub const MIN_HOLE: i64 = 3600;
/// A hole must exceed the log's 99th-percentile gap this many times.
pub const HOLE_FACTOR: i64 = 10;
/// Other logs must have lines in at least this many 10-minute slots inside the hole.
pub const MIN_OTHER_SLOTS: usize = 3;

/// Other logs (not of `family`) written during `(from, to)`.
fn written_elsewhere(
    data: &LogData,
    family: &str,
    from: Timestamp,
    to: Timestamp,
) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = data
        .files
        .iter()
        .filter(|o| o.family != family)
        .filter_map(|o| {
            let n = o.rhythm.active_slots_inside(from, to);
            (n >= MIN_OTHER_SLOTS).then(|| {
                (
                    o.path.clone(),
                    n as u64 * crate::pass::ACTIVITY_BUCKET as u64 / 60,
                )
            })
        })
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

/// A hole in `file`'s own rhythm from `from` to `to`, when it is long, far beyond the file's
/// rhythm, and other logs were being written meanwhile (so the host was up and logging).
fn hole(
    data: &LogData,
    file: &SourceFile,
    rhythm: &crate::pass::Rhythm,
    from: Timestamp,
    to: Timestamp,
) -> Option<Hole> {
    let secs = to.as_second() - from.as_second();
    let p99 = rhythm.p99_gap()?;
    if secs < MIN_HOLE || secs < p99 * HOLE_FACTOR {
        return None;
    }
    let others = written_elsewhere(data, &file.family, from, to);
    (!others.is_empty()).then_some(Hole {
        from,
        to,
        p99_gap: p99,
        others,
    })
}

/// Emptied or shrunken logs, and live logs whose beginning is missing.
pub fn shrunk(data: &LogData) -> Vec<Shrunk<'_>> {
    let mut out = Vec::new();
    let text: Vec<&SourceFile> = data
        .files
        .iter()
        .filter(|f| f.kind == SourceKind::Syslog)
        .collect();
    for f in text.iter().filter(|f| f.rank == 0) {
        let Some(sib) = text.iter().find(|s| s.family == f.family && s.rank == 1) else {
            continue;
        };
        // A compressed sibling is compared by what it held (lines), not bytes.
        let sib_big = if sib.compressed {
            sib.rhythm.lines >= 10_000
        } else {
            sib.size >= SHRINK_MIN_SIBLING
        };
        let empty = f.size == 0 && (sib.size > 0);
        let much_smaller =
            sib_big && !sib.compressed && f.size.saturating_mul(SHRINK_RATIO) < sib.size;
        // The rotation's last line and the live file's first: the rhythm of the pair decides.
        let head_missing = match (sib.rhythm.last, f.rhythm.first) {
            (Some(end), Some(start)) if !empty => {
                let mut pair = sib.rhythm.clone();
                pair.append(f.rhythm.clone());
                hole(data, f, &pair, end, start)
            }
            _ => None,
        };
        if empty || much_smaller || head_missing.is_some() {
            out.push(Shrunk {
                file: f,
                sibling: sib,
                empty,
                head_missing,
            });
        }
    }
    out
}

/// A silence in one log.
#[derive(Debug, Clone, Serialize)]
pub struct SilenceFound<'a> {
    /// The log.
    pub file: &'a SourceFile,
    /// Where.
    pub silence: crate::pass::Silence,
    /// The gap 99 % of the log's gaps stay under (seconds).
    pub p99_gap: i64,
    /// Other logs written during it (path, minutes): lines were removed from this log, or it
    /// alone stopped, while the host kept logging. Empty: the host may simply have been down.
    pub others: Vec<(String, u64)>,
    /// Remote logins wtmp records inside the silence of an authentication log (which would
    /// have logged them): (user, from, time).
    pub logins_inside: Vec<(String, String, Timestamp)>,
}

/// Remote logins (wtmp user processes with a host) strictly inside `(from, to)`.
fn wtmp_logins_inside(
    data: &LogData,
    from: Timestamp,
    to: Timestamp,
) -> Vec<(String, String, Timestamp)> {
    let mut out: Vec<(String, String, Timestamp)> = data
        .wtmp
        .iter()
        .flat_map(|f| f.records.iter())
        .filter(|r| r.kind == UtmpType::UserProcess && !r.host.is_empty())
        .filter_map(|r| {
            let t = r.time?;
            (t > from && t < to).then(|| {
                let host = r
                    .addr
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| r.host.clone());
                (r.user.clone(), host, t)
            })
        })
        .collect();
    out.sort_by_key(|l| l.2);
    out.dedup();
    out
}

/// Logs with a silence far beyond their rhythm: at least [`MIN_SILENCE`] and
/// [`SILENCE_FACTOR`] times the typical gap; or, when other logs were written meanwhile and no
/// other gap of the log comes near it, at least [`MIN_HOLE`] and [`HOLE_FACTOR`] times.
pub fn silences(data: &LogData) -> Vec<SilenceFound<'_>> {
    data.files
        .iter()
        .filter_map(|f| {
            let s = f.rhythm.longest?;
            let p99 = f.rhythm.p99_gap()?;
            let long = s.secs() >= MIN_SILENCE && s.secs() >= p99 * SILENCE_FACTOR;
            // The only gap of its size in the file (a log quiet every night is not emptied
            // every night).
            let unique = f.rhythm.gaps_at_least(s.secs() / 4) <= 1;
            let hole = unique
                .then(|| hole(data, f, &f.rhythm, s.from, s.to))
                .flatten();
            if !long && hole.is_none() {
                return None;
            }
            let auth = matches!(f.family.as_str(), "auth.log" | "secure");
            Some(SilenceFound {
                file: f,
                silence: s,
                p99_gap: p99,
                others: hole.map(|h| h.others).unwrap_or_default(),
                logins_inside: if auth {
                    wtmp_logins_inside(data, s.from, s.to)
                } else {
                    Vec::new()
                },
            })
        })
        .collect()
}

/// One suspicious thing in a binary login file.
#[derive(Debug, Clone, Serialize)]
pub struct RecordProblem {
    /// File.
    pub path: String,
    /// Byte offset (record offset, or where the partial record starts).
    pub offset: u64,
    /// What.
    pub what: String,
}

/// Zeroed records, partial records, time going backwards, unknown types; wtmpdb id holes.
pub fn record_problems(data: &LogData) -> Vec<RecordProblem> {
    let mut out = Vec::new();
    let files = data
        .wtmp
        .iter()
        .chain(data.btmp.iter())
        .chain(data.utmp.iter());
    for f in files {
        let is_utmp = f.path.ends_with("/utmp");
        let mut prev: Option<Timestamp> = None;
        for r in &f.records {
            if r.all_zero && !is_utmp {
                out.push(RecordProblem {
                    path: f.path.clone(),
                    offset: r.offset,
                    what: "record zeroed (all bytes 0)".into(),
                });
                continue;
            }
            if let UtmpType::Unknown(v) = r.kind {
                out.push(RecordProblem {
                    path: f.path.clone(),
                    offset: r.offset,
                    what: format!("record of unknown type {v}"),
                });
            }
            if !is_utmp {
                if let (Some(p), Some(t)) = (prev, r.time) {
                    if t.as_second() + 86_400 < p.as_second() && r.kind != UtmpType::NewTime {
                        out.push(RecordProblem {
                            path: f.path.clone(),
                            offset: r.offset,
                            what: format!(
                                "time goes back from {} to {}",
                                huoyan_core::time::format_utc(p),
                                huoyan_core::time::format_utc(t)
                            ),
                        });
                    }
                }
                if r.time.is_some() {
                    prev = r.time;
                }
            }
        }
        if let Some((offset, len)) = f.partial {
            out.push(RecordProblem {
                path: f.path.clone(),
                offset,
                what: format!(
                    "file ends with a partial record of {len} bytes (size {} is not a multiple of the record size: bytes were cut)",
                    f.size
                ),
            });
        }
    }
    if let Some(rows) = &data.wtmpdb {
        for (before, after) in huoyan_artifacts::wtmpdb::id_gaps(rows) {
            out.push(RecordProblem {
                path: huoyan_artifacts::wtmpdb::PATH.into(),
                offset: before as u64,
                what: format!(
                    "rows {}..{} deleted (row ids jump from {before} to {after})",
                    before + 1,
                    after - 1
                ),
            });
        }
    }
    out
}

/// lastlog entries with no wtmp/wtmpdb login of that user within a minute, where wtmp covers
/// that time: (uid, user, entry).
pub fn lastlog_unbacked(
    data: &LogData,
    root: &Root,
) -> Vec<(String, huoyan_artifacts::lastlog::LastlogEntry)> {
    let (users, _) = huoyan_artifacts::users::UserDb::read(root);
    let wtmp_start = data
        .wtmp
        .iter()
        .flat_map(|f| f.records.iter().filter_map(|r| r.time))
        .chain(data.wtmpdb.iter().flatten().filter_map(|r| r.login))
        .min();
    let Some(start) = wtmp_start else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in &data.lastlog {
        let Some(t) = e.time else { continue };
        if t < start {
            continue;
        }
        let Some(name) = users
            .passwd
            .iter()
            .find(|p| p.uid == Some(e.uid))
            .map(|p| p.name.clone())
        else {
            continue;
        };
        let near =
            |x: Option<Timestamp>| x.is_some_and(|x| (x.as_second() - t.as_second()).abs() <= 60);
        let backed = data
            .wtmp
            .iter()
            .flat_map(|f| f.records.iter())
            .any(|r| r.kind == UtmpType::UserProcess && r.user == name && near(r.time))
            || data
                .wtmpdb
                .iter()
                .flatten()
                .any(|r| r.user == name && near(r.login));
        if !backed {
            out.push((name, e.clone()));
        }
    }
    out
}

/// A log file rsyslog is configured to write that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingLog {
    /// The configuration file.
    pub config: String,
    /// Its line.
    pub line: usize,
    /// The log's path.
    pub path: String,
    /// What says the log existed and was removed (rotations of it, logrotate's state naming
    /// it). Empty: nothing says it was ever written — rsyslog creates a file on its first
    /// message, so a facility that never logged (kern, mail, user on a quiet VM) has none.
    pub existed: Vec<String>,
}

/// Where logrotate keeps the files it has rotated (Debian, RHEL, older layouts).
const LOGROTATE_STATE: &[&str] = &[
    "/var/lib/logrotate/status",
    "/var/lib/logrotate/logrotate.status",
    "/var/lib/logrotate.status",
];

/// Signs that the log at `path` existed: rotated copies beside it (`auth.log.1`,
/// `auth.log.2.gz`, `secure-20261122`), or logrotate's state listing it.
fn signs_it_existed(root: &Root, path: &str) -> Vec<String> {
    let mut signs = Vec::new();
    let (dir, base) = path.rsplit_once('/').unwrap_or(("", path));
    let dir = if dir.is_empty() { "/" } else { dir };
    if let Ok(entries) = root.read_dir(dir) {
        let mut rotated: Vec<String> = entries
            .iter()
            .map(|e| e.name.to_string_lossy().to_string())
            .filter(|n| {
                n.strip_prefix(base)
                    .and_then(|rest| rest.strip_prefix('.').or_else(|| rest.strip_prefix('-')))
                    .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
            })
            .collect();
        rotated.sort();
        if !rotated.is_empty() {
            signs.push(format!("rotated copies remain: {}", rotated.join(", ")));
        }
    }
    for state in LOGROTATE_STATE {
        if let Ok(text) = root.read_string_lossy(state) {
            if text.lines().any(|l| {
                l.trim_start()
                    .strip_prefix('"')
                    .and_then(|r| r.split('"').next())
                    == Some(path)
            }) {
                signs.push(format!("{state} lists it as rotated before"));
            }
        }
    }
    signs
}

/// Log files rsyslog is configured to write that do not exist, with what says each existed.
pub fn configured_missing(root: &Root) -> Vec<MissingLog> {
    let mut confs = vec!["/etc/rsyslog.conf".to_string()];
    if let Ok(entries) = root.read_dir("/etc/rsyslog.d") {
        confs.extend(
            entries
                .iter()
                .filter(|e| e.name.to_string_lossy().ends_with(".conf"))
                .map(|e| e.path.display().to_string()),
        );
    }
    let mut out = Vec::new();
    for conf in confs {
        let Ok(text) = root.read_string_lossy(&conf) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let target = if let Some(at) = line.find("file=\"") {
                line[at + 6..].split('"').next().map(str::to_string)
            } else {
                let mut parts = line.split_whitespace();
                let (Some(sel), Some(dest)) = (parts.next(), parts.next()) else {
                    continue;
                };
                if !sel.contains('.') || sel.starts_with('$') {
                    continue;
                }
                Some(dest.trim_start_matches('-').to_string())
            };
            let Some(path) = target.filter(|p| p.starts_with("/var/log/")) else {
                continue;
            };
            if path.contains('%') || path.contains('$') {
                continue;
            }
            if !root.exists(&path) {
                let existed = signs_it_existed(root, &path);
                out.push(MissingLog {
                    config: conf.clone(),
                    line: i + 1,
                    path,
                    existed,
                });
            }
        }
    }
    out
}

/// journald's effective `Storage=` setting: (config file, value), if set anywhere.
fn journald_setting(root: &Root) -> Option<(String, String)> {
    let mut files = vec!["/etc/systemd/journald.conf".to_string()];
    if let Ok(entries) = root.read_dir("/etc/systemd/journald.conf.d") {
        files.extend(entries.iter().map(|e| e.path.display().to_string()));
    }
    let mut last = None;
    for f in files {
        let Ok(text) = root.read_string_lossy(&f) else {
            continue;
        };
        for line in text.lines() {
            if let Some(v) = line.trim().strip_prefix("Storage=") {
                last = Some((f.clone(), v.trim().to_string()));
            }
        }
    }
    last
}

/// journald's `Storage=` when it throws logs away (`none`, or `volatile`): (config, value).
pub fn journald_storage(root: &Root) -> Option<(String, String)> {
    journald_setting(root).filter(|(_, v)| v == "none" || v == "volatile")
}

/// `Storage=persistent` configured but `/var/log/journal` missing: the config file.
pub fn journal_dir_missing(root: &Root) -> Option<String> {
    let (conf, v) = journald_setting(root)?;
    (v == "persistent" && !root.exists("/var/log/journal")).then_some(conf)
}

/// Files whose last line is newer than their mtime by more than five minutes:
/// (file, latest line time).
pub fn mtime_before_content(data: &LogData) -> Vec<(&SourceFile, Timestamp)> {
    data.files
        .iter()
        .filter(|f| f.kind == SourceKind::Syslog)
        .filter_map(|f| {
            let latest = f.rhythm.latest?;
            let mtime = f.mtime?;
            (latest.as_second() > mtime.as_second() + 300).then_some((f, latest))
        })
        .collect()
}

/// Journal files that could not be read or whose structure is broken.
pub fn broken_journals(data: &LogData) -> Vec<&SourceFile> {
    data.files
        .iter()
        .filter(|f| f.kind == SourceKind::Journal)
        .filter(|f| f.error.is_some() || f.journal.as_ref().is_some_and(|j| !j.problems.is_empty()))
        .collect()
}
