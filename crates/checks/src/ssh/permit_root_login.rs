//! `ssh.permit_root_login` — sshd lets root log in with a password.
//!
//! **What it looks at:** the effective `PermitRootLogin` of sshd_config (first value wins,
//! includes expanded; default `prohibit-password` since OpenSSH 7.0) and any `Match` block that
//! changes it.
//!
//! **Why an attacker leaves this trace:** `PermitRootLogin yes` lets a stolen or brute-forced
//! root password work over the network; attackers set it (often in a drop-in under
//! `/etc/ssh/sshd_config.d/`, or only for their address in a `Match Address` block) to keep a
//! direct root door.
//!
//! **Example:** `permitrootlogin yes` at `/etc/ssh/sshd_config.d/99-x.conf:1`.
//!
//! **Calibration:** posture: every finding is of kind `hardening` (listed in its own section,
//! never raises the verdict or the exit code; docs/PRECISION.md).
//!
//! **ATT&CK:** T1021.004 (Remote Services: SSH), T1556 (Modify Authentication Process).

use huoyan_core::{CheckInfo, Outcome, Severity};

use super::config_source::{directive_finding, judged, load};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct PermitRootLogin;

static INFO: CheckInfo = CheckInfo {
    id: "ssh.permit_root_login",
    title: "sshd allows root to log in with a password",
    title_zh: "sshd 允许 root 使用密码登录",
    mitre: &["T1021.004", "T1556"],
    remediation: "Set `PermitRootLogin prohibit-password` (or `no`) in the file and line shown, \
                  check sshd_config.d drop-ins, reload sshd, change the root password, and look \
                  for root logins in the auth log.",
    remediation_zh: "在所示文件和行中设置 `PermitRootLogin prohibit-password`（或 `no`），\
                     检查 sshd_config.d 下的附加配置，重新加载 sshd，修改 root 密码，\
                     并在认证日志中排查 root 登录记录。",
};

impl Check for PermitRootLogin {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let Some(cfg) = load(ctx, &INFO, out) else {
            return;
        };
        let candidates = cfg
            .global("permitrootlogin")
            .into_iter()
            .chain(cfg.in_match("permitrootlogin"));
        for d in candidates {
            if d.value_lower() == "yes" {
                let f =
                    directive_finding(&INFO, Severity::High, d, "root may log in with a password")
                        .user("root");
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
    fn flags_dropin_and_match() {
        let dir = root_with(&[
            ("/etc/ssh/sshd_config", DEBIAN_SSHD_CONFIG),
            ("/etc/ssh/sshd_config.d/99-x.conf", "PermitRootLogin yes\n"),
        ]);
        let out = run_default(&PermitRootLogin, dir.path());
        assert_eq!(out.findings.len(), 1);
        assert_eq!(
            out.findings[0].paths,
            vec!["/etc/ssh/sshd_config.d/99-x.conf"]
        );
        let cfg = format!("{DEBIAN_SSHD_CONFIG}Match Address 203.0.113.9\n  PermitRootLogin yes\n");
        let dir = root_with(&[("/etc/ssh/sshd_config", &cfg)]);
        assert_eq!(run_default(&PermitRootLogin, dir.path()).findings.len(), 1);
    }

    #[test]
    fn setting_is_hardening_unless_its_file_changed_in_the_window() {
        let dir = root_with(&[
            ("/etc/ssh/sshd_config", DEBIAN_SSHD_CONFIG),
            ("/etc/ssh/sshd_config.d/99-x.conf", "PermitRootLogin yes\n"),
        ]);
        // Written just now: inside the default window.
        let fresh = run_default(&PermitRootLogin, dir.path());
        assert!(fresh.findings[0].is_evidence(), "{:#?}", fresh.findings);
        // A window that starts after the files were written: a weakness, not an act.
        let window = huoyan_core::Window {
            since: huoyan_core::time::from_unix(4_000_000_000, 0),
            until: None,
        };
        let old = crate::accounts::testing::run(&PermitRootLogin, dir.path(), window);
        assert_eq!(old.findings.len(), 1);
        assert_eq!(old.findings[0].severity, Severity::High);
        assert!(!old.findings[0].is_evidence(), "{:#?}", old.findings);
    }

    #[test]
    fn debian_default_is_quiet_and_first_value_wins() {
        let dir = root_with(&[
            ("/etc/ssh/sshd_config", DEBIAN_SSHD_CONFIG),
            ("/etc/ssh/sshd_config.d/10-no.conf", "PermitRootLogin no\n"),
            (
                "/etc/ssh/sshd_config.d/20-yes.conf",
                "PermitRootLogin yes\n",
            ),
        ]);
        let out = run_default(&PermitRootLogin, dir.path());
        assert!(out.findings.is_empty(), "{:#?}", out.findings);
    }
}
