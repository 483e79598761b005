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
    /// The super timeline: logins, logs, commands, packages, file times, processes, findings.
    Timeline(cmd::timeline::Args),
    /// Write the incident report of a case folder (Markdown and HTML, en or zh).
    Report(cmd::report::Args),
    /// The main job: snapshot, scan, collect, timeline and report into one case folder.
    Triage(cmd::triage::Args),
    /// Pack the evidence into one hashed, journaled bundle (optionally upload it over SFTP).
    Collect(cmd::collect::Args),
    /// Re-hash a bundle and report the first damaged member, or "intact".
    Verify(cmd::verify::Args),
    /// Copy a block device to an image file, hashing on the fly.
    Image(cmd::image::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Snapshot(args) => cmd::snapshot::run(args),
        Command::Scan(args) => cmd::scan::run(args),
        Command::Timeline(args) => cmd::timeline::run(args),
        Command::Report(args) => cmd::report::run(args),
        Command::Triage(args) => cmd::triage::run(args),
        Command::Collect(args) => cmd::collect::run(args),
        Command::Verify(args) => cmd::verify::run(args),
        Command::Image(args) => cmd::image::run(args),
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
