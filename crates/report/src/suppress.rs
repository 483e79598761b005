//! The responder's suppressions (`--ignore FILE`): findings they examined and accepted as known
//! (a backup job's cron entry, a monitoring agent's packet socket), like rkhunter's
//! `ALLOWHIDDENDIR` or Lynis's `skip-test`, but narrower: each entry names a check and what the
//! finding is about, and must say why.
//!
//! ```toml
//! [[ignore]]
//! check = "persistence.cron"            # a check id, or an area ("persistence")
//! path = "/etc/cron.d/backup-*"         # optional: a glob over the finding's paths
//! user = "backup"                       # optional: a glob over its users
//! ip = "10.0.0.*"                       # optional: a glob over its addresses
//! reason = "nightly backup, approved by ops on 2026-11-02"
//! ```
//!
//! A suppressed finding leaves the verdict and the exit code but is never silent: it is kept with
//! its reason (`"record": "suppressed"` in JSON Lines, `suppressed.jsonl` in a case folder) and
//! listed in the report.

use globset::{Glob, GlobMatcher};
use huoyan_core::Finding;
use serde::{Deserialize, Serialize};

/// Why a suppression file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SuppressError {
    /// Not valid TOML, or fields of the wrong type.
    #[error("{source_name}: {detail}")]
    Syntax {
        /// The file.
        source_name: String,
        /// What the parser said.
        detail: String,
    },
    /// An entry without a reason, without a check, or with a bad glob.
    #[error("{source_name}: entry {index}: {detail}")]
    Entry {
        /// The file.
        source_name: String,
        /// 1-based entry number.
        index: usize,
        /// What is wrong.
        detail: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShape {
    #[serde(default)]
    ignore: Vec<Entry>,
}

/// One entry of the file.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Check id or area.
    pub check: String,
    /// Glob over the finding's paths.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Glob over the finding's users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Glob over the finding's addresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// Why the responder accepts it.
    pub reason: String,
}

struct Compiled {
    entry: Entry,
    path: Option<GlobMatcher>,
    user: Option<GlobMatcher>,
    ip: Option<GlobMatcher>,
}

/// A parsed suppression file.
pub struct Suppressions {
    source_name: String,
    entries: Vec<Compiled>,
}

/// A finding taken out of the verdict, with the entry that took it out.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Suppressed {
    /// The finding, unchanged.
    pub finding: Finding,
    /// The entry that matched.
    pub entry: Entry,
    /// The file the entry came from.
    pub source: String,
}

fn compile(
    glob: Option<&str>,
    source_name: &str,
    index: usize,
) -> Result<Option<GlobMatcher>, SuppressError> {
    glob.map(|g| {
        Glob::new(g)
            .map(|g| g.compile_matcher())
            .map_err(|e| SuppressError::Entry {
                source_name: source_name.to_string(),
                index,
                detail: format!("bad glob {g:?}: {e}"),
            })
    })
    .transpose()
}

impl Suppressions {
    /// Parses the file's text; `source_name` names it in errors and in the report.
    pub fn parse(text: &str, source_name: &str) -> Result<Self, SuppressError> {
        let shape: FileShape = toml::from_str(text).map_err(|e| SuppressError::Syntax {
            source_name: source_name.to_string(),
            detail: e.to_string(),
        })?;
        let mut entries = Vec::with_capacity(shape.ignore.len());
        for (i, entry) in shape.ignore.into_iter().enumerate() {
            let index = i + 1;
            let bad = |detail: &str| SuppressError::Entry {
                source_name: source_name.to_string(),
                index,
                detail: detail.to_string(),
            };
            if entry.check.trim().is_empty() {
                return Err(bad("`check` is empty"));
            }
            if entry.reason.trim().is_empty() {
                return Err(bad("`reason` is empty: say why this finding is accepted"));
            }
            entries.push(Compiled {
                path: compile(entry.path.as_deref(), source_name, index)?,
                user: compile(entry.user.as_deref(), source_name, index)?,
                ip: compile(entry.ip.as_deref(), source_name, index)?,
                entry,
            });
        }
        Ok(Suppressions {
            source_name: source_name.to_string(),
            entries,
        })
    }

