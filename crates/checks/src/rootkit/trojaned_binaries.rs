//! `rootkit.trojaned_binaries` — strings that mark trojaned versions of system commands.
//!
//! **What it looks at:** the printable strings (4+ bytes, like `strings -a`) of `ps`, `ls`, `du`,
//! `top`, `find`, `netstat`, `sshd`, `su`, `login`, `ifconfig`, `syslogd`, `crond` … in the command
//! directories, matched against the per-command patterns of `rules/rootkit/trojaned_binaries.tsv`
//! (facts from chkrootkit's infected-binary labels, BSD-2-Clause; attribution in the file).
//!
//! **Why an attacker leaves this trace:** rootkit kits (lrk, t0rn, Adore's helpers, SHV) ship
//! patched commands that read their hide lists from fixed files (`/dev/ptyxx`, `/dev/tux`,
//! `/usr/lib/libsh`) — the file names are compiled into the trojaned binary.
//!
//! **Example:** `/usr/bin/ls contains "/dev/ptyxx/.file", a string of trojaned ls builds`
//! (critical).
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1014 (Rootkit), T1554 (Compromise Host Software Binary).

use std::collections::HashSet;
use std::path::Path;

use huoyan_core::{CheckInfo, FileKind, Outcome, Severity};
use regex::bytes::Regex;
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct TrojanedBinaries;

static INFO: CheckInfo = CheckInfo {
    id: "rootkit.trojaned_binaries",
    title: "System command contains strings of a known trojaned build",
    title_zh: "系统命令包含已知木马版本的特征字符串",
    mitre: &["T1014", "T1554"],
    remediation: "Stop trusting this command's output; collect the binary and the hide-list file \
                  it names, reinstall the package from trusted media, and rebuild the host.",
    remediation_zh: "不要再信任该命令的输出；取证保存该程序及其引用的隐藏列表文件，从可信介质重装软件包，并重建主机。",
};

/// The rule data, compiled into the binary.
pub const RULES: &str = include_str!("../../../../rules/rootkit/trojaned_binaries.tsv");

/// Largest binary read.
const BINARY_CAP: u64 = 64 << 20;

/// One rule: command name, pattern, source label.
pub struct Rule {
    /// Command name (file name in a command directory).
    pub command: String,
    /// Pattern matched against each printable string.
    pub pattern: Regex,
    /// The chkrootkit label it comes from.
    pub label: String,
}

/// Parses the rule file; invalid patterns are skipped.
pub fn parse_rules(text: &str) -> Vec<Rule> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut f = l.split('\t');
            let command = f.next()?.to_string();
            let pattern = Regex::new(&format!("(?-u){}", f.next()?)).ok()?;
            let label = f.next().unwrap_or("").to_string();
            Some(Rule {
                command,
                pattern,
                label,
            })
        })
        .collect()
}

impl Check for TrojanedBinaries {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let rules = parse_rules(RULES);
        let mut seen = HashSet::new();
        for dir in huoyan_integrity::classify::BIN_DIRS {
            if !ctx.root.lstat(dir).is_ok_and(|m| m.kind == FileKind::Dir) {
                continue;
            }
            for rule in &rules {
                let path = Path::new(dir).join(&rule.command);
                let Ok(host) = ctx.root.resolve(&path) else {
                    continue;
                };
                if !seen.insert((host, rule.label.clone())) {
                    continue;
                }
                let data = match ctx.root.read_capped(&path, BINARY_CAP) {
                    Ok(c) => c.data,
                    Err(e) => {
                        out.gap_from(INFO.id, &e, true);
                        continue;
                    }
                };
                let hits: Vec<String> = huoyan_artifacts::elf::printable_strings(&data, 4, 1 << 20)
                    .into_iter()
                    .filter(|s| rule.pattern.is_match(s))
                    .take(10)
                    .map(huoyan_core::text::bytes_to_string)
                    .collect();
                if hits.is_empty() {
                    continue;
                }
                let shown = path.display().to_string();
                out.add(
                    INFO.finding(
                        Severity::Critical,
                        format!(
                            "{shown} contains {:?}, a string of trojaned {} builds",
                            hits[0], rule.command
                        ),
                    )
                    .path(shown)
                    .evidence(json!({"strings": hits, "label": rule.label,
                        "source": "chkrootkit infected-binary labels (BSD-2-Clause)"})),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use huoyan_core::{Root, Window};

    #[test]
    fn rules_parse_with_attribution() {
        assert!(RULES.contains("chkrootkit") && RULES.contains("BSD-2-Clause"));
        let rules = parse_rules(RULES);
        assert!(rules.len() >= 25);
        assert!(rules.iter().any(|r| r.command == "ps"));
    }

    fn run_on(b: &std::path::Path) -> Outcome {
        let ctx = Context::new(Root::new(b).expect("root"), Window::default());
        let mut out = Outcome::default();
        TrojanedBinaries.run(&ctx, &mut out);
        out
    }

    #[test]
    fn trojaned_ls_is_flagged_and_real_binaries_are_not() {
        let dir = tempfile::tempdir().expect("tempdir");
        let b = dir.path();
        std::fs::create_dir_all(b.join("usr/bin")).expect("mkdir");
        // The host's real commands: the benign side.
        for cmd in ["ls", "ps", "find", "top", "su", "login", "netstat", "du"] {
            if let Ok(data) = std::fs::read(Path::new("/usr/bin").join(cmd)) {
                std::fs::write(b.join("usr/bin").join(cmd), data).expect("w");
            }
        }
        assert!(run_on(b).findings.is_empty());
        let mut ls = std::fs::read("/proc/self/exe").expect("self");
        ls.extend_from_slice(b"\0/dev/ptyxx/.file\0");
        std::fs::write(b.join("usr/bin/ls"), ls).expect("w");
        let out = run_on(b);
        assert_eq!(out.findings.len(), 1, "{:?}", out.findings);
        assert_eq!(out.findings[0].paths, vec!["/usr/bin/ls"]);
    }
}
