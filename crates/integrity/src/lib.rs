//! huoyan-integrity: are the host's own binaries still the ones its packages installed?
//!
//! - [`packages`]: one index over the dpkg and rpm databases (ownership and expected digests).
//! - [`verify`]: parallel hashing of every packaged file, compared with the database.
//! - [`classify`]: the severity rules (core commands, PAM, libc/loader, kernel modules critical).
//! - [`unowned`]: ELF files in system directories that no package owns; scripts posing as ELF.
//! - [`baseline`]: known-good baselines (create on a trusted machine, compare on the suspect).
//! - [`findings`]: verification results as findings.
//!
//! Everything reads through [`huoyan_core::Root`], so the same code verifies the live host and a
//! mounted disk image, and nothing on the host (not `dpkg`, not `rpm`, not libc) is trusted.
#![deny(missing_docs)]

pub mod baseline;
pub mod classify;
pub mod findings;
pub mod packages;
pub mod unowned;
pub mod verify;

pub use packages::{PackageIndex, PackagedFile};
pub use verify::{verify, VerifyReport};

/// Verifies every packaged file of the root and returns the report with its findings.
pub fn verify_all(root: &huoyan_core::Root) -> (VerifyReport, huoyan_core::Outcome) {
    let index = PackageIndex::shared(root);
    let report = verify(root, &index, &|_| true);
    let mut outcome = findings::outcome_of(&report);
    for g in &index.gaps {
        outcome.gap(g.clone());
    }
    (report, outcome)
}
