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
    /// Every area, in the order of the registry.
    pub const ALL: [Area; 12] = [
        Area::Accounts,
        Area::History,
        Area::Persistence,
        Area::Process,
        Area::Network,
        Area::Ssh,
        Area::Monitoring,
        Area::Logs,
        Area::Web,
        Area::Integrity,
        Area::Rootkit,
        Area::Files,
    ];

    /// The area a check id belongs to: its prefix (`logs.bruteforce` → `Logs`). The id is the one
    /// place the area is written; `None` only for an id with an unknown prefix (a registry test
    /// rules that out).
    pub fn of_id(id: &str) -> Option<Area> {
        let prefix = id.split('.').next()?;
        Area::ALL.into_iter().find(|a| a.name() == prefix)
    }

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
    /// The area it belongs to: the prefix of its id.
    fn area(&self) -> Area {
        Area::of_id(self.info().id).unwrap_or(Area::Files)
    }
    /// Further ids this check emits findings under (a second kind of result of the same work,
    /// e.g. `web.webshell` also reports `web.files`). They are registered ids like any other:
    /// `--only`/`--skip` select them, and the report and docs know them.
    fn emits(&self) -> &'static [&'static CheckInfo] {
        &[]
    }
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
    /// True when `entry` (an area name, a check id or an id prefix) names `id`.
    fn names(entry: &str, id: &str) -> bool {
        id == entry
            || id
                .strip_prefix(entry)
                .is_some_and(|rest| rest.starts_with('.'))
    }

    /// True when findings under this check id are wanted.
    pub fn wants_id(&self, id: &str) -> bool {
        (self.only.is_empty() || self.only.iter().any(|e| Self::names(e, id)))
            && !self.skip.iter().any(|e| Self::names(e, id))
    }

    /// True when the check is selected: it (or one of the further ids it emits) is wanted.
    pub fn includes(&self, check: &dyn Check) -> bool {
        std::iter::once(check.info())
            .chain(check.emits().iter().copied())
            .any(|info| self.wants_id(info.id))
            && (self.deep || !check.deep() || !self.only.is_empty())
    }

    /// Entries of `only`/`skip` that name no area and no registered check id: a typo would
    /// otherwise select nothing (or skip nothing) without a word.
    pub fn unknown_entries(&self) -> Vec<String> {
        let ids = registered_ids();
        self.only
            .iter()
            .chain(&self.skip)
            .filter(|entry| !ids.iter().any(|id| Self::names(entry, id)))
            .cloned()
            .collect()
    }
}

/// Every id a finding can carry: each check's own id and the further ids it emits.
pub fn registered_ids() -> Vec<&'static str> {
    registry()
        .into_iter()
        .flat_map(|c| std::iter::once(c.info()).chain(c.emits().iter().copied()))
        .map(|info| info.id)
        .collect()
}

/// The documentation of every registered id (own and further emitted ones).
pub fn registered_infos() -> Vec<&'static CheckInfo> {
    registry()
        .into_iter()
        .flat_map(|c| std::iter::once(c.info()).chain(c.emits().iter().copied()))
        .collect()
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

fn run_one(ctx: &Context, check: &dyn Check, selection: &Selection, show_times: bool) -> Outcome {
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
        // A check selected for one of its ids keeps only the wanted ones (`--skip web.files`
        // still runs web.webshell, without its web.files findings).
        out.findings.retain(|f| selection.wants_id(&f.check_id));
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
                out.merge(run_one(ctx, *check, selection, show_times));
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

    /// Ids with no ATT&CK technique: huoyan's own activity.
    const WITHOUT_TECHNIQUE: &[&str] = &["process.own_chain"];

    #[test]
    fn check_ids_are_unique_and_documented() {
        let mut own = std::collections::HashSet::new();
        for c in registry() {
            let info = c.info();
            assert!(own.insert(info.id), "duplicate check id {}", info.id);
        }
        for info in registered_infos() {
            assert!(
                Area::of_id(info.id).is_some(),
                "{}: its prefix is not an area",
                info.id
            );
            assert!(!info.title_zh.is_empty() && !info.remediation_zh.is_empty());
            assert!(
                !info.mitre.is_empty() || WITHOUT_TECHNIQUE.contains(&info.id),
                "{} has no ATT&CK technique",
                info.id
            );
        }
        for c in registry() {
            for further in c.emits() {
                assert!(
                    !own.contains(further.id),
                    "{} emits {}, which is another check's own id",
                    c.info().id,
                    further.id
                );
            }
        }
    }

    /// The id says where the check lives: `logs.bruteforce` is `src/logs/bruteforce.rs` (area =
    /// folder = id prefix, file stem = the rest; one name for one thing).
    #[test]
    fn each_check_lives_in_the_file_its_id_names() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut wrong = Vec::new();
        for c in registry() {
            let id = c.info().id;
            let Some((area, stem)) = id.split_once('.') else {
                wrong.push(format!("{id}: no area prefix"));
                continue;
            };
            let file = src.join(area).join(format!("{stem}.rs"));
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            // The file defines the id, or hands out the CheckInfo of the crate that does.
            let defines = text.contains(&format!("id: \"{id}\""))
                || (text.contains("impl Check for") && text.contains("fn info(&self)"));
            if !defines {
                wrong.push(format!("{id}: expected in {}", file.display()));
            }
        }
        assert!(
            wrong.is_empty(),
            "checks not where their id says: {wrong:#?}"
        );
    }

    #[test]
    fn selection_names_emitted_ids_and_rejects_unknown_ones() {
        let only_files = Selection {
            only: vec!["web.files".into()],
            ..Selection::default()
        };
        let webshell = registry()
            .into_iter()
            .find(|c| c.info().id == "web.webshell")
            .expect("web.webshell");
        assert!(only_files.includes(webshell));
        assert!(only_files.wants_id("web.files") && !only_files.wants_id("web.webshell"));
        let skip_files = Selection {
            skip: vec!["web.files".into()],
            ..Selection::default()
        };
        assert!(skip_files.wants_id("web.webshell") && !skip_files.wants_id("web.files"));
        let typo = Selection {
            only: vec!["acounts".into(), "logs".into(), "persistence.cron".into()],
            skip: vec!["web.nosuch".into()],
            ..Selection::default()
        };
        assert_eq!(typo.unknown_entries(), vec!["acounts", "web.nosuch"]);
        // An area is the id prefix: `--only monitoring` selects no persistence check.
        let monitoring = Selection {
            only: vec!["monitoring".into()],
            ..Selection::default()
        };
        assert!(!monitoring.wants_id("persistence.suid"));
        assert!(!Selection::names("web", "webx.a") && Selection::names("web", "web.a"));
    }

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
        let ids: std::collections::HashSet<&str> = registered_ids().into_iter().collect();
        for id in crate::roles::named_ids() {
            assert!(ids.contains(id), "role table names unknown check id {id}");
        }
    }
}
