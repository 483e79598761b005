//! `huoyan triage`: the main job. Runs the phases in forensic order — volatile first — into one
//! case folder, then prints the verdict.
//!
//! snapshot (live only) → scan (all checks, deep included) → collect and timeline (side by side)
//! → report.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context as _, Result};
use huoyan_checks::{run_checks, Context, Selection};
use huoyan_core::host::{current_uid, HostIdentity};
use huoyan_core::{ActionJournal, Outcome, Severity};
use huoyan_report::case::CaseInfo;
use huoyan_report::{Case, Verdict};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::common::RootArgs;

/// Arguments of `huoyan triage`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub common: RootArgs,
    #[command(flatten)]
    pub findings_args: crate::common::FindingsArgs,
    /// Case folder (default ./huoyan-<host>-<UTC>/); must not exist or be empty.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Report language: en or zh.
    #[arg(long, default_value = "en")]
    pub lang: String,
    /// Skip the evidence bundle.
    #[arg(long)]
    pub no_collect: bool,
    /// Re-hash every packaged file (reads every packaged byte). Without it, only files whose
    /// inode changed after their package was installed are re-hashed, plus the core commands,
    /// PAM modules, loader and libc; the rest is listed as not examined.
    #[arg(long)]
    pub deep: bool,
    /// Extra web roots to examine.
    #[arg(long = "web-root", value_name = "DIR")]
    pub web_roots: Vec<PathBuf>,
    /// Extra rule directories: YARA files (*.yar) for the web scanner, command-detector rules
    /// (*.toml, also in a commands/ subfolder).
    #[arg(long = "rules", value_name = "DIR")]
    pub rule_dirs: Vec<PathBuf>,
}

struct Phases {
    bar: ProgressBar,
}

impl Phases {
    fn new(total: u64) -> Self {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(total), target);
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{pos}/{len}] {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        Phases { bar }
    }

    fn start(&self, journal: &ActionJournal, name: &str) {
        self.bar.set_message(name.to_string());
        journal.record("phase", name, "started");
    }

    fn done(&self, journal: &ActionJournal, name: &str, detail: String) {
        journal.record("phase", name, detail);
        self.bar.inc(1);
    }
}

