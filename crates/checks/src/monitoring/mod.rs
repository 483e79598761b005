//! Checks of the `monitoring` area — and the host-wide checks this folder also holds: whether
//! HIDS/EDR/audit are present and running; `/etc/ld.so.preload` and `/etc/ld.so.conf`; and the
//! walk for set-id files and file capabilities (those report under the `persistence` area).

use crate::Check;

mod agents;
mod auditd_rules;
mod file_caps;
mod ld_preload;
mod ld_so_conf;
pub(crate) mod privileged_walk;
mod suid;

/// Every check of this area.
pub static ALL: &[&dyn Check] = &[
    &agents::MonitoringAgents,
    &auditd_rules::AuditdRules,
    &ld_preload::LdSoPreload,
    &ld_so_conf::LdSoConf,
    &suid::SetIdFiles,
    &file_caps::FileCapabilities,
];
