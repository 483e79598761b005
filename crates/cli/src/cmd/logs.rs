//! `huoyan logs`: run the `logs` area (auth logs, journal, login records) and print the
//! findings, preceded by what was read.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use huoyan_checks::{run_checks, Context, Selection};
use huoyan_core::text::sanitize;

use crate::common::RootArgs;

/// Arguments of `huoyan logs`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub common: RootArgs,
    #[command(flatten)]
    pub findings_args: crate::common::FindingsArgs,
}

/// Runs the log checks.
pub fn run(args: &Args) -> Result<ExitCode> {
    let root = args.common.open_root()?;
    let ctx = Context::new(root, args.common.window()?);
    let mut outcome = run_checks(
        &ctx,
        &Selection {
            only: vec!["logs".into()],
            ..Selection::default()
        },
    );
    if args.findings_args.output_format(&args.common) == crate::common::Format::Table {
        let data = huoyan_logs::data_for(&ctx.root, ctx.window);
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        writeln!(out, "Sources read (zone {}):", sanitize(&data.zone))?;
        for f in &data.files {
            writeln!(
                out,
                "  {:<52} {:>12} bytes {:>10} lines {:>8} auth events{}",
                sanitize(&f.path),
                f.size,
                f.rhythm.lines,
                f.auth_events,
                f.error
                    .as_deref()
                    .map(|e| format!("  ERROR {}", sanitize(e)))
                    .unwrap_or_default()
            )?;
        }
        let records = data.wtmp.len() + data.btmp.len() + usize::from(data.utmp.is_some());
        writeln!(
            out,
            "  {} login-record files, {} lastlog entries, wtmpdb: {}",
            records,
            data.lastlog.len(),
            data.wtmpdb
                .as_ref()
                .map(|r| format!("{} rows", r.len()))
                .unwrap_or_else(|| "absent".into())
        )?;
        writeln!(
            out,
            "  {} authentication failures, {} probes, {} sources\n",
            data.failures.total_failures,
            data.failures.total_probes,
            data.failures.by_source.len()
        )?;
    }
    let suppressed = args.findings_args.apply_ignore(&mut outcome)?;
    crate::output::print_outcome(
        &outcome,
        args.findings_args.output_format(&args.common),
        args.findings_args.min_severity,
    )?;
    crate::output::print_suppressed(&suppressed, args.findings_args.output_format(&args.common))?;
    Ok(ExitCode::from(crate::exit::for_worst(outcome.worst())))
}
