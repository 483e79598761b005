//! Exit codes, so scripts can act on a verdict without parsing output.

/// Ran, nothing above low found.
pub const CLEAN: u8 = 0;
/// Error: bad arguments, output not writable, …
pub const ERROR: u8 = 1;
/// Ran, suspicious findings (medium or high).
pub const SUSPICIOUS: u8 = 3;
/// Ran, evidence of compromise (critical findings).
pub const COMPROMISED: u8 = 4;
/// Ran, nothing above low, but too little could be examined to say "no evidence found"
/// (no accounts, no package database or no logs).
pub const INCONCLUSIVE: u8 = 5;

/// Exit code of a verdict.
pub fn for_verdict(verdict: huoyan_report::Verdict) -> u8 {
    use huoyan_report::Verdict::*;
    match verdict {
        Compromised => COMPROMISED,
        Suspicious => SUSPICIOUS,
        NoEvidenceFound => CLEAN,
        Inconclusive => INCONCLUSIVE,
    }
}

/// Exit code for the worst severity of evidence found (hardening never counts).
pub fn for_worst(worst: Option<huoyan_core::Severity>) -> u8 {
    use huoyan_core::Severity::*;
    match worst {
        Some(Critical) => COMPROMISED,
        Some(High | Medium) => SUSPICIOUS,
        _ => CLEAN,
    }
}