/// `path` with its longest existing ancestor resolved (symlinks followed), the rest appended:
/// where a folder that does not exist yet would be created.
fn resolved(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            return rest.iter().rev().fold(real, |p, c| p.join(c));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

/// Prepares the case folder: creates it, or accepts an existing empty one. It must not lie
/// inside an examined image (`--root` other than `/`): that would write into the evidence.
#[allow(clippy::disallowed_methods)] // the case folder huoyan is about to write
fn prepare_case_dir(dir: &Path, examined_root: &Path) -> Result<()> {
    let absolute = resolved(dir);
    if absolute.starts_with("/proc") || absolute.starts_with("/sys") {
        bail!("the case folder cannot be inside /proc or /sys");
    }
    let root = resolved(examined_root);
    if root != Path::new("/") && absolute.starts_with(&root) {
        bail!(
            "the case folder {} is inside the examined root {}: write it outside the evidence \
             (e.g. --out /mnt/usb/case)",
            absolute.display(),
            root.display()
        );
    }
    if dir.exists() {
        let mut entries =
            std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
        if entries.next().is_some() {
            bail!("case folder {} exists and is not empty", dir.display());
        }
    }
    huoyan_core::outfile::ensure_dir(dir).with_context(|| format!("creating {}", dir.display()))
}

/// Runs the triage.
pub fn run(args: &Args) -> Result<ExitCode> {
    let lang = crate::cmd::report::parse_lang(&args.lang)?;
    let started = huoyan_core::time::now();
    let root = args.common.open_root()?;
    let mut ctx = Context::new(root, args.common.window()?);
    ctx.web_roots = args.web_roots.clone();
    ctx.rule_dirs = args.rule_dirs.clone();
    if !args.deep {
        ctx.package_depth = huoyan_checks::Depth::Changed;
    }
    crate::common::install_command_rules(&args.rule_dirs)?;
    // A bad --ignore file stops the run before it starts, not after minutes of work.
    let suppressions = args.findings_args.suppressions()?;
    let host = HostIdentity::read(&ctx.root, ctx.proc_fs.as_ref());
    let dir = args.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "huoyan-{}-{}",
            host.file_safe_name(),
            started.strftime("%Y%m%dT%H%M%SZ")
        ))
    });
    prepare_case_dir(&dir, &args.common.root)?;
    let journal = std::sync::Arc::new(
        ActionJournal::to_file(&dir.join("journal.jsonl"))
            .with_context(|| format!("creating the journal in {}", dir.display()))?,
    );
    ctx.journal = Some(std::sync::Arc::clone(&journal));
    let command: Vec<String> = std::env::args().collect();
    journal.record("start", dir.display().to_string(), command.join(" "));
    if args.out.is_none() && resolved(&args.common.root) == Path::new("/") {
        // The default folder is in the current directory: on the examined disk itself.
        let note = format!(
            "writing the case to {} on the examined host's own disk (no --out given); prefer \
             --out on removable or network storage",
            resolved(&dir).display()
        );
        eprintln!("huoyan: warning: {note}");
        journal.record("warning", dir.display().to_string(), note);
    }
    let phases = Phases::new(5);
    let mut outcome = Outcome::default();

    // 1. Volatile state first.
    phases.start(&journal, "snapshot");
    let snapshot_detail =
        crate::cmd::snapshot_phase(&ctx, &dir.join("snapshot"), &journal, &mut outcome);
    phases.done(&journal, "snapshot", snapshot_detail);

    // 2. Every check, deep ones included.
    phases.start(&journal, "scan");
    let scan = run_checks(
        &ctx,
        &Selection {
            deep: true,
            ..Selection::default()
        },
    );
    let scan_detail = format!("{} findings, {} gaps", scan.findings.len(), scan.gaps.len());
    outcome.merge(scan);
    huoyan_checks::roles::assign(&mut outcome);
    outcome.sort();
    let suppressed = suppressions
        .map(|rules| rules.apply(&mut outcome.findings))
        .unwrap_or_default();
    if !suppressed.is_empty() {
        let path = dir.join("suppressed.jsonl");
        let mut f = std::io::BufWriter::new(
            huoyan_core::outfile::create_new(&path)
                .with_context(|| format!("creating {}", path.display()))?,
        );
        for s in &suppressed {
            huoyan_core::jsonl::to_writer(&mut f, s)?;
            f.write_all(b"\n")?;
        }
        f.flush()?;
        journal.record(
            "suppress",
            path.display().to_string(),
            format!("{} findings accepted by --ignore", suppressed.len()),
        );
    }
    write_findings(&dir, &outcome)?;
    phases.done(&journal, "scan", scan_detail);

    // 3 and 4. Evidence and timeline, side by side: both only read the root (O_NOATIME, no
    // writes under it) and the findings, and write into different folders of the case.
    phases.start(&journal, "collect");
    phases.start(&journal, "timeline");
    let ((), (events, timeline_gaps)) = rayon::join(
        || {
            let collect_detail = if args.no_collect {
                "skipped (--no-collect)".to_string()
            } else {
                crate::cmd::collect_phase(&ctx, &dir.join("evidence"), &outcome, &journal)
            };
            phases.done(&journal, "collect", collect_detail);
        },
        || crate::cmd::timeline::build(&ctx, &outcome.findings),
    );
    outcome.gaps.extend(timeline_gaps);
    outcome.sort();
    write_findings(&dir, &outcome)?;
    crate::cmd::timeline::write_all(&dir.join("timeline"), &events, &host.hostname)?;
    phases.done(&journal, "timeline", format!("{} events", events.len()));

    // 5. Report.
    phases.start(&journal, "report");
    let info = CaseInfo {
        hostname: host.hostname.clone(),
        machine_id: host.machine_id.clone(),
        kernel: host.kernel.clone(),
        root: ctx.root.base().display().to_string(),
        live: ctx.proc_fs.is_some(),
        huoyan_version: huoyan_core::VERSION.to_string(),
        command,
        uid: current_uid(),
        started: Some(started),
        finished: Some(huoyan_core::time::now()),
        window: ctx.window,
        coverage: huoyan_report::Coverage::of_root(&ctx.root),
    };
    huoyan_core::outfile::write_replace(
        &dir.join("case.json"),
        &huoyan_core::jsonl::to_vec_pretty(&info)?,
    )
    .context("writing case.json")?;
    journal.record("end", dir.display().to_string(), "triage finished");
    let case = Case {
        dir: dir.clone(),
        info,
        findings: outcome.findings.clone(),
        gaps: outcome.gaps.clone(),
        events,
        journal: journal.entries(),
        suppressed,
    };
    let html = crate::cmd::report::write_reports(&case, &dir, lang)?;
    let other = match lang {
        huoyan_report::Lang::En => huoyan_report::Lang::Zh,
        huoyan_report::Lang::Zh => huoyan_report::Lang::En,
    };
    crate::cmd::report::write_reports(&case, &dir, other)?;
    phases.done(&journal, "report", html.display().to_string());
    phases.bar.finish_and_clear();

    match args.findings_args.output_format(&args.common) {
        crate::common::Format::Table => {
            print_verdict(&case, &html, lang, args.findings_args.min_severity)?;
        }
        format => crate::output::print_outcome(&outcome, format, args.findings_args.min_severity)?,
    }
    let code = ExitCode::from(crate::exit::for_verdict(case.verdict()));
    // The process ends here: the case, the findings and the scan context (hundreds of thousands
    // of small allocations) are left to the OS instead of being freed one by one. Nothing in
    // them writes on drop; the journal is dropped normally.
    std::mem::forget(case);
    std::mem::forget(outcome);
    std::mem::forget(ctx);
    Ok(code)
}

