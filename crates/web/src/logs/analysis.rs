//! One pass over the access and error logs: every line parsed, classified and counted, with
//! the window applied; the attack samples, per-IP statistics and the requests to watched files
//! (for [`crate::correlate`]) are kept, bounded.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use huoyan_core::{Gap, Root, Timestamp, Window};
use rayon::prelude::*;
use serde::Serialize;

use super::classify::{classify, AttackClass};
use super::errorlog::{self, ErrorEvent};
use super::parse::{parse_line, AccessRecord};
use super::reader;
use super::stats::{IpTable, MAX_IPS};
use crate::estate::{LogKind, LogSource};

/// Attack samples kept per IP.
pub const SAMPLES_PER_IP: usize = 8;
/// POST requests remembered per IP (for finding the upload before a webshell's mtime).
pub const POSTS_PER_IP: usize = 256;
/// Watched-file requests kept in total.
pub const MAX_WATCHED: usize = 100_000;

/// A request that carried an attack class.
#[derive(Debug, Clone, Serialize)]
pub struct AttackSample {
    /// Time.
    pub time: Option<Timestamp>,
    /// Method.
    pub method: String,
    /// Decoded target (truncated to 300 chars).
    pub decoded: String,
    /// Status.
    pub status: Option<u16>,
    /// Classes.
    pub classes: Vec<AttackClass>,
    /// Log file.
    pub file: String,
}

/// Error-log events of one IP.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ErrorSummary {
    /// Count per event.
    pub events: BTreeMap<String, u64>,
    /// First time.
    pub first: Option<Timestamp>,
    /// Last time.
    pub last: Option<Timestamp>,
    /// A few messages.
    pub samples: Vec<String>,
}

/// The result of reading the logs.
#[derive(Debug, Default)]
pub struct LogAnalysis {
    /// Per-IP statistics.
    pub ips: IpTable,
    /// Attack samples per IP.
    pub samples: HashMap<String, Vec<AttackSample>>,
    /// Error-log events per IP.
    pub errors: HashMap<String, ErrorSummary>,
    /// Requests whose path ends with a watched file name.
    pub watched: Vec<(AccessRecord, String)>,
    /// POST requests per IP (first [`POSTS_PER_IP`]): time, method, decoded path.
    pub posts: HashMap<String, Vec<(Timestamp, String, String)>>,
    /// Lines read.
    pub lines: u64,
    /// Lines parsed as access records.
    pub access_records: u64,
    /// Lines parsed as error records.
    pub error_records: u64,
    /// Files read.
    pub files: Vec<String>,
    /// Attack samples as they came, before [`LogAnalysis::finish`] picks the kept ones: per IP,
    /// the first [`SAMPLES_PER_IP`] samples and the first [`SAMPLES_PER_IP`] exploit samples
    /// (nothing else can be kept), so consecutive chunks of one file can be joined and give
    /// the same samples as one pass.
    sample_log: HashMap<String, SampleLog>,
}

/// See [`LogAnalysis::sample_log`].
#[derive(Debug, Default)]
struct SampleLog {
    seen: usize,
    exploits_seen: usize,
    answered_seen: usize,
    samples: Vec<AttackSample>,
}

fn is_exploit(s: &AttackSample) -> bool {
    s.classes.iter().any(|c| c.is_exploit())
}

/// An exploit sample the server answered 2xx: the evidence a responder needs to see first.
fn is_answered_exploit(s: &AttackSample) -> bool {
    is_exploit(s) && s.status.is_some_and(|c| (200..300).contains(&c))
}

/// How much a sample is worth keeping: answered exploit, exploit, reconnaissance.
fn sample_rank(s: &AttackSample) -> u8 {
    if is_answered_exploit(s) {
        2
    } else {
        u8::from(is_exploit(s))
    }
}

/// Keeps `s` in `kept` by the sampling rule: the first [`SAMPLES_PER_IP`], then a sample
/// replaces the oldest one of a lower rank (reconnaissance, then unanswered exploits), so an
/// attacker's successful request is kept however long the scan before it.
fn keep_sample(kept: &mut Vec<AttackSample>, s: AttackSample) {
    if kept.len() < SAMPLES_PER_IP {
        kept.push(s);
        return;
    }
    let rank = sample_rank(&s);
    for lower in 0..rank {
        if let Some(i) = kept.iter().position(|k| sample_rank(k) == lower) {
            kept.remove(i);
            kept.push(s);
            return;
        }
    }
}

