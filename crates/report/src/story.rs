//! Attack reconstruction: findings linked through shared entities (IP → user → session →
//! commands → files → processes → connections), placed in time and labelled by ATT&CK tactic,
//! with a root-cause hypothesis and the entry points left open.
//!
//! A finding without its own time borrows one from the timeline: the modification time of the
//! file it names (a dropped webshell's mtime is its upload time), recorded as such.

use std::collections::{BTreeSet, HashMap};

use huoyan_core::{Finding, Severity, Timestamp};
use huoyan_timeline::Event;
use serde::Serialize;

use crate::tactics::{self, Tactic};

/// How sure the hypothesis is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Direct evidence of the entry (e.g. a brute force that succeeded).
    High,
    /// Strong indication (e.g. a webshell with its upload requests).
    Medium,
    /// A guess from circumstances.
    Low,
}

impl Confidence {
    /// Words for people.
    pub fn label(self, lang: crate::Lang) -> &'static str {
        match self {
            Confidence::High => lang.pick("high", "高"),
            Confidence::Medium => lang.pick("medium", "中"),
            Confidence::Low => lang.pick("low", "低"),
        }
    }
}

/// One step of the reconstructed attack.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// When it happened, if known.
    pub time: Option<Timestamp>,
    /// Where the time came from (`finding`, or `mtime of /path`).
    pub time_source: String,
    /// ATT&CK tactic.
    pub tactic: Option<Tactic>,
    /// Severity of the finding behind it.
    pub severity: Severity,
    /// The finding behind it.
    pub finding_id: String,
    /// Its check.
    pub check_id: String,
    /// English title.
    pub title: String,
    /// Chinese title.
    pub title_zh: String,
    /// The specifics.
    pub summary: String,
    /// Paths, log lines and ids that support it.
    pub evidence: Vec<String>,
    /// Which linked group of findings it belongs to (1 = the largest).
    pub chain: usize,
}

/// The stated root cause.
#[derive(Debug, Clone, Serialize)]
pub struct Hypothesis {
    /// In English.
    pub text: String,
    /// In Chinese.
    pub text_zh: String,
    /// How sure.
    pub confidence: Confidence,
    /// Supporting finding ids.
    pub evidence: Vec<String>,
}

/// Everything touched by the attack.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Scope {
    /// Users.
    pub users: BTreeSet<String>,
    /// Files.
    pub paths: BTreeSet<String>,
    /// Processes.
    pub pids: BTreeSet<u32>,
    /// Addresses.
    pub ips: BTreeSet<String>,
}

/// The reconstructed attack.
#[derive(Debug, Clone, Serialize)]
pub struct Story {
    /// Steps in time order (untimed steps last); posture findings (weak settings) are not steps
    /// but open entries.
    pub steps: Vec<Step>,
    /// The root-cause hypothesis.
    pub root_cause: Hypothesis,
    /// Ways back in that are still there (persistence, weak settings).
    pub open_entries: Vec<Step>,
    /// What the attack touched.
    pub scope: Scope,
}

/// At most this many steps (a noisy host must not make the report unreadable).
const MAX_STEPS: usize = 300;

