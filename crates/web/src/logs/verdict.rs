//! Weighing each source address: who gets a finding of its own, and who is background.
//!
//! A public server is probed all day by crawlers and scanners that never get anything; and a
//! browser sometimes sends one odd-looking request among hundreds of ordinary ones. Neither is
//! evidence that an attacker acted. A source gets its own `web.attack` finding only when a
//! request that carried a server-side exploit class (not XSS, not a bare `../`) was answered
//! 2xx, that request was its own — fewer than [`super::stats::CAMPAIGN_SOURCES`] sources sent the same target
//! (a front controller answers a botnet's payload 200 like any URL) — and the source is not one
//! oddity among normal traffic:
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
//!
//! The error log is weighed the same way ([`error_findings`]): 404s, denied paths, failed
//! logins and blocked requests are background — one low finding — except a Shellshock event
//! (CGI saw a function definition: medium) and the error lines of an address that got its own
//! access-log finding (context for it).

use std::collections::{BTreeMap, HashSet};

use huoyan_core::{CheckInfo, Finding, Severity};
use serde_json::json;

use super::analysis::LogAnalysis;
use super::classify::AttackClass;
use super::stats::{IpStats, IpTable};

/// Sources listed by name in the background finding.
pub const TOP_BACKGROUND: usize = 10;
/// Most sources with a `web.attack` finding of their own; the rest (the least active first)
/// are summed in one finding that names how many more there were (half a million findings help
/// nobody, and the report must stay readable).
pub const MAX_SOURCE_FINDINGS: usize = 500;

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