fn write_findings(dir: &Path, outcome: &Outcome) -> Result<()> {
    let path = dir.join("findings.jsonl");
    let mut f = std::io::BufWriter::new(
        huoyan_core::outfile::Replacing::new(&path)
            .with_context(|| format!("creating {}", path.display()))?,
    );
    crate::output::write_jsonl(&mut f, outcome)?;
    f.into_inner()
        .map_err(|e| e.into_error())
        .and_then(huoyan_core::outfile::Replacing::commit)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// How many findings the terminal shows after the verdict; the rest are in the report.
const TOP_FINDINGS: usize = 10;

fn print_verdict(
    case: &Case,
    html: &Path,
    lang: huoyan_report::Lang,
    min: Option<Severity>,
) -> Result<()> {
    let colour = crate::output::use_colour();
    let verdict = case.verdict();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let code = match verdict {
        Verdict::Compromised => "1;97;41",
        Verdict::Suspicious => "1;30;43",
        Verdict::NoEvidenceFound => "1;97;42",
        Verdict::Inconclusive => "1;97;100",
    };
    let text = verdict.label(lang);
    let banner = format!(" {} ", text);
    if colour {
        writeln!(
            out,
            "\n\x1b[{code}m{banner}\x1b[0m  {}",
            huoyan_core::text::sanitize(&case.info.hostname)
        )?;
    } else {
        writeln!(
            out,
            "\nVERDICT: {text}  {}",
            huoyan_core::text::sanitize(&case.info.hostname)
        )?;
    }
    writeln!(out, "{}", crate::output::counts_line(&case.findings))?;
    let missing = case.info.coverage.missing();
    if verdict == Verdict::Inconclusive {
        let items: Vec<&str> = missing.iter().map(|(en, _)| *en).collect();
        writeln!(
            out,
            "Too little could be examined to say \"no evidence found\": no {}.",
            items.join(", no ")
        )?;
    }
    let floor = min.unwrap_or(Severity::Medium);
    let ranked: Vec<&huoyan_core::Finding> = huoyan_report::rank::ranked(&case.findings)
        .into_iter()
        .map(|i| &case.findings[i])
        .filter(|f| f.is_evidence() && f.severity >= floor)
        .collect();
    if !ranked.is_empty() {
        writeln!(
            out,
            "\nTop findings (ranked by how much of the attack they explain):"
        )?;
        for f in ranked.iter().take(TOP_FINDINGS) {
            out.write_all(crate::output::render_finding(f, colour).as_bytes())?;
        }
        if ranked.len() > TOP_FINDINGS {
            writeln!(
                out,
                "… {} more at {} or above — see the report",
                ranked.len() - TOP_FINDINGS,
                floor
            )?;
        }
    }
    if verdict != Verdict::NoEvidenceFound && verdict != Verdict::Inconclusive {
        let story = huoyan_report::reconstruct(&case.findings, &case.events);
        writeln!(
            out,
            "\nCause: {}",
            huoyan_core::text::sanitize(
                lang.pick(&story.root_cause.text, &story.root_cause.text_zh)
            )
        )?;
    }
    if !case.gaps.is_empty() {
        writeln!(
            out,
            "\nNot examined: {} item(s); see the report. First ones:",
            case.gaps.len()
        )?;
        for g in case.gaps.iter().take(5) {
            out.write_all(crate::output::render_gap(g).as_bytes())?;
        }
    }
    writeln!(out, "\nCase folder: {}", case.dir.display())?;
    writeln!(out, "Report:      {}", html.display())?;
    Ok(())
}
