//! The `huoyan` binary: command-line arguments, wiring of the library crates, printing.
//!
//! Each subcommand lives in its own module under `cmd/` with its own `Args` struct; this file only
//! dispatches. Exit codes are in [`exit`].

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;
mod common;
mod exit;
mod output;

/// huoyan (火眼): find out what happened on a hacked Linux server, keep the evidence, contain the
/// damage and write the report — without trusting anything on the host.
#[derive(Debug, Parser)]
#[command(name = "huoyan", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Freeze the scene: processes, connections, open files, logged-in users (live host).
    Snapshot(cmd::snapshot::Args),
    /// Sweep the host (or an image) for what the attacker did and left behind.
    Scan(cmd::scan::Args),
    /// Web forensics: webshells, suspicious web files, attacks in access logs, upload/use chains.
    Web(cmd::web::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Snapshot(args) => cmd::snapshot::run(args),
        Command::Scan(args) => cmd::scan::run(args),
        Command::Web(args) => cmd::web::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!(
                "huoyan: error: {}",
                huoyan_core::text::sanitize(&format!("{err:#}"))
            );
            ExitCode::from(exit::ERROR)
        }
    }
}
