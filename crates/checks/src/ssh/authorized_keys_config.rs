//! `ssh.authorized_keys_config` — where sshd looks for keys: `AuthorizedKeysFile` and
//! `AuthorizedKeysCommand`.
//!
//! **What it looks at:** `AuthorizedKeysFile` values other than the default
//! (`.ssh/authorized_keys .ssh/authorized_keys2`), in particular files outside home directories
//! or in writable places; `AuthorizedKeysCommand` (a program sshd runs on every key login to
//! print the allowed keys) and the user it runs as; `PermitUserEnvironment`, which makes sshd
//! honour `environment=` key options and `~/.ssh/environment`; `TrustedUserCAKeys` (every
//! certificate signed by a listed CA may log in, with no per-user key file at all) and
//! `AuthorizedPrincipalsCommand`.
//!
//! **Why an attacker leaves this trace:** an extra `AuthorizedKeysFile /var/tmp/.k` accepts the
//! attacker's key for every account while every user's own `authorized_keys` looks clean; an
//! `AuthorizedKeysCommand` script can print a key for any user — or run anything as its
//! `AuthorizedKeysCommandUser` on each connection. Directory-service helpers (sss, EC2 Instance
//! Connect, Google guest agent) use the command legitimately and are reported as low.
//!
//! **Example:** `authorizedkeysfile .ssh/authorized_keys /etc/ssh/.keys/%u` at
//! `/etc/ssh/sshd_config.d/50-cloud.conf:2`.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1098.004 (Account Manipulation: SSH Authorized Keys), T1556 (Modify
//! Authentication Process).

use huoyan_core::{CheckInfo, Outcome, Severity};

use super::config_source::{directive_finding, judged, load};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct AuthorizedKeysConfig;

static INFO: CheckInfo = CheckInfo {
    id: "ssh.authorized_keys_config",
    title: "sshd reads keys from an unusual file or command",
    title_zh: "sshd 从非常规文件或命令读取登录公钥",
    mitre: &["T1098.004", "T1556"],
    remediation: "Check every file or program named here: keep its content as evidence, remove \
                  keys nobody can account for, restore the default AuthorizedKeysFile unless \
                  the setting is documented, and reload sshd.",
    remediation_zh: "检查此处指定的每个文件或程序：保留内容作为证据，删除无法确认来源的公钥，\
                     若该配置没有书面依据则恢复默认的 AuthorizedKeysFile，并重新加载 sshd。",
};

const DEFAULT_FILES: &[&str] = &[
    ".ssh/authorized_keys",
    ".ssh/authorized_keys2",
    "%h/.ssh/authorized_keys",
    "%h/.ssh/authorized_keys2",
];

/// Helpers shipped by directory services and cloud agents.
const KNOWN_COMMANDS: &[&str] = &[
    "/usr/bin/sss_ssh_authorizedkeys",
    "/usr/share/ec2-instance-connect/eic_run_authorized_keys",
    "/opt/aws/bin/eic_run_authorized_keys",
    "/usr/bin/google_authorized_keys",
    "/usr/bin/gitlab-shell-authorized-keys-check",
    "/usr/bin/ipa-ssh-authorizedkeys",
];

fn writable_place(p: &str) -> bool {
    ["/tmp/", "/var/tmp/", "/dev/shm/", "/run/user/"]
        .iter()
        .any(|w| p.starts_with(w))
        || p.split('/')
            .any(|c| c.starts_with('.') && c.len() > 1 && c != ".." && c != ".ssh")
}

