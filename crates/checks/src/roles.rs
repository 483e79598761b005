//! Each check's part in the attack story ([`Role`]), as data next to the registry.
//!
//! The report reads a finding's role instead of matching check ids: entry points are the
//! candidates for the story's root cause, footholds are the ways back in that stay open,
//! background is internet noise that did not succeed, and hardening is posture that never
//! raises the verdict. A check may still mark one finding as hardening (`Finding::hardening`)
//! when its own evidence shows a weakness rather than an act; the table cannot make such a
//! finding evidence again.

use huoyan_core::{Outcome, Role};

/// Checks that show how an attacker came in.
const ENTRY_POINTS: &[&str] = &[
    "logs.bruteforce_success",
    "web.attack",
    "web.webshell_use",
    "web.error_log",
];

/// Checks whose findings are ways back in that survive the attacker's departure.
const FOOTHOLDS: &[&str] = &[
    "accounts.uid0",
    "accounts.duplicate_uid",
    "accounts.gid0",
    "accounts.recent",
    "accounts.system_shell",
    "accounts.odd_shell",
    "accounts.privileged_groups",
    "persistence.at",
    "persistence.boot_scripts",
    "persistence.cron",
    "persistence.file_caps",
    "persistence.ld_so_conf",
    "persistence.ld_so_preload",
    "persistence.package_hooks",
    "persistence.pam",
    "persistence.shell_rc",
    "persistence.suid",
    "persistence.system_hooks",
    "persistence.systemd",
    "ssh.authorized_keys",
    "ssh.rc",
    "ssh.sshd_binary",
    "web.webshell",
    "web.files",
    "web.config_trick",
    "rootkit.kernel_modules",
    "rootkit.known_files",
    "rootkit.preload_hooks",
    "integrity.pam",
    "integrity.sshd_binary",
    "files.staged_executables",
];

/// Checks whose findings are, by themselves, background noise of the internet.
const BACKGROUND: &[&str] = &["logs.bruteforce", "process.own_chain"];

/// Checks that only ever describe the host's posture: weak settings, missing monitoring. (Checks
/// whose findings can be either — `accounts.sudo_conf`, `ssh.authorized_keys_config`, whose
/// setting may point at a writable place an intruder uses — mark each finding themselves.)
const HARDENING: &[&str] = &[
    "accounts.file_permissions",
    "accounts.hash_scheme",
    "ssh.empty_passwords",
    "ssh.gateway_ports",
    "ssh.password_auth",
    "ssh.permit_root_login",
    "ssh.port",
    "monitoring.agents",
    "monitoring.auditd_rules",
];

/// The role of a check id (ids a check emits under its own, such as `web.files`, included).
pub fn role_of(check_id: &str) -> Role {
    if ENTRY_POINTS.contains(&check_id) {
        Role::EntryPoint
    } else if FOOTHOLDS.contains(&check_id) {
        Role::Foothold
    } else if BACKGROUND.contains(&check_id) {
        Role::Background
    } else if HARDENING.contains(&check_id) {
        Role::Hardening
    } else {
        Role::Activity
    }
}

/// Gives every finding of an outcome its check's role (and hardening kind where the role says
/// so). A role the check gave one finding itself (anything but the default, activity) is kept:
/// the background summary of `web.attack` is background, not an entry point.
pub fn assign(outcome: &mut Outcome) {
    for finding in &mut outcome.findings {
        if finding.role == Role::Activity {
            finding.set_role(role_of(&finding.check_id));
        }
    }
}

/// Every id the role tables name (for the registry's consistency test).
pub fn named_ids() -> impl Iterator<Item = &'static str> {
    ENTRY_POINTS
        .iter()
        .chain(FOOTHOLDS)
        .chain(BACKGROUND)
        .chain(HARDENING)
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_id_has_two_roles() {
        let mut seen = std::collections::HashSet::new();
        for id in named_ids() {
            assert!(seen.insert(id), "{id} is named in two role tables");
        }
    }

    #[test]
    fn hardening_role_makes_hardening_kind() {
        use huoyan_core::{CheckInfo, Kind, Severity};
        const INFO: CheckInfo = CheckInfo {
            id: "ssh.password_auth",
            title: "t",
            title_zh: "t",
            mitre: &["T1110"],
            remediation: "r",
            remediation_zh: "r",
        };
        let mut out = Outcome::default();
        out.add(INFO.finding(Severity::High, "x"));
        assign(&mut out);
        assert_eq!(out.findings[0].kind, Kind::Hardening);
        assert_eq!(out.findings[0].role, Role::Hardening);
        assert_eq!(out.worst(), None, "hardening never raises the verdict");
    }

    #[test]
    fn a_role_the_check_gave_is_kept() {
        use huoyan_core::{CheckInfo, Severity};
        const INFO: CheckInfo = CheckInfo {
            id: "web.attack",
            title: "t",
            title_zh: "t",
            mitre: &["T1190"],
            remediation: "r",
            remediation_zh: "r",
        };
        let mut out = Outcome::default();
        out.add(
            INFO.finding(Severity::Low, "background")
                .with_role(Role::Background),
        );
        out.add(INFO.finding(Severity::High, "one address"));
        assign(&mut out);
        assert_eq!(out.findings[0].role, Role::Background);
        assert_eq!(out.findings[1].role, Role::EntryPoint);
    }
}
