//! `huoyan diff CASE_A CASE_B`: what changed between two case folders of the same host — new,
//! gone and changed findings (after clean-up: is the webshell really gone, did anything new
//! appear?).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use huoyan_core::text::sanitize;
use huoyan_report::Case;

/// Arguments of `huoyan diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The earlier case folder.
    pub before: PathBuf,
    /// The later case folder.
    pub after: PathBuf,
    /// One JSON object per change instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Prints the changes; the exit code weighs the new and changed evidence (0, 3 or 4).
pub fn run(args: &Args) -> Result<ExitCode> {
    let load = |dir: &PathBuf| {
        Case::load(dir).with_context(|| format!("reading case folder {}", dir.display()))
    };
    let before = load(&args.before)?;
    let after = load(&args.after)?;
    let changes = huoyan_report::diff::compare(&before.findings, &after.findings);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for c in &changes {
        if args.json {
            huoyan_core::jsonl::to_writer(&mut out, c)?;
            writeln!(out)?;
            continue;
        }
        let shown = if c.after.is_empty() {
            &c.before
        } else {
            &c.after
        };
        let sign = match c.change {
            "new" => "+",
            "gone" => "-",
            _ => "~",
        };
        writeln!(
            out,
            "{sign} {:<7} {:<8} {}",
            c.change,
            c.severity().as_str().to_uppercase(),
            sanitize(c.check_id)
        )?;
        for f in shown.iter().take(3) {
            writeln!(out, "      {}", sanitize(&f.summary))?;
        }
        if shown.len() > 3 {
            writeln!(out, "      … and {} more", shown.len() - 3)?;
        }
    }
    if !args.json {
        let count = |kind: &str| changes.iter().filter(|c| c.change == kind).count();
        writeln!(
            out,
            "{} new, {} gone, {} changed ({} → {})",
            count("new"),
            count("gone"),
            count("changed"),
            sanitize(&args.before.display().to_string()),
            sanitize(&args.after.display().to_string())
        )?;
    }
    out.flush()?;
    let worst_new = changes
        .iter()
        .filter(|c| c.change != "gone")
        .flat_map(|c| c.after.iter())
        .filter(|f| f.kind == huoyan_core::Kind::Evidence)
        .map(|f| f.severity)
        .max();
    Ok(ExitCode::from(crate::exit::for_worst(worst_new)))
}
