//! `accounts.odd_shell` — login shells that are not shells the system knows.
//!
//! **What it looks at:** the shell field of every `/etc/passwd` entry that allows a login,
//! compared with the root's `/etc/shells` (plus the usual `/bin` and `/usr/bin` shells when that
//! file is missing), and whether the shell program exists.
//!
//! **Why an attacker leaves this trace:** setting an account's shell to `/tmp/.x/sh` or
//! `/usr/local/bin/bash2` (a trojaned copy) makes every login run the attacker's program first —
//! a login hook that survives password resets and passes a casual look at `/etc/passwd`.
//!
//! **Example:** `backup:x:34:34:backup:/var/backups:/dev/shm/.b/sh` (line 14).
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1546 (Event Triggered Execution), T1098 (Account Manipulation).

use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct OddShell;

static INFO: CheckInfo = CheckInfo {
    id: "accounts.odd_shell",
    title: "Account with an unknown or misplaced login shell",
    title_zh: "账号的登录 shell 未知或位置异常",
    mitre: &["T1546", "T1098"],
    remediation: "Keep the shell program as evidence (hash it), set the account's shell back \
                  (usermod -s /bin/bash or /usr/sbin/nologin), and look at what the program \
                  does and who logged in since.",
    remediation_zh:
        "保留该 shell 程序作为证据（计算散列），将账号 shell 改回（usermod -s /bin/bash 或 \
                     /usr/sbin/nologin），分析该程序的行为并排查此后的登录记录。",
};

const FALLBACK_SHELLS: &[&str] = &[
    "/bin/sh",
    "/bin/bash",
    "/bin/dash",
    "/bin/zsh",
    "/bin/ksh",
    "/bin/csh",
    "/bin/tcsh",
    "/bin/rbash",
    "/usr/bin/sh",
    "/usr/bin/bash",
    "/usr/bin/dash",
    "/usr/bin/zsh",
    "/usr/bin/fish",
];

fn writable_or_hidden(path: &str) -> bool {
    [
        "/tmp/",
        "/var/tmp/",
        "/dev/shm/",
        "/home/",
        "/root/",
        "/run/user/",
        "/var/www/",
    ]
    .iter()
    .any(|p| path.starts_with(p))
        || path
            .split('/')
            .any(|c| c.starts_with('.') && c.len() > 1 && c != "..")
}

impl Check for OddShell {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let known: Vec<String> = match ctx.root.read_capped("/etc/shells", 1024 * 1024) {
            Ok(c) => huoyan_core::text::bytes_to_string(&c.data)
                .lines()
                .map(str::trim)
                .filter(|l| l.starts_with('/'))
                .map(String::from)
                .collect(),
            Err(e) => {
                out.gap_from(INFO.id, &e, true);
                FALLBACK_SHELLS.iter().map(|s| s.to_string()).collect()
            }
        };
        for e in &ctx.users().passwd {
            if !e.has_login_shell() || e.name.starts_with(['+', '-']) {
                continue;
            }
            let shell = e.shell.trim();
            let exists = ctx.root.exists(shell);
            let (severity, why) = if writable_or_hidden(shell) {
                (Severity::High, "in a writable or hidden place")
            } else if !shell.starts_with('/') {
                (Severity::Medium, "not an absolute path")
            } else if known.iter().any(|k| k == shell) {
                continue;
            } else if !exists {
                (Severity::Low, "not in /etc/shells and not present")
            } else {
                (Severity::Medium, "not listed in /etc/shells")
            };
            out.add(
                INFO.finding(
                    severity,
                    format!(
                        "account {:?} has login shell {shell}: {why} (/etc/passwd line {})",
                        e.name, e.line
                    ),
                )
                .path("/etc/passwd")
                .path(shell)
                .user(e.name.clone())
                .evidence(json!({"line": e.line, "shell": shell, "exists": exists, "uid": e.uid})),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::testing::{root_with, run_default, DEBIAN_PASSWD};

    const SHELLS: &str = "# /etc/shells: valid login shells\n/bin/sh\n/usr/bin/sh\n/bin/bash\n/usr/bin/bash\n/bin/rbash\n/usr/bin/rbash\n/bin/dash\n/usr/bin/dash\n";

    #[test]
    fn flags_shell_in_shm() {
        let passwd = DEBIAN_PASSWD.replace(
            "backup:x:34:34:backup:/var/backups:/usr/sbin/nologin",
            "backup:x:34:34:backup:/var/backups:/dev/shm/.b/sh",
        );
        let dir = root_with(&[("/etc/passwd", &passwd), ("/etc/shells", SHELLS)]);
        let out = run_default(&OddShell, dir.path());
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].users, vec!["backup"]);
        assert_eq!(out.findings[0].severity, Severity::High);
    }

    #[test]
    fn debian_is_quiet() {
        let dir = root_with(&[("/etc/passwd", DEBIAN_PASSWD), ("/etc/shells", SHELLS)]);
        assert!(run_default(&OddShell, dir.path()).findings.is_empty());
    }
}
