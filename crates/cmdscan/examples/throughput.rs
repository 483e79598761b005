//! Detector throughput: scans every line of the given files (or of the revshells corpus when
//! none is given) repeatedly for about two seconds and prints lines per second.
//!
//! `cargo run --release -p huoyan-cmdscan --example throughput [FILE…]`

#![allow(clippy::disallowed_methods)] // an example reading files named on its command line

use std::time::{Duration, Instant};

fn main() {
    let mut paths: Vec<std::path::PathBuf> = std::env::args_os().skip(1).map(Into::into).collect();
    if paths.is_empty() {
        let dir = huoyan_testkit::corpus("revshells").join("revshells/benign-cmdlines");
        for sub in ["cron-files", "systemd-units", "maintainer-scripts"] {
            if let Ok(entries) = std::fs::read_dir(dir.join(sub)) {
                paths.extend(entries.filter_map(|e| e.ok()).map(|e| e.path()));
            }
        }
    }
    let mut lines: Vec<String> = Vec::new();
    for p in &paths {
        if let Ok(bytes) = std::fs::read(p) {
            lines.extend(
                String::from_utf8_lossy(&bytes)
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(str::to_string),
            );
        }
    }
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    let _ = huoyan_cmdscan::scan("warm up");
    let start = Instant::now();
    let (mut scanned, mut hits, mut rounds) = (0usize, 0usize, 0usize);
    while start.elapsed() < Duration::from_secs(2) {
        for l in &lines {
            hits += huoyan_cmdscan::scan(l).len();
        }
        scanned += lines.len();
        rounds += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} distinct lines ({} KiB), {rounds} rounds: {:.0} lines/s, {:.1} MiB/s ({} hits)",
        lines.len(),
        bytes / 1024,
        scanned as f64 / secs,
        (bytes * rounds) as f64 / secs / 1_048_576.0,
        hits
    );
}
