//! The top of the report, shared by the HTML and the Markdown: the attack told in at most
//! [`FLOW_STEPS`] steps and what to do now.

use std::collections::HashMap;

use huoyan_core::{Role, Severity};

use crate::rank::weight;
use crate::story::{Step, Story};
use crate::{Case, Lang};

/// At most this many steps in the summary's attack flow.
pub const FLOW_STEPS: usize = 8;

/// One line of the summary's attack flow: the findings of one check in the story.
pub struct FlowItem<'a> {
    /// The earliest step of the check.
    pub first: &'a Step,
    /// How many steps of the check the story has.
    pub count: usize,
    /// The worst severity among them.
    pub worst: Severity,
    score: u32,
}

/// The attack in at most [`FLOW_STEPS`] steps: the story's steps grouped by check, the groups
/// that carry most of the attack (the cause's first, then by severity), told in time order.
pub fn flow(story: &Story) -> Vec<FlowItem<'_>> {
    let cause = story.root_cause.evidence.first();
    let mut items: Vec<FlowItem> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for step in &story.steps {
        let in_cause = story.root_cause.evidence.contains(&step.finding_id);
        if step.role == Role::Background && !in_cause {
            continue;
        }
        let bonus = if cause == Some(&step.finding_id) {
            1000
        } else if in_cause {
            30
        } else {
            0
        } + match step.role {
            Role::EntryPoint | Role::Foothold => 10,
            _ => 0,
        };
        match index.get(step.check_id.as_str()) {
            Some(&k) => {
                let item = &mut items[k];
                item.count += 1;
                item.worst = item.worst.max(step.severity);
                item.score = item.score.max(weight(step.severity) + bonus);
            }
            None => {
                index.insert(&step.check_id, items.len());
                items.push(FlowItem {
                    first: step,
                    count: 1,
                    worst: step.severity,
                    score: weight(step.severity) + bonus,
                });
            }
        }
    }
    let mut best: Vec<usize> = (0..items.len()).collect();
    best.sort_by(|&a, &b| items[b].score.cmp(&items[a].score).then(a.cmp(&b)));
    best.truncate(FLOW_STEPS);
    best.sort_unstable();
    let mut keep = vec![false; items.len()];
    for i in best {
        keep[i] = true;
    }
    items
        .into_iter()
        .zip(keep)
        .filter_map(|(item, k)| k.then_some(item))
        .collect()
}

/// What to do now: the remediations of the evidence findings of medium severity or above, in
/// the order of `order` (best first, from [`crate::rank::ranked`]), each once.
pub fn actions<'a>(case: &'a Case, order: &[usize], lang: Lang) -> Vec<&'a str> {
    let mut todo: Vec<&str> = Vec::new();
    for &i in order {
        let Some(f) = case.findings.get(i) else {
            continue;
        };
        if !f.is_evidence() || f.severity < Severity::Medium {
            continue;
        }
        let r = lang.remediation(f).trim();
        if !r.is_empty() && !todo.contains(&r) {
            todo.push(r);
        }
    }
    todo
}
