//! Checks of the `history` area: what every user typed, and whether the record was tampered with.

use crate::Check;

mod commands;
mod context;
mod tampering;

/// Every check of this area.
pub static ALL: &[&dyn Check] = &[
    &commands::SuspiciousHistoryCommand,
    &tampering::HistoryTampering,
];
