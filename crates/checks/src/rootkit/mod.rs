//! Checks of the `rootkit` area.

use crate::Check;

mod hidden_process;

/// Every check of this area.
pub static ALL: &[&dyn Check] = &[&hidden_process::HiddenProcess];
