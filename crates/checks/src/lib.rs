//! huoyan-checks: every detection huoyan runs.
//!
//! One struct per check, one file per check, grouped by area (`accounts/`, `history/`, …); each
//! area's `mod.rs` lists its checks in a static slice and [`registry`] concatenates the areas.
//! Every check's doc comment says what it looks at, why an attacker leaves this trace, an example
//! of the evidence, and its ATT&CK technique. Checks read only through the [`Context`] (a Root,
//! the live /proc when there is one, and cached artifacts) and report into an
//! [`huoyan_core::Outcome`]: findings, and gaps for what they could not examine.

#![cfg_attr(test, allow(clippy::disallowed_methods))]

pub mod command_findings;
pub mod context;
pub mod homes;
pub mod registry;
pub mod roles;
#[cfg(test)]
mod testing;

pub mod accounts;
pub mod files;
pub mod history;
pub mod integrity;
pub mod logs;
pub mod monitoring;
pub mod network;
pub mod persistence;
pub mod process;
pub mod rootkit;
pub mod ssh;
pub mod web;

pub use context::Context;
pub use huoyan_integrity::Depth;
pub use registry::{registry, run_checks, Area, Check, Selection};
pub use roles::role_of;
