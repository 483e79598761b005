//! `integrity.package_files` (+ `integrity.package_conffiles`, `integrity.package_missing`) —
//! every packaged file hashed and compared with the package database.
//!
//! **What it looks at:** every file listed in `/var/lib/dpkg/info/*.md5sums` (multi-arch names
//! too), every conffile with its MD5 from `/var/lib/dpkg/status`, and every regular file of the
//! rpm database (`/var/lib/rpm/rpmdb.sqlite`), hashed through the Root in parallel.
//!
//! **Why an attacker leaves this trace:** replacing `ps`, `ls`, `netstat`, `sshd` or a PAM module
//! with a trojaned build is the oldest way to hide and to keep access; the replacement cannot
//! match the digest the package database recorded at install time.
//!
//! **Example:** `/usr/bin/ps does not match package procps` (critical; evidence holds expected and
//! actual MD5 and whether the file is now a script).
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1554 (Compromise Host Software Binary), T1014 (Rootkit), T1036.005.
//!
//! Deep check: it reads every packaged byte (`scan --deep`, `triage --deep`, `verify-packages`).
//! `triage` without `--deep` hashes only what may have changed since installation (inode change
//! after the package database recorded the package) plus the core commands, PAM modules, loader
//! and libc, and states the files it left unhashed as a coverage gap.

use huoyan_core::{CheckInfo, Outcome};

use crate::registry::Check;
use crate::Context;

/// The further ids this check reports under.
static EMITS: &[&CheckInfo] = &[
    &huoyan_integrity::findings::CONFFILE,
    &huoyan_integrity::findings::MISSING,
];

/// See the module documentation.
pub struct PackageVerify;

impl Check for PackageVerify {
    fn info(&self) -> &'static CheckInfo {
        &huoyan_integrity::findings::MODIFIED
    }

    fn emits(&self) -> &'static [&'static CheckInfo] {
        EMITS
    }

    fn deep(&self) -> bool {
        true
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let (_report, outcome) = huoyan_integrity::verify_at_depth(&ctx.root, ctx.package_depth);
        out.merge(outcome);
    }
}
