//! Shell and tool histories: what each user typed.
//!
//! **Where:** in every home directory — `~/.bash_history`, `~/.zsh_history` / `~/.zhistory`,
//! `~/.sh_history` / `~/.ash_history` / `~/.history`, `~/.local/share/fish/fish_history`,
//! `~/.python_history`, `~/.mysql_history`, `~/.psql_history`, `~/.rediscli_history`,
//! `~/.lesshst`, `~/.viminfo` — for every account in `/etc/passwd` plus `/root`.
//!
//! **Why it matters:** an intruder who got a shell usually typed into it: downloads, reverse
//! shells, compilers, scanners, `cat /etc/shadow`, and the `history -c` that was supposed to wipe
//! it all. Bash (with `HISTTIMEFORMAT`), zsh extended history and fish record *when* each command
//! ran, which anchors the timeline. The file itself is evidence too: a history linked to
//! `/dev/null`, emptied, or missing for an account that logs in.
//!
//! Parsers ([`shell`], [`tools`]) are pure functions over bytes; [`read_user_histories`] finds
//! the files of one home through a [`Root`].

use huoyan_core::{FileKind, Meta, Root, RootError, Timestamp};
use serde::Serialize;

pub mod shell;
pub mod tools;

/// Largest history read, per file. Histories beyond this are cut and the cut is reported.
pub const MAX_HISTORY_BYTES: u64 = 32 * 1024 * 1024;

/// Which program wrote a history file (decides how it is parsed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryKind {
    /// GNU bash (`#<epoch>` lines when HISTTIMEFORMAT was set).
    Bash,
    /// zsh, plain or extended (`: <epoch>:<duration>;command`), metafied bytes.
    Zsh,
    /// POSIX sh / ash / dash / ksh: one command per line.
    Sh,
    /// fish (`- cmd: …` / `  when: …` YAML-like records).
    Fish,
    /// Python REPL (readline).
    Python,
    /// MySQL/MariaDB client (`\040` escapes for spaces).
    Mysql,
    /// PostgreSQL psql (readline/libedit).
    Psql,
    /// redis-cli.
    RedisCli,
    /// less (`.lesshst`: search strings and `!` shell commands).
    Less,
    /// vim (`.viminfo`: command-line, search and shell history).
    Viminfo,
}

impl HistoryKind {
    /// True when entries are shell commands (as opposed to SQL, Python, searches).
    pub fn is_shell(self) -> bool {
        matches!(
            self,
            HistoryKind::Bash | HistoryKind::Zsh | HistoryKind::Sh | HistoryKind::Fish
        )
    }
}

/// History files looked for in every home, relative to the home directory.
pub const HISTORY_FILES: &[(&str, HistoryKind)] = &[
    (".bash_history", HistoryKind::Bash),
    (".zsh_history", HistoryKind::Zsh),
    (".zhistory", HistoryKind::Zsh),
    (".histfile", HistoryKind::Zsh),
    (".sh_history", HistoryKind::Sh),
    (".ash_history", HistoryKind::Sh),
    (".history", HistoryKind::Sh),
    (".local/share/fish/fish_history", HistoryKind::Fish),
    (".config/fish/fish_history", HistoryKind::Fish),
    (".python_history", HistoryKind::Python),
    (".mysql_history", HistoryKind::Mysql),
    (".psql_history", HistoryKind::Psql),
    (".rediscli_history", HistoryKind::RedisCli),
    (".lesshst", HistoryKind::Less),
    (".viminfo", HistoryKind::Viminfo),
];

/// One remembered command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    /// Line number in the file (1-based) where the command starts.
    pub line: usize,
    /// The command as typed (decoded from the file's escaping).
    pub command: String,
    /// When it ran, if the format records it.
    pub time: Option<Timestamp>,
}

/// Parses a history of the given kind.
pub fn parse(kind: HistoryKind, data: &[u8]) -> Vec<HistoryEntry> {
    match kind {
        HistoryKind::Bash => shell::parse_bash(data),
        HistoryKind::Zsh => shell::parse_zsh(data),
        HistoryKind::Sh | HistoryKind::Python | HistoryKind::Psql | HistoryKind::RedisCli => {
            shell::parse_plain(data)
        }
        HistoryKind::Fish => shell::parse_fish(data),
        HistoryKind::Mysql => tools::parse_mysql(data),
        HistoryKind::Less => tools::parse_less(data),
        HistoryKind::Viminfo => tools::parse_viminfo(data),
    }
}

/// One history file of one user, as found on disk.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryFile {
    /// Logical path.
    pub path: String,
    /// Owner of the home it was found in.
    pub user: String,
    /// Format.
    pub kind: HistoryKind,
    /// lstat of the path (the link itself when it is a symlink).
    pub meta: Meta,
    /// Where the path points, when it is a symlink (as stored).
    pub link_target: Option<String>,
    /// Parsed entries (empty for a symlink or special file, which are never read).
    pub entries: Vec<HistoryEntry>,
    /// True when the file was larger than [`MAX_HISTORY_BYTES`] and was cut.
    pub truncated: bool,
}

/// Finds and parses every known history file under `home`. Missing files are simply absent
/// from the result; other errors are returned for the caller to record as gaps.
pub fn read_user_histories(
    root: &Root,
    user: &str,
    home: &str,
) -> (Vec<HistoryFile>, Vec<RootError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for (rel, kind) in HISTORY_FILES {
        let path = format!("{}/{}", home.trim_end_matches('/'), rel);
        let meta = match root.lstat(&path) {
            Ok(m) => m,
            Err(e) if e.is_not_found() => continue,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let mut file = HistoryFile {
            path: path.clone(),
            user: user.to_string(),
            kind: *kind,
            meta: meta.clone(),
            link_target: None,
            entries: Vec::new(),
            truncated: false,
        };
        match meta.kind {
            FileKind::Symlink => {
                file.link_target = root.read_link(&path).ok().map(|t| t.display().to_string());
            }
            FileKind::File => match root.read_capped(&path, MAX_HISTORY_BYTES) {
                Ok(capped) => {
                    file.entries = parse(*kind, &capped.data);
                    file.truncated = capped.truncated;
                }
                Err(e) => errors.push(e),
            },
            _ => {}
        }
        files.push(file);
    }
    (files, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_histories_and_keeps_symlinks_unread() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = dir.path().join("home/alice");
        std::fs::create_dir_all(&home).expect("mkdir");
        std::fs::write(home.join(".bash_history"), b"#1700000000\nid\nwhoami\n").expect("w");
        std::os::unix::fs::symlink("/dev/null", home.join(".zsh_history")).expect("ln");
        let root = Root::new(dir.path()).expect("root");
        let (files, errors) = read_user_histories(&root, "alice", "/home/alice");
        assert!(errors.is_empty());
        assert_eq!(files.len(), 2);
        let bash = files
            .iter()
            .find(|f| f.kind == HistoryKind::Bash)
            .expect("bash");
        assert_eq!(bash.entries.len(), 2);
        assert_eq!(
            bash.entries[0].time.map(|t| t.as_second()),
            Some(1_700_000_000)
        );
        let zsh = files
            .iter()
            .find(|f| f.kind == HistoryKind::Zsh)
            .expect("zsh");
        assert_eq!(zsh.link_target.as_deref(), Some("/dev/null"));
        assert!(zsh.entries.is_empty());
    }
}
