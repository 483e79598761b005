//! Checks of the `integrity` area.

use crate::Check;

/// Every check of this area.
pub static ALL: &[&dyn Check] = &[];
