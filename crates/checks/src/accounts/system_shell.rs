//! `accounts.system_shell` — system accounts (uid below `UID_MIN`) that have a login shell.
//!
//! **What it looks at:** `/etc/passwd` accounts with 0 < uid < `UID_MIN` (from the root's
//! `/etc/login.defs`, 1000 by default) or uid 65534 (`nobody`), whose shell allows a login, and
//! whether `/etc/shadow` also holds a usable hash for them.
//!
//! **Why an attacker leaves this trace:** service accounts (`www-data`, `daemon`, `games`) are
//! never looked at; giving one `/bin/bash` (and a password or a key) turns it into a quiet way
//! back in, and web-shell operators do it to upgrade the web server's user to an interactive
//! login. A few services ship with a shell on purpose (`postgres` on Debian); those are low.
//!
//! **Example:** `www-data:x:33:33:www-data:/var/www:/bin/bash` with a `$y$` hash in shadow.
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
pub struct SystemAccountShell;

static INFO: CheckInfo = CheckInfo {
    id: "accounts.system_shell",
    title: "System account with a login shell",
    title_zh: "系统账号拥有可登录的 shell",
    mitre: &["T1098", "T1078.003"],
    remediation: "Set the shell back to /usr/sbin/nologin (usermod -s), lock the password \
                  (passwd -l), remove any ~/.ssh/authorized_keys of the account, and check its \
                  logins in wtmp and the auth logs.",
    remediation_zh: "将 shell 改回 /usr/sbin/nologin（usermod -s），锁定密码（passwd -l），\
                     删除该账号的 ~/.ssh/authorized_keys，并排查其在 wtmp 与认证日志中的登录。",
};

/// Services whose packages create the account with a shell on purpose.
const SHIPPED_WITH_SHELL: &[&str] = &["postgres", "git", "gitlab", "oracle", "jenkins", "vagrant"];

impl Check for SystemAccountShell {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let defs = huoyan_artifacts::login_defs::read(&ctx.root);
        let db = ctx.users();
        for e in &db.passwd {
            let Some(uid) = e.uid else { continue };
            let system = (uid != 0 && uid < defs.uid_min) || uid == 65534;
            if !system || !e.has_login_shell() || e.name.starts_with(['+', '-']) {
                continue;
            }
            let hash = db.shadow_of(&e.name).is_some_and(|s| s.has_usable_hash());
            let severity = if hash {
                Severity::High
            } else if SHIPPED_WITH_SHELL.contains(&e.name.as_str()) {
                Severity::Low
            } else {
                Severity::Medium
            };
            out.add(
                INFO.finding(
                    severity,
                    format!(
                        "system account {:?} (uid {uid}) has login shell {}{}",
                        e.name,
                        e.shell,
                        if hash {
                            " and a usable password hash"
                        } else {
                            ""
                        }
                    ),
                )
                .path("/etc/passwd")
                .user(e.name.clone())
                .evidence(json!({
                    "line": e.line,
                    "uid": uid,
                    "shell": e.shell,
                    "home": e.home,
                    "uid_min": defs.uid_min,
                    "usable_hash": hash,
                })),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::testing::{root_with, run_default, DEBIAN_PASSWD};

    #[test]
    fn flags_service_account_with_bash() {
        let passwd = DEBIAN_PASSWD.replace(
            "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin",
            "www-data:x:33:33:www-data:/var/www:/bin/bash",
        );
        let dir = root_with(&[
            ("/etc/passwd", &passwd),
            ("/etc/shadow", "www-data:$6$s$h:19000:0:99999:7:::\n"),
        ]);
        let out = run_default(&SystemAccountShell, dir.path());
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].users, vec!["www-data"]);
        assert_eq!(out.findings[0].severity, Severity::High);
    }

    #[test]
    fn uid_min_from_login_defs() {
        let passwd = "root:x:0:0::/root:/bin/bash\nold:x:600:600::/home/old:/bin/bash\n";
        let dir = root_with(&[
            ("/etc/passwd", passwd),
            ("/etc/login.defs", "UID_MIN 500\n"),
        ]);
        assert!(run_default(&SystemAccountShell, dir.path())
            .findings
            .is_empty());
        let dir = root_with(&[("/etc/passwd", passwd)]);
        assert_eq!(
            run_default(&SystemAccountShell, dir.path()).findings.len(),
            1
        );
    }

    #[test]
    fn debian_is_quiet() {
        let dir = root_with(&[("/etc/passwd", DEBIAN_PASSWD)]);
        assert!(run_default(&SystemAccountShell, dir.path())
            .findings
            .is_empty());
    }
}
