//! `ssh.password_auth` — sshd accepts passwords, globally or for selected connections.
//!
//! **What it looks at:** the effective `PasswordAuthentication` (default `yes`) and every
//! `Match` block that sets it.
//!
//! **Why an attacker leaves this trace:** password logins are what brute force and stolen
//! credentials need. On its own a global `yes` is a hardening matter (low); a `Match` block that
//! turns passwords on for one user or address while the rest of the server uses keys is a
//! carve-out someone made on purpose, and attackers make exactly that to keep a password door.
//!
//! **Example:** `passwordauthentication yes` inside `Match User backup` at
//! `/etc/ssh/sshd_config:131`.
//!
//! **Calibration:** posture: every finding is of kind `hardening` (listed in its own section,
//! never raises the verdict or the exit code; docs/PRECISION.md).
//!
//! **ATT&CK:** T1556 (Modify Authentication Process), T1110 (Brute Force).

use huoyan_core::{CheckInfo, Outcome, Severity};

use super::config_source::{default_finding, directive_finding, judged, load};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct PasswordAuthentication;

static INFO: CheckInfo = CheckInfo {
    id: "ssh.password_auth",
    title: "sshd accepts password authentication",
    title_zh: "sshd 允许密码认证",
    mitre: &["T1556", "T1110"],
    remediation: "Prefer keys: set `PasswordAuthentication no` (and remove Match-block \
                  exceptions you cannot explain), reload sshd, and check the auth log for \
                  password logins and brute force.",
    remediation_zh:
        "优先使用密钥登录：设置 `PasswordAuthentication no`（并删除无法解释的 Match 例外），\
                     重新加载 sshd，并在认证日志中排查密码登录与暴力破解记录。",
};

impl Check for PasswordAuthentication {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let Some(cfg) = load(ctx, &INFO, out) else {
            return;
        };
        let global_yes = match cfg.global("passwordauthentication") {
            Some(d) if d.value_lower() == "yes" => {
                let f = directive_finding(&INFO, Severity::Low, d, "passwords are accepted");
                out.add(judged(ctx, f, d, None));
                true
            }
            Some(_) => false,
            None => {
                out.add(default_finding(
                    &INFO,
                    Severity::Low,
                    "PasswordAuthentication",
                    "yes",
                    "passwords are accepted",
                ));
                true
            }
        };
        for d in cfg.in_match("passwordauthentication") {
            if d.value_lower() == "yes" && !global_yes {
                let f = directive_finding(
                    &INFO,
                    Severity::Medium,
                    d,
                    "passwords are accepted for some connections only",
                );
                out.add(judged(ctx, f, d, None));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::testing::{root_with, run_default};
    use crate::ssh::testing::DEBIAN_SSHD_CONFIG;

    #[test]
    fn match_carve_out_is_medium() {
        let cfg = format!(
            "PasswordAuthentication no\n{DEBIAN_SSHD_CONFIG}Match User backup\n\tPasswordAuthentication yes\n"
        );
        let dir = root_with(&[("/etc/ssh/sshd_config", &cfg)]);
        let out = run_default(&PasswordAuthentication, dir.path());
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].severity, Severity::Medium);
    }

    #[test]
    fn default_is_low_only() {
        let dir = root_with(&[("/etc/ssh/sshd_config", DEBIAN_SSHD_CONFIG)]);
        let out = run_default(&PasswordAuthentication, dir.path());
        assert!(out.findings.iter().all(|f| f.severity <= Severity::Low));
        let dir = root_with(&[]);
        assert!(run_default(&PasswordAuthentication, dir.path())
            .findings
            .is_empty());
    }
}
