//! `huoyan snapshot --out DIR`: freeze the live scene into a directory (processes, sockets, open
//! files, logins, network, system), then print a short summary and where everything is.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use huoyan_core::text::sanitize;
use huoyan_core::{ActionJournal, ProcFs, Root};
use huoyan_snapshot::{layout, SnapshotSummary};

/// Arguments of `huoyan snapshot`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output directory (must not exist or be empty; never inside /proc or the evidence).
    #[arg(long, value_name = "DIR")]
    pub out: std::path::PathBuf,
    /// Do not SHA-256 the running executables (faster on hosts running huge binaries; recorded
    /// as a gap).
    #[arg(long)]
    pub no_hash: bool,
    /// Print the summary as one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Takes the snapshot.
pub fn run(args: &Args) -> Result<ExitCode> {
    let proc_fs = ProcFs::live()
        .context("no /proc: a snapshot needs the live host's kernel view (mount proc first)")?;
    let root = Root::host();
    layout::prepare_out_dir(&args.out, &root, &proc_fs)?;
    let journal_path = args.out.join(layout::JOURNAL);
    let journal = ActionJournal::to_file(&journal_path)
        .with_context(|| format!("cannot create {}", journal_path.display()))?;
    let options = huoyan_snapshot::CaptureOptions {
        hash_executables: !args.no_hash,
    };
    let summary = huoyan_snapshot::capture_with(&proc_fs, &root, &args.out, &journal, &options)?;
    if args.json {
        println!("{}", huoyan_core::jsonl::to_string(&summary)?);
    } else {
        print!("{}", render(&summary));
    }
    Ok(ExitCode::from(crate::exit::CLEAN))
}

fn opt(s: &Option<String>) -> String {
    sanitize(s.as_deref().unwrap_or("?")).into_owned()
}

fn render(s: &SnapshotSummary) -> String {
    let dir = sanitize(&s.out_dir.display().to_string()).into_owned();
    let secs = (s.finished.as_millisecond() - s.started.as_millisecond()) as f64 / 1000.0;
    let mut out = String::new();
    out.push_str(&format!(
        "huoyan snapshot of {} (kernel {}, machine-id {}, boot {})\n",
        opt(&s.host.hostname),
        opt(&s.host.kernel_release),
        opt(&s.host.machine_id),
        opt(&s.host.boot_id)
    ));
    out.push_str(&format!(
        "  taken {} → {} UTC ({secs:.2} s)\n",
        huoyan_core::time::format_utc(s.started),
        huoyan_core::time::format_utc(s.finished)
    ));
    out.push_str(&format!(
        "  processes      {:>6}   ({} with a deleted or in-memory executable)\n",
        s.processes, s.deleted_executables
    ));
    if !s.hidden_processes.is_empty() {
        let pids: Vec<String> = s.hidden_processes.iter().map(u32::to_string).collect();
        out.push_str(&format!(
            "  HIDDEN processes (exist but missing from the /proc listing: rootkit): {}\n",
            pids.join(", ")
        ));
    }
    out.push_str(&format!(
        "  open files     {:>6}   ({} deleted but still open; {} deleted/memfd mappings)\n",
        s.open_files, s.deleted_open_files, s.deleted_mapped_files
    ));
    out.push_str(&format!(
        "  inet sockets   {:>6}   ({} listening; {} network namespace(s))\n",
        s.inet_sockets, s.listening, s.net_namespaces
    ));
    out.push_str(&format!("  unix/packet    {:>6}\n", s.other_sockets));
    out.push_str(&format!("  logged in      {:>6}\n", s.logins));
    out.push_str(&format!("  kernel modules {:>6}\n", s.modules));
    if !s.masked_proc_entries.is_empty() {
        let pids: Vec<String> = s.masked_proc_entries.iter().map(u32::to_string).collect();
        out.push_str(&format!(
            "  MASKED /proc entries (something is mounted over /proc/PID, hiding it): {}\n",
            pids.join(", ")
        ));
    }
    if !s.kernel_taint.is_empty() {
        out.push_str(&format!(
            "  kernel TAINTED: {}\n",
            sanitize(&s.kernel_taint.join("; "))
        ));
    }
    if !s.promiscuous_interfaces.is_empty() {
        out.push_str(&format!(
            "  PROMISCUOUS interfaces: {}\n",
            sanitize(&s.promiscuous_interfaces.join(", "))
        ));
    }
    if s.gaps.is_empty() {
        out.push_str("  gaps: none\n");
    } else {
        out.push_str(&format!(
            "  gaps: {} things could not be read (details in {}):\n",
            s.gaps.len(),
            Path::new(&dir).join(layout::GAPS).display()
        ));
        for (what, n) in &s.gap_counts {
            out.push_str(&format!("    {n:>5} × {}\n", sanitize(what)));
        }
    }
    out.push_str(&format!("\nWritten to {dir}/:\n"));
    for (name, what) in [
        (layout::PS, "processes, like ps auxww"),
        (layout::PSTREE, "process tree, like pstree -pua"),
        (layout::NETSTAT, "sockets with owners, like netstat -anp"),
        (layout::LSOF, "open files, like lsof -n"),
        (layout::W, "logged-in users, like w"),
        (layout::PROCESSES, "processes (JSON, with exe SHA-256)"),
        (layout::OPEN_FILES, "open files (JSON)"),
        (layout::SOCKETS, "sockets (JSON)"),
        (layout::NETWORK, "interfaces, routes, ARP (JSON)"),
        (layout::SYSTEM, "host, kernel, uptime, load, memory (JSON)"),
        (layout::MODULES, "kernel modules (JSON)"),
        (layout::LOGINS, "sessions from utmp (JSON)"),
        (layout::MOUNTS, "mount table (JSON)"),
        (layout::GAPS, "what could not be read, and why"),
        (
            layout::MANIFEST,
            "SHA-256 of every file, times, host identity",
        ),
        (layout::JOURNAL, "every action huoyan took"),
    ] {
        out.push_str(&format!("  {name:<16} {what}\n"));
    }
    out
}
