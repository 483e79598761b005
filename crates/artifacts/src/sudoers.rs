//! sudoers: `/etc/sudoers` and every file it includes (`/etc/sudoers.d/*` on Debian and RHEL).
//!
//! Who may become root, with or without a password, is the first thing an intruder with root
//! changes to keep it: a `NOPASSWD: ALL` line for a service account, a `Defaults !authenticate`,
//! a drop-in file in `/etc/sudoers.d`, or an `@include` pointing somewhere nobody looks. The parser
//! here understands the parts of sudoers(5) that matter for that question: logical lines with
//! backslash continuations, `Defaults` (with `:user`, `@host`, `!cmnd`, `>runas` scopes),
//! aliases, user specifications with run-as lists and tags (`NOPASSWD:` carries over to the
//! following commands), and the four include forms (`#include`, `@include`, `#includedir`,
//! `@includedir`). Includes are followed through [`Root`], relative to the including file's
//! directory as sudo 1.9 does; `#includedir` skips names with a `.` or ending in `~`, as sudo does.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use huoyan_core::{FileKind, Root, RootError};
use serde::Serialize;

/// How deep includes may nest before the reader stops (sudo itself allows 128).
pub const MAX_INCLUDE_DEPTH: usize = 16;
/// Most files one sudoers tree may pull in.
pub const MAX_FILES: usize = 512;

/// One command of a user specification, with the run-as list and tags in force for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CmndSpec {
    /// Run-as part as written, e.g. `ALL:ALL` (without parentheses); `None` means root only.
    pub runas: Option<String>,
    /// Tags in force (`NOPASSWD`, `SETENV`, `NOEXEC` …), upper-case.
    pub tags: Vec<String>,
    /// The command (`ALL`, `/usr/bin/apt`, `!/bin/sh`, an alias name …).
    pub command: String,
}

impl CmndSpec {
    /// True when no password is asked for this command.
    pub fn nopasswd(&self) -> bool {
        self.tags.iter().any(|t| t == "NOPASSWD")
    }

    /// True when the command is `ALL` (anything at all).
    pub fn is_all(&self) -> bool {
        self.command == "ALL"
    }
}

/// A user specification line: `who where = (as whom) TAGS: what`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserSpec {
    /// Users, `%groups`, `+netgroups` and aliases as written.
    pub users: Vec<String>,
    /// Hosts as written.
    pub hosts: Vec<String>,
    /// The commands with their run-as and tags.
    pub commands: Vec<CmndSpec>,
}

/// One meaningful line of a sudoers file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EntryKind {
    /// `Defaults[:@!>scope] setting, setting`.
    Defaults {
        /// The scope suffix as written (`:alice`, `@host`, empty for global).
        scope: String,
        /// Each setting as written (`!authenticate`, `env_keep += "LD_PRELOAD"`).
        settings: Vec<String>,
    },
    /// `User_Alias NAME = a, b` (also Runas_, Host_, Cmnd_/Cmd_).
    Alias {
        /// `User_Alias`, `Runas_Alias`, `Host_Alias` or `Cmnd_Alias`.
        alias_kind: String,
        /// Alias name.
        name: String,
        /// Members as written.
        members: Vec<String>,
    },
    /// A user specification.
    User(UserSpec),
    /// An include directive.
    Include {
        /// The path as written.
        path: String,
        /// True for `includedir`.
        dir: bool,
    },
    /// A line that could not be understood (kept: it may be evidence of tampering).
    Unparsed,
}

/// One logical line with its location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Line number (1-based) where the logical line starts.
    pub line: usize,
    /// The logical line as written (continuations joined).
    pub text: String,
    /// What it says.
    #[serde(flatten)]
    pub kind: EntryKind,
}

/// Joins continuation lines, drops comments and blank lines; returns (line number, text).
fn logical_lines(data: &[u8]) -> Vec<(usize, String)> {
    let text = huoyan_core::text::bytes_to_string(data);
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let (start, mut acc) = pending.take().unwrap_or((i + 1, String::new()));
        if let Some(body) = raw.strip_suffix('\\') {
            acc.push_str(body);
            acc.push(' ');
            pending = Some((start, acc));
            continue;
        }
        acc.push_str(raw);
        let stripped = strip_comment(&acc);
        if !stripped.trim().is_empty() {
            out.push((start, stripped.trim().to_string()));
        }
    }
    if let Some((start, acc)) = pending {
        let stripped = strip_comment(&acc);
        if !stripped.trim().is_empty() {
            out.push((start, stripped.trim().to_string()));
        }
    }
    out
}

