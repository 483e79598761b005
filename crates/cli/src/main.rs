//! The `huoyan` binary: command-line arguments, wiring of the library crates, printing.
//!
//! Each subcommand lives in its own module under `cmd/` with its own `Args` struct; this file only
//! dispatches. Exit codes are in [`exit`].

#![cfg_attr(test, allow(clippy::disallowed_methods))]

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;
mod common;
mod exit;
mod output;

/// `huoyan --version`: the release, the commit and the embedded rules it was built with.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("HUOYAN_COMMIT"),
    "; rules: ",
    env!("HUOYAN_RULES"),
    ")"
);

/// huoyan (火眼): find out what happened on a hacked Linux server, keep the evidence, contain the
/// damage and write the report — without trusting anything on the host.
#[derive(Debug, Parser)]
#[command(name = "huoyan", version = VERSION, about, long_about = None)]
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
    /// Log forensics: brute force and its success, logins, su/sudo, account changes, tampering.
    Logs(cmd::logs::Args),
    /// The last, lastb and lastlog views, read from the files (not the host's tools).
    Logins(cmd::logins::Args),
    /// Weak passwords: shadow hashes against common and host-derived passwords and your wordlists.
    Passwords(cmd::passwords::Args),
    /// Cut the server off the network in both directions, keeping the responder in (auto-rollback).
    Contain(cmd::contain::Args),
    /// Suspend, dump or kill one process (kill refuses until its memory is dumped).
    Process(cmd::process::Args),
    /// Verify every packaged file (dpkg, rpm) against its recorded digest.
    VerifyPackages(cmd::verify_packages::Args),
    /// Create a known-good baseline, or compare a host with one.
    Baseline(cmd::baseline::Args),
    /// Pack the evidence into one hashed, journaled bundle (optionally upload it over SFTP).
    Collect(cmd::collect::Args),
    /// Re-hash a bundle and report the first damaged member, or "intact".
    Verify(cmd::verify::Args),
    /// Copy a block device to an image file, hashing on the fly.
    Image(cmd::image::Args),
    /// Web forensics: webshells, suspicious web files, attacks in access logs, upload/use chains.
    Web(cmd::web::Args),
    /// The responders' handling record: `huoyan case note CASE "what we did"`.
    Case(cmd::case::Args),
    /// What changed between two case folders of the same host: new, gone and changed findings.
    Diff(cmd::diff::Args),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout: `huoyan man > huoyan.1`.
    Man,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Snapshot(args) => cmd::snapshot::run(args),
        Command::Scan(args) => cmd::scan::run(args),
        Command::Timeline(args) => cmd::timeline::run(args),
        Command::Report(args) => cmd::report::run(args),
        Command::Triage(args) => cmd::triage::run(args),
        Command::Logs(args) => cmd::logs::run(args),
        Command::Logins(args) => cmd::logins::run(args),
        Command::Passwords(args) => cmd::passwords::run(args),
        Command::Contain(args) => cmd::contain::run(args),
        Command::Process(args) => cmd::process::run(args),
        Command::VerifyPackages(args) => cmd::verify_packages::run(args),
        Command::Baseline(args) => cmd::baseline::run(args),
        Command::Collect(args) => cmd::collect::run(args),
        Command::Verify(args) => cmd::verify::run(args),
        Command::Image(args) => cmd::image::run(args),
        Command::Web(args) => cmd::web::run(args),
        Command::Diff(args) => cmd::diff::run(args),
        Command::Case(args) => cmd::case::run(args),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut command, "huoyan", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            let command = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(command)
                .render(&mut std::io::stdout())
                .map_err(anyhow::Error::from)
                .map(|()| ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        // `huoyan scan | head`: the reader went away; that is not an error of ours.
        Err(err)
            if err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!(
                "huoyan: error: {}",
                huoyan_core::text::sanitize(&format!("{err:#}"))
            );
            if err
                .chain()
                .any(|e| e.downcast_ref::<exit::Usage>().is_some())
            {
                ExitCode::from(exit::USAGE)
            } else {
                ExitCode::from(exit::ERROR)
            }
        }
    }
}