impl LogAnalysis {
    /// Appends the analysis of the next chunk of the same file.
    fn append_chunk(&mut self, mut o: LogAnalysis) {
        let logs = std::mem::take(&mut o.sample_log);
        self.merge(o);
        for (ip, log) in logs {
            // Details are kept only for the addresses the (bounded) table tracks.
            if self.ips.by_ip.contains_key(&ip) {
                let e = self.sample_log.entry(ip).or_default();
                e.samples.extend(log.samples);
            }
        }
    }

    /// Applies the sampling rule to the logged samples (after the last chunk of a file).
    fn finish(&mut self) {
        for (ip, log) in self.sample_log.drain() {
            let kept = self.samples.entry(ip).or_default();
            for s in log.samples {
                keep_sample(kept, s);
            }
        }
    }

    fn merge(&mut self, o: LogAnalysis) {
        self.ips.merge(o.ips);
        for (ip, v) in o.samples {
            if !self.ips.by_ip.contains_key(&ip) {
                continue;
            }
            let e = self.samples.entry(ip).or_default();
            for s in v {
                if e.len() < SAMPLES_PER_IP {
                    e.push(s);
                }
            }
        }
        for (ip, v) in o.errors {
            if self.errors.len() >= MAX_IPS && !self.errors.contains_key(&ip) {
                continue;
            }
            let e = self.errors.entry(ip).or_default();
            for (k, n) in v.events {
                *e.events.entry(k).or_default() += n;
            }
            e.first = match (e.first, v.first) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            e.last = match (e.last, v.last) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            for s in v.samples {
                if e.samples.len() < 3 {
                    e.samples.push(s);
                }
            }
        }
        for w in o.watched {
            if self.watched.len() < MAX_WATCHED {
                self.watched.push(w);
            }
        }
        for (ip, v) in o.posts {
            if !self.ips.by_ip.contains_key(&ip) {
                continue;
            }
            let e = self.posts.entry(ip).or_default();
            for p in v {
                if e.len() < POSTS_PER_IP {
                    e.push(p);
                }
            }
        }
        self.lines += o.lines;
        self.access_records += o.access_records;
        self.error_records += o.error_records;
        self.files.extend(o.files);
    }

    /// Feeds one access-log line.
    pub fn feed_access(
        &mut self,
        line: &str,
        file: &str,
        window: &Window,
        watched: &HashSet<String>,
    ) {
        self.lines += 1;
        let Some(rec) = parse_line(line) else { return };
        if !window.is_unbounded() && !window.contains(rec.time) {
            return;
        }
        self.access_records += 1;
        let c = classify(&rec);
        self.ips.add(&rec, &c.classes);
        // Samples and POSTs only for addresses the (bounded) table tracks.
        let tracked =
            (!c.classes.is_empty() || rec.method == "POST") && self.ips.by_ip.contains_key(&rec.ip);
        if !c.classes.is_empty() && tracked {
            let log = self.sample_log.entry(rec.ip.clone()).or_default();
            let exploit = c.classes.iter().any(|c| c.is_exploit());
            let answered = exploit && rec.status.is_some_and(|s| (200..300).contains(&s));
            log.seen += 1;
            log.exploits_seen += usize::from(exploit);
            log.answered_seen += usize::from(answered);
            // Keep exploit samples preferentially, answered ones first (see `keep_sample`):
            // only the first few of each kind can end up kept.
            if log.seen <= SAMPLES_PER_IP
                || (exploit && log.exploits_seen <= SAMPLES_PER_IP)
                || (answered && log.answered_seen <= SAMPLES_PER_IP)
            {
                log.samples.push(AttackSample {
                    time: rec.time,
                    method: rec.method.clone(),
                    decoded: c.decoded.chars().take(300).collect(),
                    status: rec.status,
                    classes: c.classes.clone(),
                    file: file.to_string(),
                });
            }
        }
        if rec.method == "POST" && tracked {
            if let Some(t) = rec.time {
                let v = self.posts.entry(rec.ip.clone()).or_default();
                if v.len() < POSTS_PER_IP {
                    let (path, _) = super::urldecode::decode_all(rec.path());
                    v.push((t, rec.method.clone(), path));
                }
            }
        }
        if !watched.is_empty() && self.watched.len() < MAX_WATCHED {
            let (path, _) = super::urldecode::decode_all(rec.path());
            let base = path.rsplit('/').next().unwrap_or("").to_ascii_lowercase();
            if watched.contains(&base) {
                self.watched.push((rec, path));
            }
        }
    }

    /// Feeds one line of a log of `kind`. A file named access.log may still hold error lines
    /// and vice versa.
    fn feed_line(
        &mut self,
        line: &str,
        kind: LogKind,
        file: &str,
        window: &Window,
        watched: &HashSet<String>,
    ) {
        match kind {
            LogKind::Access => {
                if line.starts_with('[') || line.as_bytes().get(4) == Some(&b'/') {
                    self.feed_error(line, window)
                } else {
                    self.feed_access(line, file, window, watched)
                }
            }
            LogKind::Error => self.feed_error(line, window),
        }
    }

