//! Attack reconstruction: findings linked through shared entities (IP → user → session →
//! commands → files → processes → connections), placed in time and labelled by ATT&CK tactic,
//! with a root-cause hypothesis and the entry points left open.
//!
//! A finding without its own time borrows one from the timeline: the modification time of the
//! file it names (a dropped webshell's mtime is its upload time), recorded as such.

use std::collections::{BTreeSet, HashMap};

use huoyan_core::{Finding, Role, Severity, Timestamp};
use huoyan_timeline::Event;
use serde::Serialize;

use crate::rank::weight;
use crate::tactics;
use crate::tactics::Tactic;

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
    /// Its part in the attack story.
    pub role: Role,
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
    /// Supporting finding ids (the entry point first, then what links to it).
    pub evidence: Vec<String>,
    /// The addresses (or host names) the attacker came from, when the entry point names them.
    pub ips: Vec<String>,
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
    /// Addresses (and host names of peers logged only by name).
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

/// At most this many steps (a noisy host must not make the report unreadable). Critical and
/// high steps are never cut; the rest fill what room is left, earliest first.
const MAX_STEPS: usize = 300;

/// At most this many steps of background noise (guessing and scanning that did not succeed).
const MAX_BACKGROUND_STEPS: usize = 5;

/// Reconstructs the attack from findings and timeline events.
pub fn reconstruct(findings: &[Finding], events: &[Event]) -> Story {
    let relevant: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.is_evidence() && f.severity >= Severity::Medium)
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
                role: f.role,
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
    let root_cause = hypothesis(&relevant, findings);
    let steps = cap_steps(steps);
    let mut open_entries: Vec<Step> = steps
        .iter()
        .filter(|s| s.severity >= Severity::High && s.role == Role::Foothold)
        .cloned()
        .collect();
    open_entries.extend(
        findings
            .iter()
            .filter(|f| !f.is_evidence() && f.severity >= Severity::Medium)
            .map(|f| Step {
                time: f.time,
                time_source: "finding".into(),
                tactic: tactics::of_finding(f),
                severity: f.severity,
                role: f.role,
                finding_id: f.id.clone(),
                check_id: f.check_id.clone(),
                title: f.title.clone(),
                title_zh: f.title_zh.clone(),
                summary: f.summary.clone(),
                evidence: evidence_of(f),
                chain: 0,
            }),
    );
    let mut scope = Scope::default();
    // What the attack touched: not the addresses and user names of guessing and scanning that
    // never got anywhere (an entry point below high counts only when it is the cause's).
    let in_scope = |f: &&&Finding| match f.role {
        Role::Background => false,
        Role::EntryPoint if f.severity < Severity::High => root_cause.evidence.contains(&f.id),
        _ => true,
    };
    for f in relevant.iter().filter(in_scope) {
        scope.users.extend(f.users.iter().cloned());
        scope.paths.extend(f.paths.iter().cloned());
        scope.pids.extend(f.pids.iter().copied());
        scope.ips.extend(f.ips.iter().cloned());
        scope.ips.extend(f.hosts.iter().cloned());
    }
    Story {
        steps,
        root_cause,
        open_entries,
        scope,
    }
}

/// Keeps every critical and high step, at most [`MAX_BACKGROUND_STEPS`] of background noise,
/// and the other steps in time order while room is left; the order of what is kept is unchanged.
fn cap_steps(steps: Vec<Step>) -> Vec<Step> {
    let must = steps
        .iter()
        .filter(|s| s.severity >= Severity::High && s.role != Role::Background)
        .count();
    let mut room = MAX_STEPS.saturating_sub(must);
    let mut background = 0;
    steps
        .into_iter()
        .filter(|s| {
            if s.role == Role::Background {
                background += 1;
                if background > MAX_BACKGROUND_STEPS || room == 0 {
                    return false;
                }
                room -= 1;
                return true;
            }
            if s.severity >= Severity::High {
                return true;
            }
            if room == 0 {
                return false;
            }
            room -= 1;
            true
        })
        .collect()
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
        let keys = crate::entities::keys(f, true);
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

/// One scored candidate for the root cause.
struct Candidate<'a> {
    finding: &'a Finding,
    score: u32,
    linked: Vec<&'a Finding>,
}

