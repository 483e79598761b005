//! Checks of the `monitoring` area — and the host-wide checks this folder also holds: whether
//! HIDS/EDR/audit are present and running, `/etc/ld.so.preload`, and the walk for set-id files
//! and file capabilities (those report under the `persistence` area).

use crate::Check;

mod file_caps;
mod privileged_walk;
mod suid;

/// Every check of this area.
pub static ALL: &[&dyn Check] = &[&suid::SetIdFiles, &file_caps::FileCapabilities];
