//! Ranking findings by how much of the attack story they carry, for the terminal and the top of
//! the report: a responder reads the first ten lines, so those must be the webshell, the
//! backdoor and the break-in, not the first ten check ids in alphabetical order.
//!
//! Order: evidence before hardening; critical first; then by a score of the finding's own
//! severity plus the high and critical evidence it shares an address, a non-root user, a path
//! or a process with (a finding linked to the rest of the attack explains more of it); entry
//! points and footholds before other activity; then time and id, so the order is stable.

use std::collections::HashMap;

use huoyan_core::{Finding, Role, Severity};

/// Weight of a severity when ranking findings and scoring entry points.
pub(crate) fn weight(severity: Severity) -> u32 {
    match severity {
        Severity::Critical => 100,
        Severity::High => 40,
        Severity::Medium => 10,
        Severity::Low => 2,
        Severity::Info => 0,
    }
}

fn keys(f: &Finding) -> Vec<String> {
    crate::entities::keys(f, true)
}

fn role_rank(role: Role) -> u8 {
    match role {
        Role::EntryPoint => 0,
        Role::Foothold => 1,
        Role::Activity => 2,
        Role::Background => 3,
        Role::Hardening => 4,
    }
}

/// The indices of `findings`, best first.
pub fn ranked(findings: &[Finding]) -> Vec<usize> {
    // How many high or critical evidence findings name each entity.
    let mut serious_by_key: HashMap<String, u32> = HashMap::new();
    for f in findings
        .iter()
        .filter(|f| f.is_evidence() && f.severity >= Severity::High)
    {
        for k in keys(f) {
            *serious_by_key.entry(k).or_default() += 1;
        }
    }
    let score: Vec<u32> = findings
        .iter()
        .map(|f| {
            if !f.is_evidence() {
                return 0;
            }
            let own = u32::from(f.severity >= Severity::High);
            let links: u32 = keys(f)
                .iter()
                .map(|k| {
                    serious_by_key
                        .get(k)
                        .copied()
                        .unwrap_or(0)
                        .saturating_sub(own)
                })
                .sum();
            weight(f.severity) + 15 * links.min(10)
        })
        .collect();
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by(|&a, &b| {
        let (fa, fb) = (&findings[a], &findings[b]);
        fb.is_evidence()
            .cmp(&fa.is_evidence())
            .then_with(|| {
                (fb.severity == Severity::Critical).cmp(&(fa.severity == Severity::Critical))
            })
            .then_with(|| score[b].cmp(&score[a]))
            .then_with(|| fb.severity.cmp(&fa.severity))
            .then_with(|| role_rank(fa.role).cmp(&role_rank(fb.role)))
            .then_with(|| fa.time.cmp(&fb.time))
            .then_with(|| fa.id.cmp(&fb.id))
    });
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use huoyan_core::{CheckInfo, Outcome};

    const A: CheckInfo = CheckInfo {
        id: "accounts.sudoers",
        title: "a",
        title_zh: "a",
        mitre: &["T1548"],
        remediation: "r",
        remediation_zh: "r",
    };
    const W: CheckInfo = CheckInfo {
        id: "web.webshell",
        title: "w",
        title_zh: "w",
        mitre: &["T1505.003"],
        remediation: "r",
        remediation_zh: "r",
    };

    #[test]
    fn linked_and_critical_first_hardening_last() {
        let mut out = Outcome::default();
        out.add(A.finding(Severity::High, "alone"));
        out.add(A.finding(Severity::Critical, "posture").hardening());
        out.add(
            W.finding(Severity::High, "linked")
                .path("/var/www/x.php")
                .ip("198.51.100.23"),
        );
        out.add(W.finding(Severity::High, "also linked").ip("198.51.100.23"));
        out.add(
            W.finding(Severity::Critical, "critical")
                .path("/var/www/y.php"),
        );
        let order = ranked(&out.findings);
        let summaries: Vec<&str> = order
            .iter()
            .map(|&i| out.findings[i].summary.as_str())
            .collect();
        assert_eq!(summaries[0], "critical");
        assert_eq!(summaries.last(), Some(&"posture"));
        let alone = summaries.iter().position(|s| *s == "alone");
        let linked = summaries.iter().position(|s| *s == "linked");
        assert!(linked < alone, "{summaries:?}");
    }
}
