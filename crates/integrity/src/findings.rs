//! Turning verification results into findings: one per changed binary, one per missing critical
//! file, and summaries for the routine noise (changed configs, removed documentation).

use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::verify::{FileProblem, FileState, VerifyReport};

/// A packaged file whose content differs from its package.
pub static MODIFIED: CheckInfo = CheckInfo {
    id: "integrity.package_files",
    title: "System file differs from its package",
    title_zh: "系统文件与软件包记录不一致",
    mitre: &["T1554", "T1014", "T1036.005"],
    remediation: "Do not trust this file or its output. Copy it out as evidence (huoyan collect), \
                  compare with the same package version from the distribution mirror, reinstall \
                  the package from trusted media (apt-get install --reinstall / dnf reinstall) and \
                  treat the host as compromised if a core command was replaced.",
    remediation_zh:
        "不要信任该文件及其输出。先作为证据取出（huoyan collect），与发行版镜像中同版本软件包比对，\
                     再从可信介质重装该软件包（apt-get install --reinstall / dnf reinstall）；\
                     若核心命令被替换，应按主机已失陷处理。",
};

/// A configuration file that differs from the version its package shipped.
pub static CONFFILE: CheckInfo = CheckInfo {
    id: "integrity.package_conffiles",
    title: "Configuration file changed since installation",
    title_zh: "配置文件自安装后被修改",
    mitre: &["T1556", "T1098"],
    remediation: "Changed configuration is often legitimate; review the security-relevant ones \
                  (PAM, sshd, sudoers, cron) against the change log of the host.",
    remediation_zh: "配置文件被修改通常是正常运维操作；请对照变更记录重点复核与安全相关的配置（PAM、sshd、sudoers、cron）。",
};

/// A packaged file that is no longer there.
pub static MISSING: CheckInfo = CheckInfo {
    id: "integrity.package_missing",
    title: "Packaged file missing",
    title_zh: "软件包文件缺失",
    mitre: &["T1070.004"],
    remediation: "Find out who removed it (package logs, shell histories); reinstall the package \
                  if the file is needed.",
    remediation_zh: "查明删除者（软件包日志、命令历史）；如需该文件请重装对应软件包。",
};

/// Most routine (low/info) problems put into one summary finding.
const SUMMARY_LIMIT: usize = 200;

/// Findings for a verification report.
pub fn outcome_of(report: &VerifyReport) -> Outcome {
    let mut out = Outcome::default();
    let mut routine: Vec<&FileProblem> = Vec::new();
    for p in &report.problems {
        let individual = match p.state {
            FileState::Modified { .. } | FileState::WrongKind { .. } => {
                p.severity >= Severity::Low || !p.conffile
            }
            FileState::Missing => p.severity >= Severity::Medium,
            FileState::Unreadable { .. } => false,
        };
        if individual {
            out.add(finding_for(p));
        } else {
            routine.push(p);
        }
    }
    for (info, state_name) in [(&CONFFILE, "modified"), (&MISSING, "missing")] {
        let group: Vec<&&FileProblem> = routine
            .iter()
            .filter(|p| match p.state {
                FileState::Missing => state_name == "missing",
                FileState::Modified { .. } | FileState::WrongKind { .. } => {
                    state_name == "modified"
                }
                FileState::Unreadable { .. } => false,
            })
            .collect();
        if group.is_empty() {
            continue;
        }
        let paths: Vec<String> = group
            .iter()
            .take(SUMMARY_LIMIT)
            .map(|p| p.path.display().to_string())
            .collect();
        out.add(
            info.finding(
                Severity::Info,
                format!(
                    "{} packaged file(s) {state_name} (configuration or documentation)",
                    group.len()
                ),
            )
            .evidence(json!({ "count": group.len(), "paths": paths })),
        );
    }
    let unreadable: Vec<String> = report
        .problems
        .iter()
        .filter_map(|p| match &p.state {
            FileState::Unreadable { reason } => Some(reason.clone()),
            _ => None,
        })
        .collect();
    for reason in unreadable.into_iter().take(SUMMARY_LIMIT) {
        out.gap(huoyan_core::Gap::new(
            MODIFIED.id,
            huoyan_core::GapReason::Error,
            reason,
        ));
    }
    out
}

fn finding_for(p: &FileProblem) -> huoyan_core::Finding {
    let path = p.path.display().to_string();
    let pkgs = p.packages.join(", ");
    let (info, summary) = match &p.state {
        FileState::Modified { .. } if p.conffile => (
            &CONFFILE,
            format!("configuration file {path} of {pkgs} was changed since installation"),
        ),
        FileState::Modified { .. } => (
            &MODIFIED,
            format!(
                "{path} does not match package {pkgs}{}",
                if p.now_script { " (now a script)" } else { "" }
            ),
        ),
        FileState::WrongKind { kind } => (
            &MODIFIED,
            format!("{path} of package {pkgs} is now a {kind}"),
        ),
        FileState::Missing => (&MISSING, format!("{path} of package {pkgs} is missing")),
        FileState::Unreadable { reason } => (&MODIFIED, format!("{path}: {reason}")),
    };
    let actual = match &p.state {
        FileState::Modified { actual } => Some(actual.clone()),
        _ => None,
    };
    info.finding(p.severity, summary)
        .path(path)
        .evidence(json!({
            "packages": p.packages,
        "package_path": p.package_path,
            "manager": p.manager,
            "class": p.class,
            "conffile": p.conffile,
            "algorithm": p.algo,
            "expected": p.expected,
            "actual": actual,
            "state": p.state,
            "now_script": p.now_script,
            "now_elf": p.now_elf,
        }))
}
