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
