//! `huoyan snapshot`: freeze the live scene into a directory.

use std::process::ExitCode;

use anyhow::{bail, Result};

/// Arguments of `huoyan snapshot`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output directory (must not exist or be empty).
    #[arg(long, value_name = "DIR")]
    pub out: std::path::PathBuf,
}

/// Takes the snapshot.
pub fn run(_args: &Args) -> Result<ExitCode> {
    bail!("snapshot is not built yet")
}