/// Scores every entry-point finding by its own severity and by the high and critical evidence
/// it shares an address, user or path with: an address whose brute force succeeded and that
/// then used a webshell beats an address with one odd query string.
fn candidates<'a>(all: &'a [Finding]) -> Vec<Candidate<'a>> {
    let serious: Vec<&Finding> = all
        .iter()
        .filter(|f| f.is_evidence() && f.severity >= Severity::High)
        .collect();
    // Which serious findings name each entity (one pass; a candidate then looks up its keys).
    let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, f) in serious.iter().enumerate() {
        for k in crate::entities::keys(f, false) {
            by_key.entry(k).or_default().push(i);
        }
    }
    let mut out: Vec<Candidate> = all
        .iter()
        .filter(|f| f.is_evidence() && f.role == Role::EntryPoint && f.severity >= Severity::Low)
        .map(|f| {
            let mut linked_idx: BTreeSet<usize> = BTreeSet::new();
            for k in crate::entities::keys(f, false) {
                if let Some(list) = by_key.get(&k) {
                    linked_idx.extend(list.iter().copied());
                }
            }
            let linked: Vec<&Finding> = linked_idx
                .into_iter()
                .map(|i| serious[i])
                .filter(|o| o.id != f.id)
                .collect();
            let score = weight(f.severity)
                + linked
                    .iter()
                    .map(|o| weight(o.severity) / 3 + u32::from(o.role == Role::EntryPoint) * 20)
                    .sum::<u32>();
            Candidate {
                finding: f,
                score,
                linked,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| match (a.finding.time, b.finding.time) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| a.finding.id.cmp(&b.finding.id))
    });
    out
}

