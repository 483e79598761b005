//! `logs.account_changes` — accounts and groups created, changed or deleted; passwords changed.
//!
//! **What it looks at:** the messages of useradd, usermod, userdel, groupadd, groupmod,
//! groupdel, gpasswd, passwd and chpasswd (`new user: name=…, UID=…`, `add 'bob' to group
//! 'sudo'`, `password changed for root`).
//!
//! **Why an attacker leaves this trace:** a new account, a user added to sudo, or a changed root
//! password is how an intruder keeps access; deleting an account can hide the one used.
//!
//! **Example:** `useradd: new user: name=support, UID=0, GID=0, home=/root, shell=/bin/bash`.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1136.001 (Create Account: Local Account), T1098 (Account Manipulation).

use huoyan_artifacts::auth_system::AccountAction;
use huoyan_core::{CheckInfo, Outcome, Severity};
use huoyan_logs::activity::account_changes;
use serde_json::json;

use super::common::{data, path_of, short, ts};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct AccountChanges;

static INFO: CheckInfo = CheckInfo {
    id: "logs.account_changes",
    title: "Account, group or password change",
    title_zh: "账号、用户组或口令变更",
    mitre: &["T1136.001", "T1098"],
    remediation: "Confirm each change with the administrators; remove accounts and group \
                  memberships nobody asked for, and reset passwords changed without a ticket.",
    remediation_zh:
        "逐条与管理员核实变更；删除无人申请的账号和组成员关系，重置未经审批修改的口令。",
};

const PRIVILEGED: &[&str] = &[
    "'sudo'", "'wheel'", "'admin'", "'root'", "'adm'", "'docker'", "'lxd'", "'disk'", "'shadow'",
];

impl Check for AccountChanges {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let data = data(ctx);
        for ev in account_changes(&data) {
            let e = &ev.event;
            let detail = e.detail.clone().unwrap_or_default();
            let name = e.user.clone().unwrap_or_default();
            let Some(action) = e.account else { continue };
            let uid0 = detail.contains("UID=0,") || detail.contains("UID=0 ");
            let privileged_group = PRIVILEGED.iter().any(|g| detail.contains(g));
            let severity = match action {
                AccountAction::UserCreated if uid0 => Severity::Critical,
                AccountAction::UserCreated => Severity::Medium,
                AccountAction::GroupModified if privileged_group => Severity::High,
                AccountAction::UserModified if uid0 => Severity::High,
                AccountAction::PasswordChanged if name == "root" => Severity::Medium,
                AccountAction::UserDeleted => Severity::Medium,
                _ => Severity::Low,
            };
            out.add(
                INFO.finding(
                    severity,
                    format!("{}: {} at {}", e.service, detail, short(e.time)),
                )
                .user(name)
                .path(path_of(&data, ev.file))
                .at(e.time)
                .evidence(json!({
                    "action": action,
                    "program": e.service,
                    "message": detail,
                    "time": ts(e.time),
                    "line": e.line,
                })),
            );
        }
    }
}
