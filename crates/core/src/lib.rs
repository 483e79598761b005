//! huoyan-core: the pieces every other huoyan crate stands on.
//!
//! - [`root::Root`]: the only way huoyan reads a filesystem (live host or mounted image). Paths are
//!   resolved inside the root, special files are never opened, reads are capped and O_NOATIME.
//! - [`procfs::ProcFs`]: live-only access to `/proc`, including the "magic" links
//!   (`/proc/PID/exe`, `/proc/PID/fd/N`) through which deleted files can still be read.
//! - [`finding`]: the `Finding` a check reports and the `Gap` that records what could not be
//!   examined, with severities and bilingual titles and remediations.
//! - [`text`]: escaping of attacker-chosen text before it reaches a terminal.
//! - [`time`]: UTC timestamps, `--since`/`--until` parsing and windows.
//! - [`journal`]: the action journal that records every action huoyan takes.
//! - [`inflate`]: per-file and per-run caps on decompressed bytes.
//! - [`outfile`]: the one way huoyan creates a file (no symlink followed, nothing overwritten).

#![cfg_attr(test, allow(clippy::disallowed_methods))]
#![deny(missing_docs)]

pub mod attack;
pub mod finding;
pub mod hash;
pub mod host;
pub mod inflate;
pub mod journal;
pub mod jsonl;
pub mod outfile;
pub mod procfs;
pub mod root;
pub mod text;
pub mod time;
pub mod walked;

pub use finding::{CheckInfo, Finding, Gap, GapReason, Kind, Outcome, Role, Severity};
pub use journal::ActionJournal;
pub use procfs::ProcFs;
pub use root::{FileKind, Meta, Root, RootDir, RootError};
pub use time::{Timestamp, Window};

/// The version of huoyan, recorded in every manifest and report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
