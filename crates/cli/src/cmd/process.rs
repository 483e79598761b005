//! `huoyan process suspend|resume|dump|kill PID`: act on one malicious process, keeping its
//! memory before it dies.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use huoyan_contain::process::{self, dump, DumpRecord};
use huoyan_core::text::sanitize;
use huoyan_core::{ActionJournal, ProcFs};

/// Arguments of `huoyan process`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
    /// Case directory: actions are appended to CASE/journal.jsonl.
    #[arg(long, value_name = "DIR", global = true)]
    pub case: Option<PathBuf>,
}

/// What to do to the process.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// SIGSTOP: freeze it (memory, sockets and files stay as they are).
    Suspend {
        /// Process id.
        pid: u32,
    },
    /// SIGCONT: let a suspended process run again.
    Resume {
        /// Process id.
        pid: u32,
    },
    /// Save maps, every readable memory region, the executable, fds, environ and cmdline, hashed.
    Dump {
        /// Process id.
        pid: u32,
        /// Output directory (must not exist or be empty).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// SIGKILL, refused unless the process was dumped first (or --force).
    Kill {
        /// Process id.
        pid: u32,
        /// Kill without a dump (its memory is lost).
        #[arg(long)]
        force: bool,
    },
}

fn journal_for(case: Option<&PathBuf>) -> Result<ActionJournal> {
    match case {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create case directory {}", dir.display()))?;
            Ok(ActionJournal::to_file(&dir.join("journal.jsonl"))?)
        }
        None => Ok(ActionJournal::in_memory()),
    }
}

/// Runs `huoyan process`.
pub fn run(args: &Args) -> Result<ExitCode> {
    let proc_fs =
        ProcFs::live().context("/proc is not mounted: process actions need a live host")?;
    let journal = journal_for(args.case.as_ref())?;
    match &args.action {
        Action::Suspend { pid } => {
            let stopped = process::suspend(&proc_fs, *pid)?;
            let state = process::state_letter(&proc_fs, *pid).unwrap_or('?');
            journal.record(
                "signal",
                format!("pid {pid}"),
                format!("SIGSTOP sent; process state now {state}"),
            );
            if stopped {
                println!("suspended pid {pid}; dump it with `huoyan process dump {pid} --out DIR`");
            } else {
                println!("SIGSTOP sent to pid {pid} but it is not reported stopped (state {state}): a kernel thread, a process in uninterruptible sleep, or a tracer may be holding it");
            }
        }
        Action::Resume { pid } => {
            process::resume(&proc_fs, *pid)?;
            journal.record("signal", format!("pid {pid}"), "SIGCONT (resumed)");
            println!("resumed pid {pid}");
        }
        Action::Dump { pid, out } => {
            // Dumping changes nothing in the process, so any pid may be dumped.
            let (manifest, sha) = dump::dump(&proc_fs, *pid, out)?;
            let regions = manifest.regions.iter().filter(|r| r.captured > 0).count();
            let bytes: u64 = manifest.regions.iter().map(|r| r.captured).sum();
            journal.record(
                "write",
                out.display().to_string(),
                format!(
                    "dump of pid {pid} ({}): {regions} memory regions, {bytes} bytes; manifest sha256 {sha}",
                    manifest.comm
                ),
            );
            let out_abs = std::fs::canonicalize(out).unwrap_or_else(|_| out.clone());
            process::remember_dump(DumpRecord {
                pid: *pid,
                starttime: manifest.starttime,
                out: out_abs,
                manifest_sha256: sha.clone(),
                taken_at: manifest.taken_at,
            })?;
            println!(
                "dumped pid {pid} ({}) to {}: {} files, {regions} memory regions ({bytes} bytes), manifest sha256 {sha}",
                sanitize(&manifest.comm),
                out.display(),
                manifest.files.len()
            );
            for e in &manifest.errors {
                println!("  not captured: {}", sanitize(e));
            }
        }
        Action::Kill { pid, force } => {
            let record = process::kill(&proc_fs, *pid, *force)?;
            let detail = match &record {
                Some(r) => format!("SIGKILL after dump in {}", r.out.display()),
                None => "SIGKILL with --force, no dump".to_string(),
            };
            journal.record("signal", format!("pid {pid}"), detail.clone());
            println!("killed pid {pid}: {detail}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
