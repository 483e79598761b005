//! `huoyan passwords`: tests the password hashes of `/etc/shadow` (and hashes left in
//! `/etc/passwd`) against the built-in list, words derived from the host and the responder's
//! wordlists, within a time budget — the `accounts.weak_password` check with the responder's
//! settings.
//!
//! The cleartext of a found password is never printed unless `--reveal` is given; findings say
//! where it was found ("in the built-in list at rank 7"). Wordlists are the responder's files,
//! not evidence: they are read directly, capped in size.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use huoyan_checks::accounts::weak_password;
use huoyan_checks::Context;
use huoyan_core::text::sanitize;
use huoyan_core::Outcome;
use huoyan_passwords::candidates::MAX_WORDLIST_CANDIDATES;
use huoyan_passwords::{Config, Wordlist};

use crate::common::{Format, RootArgs};

/// Largest wordlist file read (bytes).
const MAX_WORDLIST_BYTES: u64 = 1 << 30;

/// Arguments of `huoyan passwords`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub common: RootArgs,
    /// A wordlist (one candidate per line), tried after the built-in list (repeatable).
    #[arg(long = "wordlist", value_name = "FILE")]
    pub wordlists: Vec<PathBuf>,
    /// Time budget for the whole audit (90s, 5m, 1h); accounts not fully tested are listed.
    #[arg(long, value_name = "DURATION", default_value = "20s")]
    pub time_limit: String,
    /// Print the cleartext of each weak password found (it is never printed otherwise).
    #[arg(long)]
    pub reveal: bool,
}

#[allow(clippy::disallowed_methods)] // the responder's own wordlist, not evidence
fn read_wordlist(path: &PathBuf, budget: usize) -> Result<Wordlist> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("opening --wordlist {}", path.display()))?;
    let mut data = Vec::new();
    file.take(MAX_WORDLIST_BYTES)
        .read_to_end(&mut data)
        .with_context(|| format!("reading --wordlist {}", path.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    Ok(Wordlist::parse(&name, &data, budget))
}

/// Runs `huoyan passwords`.
pub fn run(args: &Args) -> Result<ExitCode> {
    let time_limit = huoyan_core::time::parse_duration(&args.time_limit).ok_or_else(|| {
        crate::exit::Usage(format!(
            "bad --time-limit {:?} (use 20s, 5m, 1h)",
            args.time_limit
        ))
    })?;
    let root = args.common.open_root()?;
    let mut wordlists = Vec::new();
    let mut budget = MAX_WORDLIST_CANDIDATES;
    for path in &args.wordlists {
        let list = read_wordlist(path, budget)?;
        budget = budget.saturating_sub(list.words.len());
        if list.skipped > 0 {
            eprintln!(
                "huoyan: --wordlist {}: {} lines skipped (longer than {} bytes, not UTF-8, or over \
                 the {} candidate cap)",
                sanitize(&path.display().to_string()),
                list.skipped,
                huoyan_passwords::candidates::MAX_CANDIDATE_LEN,
                MAX_WORDLIST_CANDIDATES
            );
        }
        wordlists.push(list);
    }
    let config = Config {
        time_limit,
        hostname: huoyan_passwords::hostname(&root),
        wordlists,
        ..Config::default()
    };
    let ctx = Context::new(root, args.common.window()?);
    let mut outcome = Outcome::default();
    let report = weak_password::run_with(&ctx, &config, &mut outcome);
    let format = Format::from_json_flag(args.common.json);
    crate::output::print_outcome(&outcome, format, None)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.reveal {
        for hit in &report.hits {
            if format == Format::Jsonl {
                serde_json::to_writer(
                    &mut out,
                    &serde_json::json!({
                        "record": "revealed",
                        "account": hit.account,
                        "scheme": hit.scheme.name(),
                        "password": hit.password,
                    }),
                )?;
                out.write_all(b"\n")?;
            } else {
                writeln!(
                    out,
                    "revealed: account {} ({}): password {:?}",
                    sanitize(&hit.account),
                    hit.scheme.name(),
                    sanitize(&hit.password)
                )?;
            }
        }
    }
    if format == Format::Table {
        writeln!(
            out,
            "{} accounts tested, {} attempts in {:.1} s; {} locked, {} not fully tested",
            report.tested_accounts,
            report.attempts,
            report.elapsed_ms as f64 / 1000.0,
            report.locked.len(),
            report.not_tested.len()
        )?;
    }
    out.flush()?;
    // A weak password is hardening (it never makes a scan's verdict), but this command is the
    // password audit: its exit code says what it found (4 critical, 3 high or medium).
    let worst = outcome.findings.iter().map(|f| f.severity).max();
    Ok(ExitCode::from(crate::exit::for_worst(worst)))
}
