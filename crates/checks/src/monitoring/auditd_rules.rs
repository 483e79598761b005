//! `monitoring.auditd_rules` — auditd is installed but its rules record nothing, or switch
//! auditing off.
//!
//! **What it looks at:** the rule files auditd loads at boot (`/etc/audit/audit.rules` and
//! `/etc/audit/rules.d/*.rules`), counting real rules (`-w` watches, `-a` syscall rules) apart
//! from control lines (`-D`, `-b`, `-f`, `-e`, `-r`, `--backlog_wait_time` …). Only when auditd
//! itself is installed.
//!
//! **Why an attacker leaves this trace:** `auditctl -D` and a rules file cut down to `-D` blind
//! the audit trail while auditd keeps running and looks healthy; `-e 0` disables auditing
//! outright. Debian's stock `audit.rules` also has no rules (only `-D`, `-b 8192`, `-f 1`): that
//! is reported as low, a file holding nothing but `-D`, or `-e 0`, as medium.
//!
//! **Example:** `/etc/audit/rules.d/audit.rules` contains only `-D`.
//!
//! **Calibration:** posture: every finding is of kind `hardening` (listed in its own section,
//! never raises the verdict or the exit code; docs/PRECISION.md).
//!
//! **ATT&CK:** T1562.012 (Impair Defenses: Disable or Modify Linux Audit System).

use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct AuditdRules;

static INFO: CheckInfo = CheckInfo {
    id: "monitoring.auditd_rules",
    title: "auditd records nothing or is disabled",
    title_zh: "auditd 未配置任何审计规则或已被禁用",
    mitre: &["T1562.012"],
    remediation: "Compare the rule files with your baseline or the package's (dpkg -V auditd); \
                  restore rules (execve, identity files, sudoers, ssh keys), remove `-e 0`, \
                  reload with augenrules --load, and note when the rules were emptied.",
    remediation_zh: "将规则文件与基线或软件包原始文件比对（dpkg -V auditd）；恢复规则（execve、身份文件、sudoers、\
                     ssh 公钥），删除 `-e 0`，用 augenrules --load 重新加载，并记录规则被清空的时间。",
};

#[derive(Default)]
struct Summary {
    rules: usize,
    control: usize,
    only_delete: bool,
    disabled: Option<String>,
}

fn summarize(files: &[(String, Vec<u8>)]) -> Summary {
    let mut s = Summary {
        only_delete: true,
        ..Summary::default()
    };
    for (path, data) in files {
        for (i, line) in huoyan_core::text::bytes_to_string(data).lines().enumerate() {
            let l = line.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            if l.starts_with("-w ") || l.starts_with("-a ") || l.starts_with("-A ") {
                s.rules += 1;
                s.only_delete = false;
                continue;
            }
            s.control += 1;
            if l != "-D" {
                s.only_delete = false;
            }
            let words: Vec<&str> = l.split_whitespace().collect();
            if words.first() == Some(&"-e") && words.get(1) == Some(&"0") {
                s.disabled = Some(format!("{path}:{}", i + 1));
            }
        }
    }
    s
}

impl Check for AuditdRules {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        if !["/sbin/auditd", "/usr/sbin/auditd"]
            .iter()
            .any(|p| ctx.root.exists(p))
        {
            return;
        }
        let mut paths = vec!["/etc/audit/audit.rules".to_string()];
        if let Ok(list) = ctx.root.read_dir("/etc/audit/rules.d") {
            paths.extend(
                list.into_iter()
                    .map(|e| e.path.display().to_string())
                    .filter(|p| p.ends_with(".rules")),
            );
        }
        let mut files = Vec::new();
        for p in &paths {
            match ctx.root.read_capped(p, 4 * 1024 * 1024) {
                Ok(c) => files.push((p.clone(), c.data)),
                Err(e) => out.gap_from(INFO.id, &e, true),
            }
        }
        let read: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        let s = summarize(&files);
        let evidence = json!({"files": read, "rules": s.rules, "control_lines": s.control, "disabled_at": s.disabled});
        // Rules that record nothing are a weakness (hardening); switching auditing off or
        // emptying the rules is evidence when a rule file changed inside the window.
        let signs: Vec<String> = read
            .iter()
            .flat_map(|p| crate::persistence::window_signs(ctx, p))
            .collect();
        let mut report = |severity: Severity, what: String| {
            let mut evidence = evidence.clone();
            evidence["signs_of_intrusion"] = json!(signs);
            let mut f = INFO.finding(severity, what).evidence(evidence);
            for p in &read {
                f = f.path(*p);
            }
            if severity < Severity::Medium || signs.is_empty() {
                f = f.hardening();
            }
            out.add(f);
        };
        if let Some(at) = &s.disabled {
            report(
                Severity::Medium,
                format!("auditing is switched off with `-e 0` at {at}"),
            );
        }
        if s.rules == 0 {
            if s.only_delete && s.control > 0 {
                report(Severity::Medium, "auditd rule files hold nothing but `-D` (delete all rules): the audit trail is blind".into());
            } else {
                report(
                    Severity::Low,
                    "auditd is installed but no audit rules are loaded at boot".into(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::testing::{root_with, run_default};

    /// Debian 12's /etc/audit/rules.d/audit.rules (auditd 1:3.0.9-1).
    const DEBIAN_RULES: &str = "## First rule - delete all\n-D\n\n## Increase the buffers to survive stress events.\n## Make this bigger for busy systems\n-b 8192\n\n## This determine how long to wait in burst of events\n--backlog_wait_time 60000\n\n## Set failure mode to syslog\n-f 1\n\n";

    #[test]
    fn emptied_rules_are_medium() {
        let dir = root_with(&[
            ("/usr/sbin/auditd", "\x7fELF"),
            ("/etc/audit/rules.d/audit.rules", "-D\n"),
        ]);
        let out = run_default(&AuditdRules, dir.path());
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].severity, Severity::Medium);
        // written just now, inside the window: evidence; with the window later, hardening
        assert!(out.findings[0].is_evidence());
        let window = huoyan_core::Window {
            since: huoyan_core::time::from_unix(4_000_000_000, 0),
            until: None,
        };
        let old = crate::accounts::testing::run(&AuditdRules, dir.path(), window);
        assert!(!old.findings[0].is_evidence());
    }

    #[test]
    fn stock_is_low_real_rules_quiet_no_auditd_quiet() {
        let dir = root_with(&[
            ("/usr/sbin/auditd", "\x7fELF"),
            ("/etc/audit/rules.d/audit.rules", DEBIAN_RULES),
        ]);
        let out = run_default(&AuditdRules, dir.path());
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].severity, Severity::Low);
        assert!(!out.findings[0].is_evidence());
        let rules = format!("{DEBIAN_RULES}-w /etc/shadow -p wa -k identity\n");
        let dir = root_with(&[
            ("/usr/sbin/auditd", "\x7fELF"),
            ("/etc/audit/rules.d/audit.rules", &rules),
        ]);
        assert!(run_default(&AuditdRules, dir.path()).findings.is_empty());
        let dir = root_with(&[("/etc/audit/rules.d/audit.rules", "-D\n")]);
        assert!(run_default(&AuditdRules, dir.path()).findings.is_empty());
    }
}
