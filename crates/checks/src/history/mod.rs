//! Checks of the `history` area: what every user typed, and whether the record was tampered with.

use crate::Check;

mod context;
mod suspicious_command;
mod tampered;

/// Every check of this area.
pub static ALL: &[&dyn Check] = &[
    &suspicious_command::SuspiciousHistoryCommand,
    &tampered::HistoryTampering,
];
