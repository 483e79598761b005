//! One pass over every authentication source of a root, in parallel: the syslog families and
//! their rotations (big files split into chunks, `.gz` rotations decompressed side by side), the
//! systemd journal, the audit log, and the binary login records.
//!
//! Sources overlap on real systems (rsyslog copies the journal into auth.log; auditd repeats
//! sshd's failures; btmp repeats them again), so the journal only contributes events outside the
//! time span the text logs cover, and the audit log and btmp only count failures when neither
//! text logs nor journal had any.

use std::io::{Read, Seek, SeekFrom};

use huoyan_artifacts::auth::{AuthEvent, LogRecord};
use huoyan_artifacts::logfamily::{self, LogFile};
use huoyan_artifacts::syslog::{for_each_line, for_each_text_line, TimeResolver};
use huoyan_artifacts::{journal, lastlog, utmp, wtmpdb};
use huoyan_core::{Gap, GapReason, Root, RootError, Timestamp, Window};
use jiff::tz::TimeZone;
use rayon::prelude::*;
use serde::Serialize;

use crate::pass::{Pass, Rhythm, MAX_LINE};
use crate::stats::FailureStats;

/// Files bigger than this are read in parallel chunks.
pub const CHUNK: u64 = 32 * 1024 * 1024;
/// Largest binary login file read (wtmp of a busy host stays far below).
pub const MAX_BINARY: u64 = 512 * 1024 * 1024;

/// What kind of source a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Syslog text.
    Syslog,
    /// systemd journal file.
    Journal,
    /// Linux audit log.
    Audit,
}

/// One source file and what reading it showed.
#[derive(Debug, Clone, Serialize)]
pub struct SourceFile {
    /// Logical path.
    pub path: String,
    /// Family base name (`auth.log`, `journal`).
    pub family: String,
    /// Kind.
    pub kind: SourceKind,
    /// Rotation rank (0 = live file).
    pub rank: u32,
    /// Compressed rotation.
    pub compressed: bool,
    /// Size on disk.
    pub size: u64,
    /// Modification time.
    pub mtime: Option<Timestamp>,
    /// Timing of its lines.
    pub rhythm: Rhythm,
    /// Auth events found in it (failures and others).
    pub auth_events: u64,
    /// Journal header and problems (journal files only).
    pub journal: Option<journal::JournalSummary>,
    /// Read error, if it could not be read fully.
    pub error: Option<String>,
    /// Lines cut at the line-length cap (their rest was not examined).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub long_lines: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// An event with the index of the file it came from.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// The event.
    #[serde(flatten)]
    pub event: AuthEvent,
    /// Index into [`LogData::files`].
    pub file: usize,
}

/// A binary login-record file.
#[derive(Debug, Clone, Serialize)]
pub struct RecordFile {
    /// Logical path.
    pub path: String,
    /// Layout detected.
    pub layout: utmp::Layout,
    /// Records.
    pub records: Vec<utmp::UtmpRecord>,
    /// Trailing partial record (offset, length).
    pub partial: Option<(u64, usize)>,
    /// Size on disk.
    pub size: u64,
}

/// Everything the log analyses need, read once per root and window.
#[derive(Debug, Default, Serialize)]
pub struct LogData {
    /// Every source file examined.
    pub files: Vec<SourceFile>,
    /// Non-failure events (accepted, sessions, su, sudo, accounts, sshd) in time order.
    pub events: Vec<Event>,
    /// Failure tables.
    pub failures: FailureStats,
    /// Events dropped beyond the caps.
    pub events_dropped: u64,
    /// wtmp family (`/var/log/wtmp`, rotations).
    pub wtmp: Vec<RecordFile>,
    /// btmp family.
    pub btmp: Vec<RecordFile>,
    /// `/run/utmp` (or `/var/run/utmp`).
    pub utmp: Option<RecordFile>,
    /// lastlog entries of the accounts in /etc/passwd (accounts that never logged in, or whose
    /// record is zero, have none).
    pub lastlog: Vec<lastlog::LastlogEntry>,
    /// `/var/log/lastlog` exists and was read (an account without an entry then has a zero
    /// record, or none at all).
    pub lastlog_read: bool,
    /// wtmpdb rows.
    pub wtmpdb: Option<Vec<wtmpdb::WtmpdbRecord>>,
    /// What could not be read.
    #[serde(skip)]
    pub gaps: Vec<Gap>,
    /// The zone used for lines without one.
    pub zone: String,
}

