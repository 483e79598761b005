//! Apply, confirm, release, status and the watchdog's rollback: the life of one containment.
//!
//! Apply records the previous state (every table of the namespace, and the huoyan policy that
//! was in force), installs the new table in one atomic batch, and arms the watchdog. If the
//! watchdog cannot be started the previous state is restored at once: a containment without its
//! safety net is never left behind.

use std::path::PathBuf;
use std::time::Duration;

use huoyan_core::{ActionJournal, Timestamp};
use serde::Serialize;

use crate::error::{ContainError, Result};
use crate::nft::{self, RuleCounter};
use crate::plan::Plan;
use crate::policy::Policy;
use crate::ruleset;
use crate::state::{ContainState, StateFile, Status};
use crate::watchdog::{self, WatchEnd};

/// Refuses early, with a clear message, when not running as root.
pub fn require_root(action: &str) -> Result<()> {
    if rustix::process::geteuid().is_root() {
        Ok(())
    } else {
        Err(ContainError::NotRoot {
            action: action.to_string(),
        })
    }
}

/// How to apply.
pub struct ApplyOptions<'a> {
    /// Time until the automatic rollback.
    pub rollback_after: Duration,
    /// Case directory (its journal also receives the watchdog's actions).
    pub case_dir: Option<PathBuf>,
    /// The arguments that make our binary run the watchdog for an apply id.
    pub watchdog_args: &'a dyn Fn(&str) -> Vec<String>,
}

fn restore(previous: Option<&Policy>) -> Result<()> {
    match previous {
        Some(policy) => nft::apply(&ruleset::build(policy)),
        None => nft::delete_table(),
    }
}

fn add_secs(t: Timestamp, d: Duration) -> Option<Timestamp> {
    t.checked_add(jiff::SignedDuration::try_from(d).ok()?).ok()
}

/// Installs the plan's table atomically and arms the rollback watchdog.
pub fn apply(
    plan: &Plan,
    opts: &ApplyOptions<'_>,
    journal: &ActionJournal,
) -> Result<ContainState> {
    require_root("contain --apply")?;
    if opts.rollback_after.is_zero() {
        return Err(ContainError::Unsafe(
            "--rollback-after must be at least 1s (the rollback is the safety net; confirm with --confirm)".into(),
        ));
    }
    let _probe = nft::connect()?;
    let file = StateFile::current()?;
    let lock = file.lock()?;
    let previous_tables = nft::list_tables()?;
    let had_table = previous_tables
        .iter()
        .any(|t| t.family == "inet" && t.name == ruleset::TABLE);
    // What a rollback returns to: a confirmed huoyan policy stays; an unconfirmed (armed) one
    // was never accepted, so the rollback goes back to what was in force before it — otherwise
    // it would leave a containment without a watchdog.
    let previous_policy = match file.load(&lock) {
        Ok(Some(prev)) if had_table => match prev.status {
            Status::Confirmed => Some(prev.policy),
            Status::Armed => prev.previous_policy,
            _ => None,
        },
        _ => None,
    };
    let tables: Vec<String> = previous_tables
        .iter()
        .map(|t| format!("{} {}", t.family, huoyan_core::text::sanitize(&t.name)))
        .collect();
    journal.record(
        "firewall",
        "inet huoyan",
        format!(
            "previous state: tables [{}]; huoyan table {}",
            tables.join(", "),
            if had_table {
                "present (replaced)"
            } else {
                "absent"
            }
        ),
    );
    if let Err(e) = nft::apply(&plan.ruleset) {
        journal.record(
            "firewall",
            "inet huoyan",
            format!("apply refused, nothing changed: {e}"),
        );
        return Err(e);
    }
    if !nft::table_exists()? {
        return Err(ContainError::BadReply(
            "the kernel acknowledged the batch but table inet huoyan is not there".into(),
        ));
    }
    let now = huoyan_core::time::now();
    let apply_id = format!("{}-{}", std::process::id(), now.as_nanosecond());
    let mut state = ContainState {
        apply_id: apply_id.clone(),
        netns: crate::state::netns_id()?,
        status: Status::Armed,
        applied_at: now,
        deadline: add_secs(now, opts.rollback_after),
        rollback_after_secs: opts.rollback_after.as_secs().max(1),
        policy: plan.policy.clone(),
        ruleset: plan.ruleset.to_nft(),
        previous_tables,
        previous_policy,
        watchdog_pid: None,
        watchdog_ready: false,
        case_dir: opts.case_dir.clone(),
        updated_at: now,
        last_error: None,
    };
    file.save(&lock, &state)?;
    let exceptions: Vec<String> = plan
        .policy
        .allowances
        .iter()
        .map(|a| a.endpoint())
        .collect();
    journal.record(
        "firewall",
        "inet huoyan",
        format!(
            "applied isolation table (one netlink batch, {} rules); exceptions: [{}]",
            plan.ruleset.rules.len(),
            exceptions.join(", ")
        ),
    );
    let pid = match watchdog::spawn_detached(&(opts.watchdog_args)(&apply_id)) {
        Ok(pid) => pid,
        Err(e) => return Err(undo(&file, &lock, &mut state, &format!("{e}"), journal)),
    };
    state.watchdog_pid = Some(pid);
    file.save(&lock, &state)?;
    drop(lock);
    if !wait_for_watchdog(&file, &apply_id, WATCHDOG_HANDSHAKE) {
        let lock = file.lock()?;
        let mut current = file.load(&lock)?.unwrap_or(state);
        if current.apply_id == apply_id
            && current.status == Status::Armed
            && !current.watchdog_ready
        {
            kill_quietly(pid);
            return Err(undo(
                &file,
                &lock,
                &mut current,
                "it did not report ready",
                journal,
            ));
        }
        state = current;
    } else {
        let lock = file.lock()?;
        state = file.load(&lock)?.unwrap_or(state);
    }
    journal.record(
        "start",
        format!("pid {pid}"),
        format!(
            "rollback watchdog armed: removes the table after {}s unless `huoyan contain --confirm`",
            opts.rollback_after.as_secs()
        ),
    );
    Ok(state)
}

