//! Checks of the `rootkit` area.

use crate::Check;

mod hidden_process;

/// Every check of this area.
pub static ALL: &[&dyn Check] = &[&hidden_process::HiddenProcess];
pub mod hidden_ports;
pub mod hidden_threads;
pub mod immutable;
pub mod kernel_modules;
pub mod known_files;
pub mod preload_hooks;
pub mod trojan_strings;

pub static ALL: &[&dyn Check] = &[
    &known_files::KnownRootkitFiles,
    &kernel_modules::KernelModules,
    &hidden_threads::HiddenTasks,
    &hidden_ports::HiddenPorts,
    &preload_hooks::PreloadHooks,
    &immutable::ImmutableFiles,
    &trojan_strings::TrojanedBinaries,
];