/// The zone of the examined system (`/etc/localtime` of the root), UTC when unknown.
pub fn root_zone(root: &Root) -> TimeZone {
    // The zone's name, when /etc/localtime links into a zoneinfo tree (Debian, RHEL).
    let name = root
        .read_link("/etc/localtime")
        .ok()
        .and_then(|t| {
            let t = t.to_string_lossy().into_owned();
            t.split_once("zoneinfo/").map(|(_, n)| n.to_string())
        })
        .unwrap_or_else(|| "localtime".into());
    match root.read_capped("/etc/localtime", 1 << 20) {
        Ok(c) => TimeZone::tzif(&name, &c.data).unwrap_or(TimeZone::UTC),
        Err(_) => TimeZone::UTC,
    }
}

struct FileOutcome {
    file: SourceFile,
    pass: Option<Pass>,
}

fn resolver(tz: &TimeZone, lf: &LogFile) -> TimeResolver {
    TimeResolver::new(
        tz.clone(),
        lf.meta.mtime.unwrap_or_else(huoyan_core::time::now),
    )
}

fn syslog_file(
    root: &Root,
    tz: &TimeZone,
    window: Window,
    family: &str,
    lf: &LogFile,
) -> FileOutcome {
    let mut file = SourceFile {
        path: lf.path.clone(),
        family: family.to_string(),
        kind: SourceKind::Syslog,
        rank: lf.rank,
        compressed: lf.compressed,
        size: lf.meta.size,
        mtime: lf.meta.mtime,
        rhythm: Rhythm::default(),
        auth_events: 0,
        journal: None,
        error: None,
        long_lines: 0,
    };
    let pass = if !lf.compressed && lf.meta.size > CHUNK {
        chunked(root, tz, window, lf, &mut file, CHUNK)
    } else {
        let mut pass = Pass::new(resolver(tz, lf), window);
        match logfamily::open_text(root, lf) {
            Ok(r) => match for_each_text_line(r, MAX_LINE, &mut |n, l| pass.text_line(n, l)) {
                Ok(cut) => pass.long_lines += cut,
                Err(e) => file.error = Some(e.to_string()),
            },
            Err(e) => file.error = Some(e.to_string()),
        }
        pass.finish()
    };
    file.rhythm = pass.rhythm.clone();
    file.long_lines = pass.long_lines;
    file.auth_events =
        pass.failures.total_failures + pass.failures.total_probes + pass.events.len() as u64;
    FileOutcome {
        file,
        pass: Some(pass),
    }
}

/// Splits a big plain file at line boundaries and runs one pass per chunk in parallel; line
/// numbers are made file-relative again when the chunks are joined.
fn chunked(
    root: &Root,
    tz: &TimeZone,
    window: Window,
    lf: &LogFile,
    file: &mut SourceFile,
    chunk: u64,
) -> Pass {
    // Chunk boundaries: the byte after the first newline at or after each multiple of CHUNK.
    let mut bounds = vec![0u64];
    if let Ok(mut f) = root.open(&lf.path) {
        let mut at = chunk;
        let mut buf = vec![0u8; MAX_LINE];
        while at < lf.meta.size {
            if f.seek(SeekFrom::Start(at)).is_err() {
                break;
            }
            let n = f.read(&mut buf).unwrap_or(0);
            match memchr::memchr(b'\n', &buf[..n]) {
                Some(i) => bounds.push(at + i as u64 + 1),
                None => break,
            }
            at += chunk;
        }
    }
    bounds.push(lf.meta.size);
    bounds.dedup();
    let joined = bounds
        .par_windows(2)
        .map(|w| {
            let mut pass = Pass::new(resolver(tz, lf), window);
            // Chunks start right after a newline: no skipping needed.
            let res = read_exact_range(root, lf, w[0], w[1], &mut pass);
            let mut pass = pass.finish();
            match res {
                Ok(lines) => pass.rhythm.lines = lines,
                Err(e) => pass.error = Some(e),
            }
            pass
        })
        .reduce_with(Pass::join);
    let total = joined.unwrap_or_else(|| Pass::new(resolver(tz, lf), window));
    if let Some(e) = &total.error {
        file.error = Some(e.clone());
    }
    total
}

