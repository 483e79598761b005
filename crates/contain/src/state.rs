//! The record of an applied containment: `/run/huoyan/contain-net<INODE>.json`.
//!
//! The firewall table itself does not say who applied it, when, why, what was there before, or
//! whether the responder confirmed it. This small JSON file does, and it is the channel between
//! `huoyan contain --confirm`/`--release` and the detached rollback watchdog. It lives on /run
//! (tmpfs: gone at reboot, like the nftables table) and is keyed by the network namespace's inode,
//! because a table belongs to one namespace. Every read-modify-write holds an exclusive `flock` on
//! a sibling lock file, so a confirm racing the deadline is decided exactly once. Writes go to a
//! temporary name and are renamed into place.

use std::path::{Path, PathBuf};

use huoyan_core::Timestamp;
use rustix::fs::{FlockOperation, Mode, OFlags};
use serde::{Deserialize, Serialize};

use crate::error::{ContainError, Result};
use crate::nft::TableInfo;
use crate::policy::Policy;

/// Environment variable that moves the state directory (tests; hosts without /run).
pub const STATE_DIR_ENV: &str = "HUOYAN_STATE_DIR";

/// Where containment and process state is kept.
pub fn state_dir() -> PathBuf {
    std::env::var_os(STATE_DIR_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/run/huoyan"))
}

/// Inode of the current network namespace (`/proc/self/ns/net`).
pub fn netns_id() -> Result<u64> {
    rustix::fs::stat("/proc/self/ns/net")
        .map(|s| s.st_ino)
        .map_err(|e| ContainError::State {
            path: "/proc/self/ns/net".into(),
            source: e.into(),
        })
}

/// Lifecycle of one containment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Applied; the watchdog rolls it back at the deadline.
    Armed,
    /// The responder confirmed; the rules stay until `--release`.
    Confirmed,
    /// The watchdog restored the previous state.
    RolledBack,
    /// `--release` removed it.
    Released,
    /// The watchdog tried and failed to roll back (see `last_error`).
    RollbackFailed,
}

/// Everything recorded about the containment of one network namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainState {
    /// Identifies this apply; a watchdog only acts on its own.
    pub apply_id: String,
    /// Network namespace inode.
    pub netns: u64,
    /// Current status.
    pub status: Status,
    /// When the table was installed.
    pub applied_at: Timestamp,
    /// When the watchdog removes it unless confirmed.
    pub deadline: Option<Timestamp>,
    /// Seconds between apply and rollback.
    pub rollback_after_secs: u64,
    /// The exceptions.
    pub policy: Policy,
    /// The ruleset as nft text.
    pub ruleset: String,
    /// Every table that existed before the apply.
    pub previous_tables: Vec<TableInfo>,
    /// The huoyan policy that was in force before (re-applied on rollback), if any.
    pub previous_policy: Option<Policy>,
    /// Pid of the watchdog.
    pub watchdog_pid: Option<u32>,
    /// Set by the watchdog itself once it runs and has read this state (the handshake that
    /// proves the safety net exists).
    #[serde(default)]
    pub watchdog_ready: bool,
    /// Case directory whose journal receives the actions.
    pub case_dir: Option<PathBuf>,
    /// When the status last changed.
    pub updated_at: Timestamp,
    /// Error of a failed rollback.
    pub last_error: Option<String>,
}

/// The state file and its lock for the current network namespace.
#[derive(Debug, Clone)]
pub struct StateFile {
    path: PathBuf,
    lock_path: PathBuf,
}

/// An exclusive lock on the state; released on drop.
#[derive(Debug)]
pub struct StateLock {
    _file: std::os::fd::OwnedFd,
}

impl StateFile {
    /// The state file of the current network namespace under [`state_dir`].
    pub fn current() -> Result<Self> {
        Ok(Self::in_dir(&state_dir(), netns_id()?))
    }

    /// The state file for namespace `netns` under `dir`.
    pub fn in_dir(dir: &Path, netns: u64) -> Self {
        StateFile {
            path: dir.join(format!("contain-net{netns}.json")),
            lock_path: dir.join(format!("contain-net{netns}.lock")),
        }
    }

    /// The JSON file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, source: std::io::Error) -> ContainError {
        ContainError::State {
            path: self.path.display().to_string(),
            source,
        }
    }

    /// Takes the exclusive lock (blocks until free).
    pub fn lock(&self) -> Result<StateLock> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| self.err(e))?;
        }
        let fd = rustix::fs::open(
            &self.lock_path,
            OFlags::CREATE | OFlags::RDWR | OFlags::CLOEXEC | OFlags::NOFOLLOW,
            Mode::from_raw_mode(0o600),
        )
        .map_err(|e| self.err(e.into()))?;
        rustix::fs::flock(&fd, FlockOperation::LockExclusive).map_err(|e| self.err(e.into()))?;
        Ok(StateLock { _file: fd })
    }

    /// Reads the state (None when there is none).
    #[allow(clippy::disallowed_methods)] // huoyan's own containment state file
    pub fn load(&self, _lock: &StateLock) -> Result<Option<ContainState>> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| self.err(std::io::Error::new(std::io::ErrorKind::InvalidData, e))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.err(e)),
        }
    }

    /// Writes the state atomically (temporary file, then rename).
    pub fn save(&self, _lock: &StateLock, state: &ContainState) -> Result<()> {
        let data = huoyan_core::jsonl::to_vec_pretty(state).map_err(|e| self.err(e))?;
        huoyan_core::outfile::write_replace(&self.path, &data).map_err(|e| self.err(e))
    }
}

/// Durations (`5m`, `1h30m`, `90`) are parsed by the one parser of the workspace.
pub use huoyan_core::time::parse_duration;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5m").map(|d| d.as_secs()), Some(300));
        assert_eq!(parse_duration("3s").map(|d| d.as_secs()), Some(3));
        assert_eq!(parse_duration("1h30m").map(|d| d.as_secs()), Some(5400));
        assert_eq!(parse_duration("90").map(|d| d.as_secs()), Some(90));
        for bad in ["", "m", "5x", "5m3", "99999999999999999999h"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn save_and_load_under_lock() {
        let dir = tempfile::tempdir().unwrap();
        let sf = StateFile::in_dir(dir.path(), 42);
        let lock = sf.lock().unwrap();
        assert_eq!(sf.load(&lock).unwrap(), None);
        let now = huoyan_core::time::now();
        let st = ContainState {
            apply_id: "a".into(),
            netns: 42,
            status: Status::Armed,
            applied_at: now,
            deadline: Some(now),
            rollback_after_secs: 3,
            policy: Policy::default(),
            ruleset: String::new(),
            previous_tables: vec![],
            previous_policy: None,
            watchdog_pid: None,
            watchdog_ready: false,
            case_dir: None,
            updated_at: now,
            last_error: None,
        };
        sf.save(&lock, &st).unwrap();
        assert_eq!(sf.load(&lock).unwrap(), Some(st));
        std::fs::write(sf.path(), b"{garbage").unwrap();
        assert!(sf.load(&lock).is_err());
    }
}
