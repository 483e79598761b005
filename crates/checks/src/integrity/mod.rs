//! Checks of the `integrity` area: are the system's binaries, libraries, PAM modules and sshd
//! the ones its packages installed?

use crate::Check;

pub mod package_files;
pub(crate) mod packaged;
pub mod pam;
pub mod sshd_binary;
pub mod unowned_elf;

/// Every check of this area.
pub static ALL: &[&dyn Check] = &[
    &package_files::PackageVerify,
    &unowned_elf::UnownedElf,
    &pam::PamIntegrity,
    &sshd_binary::SshdBinary,
];
