//! The action journal: every action huoyan takes, with its time.
//!
//! Investigators must be able to tell the responder's traces from the attacker's: which files
//! huoyan read and wrote, which signals it sent, which firewall rules it installed, and when.
//! The journal is JSON Lines in the output directory, appended and flushed per entry so a crash
//! leaves it complete up to the crash.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::time::{now, Timestamp};

/// One journal line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// When the action happened (UTC).
    pub time: Timestamp,
    /// What kind of action (`read`, `write`, `signal`, `firewall`, `start`, `end` …).
    pub action: String,
    /// What it was done to (a path, a pid, a table).
    pub target: String,
    /// Details.
    pub detail: String,
}

/// Appends actions to `journal.jsonl` (or keeps them in memory only).
#[derive(Debug, Default)]
pub struct ActionJournal {
    file: Mutex<Option<File>>,
    entries: Mutex<Vec<JournalEntry>>,
}

impl ActionJournal {
    /// A journal kept only in memory (when no output directory was given).
    pub fn in_memory() -> Self {
        Self::default()
    }

    /// A journal appended to `path` (created if missing; a symlink or a non-regular file there is
    /// refused).
    pub fn to_file(path: &Path) -> std::io::Result<Self> {
        let file = crate::outfile::open_append(path)?;
        Ok(ActionJournal {
            file: Mutex::new(Some(file)),
            entries: Mutex::new(Vec::new()),
        })
    }

    /// Records one action now.
    pub fn record(&self, action: &str, target: impl Into<String>, detail: impl Into<String>) {
        let entry = JournalEntry {
            time: now(),
            action: action.to_string(),
            target: target.into(),
            detail: detail.into(),
        };
        if let Ok(mut guard) = self.file.lock() {
            if let Some(file) = guard.as_mut() {
                if let Ok(line) = crate::jsonl::to_string(&entry) {
                    // A failing journal write must not stop the response; it is best effort.
                    let _ = writeln!(file, "{line}");
                    let _ = file.flush();
                }
            }
        }
        if let Ok(mut entries) = self.entries.lock() {
            entries.push(entry);
        }
    }

    /// Everything recorded so far by this process.
    pub fn entries(&self) -> Vec<JournalEntry> {
        self.entries.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_jsonl() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("journal.jsonl");
        let j = ActionJournal::to_file(&path).expect("journal");
        j.record("read", "/etc/passwd", "hashing");
        j.record("write", "/out/x", "");
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text.lines().count(), 2);
        let e: JournalEntry =
            serde_json::from_str(text.lines().next().expect("line")).expect("json");
        assert_eq!(e.action, "read");
        assert_eq!(j.entries().len(), 2);
    }
}
