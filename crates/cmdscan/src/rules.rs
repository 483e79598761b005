//! Rule files: the detection content of the command detector, as data.
//!
//! A rule file is TOML with one `[[rule]]` table per rule:
//!
//! ```toml
//! [[rule]]
//! id = "revshell.dev_tcp"            # unique, stable; cited in findings
//! category = "reverse_shell"         # see `Hit::category`
//! severity = "critical"              # info | low | medium | high | critical
//! attack = "T1059.004"               # MITRE ATT&CK technique
//! pattern = '/dev/(tcp|udp)/[^/\s]+/\d+'   # Rust regex; its match is the excerpt
//! also = ['\b(sh|bash)\b']           # optional: each must also match somewhere
//! unless = ['^\s*#']                 # optional: any match cancels the rule
//! reason = "…"                       # English, one sentence
//! reason_zh = "…"                    # Chinese, one sentence
//! ```
//!
//! All `pattern`s go into one [`RegexSet`], so a command is matched against every rule in a
//! single pass; `also`/`unless` run only for rules whose pattern matched.

use huoyan_core::Severity;
use regex::{Regex, RegexSet, RegexSetBuilder};
use serde::Deserialize;

use crate::Hit;

/// A rule file or rule that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// The file is not valid TOML or does not have the rule shape.
    #[error("{file}: {message}")]
    Syntax {
        /// Rule file name.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A rule's field is invalid (unknown severity, duplicate id, bad regex …).
    #[error("{file}: rule {rule}: {message}")]
    Rule {
        /// Rule file name.
        file: String,
        /// Rule id.
        rule: String,
        /// What is wrong.
        message: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    category: String,
    severity: String,
    attack: String,
    pattern: String,
    #[serde(default)]
    also: Vec<String>,
    #[serde(default)]
    unless: Vec<String>,
    reason: String,
    reason_zh: String,
}

#[derive(Debug)]
struct Rule {
    id: String,
    category: String,
    severity: Severity,
    attack: String,
    pattern: Regex,
    also: Vec<Regex>,
    unless: Vec<Regex>,
    reason: String,
    reason_zh: String,
}

/// Compiled rules.
#[derive(Debug)]
pub struct RuleSet {
    set: RegexSet,
    rules: Vec<Rule>,
}

/// Size limit for one compiled pattern (guards against user rules that explode).
const REGEX_SIZE_LIMIT: usize = 8 * 1024 * 1024;

fn compile_one(file: &str, id: &str, pattern: &str) -> Result<Regex, RuleError> {
    regex::RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| RuleError::Rule {
            file: file.to_string(),
            rule: id.to_string(),
            message: format!("pattern does not compile: {e}"),
        })
}

impl RuleSet {
    /// Parses and compiles rule files given as (name, TOML text).
    ///
    /// # Errors
    /// See [`RuleError`].
    pub fn compile(sources: &[(&str, &str)]) -> Result<Self, RuleError> {
        let mut rules: Vec<Rule> = Vec::new();
        for (file, text) in sources {
            let parsed: RuleFile = toml::from_str(text).map_err(|e| RuleError::Syntax {
                file: file.to_string(),
                message: e.to_string(),
            })?;
            for raw in parsed.rule {
                let err = |message: String| RuleError::Rule {
                    file: file.to_string(),
                    rule: raw.id.clone(),
                    message,
                };
                if rules.iter().any(|r| r.id == raw.id) {
                    return Err(err("duplicate rule id".into()));
                }
                let severity = Severity::parse(&raw.severity)
                    .ok_or_else(|| err(format!("unknown severity {:?}", raw.severity)))?;
                if raw.reason.trim().is_empty() || raw.reason_zh.trim().is_empty() {
                    return Err(err("reason and reason_zh are required".into()));
                }
                let also = raw
                    .also
                    .iter()
                    .map(|p| compile_one(file, &raw.id, p))
                    .collect::<Result<_, _>>()?;
                let unless = raw
                    .unless
                    .iter()
                    .map(|p| compile_one(file, &raw.id, p))
                    .collect::<Result<_, _>>()?;
                rules.push(Rule {
                    pattern: compile_one(file, &raw.id, &raw.pattern)?,
                    id: raw.id,
                    category: raw.category,
                    severity,
                    attack: raw.attack,
                    also,
                    unless,
                    reason: raw.reason,
                    reason_zh: raw.reason_zh,
                });
            }
        }
        let set = RegexSetBuilder::new(rules.iter().map(|r| r.pattern.as_str()))
            .size_limit(REGEX_SIZE_LIMIT * 8)
            .dfa_size_limit(REGEX_SIZE_LIMIT * 8)
            .build()
            .map_err(|e| RuleError::Syntax {
                file: "(all rules)".into(),
                message: format!("rule set does not compile: {e}"),
            })?;
        Ok(RuleSet { set, rules })
    }

    /// A rule set with no rules.
    pub fn empty() -> Self {
        RuleSet {
            set: RegexSet::empty(),
            rules: Vec::new(),
        }
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// True when there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules matching `text`.
    pub fn matches(&self, text: &str) -> Vec<Hit> {
        let mut out = Vec::new();
        for index in self.set.matches(text).iter() {
            let Some(rule) = self.rules.get(index) else {
                continue;
            };
            if !rule.also.iter().all(|r| r.is_match(text))
                || rule.unless.iter().any(|r| r.is_match(text))
            {
                continue;
            }
            let Some(m) = rule.pattern.find(text) else {
                continue;
            };
            out.push(Hit {
                rule: rule.id.clone(),
                category: rule.category.clone(),
                severity: rule.severity,
                excerpt: crate::excerpt(m.as_str().trim()),
                reason: rule.reason.clone(),
                reason_zh: rule.reason_zh.clone(),
                attack: rule.attack.clone(),
                decoded_from: None,
            });
        }
        out
    }
}
