//! huoyan-integrity: are the host's own binaries still the ones its packages installed?
//!
//! - [`packages`]: one index over the dpkg and rpm databases (ownership and expected digests).
//! - [`verify`]: parallel hashing of every packaged file, compared with the database.
//! - [`md5x8`]: multi-buffer MD5 (eight files per AVX2 register) for dpkg's md5sums.
//! - [`classify`]: the severity rules (core commands, PAM, libc/loader, kernel modules critical).
//! - [`unowned`]: ELF files in system directories that no package owns; scripts posing as ELF.
//! - [`baseline`]: known-good baselines (create on a trusted machine, compare on the suspect).
//! - [`findings`]: verification results as findings.
//!
//! Everything reads through [`huoyan_core::Root`], so the same code verifies the live host and a
//! mounted disk image, and nothing on the host (not `dpkg`, not `rpm`, not libc) is trusted.
#![cfg_attr(test, allow(clippy::disallowed_methods))]
#![deny(missing_docs)]

pub mod baseline;
pub mod classify;
pub mod findings;
pub mod md5x8;
pub mod packages;
pub mod unowned;
pub mod verify;

pub use packages::{PackageIndex, PackagedFile};
pub use verify::{verify, Depth, VerifyReport};

/// Verifies every packaged file of the root and returns the report with its findings.
pub fn verify_all(root: &huoyan_core::Root) -> (VerifyReport, huoyan_core::Outcome) {
    verify_at_depth(root, Depth::Every)
}

/// Verifies the packaged files `depth` selects and returns the report with its findings; with
/// [`Depth::Changed`] the files left unhashed are stated as a coverage gap.
pub fn verify_at_depth(
    root: &huoyan_core::Root,
    depth: Depth,
) -> (VerifyReport, huoyan_core::Outcome) {
    let index = PackageIndex::shared(root);
    let report = match depth {
        Depth::Every => verify(root, &index, &|_| true),
        Depth::Changed => verify::verify_changed(root, &index),
    };
    let mut outcome = findings::outcome_of(&report);
    for g in &index.gaps {
        outcome.gap(g.clone());
    }
    if report.files_skipped > 0 {
        outcome.gap(huoyan_core::Gap::new(
            findings::MODIFIED.id,
            huoyan_core::GapReason::Truncated,
            format!(
                "{} of {} packaged files were not re-hashed: their inode has not changed since \
                 their package was installed and they are not core commands, PAM modules, the \
                 loader or libc (an attacker who rewinds the clock or edits the disk offline \
                 escapes this); `huoyan verify-packages` or `--deep` hashes every file",
                report.files_skipped,
                report.files_skipped + report.files_checked
            ),
        ));
    }
    (report, outcome)
}