/// Removes a `#` comment, keeping `#include`/`#includedir` and `#uid` user names.
fn strip_comment(line: &str) -> &str {
    let trimmed = line.trim_start();
    if trimmed.starts_with("#include") {
        return line;
    }
    let mut in_quotes = false;
    let mut prev_ws = true;
    for (idx, c) in line.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            '#' if !in_quotes => {
                let next_is_digit = line[idx + 1..].starts_with(|d: char| d.is_ascii_digit());
                if !(next_is_digit && (prev_ws || idx == 0)) {
                    return &line[..idx];
                }
            }
            _ => {}
        }
        prev_ws = c.is_whitespace() || c == ',' || c == '(' || c == ':';
    }
    line
}

/// Splits on `sep` outside double quotes and parentheses.
fn split_top(s: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    let mut in_quotes = false;
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' => {
                escaped = true;
                cur.push(c);
            }
            '"' => {
                in_quotes = !in_quotes;
                cur.push(c);
            }
            '(' if !in_quotes => {
                depth += 1;
                cur.push(c);
            }
            ')' if !in_quotes => {
                depth = depth.saturating_sub(1);
                cur.push(c);
            }
            c if c == sep && !in_quotes && depth == 0 => {
                out.push(cur.trim().to_string());
                cur.clear();
            }
            c => cur.push(c),
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

const TAGS: &[&str] = &[
    "NOPASSWD",
    "PASSWD",
    "SETENV",
    "NOSETENV",
    "EXEC",
    "NOEXEC",
    "LOG_INPUT",
    "NOLOG_INPUT",
    "LOG_OUTPUT",
    "NOLOG_OUTPUT",
    "MAIL",
    "NOMAIL",
    "FOLLOW",
    "NOFOLLOW",
    "INTERCEPT",
    "NOINTERCEPT",
];

fn parse_include(text: &str) -> Option<EntryKind> {
    for (prefix, dir) in [
        ("#includedir", true),
        ("@includedir", true),
        ("#include", false),
        ("@include", false),
    ] {
        if let Some(rest) = text.strip_prefix(prefix) {
            if !rest.starts_with(char::is_whitespace) {
                continue;
            }
            let path = rest.trim().trim_matches('"').to_string();
            return Some(EntryKind::Include { path, dir });
        }
    }
    None
}

fn parse_defaults(text: &str) -> Option<EntryKind> {
    let rest = text.strip_prefix("Defaults")?;
    let (scope, settings) = if rest.starts_with([':', '@', '!', '>']) {
        match rest.find(char::is_whitespace) {
            Some(i) => (rest[..i].to_string(), &rest[i..]),
            None => (rest.to_string(), ""),
        }
    } else if rest.starts_with(char::is_whitespace) {
        (String::new(), rest)
    } else {
        return None;
    };
    Some(EntryKind::Defaults {
        scope,
        settings: split_top(settings.trim(), ','),
    })
}

fn parse_alias(text: &str) -> Option<EntryKind> {
    let (kind, rest) = text.split_once(char::is_whitespace)?;
    let alias_kind = match kind {
        "User_Alias" | "Runas_Alias" | "Host_Alias" | "Cmnd_Alias" => kind.to_string(),
        "Cmd_Alias" => "Cmnd_Alias".to_string(),
        _ => return None,
    };
    // Only the first `NAME = members` of a `:`-separated list is kept per entry.
    let first = split_top(rest, ':').into_iter().next()?;
    let (name, members) = first.split_once('=')?;
    Some(EntryKind::Alias {
        alias_kind,
        name: name.trim().to_string(),
        members: split_top(members, ','),
    })
}

fn parse_commands(spec: &str) -> Vec<CmndSpec> {
    let mut out = Vec::new();
    let mut runas: Option<String> = None;
    let mut tags: Vec<String> = Vec::new();
    for item in split_top(spec, ',') {
        let mut rest = item.trim();
        if let Some(after) = rest.strip_prefix('(') {
            if let Some(end) = after.find(')') {
                runas = Some(after[..end].trim().to_string());
                rest = after[end + 1..].trim_start();
            }
        }
        // Tags (`NOPASSWD: SETENV:`) before the command.
        while let Some((head, tail)) = rest.split_once(':') {
            let head = head.trim();
            if TAGS.contains(&head) {
                if head == "PASSWD" {
                    tags.retain(|t| t != "NOPASSWD");
                } else if !tags.iter().any(|t| t == head) {
                    tags.push(head.to_string());
                }
                rest = tail.trim_start();
            } else {
                break;
            }
        }
        // Options such as `CWD=*` or `ROLE=x` are skipped.
        while let Some((word, tail)) = rest.split_once(char::is_whitespace) {
            let key = word.split('=').next().unwrap_or("");
            if word.contains('=')
                && matches!(
                    key,
                    "CWD" | "CHROOT" | "ROLE" | "TYPE" | "NOTBEFORE" | "NOTAFTER" | "TIMEOUT"
                )
            {
                rest = tail.trim_start();
            } else {
                break;
            }
        }
        if !rest.is_empty() {
            out.push(CmndSpec {
                runas: runas.clone(),
                tags: tags.clone(),
                command: rest.to_string(),
            });
        }
    }
    out
}

