//! `ssh.empty_passwords` — sshd lets accounts with an empty password log in.
//!
//! **What it looks at:** the effective `PermitEmptyPasswords` (default `no`) and `Match` blocks
//! that set it, together with the accounts whose shadow hash is empty.
//!
//! **Why an attacker leaves this trace:** blanking a password only opens a network door when sshd
//! also permits empty passwords; the two edits together are a complete backdoor that needs no
//! tool and no key. With an empty-password account present the finding is critical.
//!
//! **Example:** `permitemptypasswords yes` at `/etc/ssh/sshd_config:58`, account `backup` with an
//! empty hash.
//!
//! **Calibration:** posture: every finding is of kind `hardening` (listed in its own section,
//! never raises the verdict or the exit code; docs/PRECISION.md).
//!
//! **ATT&CK:** T1556 (Modify Authentication Process), T1078.003 (Valid Accounts: Local Accounts).

use huoyan_core::{CheckInfo, Outcome, Severity};

use super::config_source::{directive_finding, judged, load};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct PermitEmptyPasswords;

static INFO: CheckInfo = CheckInfo {
    id: "ssh.empty_passwords",
    title: "sshd permits empty passwords",
    title_zh: "sshd 允许空密码登录",
    mitre: &["T1556", "T1078.003"],
    remediation: "Set `PermitEmptyPasswords no`, reload sshd, lock every account with an empty \
                  hash (passwd -l) and look for their logins in the auth log.",
    remediation_zh:
        "设置 `PermitEmptyPasswords no` 并重新加载 sshd，锁定所有空密码账号（passwd -l），\
                     并在认证日志中排查这些账号的登录记录。",
};

impl Check for PermitEmptyPasswords {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let Some(cfg) = load(ctx, &INFO, out) else {
            return;
        };
        let empty: Vec<String> = ctx
            .users()
            .shadow
            .iter()
            .filter(|s| s.is_empty_password())
            .map(|s| s.name.clone())
            .collect();
        let candidates = cfg
            .global("permitemptypasswords")
            .into_iter()
            .chain(cfg.in_match("permitemptypasswords"));
        for d in candidates {
            if d.value_lower() != "yes" {
                continue;
            }
            let (severity, what) = if empty.is_empty() {
                (
                    Severity::High,
                    "accounts without a password may log in".to_string(),
                )
            } else {
                (
                    Severity::Critical,
                    format!(
                        "accounts without a password may log in ({})",
                        empty.join(", ")
                    ),
                )
            };
            let mut f = directive_finding(&INFO, severity, d, &what);
            for u in &empty {
                f = f.user(u.clone());
            }
            out.add(judged(ctx, f, d, None));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::testing::{root_with, run_default};
    use crate::ssh::testing::DEBIAN_SSHD_CONFIG;

    #[test]
    fn critical_with_empty_account() {
        let cfg = format!("PermitEmptyPasswords yes\n{DEBIAN_SSHD_CONFIG}");
        let dir = root_with(&[
            ("/etc/ssh/sshd_config", &cfg),
            (
                "/etc/shadow",
                "root:*:1:0:99999:7:::\nbackup::19000:0:99999:7:::\n",
            ),
        ]);
        let out = run_default(&PermitEmptyPasswords, dir.path());
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].severity, Severity::Critical);
        assert_eq!(out.findings[0].users, vec!["backup"]);
    }

    #[test]
    fn debian_default_is_quiet() {
        let dir = root_with(&[("/etc/ssh/sshd_config", DEBIAN_SSHD_CONFIG)]);
        assert!(run_default(&PermitEmptyPasswords, dir.path())
            .findings
            .is_empty());
    }
}
