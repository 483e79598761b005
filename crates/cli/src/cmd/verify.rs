//! `huoyan verify`: re-hash a bundle against its manifest and sidecar.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use huoyan_collect::verify::Sidecar;
use huoyan_core::text::sanitize;

/// Exit code when the bundle is damaged.
pub const DAMAGED: u8 = 2;

/// Arguments of `huoyan verify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bundle (`.tar.zst` or `.tar.gz`); `<bundle>.sha256` beside it is checked too.
    pub bundle: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Verifies the bundle: prints "intact" (exit 0) or the first mismatch (exit 2).
pub fn run(args: &Args) -> Result<ExitCode> {
    let report = huoyan_collect::verify(&args.bundle)?;
    let sidecar = match &report.sidecar {
        Sidecar::Match => "matches".to_string(),
        Sidecar::Mismatch(_) => "DIFFERS".to_string(),
        Sidecar::Missing => "missing".to_string(),
        Sidecar::Unreadable(why) => format!("unreadable: {}", sanitize(why)),
    };
    if args.json {
        let value = serde_json::json!({
            "bundle": report.bundle.display().to_string(),
            "intact": report.intact(),
            "sha256": report.sha256,
            "members": report.members,
            "manifest_entries": report.manifest_entries,
            "sidecar": sidecar,
            "first_mismatch": report.first_problem(),
            "member": report.problem.as_ref().and_then(|p| p.member.clone()),
        });
        println!("{value}");
    } else if let Some(problem) = report.first_problem() {
        println!("MISMATCH: {}", sanitize(&problem));
    } else {
        println!(
            "intact: {} members, manifest {} entries, sha256 {} (sidecar {sidecar})",
            report.members, report.manifest_entries, report.sha256
        );
    }
    Ok(ExitCode::from(if report.intact() {
        crate::exit::CLEAN
    } else {
        DAMAGED
    }))
}
