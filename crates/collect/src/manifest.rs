//! The bundle's manifest, custody record and side lists: the data a court or a colleague reads.
//!
//! `manifest.jsonl` (the last member) has one line per evidence file: where it came from, its
//! metadata *as it was before huoyan read it* (so the responder's own access is never mistaken
//! for the attacker's), and the SHA-256 of the member that holds it. `huoyan verify` re-hashes
//! every member against it. `custody.json` says who collected what, where and when.

use serde::{Deserialize, Serialize};

use crate::hostinfo::HostIdentity;
use crate::keys::KeyInfo;
use crate::writer::FrameInfo;

/// The manifest member's name.
pub const MANIFEST: &str = "manifest.jsonl";
/// The custody record's name.
pub const CUSTODY: &str = "custody.json";
/// The action journal's name inside the bundle.
pub const JOURNAL: &str = "journal.jsonl";

/// One evidence file in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// Member name in the archive; `None` when only the metadata is kept (a private key without
    /// --include-private-keys, a symlink, a skipped file).
    pub member: Option<String>,
    /// Category (`accounts`, `logs`, `recovered`, `flagged` …).
    pub category: String,
    /// Original path inside the root (or the /proc link text for recovered files), escaped.
    pub path: String,
    /// What it is (`file`, `symlink`, `fifo` …).
    pub kind: String,
    /// Size before reading.
    pub size: u64,
    /// Full st_mode, octal text.
    pub mode: String,
    /// Owner uid.
    pub uid: u32,
    /// Owner name from the root's own passwd, when known.
    pub owner: Option<String>,
    /// Group gid.
    pub gid: u32,
    /// Group name, when known.
    pub group: Option<String>,
    /// Modification time before reading (UTC).
    pub mtime: Option<String>,
    /// Inode change time before reading.
    pub ctime: Option<String>,
    /// Access time before reading.
    pub atime: Option<String>,
    /// Birth time, where the filesystem records it.
    pub btime: Option<String>,
    /// Inode number.
    pub inode: u64,
    /// SHA-256 of the stored bytes (or of the file, for metadata-only entries that were hashed).
    pub sha256: Option<String>,
    /// Symlink target, escaped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_target: Option<String>,
    /// Anything unusual while reading (shrank, read error, changed while read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// For recovered files: which process held it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovered: Option<Recovered>,
    /// For private keys: what kind of key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<KeyInfo>,
    /// Where the member's compressed frame lies in the bundle file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame: Option<FrameInfo>,
}

/// Where a deleted-but-open file was recovered from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recovered {
    /// The process holding it.
    pub pid: u32,
    /// The descriptor (`None` for the executable, read through /proc/PID/exe).
    pub fd: Option<u32>,
    /// The process name (comm), escaped.
    pub comm: String,
    /// The link text (`/var/log/auth.log (deleted)`), escaped.
    pub link: String,
}

/// A file that was planned but not stored, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// Original path, escaped.
    pub path: String,
    /// Category.
    pub category: String,
    /// Size.
    pub size: u64,
    /// Why (`--max-size reached`, `older than --since`, `special file` …).
    pub reason: String,
}

/// Who ran the collection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collector {
    /// Real uid.
    pub uid: u32,
    /// Effective uid.
    pub euid: u32,
    /// User name of the uid on the machine huoyan ran on.
    pub user: Option<String>,
    /// Where `user` came from: the responder's machine's `/etc/passwd` (never the examined
    /// image's, never a shadow or group file), or why it is unknown.
    #[serde(default)]
    pub user_source: String,
    /// `SUDO_USER`, `LOGNAME`, `SSH_CONNECTION` … as found in the environment (escaped).
    pub environment: Vec<(String, String)>,
}

/// The chain-of-custody record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Custody {
    /// huoyan version.
    pub huoyan_version: String,
    /// The full command line, escaped argument by argument.
    pub command_line: Vec<String>,
    /// Who ran it.
    pub collector: Collector,
    /// The machine collected.
    pub host: HostIdentity,
    /// The root examined (`/` or the image mount point).
    pub root: String,
    /// Start time (UTC).
    pub started: String,
    /// End time (UTC), when the last evidence member was written.
    pub finished: String,
    /// The bundle's file name.
    pub bundle: String,
    /// Counts: files stored, metadata-only entries, skipped, gaps.
    pub counts: Counts,
}

/// Summary counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Evidence members stored.
    pub stored: usize,
    /// Bytes of evidence stored (uncompressed).
    pub stored_bytes: u64,
    /// Deleted-but-open files recovered.
    pub recovered: usize,
    /// Manifest entries without content (keys, symlinks).
    pub metadata_only: usize,
    /// Planned files skipped.
    pub skipped: usize,
    /// Gaps.
    pub gaps: usize,
    /// Scan findings included.
    pub findings: usize,
}

/// One line of a JSON Lines member.
pub fn jsonl<T: Serialize>(items: &[T]) -> Vec<u8> {
    let mut out = Vec::new();
    for item in items {
        if let Ok(line) = huoyan_core::jsonl::to_vec(item) {
            out.extend(line);
            out.push(b'\n');
        }
    }
    out
}
