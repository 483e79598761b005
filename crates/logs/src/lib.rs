//! huoyan-logs: log forensics over every authentication source of a root.
//!
//! [`collect::collect`] reads the syslog files and rotations, the systemd journal, the audit
//! log and the binary login records (wtmp, btmp, utmp, lastlog, wtmpdb) once, in parallel, into
//! a [`LogData`]; [`data_for`] caches it per root and window so every check of the `logs` area and
//! the `huoyan logs` / `huoyan logins` commands share one pass. The analyses are plain functions
//! over a `LogData`:
//!
//! - [`bruteforce`]: failures per source, per /24 and per user; attacks; their success;
//! - [`activity`]: logins from new sources or at unusual hours, su/sudo to root, account and
//!   password changes, sshd restarts;
//! - [`tamper`]: emptied or shrunken logs, silences, zeroed or removed login records, lastlog
//!   without wtmp, configured logs missing, broken journals, mtimes older than the last line;
//! - [`disagree`]: login records that disagree with each other (lastlog behind wtmp, wtmp out of
//!   order while the authentication log runs on, logins the authentication log has and wtmp not);
//! - [`logins`]: the `last`, `lastb` and `lastlog` views.

#![cfg_attr(test, allow(clippy::disallowed_methods))]

pub mod activity;
pub mod bruteforce;
pub mod collect;
pub mod disagree;
pub mod logins;
pub mod pass;
pub mod stats;
pub mod tamper;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

pub use collect::{Event, LogData, SourceFile, SourceKind};
use huoyan_core::{Root, Window};

type Key = (PathBuf, Option<i128>, Option<i128>);
type Slot = Arc<OnceLock<Arc<LogData>>>;
type Cache = Mutex<HashMap<Key, Slot>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The log data of `root` in `window`, read once per process and shared.
pub fn data_for(root: &Root, window: Window) -> Arc<LogData> {
    let key = (
        root.base().to_path_buf(),
        window.since.map(|t| t.as_nanosecond()),
        window.until.map(|t| t.as_nanosecond()),
    );
    let cell = {
        let mut map = match cache().lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.entry(key).or_default().clone()
    };
    // Read on a thread of its own: the caller may be a rayon worker, and a worker waiting in
    // rayon steals other tasks — another check asking for this same data would then wait for
    // itself. A plain thread join blocks without stealing.
    cell.get_or_init(|| {
        let data = std::thread::scope(|s| s.spawn(|| collect::collect(root, window)).join());
        Arc::new(data.unwrap_or_default())
    })
    .clone()
}
