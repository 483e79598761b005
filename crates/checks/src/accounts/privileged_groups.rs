//! `accounts.privileged_groups` — who is in the groups that amount to root.
//!
//! **What it looks at:** members (listed in `/etc/group`, or by primary gid in `/etc/passwd`) of
//! `sudo`, `wheel`, `admin`, `root`, `docker`, `lxd`, `lxc`, `disk`, `adm` and `shadow`.
//!
//! **Why an attacker leaves this trace:** adding an account to `sudo`/`wheel` is the sanctioned-
//! looking way to keep root; `docker`, `lxd` and `disk` give root through a container or the raw
//! block device; `adm` reads the logs that would tell on them, `shadow` reads the hashes. A
//! service account (`www-data`, `nobody`) in any of them is almost never legitimate. People in
//! the admin groups are listed as information so the responder can confirm each one (hardening:
//! a person holding the power is posture; a service account holding it is evidence).
//!
//! **Example:** `sudo:x:27:alice,www-data` — `www-data` (uid 33) in group `sudo`.
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1098 (Account Manipulation), T1078.003 (Valid Accounts: Local Accounts).

use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct PrivilegedGroups;

static INFO: CheckInfo = CheckInfo {
    id: "accounts.privileged_groups",
    title: "Membership of a root-equivalent group",
    title_zh: "root 等效特权组的成员",
    mitre: &["T1098", "T1078.003"],
    remediation: "Confirm every member with the administrators; remove unexpected ones \
                  (gpasswd -d USER GROUP) and check what they did with the privilege.",
    remediation_zh: "逐一向管理员确认组成员；移除不应存在的成员（gpasswd -d 用户 组），\
                     并排查其利用该权限做过的操作。",
};

/// Group, and how much it gives (for people; service accounts are always high).
const GROUPS: &[(&str, Severity, &str)] = &[
    (
        "sudo",
        Severity::Info,
        "may run anything as root through sudo",
    ),
    (
        "wheel",
        Severity::Info,
        "may run anything as root through sudo/su",
    ),
    (
        "admin",
        Severity::Info,
        "may run anything as root through sudo (old Ubuntu)",
    ),
    (
        "root",
        Severity::Medium,
        "reads and writes root-group files",
    ),
    ("docker", Severity::Low, "is root through the Docker socket"),
    ("lxd", Severity::Low, "is root through LXD containers"),
    ("lxc", Severity::Low, "is root through LXC containers"),
    ("disk", Severity::Medium, "reads and writes raw disks"),
    ("adm", Severity::Info, "reads the system logs"),
    ("shadow", Severity::Medium, "reads /etc/shadow"),
];

/// Service accounts that distributions put in these groups themselves.
const STOCK_MEMBERS: &[(&str, &str)] = &[("adm", "syslog"), ("adm", "root")];

impl Check for PrivilegedGroups {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let db = ctx.users();
        let uid_min = huoyan_artifacts::login_defs::read(&ctx.root).uid_min;
        for (group, people_severity, gives) in GROUPS {
            let Some(g) = db.group(group) else { continue };
            let mut people = Vec::new();
            // Primary group 0 is accounts.gid0's finding; here only listed members of `root`.
            let members = if *group == "root" {
                g.members.clone()
            } else {
                db.members_of(group)
            };
            for member in members {
                if member == "root" || STOCK_MEMBERS.contains(&(*group, member.as_str())) {
                    continue;
                }
                let Some(account) = db.user(&member) else {
                    out.add(
                        INFO.finding(
                            Severity::Low,
                            format!(
                                "group {group} lists {member:?}, which has no /etc/passwd entry"
                            ),
                        )
                        .path("/etc/group")
                        .user(member.clone())
                        .evidence(json!({"group": group, "member": member, "group_line": g.line})),
                    );
                    continue;
                };
                if account.uid == Some(0) {
                    continue; // a second uid 0 is accounts.uid0's finding
                }
                let system = account.uid.is_some_and(|u| u < uid_min || u == 65534);
                if system {
                    out.add(
                        INFO.finding(
                            Severity::High,
                            format!(
                                "system account {member:?} (uid {}) is in group {group} and {gives}",
                                account.uid.unwrap_or_default()
                            ),
                        )
                        .path("/etc/group")
                        .user(member.clone())
                        .evidence(json!({"group": group, "member": member, "uid": account.uid, "group_line": g.line, "shell": account.shell})),
                    );
                } else {
                    people.push(member);
                }
            }
            if people.is_empty() {
                continue;
            }
            let mut f = INFO
                .finding(
                    *people_severity,
                    format!("group {group} ({gives}): {}", people.join(", ")),
                )
                .path("/etc/group")
                .evidence(
                    json!({"group": group, "gid": g.gid, "members": people, "group_line": g.line}),
                );
            for p in &people {
                f = f.user(p.clone());
            }
            // People holding a group's power is posture for the administrators to confirm; a
            // service account holding it (above) is evidence.
            out.add(f.hardening());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::testing::{root_with, run_default, DEBIAN_PASSWD};

    #[test]
    fn service_account_in_sudo_is_high_people_are_info() {
        let dir = root_with(&[
            ("/etc/passwd", DEBIAN_PASSWD),
            (
                "/etc/group",
                "root:x:0:\nsudo:x:27:alice,www-data\ndocker:x:999:ghost\n",
            ),
        ]);
        let out = run_default(&PrivilegedGroups, dir.path());
        let www = out
            .findings
            .iter()
            .find(|f| f.users == vec!["www-data"])
            .expect("www");
        assert_eq!(www.severity, Severity::High);
        let alice = out
            .findings
            .iter()
            .find(|f| f.users == vec!["alice"])
            .expect("alice");
        assert_eq!(alice.severity, Severity::Info);
        assert!(!alice.is_evidence());
        assert!(www.is_evidence());
        assert!(out
            .findings
            .iter()
            .any(|f| f.users == vec!["ghost"] && f.severity == Severity::Low));
    }

    #[test]
    fn debian_groups_are_quiet() {
        let dir = root_with(&[
            ("/etc/passwd", DEBIAN_PASSWD),
            (
                "/etc/group",
                "root:x:0:\nadm:x:4:\nsudo:x:27:\nshadow:x:42:\ndisk:x:6:\n",
            ),
        ]);
        assert!(run_default(&PrivilegedGroups, dir.path())
            .findings
            .is_empty());
    }
}