fn read_exact_range(
    root: &Root,
    lf: &LogFile,
    start: u64,
    end: u64,
    pass: &mut Pass,
) -> Result<u64, String> {
    let mut f = root.open(&lf.path).map_err(|e| e.to_string())?;
    f.seek(SeekFrom::Start(start)).map_err(|e| e.to_string())?;
    let mut lines = 0u64;
    let mut cut = 0u64;
    let res = for_each_text_line(f.take(end - start), MAX_LINE, &mut |n, l| {
        lines = n;
        pass.text_line(n, l);
    });
    match res {
        Ok(c) => cut = c,
        Err(e) => pass.error = Some(e.to_string()),
    }
    pass.long_lines += cut;
    match pass.error.take() {
        Some(e) => Err(e),
        None => Ok(lines),
    }
}

fn journal_files(root: &Root, gaps: &mut Vec<Gap>) -> Vec<(String, huoyan_core::Meta)> {
    let mut out = Vec::new();
    for top in ["/var/log/journal", "/run/log/journal"] {
        let dirs = match root.read_dir(top) {
            Ok(d) => d,
            Err(e) => {
                if !e.is_not_found() {
                    gaps.push(Gap::from_error("logs.journal", &e));
                }
                continue;
            }
        };
        for d in dirs.iter().filter(|d| d.kind == huoyan_core::FileKind::Dir) {
            let Ok(files) = root.read_dir(&d.path) else {
                continue;
            };
            for f in files {
                let name = f.name.to_string_lossy();
                if f.kind == huoyan_core::FileKind::File
                    && (name.ends_with(".journal") || name.ends_with(".journal~"))
                {
                    let path = f.path.display().to_string();
                    if let Ok(meta) = root.stat(&path) {
                        out.push((path, meta));
                    }
                }
            }
        }
    }
    out
}

fn journal_file(root: &Root, window: Window, path: &str, meta: &huoyan_core::Meta) -> FileOutcome {
    let mut file = SourceFile {
        path: path.to_string(),
        family: "journal".into(),
        kind: SourceKind::Journal,
        rank: 0,
        compressed: false,
        size: meta.size,
        mtime: meta.mtime,
        rhythm: Rhythm::default(),
        auth_events: 0,
        journal: None,
        error: None,
        long_lines: 0,
    };
    let mut pass = Pass::new(TimeResolver::utc_now(), window);
    match root.open(path) {
        Ok(f) => {
            let res = journal::read_entries(&f, &mut |e| {
                let ident = e.field("SYSLOG_IDENTIFIER").or_else(|| e.field("_COMM"));
                let Some(ident) = ident else { return };
                let message = e.field("MESSAGE").unwrap_or_default();
                let host = e.field("_HOSTNAME");
                let pid = e
                    .field("_PID")
                    .or_else(|| e.field("SYSLOG_PID"))
                    .and_then(|p| p.parse().ok());
                pass.record(&LogRecord {
                    time: e.realtime,
                    host: host.as_deref(),
                    ident: &ident,
                    pid,
                    message: &message,
                    repeat: 1,
                    line: e.seqnum,
                });
            });
            match res {
                Ok(summary) => file.journal = Some(summary),
                Err(e) => file.error = Some(e.to_string()),
            }
        }
        Err(e) => file.error = Some(e.to_string()),
    }
    let pass = pass.finish();
    file.rhythm = pass.rhythm.clone();
    file.auth_events =
        pass.failures.total_failures + pass.failures.total_probes + pass.events.len() as u64;
    FileOutcome {
        file,
        pass: Some(pass),
    }
}

