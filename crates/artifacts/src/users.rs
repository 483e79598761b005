//! Accounts: `/etc/passwd`, `/etc/shadow`, `/etc/group` (and `/etc/gshadow` presence).
//!
//! Attackers add uid-0 accounts, give system accounts a shell, blank a password hash or add
//! themselves to sudo/docker groups. Every other artifact also needs uid → name resolution, and it
//! must come from the root's own files, never from NSS (which a mounted image does not drive, and
//! which on a live host may be hooked). Lines are parsed leniently: a malformed line is kept as
//! a malformed record (that itself can be evidence), never a panic.

use std::collections::HashMap;

use huoyan_core::{Root, RootError};
use serde::Serialize;

/// One `/etc/passwd` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PasswdEntry {
    /// Line number (1-based).
    pub line: usize,
    /// Login name.
    pub name: String,
    /// Password field (`x` means: look in shadow).
    pub password: String,
    /// User id (`None` when the field is not a number).
    pub uid: Option<u32>,
    /// Primary group id.
    pub gid: Option<u32>,
    /// GECOS comment.
    pub gecos: String,
    /// Home directory.
    pub home: String,
    /// Login shell.
    pub shell: String,
}

impl PasswdEntry {
    /// True when the shell lets the account log in interactively.
    pub fn has_login_shell(&self) -> bool {
        is_login_shell(&self.shell)
    }
}

/// True for shells that allow an interactive login (not nologin/false/sync/halt/shutdown).
pub fn is_login_shell(shell: &str) -> bool {
    let name = shell.rsplit('/').next().unwrap_or(shell);
    !(shell.is_empty()
        || matches!(
            name,
            "nologin" | "false" | "sync" | "halt" | "shutdown" | "true"
        ))
}

/// One `/etc/shadow` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShadowEntry {
    /// Line number (1-based).
    pub line: usize,
    /// Login name.
    pub name: String,
    /// The hash field: `$id$salt$hash`, `*`/`!` (locked), `!$6$…` (locked with hash), or empty.
    pub hash: String,
    /// Day of last password change (days since 1970-01-01).
    pub last_change_day: Option<i64>,
    /// Minimum days between changes.
    pub min_days: Option<i64>,
    /// Maximum days.
    pub max_days: Option<i64>,
    /// Account expiry day.
    pub expire_day: Option<i64>,
}

impl ShadowEntry {
    /// True when anyone can log in without a password.
    pub fn is_empty_password(&self) -> bool {
        self.hash.is_empty()
    }

    /// True when the field holds a usable hash (not locked, not empty).
    pub fn has_usable_hash(&self) -> bool {
        self.hash.starts_with('$') || (self.hash.len() == 13 && !self.hash.starts_with(['!', '*']))
    }
}

/// One `/etc/group` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupEntry {
    /// Line number (1-based).
    pub line: usize,
    /// Group name.
    pub name: String,
    /// Group id.
    pub gid: Option<u32>,
    /// Supplementary members.
    pub members: Vec<String>,
}

fn lines(data: &[u8]) -> impl Iterator<Item = (usize, String)> + '_ {
    data.split(|&b| b == b'\n')
        .enumerate()
        .filter_map(|(i, l)| {
            let l = l.strip_suffix(b"\r").unwrap_or(l);
            if l.is_empty() || l.starts_with(b"#") {
                None
            } else {
                Some((i + 1, huoyan_core::text::bytes_to_string(l)))
            }
        })
}

/// Parses `/etc/passwd`. NIS compat lines (`+`/`-`) are kept with their name as written.
pub fn parse_passwd(data: &[u8]) -> Vec<PasswdEntry> {
    lines(data)
        .map(|(line, l)| {
            let f: Vec<&str> = l.splitn(7, ':').collect();
            let get = |i: usize| f.get(i).copied().unwrap_or("").to_string();
            PasswdEntry {
                line,
                name: get(0),
                password: get(1),
                uid: f.get(2).and_then(|s| s.trim().parse().ok()),
                gid: f.get(3).and_then(|s| s.trim().parse().ok()),
                gecos: get(4),
                home: get(5),
                shell: get(6),
            }
        })
        .collect()
}

/// Parses `/etc/shadow`.
pub fn parse_shadow(data: &[u8]) -> Vec<ShadowEntry> {
    lines(data)
        .map(|(line, l)| {
            let f: Vec<&str> = l.split(':').collect();
            let num = |i: usize| f.get(i).and_then(|s| s.trim().parse::<i64>().ok());
            ShadowEntry {
                line,
                name: f.first().copied().unwrap_or("").to_string(),
                hash: f.get(1).copied().unwrap_or("").to_string(),
                last_change_day: num(2),
                min_days: num(3),
                max_days: num(4),
                expire_day: num(7),
            }
        })
        .collect()
}

