//! `huoyan timeline`: the super timeline of a root, as Timesketch JSONL/CSV and ECS JSONL.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use huoyan_checks::{run_checks, Context, Selection};
use huoyan_core::host::HostIdentity;
use huoyan_core::{Finding, Gap};
use huoyan_timeline::{collect, write, Event, TimelineInput};
use rayon::prelude::*;

use crate::common::RootArgs;

/// Arguments of `huoyan timeline`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub common: RootArgs,
    /// Write timesketch.jsonl, timesketch.csv, ecs.jsonl and events.jsonl into this directory
    /// (otherwise Timesketch JSONL goes to stdout).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Do not run the checks (no findings on the timeline).
    #[arg(long)]
    pub no_findings: bool,
}

/// Builds the timeline of a context, with the given findings on it.
pub fn build(ctx: &Context, findings: &[Finding]) -> (Vec<Event>, Vec<Gap>) {
    // The scan's set-id walk already statted most watched trees: their recent times are reused.
    let walked = ctx.walked_times();
    collect(TimelineInput {
        root: &ctx.root,
        proc_fs: ctx.proc_fs.as_ref(),
        window: ctx.window,
        findings,
        extra: crate::cmd::extra_events(ctx),
        walked: walked.as_deref(),
    })
}

/// Writes the four timeline files into `dir`.
pub fn write_all(dir: &Path, events: &[Event], host: &str) -> Result<()> {
    use std::io::Write;
    huoyan_core::outfile::ensure_dir(dir).with_context(|| format!("creating {}", dir.display()))?;
    // The four files are independent: written side by side, each through a large buffer and
    // flushed explicitly (a full disk must be an error, not a silently short file).
    let write_one = |name: &str| -> Result<()> {
        let path = dir.join(name);
        let file = huoyan_core::outfile::Replacing::new(&path)
            .with_context(|| format!("creating {}", path.display()))?;
        let mut f = std::io::BufWriter::with_capacity(1 << 20, file);
        match name {
            "events.jsonl" => {
                for e in events {
                    huoyan_core::jsonl::to_writer(&mut f, e)?;
                    f.write_all(b"\n")?;
                }
            }
            "timesketch.jsonl" => write::write_timesketch_jsonl(&mut f, events)?,
            "timesketch.csv" => write::write_timesketch_csv(&mut f, events)?,
            _ => write::write_ecs_jsonl(&mut f, events, host)?,
        }
        f.into_inner()
            .map_err(|e| e.into_error())
            .and_then(huoyan_core::outfile::Replacing::commit)
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(())
    };
    let names = [
        "events.jsonl",
        "timesketch.jsonl",
        "timesketch.csv",
        "ecs.jsonl",
    ];
    let results: Vec<Result<()>> = names.par_iter().map(|n| write_one(n)).collect();
    results.into_iter().collect()
}

/// Runs `huoyan timeline`.
pub fn run(args: &Args) -> Result<ExitCode> {
    let ctx = Context::new(args.common.open_root()?, args.common.window()?);
    let findings = if args.no_findings {
        Vec::new()
    } else {
        run_checks(&ctx, &Selection::default()).findings
    };
    let (events, gaps) = build(&ctx, &findings);
    let host = HostIdentity::read(&ctx.root, ctx.proc_fs.as_ref());
    match &args.out {
        Some(dir) => {
            write_all(dir, &events, &host.hostname)?;
            eprintln!(
                "{} events written to {} ({} not examined)",
                events.len(),
                dir.display(),
                gaps.len()
            );
        }
        None => {
            let stdout = std::io::stdout();
            write::write_timesketch_jsonl(&mut stdout.lock(), &events)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
