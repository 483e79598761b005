//! `accounts.gid0` — accounts other than root whose primary group is 0 (`root`).
//!
//! **What it looks at:** every `/etc/passwd` line whose gid field is 0 and whose uid is not 0
//! (uid 0 is `accounts.uid0`'s job).
//!
//! **Why an attacker leaves this trace:** primary group root gives read access to every
//! root-group-readable file (logs, configs, keys under `/etc` with mode 0640 root:root) and write
//! access to group-writable ones, without the noise of a second uid 0. RHEL ships `sync`,
//! `shutdown`, `halt` and `operator` with gid 0 and their stock shells; those are not reported.
//!
//! **Example:** `svc:x:1001:0::/home/svc:/bin/bash` at `/etc/passwd` line 22.
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1136.001 (Create Account: Local Account), T1098 (Account Manipulation).

use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct ExtraGidZero;

static INFO: CheckInfo = CheckInfo {
    id: "accounts.gid0",
    title: "Account other than root with primary group 0",
    title_zh: "存在 root 以外的主组为 0（root 组）的账号",
    mitre: &["T1136.001", "T1098"],
    remediation: "Check who created the account and why it is in group root; move it to its own \
                  group (usermod -g) or delete it, and review files it could read or change.",
    remediation_zh: "核实该账号的创建者及其属于 root 组的原因；将其主组改为独立的组（usermod -g）\
                     或删除账号，并排查它可能读取或修改过的文件。",
};

/// RHEL's stock gid-0 accounts with their stock shells.
const STOCK: &[(&str, &str)] = &[
    ("sync", "/bin/sync"),
    ("shutdown", "/sbin/shutdown"),
    ("halt", "/sbin/halt"),
    ("operator", "/sbin/nologin"),
    ("operator", "/usr/sbin/nologin"),
];

impl Check for ExtraGidZero {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        for e in &ctx.users().passwd {
            if e.gid != Some(0) || e.uid == Some(0) {
                continue;
            }
            if STOCK.iter().any(|(n, s)| *n == e.name && *s == e.shell) {
                continue;
            }
            let severity = if e.has_login_shell() {
                Severity::High
            } else {
                Severity::Medium
            };
            out.add(
                INFO.finding(
                    severity,
                    format!(
                        "account {:?} (uid {}) has primary group 0 (/etc/passwd line {})",
                        e.name,
                        e.uid.map(|u| u.to_string()).unwrap_or_else(|| "?".into()),
                        e.line
                    ),
                )
                .path("/etc/passwd")
                .user(e.name.clone())
                .evidence(json!({"line": e.line, "uid": e.uid, "gid": 0, "home": e.home, "shell": e.shell})),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::testing::{root_with, run_default, DEBIAN_PASSWD};

    #[test]
    fn flags_gid_zero_user() {
        let passwd = format!("{DEBIAN_PASSWD}svc:x:1001:0::/home/svc:/bin/bash\n");
        let dir = root_with(&[("/etc/passwd", &passwd)]);
        let out = run_default(&ExtraGidZero, dir.path());
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].users, vec!["svc"]);
        assert_eq!(out.findings[0].severity, Severity::High);
    }

    #[test]
    fn debian_and_rhel_stock_are_quiet() {
        let passwd = format!("{DEBIAN_PASSWD}shutdown:x:6:0:shutdown:/sbin:/sbin/shutdown\n");
        let dir = root_with(&[("/etc/passwd", &passwd)]);
        assert!(run_default(&ExtraGidZero, dir.path()).findings.is_empty());
    }
}
