//! `accounts.empty_password` — accounts that log in without a password, or whose hash is in the
//! world-readable `/etc/passwd`, or that have no shadow entry at all.
//!
//! **What it looks at:** the hash field of `/etc/shadow` (empty means "no password needed"), and
//! the password field of `/etc/passwd`: empty (no password, shadow not consulted), a hash instead
//! of `x` (readable by every user, and it overrides shadow), or `x` with no shadow line.
//!
//! **Why an attacker leaves this trace:** blanking a hash is the quickest backdoor into an
//! existing account (`su - backup` with no password); writing a known hash into `/etc/passwd`
//! gives a password that survives edits of shadow and is easy to miss. Locked system accounts
//! (`*`, `!`) are normal and not reported.
//!
//! **Example:** `backup::19800:0:99999:7:::` at `/etc/shadow` line 14.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1098 (Account Manipulation), T1078.003 (Valid Accounts: Local Accounts).

use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct EmptyPassword;

static INFO: CheckInfo = CheckInfo {
    id: "accounts.empty_password",
    title: "Account with an empty or misplaced password hash",
    title_zh: "账号密码为空或密码散列存放位置异常",
    mitre: &["T1098", "T1078.003"],
    remediation: "Lock the account now (passwd -l), set `x` in /etc/passwd and a proper hash or \
                  `!` in /etc/shadow (pwconv), then look for logins to it in wtmp and auth logs.",
    remediation_zh: "立即锁定该账号（passwd -l），将 /etc/passwd 中的密码字段改为 x，\
                     在 /etc/shadow 中设置正确的散列或 !（pwconv），并排查 wtmp 与认证日志中的登录。",
};

impl Check for EmptyPassword {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let db = ctx.users();
        for s in &db.shadow {
            if !s.is_empty_password() || s.name.starts_with(['+', '-']) {
                continue;
            }
            let login = db.user(&s.name).is_some_and(|p| p.has_login_shell());
            let severity = if login {
                Severity::Critical
            } else {
                Severity::High
            };
            out.add(
                INFO.finding(
                    severity,
                    format!(
                        "account {:?} has an empty password in /etc/shadow (line {}){}",
                        s.name,
                        s.line,
                        if login { " and a login shell" } else { "" }
                    ),
                )
                .path("/etc/shadow")
                .user(s.name.clone())
                .evidence(json!({"file": "/etc/shadow", "line": s.line, "hash": "", "login_shell": login})),
            );
        }
        let shadow_known = !db.shadow.is_empty();
        for p in &db.passwd {
            if p.name.starts_with(['+', '-']) {
                continue;
            }
            let (severity, what) = match p.password.as_str() {
                "x" => {
                    if shadow_known && db.shadow_of(&p.name).is_none() {
                        (
                            Severity::Medium,
                            "has `x` in /etc/passwd but no /etc/shadow entry",
                        )
                    } else {
                        continue;
                    }
                }
                "" => (
                    Severity::Critical,
                    "has an empty password field in /etc/passwd (no password needed)",
                ),
                pw if pw.starts_with(['*', '!']) => continue,
                _ => (
                    Severity::High,
                    "has a password hash in /etc/passwd instead of /etc/shadow",
                ),
            };
            out.add(
                INFO.finding(
                    severity,
                    format!("account {:?} {what} (line {})", p.name, p.line),
                )
                .path("/etc/passwd")
                .user(p.name.clone())
                .evidence(json!({
                    "file": "/etc/passwd",
                    "line": p.line,
                    "password_field_len": p.password.len(),
                    "password_field_prefix": p.password.chars().take(4).collect::<String>(),
                    "shell": p.shell,
                })),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::testing::{root_with, run_default};

    const SHADOW: &str = "root:$y$j9T$abc$def:19700:0:99999:7:::\ndaemon:*:19700:0:99999:7:::\nalice:$y$j9T$x$y:19700:0:99999:7:::\n";

    #[test]
    fn flags_empty_and_misplaced_hashes() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n\
alice:x:1000:1000::/home/alice:/bin/bash\nbackup::34:34::/var/backups:/bin/sh\n\
eve:$1$salt$hashhashhash:1001:1001::/home/eve:/bin/bash\nghost:x:1002:1002::/home/ghost:/bin/bash\n";
        let shadow = format!("{SHADOW}bob::19800:0:99999:7:::\n");
        let dir = root_with(&[("/etc/passwd", passwd), ("/etc/shadow", &shadow)]);
        let out = run_default(&EmptyPassword, dir.path());
        let users: Vec<&str> = out.findings.iter().map(|f| f.users[0].as_str()).collect();
        assert!(users.contains(&"bob"), "{users:?}");
        assert!(users.contains(&"backup"));
        assert!(users.contains(&"eve"));
        assert!(users.contains(&"ghost"));
        assert!(!users.contains(&"alice"));
        let backup = out
            .findings
            .iter()
            .find(|f| f.users[0] == "backup")
            .expect("backup");
        assert_eq!(backup.severity, Severity::Critical);
    }

    #[test]
    fn locked_and_hashed_accounts_are_quiet() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\nalice:x:1000:1000::/home/alice:/bin/bash\n";
        let dir = root_with(&[("/etc/passwd", passwd), ("/etc/shadow", SHADOW)]);
        assert!(run_default(&EmptyPassword, dir.path()).findings.is_empty());
    }
}
