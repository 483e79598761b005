//! `huoyan contain`: isolate the server in both directions while keeping the responder in.
//!
//! Dry run by default (prints the ruleset and what it would cut); `--apply` installs it through
//! netlink and arms the auto-rollback; `--confirm`, `--release`, `--status` manage it.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context as _, Result};
use huoyan_contain::lifecycle::{self, ApplyOptions};
use huoyan_contain::plan::{self, Plan, PlanRequest};
use huoyan_contain::state::{parse_duration, ContainState, StateFile, Status};
use huoyan_core::text::sanitize;
use huoyan_core::{ActionJournal, Root};

/// Arguments of `huoyan contain`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Keep this peer reachable: ADDR, ADDR/PREFIX, ADDR:PORT, [IPV6]:PORT (repeatable).
    #[arg(long, value_name = "ADDR[/PREFIX][:PORT]", value_delimiter = ',')]
    pub allow: Vec<String>,
    /// Also let DNS queries reach the resolvers in the root's /etc/resolv.conf.
    #[arg(long)]
    pub allow_dns: bool,
    /// Do not keep the SSH session huoyan runs in (its peer is allowed by default).
    #[arg(long)]
    pub no_keep_session: bool,
    /// Install the rules (without it: dry run, nothing changes).
    #[arg(long, conflicts_with_all = ["confirm", "release", "status"])]
    pub apply: bool,
    /// Remove the rules automatically after this long unless confirmed (e.g. 90s, 5m, 1h).
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub rollback_after: String,
    /// Keep the applied rules: the auto-rollback stands down.
    #[arg(long, conflicts_with_all = ["release", "status"])]
    pub confirm: bool,
    /// Remove the containment now.
    #[arg(long, conflicts_with = "status")]
    pub release: bool,
    /// Show the containment of this network namespace and its drop counters.
    #[arg(long)]
    pub status: bool,
    /// Apply even if it would cut your own session or contain nothing.
    #[arg(long)]
    pub force: bool,
    /// Case directory: actions are appended to CASE/journal.jsonl.
    #[arg(long, value_name = "DIR")]
    pub case: Option<PathBuf>,
    /// Root whose /etc/resolv.conf --allow-dns reads.
    #[arg(long, value_name = "PATH", default_value = "/")]
    pub root: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Internal: run as the rollback watchdog of this apply id.
    #[arg(long, hide = true, value_name = "APPLY_ID")]
    pub watchdog: Option<String>,
}

fn journal_for(case: Option<&PathBuf>) -> Result<ActionJournal> {
    match case {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create case directory {}", dir.display()))?;
            Ok(ActionJournal::to_file(&dir.join("journal.jsonl"))
                .with_context(|| format!("cannot open {}/journal.jsonl", dir.display()))?)
        }
        None => Ok(ActionJournal::in_memory()),
    }
}

/// The case directory recorded by the last apply, for confirm/release without `--case`.
fn recorded_case() -> Option<PathBuf> {
    let file = StateFile::current().ok()?;
    let lock = file.lock().ok()?;
    file.load(&lock).ok()??.case_dir
}

