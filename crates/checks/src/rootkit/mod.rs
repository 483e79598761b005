//! Checks of the `rootkit` area.

use crate::Check;

mod hidden_ports;
mod hidden_threads;
mod immutable;
mod kernel_modules;
mod known_files;
mod preload_hooks;
mod trojan_strings;

/// Every check of this area.
pub static ALL: &[&dyn Check] = &[
    &known_files::KnownRootkitFiles,
    &kernel_modules::KernelModules,
    &hidden_threads::HiddenTasks,
    &hidden_ports::HiddenPorts,
    &preload_hooks::PreloadHooks,
    &immutable::ImmutableFiles,
    &trojan_strings::TrojanedBinaries,
];