fn parse_user_spec(text: &str) -> Option<EntryKind> {
    // `users hosts = commands [: hosts = commands]`
    let eq = text.find('=')?;
    let (lhs, rhs) = (text[..eq].trim(), &text[eq + 1..]);
    // lhs: a comma list of users (commas may be followed by spaces), then the host list.
    let normalised = lhs.replace(", ", ",").replace(" ,", ",");
    let mut words = normalised.split_whitespace();
    let users_part = words.next()?;
    let hosts_part: String = words.collect::<Vec<_>>().join(" ");
    if hosts_part.is_empty() {
        return None;
    }
    let users = split_top(users_part, ',');
    let hosts = split_top(&hosts_part, ',');
    // `split_top(':')` splits both `NOPASSWD: ALL` and further `: host = cmnds` groups; a piece
    // that follows a tag is glued back, any other piece drops its `host =` part.
    let parts = split_top(rhs, ':');
    let mut joined = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            joined.push_str(part);
            continue;
        }
        let prev_is_tag = parts[i - 1]
            .rsplit([' ', ',', ')', '\t'])
            .next()
            .map(|w| TAGS.contains(&w.trim()))
            .unwrap_or(false);
        if prev_is_tag {
            joined.push_str(": ");
            joined.push_str(part);
        } else {
            joined.push_str(", ");
            joined.push_str(part.split_once('=').map(|(_, c)| c).unwrap_or(part));
        }
    }
    Some(EntryKind::User(UserSpec {
        users,
        hosts,
        commands: parse_commands(&joined),
    }))
}

/// Parses one sudoers file (no include following).
pub fn parse(data: &[u8]) -> Vec<Entry> {
    logical_lines(data)
        .into_iter()
        .map(|(line, text)| {
            let kind = parse_include(&text)
                .or_else(|| parse_defaults(&text))
                .or_else(|| parse_alias(&text))
                .or_else(|| parse_user_spec(&text))
                .unwrap_or(EntryKind::Unparsed);
            Entry { line, text, kind }
        })
        .collect()
}

/// One file of a sudoers tree, with where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct SudoersFile {
    /// Logical path inside the root.
    pub path: String,
    /// The file that included it (`None` for `/etc/sudoers`).
    pub included_from: Option<String>,
    /// Its entries.
    pub entries: Vec<Entry>,
}

/// Reads `/etc/sudoers` and everything it includes. Missing or unreadable files become errors
/// in the second list (a missing `/etc/sudoers` is simply "sudo not installed").
pub fn read_tree(root: &Root) -> (Vec<SudoersFile>, Vec<RootError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    read_file(
        root,
        Path::new("/etc/sudoers"),
        None,
        0,
        &mut seen,
        &mut files,
        &mut errors,
    );
    (files, errors)
}

