//! One streaming pass over a syslog text (a file, a chunk of a big file, a decompressed
//! rotation): parse each line, extract auth events, tally failures, keep the rest, and measure
//! the file's rhythm (first/last time, largest gap, typical gap) for tampering checks.

use huoyan_artifacts::auth::{AuthEvent, AuthExtractor, AuthKind, AuthSink, FailureRef, LogRecord};
use huoyan_artifacts::syslog::{parse_line, LineText, TimeResolver};
use huoyan_core::{Timestamp, Window};
use serde::Serialize;

use crate::stats::FailureStats;

/// Longest line read (longer ones are cut).
pub const MAX_LINE: usize = 64 * 1024;
/// Most non-failure events kept per pass (accepted logins, sessions, su, sudo, account changes).
pub const MAX_EVENTS: usize = 40_000;

/// A silence in a log: no line between `from` and `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Silence {
    /// Last line before.
    pub from: Timestamp,
    /// First line after.
    pub to: Timestamp,
    /// Line number of the first line after.
    pub line: u64,
}

impl Silence {
    /// Length in seconds.
    pub fn secs(&self) -> i64 {
        self.to.as_second() - self.from.as_second()
    }
}

/// Rhythm of a text log.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Rhythm {
    /// Lines read.
    pub lines: u64,
    /// Lines with a time.
    pub timed_lines: u64,
    /// First time seen.
    pub first: Option<Timestamp>,
    /// Last time seen (by position: the last timed line).
    pub last: Option<Timestamp>,
    /// Latest time seen anywhere.
    pub latest: Option<Timestamp>,
    /// The longest silence.
    pub longest: Option<Silence>,
    /// Histogram of gaps between consecutive timed lines, bucket k = [2^k, 2^(k+1)) seconds
    /// (bucket 0 also holds 0 s).
    pub gap_histogram: Vec<u64>,
    /// Lines whose time is more than an hour before the previous line's (clock jumps, edits).
    pub backwards: u64,
    /// The [`ACTIVITY_BUCKET`]-long slots of time in which the file has a line (slot number
    /// since the epoch, in line order, consecutive repeats folded): whether this log was being
    /// written while another was silent.
    #[serde(skip)]
    pub active: Vec<u32>,
}

/// The histogram bucket of a gap of `gap` (≥ 0) seconds.
pub fn gap_bucket(gap: i64) -> usize {
    let bucket = (64 - (gap.max(0) as u64).leading_zeros()).saturating_sub(1) as usize;
    bucket.min(39)
}

/// Length of one activity slot (seconds).
pub const ACTIVITY_BUCKET: i64 = 600;

impl Rhythm {
    /// Slots of this file's activity strictly inside `(from, to)` (whole slots only).
    pub fn active_slots_inside(&self, from: Timestamp, to: Timestamp) -> usize {
        let lo = from.as_second().div_euclid(ACTIVITY_BUCKET) + 1;
        let hi = to.as_second().div_euclid(ACTIVITY_BUCKET) - 1;
        if hi < lo {
            return 0;
        }
        let mut slots: Vec<u32> = self
            .active
            .iter()
            .copied()
            .filter(|s| i64::from(*s) >= lo && i64::from(*s) <= hi)
            .collect();
        slots.sort_unstable();
        slots.dedup();
        slots.len()
    }

    fn observe(&mut self, t: Timestamp, line: u64) {
        if let Ok(slot) = u32::try_from(t.as_second().div_euclid(ACTIVITY_BUCKET)) {
            if self.active.last() != Some(&slot) {
                self.active.push(slot);
            }
        }
        self.timed_lines += 1;
        if self.gap_histogram.is_empty() {
            self.gap_histogram = vec![0; 40];
        }
        if let Some(prev) = self.last {
            let gap = t.as_second() - prev.as_second();
            if gap < -3600 {
                self.backwards += 1;
            }
            if gap >= 0 {
                self.gap_histogram[gap_bucket(gap)] += 1;
                if self.longest.is_none_or(|s| gap > s.secs()) {
                    self.longest = Some(Silence {
                        from: prev,
                        to: t,
                        line,
                    });
                }
            }
        } else {
            self.first = Some(t);
        }
        self.last = Some(t);
        self.latest = Some(self.latest.map_or(t, |l| l.max(t)));
    }