/// How long apply waits for the watchdog to report ready before undoing everything.
pub const WATCHDOG_HANDSHAKE: Duration = Duration::from_secs(10);

fn wait_for_watchdog(file: &StateFile, apply_id: &str, limit: Duration) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if let Ok(lock) = file.lock() {
            if let Ok(Some(s)) = file.load(&lock) {
                if s.apply_id == apply_id && s.watchdog_ready {
                    return true;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn kill_quietly(pid: u32) {
    if let Some(p) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process(p, rustix::process::Signal::KILL);
    }
}

/// Restores the previous state because the safety net is missing; returns the error to report.
fn undo(
    file: &StateFile,
    lock: &crate::state::StateLock,
    state: &mut ContainState,
    why: &str,
    journal: &ActionJournal,
) -> ContainError {
    let restored = restore(state.previous_policy.as_ref());
    state.status = Status::RolledBack;
    state.deadline = None;
    state.updated_at = huoyan_core::time::now();
    state.last_error = Some(format!("rollback watchdog failed: {why}"));
    let _ = file.save(lock, state);
    journal.record(
        "firewall",
        "inet huoyan",
        format!("rollback watchdog failed ({why}); previous state restored: {restored:?}"),
    );
    ContainError::Unsafe(format!(
        "the rollback watchdog could not be started ({why}); the containment was undone{}",
        match restored {
            Ok(()) => String::new(),
            Err(e) => format!(" — BUT restoring failed: {e}; run `huoyan contain --release`"),
        }
    ))
}

/// `--confirm`: keep the rules; the watchdog stands down.
pub fn confirm(journal: &ActionJournal) -> Result<ContainState> {
    require_root("contain --confirm")?;
    let file = StateFile::current()?;
    let lock = file.lock()?;
    let Some(mut state) = file.load(&lock)? else {
        return Err(ContainError::Unsafe(
            "no containment was applied in this network namespace".into(),
        ));
    };
    match state.status {
        Status::Armed => {
            state.status = Status::Confirmed;
            state.deadline = None;
            state.updated_at = huoyan_core::time::now();
            file.save(&lock, &state)?;
            journal.record(
                "firewall",
                "inet huoyan",
                "containment confirmed; auto-rollback disarmed",
            );
            Ok(state)
        }
        Status::Confirmed => Ok(state),
        Status::RolledBack | Status::RollbackFailed => Err(ContainError::Unsafe(format!(
            "too late: the containment was rolled back at {}; apply it again",
            huoyan_core::time::format_utc(state.updated_at)
        ))),
        Status::Released => Err(ContainError::Unsafe(
            "the containment was released; apply it again".into(),
        )),
    }
}

/// `--release`: removes the table (whatever its status) and disarms the watchdog.
pub fn release(journal: &ActionJournal) -> Result<Option<ContainState>> {
    require_root("contain --release")?;
    let _probe = nft::connect()?;
    let file = StateFile::current()?;
    let lock = file.lock()?;
    let existed = nft::table_exists()?;
    nft::delete_table()?;
    journal.record(
        "firewall",
        "inet huoyan",
        format!(
            "released: table {}",
            if existed {
                "removed"
            } else {
                "was already absent"
            }
        ),
    );
    let state = file.load(&lock)?;
    match state {
        Some(mut s) => {
            s.status = Status::Released;
            s.deadline = None;
            s.updated_at = huoyan_core::time::now();
            file.save(&lock, &s)?;
            Ok(Some(s))
        }
        None => Ok(None),
    }
}

/// What `--status` reports.
#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    /// The recorded state, if any.
    pub state: Option<ContainState>,
    /// Whether table inet huoyan is in the kernel now.
    pub table_present: bool,
    /// Drop counters per chain.
    pub counters: Vec<RuleCounter>,
}

/// `--status`.
pub fn status() -> Result<StatusReport> {
    require_root("contain --status")?;
    let _probe = nft::connect()?;
    let file = StateFile::current()?;
    let state = {
        let lock = file.lock()?;
        file.load(&lock)?
    };
    let table_present = nft::table_exists()?;
    let counters = if table_present {
        nft::counters()?
    } else {
        Vec::new()
    };
    Ok(StatusReport {
        state,
        table_present,
        counters,
    })
}

/// The detached watchdog's body (hidden subcommand).
pub fn run_watchdog(apply_id: &str, after: Duration) -> Result<WatchEnd> {
    let file = StateFile::current()?;
    let (previous, case_dir) = {
        let lock = file.lock()?;
        match file.load(&lock)? {
            Some(mut s) if s.apply_id == apply_id && s.status == Status::Armed => {
                s.watchdog_ready = true;
                file.save(&lock, &s)?;
                (s.previous_policy, s.case_dir)
            }
            _ => return Ok(WatchEnd::Stood),
        }
    };
    let journal = case_dir
        .as_ref()
        .and_then(|d| ActionJournal::to_file(&d.join("journal.jsonl")).ok())
        .unwrap_or_else(ActionJournal::in_memory);
    let end = watchdog::watch(&file, apply_id, after, || {
        // A busy kernel (EBUSY, ENOBUFS) must not leave the server isolated: try a few times.
        let mut result = restore(previous.as_ref());
        for _ in 0..4 {
            if result.is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_secs(1));
            result = restore(previous.as_ref());
        }
        result
    });
    match &end {
        Ok(WatchEnd::RolledBack) => journal.record(
            "firewall",
            "inet huoyan",
            format!(
                "auto-rollback: not confirmed within {}s; {}",
                after.as_secs(),
                if previous.is_some() {
                    "previous huoyan policy restored"
                } else {
                    "table removed"
                }
            ),
        ),
        Ok(WatchEnd::Stood) => journal.record(
            "end",
            "rollback watchdog",
            "stood down (confirmed, released or replaced)",
        ),
        Err(e) => journal.record(
            "firewall",
            "inet huoyan",
            format!("auto-rollback FAILED: {e}"),
        ),
    }
    end
}
