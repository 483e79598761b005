//! `accounts.duplicate_uid` — two accounts sharing a user id, or one login name listed twice.
//!
//! **What it looks at:** `/etc/passwd` uids (other than 0, which `accounts.uid0` covers) and login
//! names that occur more than once.
//!
//! **Why an attacker leaves this trace:** a second name for an existing uid (`www-data` and
//! `wwwadm`, both 33) is a private login into someone else's identity: files, processes and logs
//! all show the first name, while the attacker authenticates with their own password. A name
//! listed twice makes tools disagree on which line counts.
//!
//! **Example:** `sysupd:x:1000:1000::/home/alice:/bin/bash` duplicating uid 1000 of `alice`.
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1136.001 (Create Account: Local Account), T1078.003 (Valid Accounts: Local).

use std::collections::BTreeMap;

use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct DuplicateUid;

static INFO: CheckInfo = CheckInfo {
    id: "accounts.duplicate_uid",
    title: "Several accounts share one user id (or one name)",
    title_zh: "多个账号共用同一 uid（或同名账号重复）",
    mitre: &["T1136.001", "T1078.003"],
    remediation: "Find out which entry is the original; lock and remove the extra one (from \
                  passwd and shadow) and check the auth logs for logins with its name.",
    remediation_zh: "确认哪一条是原始账号；锁定并删除多余的条目（passwd 与 shadow），\
                     并在认证日志中排查以该名称登录的记录。",
};

impl Check for DuplicateUid {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let mut by_uid: BTreeMap<u32, Vec<&huoyan_artifacts::users::PasswdEntry>> = BTreeMap::new();
        let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for e in &ctx.users().passwd {
            if let Some(uid) = e.uid.filter(|&u| u != 0) {
                by_uid.entry(uid).or_default().push(e);
            }
            by_name.entry(e.name.as_str()).or_default().push(e.line);
        }
        for (uid, entries) in by_uid.into_iter().filter(|(_, v)| v.len() > 1) {
            let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
            let lines: Vec<usize> = entries.iter().map(|e| e.line).collect();
            let mut f = INFO
                .finding(
                    Severity::High,
                    format!("uid {uid} is shared by {}", names.join(", ")),
                )
                .path("/etc/passwd")
                .evidence(json!({"uid": uid, "names": names, "lines": lines}));
            for n in &names {
                f = f.user(*n);
            }
            out.add(f);
        }
        for (name, lines) in by_name.into_iter().filter(|(_, v)| v.len() > 1) {
            if name.starts_with(['+', '-']) {
                continue; // NIS compat entries
            }
            out.add(
                INFO.finding(
                    Severity::Medium,
                    format!(
                        "login name {name:?} appears {} times in /etc/passwd",
                        lines.len()
                    ),
                )
                .path("/etc/passwd")
                .user(name)
                .evidence(json!({"name": name, "lines": lines})),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::testing::{root_with, run_default, DEBIAN_PASSWD};

    #[test]
    fn flags_shared_uid_and_name() {
        let passwd = format!(
            "{DEBIAN_PASSWD}sysupd:x:1000:1000::/home/alice:/bin/bash\nalice:x:1005:1005::/x:/bin/sh\n"
        );
        let dir = root_with(&[("/etc/passwd", &passwd)]);
        let out = run_default(&DuplicateUid, dir.path());
        assert_eq!(out.findings.len(), 2);
        assert!(out
            .findings
            .iter()
            .any(|f| f.users == vec!["alice", "sysupd"]));
    }

    #[test]
    fn debian_is_quiet() {
        let dir = root_with(&[("/etc/passwd", DEBIAN_PASSWD)]);
        assert!(run_default(&DuplicateUid, dir.path()).findings.is_empty());
    }
}
