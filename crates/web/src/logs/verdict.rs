//! Weighing each source address: who gets a finding of its own, and who is background.
//!
//! A public server is probed all day by crawlers and scanners that never get anything; and a
//! browser sometimes sends one odd-looking request among hundreds of ordinary ones. Neither is
//! evidence that an attacker acted. A source gets its own `web.attack` finding only when a
//! request that carried an exploit class was answered 2xx (the server did what was asked) and
//! the source is not one oddity among normal traffic:
//!
//! - **high**: the answered exploit comes from a source that behaves like an attacker — a tool
//!   user agent or webshell client, mostly 4xx answers (a scan), reconnaissance probes, several
//!   exploit classes, or repeated exploit requests;
//! - **medium**: an answered exploit from a quieter source (needs a look);
//! - everything else — failed scans, crawler claims, bad bots, a lone odd request — is counted
//!   in ONE low finding with the number of sources, the classes and the top sources.
//!
//! A webshell that was requested after it was written is reported separately, as critical
//! (`web.webshell_use`, see [`crate::correlate`]).

use std::collections::BTreeMap;

use huoyan_core::{CheckInfo, Finding, Severity};
use serde_json::json;

use super::analysis::LogAnalysis;
use super::classify::AttackClass;
use super::stats::IpStats;

/// Sources listed by name in the background finding.
pub const TOP_BACKGROUND: usize = 10;

/// What one source amounts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceVerdict {
    /// A finding of its own, at this severity.
    Own(Severity),
    /// Counted in the background finding.
    Background,
    /// Nothing (no class at all).
    Quiet,
}

/// Share of a source's requests that carried an exploit class below which a single such
/// request is an oddity, not an attack.
const ODDITY_SHARE: f64 = 0.05;

/// Judges one source from its statistics.
pub fn judge(s: &IpStats) -> SourceVerdict {
    if s.classes.is_empty() {
        return SourceVerdict::Quiet;
    }
    let exploit_classes = s.classes.iter().filter(|c| c.is_exploit()).count();
    if exploit_classes == 0 || s.attacks_answered_ok == 0 {
        return SourceVerdict::Background;
    }
    let tool = s.classes.contains(&AttackClass::Scanner)
        || s.classes.contains(&AttackClass::WebshellClient);
    let scanning = (s.requests >= 5 && s.client_error_ratio() >= 0.5)
        || s.classes.contains(&AttackClass::Probe);
    let share = s.attack_requests as f64 / s.requests.max(1) as f64;
    if s.attack_requests <= 1 && share < ODDITY_SHARE && !tool && !scanning {
        return SourceVerdict::Background;
    }
    if tool || scanning || exploit_classes >= 2 || s.attack_requests >= 3 {
        SourceVerdict::Own(Severity::High)
    } else {
        SourceVerdict::Own(Severity::Medium)
    }
}

/// The `web.attack` findings of one log analysis: one per source that earned its own, and one
/// for the background (if any), in a stable order.
pub fn attack_findings(a: &LogAnalysis, info: &CheckInfo) -> Vec<Finding> {
    let mut ips: Vec<(&String, &IpStats)> = a.ips.by_ip.iter().collect();
    ips.sort_by(|x, y| x.0.cmp(y.0));
    let mut out = Vec::new();
    let mut background: Vec<(&String, &IpStats)> = Vec::new();
    for (ip, s) in ips {
        match judge(s) {
            SourceVerdict::Quiet => {}
            SourceVerdict::Background => background.push((ip, s)),
            SourceVerdict::Own(sev) => out.push(source_finding(a, info, ip, s, sev)),
        }
    }
    if !background.is_empty() {
        out.push(background_finding(info, &background));
    }
    out
}

fn class_names(s: &IpStats) -> Vec<&'static str> {
    s.classes.iter().map(|c| c.as_str()).collect()
}

fn source_finding(
    a: &LogAnalysis,
    info: &CheckInfo,
    ip: &str,
    s: &IpStats,
    sev: Severity,
) -> Finding {
    let classes = class_names(s);
    let samples = a.samples.get(ip).cloned().unwrap_or_default();
    info.finding(
        sev,
        format!(
            "{ip}: {} requests ({} with attacks, {} of them answered 2xx, {:.0}% 4xx), classes {}",
            s.requests,
            s.attack_requests,
            s.attacks_answered_ok,
            s.client_error_ratio() * 100.0,
            classes.join(",")
        ),
    )
    .ip(ip.to_string())
    .at(s.first)
    .evidence(json!({
        "requests": s.requests,
        "attack_requests": s.attack_requests,
        "attacks_answered_ok": s.attacks_answered_ok,
        "posts": s.posts,
        "client_error_ratio": s.client_error_ratio(),
        "distinct_paths": s.distinct_paths,
        "first": s.first,
        "last": s.last,
        "classes": classes,
        "user_agents": s.user_agents_sorted(),
        "samples": samples,
    }))
}

