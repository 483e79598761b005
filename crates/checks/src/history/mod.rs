//! Checks of the `history` area: what every user typed, and whether the record was tampered with.

use crate::Check;

mod suspicious_command;
mod context;
mod tampered;

/// Every check of this area.
pub static ALL: &[&dyn Check] = &[
    &suspicious_command::SuspiciousHistoryCommand,
    &tampered::HistoryTampering,
];