    /// Appends the rhythm of the text that follows this one.
    pub fn append(&mut self, next: Rhythm) {
        if let (Some(prev), Some(first)) = (self.last, next.first) {
            let gap = first.as_second() - prev.as_second();
            if gap >= 0 && !self.gap_histogram.is_empty() {
                self.gap_histogram[gap_bucket(gap)] += 1;
            }
            if gap >= 0 && self.longest.is_none_or(|s| gap > s.secs()) {
                self.longest = Some(Silence {
                    from: prev,
                    to: first,
                    line: self.lines + 1,
                });
            }
        }
        if let Some(s) = next.longest {
            if self.longest.is_none_or(|m| s.secs() > m.secs()) {
                self.longest = Some(Silence {
                    line: s.line + self.lines,
                    ..s
                });
            }
        }
        if self.gap_histogram.is_empty() {
            self.gap_histogram = next.gap_histogram;
        } else {
            for (a, b) in self.gap_histogram.iter_mut().zip(next.gap_histogram) {
                *a += b;
            }
        }
        self.lines += next.lines;
        self.timed_lines += next.timed_lines;
        self.first = self.first.or(next.first);
        self.last = next.last.or(self.last);
        self.latest = match (self.latest, next.latest) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.backwards += next.backwards;
        self.active.extend(next.active);
    }

    /// Gaps at least about `secs` long (counted by histogram bucket, so within a factor of 2).
    pub fn gaps_at_least(&self, secs: i64) -> u64 {
        self.gap_histogram.iter().skip(gap_bucket(secs)).sum()
    }

    /// The gap (seconds) that 99 % of gaps stay under (upper bound of the bucket).
    pub fn p99_gap(&self) -> Option<i64> {
        let total: u64 = self.gap_histogram.iter().sum();
        if total < 20 {
            return None;
        }
        let mut seen = 0;
        for (k, n) in self.gap_histogram.iter().enumerate() {
            seen += n;
            if seen * 100 >= total * 99 {
                return Some(1i64 << (k + 1));
            }
        }
        None
    }
}

/// Tallies a failure or keeps another event (local sessions are dropped: they are the bulk of
/// auth.log and tell nothing the analyses use).
fn keep(
    window: Window,
    failures: &mut FailureStats,
    events: &mut Vec<AuthEvent>,
    dropped: &mut u64,
    e: &AuthEvent,
) {
    if !window.contains(e.time) {
        return;
    }
    if matches!(e.kind, AuthKind::Failure | AuthKind::Probe) {
        failures.add(e);
        return;
    }
    let remote = matches!(e.service.as_ref(), "sshd" | "sshd-session" | "dropbear");
    if e.kind == AuthKind::SessionClosed || e.kind == AuthKind::SessionOpened && !remote {
    } else if events.len() < MAX_EVENTS {
        events.push(e.clone());
    } else {
        *dropped += 1;
    }
}

/// What the extractor finds goes here: failures into the tables, other events kept.
struct Keeper<'p> {
    window: Window,
    failures: &'p mut FailureStats,
    events: &'p mut Vec<AuthEvent>,
    dropped: &'p mut u64,
}

impl AuthSink for Keeper<'_> {
    fn failure(&mut self, f: &FailureRef<'_>) {
        if self.window.contains(f.time) {
            self.failures.add_ref(f);
        }
    }

    fn event(&mut self, e: &AuthEvent) {
        keep(self.window, self.failures, self.events, self.dropped, e);
    }
}

/// The state of one pass.
pub struct Pass {
    times: TimeResolver,
    extractor: AuthExtractor,
    window: Window,
    /// Failures tallied.
    pub failures: FailureStats,
    /// Other events kept.
    pub events: Vec<AuthEvent>,
    /// Events dropped beyond [`MAX_EVENTS`].
    pub events_dropped: u64,
    /// The rhythm.
    pub rhythm: Rhythm,
    /// A read error that ended the pass early.
    pub error: Option<String>,
    /// Lines longer than [`MAX_LINE`], cut there (their rest was not examined).
    pub long_lines: u64,
    lossy: String,
}

