//! `huoyan scan`: run every check (or a selection) and print the findings and gaps.

use std::process::ExitCode;

use anyhow::Result;
use huoyan_checks::{run_checks, Context, Selection};

use crate::common::RootArgs;

/// Arguments of `huoyan scan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub common: RootArgs,
    #[command(flatten)]
    pub findings_args: crate::common::FindingsArgs,
    /// Run only these areas or check ids (comma-separated, e.g. accounts,persistence.cron).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Skip these areas or check ids.
    #[arg(long, value_delimiter = ',')]
    pub skip: Vec<String>,
    /// Also run slow checks (webshell scan of all web roots, full package verification).
    #[arg(long)]
    pub deep: bool,
    /// Extra web roots to examine.
    #[arg(long = "web-root", value_name = "DIR")]
    pub web_roots: Vec<std::path::PathBuf>,
    /// Extra rule directories: YARA files (*.yar) for the web scanner, command-detector rules
    /// (*.toml, also in a commands/ subfolder).
    #[arg(long = "rules", value_name = "DIR")]
    pub rule_dirs: Vec<std::path::PathBuf>,
}

/// Runs the scan.
pub fn run(args: &Args) -> Result<ExitCode> {
    let root = args.common.open_root()?;
    let mut ctx = Context::new(root, args.common.window()?);
    ctx.web_roots = args.web_roots.clone();
    ctx.rule_dirs = args.rule_dirs.clone();
    crate::common::install_command_rules(&args.rule_dirs)?;
    let selection = Selection {
        only: args.only.clone(),
        skip: args.skip.clone(),
        deep: args.deep,
    };
    let unknown = selection.unknown_entries();
    if !unknown.is_empty() {
        return Err(crate::exit::Usage(format!(
            "--only/--skip: {} names no area and no check id (areas: {})",
            unknown.join(", "),
            huoyan_checks::Area::ALL.map(|a| a.name()).join(", ")
        ))
        .into());
    }
    let mut outcome = run_checks(&ctx, &selection);
    let suppressed = args.findings_args.apply_ignore(&mut outcome)?;
    crate::output::print_outcome(
        &outcome,
        args.findings_args.output_format(&args.common),
        args.findings_args.min_severity,
    )?;
    crate::output::print_suppressed(&suppressed, args.findings_args.output_format(&args.common))?;
    Ok(ExitCode::from(crate::exit::for_worst(outcome.worst())))
}