fn audit_file(root: &Root, window: Window, lf: &LogFile) -> (SourceFile, FailureStats) {
    let mut stats = FailureStats::default();
    let mut file = SourceFile {
        path: lf.path.clone(),
        family: "audit.log".into(),
        kind: SourceKind::Audit,
        rank: lf.rank,
        compressed: lf.compressed,
        size: lf.meta.size,
        mtime: lf.meta.mtime,
        rhythm: Rhythm::default(),
        auth_events: 0,
        journal: None,
        error: None,
        long_lines: 0,
    };
    match logfamily::open_text(root, lf) {
        Ok(r) => {
            let res = for_each_line(r, MAX_LINE, &mut |n, l| {
                file.rhythm.lines = n;
                let Ok(s) = std::str::from_utf8(l) else {
                    return;
                };
                if let Some(e) = huoyan_artifacts::auth::from_audit_line(s, n) {
                    if window.contains(e.time) {
                        stats.add(&e);
                    }
                }
            });
            if let Err(e) = res {
                file.error = Some(e.to_string());
            }
        }
        Err(e) => file.error = Some(e.to_string()),
    }
    file.auth_events = stats.total_failures;
    (file, stats)
}

fn record_family(root: &Root, base: &str, gaps: &mut Vec<Gap>) -> Vec<RecordFile> {
    let fam = match logfamily::family(root, "/var/log", base) {
        Ok(f) => f,
        Err(e) => {
            push_gap(gaps, "logs.records", &e);
            return Vec::new();
        }
    };
    fam.iter()
        .filter(|lf| !lf.compressed)
        .filter_map(|lf| record_file(root, &lf.path, gaps))
        .collect()
}

fn record_file(root: &Root, path: &str, gaps: &mut Vec<Gap>) -> Option<RecordFile> {
    match root.read_capped(path, MAX_BINARY) {
        Ok(c) => {
            if c.truncated {
                gaps.push(Gap {
                    area: "logs.records".into(),
                    path: Some(path.to_string()),
                    reason: GapReason::Truncated,
                    detail: format!("only the first {MAX_BINARY} bytes were read"),
                });
            }
            let layout = utmp::detect_layout(&c.data);
            let (records, partial) = utmp::parse_as(&c.data, layout);
            Some(RecordFile {
                path: path.to_string(),
                layout,
                records,
                partial,
                size: c.data.len() as u64,
            })
        }
        Err(e) => {
            if !e.is_not_found() {
                gaps.push(Gap::from_error("logs.records", &e));
            }
            None
        }
    }
}

fn push_gap(gaps: &mut Vec<Gap>, area: &str, err: &RootError) {
    if !err.is_not_found() {
        gaps.push(Gap::from_error(area, err));
    }
}

/// Most events kept in all (each pass also has its own cap).
pub const MAX_EVENTS_TOTAL: usize = 100_000;

/// Reads every source of `root` inside `window`, on a thread pool of its own (so that checks
/// waiting for the shared result on the global pool cannot starve it).
pub fn collect(root: &Root, window: Window) -> LogData {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    match rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("huoyan-logs-{i}"))
        .build()
    {
        Ok(pool) => pool.install(|| collect_inner(root, window)),
        Err(_) => collect_inner(root, window),
    }
}

