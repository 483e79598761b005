//! `accounts.sudo_conf` — sudo's front-end configuration loads code from unusual places.
//!
//! **What it looks at:** `/etc/sudo.conf`: `Plugin` lines (the policy, I/O and audit plugins
//! sudo `dlopen`s as root), and `Path` lines (`askpass`, `intercept`, `noexec`, `sesh`,
//! `plugin_dir`). A plugin given as a relative name loads from sudo's own plugin directory
//! (`/usr/libexec/sudo` on Debian and RHEL); an absolute path elsewhere, or any path in a
//! writable or hidden place, is reported. Debian ships the file with every line commented.
//!
//! **Why an attacker leaves this trace:** a sudo plugin runs inside sudo as root for every
//! `sudo` call and sees every password typed — a credential logger and root backdoor in one
//! line that no `sudoers` review finds.
//!
//! **Example:** `/etc/sudo.conf` line 3: `Plugin sudoers_policy /var/tmp/.s/sudoers.so`.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1548.003 (Abuse Elevation Control Mechanism: Sudo and Sudo Caching), T1556
//! (Modify Authentication Process).

use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct SudoConf;

static INFO: CheckInfo = CheckInfo {
    id: "accounts.sudo_conf",
    title: "sudo loads a plugin or helper from an unusual place",
    title_zh: "sudo 从异常位置加载插件或辅助程序",
    mitre: &["T1548.003", "T1556"],
    remediation: "Keep /etc/sudo.conf and the named file as evidence, restore the stock \
                  sudo.conf, and treat every password typed into sudo since its change time as \
                  compromised.",
    remediation_zh: "保留 /etc/sudo.conf 及其指向的文件作为证据，恢复默认的 sudo.conf，\
                     并视该文件修改时间之后在 sudo 中输入过的所有密码为已泄露。",
};

const PLUGIN_DIRS: &[&str] = &[
    "/usr/libexec/sudo/",
    "/usr/lib/sudo/",
    "/usr/lib64/sudo/",
    "/usr/local/libexec/sudo/",
];

fn writable_or_hidden(path: &str) -> bool {
    [
        "/tmp/",
        "/var/tmp/",
        "/dev/shm/",
        "/home/",
        "/root/",
        "/run/user/",
    ]
    .iter()
    .any(|p| path.starts_with(p))
        || path
            .split('/')
            .any(|c| c.starts_with('.') && c.len() > 1 && c != "..")
}

impl Check for SudoConf {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let data = match ctx.root.read_capped("/etc/sudo.conf", 1024 * 1024) {
            Ok(c) => c.data,
            Err(e) => {
                out.gap_from(INFO.id, &e, true);
                return;
            }
        };
        let mtime = ctx.root.stat("/etc/sudo.conf").ok().and_then(|m| m.mtime);
        let text = huoyan_core::text::bytes_to_string(&data);
        for (i, line) in text.lines().enumerate() {
            let words: Vec<&str> = line.split_whitespace().collect();
            let target = match words.as_slice() {
                ["Plugin", _name, path, ..] => *path,
                ["Path", "devsearch", ..] => continue,
                ["Path", _what, path, ..] => *path,
                _ => continue,
            };
            let (severity, why) = if writable_or_hidden(target) {
                (Severity::Critical, "a writable or hidden place")
            } else if !target.starts_with('/') || PLUGIN_DIRS.iter().any(|d| target.starts_with(d))
            {
                continue;
            } else {
                (Severity::High, "outside sudo's own directories")
            };
            out.add(
                INFO.finding(
                    severity,
                    format!("/etc/sudo.conf line {}: `{}` loads {target} from {why}", i + 1, line.trim()),
                )
                .path("/etc/sudo.conf")
                .path(target)
                .at(mtime)
                .evidence(json!({"file": "/etc/sudo.conf", "line": i + 1, "text": line.trim(), "target": target})),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::testing::{root_with, run_default};

    #[test]
    fn flags_plugin_in_hidden_dir() {
        let dir = root_with(&[(
            "/etc/sudo.conf",
            "#Plugin sudoers_policy sudoers.so\nPlugin sudoers_policy /var/tmp/.s/sudoers.so\nPath askpass /opt/tools/askpass\n",
        )]);
        let out = run_default(&SudoConf, dir.path());
        assert_eq!(out.findings.len(), 2);
        assert_eq!(out.findings[0].severity, Severity::Critical);
        assert_eq!(out.findings[1].severity, Severity::High);
    }

    #[test]
    fn stock_lines_are_quiet() {
        let dir = root_with(&[(
            "/etc/sudo.conf",
            "Plugin sudoers_policy sudoers.so\nPlugin sudoers_io sudoers.so\nPath noexec /usr/libexec/sudo/sudo_noexec.so\nPath devsearch /dev/pts:/dev\nSet disable_coredump false\n",
        )]);
        assert!(run_default(&SudoConf, dir.path()).findings.is_empty());
    }
}
