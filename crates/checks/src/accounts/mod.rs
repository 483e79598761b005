//! Checks of the `accounts` area: who can log in, as whom, with which privileges.

use crate::Check;

mod duplicate_uid;
mod empty_password;
mod file_permissions;
mod gid0;
mod hash_scheme;
mod odd_shell;
mod privileged_groups;
pub(crate) mod recent;
mod sudo_conf;
mod sudo_escape;
mod sudoers;
mod system_shell;
#[cfg(test)]
pub(crate) mod testing;
mod uid0;
pub mod weak_password;

/// Every check of this area.
pub static ALL: &[&dyn Check] = &[
    &uid0::ExtraUidZero,
    &gid0::ExtraGidZero,
    &duplicate_uid::DuplicateUid,
    &empty_password::EmptyPassword,
    &hash_scheme::HashScheme,
    &system_shell::SystemAccountShell,
    &odd_shell::OddShell,
    &recent::RecentAccount,
    &sudoers::SudoersRules,
    &sudo_conf::SudoConf,
    &privileged_groups::PrivilegedGroups,
    &file_permissions::AccountFilePermissions,
    &weak_password::WeakPassword,
];