fn collect_inner(root: &Root, window: Window) -> LogData {
    let tz = root_zone(root);
    let mut data = LogData {
        zone: tz.iana_name().unwrap_or("localtime").to_string(),
        ..LogData::default()
    };
    // 1. Syslog text families, every file in parallel.
    let mut text_files: Vec<(String, LogFile)> = Vec::new();
    for (dir, base) in logfamily::AUTH_LOGS {
        match logfamily::family_with_skipped(root, dir, base) {
            Ok((fam, skipped)) => {
                text_files.extend(fam.into_iter().map(|f| (base.to_string(), f)));
                for (path, kind) in skipped {
                    data.gaps.push(Gap {
                        area: "logs.syslog".into(),
                        path: Some(path),
                        reason: GapReason::SpecialFile,
                        detail: format!("not a regular file ({kind}): not read"),
                    });
                }
            }
            Err(e) => push_gap(&mut data.gaps, "logs.syslog", &e),
        }
    }
    let outcomes: Vec<FileOutcome> = text_files
        .par_iter()
        .map(|(fam, lf)| syslog_file(root, &tz, window, fam, lf))
        .collect();
    let mut covered: Option<(Timestamp, Timestamp)> = None;
    absorb(&mut data, outcomes, None, &mut covered);
    // 2. Journal, outside the span the text logs cover.
    let jfiles = journal_files(root, &mut data.gaps);
    let outcomes: Vec<FileOutcome> = jfiles
        .par_iter()
        .map(|(p, m)| journal_file(root, window, p, m))
        .collect();
    let text_span = covered;
    absorb(&mut data, outcomes, text_span, &mut covered);
    // 3. Audit log: failures only when nothing else had any.
    match logfamily::family(root, "/var/log/audit", "audit.log") {
        Ok(fam) => {
            let had = data.failures.total_failures > 0;
            for lf in &fam {
                let (file, stats) = audit_file(root, window, lf);
                if !had {
                    data.failures.merge(stats);
                }
                data.files.push(file);
            }
        }
        Err(e) => push_gap(&mut data.gaps, "logs.audit", &e),
    }
    // 4. Binary login records.
    data.wtmp = record_family(root, "wtmp", &mut data.gaps);
    data.btmp = record_family(root, "btmp", &mut data.gaps);
    data.utmp = ["/run/utmp", "/var/run/utmp"]
        .iter()
        .find_map(|p| record_file(root, p, &mut Vec::new()));
    let (users, _) = huoyan_artifacts::users::UserDb::read(root);
    let uids: Vec<u32> = users.passwd.iter().filter_map(|p| p.uid).collect();
    match lastlog::read_uids(root, &uids) {
        Ok(l) => {
            data.lastlog = l;
            data.lastlog_read = true;
        }
        Err(e) => push_gap(&mut data.gaps, "logs.lastlog", &e),
    }
    match root.read_capped(wtmpdb::PATH, MAX_BINARY) {
        Ok(c) => match wtmpdb::parse(&c.data) {
            Ok(rows) => data.wtmpdb = Some(rows),
            Err(e) => data.gaps.push(Gap {
                area: "logs.wtmpdb".into(),
                path: Some(wtmpdb::PATH.into()),
                reason: GapReason::Malformed,
                detail: e.to_string(),
            }),
        },
        Err(e) => push_gap(&mut data.gaps, "logs.wtmpdb", &e),
    }
    if data.failures.total_failures == 0 {
        for f in &data.btmp {
            for r in &f.records {
                let e = btmp_event(r);
                if window.contains(e.time) {
                    data.failures.add(&e);
                }
            }
        }
    }
    // A text log that could not be read to its end (unreadable, over a cap, a bad .gz) is a gap:
    // what it held after that point was not examined. Broken journals are findings already.
    for f in &data.files {
        if f.long_lines > 0 {
            data.gaps.push(Gap {
                area: "logs.syslog".into(),
                path: Some(f.path.clone()),
                reason: GapReason::Truncated,
                detail: format!(
                    "{} line(s) longer than {MAX_LINE} bytes: cut at the cap, the rest of each \
                     not examined",
                    f.long_lines
                ),
            });
        }
        if let (Some(e), false) = (&f.error, f.kind == SourceKind::Journal) {
            data.gaps.push(Gap {
                area: "logs.syslog".into(),
                path: Some(f.path.clone()),
                reason: GapReason::Error,
                detail: e.clone(),
            });
        }
    }
    data.failures.derive_networks();
    data.events.sort_by_key(|a| a.event.time);
    if data.events_dropped > 0 {
        data.gaps.push(Gap::new(
            "logs.events",
            GapReason::Truncated,
            format!(
                "{} login, su/sudo and account events beyond the cap of {MAX_EVENTS_TOTAL} were \
                 not kept (failures are all counted); login analyses may be incomplete",
                data.events_dropped
            ),
        ));
    }
    data
}

/// A btmp record as a failure event.
pub fn btmp_event(r: &utmp::UtmpRecord) -> AuthEvent {
    AuthEvent {
        time: r.time,
        kind: huoyan_artifacts::auth::AuthKind::Failure,
        service: "btmp".into(),
        method: Some("password".into()),
        user: (!r.user.is_empty()).then(|| r.user.as_str().into()),
        actor: None,
        source: r
            .addr
            .map(|a| a.to_string().into())
            .or_else(|| (!r.host.is_empty()).then(|| r.host.as_str().into())),
        invalid_user: false,
        pid: u32::try_from(r.pid).ok(),
        count: 1,
        line: r.offset,
        account: None,
        detail: None,
    }
}

