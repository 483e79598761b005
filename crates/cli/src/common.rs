//! Arguments shared by the subcommands that examine a root.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use huoyan_core::{time::parse_when, Root, Window};

/// `--root`, `--since`, `--until`, `--json`.
#[derive(Debug, Clone, clap::Args)]
pub struct RootArgs {
    /// Examine a mounted image instead of the live host (only /proc and sockets need the live host).
    #[arg(long, value_name = "PATH", default_value = "/")]
    pub root: PathBuf,
    /// Start of the window of interest: RFC 3339, YYYY-MM-DD[ HH:MM[:SS]] (UTC), @unix, or 7d/12h/30m ago.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// End of the window of interest (same forms as --since).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Print JSON Lines (one object per line) instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Show only findings of at least this severity (info, low, medium, high, critical); the
    /// verdict and the exit code still weigh every finding.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub min_severity: Option<huoyan_core::Severity>,
}

fn parse_severity(s: &str) -> std::result::Result<huoyan_core::Severity, String> {
    huoyan_core::Severity::parse(s)
        .ok_or_else(|| format!("unknown severity {s:?}: use info, low, medium, high or critical"))
}

impl RootArgs {
    /// Opens the root.
    pub fn open_root(&self) -> Result<Root> {
        Root::new(&self.root).with_context(|| format!("cannot use {} as root", self.root.display()))
    }

    /// Parses the window.
    pub fn window(&self) -> Result<Window> {
        let now = huoyan_core::time::now();
        Ok(Window {
            since: self
                .since
                .as_deref()
                .map(|s| parse_when(s, now))
                .transpose()?,
            until: self
                .until
                .as_deref()
                .map(|s| parse_when(s, now))
                .transpose()?,
        })
    }
}

/// Loads the responder's own command-detector rules: every `*.toml` in each `--rules DIR` and in
/// its `commands/` subfolder (YARA files in the same folders are the web scanner's). The rule
/// folders are the responder's, not evidence, so they are read directly.
pub fn install_command_rules(dirs: &[PathBuf]) -> Result<()> {
    let mut files: Vec<(String, String)> = Vec::new();
    for dir in dirs {
        for folder in [dir.clone(), dir.join("commands")] {
            let Ok(entries) = std::fs::read_dir(&folder) else {
                continue;
            };
            let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            paths.sort();
            for path in paths {
                if path.extension().is_some_and(|x| x == "toml") {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("reading rule file {}", path.display()))?;
                    files.push((path.display().to_string(), text));
                }
            }
        }
    }
    if files.is_empty() {
        return Ok(());
    }
    let extra: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let detector = huoyan_cmdscan::Detector::with_rules(&extra)
        .context("loading command rules from --rules")?;
    // A detector may already be installed when a command runs twice in one process (tests).
    let _ = huoyan_cmdscan::install(detector);
    Ok(())
}