    /// Feeds one error-log line.
    pub fn feed_error(&mut self, line: &str, window: &Window) {
        self.lines += 1;
        let Some(rec) = errorlog::parse_line(line) else {
            return;
        };
        if !window.is_unbounded() && !window.contains(rec.time) {
            return;
        }
        self.error_records += 1;
        if rec.event == ErrorEvent::Other {
            return;
        }
        let Some(ip) = rec.ip.clone() else { return };
        if self.errors.len() >= MAX_IPS && !self.errors.contains_key(&ip) {
            return;
        }
        let e = self.errors.entry(ip).or_default();
        let key = serde_json::to_value(rec.event)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        *e.events.entry(key).or_default() += 1;
        if let Some(t) = rec.time {
            e.first = Some(e.first.map_or(t, |f| f.min(t)));
            e.last = Some(e.last.map_or(t, |l| l.max(t)));
        }
        if e.samples.len() < 3 {
            e.samples.push(rec.message.chars().take(200).collect());
        }
    }
}

/// Reads every log of the estate (rotations included), in parallel over files.
pub fn analyse_logs(
    root: &Root,
    sources: &[LogSource],
    window: &Window,
    watched: &HashSet<String>,
) -> (LogAnalysis, Vec<Gap>) {
    let mut gaps = Vec::new();
    let mut jobs: Vec<(PathBuf, LogKind)> = Vec::new();
    for s in sources {
        let (files, errs) = reader::rotated_files(root, &s.path);
        for e in errs {
            gaps.push(Gap::from_error("web.access_log", &e));
        }
        for f in files {
            if !jobs.iter().any(|(p, _)| *p == f) {
                jobs.push((f, s.kind));
            }
        }
    }
    let results: Vec<(LogAnalysis, Option<Gap>)> = jobs
        .par_iter()
        .map(|(path, kind)| {
            let shown = path.display().to_string();
            let (mut a, res) = match reader::open_plain(root, path) {
                Ok(Some(blocks)) => read_in_blocks(blocks, *kind, &shown, window, watched),
                // gzip: one stream.
                Ok(None) => {
                    let mut a = LogAnalysis::default();
                    let res = reader::for_each_line(root, path, &mut |line| {
                        a.feed_line(line, *kind, &shown, window, watched)
                    });
                    (a, res.map(|_| ()))
                }
                Err(e) => (LogAnalysis::default(), Err(e)),
            };
            a.finish();
            a.files.push(shown);
            (a, res.err().map(|e| Gap::from_error("web.access_log", &e)))
        })
        .collect();
    let mut total = LogAnalysis::default();
    for (a, g) in results {
        if total.files.is_empty() {
            // The first file's analysis is the total so far: no copy.
            total = a;
        } else {
            total.merge(a);
        }
        gaps.extend(g);
    }
    (total, gaps)
}

/// Parses one plain-text log block by block, [`reader::BLOCK`] bytes each, a batch of blocks
/// at a time in parallel (memory: two blocks per thread), and joins the per-block analyses in
/// file order, which gives the same result as one sequential pass.
fn read_in_blocks<R: std::io::Read>(
    mut blocks: reader::BlockReader<R>,
    kind: LogKind,
    shown: &str,
    window: &Window,
    watched: &HashSet<String>,
) -> (LogAnalysis, Result<(), huoyan_core::RootError>) {
    let batch_len = 2 * rayon::current_num_threads().max(1);
    let mut total = LogAnalysis::default();
    loop {
        let mut batch = Vec::with_capacity(batch_len);
        let mut failure = None;
        while batch.len() < batch_len {
            match blocks.next_block() {
                Ok(Some(b)) => batch.push(b),
                Ok(None) => break,
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        let last = batch.len() < batch_len || failure.is_some();
        let parts: Vec<LogAnalysis> = batch
            .par_iter()
            .map(|block| {
                let mut a = LogAnalysis::default();
                let lines = std::io::BufReader::new(block.as_slice());
                // Reading from memory cannot fail.
                let _ = reader::stream_lines(
                    lines,
                    &mut |line| a.feed_line(line, kind, shown, window, watched),
                    shown,
                );
                a
            })
            .collect();
        for p in parts {
            total.append_chunk(p);
        }
        if let Some(e) = failure {
            return (total, Err(e));
        }
        if last {
            return (total, Ok(()));
        }
    }
}