fn absorb(
    data: &mut LogData,
    outcomes: Vec<FileOutcome>,
    skip_span: Option<(Timestamp, Timestamp)>,
    covered: &mut Option<(Timestamp, Timestamp)>,
) {
    let inside = |t: Option<Timestamp>| match (skip_span, t) {
        (Some((a, b)), Some(t)) => t >= a && t <= b,
        _ => false,
    };
    for o in outcomes {
        let idx = data.files.len();
        if let Some(mut pass) = o.pass {
            // A journal file wholly inside the text logs' span is a copy of them.
            let all_inside =
                skip_span.is_some() && inside(pass.rhythm.first) && inside(pass.rhythm.latest);
            if !all_inside {
                data.failures.merge(std::mem::take(&mut pass.failures));
            }
            for e in pass.events {
                if inside(e.time) {
                    continue;
                }
                if let Some(t) = e.time {
                    *covered = Some(match *covered {
                        Some((a, b)) => (a.min(t), b.max(t)),
                        None => (t, t),
                    });
                }
                data.events.push(Event {
                    event: e,
                    file: idx,
                });
            }
            if let (Some(f), Some(l)) = (pass.rhythm.first, pass.rhythm.latest) {
                if o.file.kind == SourceKind::Syslog && o.file.auth_events > 0 {
                    *covered = Some(match *covered {
                        Some((a, b)) => (a.min(f), b.max(l)),
                        None => (f, l),
                    });
                }
            }
            data.events_dropped += pass.events_dropped;
        }
        if let Some(cut) = o.file.journal.as_ref().and_then(|j| j.cut.as_ref()) {
            data.gaps.push(Gap {
                area: "logs.journal".into(),
                path: Some(o.file.path.clone()),
                reason: GapReason::Truncated,
                detail: cut.clone(),
            });
        }
        data.files.push(o.file);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_give_the_same_result_as_one_pass() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(dir.path().join("var/log")).expect("mkdir");
        let mut text = String::new();
        for i in 0..3000u32 {
            text.push_str(&format!(
                "Nov 27 0{}:{:02}:{:02} web1 sshd[{}]: Failed password for root from 203.0.113.{} port {} ssh2\n",
                i / 3600 % 10,
                i / 60 % 60,
                i % 60,
                5000 + i,
                i % 7,
                40000 + i
            ));
            if i % 100 == 0 {
                text.push_str(&format!(
                    "Nov 27 0{}:{:02}:{:02} web1 sshd[{}]: Accepted publickey for bob from 198.51.100.4 port 1 ssh2\n",
                    i / 3600 % 10,
                    i / 60 % 60,
                    i % 60,
                    9000 + i
                ));
            }
        }
        std::fs::write(dir.path().join("var/log/auth.log"), &text).expect("write");
        let root = Root::new(dir.path()).expect("root");
        let lf = logfamily::family(&root, "/var/log", "auth.log")
            .expect("family")
            .remove(0);
        let tz = TimeZone::UTC;
        let mut f1 = syslog_file(&root, &tz, Window::default(), "auth.log", &lf).file;
        let mut whole = Pass::new(resolver(&tz, &lf), Window::default());
        for_each_line(text.as_bytes(), MAX_LINE, &mut |n, l| whole.line(n, l)).expect("read");
        let whole = whole.finish();
        let parts = chunked(&root, &tz, Window::default(), &lf, &mut f1, 4096);
        assert_eq!(parts.rhythm.lines, whole.rhythm.lines);
        assert_eq!(parts.failures.total_failures, 3000);
        assert_eq!(parts.failures.total_failures, whole.failures.total_failures);
        let lines = |p: &Pass| p.events.iter().map(|e| e.line).collect::<Vec<_>>();
        assert_eq!(lines(&parts), lines(&whole));
        assert_eq!(
            parts.rhythm.longest.map(|s| s.line),
            whole.rhythm.longest.map(|s| s.line)
        );
    }
}
