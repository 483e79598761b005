//! Checks of the `rootkit` area: what a rootkit hides (processes, threads, ports, modules) and
//! what it leaves (known files, preload hooks, immutable files, trojaned binaries).

use crate::Check;

pub mod hidden_ports;
mod hidden_process;
pub mod hidden_tasks;
pub mod immutable_files;
pub mod kernel_modules;
pub mod known_files;
pub mod preload_hidden;
pub mod preload_hooks;
pub mod trojaned_binaries;

/// Every check of this area.
pub static ALL: &[&dyn Check] = &[
    &hidden_process::HiddenProcess,
    &known_files::KnownRootkitFiles,
    &kernel_modules::KernelModules,
    &hidden_tasks::HiddenTasks,
    &hidden_ports::HiddenPorts,
    &preload_hooks::PreloadHooks,
    &preload_hidden::PreloadHidden,
    &immutable_files::ImmutableFiles,
    &trojaned_binaries::TrojanedBinaries,
];
