//! Checks of the `accounts` area: who can log in, as whom, with which privileges.

use crate::Check;

mod duplicate_uid;
mod empty_password;
mod file_permissions;
mod gid0;
mod privileged_groups;
mod recent;
mod sudoers;
mod system_shell;
#[cfg(test)]
pub(crate) mod testing;
mod uid0;

/// Every check of this area.
pub static ALL: &[&dyn Check] = &[
    &uid0::ExtraUidZero,
    &gid0::ExtraGidZero,
    &duplicate_uid::DuplicateUid,
    &empty_password::EmptyPassword,
    &system_shell::SystemAccountShell,
    &recent::RecentAccount,
    &sudoers::SudoersRules,
    &privileged_groups::PrivilegedGroups,
    &file_permissions::AccountFilePermissions,
];
