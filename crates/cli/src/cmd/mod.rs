//! One module per subcommand, plus the glue `triage` uses to run the phases other subcommands
//! own.

use std::path::Path;

use huoyan_checks::Context;
use huoyan_core::{ActionJournal, Gap, GapReason, Outcome};
use huoyan_timeline::Event;

pub mod baseline;
pub mod case;
pub mod collect;
pub mod contain;
pub mod diff;
pub mod image;
pub mod logins;
pub mod logs;
pub mod passwords;
pub mod process;
pub mod report;
pub mod scan;
pub mod snapshot;
pub mod timeline;
pub mod triage;
pub mod verify;
pub mod verify_packages;
pub mod web;

/// Timeline events produced by other capabilities: web requests that carried an attack, and
/// POST requests (uploads, webshell use), from every access log the web estate names.
pub fn extra_events(ctx: &Context) -> Vec<Event> {
    use huoyan_timeline::Category;
    let estate = huoyan_web::estate::discover(&ctx.root, &ctx.web_roots);
    let (analysis, _gaps) = huoyan_web::logs::analysis::analyse_logs(
        &ctx.root,
        &estate.logs,
        &ctx.window,
        &Default::default(),
    );
    let mut events = Vec::new();
    for (ip, samples) in &analysis.samples {
        for s in samples {
            let Some(time) = s.time else { continue };
            let classes: Vec<&str> = s.classes.iter().map(|c| c.as_str()).collect();
            events.push(
                Event::new(
                    time,
                    "web",
                    "web_attack",
                    "Request Time",
                    Category::Web,
                    format!(
                        "{ip} {} {} → {} ({})",
                        s.method,
                        s.decoded,
                        s.status.map(|c| c.to_string()).unwrap_or_default(),
                        classes.join(", ")
                    ),
                )
                .path(s.file.clone())
                .ip(ip.clone()),
            );
        }
    }
    for (ip, posts) in &analysis.posts {
        for (time, method, path) in posts {
            events.push(
                Event::new(
                    *time,
                    "web",
                    "web_post",
                    "Request Time",
                    Category::Web,
                    format!("{ip} {method} {path}"),
                )
                .ip(ip.clone()),
            );
        }
    }
    events
}

/// Triage's snapshot phase: the live scene into `dir` (live hosts only).
pub fn snapshot_phase(
    ctx: &Context,
    dir: &Path,
    journal: &ActionJournal,
    outcome: &mut Outcome,
) -> String {
    let Some(proc_fs) = ctx.proc_fs.as_ref() else {
        outcome.gap(Gap::new(
            "snapshot",
            GapReason::LiveOnly,
            "the root is an image: there is no live scene to freeze",
        ));
        return "skipped: not a live host".to_string();
    };
    match huoyan_snapshot::capture(proc_fs, &ctx.root, dir, journal) {
        Ok(summary) => {
            outcome.gaps.extend(summary.gaps.iter().cloned());
            format!(
                "{} processes, {} sockets, {} open files into {}",
                summary.processes,
                summary.inet_sockets + summary.other_sockets,
                summary.open_files,
                dir.display()
            )
        }
        Err(e) => {
            outcome.gap(Gap::new("snapshot", GapReason::Error, e.to_string()));
            format!("failed: {e}")
        }
    }
}

/// Triage's collect phase: the evidence bundle into `dir`, with the snapshot triage already took
/// (`../snapshot`) as its first members and the scan's findings and flagged files.
pub fn collect_phase(
    ctx: &Context,
    dir: &Path,
    outcome: &Outcome,
    journal: &ActionJournal,
) -> String {
    let mut opts = huoyan_collect::CollectOptions::new(dir);
    opts.findings = Some(outcome.findings.clone());
    opts.since = ctx.window.since;
    opts.snapshot_dir = dir
        .parent()
        .map(|case| case.join("snapshot"))
        .filter(|s| s.is_dir());
    match huoyan_collect::collect(&ctx.root, ctx.proc_fs.as_ref(), &opts, None) {
        Ok(s) => {
            journal.record(
                "write",
                s.bundle.display().to_string(),
                format!("evidence bundle, sha256 {}", s.sha256),
            );
            format!(
                "{} files ({} recovered from /proc), {} skipped, {} gaps into {} (sha256 {})",
                s.counts.stored,
                s.counts.recovered,
                s.skipped.len(),
                s.gaps.len(),
                s.bundle.display(),
                s.sha256
            )
        }
        Err(e) => {
            journal.record("error", "collect", e.to_string());
            format!("failed: {e}")
        }
    }
}
