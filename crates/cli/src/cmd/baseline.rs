//! `huoyan baseline create|compare`: record a known-good state of system binaries, libraries and
//! configuration, then compare a suspect host (or image) against it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use huoyan_integrity::baseline;

/// Arguments of `huoyan baseline`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

/// What to do with a baseline.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Record the root's system files (hash, size, mode, owner) into FILE (.zst compresses).
    Create {
        /// Where to write the baseline (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Examine a mounted image instead of the live host.
        #[arg(long, value_name = "PATH", default_value = "/")]
        root: PathBuf,
    },
    /// Compare the root with a baseline: added, removed and changed files.
    Compare {
        /// The baseline file.
        file: PathBuf,
        /// Examine a mounted image instead of the live host.
        #[arg(long, value_name = "PATH", default_value = "/")]
        root: PathBuf,
        /// Print JSON Lines instead of a table.
        #[arg(long)]
        json: bool,
    },
}

fn open_root(root: &std::path::Path) -> Result<huoyan_core::Root> {
    huoyan_core::Root::new(root).with_context(|| format!("cannot use {} as root", root.display()))
}

/// Runs the subcommand.
pub fn run(args: &Args) -> Result<ExitCode> {
    match &args.action {
        Action::Create { out, root } => {
            let root = open_root(root)?;
            let mut gaps = Vec::new();
            let b = baseline::create(&root, &mut gaps);
            baseline::write(&b, out)?;
            eprintln!(
                "baseline of {} entries written to {}; {} not readable",
                b.entries.len(),
                out.display(),
                gaps.len()
            );
            for g in gaps.iter().take(20) {
                eprint!("{}", crate::output::render_gap(g));
            }
            Ok(ExitCode::from(crate::exit::CLEAN))
        }
        Action::Compare { file, root, json } => {
            let root = open_root(root)?;
            let b = baseline::read(file)?;
            let mut outcome = baseline::compare(&b, &root);
            outcome.sort();
            crate::output::print_outcome(
                &outcome,
                crate::common::Format::from_json_flag(*json),
                None,
            )?;
            Ok(ExitCode::from(crate::exit::for_worst(outcome.worst())))
        }
    }
}
