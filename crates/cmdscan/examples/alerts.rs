//! Prints every medium-or-worse hit for the lines of the given files (one command per line),
//! with a count at the end: a quick way to measure false positives on a set of benign scripts.
//!
//! `cargo run --release -p huoyan-cmdscan --example alerts -- /var/lib/dpkg/info/*.postinst`

#![allow(clippy::disallowed_methods)] // an example reading files named on its command line

fn main() {
    let (mut lines, mut alerts) = (0usize, 0usize);
    for path in std::env::args_os().skip(1) {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        for line in String::from_utf8_lossy(&bytes).lines() {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            lines += 1;
            let hits: Vec<_> = huoyan_cmdscan::scan(t)
                .into_iter()
                .filter(|h| h.is_alert())
                .collect();
            if let Some(h) = hits.first() {
                alerts += 1;
                println!(
                    "{}: [{}] {}",
                    std::path::Path::new(&path).display(),
                    h.rule,
                    t
                );
            }
        }
    }
    println!(
        "{alerts} of {lines} lines alert ({:.2} %)",
        alerts as f64 * 100.0 / lines.max(1) as f64
    );
}
