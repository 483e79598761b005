//! Developer tool: times the stages of one single-threaded pass over a syslog file (line split,
//! header parse, full pass) so per-line costs can be compared between changes.
//!
//!     cargo run --release -p huoyan-logs --example pass_stages -- FILE [split|header|full]
//!
//! With a stage name only that stage runs, for `perf stat -e instructions:u`, whose counts do not
//! depend on what else the machine is doing.

#![allow(clippy::disallowed_methods)] // a benchmark example reading a file named on its command line

use std::time::Instant;

use huoyan_artifacts::syslog::{for_each_line, for_each_text_line, parse_line, TimeResolver};
use huoyan_core::Window;
use huoyan_logs::pass::{Pass, MAX_LINE};

fn report(stage: &str, t: Instant, lines: u64, what: String) {
    let d = t.elapsed();
    println!(
        "{stage:7} {:6.3} s  {:5.1} ns/line  ({lines} lines; {what})",
        d.as_secs_f64(),
        d.as_nanos() as f64 / lines.max(1) as f64
    );
}

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: pass_stages FILE [split|header|full]");
        return;
    };
    let only = std::env::args().nth(2).unwrap_or_default();
    let want = |stage: &str| only.is_empty() || only == stage;
    let open = || std::fs::File::open(&path).expect("open");
    let tz = jiff::tz::TimeZone::UTC;
    let anchor = jiff::Timestamp::now();

    if want("split") {
        let t = Instant::now();
        let mut n = 0u64;
        for_each_line(open(), MAX_LINE, &mut |_, _| n += 1).expect("read");
        report("split", t, n, String::new());
    }
    if want("header") {
        let t = Instant::now();
        let mut times = TimeResolver::new(tz.clone(), anchor);
        let (mut n, mut parsed) = (0u64, 0u64);
        for_each_line(open(), MAX_LINE, &mut |i, l| {
            n = i;
            if let Ok(s) = std::str::from_utf8(l) {
                if parse_line(s, &mut times).is_some() {
                    parsed += 1;
                }
            }
        })
        .expect("read");
        report("header", t, n, format!("{parsed} parsed"));
    }
    if want("full") {
        let t = Instant::now();
        let mut pass = Pass::new(TimeResolver::new(tz, anchor), Window::default());
        for_each_text_line(open(), MAX_LINE, &mut |i, l| pass.text_line(i, l)).expect("read");
        let pass = pass.finish();
        report(
            "full",
            t,
            pass.rhythm.lines,
            format!(
                "{} failures, {} probes, {} sources, {} events",
                pass.failures.total_failures,
                pass.failures.total_probes,
                pass.failures.by_source.len(),
                pass.events.len()
            ),
        );
    }
}
