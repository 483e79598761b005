//! `huoyan verify`: re-hash a bundle against its manifest and sidecar.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use huoyan_collect::verify::Sidecar;
use huoyan_core::text::sanitize;

/// Arguments of `huoyan verify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bundle (`.tar.zst` or `.tar.gz`); `<bundle>.sha256` beside it is checked too.
    pub bundle: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Verifies the bundle: prints "intact" (exit 0) or the first mismatch (exit 6).
pub fn run(args: &Args) -> Result<ExitCode> {
    if let Some(why) = not_a_bundle(&args.bundle) {
        if args.json {
            let value = serde_json::json!({
                "bundle": args.bundle.display().to_string(),
                "intact": false,
                "first_mismatch": format!("not a bundle: {why}"),
            });
            println!("{value}");
        } else {
            println!(
                "NOT A BUNDLE: {}: {}",
                sanitize(&args.bundle.display().to_string()),
                sanitize(&why)
            );
        }
        return Ok(ExitCode::from(crate::exit::DAMAGED));
    }
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
        crate::exit::DAMAGED
    }))
}

/// Why `path` cannot be a bundle at all, before anything reads it as one: not a regular file (a
/// FIFO or a device would block or never end), or neither a zstd nor a gzip stream.
#[allow(clippy::disallowed_methods)] // the bundle named on the command line
fn not_a_bundle(path: &std::path::Path) -> Option<String> {
    use std::io::Read as _;
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) => return Some(e.to_string()),
    };
    if !meta.is_file() {
        return Some("not a regular file".to_string());
    }
    let mut magic = [0u8; 4];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut magic));
    if let Err(e) = read {
        return Some(format!("cannot read its first bytes: {e}"));
    }
    let zstd = magic == [0x28, 0xb5, 0x2f, 0xfd];
    // A zstd skippable frame (magic 0x184D2A50–5F, little-endian) may come first.
    let skippable = magic[1..] == [0x2a, 0x4d, 0x18] && magic[0] & 0xf0 == 0x50;
    let gzip = magic[..2] == [0x1f, 0x8b];
    if zstd || skippable || gzip {
        None
    } else {
        Some(
            "neither a zstd nor a gzip stream (a bundle is <host>-<UTC>.tar.zst or .tar.gz)"
                .to_string(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_bundles_are_named_before_reading() {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "hello world").expect("write");
        assert!(not_a_bundle(&text).is_some_and(|w| w.contains("neither a zstd")));
        assert!(not_a_bundle(dir.path()).is_some_and(|w| w.contains("regular file")));
        assert!(not_a_bundle(&dir.path().join("absent")).is_some());
        let zst = dir.path().join("b.tar.zst");
        std::fs::write(&zst, [0x28, 0xb5, 0x2f, 0xfd, 0, 0]).expect("write");
        assert_eq!(not_a_bundle(&zst), None);
    }
}
