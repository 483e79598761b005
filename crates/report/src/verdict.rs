//! The verdict a responder needs first: compromised, suspicious, no evidence found — or
//! inconclusive, when too little of the host could be examined to say "no evidence".
//!
//! Calibration (README, docs/PRECISION.md): only evidence findings count; hardening findings
//! (posture, weak settings, missing monitoring) never raise the verdict. A critical evidence
//! finding means compromised, a high or medium one suspicious. "No evidence found" is only said
//! when the accounts, the package database and the logs were there to be read.

use huoyan_core::{Finding, Root, Severity};
use serde::{Deserialize, Serialize};

/// The overall judgement of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// At least one critical evidence finding: evidence of compromise.
    Compromised,
    /// High or medium evidence findings: needs a responder's judgement.
    Suspicious,
    /// Nothing above low, and enough of the host was examined to say so.
    NoEvidenceFound,
    /// Nothing above low, but the accounts, the package database or the logs could not be read:
    /// absence of findings is not absence of an attack.
    Inconclusive,
}

/// What the verdict rests on: whether the artifacts without which "no evidence" means little
/// were there to be read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// True when coverage was measured (old case folders have no record: assumed covered).
    pub measured: bool,
    /// /etc/passwd was readable.
    pub accounts: bool,
    /// A dpkg or rpm database was readable.
    pub packages: bool,
    /// At least one authentication or system log (text or journal) was there.
    pub logs: bool,
}

/// Text logs whose presence means the logs phase had something to read.
const LOG_FILES: &[&str] = &[
    "var/log/auth.log",
    "var/log/secure",
    "var/log/messages",
    "var/log/syslog",
    "var/log/wtmp",
];

/// Journal directories (persistent and volatile).
const JOURNAL_DIRS: &[&str] = &["var/log/journal", "run/log/journal"];

/// Package databases.
const PACKAGE_DBS: &[&str] = &[
    "var/lib/dpkg/status",
    "var/lib/rpm/rpmdb.sqlite",
    "var/lib/rpm/Packages",
    "usr/lib/sysimage/rpm/rpmdb.sqlite",
    "lib/apk/db/installed",
];

impl Coverage {
    /// Looks at the root for the artifacts the verdict rests on (existence and readability,
    /// nothing more: the checks report what they could not parse as gaps).
    pub fn of_root(root: &Root) -> Self {
        let readable = |p: &str| root.open(p).is_ok();
        let journal = JOURNAL_DIRS
            .iter()
            .any(|d| root.read_dir(d).is_ok_and(|entries| !entries.is_empty()));
        Coverage {
            measured: true,
            accounts: readable("etc/passwd"),
            packages: PACKAGE_DBS.iter().any(|p| readable(p)),
            logs: journal || LOG_FILES.iter().any(|p| readable(p)),
        }
    }

    /// What is missing, in words (English, Chinese), for the report and the terminal.
    pub fn missing(&self) -> Vec<(&'static str, &'static str)> {
        if !self.measured {
            return Vec::new();
        }
        let mut out = Vec::new();
        if !self.accounts {
            out.push(("accounts (/etc/passwd)", "账户（/etc/passwd）"));
        }
        if !self.packages {
            out.push((
                "package database (dpkg/rpm/apk)",
                "软件包数据库（dpkg/rpm/apk）",
            ));
        }
        if !self.logs {
            out.push((
                "logs (auth.log/secure/messages/syslog/wtmp/journal)",
                "日志（auth.log/secure/messages/syslog/wtmp/journal）",
            ));
        }
        out
    }
}

impl Verdict {
    /// The verdict for a set of findings, given what could be examined.
    pub fn of(findings: &[Finding], coverage: &Coverage) -> Self {
        let worst = findings
            .iter()
            .filter(|f| f.is_evidence())
            .map(|f| f.severity)
            .max();
        match worst {
            Some(Severity::Critical) => Verdict::Compromised,
            Some(Severity::High | Severity::Medium) => Verdict::Suspicious,
            _ if !coverage.missing().is_empty() => Verdict::Inconclusive,
            _ => Verdict::NoEvidenceFound,
        }
    }

    /// Snake-case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Compromised => "compromised",
            Verdict::Suspicious => "suspicious",
            Verdict::NoEvidenceFound => "no_evidence_found",
            Verdict::Inconclusive => "inconclusive",
        }
    }

    /// Words for people.
    pub fn label(self, lang: crate::Lang) -> &'static str {
        use crate::Lang::*;
        match (self, lang) {
            (Verdict::Compromised, En) => "COMPROMISED",
            (Verdict::Suspicious, En) => "SUSPICIOUS",
            (Verdict::NoEvidenceFound, En) => "NO EVIDENCE FOUND",
            (Verdict::Inconclusive, En) => "INCONCLUSIVE",
            (Verdict::Compromised, Zh) => "已失陷",
            (Verdict::Suspicious, Zh) => "可疑",
            (Verdict::NoEvidenceFound, Zh) => "未发现入侵证据",
            (Verdict::Inconclusive, Zh) => "无法判定",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use huoyan_core::CheckInfo;

    const INFO: CheckInfo = CheckInfo {
        id: "ssh.password_auth",
        title: "t",
        title_zh: "t",
        mitre: &["T1110"],
        remediation: "r",
        remediation_zh: "r",
    };

    fn covered() -> Coverage {
        Coverage {
            measured: true,
            accounts: true,
            packages: true,
            logs: true,
        }
    }

    #[test]
    fn hardening_never_raises_the_verdict() {
        let f = INFO.finding(Severity::Critical, "x").hardening();
        assert_eq!(Verdict::of(&[f], &covered()), Verdict::NoEvidenceFound);
    }

    #[test]
    fn evidence_decides() {
        let f = INFO.finding(Severity::Critical, "x");
        assert_eq!(Verdict::of(&[f], &covered()), Verdict::Compromised);
        let f = INFO.finding(Severity::Medium, "x");
        assert_eq!(Verdict::of(&[f], &covered()), Verdict::Suspicious);
    }

    #[test]
    fn too_little_examined_is_inconclusive_not_clean() {
        let thin = Coverage {
            logs: false,
            ..covered()
        };
        assert_eq!(Verdict::of(&[], &thin), Verdict::Inconclusive);
        // Findings still decide when there are some.
        let f = INFO.finding(Severity::Critical, "x");
        assert_eq!(Verdict::of(&[f], &thin), Verdict::Compromised);
        // An old case folder without a coverage record is taken as covered.
        assert_eq!(
            Verdict::of(&[], &Coverage::default()),
            Verdict::NoEvidenceFound
        );
    }

    #[test]
    fn coverage_of_an_empty_root_misses_everything() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = Root::new(dir.path()).expect("root");
        let c = Coverage::of_root(&root);
        assert!(c.measured && !c.accounts && !c.packages && !c.logs);
        assert_eq!(c.missing().len(), 3);
    }
}
