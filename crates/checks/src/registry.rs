//! The registry: every check, by area, and the runner that executes a selection in parallel.

use huoyan_core::{CheckInfo, Gap, GapReason, Outcome};
use rayon::prelude::*;
use serde::Serialize;

use crate::Context;

/// Which part of the response a check belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// Accounts, groups, sudoers.
    Accounts,
    /// Shell and tool histories.
    History,
    /// Cron, systemd, rc files, keys … everything that survives a reboot.
    Persistence,
    /// Running processes (live).
    Process,
    /// Sockets and interfaces (live).
    Network,
    /// sshd configuration and binary.
    Ssh,
    /// HIDS/EDR/audit health.
    Monitoring,
    /// Authentication and system logs.
    Logs,
    /// Webshells, web files, access logs.
    Web,
    /// Package verification, baselines.
    Integrity,
    /// Rootkits: hidden processes, modules, preload hooks.
    Rootkit,
    /// Files judged by place and content (staged programs, miners).
    Files,
}

impl Area {
    /// Lower-case name for `--only`/`--skip`.
    pub fn name(self) -> &'static str {
        match self {
            Area::Accounts => "accounts",
            Area::History => "history",
            Area::Persistence => "persistence",
            Area::Process => "process",
            Area::Network => "network",
            Area::Ssh => "ssh",
            Area::Monitoring => "monitoring",
            Area::Logs => "logs",
            Area::Web => "web",
            Area::Integrity => "integrity",
            Area::Rootkit => "rootkit",
            Area::Files => "files",
        }
    }
}

/// One detection.
pub trait Check: Sync + Send {
    /// Id, titles, ATT&CK and remediation.
    fn info(&self) -> &'static CheckInfo;
    /// The area it belongs to.
    fn area(&self) -> Area;
    /// True when it needs the live host (/proc, sockets); skipped with a gap on an image.
    fn live_only(&self) -> bool {
        false
    }
    /// True for slow checks that `scan` runs only when asked (`--deep`) and `triage` always.
    fn deep(&self) -> bool {
        false
    }
    /// Runs the check.
    fn run(&self, ctx: &Context, out: &mut Outcome);
}

/// Every check huoyan knows, area by area.
pub fn registry() -> Vec<&'static dyn Check> {
    let areas: [&[&'static dyn Check]; 12] = [
        crate::accounts::ALL,
        crate::history::ALL,
        crate::persistence::ALL,
        crate::process::ALL,
        crate::network::ALL,
        crate::ssh::ALL,
        crate::monitoring::ALL,
        crate::logs::ALL,
        crate::web::ALL,
        crate::integrity::ALL,
        crate::rootkit::ALL,
        crate::files::ALL,
    ];
    areas.iter().flat_map(|a| a.iter().copied()).collect()
}

/// Which checks to run.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only these areas or check ids (empty = all).
    pub only: Vec<String>,
    /// Never these areas or check ids.
    pub skip: Vec<String>,
    /// Include deep (slow) checks.
    pub deep: bool,
}

impl Selection {
    fn matches(list: &[String], check: &dyn Check) -> bool {
        list.iter().any(|s| {
            s == check.area().name()
                || s == check.info().id
                || check.info().id.starts_with(&format!("{s}."))
        })
    }

    /// True when the check is selected.
    pub fn includes(&self, check: &dyn Check) -> bool {
        (self.only.is_empty() || Self::matches(&self.only, check))
            && !Self::matches(&self.skip, check)
            && (self.deep || !check.deep() || !self.only.is_empty())
    }
}

/// Checks that take most of a scan's time, longest first, and the ones that wait for another's
/// work (they share its walk or package index) placed last, so two workers pulling from one
/// queue finish together instead of one idling while the other runs a long check started late.
const FIRST: &[&str] = &[
    "integrity.package_files",
    "rootkit.hidden_ports",
    "persistence.suid",
    "web.webshell",
];
const LAST: &[&str] = &[
    "integrity.unowned_elf",
    "rootkit.kernel_modules",
    "persistence.file_caps",
];