/// Runs `huoyan contain`.
pub fn run(args: &Args) -> Result<ExitCode> {
    let after = parse_duration(&args.rollback_after).with_context(|| {
        format!(
            "bad --rollback-after {:?} (use 90s, 5m, 1h)",
            args.rollback_after
        )
    })?;
    if let Some(id) = &args.watchdog {
        lifecycle::run_watchdog(id, after)?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.status {
        let report = lifecycle::status()?;
        if args.json {
            println!("{}", huoyan_core::jsonl::to_string(&report)?);
        } else {
            print_status(&report);
        }
        return Ok(ExitCode::SUCCESS);
    }
    if args.confirm {
        let case = args.case.clone().or_else(recorded_case);
        let journal = journal_for(case.as_ref())?;
        let state = lifecycle::confirm(&journal)?;
        println!(
            "confirmed: table inet huoyan stays (applied {}); remove it with `huoyan contain --release`",
            huoyan_core::time::format_utc(state.applied_at)
        );
        return Ok(ExitCode::SUCCESS);
    }
    if args.release {
        let case = args.case.clone().or_else(recorded_case);
        let journal = journal_for(case.as_ref())?;
        lifecycle::release(&journal)?;
        println!(
            "released: table inet huoyan removed; the network is as it was before containment"
        );
        return Ok(ExitCode::SUCCESS);
    }

    let root = Root::new(&args.root)
        .with_context(|| format!("cannot use {} as root", args.root.display()))?;
    let request = PlanRequest {
        allow: args.allow.clone(),
        allow_dns: args.allow_dns,
        keep_session: !args.no_keep_session,
        force: args.force,
        root,
        caller_pid: std::process::id(),
    };
    let plan = plan::plan(&request)?;
    if !args.apply {
        if args.json {
            println!(
                "{}",
                huoyan_core::jsonl::to_string(&plan_json(&plan, None))?
            );
        } else {
            print_plan(&plan);
            println!(
                "\nDRY RUN: nothing was changed. Add --apply to install (auto-rollback after {} unless `huoyan contain --confirm`).",
                args.rollback_after
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let journal = journal_for(args.case.as_ref())?;
    let case_abs = args
        .case
        .as_ref()
        .map(|c| std::fs::canonicalize(c).unwrap_or_else(|_| c.clone()));
    let secs = after.as_secs();
    let watchdog_args = move |id: &str| {
        vec![
            "contain".to_string(),
            "--watchdog".to_string(),
            id.to_string(),
            "--rollback-after".to_string(),
            format!("{secs}s"),
        ]
    };
    if after < Duration::from_secs(1) {
        bail!("--rollback-after must be at least 1s");
    }
    let state = lifecycle::apply(
        &plan,
        &ApplyOptions {
            rollback_after: after,
            case_dir: case_abs,
            watchdog_args: &watchdog_args,
        },
        &journal,
    )?;
    if args.json {
        println!(
            "{}",
            huoyan_core::jsonl::to_string(&plan_json(&plan, Some(&state)))?
        );
    } else {
        print_plan(&plan);
        println!(
            "\nAPPLIED: table inet huoyan is active. Watchdog pid {} removes it at {} unless you run `huoyan contain --confirm`.",
            state.watchdog_pid.map(|p| p.to_string()).unwrap_or_default(),
            state
                .deadline
                .map(huoyan_core::time::format_utc)
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn plan_json(plan: &Plan, state: Option<&ContainState>) -> serde_json::Value {
    serde_json::json!({
        "record": "contain",
        "applied": state.is_some(),
        "exceptions": plan.policy.allowances,
        "caller_ssh_peer": plan.caller,
        "ruleset": plan.ruleset.to_nft(),
        "would_cut": plan.cut,
        "warnings": plan.warnings,
        "state": state,
    })
}

fn print_plan(plan: &Plan) {
    println!("Exceptions (everything else is dropped in both directions):");
    println!("  loopback");
    for a in &plan.policy.allowances {
        println!("  {:<28} {}", a.endpoint(), sanitize(&a.reason));
    }
    println!("\nRuleset:\n{}", plan.ruleset.to_nft());
    if plan.cut.is_empty() {
        println!("Current connections that would be cut: none");
    } else {
        println!(
            "Current connections that would be cut ({}):",
            plan.cut.len()
        );
        for c in &plan.cut {
            let procs: Vec<String> = c
                .processes
                .iter()
                .map(|(pid, comm)| format!("{pid} ({})", sanitize(comm)))
                .collect();
            println!(
                "  {} {} {} {}  {}",
                c.proto,
                c.local,
                if c.inbound { "<-" } else { "->" },
                c.remote,
                if procs.is_empty() {
                    "held by no process (not yet accepted, or closing)".to_string()
                } else {
                    format!("pid {}", procs.join(", "))
                }
            );
        }
    }
    for w in &plan.warnings {
        println!("warning: {}", sanitize(w));
    }
}

fn print_status(report: &lifecycle::StatusReport) {
    println!(
        "table inet huoyan: {}",
        if report.table_present {
            "present"
        } else {
            "absent"
        }
    );
    match &report.state {
        None => println!("no containment recorded for this network namespace"),
        Some(s) => {
            let status = match s.status {
                Status::Armed => "armed (auto-rollback pending)",
                Status::Confirmed => "confirmed",
                Status::RolledBack => "rolled back",
                Status::Released => "released",
                Status::RollbackFailed => "ROLLBACK FAILED",
            };
            println!("status: {status}");
            println!("applied: {}", huoyan_core::time::format_utc(s.applied_at));
            if let Some(d) = s.deadline {
                println!("rollback at: {}", huoyan_core::time::format_utc(d));
            }
            if let Some(pid) = s.watchdog_pid {
                println!("watchdog pid: {pid}");
            }
            for a in &s.policy.allowances {
                println!("  allowed {:<28} {}", a.endpoint(), sanitize(&a.reason));
            }
            if let Some(e) = &s.last_error {
                println!("last error: {}", sanitize(e));
            }
        }
    }
    for c in &report.counters {
        println!(
            "dropped in {}: {} packets, {} bytes",
            c.chain, c.packets, c.bytes
        );
    }
}
