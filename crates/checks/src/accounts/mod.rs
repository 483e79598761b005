//! Checks of the `accounts` area: who can log in, as whom, with which privileges.

use crate::Check;

mod uid0;

/// Every check of this area.
pub static ALL: &[&dyn Check] = &[&uid0::ExtraUidZero];