fn background_finding(info: &CheckInfo, sources: &[(&String, &IpStats)]) -> Finding {
    let mut requests = 0u64;
    let mut attack_requests = 0u64;
    let mut client_errors = 0u64;
    let mut per_class: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut first = None;
    let mut last = None;
    for (_, s) in sources {
        requests += s.requests;
        attack_requests += s.attack_requests;
        client_errors += s.client_errors;
        for c in &s.classes {
            *per_class.entry(c.as_str()).or_default() += 1;
        }
        first = match (first, s.first) {
            (Some(a), Some(b)) => Some(std::cmp::min(a, b)),
            (a, b) => a.or(b),
        };
        last = match (last, s.last) {
            (Some(a), Some(b)) => Some(std::cmp::max(a, b)),
            (a, b) => a.or(b),
        };
    }
    let mut top: Vec<&(&String, &IpStats)> = sources.iter().collect();
    top.sort_by(|x, y| {
        (y.1.attack_requests, y.1.requests, x.0).cmp(&(x.1.attack_requests, x.1.requests, y.0))
    });
    top.truncate(TOP_BACKGROUND);
    let classes: Vec<String> = per_class.iter().map(|(c, n)| format!("{c}×{n}")).collect();
    let top_text: Vec<String> = top
        .iter()
        .take(3)
        .map(|(ip, s)| {
            format!(
                "{ip} ({} requests, {} with attacks)",
                s.requests, s.attack_requests
            )
        })
        .collect();
    let mut f = info.finding(
        Severity::Low,
        format!(
            "{} sources of background traffic, none with a sign of success (scans, probes, crawler claims, odd requests: {} requests, {} with attack patterns, {:.0}% 4xx); sources per class: {}; top: {}",
            sources.len(),
            requests,
            attack_requests,
            client_errors as f64 * 100.0 / requests.max(1) as f64,
            classes.join(", "),
            top_text.join(", ")
        ),
    )
    .at(first);
    for (ip, _) in &top {
        f = f.ip(ip.to_string());
    }
    f.evidence(json!({
        "background": true,
        "sources": sources.len(),
        "requests": requests,
        "attack_requests": attack_requests,
        "client_error_ratio": client_errors as f64 / requests.max(1) as f64,
        "sources_per_class": per_class,
        "first": first,
        "last": last,
        "top_sources": top.iter().map(|(ip, s)| json!({
            "ip": ip,
            "requests": s.requests,
            "attack_requests": s.attack_requests,
            "client_error_ratio": s.client_error_ratio(),
            "classes": class_names(s),
            "user_agents": s.user_agents_sorted(),
        })).collect::<Vec<_>>(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(
        requests: u64,
        errors: u64,
        attacks: u64,
        ok: u64,
        classes: &[AttackClass],
    ) -> IpStats {
        IpStats {
            requests,
            client_errors: errors,
            attack_requests: attacks,
            attacks_answered_ok: ok,
            classes: classes.iter().copied().collect(),
            ..IpStats::default()
        }
    }

    #[test]
    fn verdicts() {
        use AttackClass::*;
        // A failed scan is background, whatever it tried.
        assert_eq!(
            judge(&stats(40, 40, 30, 0, &[Sqli, Xss, Log4Shell, Scanner])),
            SourceVerdict::Background
        );
        // Crawler claims and probes only: background.
        assert_eq!(
            judge(&stats(10, 2, 0, 0, &[CrawlerClaim])),
            SourceVerdict::Background
        );
        // One odd request among hundreds of normal ones, answered 200: background.
        assert_eq!(
            judge(&stats(300, 3, 1, 1, &[CmdInjection])),
            SourceVerdict::Background
        );
        // A scan, then an answered exploit: high.
        assert_eq!(
            judge(&stats(20, 15, 3, 1, &[Probe, Sqli])),
            SourceVerdict::Own(Severity::High)
        );
        // A quiet source whose one exploit was answered: medium.
        assert_eq!(
            judge(&stats(3, 0, 1, 1, &[Sqli])),
            SourceVerdict::Own(Severity::Medium)
        );
        assert_eq!(judge(&stats(3, 0, 0, 0, &[])), SourceVerdict::Quiet);
    }
}