/// Judges one source from its statistics (`table` knows which targets were campaigns).
pub fn judge(s: &IpStats, table: &IpTable) -> SourceVerdict {
    if s.classes.is_empty() {
        return SourceVerdict::Quiet;
    }
    let exploit_classes = s.classes.iter().filter(|c| c.is_exploit()).count();
    if exploit_classes == 0 || !table.answered_own_exploit(s) {
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
    attack_findings_capped(a, info, MAX_SOURCE_FINDINGS)
}

/// [`attack_findings`] with at most `cap` sources reported one by one.
pub fn attack_findings_capped(a: &LogAnalysis, info: &CheckInfo, cap: usize) -> Vec<Finding> {
    let mut ips: Vec<(&String, &IpStats)> = a.ips.by_ip.iter().collect();
    ips.sort_by(|x, y| x.0.cmp(y.0));
    let mut out = Vec::new();
    let mut own: Vec<(&String, &IpStats, Severity)> = Vec::new();
    let mut background: Vec<(&String, &IpStats)> = Vec::new();
    for (ip, s) in ips {
        match judge(s, &a.ips) {
            SourceVerdict::Quiet => {}
            SourceVerdict::Background => background.push((ip, s)),
            SourceVerdict::Own(sev) => own.push((ip, s, sev)),
        }
    }
    let mut rest: Vec<(&String, &IpStats, Severity)> = Vec::new();
    if own.len() > cap {
        // The worst and busiest first; ties by address (stable output).
        own.sort_by(|x, y| {
            (y.2, y.1.attacks_answered_ok, y.1.attack_requests, x.0).cmp(&(
                x.2,
                x.1.attacks_answered_ok,
                x.1.attack_requests,
                y.0,
            ))
        });
        rest = own.split_off(cap);
        own.sort_by(|x, y| x.0.cmp(y.0));
    }
    for (ip, s, sev) in own {
        out.push(source_finding(a, info, ip, s, sev));
    }
    if !rest.is_empty() {
        out.push(more_sources_finding(info, &rest, cap));
    }
    if !background.is_empty() {
        out.push(background_finding(info, &background));
    }
    out
}

/// One finding for the sources beyond the cap: how many, their worst severity, the top ones.
fn more_sources_finding(
    info: &CheckInfo,
    rest: &[(&String, &IpStats, Severity)],
    cap: usize,
) -> Finding {
    let sev = rest.iter().map(|r| r.2).max().unwrap_or(Severity::Medium);
    let requests: u64 = rest.iter().map(|r| r.1.attack_requests).sum();
    let answered: u64 = rest.iter().map(|r| r.1.attacks_answered_ok).sum();
    let top: Vec<&(&String, &IpStats, Severity)> = rest.iter().take(TOP_BACKGROUND).collect();
    let mut f = info.finding(
        sev,
        format!(
            "and {} more sources with answered exploit requests ({requests} attack requests, \
             {answered} answered 2xx), beyond the {cap} reported one by one; top: {}",
            rest.len(),
            top.iter()
                .take(3)
                .map(|(ip, s, _)| format!("{ip} ({})", s.attack_requests))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    for (ip, _, _) in &top {
        f = f.ip((*ip).clone());
    }
    f.evidence(json!({
        "more_sources": rest.len(),
        "reported_individually": cap,
        "attack_requests": requests,
        "answered_ok": answered,
        "top_sources": top.iter().map(|(ip, s, sev)| json!({
            "ip": ip,
            "severity": sev,
            "attack_requests": s.attack_requests,
            "answered_ok": s.attacks_answered_ok,
            "classes": class_names(s),
        })).collect::<Vec<_>>(),
    }))
}

/// Every finding of the logs: [`attack_findings`] under `attack`, then [`error_findings`]
/// under `errors`.
pub fn log_findings(a: &LogAnalysis, attack: &CheckInfo, errors: &CheckInfo) -> Vec<Finding> {
    let mut out = attack_findings(a, attack);
    let own: HashSet<String> = out
        .iter()
        .filter(|f| f.evidence.get("background").is_none())
        .flat_map(|f| f.ips.iter().cloned())
        .collect();
    out.extend(error_findings(a, errors, &own));
    out
}

/// The error-log findings: per address for Shellshock events and for the addresses in `own`
/// (those with their own access-log finding), one low background finding for the rest.
pub fn error_findings(a: &LogAnalysis, info: &CheckInfo, own: &HashSet<String>) -> Vec<Finding> {
    let mut ips: Vec<_> = a.errors.iter().collect();
    ips.sort_by(|x, y| x.0.cmp(y.0));
    let mut out = Vec::new();
    let mut background = Vec::new();
    for (ip, e) in ips {
        let shellshock = e.events.contains_key("shellshock");
        if !shellshock && !own.contains(ip) {
            background.push((ip, e));
            continue;
        }
        let total: u64 = e.events.values().sum();
        let sev = if shellshock {
            Severity::Medium
        } else {
            Severity::Low
        };
        let kinds: Vec<String> = e.events.iter().map(|(k, n)| format!("{k}×{n}")).collect();
        out.push(
            info.finding(
                sev,
                format!("{ip}: {total} error-log events ({})", kinds.join(", ")),
            )
            .ip(ip.clone())
            .at(e.first)
            .evidence(
                json!({"events": e.events, "first": e.first, "last": e.last, "samples": e.samples}),
            ),
        );
    }
    if background.is_empty() {
        return out;
    }
    let mut per_event: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    let (mut first, mut last) = (None, None);
    for (_, e) in &background {
        for (k, n) in &e.events {
            let v = per_event.entry(k.as_str()).or_default();
            v.0 += 1;
            v.1 += n;
        }
        first = match (first, e.first) {
            (Some(a), Some(b)) => Some(std::cmp::min(a, b)),
            (a, b) => a.or(b),
        };
        last = match (last, e.last) {
            (Some(a), Some(b)) => Some(std::cmp::max(a, b)),
            (a, b) => a.or(b),
        };
    }
    let total = |e: &super::analysis::ErrorSummary| e.events.values().sum::<u64>();
    background.sort_by(|x, y| (total(y.1), x.0).cmp(&(total(x.1), y.0)));
    let sources = background.len();
    background.truncate(TOP_BACKGROUND);
    let events: Vec<String> = per_event
        .iter()
        .map(|(k, (sources, n))| format!("{k}×{n} from {sources}"))
        .collect();
    let top = &background;
    let mut f = info
        .finding(
            Severity::Low,
            format!(
                "{sources} sources of background error-log events ({}); top: {}",
                events.join(", "),
                top.iter()
                    .take(3)
                    .map(|(ip, e)| format!("{ip} ({})", total(e)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .at(first);
    for (ip, _) in top.iter() {
        f = f.ip(ip.to_string());
    }
    out.push(f.evidence(json!({
        "background": true,
        "sources": sources,
        "events": per_event.iter().map(|(k, (s, n))| (k.to_string(), json!({"sources": s, "events": n}))).collect::<serde_json::Map<_, _>>(),
        "first": first,
        "last": last,
        "top_sources": top.iter().map(|(ip, e)| json!({"ip": ip, "events": e.events, "samples": e.samples})).collect::<Vec<_>>(),
    })));
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
    .at(first)
    .with_role(huoyan_core::Role::Background);
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
            answered_targets: (0..ok).collect(),
            classes: classes.iter().copied().collect(),
            ..IpStats::default()
        }
    }

    fn judge(s: &IpStats) -> SourceVerdict {
        super::judge(s, &IpTable::default())
    }

    /// Issue 23 item 2: an access log with hundreds of thousands of attacking addresses gave one
    /// finding each; beyond the cap they are summed in one "and K more sources" finding that
    /// keeps the worst severity.
    #[test]
    fn sources_beyond_the_cap_are_one_finding() {
        use AttackClass::*;
        const INFO: CheckInfo = CheckInfo {
            id: "web.attack",
            title: "t",
            title_zh: "t",
            mitre: &[],
            remediation: "r",
            remediation_zh: "r",
        };
        let mut a = LogAnalysis::default();
        for i in 0..50u64 {
            let s = stats(10, 8, 5 + i, 1, &[Sqli, Scanner]);
            a.ips.by_ip.insert(format!("198.51.100.{i}"), s);
        }
        let all = attack_findings_capped(&a, &INFO, 1000);
        assert_eq!(all.len(), 50);
        let capped = attack_findings_capped(&a, &INFO, 5);
        assert_eq!(capped.len(), 6, "5 sources and one summary");
        let more = capped
            .iter()
            .find(|f| f.evidence.get("more_sources").is_some())
            .expect("summary finding");
        assert_eq!(more.evidence["more_sources"], 45);
        assert!(
            more.summary.contains("and 45 more sources"),
            "{}",
            more.summary
        );
        assert_eq!(more.severity, Severity::High);
        // The busiest sources are the ones reported one by one.
        assert!(capped
            .iter()
            .any(|f| f.ips.iter().any(|ip| ip == "198.51.100.49")
                && f.evidence.get("more_sources").is_none()));
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

    /// The same payload from many addresses, answered 200 by a front controller, is a
    /// campaign: background for each sender; the one address with its own payload stands out.
    #[test]
    fn campaigns_are_background() {
        use crate::logs::classify::classify;
        use crate::logs::parse::parse_line;
        let mut t = IpTable::default();
        let mut add = |ip: &str, target: &str| {
            let r = parse_line(&format!(
                "{ip} - - [01/Jan/2025:10:00:00 +0000] \"GET {target} HTTP/1.1\" 200 41210 \"-\" \"python-requests/2.31.0\""
            ))
            .expect("parse");
            t.add(&r, &classify(&r).classes);
        };
        for i in 0..5 {
            add(&format!("192.0.2.{i}"), "/?page=../../../../etc/passwd");
            add(
                &format!("192.0.2.{i}"),
                "/?id=1%27%20UNION%20SELECT%20NULL,user()--%20-",
            );
        }
        add("203.0.113.9", "/?page=../../../../etc/passwd");
        add("203.0.113.9", "/item.php?id=-7%20UNION%20SELECT%201,concat(user,0x3a,password)%20FROM%20mysql.user--%20-");
        assert_eq!(
            super::judge(&t.by_ip["192.0.2.1"], &t),
            SourceVerdict::Background
        );
        assert_eq!(
            super::judge(&t.by_ip["203.0.113.9"], &t),
            SourceVerdict::Own(Severity::High)
        );
    }
}
