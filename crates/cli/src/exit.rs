//! Exit codes, so scripts can act on a verdict without parsing output.

/// Ran, nothing above low found.
pub const CLEAN: u8 = 0;
/// Error: bad arguments, output not writable, …
pub const ERROR: u8 = 1;
/// Ran, suspicious findings (medium or high).
pub const SUSPICIOUS: u8 = 3;
/// Ran, evidence of compromise (critical findings).
pub const COMPROMISED: u8 = 4;
/// Bad arguments (clap's own code for usage errors).
pub const USAGE: u8 = 2;
/// `verify`: the bundle is damaged (a member, a frame, the manifest or the sidecar differs).
pub const DAMAGED: u8 = 6;
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

/// An error in the arguments that clap cannot see (an unknown check id, an empty window): the
/// run stops with [`USAGE`], like clap's own usage errors.
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}