/// Reconstructs the attack from findings and timeline events.
pub fn reconstruct(findings: &[Finding], events: &[Event]) -> Story {
    let relevant: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity >= Severity::Medium)
        .collect();
    let chains = link(&relevant);
    let mtimes = file_mtimes(events);
    let mut steps: Vec<Step> = relevant
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let (time, time_source) = match f.time {
                Some(t) => (Some(t), "finding".to_string()),
                None => f
                    .paths
                    .iter()
                    .find_map(|p| {
                        mtimes
                            .get(p.as_str())
                            .map(|t| (Some(*t), format!("mtime of {p}")))
                    })
                    .unwrap_or((None, String::new())),
            };
            Step {
                time,
                time_source,
                tactic: tactics::of_finding(f),
                severity: f.severity,
                finding_id: f.id.clone(),
                check_id: f.check_id.clone(),
                title: f.title.clone(),
                title_zh: f.title_zh.clone(),
                summary: f.summary.clone(),
                evidence: evidence_of(f),
                chain: chains[i],
            }
        })
        .collect();
    steps.sort_by(|a, b| match (a.time, b.time) {
        (Some(x), Some(y)) => x.cmp(&y).then(a.tactic.cmp(&b.tactic)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => b.severity.cmp(&a.severity).then(a.tactic.cmp(&b.tactic)),
    });
    let (posture, mut steps): (Vec<Step>, Vec<Step>) = steps
        .into_iter()
        .partition(|s| tactics::is_posture(&s.check_id));
    steps.truncate(MAX_STEPS);
    let root_cause = hypothesis(&steps);
    let mut open_entries: Vec<Step> = steps
        .iter()
        .filter(|s| {
            let area = s.check_id.split('.').next().unwrap_or("");
            s.severity >= Severity::High
                && matches!(area, "persistence" | "accounts" | "web" | "ssh" | "rootkit")
        })
        .cloned()
        .collect();
    open_entries.extend(posture);
    let mut scope = Scope::default();
    for f in &relevant {
        scope.users.extend(f.users.iter().cloned());
        scope.paths.extend(f.paths.iter().cloned());
        scope.pids.extend(f.pids.iter().copied());
        scope.ips.extend(f.ips.iter().cloned());
    }
    Story {
        steps,
        root_cause,
        open_entries,
        scope,
    }
}

fn evidence_of(f: &Finding) -> Vec<String> {
    let mut out = vec![format!("finding {}", f.id)];
    out.extend(f.paths.iter().map(|p| format!("file {p}")));
    if let Some(obj) = f.evidence.as_object() {
        for key in ["line", "log_line", "command", "excerpt", "entry", "request"] {
            if let Some(v) = obj.get(key).and_then(|v| v.as_str()) {
                out.push(format!("{key}: {v}"));
            }
        }
    }
    out
}

/// Latest modification time of each file on the timeline.
fn file_mtimes(events: &[Event]) -> HashMap<&str, Timestamp> {
    let mut out: HashMap<&str, Timestamp> = HashMap::new();
    for e in events {
        if e.source == "file" && e.kind.starts_with("file_m") {
            for p in &e.paths {
                let slot = out.entry(p.as_str()).or_insert(e.time);
                if e.time > *slot {
                    *slot = e.time;
                }
            }
        }
    }
    out
}

/// Groups findings that share an IP, a non-root user, a path or a pid; returns each finding's
/// group number, 1 for the largest group.
fn link(findings: &[&Finding]) -> Vec<usize> {
    let n = findings.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut owner: HashMap<String, usize> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        let keys = f
            .ips
            .iter()
            .map(|ip| format!("ip:{ip}"))
            .chain(
                f.users
                    .iter()
                    .filter(|u| *u != "root")
                    .map(|u| format!("user:{u}")),
            )
            .chain(f.paths.iter().map(|p| format!("path:{p}")))
            .chain(f.pids.iter().map(|p| format!("pid:{p}")));
        for key in keys {
            match owner.get(&key) {
                Some(&j) => {
                    let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                    parent[a] = b;
                }
                None => {
                    owner.insert(key, i);
                }
            }
        }
    }
    let roots: Vec<usize> = (0..n).map(|i| find(&mut parent, i)).collect();
    let mut sizes: HashMap<usize, usize> = HashMap::new();
    for r in &roots {
        *sizes.entry(*r).or_default() += 1;
    }
    let mut order: Vec<(usize, usize)> = sizes.into_iter().collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let rank: HashMap<usize, usize> = order
        .iter()
        .enumerate()
        .map(|(k, (root, _))| (*root, k + 1))
        .collect();
    roots
        .iter()
        .map(|r| rank.get(r).copied().unwrap_or(0))
        .collect()
}