impl Pass {
    /// A pass for a file written in the zone and last modified at the anchor of `times`.
    pub fn new(times: TimeResolver, window: Window) -> Self {
        Pass {
            times,
            extractor: AuthExtractor::new(),
            window,
            failures: FailureStats::default(),
            events: Vec::new(),
            events_dropped: 0,
            rhythm: Rhythm::default(),
            error: None,
            long_lines: 0,
            lossy: String::new(),
        }
    }

    /// Appends the pass over the text that follows this one (the next chunk of the same file):
    /// line numbers continue, tables merge, kept events stay within [`MAX_EVENTS`].
    pub fn join(mut self, mut next: Pass) -> Pass {
        let offset = self.rhythm.lines;
        for e in &mut next.events {
            e.line += offset;
        }
        self.rhythm.append(next.rhythm);
        self.failures.merge(next.failures);
        let room = MAX_EVENTS.saturating_sub(self.events.len());
        self.events_dropped += next.events_dropped + next.events.len().saturating_sub(room) as u64;
        self.events.extend(next.events.into_iter().take(room));
        self.error = self.error.or(next.error);
        self.long_lines += next.long_lines;
        self
    }

    /// Feeds one line as read by [`huoyan_artifacts::syslog::for_each_text_line`] (already
    /// known to be text or not).
    pub fn text_line(&mut self, lineno: u64, line: LineText<'_>) {
        match line {
            LineText::Text(text) => {
                self.rhythm.lines = self.rhythm.lines.max(lineno);
                self.line_str(lineno, text);
            }
            LineText::Bytes(bytes) => self.line(lineno, bytes),
        }
    }

    /// Feeds one line (without newline).
    pub fn line(&mut self, lineno: u64, bytes: &[u8]) {
        self.rhythm.lines = self.rhythm.lines.max(lineno);
        let text: &str = match std::str::from_utf8(bytes) {
            Ok(s) => s,
            Err(_) => {
                self.lossy.clear();
                self.lossy.push_str(&String::from_utf8_lossy(bytes));
                // Re-borrow through a raw copy to keep `self` usable below.
                let owned = std::mem::take(&mut self.lossy);
                self.line_str(lineno, &owned);
                self.lossy = owned;
                return;
            }
        };
        self.line_str(lineno, text);
    }

    fn line_str(&mut self, lineno: u64, text: &str) {
        let Some(l) = parse_line(text, &mut self.times) else {
            return;
        };
        if let Some(t) = l.time {
            self.rhythm.observe(t, lineno);
        }
        // cron's PAM session lines are the bulk of a quiet server's auth.log and yield only
        // local session events, which `keep` drops: only their time counts (for the rhythm).
        if l.ident.eq_ignore_ascii_case("cron") {
            return;
        }
        let rec = LogRecord {
            time: l.time,
            host: l.host,
            ident: l.ident,
            pid: l.pid,
            message: l.message,
            repeat: l.repeat,
            line: lineno,
        };
        let Pass {
            extractor,
            window,
            failures,
            events,
            events_dropped,
            ..
        } = self;
        extractor.feed(
            &rec,
            &mut Keeper {
                window: *window,
                failures,
                events,
                dropped: events_dropped,
            },
        );
    }

    /// Feeds a record that is not a text line (a journal entry).
    pub fn record(&mut self, rec: &LogRecord<'_>) {
        if let Some(t) = rec.time {
            self.rhythm.observe(t, rec.line);
        }
        self.rhythm.lines += 1;
        let Pass {
            extractor,
            window,
            failures,
            events,
            events_dropped,
            ..
        } = self;
        extractor.feed(
            rec,
            &mut Keeper {
                window: *window,
                failures,
                events,
                dropped: events_dropped,
            },
        );
    }

    /// Ends the pass (flushing pending sshd state).
    pub fn finish(mut self) -> Self {
        let Pass {
            extractor,
            window,
            failures,
            events,
            events_dropped,
            ..
        } = &mut self;
        extractor.finish(&mut Keeper {
            window: *window,
            failures,
            events,
            dropped: events_dropped,
        });
        self.failures.flush();
        self
    }
}
