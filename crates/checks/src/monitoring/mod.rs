//! Checks of the `monitoring` area — and the host-wide checks this folder also holds: whether
//! HIDS/EDR/audit are present and running, `/etc/ld.so.preload`, and the walk for set-id files
//! and file capabilities (those three report under the `persistence` area).

use crate::Check;

mod agents;
mod auditd_rules;
mod file_caps;
mod ld_preload;
mod privileged_walk;
mod suid;

/// Every check of this area.
pub static ALL: &[&dyn Check] = &[
    &agents::MonitoringAgents,
    &auditd_rules::AuditdRules,
    &ld_preload::LdSoPreload,
    &suid::SetIdFiles,
    &file_caps::FileCapabilities,
];
