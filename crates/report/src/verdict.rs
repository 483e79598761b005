//! The verdict a responder needs first: compromised, suspicious, or no evidence found.

use huoyan_core::{Finding, Severity};
use serde::{Deserialize, Serialize};

/// The overall judgement of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// At least one critical finding: evidence of compromise.
    Compromised,
    /// High or medium findings: needs a responder's judgement.
    Suspicious,
    /// Nothing above low.
    NoEvidenceFound,
}

impl Verdict {
    /// The verdict for a set of findings.
    pub fn of(findings: &[Finding]) -> Self {
        match findings.iter().map(|f| f.severity).max() {
            Some(Severity::Critical) => Verdict::Compromised,
            Some(Severity::High | Severity::Medium) => Verdict::Suspicious,
            _ => Verdict::NoEvidenceFound,
        }
    }

    /// Words for people.
    pub fn label(self, lang: crate::Lang) -> &'static str {
        use crate::Lang::*;
        match (self, lang) {
            (Verdict::Compromised, En) => "COMPROMISED",
            (Verdict::Suspicious, En) => "SUSPICIOUS",
            (Verdict::NoEvidenceFound, En) => "NO EVIDENCE FOUND",
            (Verdict::Compromised, Zh) => "已失陷",
            (Verdict::Suspicious, Zh) => "可疑",
            (Verdict::NoEvidenceFound, Zh) => "未发现入侵证据",
        }
    }
}
