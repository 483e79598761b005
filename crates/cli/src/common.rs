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
    /// Print JSON Lines (one object per line) instead of a table (same as --format jsonl).
    #[arg(long)]
    pub json: bool,
}

/// How the findings of a run are shown and which the responder accepts: for the commands that
/// print findings (scan, triage, web, logs).
#[derive(Debug, Clone, clap::Args)]
pub struct FindingsArgs {
    /// Output format of the findings: table (default), jsonl, csv or sarif (SARIF 2.1.0).
    #[arg(long, value_enum, conflicts_with = "json")]
    pub format: Option<Format>,
    /// Show only findings of at least this severity (info, low, medium, high, critical); the
    /// verdict and the exit code still weigh every finding.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub min_severity: Option<huoyan_core::Severity>,
    /// Findings the responder examined and accepts (TOML: `[[ignore]]` entries with `check`,
    /// optional `path`/`user`/`ip` globs, and a `reason`). They leave the verdict but are listed
    /// with their reasons, never hidden.
    #[arg(long = "ignore", value_name = "FILE")]
    pub ignore: Option<PathBuf>,
}

impl FindingsArgs {
    /// The suppressions of `--ignore FILE` (none without the option), read and validated: the
    /// file is the responder's, not evidence, so it is read directly; its check names must exist.
    #[allow(clippy::disallowed_methods)] // the responder's --ignore file
    pub fn suppressions(&self) -> Result<Option<huoyan_report::suppress::Suppressions>> {
        let Some(file) = &self.ignore else {
            return Ok(None);
        };
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("reading --ignore file {}", file.display()))?;
        let rules =
            huoyan_report::suppress::Suppressions::parse(&text, &file.display().to_string())
                .map_err(|e| crate::exit::Usage(e.to_string()))?;
        let selection = huoyan_checks::Selection {
            only: rules.checks().map(str::to_string).collect(),
            ..huoyan_checks::Selection::default()
        };
        let unknown = selection.unknown_entries();
        if !unknown.is_empty() {
            return Err(crate::exit::Usage(format!(
                "--ignore {}: {} names no area and no check id",
                file.display(),
                unknown.join(", ")
            ))
            .into());
        }
        Ok(Some(rules))
    }

    /// Takes the findings named by `--ignore FILE` out of `outcome`.
    pub fn apply_ignore(
        &self,
        outcome: &mut huoyan_core::Outcome,
    ) -> Result<Vec<huoyan_report::suppress::Suppressed>> {
        Ok(self
            .suppressions()?
            .map(|rules| rules.apply(&mut outcome.findings))
            .unwrap_or_default())
    }

    /// The output format: `--format`, or `--json`, or the table.
    pub fn output_format(&self, root: &RootArgs) -> Format {
        self.format.unwrap_or(Format::from_json_flag(root.json))
    }
}

/// How findings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A ranked table for people (colour on a terminal).
    Table,
    /// One JSON object per line: findings, then gaps (huoyan's own form).
    Jsonl,
    /// One line per finding, for a spreadsheet.
    Csv,
    /// SARIF 2.1.0, for code-scanning dashboards and ticketing pipelines.
    Sarif,
}

impl Format {
    /// `--json` as a format.
    pub fn from_json_flag(json: bool) -> Format {
        if json {
            Format::Jsonl
        } else {
            Format::Table
        }
    }
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
        let window = Window {
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
        };
        if let (Some(since), Some(until)) = (window.since, window.until) {
            if since > until {
                return Err(crate::exit::Usage(format!(
                    "--since ({}) is later than --until ({}): the window would be empty",
                    huoyan_core::time::format_utc(since),
                    huoyan_core::time::format_utc(until)
                ))
                .into());
            }
        }
        Ok(window)
    }
}

/// Loads the responder's own command-detector rules: every `*.toml` in each `--rules DIR` and in
/// its `commands/` subfolder (YARA files in the same folders are the web scanner's). The rule
/// folders are the responder's, not evidence, so they are read directly.
#[allow(clippy::disallowed_methods)] // the responder's rule folders
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
