//! ATT&CK tactics: which stage of an intrusion a finding belongs to, from its technique ids
//! (with a few check-specific overrides where the technique alone is ambiguous).

use huoyan_core::Finding;

pub use huoyan_core::attack::{of_technique, Tactic};

/// A tactic's name in the report's language.
pub fn name(tactic: Tactic, lang: crate::Lang) -> &'static str {
    let (en, zh) = tactic.names();
    lang.pick(en, zh)
}

/// The tactic of a finding: an entry point (its role, from the registry) is initial access
/// whatever technique it carries; otherwise the first technique that maps.
pub fn of_finding(f: &Finding) -> Option<Tactic> {
    if f.role == huoyan_core::Role::EntryPoint {
        return Some(Tactic::InitialAccess);
    }
    // The generic interpreter technique (T1059) accompanies most command findings; a more
    // specific one (T1070.003 history clearing, T1105 tool transfer …) says more.
    f.mitre
        .iter()
        .filter(|t| !t.starts_with("T1059"))
        .find_map(|t| of_technique(t))
        .or_else(|| f.mitre.iter().find_map(|t| of_technique(t)))
}
