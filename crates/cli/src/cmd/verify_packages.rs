//! `huoyan verify-packages`: hash every file the package databases (dpkg, rpm) list and report
//! what no longer matches — replaced binaries first, changed configuration files separately.

use std::process::ExitCode;

use anyhow::Result;

/// Arguments of `huoyan verify-packages`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Examine a mounted image instead of the live host.
    #[arg(long, value_name = "PATH", default_value = "/")]
    pub root: std::path::PathBuf,
    /// Print JSON Lines (one object per line) instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also look for ELF files in system directories that no package owns.
    #[arg(long)]
    pub unowned: bool,
}

/// Runs the verification.
pub fn run(args: &Args) -> Result<ExitCode> {
    let root = crate::common::RootArgs {
        root: args.root.clone(),
        since: None,
        until: None,
        json: args.json,
    }
    .open_root()?;
    let (report, mut outcome) = huoyan_integrity::verify_all(&root);
    huoyan_integrity::unowned::scripts_where_elf_expected(&root, &mut outcome);
    if args.unowned {
        let index = huoyan_integrity::PackageIndex::shared(&root);
        huoyan_integrity::unowned::unowned_elfs(&root, &index, &mut outcome);
    }
    outcome.sort();
    crate::output::print_outcome(
        &outcome,
        crate::common::Format::from_json_flag(args.json),
        None,
    )?;
    eprintln!(
        "verified {} files of {} packages ({:.1} MB) in {:.2} s; {} did not match or are missing",
        report.files_checked,
        report.packages,
        report.bytes_hashed as f64 / 1e6,
        report.elapsed.as_secs_f64(),
        report.problems.len()
    );
    Ok(ExitCode::from(crate::exit::for_worst(outcome.worst())))
}
