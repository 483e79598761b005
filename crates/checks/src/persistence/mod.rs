//! Checks of the `persistence` area: everything on disk that brings an attacker back, read
//! straight from the files.

use crate::Check;

mod at_jobs;
mod boot_scripts;
mod common;

/// True when a file changed (mtime or ctime) inside the window of interest.
pub(crate) use common::is_recent as changed_within_window;
mod cron;
mod package_hooks;
mod pam;
mod shell_rc;
mod system_hooks;
mod systemd;

/// Every check of this area.
pub static ALL: &[&dyn Check] = &[
    &cron::CronJobs,
    &at_jobs::AtJobs,
    &systemd::SystemdUnits,
    &boot_scripts::BootScripts,
    &shell_rc::ShellStartupFiles,
    &package_hooks::PackageManagerHooks,
    &pam::PamStacks,
    &system_hooks::SystemHooks,
];
