//! `huoyan case note CASE "…"`: the responders' own handling record. Each note is appended to the
//! case's action journal (`journal.jsonl`, action `note`, with who wrote it and when) and the
//! reports are written again, so the report's handling section says what the people did —
//! isolated the host, changed the passwords, removed the webshell — beside what huoyan did.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use huoyan_core::ActionJournal;
use huoyan_report::{Case, Lang};

/// Arguments of `huoyan case`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

/// What to do with a case folder.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Add a handling note (what the responders did) and rewrite the reports.
    Note {
        /// The case folder (written by `huoyan triage`).
        case_dir: PathBuf,
        /// The note, e.g. "isolated from the LAN, root password changed".
        text: String,
        /// Who did it (default: the name of the user running huoyan, from the host's passwd).
        #[arg(long)]
        by: Option<String>,
    },
}

/// Runs `huoyan case`.
pub fn run(args: &Args) -> Result<ExitCode> {
    match &args.action {
        Action::Note { case_dir, text, by } => {
            if text.trim().is_empty() {
                return Err(crate::exit::Usage("the note is empty".into()).into());
            }
            if !case_dir.join("findings.jsonl").is_file() {
                return Err(crate::exit::Usage(format!(
                    "{} is not a case folder (no findings.jsonl)",
                    case_dir.display()
                ))
                .into());
            }
            let who = by.clone().unwrap_or_else(|| {
                let uid = huoyan_core::host::current_uid();
                huoyan_collect::custody::host_user_name(uid)
                    .0
                    .unwrap_or_else(|| format!("uid {uid}"))
            });
            let journal = ActionJournal::to_file(&case_dir.join("journal.jsonl"))
                .with_context(|| format!("opening the journal of {}", case_dir.display()))?;
            journal.record("note", who, text.clone());
            drop(journal);
            let case = Case::load(case_dir)
                .with_context(|| format!("reading case folder {}", case_dir.display()))?;
            for lang in [Lang::En, Lang::Zh] {
                crate::cmd::report::write_reports(&case, case_dir, lang)?;
            }
            println!("note added; reports rewritten in {}", case_dir.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}