impl Check for AuthorizedKeysConfig {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let Some(cfg) = load(ctx, &INFO, out) else {
            return;
        };
        let files = cfg
            .global("authorizedkeysfile")
            .into_iter()
            .chain(cfg.in_match("authorizedkeysfile"));
        for d in files {
            let unusual: Vec<&String> = d
                .args
                .iter()
                .filter(|a| !DEFAULT_FILES.contains(&a.as_str()) && a.as_str() != "none")
                .collect();
            if unusual.is_empty() {
                continue;
            }
            let severity = if unusual.iter().any(|a| writable_place(a)) {
                Severity::High
            } else if unusual.iter().any(|a| a.starts_with('/')) {
                Severity::Medium
            } else {
                Severity::Low
            };
            let planted = unusual
                .iter()
                .find(|a| writable_place(a))
                .map(|a| format!("keys are read from {a}, a writable or hidden place"));
            let f = directive_finding(
                &INFO,
                severity,
                d,
                "keys are also read from a non-default file",
            );
            out.add(judged(ctx, f, d, planted.as_deref()));
        }
        let user_env = cfg
            .global("permituserenvironment")
            .into_iter()
            .chain(cfg.in_match("permituserenvironment"));
        for d in user_env {
            if d.value_lower() != "no" {
                let f = directive_finding(
                    &INFO,
                    Severity::Medium,
                    d,
                    "sshd applies environment= key options and ~/.ssh/environment (LD_PRELOAD …)",
                );
                out.add(judged(ctx, f, d, None));
            }
        }
        for d in cfg
            .global("trustedusercakeys")
            .into_iter()
            .chain(cfg.in_match("trustedusercakeys"))
        {
            let Some(file) = d.args.first().filter(|f| !f.eq_ignore_ascii_case("none")) else {
                continue;
            };
            let keys = ctx
                .root
                .read_capped(file, 1024 * 1024)
                .map(|c| huoyan_artifacts::authorized_keys::parse(&c.data))
                .unwrap_or_default();
            let fingerprints: Vec<String> = keys
                .keys
                .iter()
                .map(|k| format!("{} {}", k.fingerprint.as_deref().unwrap_or("?"), k.comment))
                .collect();
            let severity = if writable_place(file) {
                Severity::High
            } else {
                Severity::Medium
            };
            let planted = writable_place(file)
                .then(|| format!("CA keys are read from {file}, a writable or hidden place"));
            let f = directive_finding(
                &INFO,
                severity,
                d,
                &format!(
                    "any certificate signed by these CA keys may log in ({})",
                    if fingerprints.is_empty() {
                        "file unreadable or empty".to_string()
                    } else {
                        fingerprints.join("; ")
                    }
                ),
            )
            .path(file.clone());
            out.add(judged(ctx, f, d, planted.as_deref()));
        }
        let commands = cfg
            .global("authorizedprincipalscommand")
            .into_iter()
            .chain(cfg.in_match("authorizedprincipalscommand"))
            .chain(cfg.global("authorizedkeyscommand"))
            .chain(cfg.in_match("authorizedkeyscommand"));
        for d in commands {
            let Some(program) = d.args.first() else {
                continue;
            };
            if program.eq_ignore_ascii_case("none") {
                continue;
            }
            let user_keyword = if d.keyword == "authorizedprincipalscommand" {
                "authorizedprincipalscommanduser"
            } else {
                "authorizedkeyscommanduser"
            };
            let run_as = cfg
                .global(user_keyword)
                .and_then(|u| u.args.first().cloned())
                .unwrap_or_else(|| "(unset: sshd refuses the command)".into());
            let severity = if writable_place(program) || !program.starts_with('/') {
                Severity::High
            } else if KNOWN_COMMANDS.contains(&program.as_str()) {
                Severity::Low
            } else if run_as == "root" {
                Severity::High
            } else {
                Severity::Medium
            };
            let planted = (writable_place(program) || !program.starts_with('/'))
                .then(|| format!("the key program {program} is in a writable or hidden place or not an absolute path"));
            let f = directive_finding(
                &INFO,
                severity,
                d,
                &format!("sshd runs a program to list keys (as {run_as})"),
            )
            .path(program.clone());
            out.add(judged(ctx, f, d, planted.as_deref()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::testing::{root_with, run_default};
    use crate::ssh::testing::DEBIAN_SSHD_CONFIG;

    #[test]
    fn flags_hidden_key_file_and_root_command() {
        let cfg = format!(
            "AuthorizedKeysFile .ssh/authorized_keys /var/tmp/.k/%u\nAuthorizedKeysCommand /usr/local/bin/keys %u\nAuthorizedKeysCommandUser root\nPermitUserEnvironment yes\n{DEBIAN_SSHD_CONFIG}"
        );
        let dir = root_with(&[("/etc/ssh/sshd_config", &cfg)]);
        let out = run_default(&AuthorizedKeysConfig, dir.path());
        assert_eq!(out.findings.len(), 3, "{:#?}", out.findings);
        assert_eq!(
            out.findings
                .iter()
                .filter(|f| f.severity == Severity::High)
                .count(),
            2
        );
        assert!(out
            .findings
            .iter()
            .any(|f| f.paths.contains(&"/usr/local/bin/keys".to_string())));
    }

    #[test]
    fn flags_trusted_ca() {
        let ca =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILIIhm5zIWmtDxuzh6dkjj6C0JvOeY8bKbQ0vl2kTEKB ca\n";
        let cfg = format!("TrustedUserCAKeys /var/tmp/.ca.pub\n{DEBIAN_SSHD_CONFIG}");
        let dir = root_with(&[("/etc/ssh/sshd_config", &cfg), ("/var/tmp/.ca.pub", ca)]);
        let out = run_default(&AuthorizedKeysConfig, dir.path());
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].severity, Severity::High);
        assert!(out.findings[0].summary.contains("SHA256:"));
    }

    #[test]
    fn defaults_and_known_helpers_are_quiet_or_low() {
        let cfg = format!(
            "AuthorizedKeysFile .ssh/authorized_keys .ssh/authorized_keys2\nAuthorizedKeysCommand /usr/bin/sss_ssh_authorizedkeys\nAuthorizedKeysCommandUser nobody\n{DEBIAN_SSHD_CONFIG}"
        );
        let dir = root_with(&[("/etc/ssh/sshd_config", &cfg)]);
        let out = run_default(&AuthorizedKeysConfig, dir.path());
        assert!(out.findings.iter().all(|f| f.severity <= Severity::Low));
        let dir = root_with(&[("/etc/ssh/sshd_config", DEBIAN_SSHD_CONFIG)]);
        assert!(run_default(&AuthorizedKeysConfig, dir.path())
            .findings
            .is_empty());
    }
}
