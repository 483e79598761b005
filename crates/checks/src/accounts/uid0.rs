//! `accounts.uid0` — accounts other than root with user id 0.
//!
//! **What it looks at:** every line of the root's `/etc/passwd` whose uid field is 0.
//!
//! **Why an attacker leaves this trace:** a second uid-0 account (`toor`, `admin`, `sysadm`) is a
//! classic backdoor: it is root in everything but name, survives a root password change, and
//! hides among the other accounts.
//!
//! **Example:** `toor:x:0:0::/root:/bin/sh` at `/etc/passwd` line 31.
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1136.001 (Create Account: Local Account), T1078.003 (Valid Accounts: Local).

use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct ExtraUidZero;

static INFO: CheckInfo = CheckInfo {
    id: "accounts.uid0",
    title: "Account other than root with uid 0",
    title_zh: "存在 root 以外的 uid 为 0 的账号",
    mitre: &["T1136.001", "T1078.003"],
    remediation: "Confirm nobody on the team created it; lock it (usermod -L), remove it from \
                  /etc/passwd and /etc/shadow, and look for its logins in wtmp and auth logs.",
    remediation_zh: "确认不是运维人员创建的；锁定该账号（usermod -L），从 /etc/passwd 和 \
                     /etc/shadow 中删除，并在 wtmp 与认证日志中排查其登录记录。",
};

impl Check for ExtraUidZero {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        for entry in &ctx.users().passwd {
            if entry.uid == Some(0) && entry.name != "root" {
                out.add(
                    INFO.finding(
                        Severity::Critical,
                        format!(
                            "account {:?} has uid 0 (/etc/passwd line {})",
                            entry.name, entry.line
                        ),
                    )
                    .path("/etc/passwd")
                    .user(entry.name.clone())
                    .evidence(json!({
                        "line": entry.line,
                        "name": entry.name,
                        "uid": 0,
                        "gid": entry.gid,
                        "home": entry.home,
                        "shell": entry.shell,
                    })),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use huoyan_core::{Root, Window};

    fn run_on(passwd: &str) -> Outcome {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("etc")).expect("mkdir");
        std::fs::write(dir.path().join("etc/passwd"), passwd).expect("write");
        let ctx = Context::new(Root::new(dir.path()).expect("root"), Window::default());
        let mut out = Outcome::default();
        ExtraUidZero.run(&ctx, &mut out);
        out
    }

    #[test]
    fn flags_second_uid_zero() {
        let out = run_on("root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\n");
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].users, vec!["toor"]);
        assert_eq!(out.findings[0].severity, Severity::Critical);
    }

    #[test]
    fn benign_passwd_is_quiet() {
        let out = run_on("root:x:0:0:root:/root:/bin/bash\nbob:x:1000:1000::/home/bob:/bin/bash\n");
        assert!(out.findings.is_empty());
    }
}