fn hypothesis(steps: &[Step]) -> Hypothesis {
    let initial = steps
        .iter()
        .filter(|s| s.tactic == Some(Tactic::InitialAccess))
        .min_by(|a, b| match (a.time, b.time) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => b.severity.cmp(&a.severity),
        });
    if let Some(s) = initial {
        let later = steps
            .iter()
            .filter(|o| o.chain == s.chain && o.finding_id != s.finding_id)
            .count();
        let confidence = if s.severity == Severity::Critical && later > 0 {
            Confidence::High
        } else if s.severity >= Severity::High {
            Confidence::Medium
        } else {
            Confidence::Low
        };
        let when = s
            .time
            .map(huoyan_core::time::format_short)
            .unwrap_or_default();
        return Hypothesis {
            text: format!(
                "The attacker most likely got in through: {} — {} {}; {} later step(s) share its entities.",
                s.title, s.summary, when, later
            ),
            text_zh: format!(
                "攻击者最可能的入侵途径：{} —— {} {}；另有 {} 个后续步骤与其关联。",
                s.title_zh, s.summary, when, later
            ),
            confidence,
            evidence: vec![s.finding_id.clone()],
        };
    }
    let brute: Vec<&Step> = steps
        .iter()
        .filter(|s| s.tactic == Some(Tactic::CredentialAccess) && s.check_id.starts_with("logs."))
        .collect();
    if let Some(s) = brute.first() {
        return Hypothesis {
            text: format!(
                "No confirmed entry point. Password guessing was seen ({}), but no success was proven.",
                s.summary
            ),
            text_zh: format!("未能确认入侵途径。发现了口令猜测（{}），但未证实成功。", s.summary),
            confidence: Confidence::Low,
            evidence: brute.iter().map(|s| s.finding_id.clone()).collect(),
        };
    }
    let web: Vec<&Step> = steps
        .iter()
        .filter(|s| s.check_id.starts_with("web."))
        .collect();
    if let Some(s) = web.first() {
        return Hypothesis {
            text: format!(
                "Likely entry through the web application: {} ({}).",
                s.title, s.summary
            ),
            text_zh: format!("可能通过 Web 应用入侵：{}（{}）。", s.title_zh, s.summary),
            confidence: Confidence::Medium,
            evidence: web.iter().map(|s| s.finding_id.clone()).collect(),
        };
    }
    Hypothesis {
        text: "The entry point could not be determined from the evidence examined.".into(),
        text_zh: "根据已检查的证据，无法确定入侵途径。".into(),
        confidence: Confidence::Low,
        evidence: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use huoyan_core::{CheckInfo, Outcome};

    const BRUTE_OK: CheckInfo = CheckInfo {
        id: "logs.bruteforce_success",
        title: "Brute force succeeded",
        title_zh: "暴力破解成功",
        mitre: &["T1110.001", "T1078"],
        remediation: "r",
        remediation_zh: "r",
    };
    const CRON: CheckInfo = CheckInfo {
        id: "persistence.cron",
        title: "Reverse shell in cron",
        title_zh: "计划任务中的反弹 shell",
        mitre: &["T1053.003"],
        remediation: "r",
        remediation_zh: "r",
    };

    #[test]
    fn orders_links_and_explains() {
        let mut out = Outcome::default();
        out.add(
            CRON.finding(Severity::Critical, "cron line")
                .path("/etc/cron.d/x")
                .ip("203.0.113.7"),
        );
        out.add(
            BRUTE_OK
                .finding(Severity::Critical, "from 203.0.113.7")
                .ip("203.0.113.7")
                .user("root")
                .at(Some("2026-11-27T02:14:09Z".parse().expect("ts"))),
        );
        let events = vec![huoyan_timeline::Event::new(
            "2026-11-27T02:30:00Z".parse().expect("ts"),
            "file",
            "file_m...",
            "Modification Time",
            huoyan_timeline::Category::File,
            "m",
        )
        .path("/etc/cron.d/x")];
        let story = reconstruct(&out.findings, &events);
        assert_eq!(story.steps[0].check_id, "logs.bruteforce_success");
        assert_eq!(story.steps[1].check_id, "persistence.cron");
        assert_eq!(story.steps[1].time_source, "mtime of /etc/cron.d/x");
        assert_eq!(story.steps[0].chain, story.steps[1].chain);
        assert_eq!(story.root_cause.confidence, Confidence::High);
        assert_eq!(story.open_entries.len(), 1);
    }
}
