//! Checks of the `monitoring` area: whether HIDS/EDR/audit are present, running and watching.

use crate::Check;

mod agents;
mod auditd_rules;

/// Every check of this area.
pub static ALL: &[&dyn Check] = &[&agents::MonitoringAgents, &auditd_rules::AuditdRules];