    /// The check ids and areas the entries name (to validate them against the registry).
    pub fn checks(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|c| c.entry.check.as_str())
    }

    fn matching(&self, f: &Finding) -> Option<&Compiled> {
        let any = |m: &Option<GlobMatcher>, values: &[String]| {
            m.as_ref()
                .is_none_or(|m| values.iter().any(|v| m.is_match(v)))
        };
        self.entries.iter().find(|c| {
            let check = c.entry.check.as_str();
            let names_check = f.check_id == check
                || f.check_id
                    .strip_prefix(check)
                    .is_some_and(|rest| rest.starts_with('.'));
            names_check && any(&c.path, &f.paths) && any(&c.user, &f.users) && any(&c.ip, &f.ips)
        })
    }

    /// Takes the matching findings out of `findings` and returns them with their entries.
    pub fn apply(&self, findings: &mut Vec<Finding>) -> Vec<Suppressed> {
        let mut suppressed = Vec::new();
        findings.retain(|f| match self.matching(f) {
            Some(c) => {
                suppressed.push(Suppressed {
                    finding: f.clone(),
                    entry: c.entry.clone(),
                    source: self.source_name.clone(),
                });
                false
            }
            None => true,
        });
        suppressed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use huoyan_core::{CheckInfo, Severity};

    static CRON: CheckInfo = CheckInfo {
        id: "persistence.cron",
        title: "t",
        title_zh: "t",
        mitre: &["T1053.003"],
        remediation: "r",
        remediation_zh: "r",
    };

    fn cron(path: &str, user: &str) -> Finding {
        CRON.finding(Severity::High, format!("job in {path}"))
            .path(path)
            .user(user)
            .with_id()
    }

    #[test]
    fn narrow_entries_take_out_only_what_they_name() {
        let s = Suppressions::parse(
            r#"
[[ignore]]
check = "persistence.cron"
path = "/etc/cron.d/backup-*"
user = "backup"
reason = "nightly backup, approved"
"#,
            "ignore.toml",
        )
        .expect("parse");
        let mut findings = vec![
            cron("/etc/cron.d/backup-db", "backup"),
            cron("/etc/cron.d/backup-db", "root"),
            cron("/etc/cron.d/.x", "backup"),
        ];
        let out = s.apply(&mut findings);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].finding.users, ["backup"]);
        assert_eq!(out[0].entry.reason, "nightly backup, approved");
        assert_eq!(findings.len(), 2);
    }

    #[test]
    fn areas_match_by_prefix_only() {
        let s = Suppressions::parse(
            "[[ignore]]\ncheck = \"persistence\"\nreason = \"lab host\"\n",
            "f",
        )
        .expect("parse");
        let mut findings = vec![cron("/etc/crontab", "root")];
        assert_eq!(s.apply(&mut findings).len(), 1);
        let s = Suppressions::parse("[[ignore]]\ncheck = \"pers\"\nreason = \"x\"\n", "f")
            .expect("parse");
        let mut findings = vec![cron("/etc/crontab", "root")];
        assert!(s.apply(&mut findings).is_empty());
    }

    #[test]
    fn entries_without_reason_or_with_unknown_keys_are_refused() {
        assert!(Suppressions::parse("[[ignore]]\ncheck = \"a.b\"\nreason = \" \"\n", "f").is_err());
        assert!(Suppressions::parse("[[ignore]]\ncheck = \"a.b\"\n", "f").is_err());
        assert!(Suppressions::parse(
            "[[ignore]]\ncheck = \"a.b\"\nreason = \"r\"\npaths = \"x\"\n",
            "f"
        )
        .is_err());
        assert!(Suppressions::parse(
            "[[ignore]]\ncheck = \"a.b\"\nreason = \"r\"\npath = \"[\"\n",
            "f"
        )
        .is_err());
    }
}
