//! Checks of the `persistence` area: everything on disk that brings an attacker back, read
//! straight from the files — cron, at, systemd, boot scripts, shell rc files, package and system
//! hooks, PAM stacks, `/etc/ld.so.preload` and `/etc/ld.so.conf`, and the one walk for set-id
//! files and file capabilities (`privileged_walk`, shared with `rootkit.kernel_modules`).

use crate::Check;

mod at;
mod boot_scripts;
mod common;

pub(crate) use common::bulk_ctime_band;
/// True when a file changed (mtime or ctime) inside the window of interest.
pub(crate) use common::is_recent as changed_within_window;

/// Signs that `path` was changed by an intruder rather than installed: it changed (mtime or
/// ctime) inside the window of interest. Empty when it did not, or cannot be read.
pub(crate) fn window_signs(ctx: &crate::Context, path: &str) -> Vec<String> {
    match ctx.root.stat(path) {
        Ok(meta) if common::is_recent(ctx, &meta) => vec![format!(
            "{path} changed inside the window (mtime {}, ctime {})",
            meta.mtime
                .map(huoyan_core::time::format_short)
                .unwrap_or_default(),
            meta.ctime
                .map(huoyan_core::time::format_short)
                .unwrap_or_default()
        )],
        _ => Vec::new(),
    }
}
mod cron;
mod file_caps;
mod ld_so_conf;
mod ld_so_preload;
mod package_hooks;
mod pam;
pub(crate) mod privileged_walk;
mod shell_rc;
mod suid;
mod system_hooks;
mod systemd;

/// Every check of this area.
pub static ALL: &[&dyn Check] = &[
    &cron::CronJobs,
    &at::AtJobs,
    &systemd::SystemdUnits,
    &boot_scripts::BootScripts,
    &shell_rc::ShellStartupFiles,
    &package_hooks::PackageManagerHooks,
    &pam::PamStacks,
    &system_hooks::SystemHooks,
    &file_caps::FileCapabilities,
    &ld_so_preload::LdSoPreload,
    &ld_so_conf::LdSoConf,
    &suid::SetIdFiles,
];
