//! What changed between two runs on the same host (`huoyan diff CASE_A CASE_B`): findings that
//! are new, gone, or changed (same subject, different severity or specifics).
//!
//! A finding's subject is what it is about — its check and the paths, users and addresses it
//! names — not its pids (a restarted process keeps its meaning) nor its wording. After
//! containment and clean-up, a second run shows whether the webshell, the cron job and the key
//! are really gone, and whether anything new appeared meanwhile.

use std::collections::BTreeMap;

use huoyan_core::{Finding, Severity};
use serde::Serialize;

/// One difference.
#[derive(Debug, Clone, Serialize)]
pub struct Change<'a> {
    /// `new`, `gone` or `changed`.
    pub change: &'static str,
    /// The check.
    pub check_id: &'a str,
    /// The findings of the first run with this subject.
    pub before: Vec<&'a Finding>,
    /// The findings of the second run with this subject.
    pub after: Vec<&'a Finding>,
}

impl Change<'_> {
    /// The worst severity after (for `new`/`changed`) or before (for `gone`).
    pub fn severity(&self) -> Severity {
        let side = if self.after.is_empty() {
            &self.before
        } else {
            &self.after
        };
        side.iter()
            .map(|f| f.severity)
            .max()
            .unwrap_or(Severity::Info)
    }
}

type Subject<'a> = (&'a str, Vec<&'a str>, Vec<&'a str>, Vec<&'a str>);

fn subject(f: &Finding) -> Subject<'_> {
    let mut paths: Vec<&str> = f.paths.iter().map(String::as_str).collect();
    paths.sort_unstable();
    let mut users: Vec<&str> = f.users.iter().map(String::as_str).collect();
    users.sort_unstable();
    let mut ips: Vec<&str> = f.ips.iter().map(String::as_str).collect();
    ips.sort_unstable();
    (f.check_id.as_str(), paths, users, ips)
}

/// The differences from `before` to `after`, worst first, then by check.
pub fn compare<'a>(before: &'a [Finding], after: &'a [Finding]) -> Vec<Change<'a>> {
    let mut by_subject: BTreeMap<Subject<'a>, (Vec<&'a Finding>, Vec<&'a Finding>)> =
        BTreeMap::new();
    for f in before {
        by_subject.entry(subject(f)).or_default().0.push(f);
    }
    for f in after {
        by_subject.entry(subject(f)).or_default().1.push(f);
    }
    let mut changes = Vec::new();
    for ((check_id, ..), (b, a)) in by_subject {
        let change = match (b.is_empty(), a.is_empty()) {
            (true, false) => "new",
            (false, true) => "gone",
            _ => {
                fn key<'f>(v: &[&'f Finding]) -> Vec<(Severity, &'f str)> {
                    let mut k: Vec<(Severity, &str)> =
                        v.iter().map(|f| (f.severity, f.summary.as_str())).collect();
                    k.sort_unstable();
                    k
                }
                if key(&b) == key(&a) {
                    continue;
                }
                "changed"
            }
        };
        changes.push(Change {
            change,
            check_id,
            before: b,
            after: a,
        });
    }
    changes.sort_by(|x, y| {
        y.severity()
            .cmp(&x.severity())
            .then_with(|| x.check_id.cmp(y.check_id))
    });
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use huoyan_core::CheckInfo;

    static INFO: CheckInfo = CheckInfo {
        id: "web.webshell",
        title: "t",
        title_zh: "t",
        mitre: &["T1505.003"],
        remediation: "r",
        remediation_zh: "r",
    };

    fn shell(path: &str, severity: Severity, pid: u32) -> Finding {
        INFO.finding(severity, format!("webshell {path}"))
            .path(path)
            .pid(pid)
            .with_id()
    }

    #[test]
    fn new_gone_changed_and_same() {
        let before = vec![
            shell("/var/www/a.php", Severity::Critical, 1),
            shell("/var/www/b.php", Severity::High, 1),
            shell("/var/www/c.php", Severity::Medium, 1),
        ];
        let after = vec![
            // Same subject and wording, another pid: unchanged.
            shell("/var/www/a.php", Severity::Critical, 2),
            // Same subject, worse: changed.
            shell("/var/www/b.php", Severity::Critical, 1),
            // New.
            shell("/var/www/d.php", Severity::Low, 1),
        ];
        let changes = compare(&before, &after);
        let got: Vec<(&str, Severity)> = changes.iter().map(|c| (c.change, c.severity())).collect();
        assert_eq!(
            got,
            vec![
                ("changed", Severity::Critical),
                ("gone", Severity::Medium),
                ("new", Severity::Low),
            ]
        );
    }
}
