//! `huoyan web`: the whole web investigation in one command — estate, webshell scan, file
//! hunting, access/error-log attacks and the upload/use correlation.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use huoyan_artifacts::users::UserDb;
use huoyan_core::Gap;

use crate::common::RootArgs;

/// Arguments of `huoyan web`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub common: RootArgs,
    #[command(flatten)]
    pub findings_args: crate::common::FindingsArgs,
    /// Extra web roots to examine (besides those found in the server configs).
    #[arg(long = "web-root", value_name = "DIR")]
    pub web_roots: Vec<PathBuf>,
    /// Extra YARA rule directories (files that yara-x cannot compile are skipped and listed).
    #[arg(long = "rules", value_name = "DIR")]
    pub rule_dirs: Vec<PathBuf>,
    /// Hunt suspicious files in the whole root, not only in the web roots.
    #[arg(long)]
    pub all: bool,
}

/// Runs the web analysis.
pub fn run(args: &Args) -> Result<ExitCode> {
    let root = args.common.open_root()?;
    let window = args.common.window()?;
    let (users, errors) = UserDb::read(&root);
    let mut opts = huoyan_web::WebOptions::full(window);
    opts.web_roots = args.web_roots.clone();
    opts.rule_dirs = args.rule_dirs.clone();
    opts.all = args.all;
    let started = std::time::Instant::now();
    let (mut outcome, summary) = huoyan_web::analyse(&root, &users, &opts);
    for e in errors.iter().filter(|e| !e.is_not_found()) {
        outcome.gap(Gap::from_error("artifacts.users", e));
    }
    huoyan_checks::roles::assign(&mut outcome);
    outcome.sort();
    let suppressed = args.findings_args.apply_ignore(&mut outcome)?;
    crate::output::print_outcome(
        &outcome,
        args.findings_args.output_format(&args.common),
        args.findings_args.min_severity,
    )?;
    crate::output::print_suppressed(&suppressed, args.findings_args.output_format(&args.common))?;
    if args.findings_args.output_format(&args.common) == crate::common::Format::Table {
        eprintln!(
            "huoyan web: {} files scanned ({:.1} MB) with {} YARA rules, {} flagged; {} log lines, {} client IPs; {:.1}s",
            summary.scan.files_scanned,
            summary.scan.bytes_scanned as f64 / 1e6,
            summary.rules,
            summary.scan.files_flagged,
            summary.log_lines,
            summary.ips,
            started.elapsed().as_secs_f64()
        );
    }
    let code = crate::exit::for_worst(outcome.worst());
    // Freeing thousands of findings one by one only delays the exit.
    std::mem::forget(outcome);
    Ok(ExitCode::from(code))
}