fn read_file(
    root: &Root,
    path: &Path,
    from: Option<&str>,
    depth: usize,
    seen: &mut HashSet<PathBuf>,
    files: &mut Vec<SudoersFile>,
    errors: &mut Vec<RootError>,
) {
    if depth > MAX_INCLUDE_DEPTH || files.len() >= MAX_FILES || !seen.insert(path.to_path_buf()) {
        return;
    }
    let shown = path.display().to_string();
    let data = match root.read(path) {
        Ok(d) => d,
        Err(e) => {
            errors.push(e);
            return;
        }
    };
    let entries = parse(&data);
    let includes: Vec<(String, bool)> = entries
        .iter()
        .filter_map(|e| match &e.kind {
            EntryKind::Include { path, dir } => Some((path.clone(), *dir)),
            _ => None,
        })
        .collect();
    files.push(SudoersFile {
        path: shown.clone(),
        included_from: from.map(str::to_string),
        entries,
    });
    let base = path.parent().unwrap_or(Path::new("/etc"));
    for (target, dir) in includes {
        let target = if target.starts_with('/') {
            PathBuf::from(&target)
        } else {
            base.join(&target)
        };
        if dir {
            match root.read_dir(&target) {
                Ok(list) => {
                    for entry in list {
                        let name = entry.name.to_string_lossy();
                        if name.contains('.') || name.ends_with('~') || entry.kind == FileKind::Dir
                        {
                            continue;
                        }
                        read_file(
                            root,
                            &entry.path,
                            Some(&shown),
                            depth + 1,
                            seen,
                            files,
                            errors,
                        );
                    }
                }
                Err(e) => errors.push(e),
            }
        } else {
            read_file(root, &target, Some(&shown), depth + 1, seen, files, errors);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_default_parses() {
        let data = b"Defaults\tenv_reset\nDefaults\tsecure_path=\"/usr/sbin:/usr/bin\"\n\
# comment\nroot\tALL=(ALL:ALL) ALL\n%sudo\tALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n";
        let e = parse(data);
        assert_eq!(e.len(), 5);
        match &e[2].kind {
            EntryKind::User(u) => {
                assert_eq!(u.users, vec!["root"]);
                assert_eq!(u.commands[0].runas.as_deref(), Some("ALL:ALL"));
                assert!(u.commands[0].is_all() && !u.commands[0].nopasswd());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            e[4].kind,
            EntryKind::Include {
                path: "/etc/sudoers.d".into(),
                dir: true
            }
        );
    }

    #[test]
    fn tags_carry_over_and_continuations_join() {
        let data = b"backup, deploy ALL = (root) NOPASSWD: /usr/bin/rsync, \\\n  /bin/tar, PASSWD: /bin/ls\n";
        let e = parse(data);
        let EntryKind::User(u) = &e[0].kind else {
            panic!("{e:?}")
        };
        assert_eq!(u.users, vec!["backup", "deploy"]);
        assert_eq!(u.commands.len(), 3);
        assert!(u.commands[0].nopasswd() && u.commands[1].nopasswd());
        assert!(!u.commands[2].nopasswd());
        assert_eq!(u.commands[1].command, "/bin/tar");
    }

    #[test]
    fn defaults_scopes_and_aliases() {
        let e = parse(b"Defaults:www-data !authenticate\nUser_Alias ADMINS = alice, bob\n#1000 ALL=(ALL) ALL\n#include \"/etc/sudo extra\"\n");
        assert_eq!(
            e[0].kind,
            EntryKind::Defaults {
                scope: ":www-data".into(),
                settings: vec!["!authenticate".into()]
            }
        );
        assert!(matches!(&e[1].kind, EntryKind::Alias { members, .. } if members.len() == 2));
        assert!(matches!(&e[2].kind, EntryKind::User(u) if u.users == vec!["#1000"]));
        assert!(
            matches!(&e[3].kind, EntryKind::Include { path, dir: false } if path == "/etc/sudo extra")
        );
    }

    #[test]
    fn garbage_and_truncation_do_not_panic() {
        for data in [
            &b"\xff\xfe=\\"[..],
            b"Defaults",
            b"(((",
            b"a b = (",
            b"a b = NOPASSWD:",
            b"#include",
            b"\\",
        ] {
            let _ = parse(data);
        }
    }

    #[test]
    fn includes_are_followed_relative_and_dir_rules() {
        let dir = tempfile::tempdir().expect("tmp");
        let etc = dir.path().join("etc");
        std::fs::create_dir_all(etc.join("sudoers.d")).expect("mkdir");
        std::fs::write(
            etc.join("sudoers"),
            "@includedir /etc/sudoers.d\n#include extra\n",
        )
        .expect("w");
        std::fs::write(etc.join("extra"), "bob ALL=(ALL) NOPASSWD: ALL\n").expect("w");
        std::fs::write(etc.join("sudoers.d/zz"), "eve ALL=ALL\n").expect("w");
        std::fs::write(etc.join("sudoers.d/skip.bak"), "x ALL=ALL\n").expect("w");
        std::fs::write(etc.join("sudoers.d/skip~"), "x ALL=ALL\n").expect("w");
        let root = Root::new(dir.path()).expect("root");
        let (files, errors) = read_tree(&root);
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            vec!["/etc/sudoers", "/etc/sudoers.d/zz", "/etc/extra"]
        );
        assert!(errors.is_empty());
    }
}
