//! `huoyan image`: copy a block device to an image file, hashing on the fly.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use huoyan_core::text::sanitize;
use huoyan_core::ActionJournal;

/// Arguments of `huoyan image`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The block device (e.g. /dev/sdb, /dev/nvme0n1p2) or an image file to copy.
    pub device: PathBuf,
    /// The image file to write (must not exist; not on the device being imaged).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// Progress on stderr, at most a few times a second.
pub struct Progress {
    label: &'static str,
    last: Option<Instant>,
    started: Instant,
    tty: bool,
}

impl Progress {
    /// A progress line with a label.
    pub fn new(label: &'static str) -> Self {
        Progress {
            label,
            last: None,
            started: Instant::now(),
            tty: std::io::stderr().is_terminal(),
        }
    }

    /// Shows `done` of `total` bytes.
    pub fn show(&mut self, done: u64, total: u64) {
        let due = self.last.is_none_or(|t| {
            t.elapsed() >= Duration::from_millis(if self.tty { 250 } else { 5000 })
        });
        if !due && done < total {
            return;
        }
        self.last = Some(Instant::now());
        let pct = if total == 0 {
            100.0
        } else {
            done as f64 * 100.0 / total as f64
        };
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = done as f64 / secs / 1_048_576.0;
        let end = if self.tty { "\r" } else { "\n" };
        let mut err = std::io::stderr();
        let _ = write!(
            err,
            "{}: {pct:5.1}%  {} / {} MiB  {rate:.1} MiB/s{end}",
            self.label,
            done >> 20,
            total >> 20
        );
        let _ = err.flush();
    }

    /// Ends the progress line.
    pub fn done(&self) {
        if self.tty {
            eprintln!();
        }
    }
}

/// Images the device.
pub fn run(args: &Args) -> Result<ExitCode> {
    let mut journal_path = args.out.as_os_str().to_os_string();
    journal_path.push(".journal.jsonl");
    let journal_path = PathBuf::from(journal_path);
    let journal = ActionJournal::to_file(&journal_path)
        .with_context(|| format!("cannot write {}", journal_path.display()))?;
    journal.record(
        "start",
        "image",
        std::env::args().collect::<Vec<_>>().join(" "),
    );
    let mut progress = Progress::new("image");
    let report = huoyan_collect::image::image(&args.device, &args.out, &journal, &mut |d, t| {
        progress.show(d, t)
    })?;
    progress.done();
    journal.record("end", "image", format!("{} bytes", report.size));
    println!("image    {}", sanitize(&report.image.display().to_string()));
    println!("sha256   {}", report.sha256);
    println!("size     {} bytes", report.size);
    println!("journal  {}", sanitize(&journal_path.display().to_string()));
    if report.bad_sectors.is_empty() {
        println!("bad sectors: none");
    } else {
        println!(
            "bad sectors: {} (zero-filled; offsets in the journal)",
            report.bad_sectors.len()
        );
    }
    Ok(ExitCode::from(crate::exit::CLEAN))
}
