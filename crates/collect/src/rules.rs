//! The collection plan as data: which locations go into the bundle (`rules/collect.toml`).
//!
//! Responders extend the list without touching code (or pass their own file with `--plan`).
//! The built-in plan is compiled into the binary, so the static executable carries it to the
//! compromised host. See the header of `rules/collect.toml` for the format.

use serde::Deserialize;

use crate::error::CollectError;

/// The plan shipped with huoyan.
pub const BUILTIN_PLAN: &str = include_str!("../../../rules/collect.toml");

/// One group of evidence.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// Manifest category (`accounts`, `logs` …).
    pub category: String,
    /// Logical paths inside the root (files or directories; `*`/`?` per component).
    #[serde(default)]
    pub paths: Vec<String>,
    /// Paths relative to every user's home.
    #[serde(default)]
    pub home: Vec<String>,
    /// Whether `--since` applies.
    #[serde(default)]
    pub since: bool,
}

/// Where private keys may lie.
#[derive(Debug, Clone, Deserialize, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SshRules {
    /// System directories (e.g. /etc/ssh).
    #[serde(default)]
    pub paths: Vec<String>,
    /// Directories relative to every home (e.g. .ssh).
    #[serde(default)]
    pub home: Vec<String>,
    /// File names that are public by nature (always collected, never inspected as keys).
    #[serde(default)]
    pub public_names: Vec<String>,
    /// File-name endings that are public by nature.
    #[serde(default)]
    pub public_suffixes: Vec<String>,
}

impl SshRules {
    /// True when a file name is public by nature (authorized_keys, *.pub …).
    pub fn is_public_name(&self, name: &[u8]) -> bool {
        self.public_names.iter().any(|n| n.as_bytes() == name)
            || self
                .public_suffixes
                .iter()
                .any(|s| name.ends_with(s.as_bytes()))
    }
}

/// Where web server configuration lives.
#[derive(Debug, Clone, Deserialize, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WebRules {
    /// Configuration files or directories to scan for log directives.
    #[serde(default)]
    pub configs: Vec<String>,
}

/// The whole plan.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Locations, in priority order.
    #[serde(default, rename = "location")]
    pub locations: Vec<Location>,
    /// Private-key places.
    #[serde(default)]
    pub ssh: SshRules,
    /// Web configuration places.
    #[serde(default)]
    pub web: WebRules,
}

impl Rules {
    /// Parses a plan.
    pub fn parse(text: &str) -> Result<Self, CollectError> {
        let rules: Rules = toml::from_str(text).map_err(|e| CollectError::Plan(e.to_string()))?;
        for loc in &rules.locations {
            if loc.category.is_empty()
                || !loc
                    .category
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(CollectError::Plan(format!(
                    "category {:?} must be a plain word",
                    loc.category
                )));
            }
            if let Some(bad) = loc.paths.iter().find(|p| !p.starts_with('/')) {
                return Err(CollectError::Plan(format!(
                    "path {bad:?} in {} must be absolute",
                    loc.category
                )));
            }
            if let Some(bad) = loc.home.iter().find(|p| p.starts_with('/')) {
                return Err(CollectError::Plan(format!(
                    "home path {bad:?} in {} must be relative to the home",
                    loc.category
                )));
            }
        }
        Ok(rules)
    }

    /// The built-in plan.
    pub fn builtin() -> Self {
        // The built-in plan is tested below; a parse failure here is a build defect.
        Self::parse(BUILTIN_PLAN).unwrap_or(Rules {
            locations: Vec::new(),
            ssh: SshRules::default(),
            web: WebRules::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_plan_parses_and_covers_the_seed() {
        let rules = Rules::parse(BUILTIN_PLAN).expect("builtin plan");
        let cats: Vec<&str> = rules
            .locations
            .iter()
            .map(|l| l.category.as_str())
            .collect();
        for want in ["accounts", "ssh", "histories", "persistence", "logs"] {
            assert!(cats.contains(&want), "missing {want}");
        }
        let all: Vec<&String> = rules.locations.iter().flat_map(|l| &l.paths).collect();
        for want in [
            "/etc/shadow",
            "/etc/gshadow",
            "/etc/sudoers.d",
            "/var/log",
            "/etc/crontab",
        ] {
            assert!(all.iter().any(|p| p.as_str() == want), "missing {want}");
        }
        assert!(rules.ssh.is_public_name(b"authorized_keys"));
        assert!(rules.ssh.is_public_name(b"id_ed25519.pub"));
        assert!(!rules.ssh.is_public_name(b"id_ed25519"));
        assert!(!rules.web.configs.is_empty());
    }

    #[test]
    fn rejects_relative_and_odd_categories() {
        assert!(Rules::parse("[[location]]\ncategory = \"x\"\npaths = [\"etc\"]\n").is_err());
        assert!(Rules::parse("[[location]]\ncategory = \"../x\"\n").is_err());
        assert!(Rules::parse("[[location]]\ncategory = \"x\"\nhome = [\"/abs\"]\n").is_err());
        assert!(Rules::parse("garbage [[[").is_err());
        assert!(Rules::parse("[[location]]\ncategory = \"x\"\nbogus = 1\n").is_err());
    }
}
