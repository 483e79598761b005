//! Exit codes, so scripts can act on a verdict without parsing output.

/// Ran, nothing above low found.
pub const CLEAN: u8 = 0;
/// Error: bad arguments, output not writable, …
pub const ERROR: u8 = 1;
/// Ran, suspicious findings (medium or high).
pub const SUSPICIOUS: u8 = 3;
/// Ran, evidence of compromise (critical findings).
pub const COMPROMISED: u8 = 4;

/// Exit code for the worst severity found.
pub fn for_worst(worst: Option<huoyan_core::Severity>) -> u8 {
    use huoyan_core::Severity::*;
    match worst {
        Some(Critical) => COMPROMISED,
        Some(High | Medium) => SUSPICIOUS,
        _ => CLEAN,
    }
}