/// Parses `/etc/group`.
pub fn parse_group(data: &[u8]) -> Vec<GroupEntry> {
    lines(data)
        .map(|(line, l)| {
            let f: Vec<&str> = l.splitn(4, ':').collect();
            GroupEntry {
                line,
                name: f.first().copied().unwrap_or("").to_string(),
                gid: f.get(2).and_then(|s| s.trim().parse().ok()),
                members: f
                    .get(3)
                    .map(|m| {
                        m.split(',')
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(String::from)
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// The accounts of a root, read from its own files.
#[derive(Debug, Clone, Default)]
pub struct UserDb {
    /// passwd entries in file order.
    pub passwd: Vec<PasswdEntry>,
    /// shadow entries (empty when unreadable).
    pub shadow: Vec<ShadowEntry>,
    /// group entries.
    pub groups: Vec<GroupEntry>,
    by_uid: HashMap<u32, usize>,
    by_gid: HashMap<u32, usize>,
}

impl UserDb {
    /// Builds the database from parsed entries.
    pub fn from_entries(
        passwd: Vec<PasswdEntry>,
        shadow: Vec<ShadowEntry>,
        groups: Vec<GroupEntry>,
    ) -> Self {
        let mut by_uid = HashMap::new();
        for (i, e) in passwd.iter().enumerate() {
            if let Some(uid) = e.uid {
                by_uid.entry(uid).or_insert(i);
            }
        }
        let mut by_gid = HashMap::new();
        for (i, g) in groups.iter().enumerate() {
            if let Some(gid) = g.gid {
                by_gid.entry(gid).or_insert(i);
            }
        }
        UserDb {
            passwd,
            shadow,
            groups,
            by_uid,
            by_gid,
        }
    }

    /// Reads passwd, shadow and group from the root. Errors (other than a missing shadow or
    /// group) are returned alongside whatever could be read, for the caller to record as gaps.
    pub fn read(root: &Root) -> (Self, Vec<RootError>) {
        let mut errors = Vec::new();
        let mut read = |p: &str| match root.read(p) {
            Ok(d) => d,
            Err(e) => {
                errors.push(e);
                Vec::new()
            }
        };
        let passwd = parse_passwd(&read("/etc/passwd"));
        let shadow = parse_shadow(&read("/etc/shadow"));
        let groups = parse_group(&read("/etc/group"));
        (Self::from_entries(passwd, shadow, groups), errors)
    }

    /// Name for a uid (first passwd entry with that uid).
    pub fn user_name(&self, uid: u32) -> Option<&str> {
        self.by_uid.get(&uid).map(|&i| self.passwd[i].name.as_str())
    }

    /// Name for a uid, or the number as text.
    pub fn user_label(&self, uid: u32) -> String {
        self.user_name(uid)
            .map(str::to_string)
            .unwrap_or_else(|| uid.to_string())
    }

    /// Name for a gid.
    pub fn group_name(&self, gid: u32) -> Option<&str> {
        self.by_gid.get(&gid).map(|&i| self.groups[i].name.as_str())
    }

    /// passwd entry by name.
    pub fn user(&self, name: &str) -> Option<&PasswdEntry> {
        self.passwd.iter().find(|e| e.name == name)
    }

    /// shadow entry by name.
    pub fn shadow_of(&self, name: &str) -> Option<&ShadowEntry> {
        self.shadow.iter().find(|e| e.name == name)
    }

    /// Group by name.
    pub fn group(&self, name: &str) -> Option<&GroupEntry> {
        self.groups.iter().find(|g| g.name == name)
    }

    /// Users in a group: its listed members plus accounts whose primary gid is the group's.
    pub fn members_of(&self, group: &str) -> Vec<String> {
        let Some(g) = self.group(group) else {
            return Vec::new();
        };
        let mut out = g.members.clone();
        for e in &self.passwd {
            if e.gid.is_some() && e.gid == g.gid && !out.contains(&e.name) {
                out.push(e.name.clone());
            }
        }
        out
    }

    /// Home directories of every account (deduplicated, non-empty), with the owner name. Used to
    /// find histories, ssh keys and rc files of every user.
    pub fn homes(&self) -> Vec<(String, String)> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for e in &self.passwd {
            if e.home.starts_with('/') && e.home != "/" && seen.insert(e.home.clone()) {
                out.push((e.name.clone(), e.home.clone()));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &[u8] = b"root:x:0:0:root:/root:/bin/bash\n\
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n\
toor:x:0:0::/root:/bin/sh\n\
broken line without colons\n";

    #[test]
    fn passwd_parses_and_tolerates_junk() {
        let p = parse_passwd(PASSWD);
        assert_eq!(p.len(), 5);
        assert_eq!(p[3].name, "toor");
        assert_eq!(p[3].uid, Some(0));
        assert_eq!(p[4].uid, None);
        assert!(!p[1].has_login_shell());
        assert!(p[0].has_login_shell());
    }

    #[test]
    fn shadow_and_groups() {
        let s = parse_shadow(b"root:$6$abc$def:19000:0:99999:7:::\nbob::19500:0:99999:7:::\n");
        assert!(s[0].has_usable_hash());
        assert!(s[1].is_empty_password());
        assert_eq!(s[1].last_change_day, Some(19500));
        let g = parse_group(b"sudo:x:27:alice,bob\nusers:x:100:\n");
        assert_eq!(g[0].members, vec!["alice", "bob"]);
        let db = UserDb::from_entries(parse_passwd(PASSWD), s, g);
        assert_eq!(db.user_name(0), Some("root"));
        assert_eq!(db.user_label(4242), "4242");
        assert_eq!(db.members_of("sudo"), vec!["alice", "bob"]);
    }
}