fn queue_rank(check: &dyn Check) -> usize {
    let id = check.info().id;
    if let Some(i) = FIRST.iter().position(|f| *f == id) {
        return i;
    }
    match LAST.iter().position(|l| *l == id) {
        Some(i) => FIRST.len() + 2 + i,
        None => FIRST.len() + 1,
    }
}

fn run_one(ctx: &Context, check: &dyn Check, show_times: bool) -> Outcome {
    let started = std::time::Instant::now();
    let mut out = Outcome::default();
    if check.live_only() && !ctx.has_live_view() {
        out.gap(Gap::new(
            check.info().id,
            GapReason::LiveOnly,
            "needs the live host's /proc; the root is an image or /proc is not mounted",
        ));
    } else {
        check.run(ctx, &mut out);
    }
    if show_times {
        eprintln!(
            "check {:<40} {:>8.3} s",
            check.info().id,
            started.elapsed().as_secs_f64()
        );
    }
    out
}

/// Runs the selected checks in parallel and returns everything they found, sorted.
pub fn run_checks(ctx: &Context, selection: &Selection) -> Outcome {
    let mut checks: Vec<&'static dyn Check> = registry()
        .into_iter()
        .filter(|c| selection.includes(*c))
        .collect();
    checks.sort_by_key(|c| queue_rank(*c));
    // HUOYAN_CHECK_TIMES=1 prints each check's wall time on stderr (for bench/ and profiling).
    let show_times = std::env::var_os("HUOYAN_CHECK_TIMES").is_some();
    // One worker per thread pulls the next check from the ordered queue.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = rayon::current_num_threads().clamp(1, checks.len().max(1));
    let mut total = (0..workers)
        .into_par_iter()
        .map(|_| {
            let mut out = Outcome::default();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(check) = checks.get(i) else { break };
                out.merge(run_one(ctx, *check, show_times));
            }
            out
        })
        .reduce(Outcome::default, |mut a, b| {
            a.merge(b);
            a
        });
    total.gaps.extend(ctx.user_gaps().iter().cloned());
    crate::roles::assign(&mut total);
    total.sort();
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_ids_are_unique_and_documented() {
        let mut ids = std::collections::HashSet::new();
        for c in registry() {
            let info = c.info();
            assert!(ids.insert(info.id), "duplicate check id {}", info.id);
            assert!(info.id.contains('.'), "{} has no area prefix", info.id);
            assert!(!info.title_zh.is_empty() && !info.remediation_zh.is_empty());
            assert!(
                !info.mitre.is_empty(),
                "{} has no ATT&CK technique",
                info.id
            );
        }
    }

    /// Ids that a registered check emits under another name (to be registered on their own).
    const EMITTED_UNDER_ANOTHER_ID: &[&str] = &[
        "web.config_trick",
        "web.files",
        "web.error_log",
        "web.webshell_use",
    ];

    /// Every check's documentation states how it is calibrated (its role, or what each of its
    /// severities means): the rule of docs/PRECISION.md, check by check.
    #[test]
    fn every_check_documents_its_calibration() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut missing = Vec::new();
        for area in std::fs::read_dir(&src).expect("src").flatten() {
            if !area.path().is_dir() {
                continue;
            }
            for file in std::fs::read_dir(area.path()).expect("area").flatten() {
                let text = std::fs::read_to_string(file.path()).unwrap_or_default();
                if text.contains("impl Check for")
                    && !text.contains("**Calibration:**")
                    && !text.contains("**Severity:**")
                {
                    missing.push(file.path().display().to_string());
                }
            }
        }
        assert!(
            missing.is_empty(),
            "checks without a **Calibration:** or **Severity:** paragraph: {missing:?}"
        );
    }

    #[test]
    fn role_tables_name_only_known_ids() {
        let ids: std::collections::HashSet<&str> = registry().iter().map(|c| c.info().id).collect();
        for id in crate::roles::named_ids() {
            assert!(
                ids.contains(id) || EMITTED_UNDER_ANOTHER_ID.contains(&id),
                "role table names unknown check id {id}"
            );
        }
    }
}
