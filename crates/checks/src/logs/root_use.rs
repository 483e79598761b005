//! `logs.root_use` — who became root with su or sudo, and who tried.
//!
//! **What it looks at:** su (`(to root) alice on pts/0`, `FAILED SU`) and sudo (`alice : … ;
//! USER=root ; COMMAND=…`, refusals) events, one summary per account and tool.
//!
//! **Why an attacker leaves this trace:** after getting in as a user, an intruder escalates to
//! root; a web or service account (www-data, postgres) using su or sudo at all is a strong sign
//! of a compromised service, and repeated refusals show password guessing for root.
//!
//! **Example:** `www-data became root with sudo 3 times between … (commands: /bin/bash -i)`.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1548.003 (Sudo and Sudo Caching), T1078.003 (Valid Accounts: Local Accounts).

use huoyan_core::{CheckInfo, Outcome, Severity};
use huoyan_logs::activity::root_use;
use serde_json::json;

use super::common::{data, short, ts};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct RootUse;

static INFO: CheckInfo = CheckInfo {
    id: "logs.root_use",
    title: "su/sudo to root",
    title_zh: "通过 su/sudo 切换到 root",
    mitre: &["T1548.003", "T1078.003"],
    remediation: "Check that each account is meant to have root rights and that the commands \
                  were the administrators'; remove service accounts from sudoers and reset the \
                  root password if a service account became root.",
    remediation_zh: "确认这些账号确应拥有 root 权限、命令确为管理员所执行；将服务账号移出 \
                     sudoers，若服务账号获得过 root 权限则重置 root 口令。",
};

const ADMIN_GROUPS: &[&str] = &["sudo", "wheel", "admin", "root"];

impl Check for RootUse {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let data = data(ctx);
        let users = ctx.users();
        for r in root_use(&data) {
            let entry = users.passwd.iter().find(|p| p.name == r.actor);
            let is_admin =
                users.groups.iter().any(|g| {
                    ADMIN_GROUPS.contains(&g.name.as_str()) && g.members.contains(&r.actor)
                }) || entry.is_some_and(|p| p.gid == Some(0));
            let service = entry
                .is_some_and(|p| p.uid.is_some_and(|u| u > 0 && u < 1000) || !p.has_login_shell());
            let severity = if service && r.count > 0 {
                Severity::High
            } else if r.refused >= 3 && !is_admin {
                Severity::Medium
            } else if is_admin {
                Severity::Info
            } else {
                Severity::Low
            };
            out.add(
                INFO.finding(
                    severity,
                    format!(
                        "{} became root with {} {} times ({} refused) between {} and {}{}",
                        r.actor,
                        r.via,
                        r.count,
                        r.refused,
                        short(r.first),
                        short(r.last),
                        if r.commands.is_empty() {
                            String::new()
                        } else {
                            format!("; commands: {}", r.commands.join(" | "))
                        }
                    ),
                )
                .user(r.actor.clone())
                .at(r.first)
                .evidence(json!({
                    "via": r.via,
                    "count": r.count,
                    "refused": r.refused,
                    "first": ts(r.first),
                    "last": ts(r.last),
                    "commands": r.commands,
                    "service_account": service,
                    "admin_group_member": is_admin,
                })),
            );
        }
    }
}