fn hypothesis(relevant: &[&Finding], all: &[Finding]) -> Hypothesis {
    let ranked = candidates(all);
    // A cause must be serious itself, or be linked to serious evidence: one odd request from
    // a visitor is never the way in.
    let best = ranked
        .iter()
        .find(|c| c.finding.severity >= Severity::High || !c.linked.is_empty());
    // The same attacker's first way in: a serious entry point from the same address that came
    // earlier (a brute force that succeeded the day before the webshells it then uploaded).
    let best = best.map(|b| {
        ranked
            .iter()
            .filter(|c| {
                c.finding.severity >= Severity::High
                    && (c.finding.ips.iter().any(|ip| b.finding.ips.contains(ip))
                        || c.finding.hosts.iter().any(|h| b.finding.hosts.contains(h)))
            })
            .filter(|c| matches!((c.finding.time, b.finding.time), (Some(x), Some(y)) if x < y))
            .min_by_key(|c| c.finding.time)
            .unwrap_or(b)
    });
    if let Some(best) = best {
        let s = best.finding;
        let later = best.linked.len();
        let confidence = if s.severity == Severity::Critical && later > 0 {
            Confidence::High
        } else if s.severity >= Severity::High || later > 0 {
            Confidence::Medium
        } else {
            Confidence::Low
        };
        // The finding's own time, labelled: its summary may carry other times (the first guess).
        let when = s
            .time
            .map(|t| format!(" (at {})", huoyan_core::time::format_short(t)))
            .unwrap_or_default();
        let when_zh = s
            .time
            .map(|t| format!("（时间 {}）", huoyan_core::time::format_short(t)))
            .unwrap_or_default();
        // Addresses, and host names when the log named the peer only by name.
        let sources: Vec<String> = s.ips.iter().chain(&s.hosts).cloned().collect();
        let from = if sources.is_empty() {
            String::new()
        } else {
            format!(" (from {})", sources.join(", "))
        };
        let from_zh = if sources.is_empty() {
            String::new()
        } else {
            format!("（来源 {}）", sources.join("、"))
        };
        let mut evidence = vec![s.id.clone()];
        evidence.extend(best.linked.iter().map(|o| o.id.clone()));
        return Hypothesis {
            text: format!(
                "The attacker most likely got in through: {}{} — {}{}; {} later finding(s) of high or critical severity share its address, user or files.",
                s.title, from, s.summary, when, later
            ),
            text_zh: format!(
                "攻击者最可能的入侵途径：{}{} —— {}{}；另有 {} 个高危或严重发现与其地址、用户或文件关联。",
                s.title_zh, from_zh, s.summary, when_zh, later
            ),
            confidence,
            evidence,
            ips: sources,
        };
    }
    let serious = relevant.iter().any(|f| f.severity >= Severity::High);
    let guessing: Vec<&&Finding> = relevant
        .iter()
        .filter(|f| f.role == Role::Background && f.check_id.starts_with("logs."))
        .collect();
    if serious {
        if let Some(s) = guessing.first() {
            return Hypothesis {
                text: format!(
                    "No confirmed entry point. Password guessing was seen ({}), but no success was proven.",
                    s.summary
                ),
                text_zh: format!("未能确认入侵途径。发现了口令猜测（{}），但未证实成功。", s.summary),
                confidence: Confidence::Low,
                evidence: guessing.iter().map(|s| s.id.clone()).collect(),
                ips: Vec::new(),
            };
        }
    }
    Hypothesis {
        text: if serious {
            "The entry point could not be determined from the evidence examined.".into()
        } else {
            "No entry point: nothing examined shows that an attacker got in.".into()
        },
        text_zh: if serious {
            "根据已检查的证据，无法确定入侵途径。".into()
        } else {
            "未发现入侵途径：已检查的证据不表明攻击者曾进入。".into()
        },
        confidence: Confidence::Low,
        evidence: Vec::new(),
        ips: Vec::new(),
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
    const WEB_ATTACK: CheckInfo = CheckInfo {
        id: "web.attack",
        title: "Web attack",
        title_zh: "Web 攻击",
        mitre: &["T1190"],
        remediation: "r",
        remediation_zh: "r",
    };
    const WEBSHELL: CheckInfo = CheckInfo {
        id: "web.webshell",
        title: "Webshell",
        title_zh: "Webshell",
        mitre: &["T1505.003"],
        remediation: "r",
        remediation_zh: "r",
    };
    const WEBSHELL_USE: CheckInfo = CheckInfo {
        id: "web.webshell_use",
        title: "Webshell used",
        title_zh: "Webshell 被访问",
        mitre: &["T1505.003"],
        remediation: "r",
        remediation_zh: "r",
    };

    fn at(s: &str) -> Option<Timestamp> {
        Some(s.parse().expect("ts"))
    }

    #[test]
    fn orders_links_and_explains() {
        let mut out = Outcome::default();
        out.add(
            CRON.finding(Severity::Critical, "cron line")
                .path("/etc/cron.d/x")
                .ip("203.0.113.7")
                .with_role(Role::Foothold),
        );
        out.add(
            BRUTE_OK
                .finding(Severity::Critical, "from 203.0.113.7")
                .ip("203.0.113.7")
                .user("root")
                .at(at("2026-11-27T02:14:09Z"))
                .with_role(Role::EntryPoint),
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
        assert_eq!(story.root_cause.ips, vec!["203.0.113.7".to_string()]);
        assert_eq!(story.open_entries.len(), 1);
    }

    /// A visitor with one odd request, earlier than the attack, must never become the cause;
    /// the address whose brute force succeeded and that then used the webshell is.
    #[test]
    fn a_benign_visitor_is_never_the_cause() {
        let mut out = Outcome::default();
        out.add(
            WEB_ATTACK
                .finding(
                    Severity::Medium,
                    "1 request classified as rfi from 192.0.2.50",
                )
                .ip("192.0.2.50")
                .at(at("2026-11-01T10:00:00Z"))
                .with_role(Role::EntryPoint),
        );
        out.add(
            BRUTE_OK
                .finding(Severity::Critical, "root from 198.51.100.23")
                .ip("198.51.100.23")
                .user("root")
                .at(at("2026-11-27T02:14:09Z"))
                .with_role(Role::EntryPoint),
        );
        out.add(
            WEBSHELL_USE
                .finding(Severity::Critical, "x.php used by 198.51.100.23")
                .ip("198.51.100.23")
                .path("/var/www/html/wp-content/uploads/x.php")
                .at(at("2026-11-27T02:20:00Z"))
                .with_role(Role::EntryPoint),
        );
        out.add(
            WEBSHELL
                .finding(Severity::Critical, "eval of POST")
                .path("/var/www/html/wp-content/uploads/x.php")
                .with_role(Role::Foothold),
        );
        let story = reconstruct(&out.findings, &[]);
        assert_eq!(story.root_cause.ips, vec!["198.51.100.23".to_string()]);
        assert!(story.root_cause.text.contains("198.51.100.23"));
        // The brute force came first; the webshell use the day after is a later step.
        assert!(
            story.root_cause.evidence[0].starts_with("logs.bruteforce_success"),
            "{:?}",
            story.root_cause.evidence
        );
        assert!(!story.root_cause.text.contains("192.0.2.50"));
        assert!(!story
            .root_cause
            .evidence
            .iter()
            .any(|e| e.starts_with("web.attack")));
    }

    /// On a host with nothing serious, one odd request does not make a story's cause.
    #[test]
    fn no_cause_without_serious_evidence() {
        let mut out = Outcome::default();
        out.add(
            WEB_ATTACK
                .finding(Severity::Medium, "1 request classified as sqli")
                .ip("192.0.2.50")
                .with_role(Role::EntryPoint),
        );
        let story = reconstruct(&out.findings, &[]);
        assert!(story.root_cause.evidence.is_empty());
        assert!(story.root_cause.ips.is_empty());
    }

    /// Every critical step survives the cap, however many lesser steps there are.
    #[test]
    fn criticals_are_never_capped() {
        let mut out = Outcome::default();
        for i in 0..(MAX_STEPS + 50) {
            out.add(
                WEB_ATTACK
                    .finding(Severity::Medium, format!("noise {i}"))
                    .ip(format!("192.0.2.{}", i % 250))
                    .at(at("2026-11-01T10:00:00Z")),
            );
        }
        for i in 0..20 {
            out.add(
                CRON.finding(Severity::Critical, format!("cron {i}"))
                    .at(at("2026-11-28T10:00:00Z")),
            );
        }
        let story = reconstruct(&out.findings, &[]);
        assert!(story.steps.len() <= MAX_STEPS);
        assert_eq!(
            story
                .steps
                .iter()
                .filter(|s| s.severity == Severity::Critical)
                .count(),
            20
        );
    }
}
