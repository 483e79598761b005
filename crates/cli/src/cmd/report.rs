//! `huoyan report CASE_DIR`: (re)writes the incident report of a case folder.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, Context as _, Result};
use huoyan_core::outfile::write_replace;
use huoyan_report::{html, markdown, reconstruct, Case, Lang};

/// Arguments of `huoyan report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The case folder written by `huoyan triage`.
    pub case_dir: PathBuf,
    /// Report language: en or zh.
    #[arg(long, default_value = "en")]
    pub lang: String,
}

/// Parses a language argument.
pub fn parse_lang(s: &str) -> Result<Lang> {
    Lang::parse(s).ok_or_else(|| anyhow!("unknown language {s:?}: use en or zh"))
}

/// Writes `report.<lang>.md` and `report.<lang>.html` into the case folder; returns the HTML path.
pub fn write_reports(case: &Case, dir: &Path, lang: Lang) -> Result<PathBuf> {
    let story = reconstruct(&case.findings, &case.events);
    let tag = match lang {
        Lang::En => "en",
        Lang::Zh => "zh",
    };
    let md_path = dir.join(format!("report.{tag}.md"));
    let html_path = dir.join(format!("report.{tag}.html"));
    // Written beside and renamed: a planted `report.en.html -> /etc/…` symlink is replaced,
    // never followed.
    write_replace(&md_path, markdown::render(case, &story, lang).as_bytes())
        .with_context(|| format!("writing {}", md_path.display()))?;
    write_replace(&html_path, html::render(case, &story, lang).as_bytes())
        .with_context(|| format!("writing {}", html_path.display()))?;
    write_replace(
        &dir.join("story.json"),
        &huoyan_core::jsonl::to_vec_pretty(&story).context("serialising the story")?,
    )
    .context("writing story.json")?;
    Ok(html_path)
}

/// Runs `huoyan report`.
pub fn run(args: &Args) -> Result<ExitCode> {
    let lang = parse_lang(&args.lang)?;
    let case = Case::load(&args.case_dir)
        .with_context(|| format!("reading case folder {}", args.case_dir.display()))?;
    let html = write_reports(&case, &args.case_dir, lang)?;
    println!("report written: {}", html.display());
    Ok(ExitCode::SUCCESS)
}
