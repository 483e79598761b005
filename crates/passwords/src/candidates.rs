//! Candidate passwords: the built-in list (`rules/passwords/common.txt`, embedded), words derived
//! from the host (user name, host name, GECOS fields, with the mangles people use on servers) and
//! the responder's own wordlists.
//!
//! Every candidate carries its [`Origin`] so a finding can say *why* the password is weak ("in the
//! built-in list at rank 7", "derived from the user name") without ever showing the password.

use serde::Serialize;

/// The built-in list, as written in the repository.
pub const BUILTIN: &str = include_str!("../../../rules/passwords/common.txt");

/// Longest candidate kept (longer lines of a wordlist are skipped).
pub const MAX_CANDIDATE_LEN: usize = 256;

/// Most candidates kept from all wordlists together (the rest are counted as dropped).
pub const MAX_WORDLIST_CANDIDATES: usize = 20_000_000;

/// Years appended to host-derived words.
pub const YEARS: std::ops::RangeInclusive<u32> = 2015..=2026;

/// Where a candidate comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// The empty string.
    Empty,
    /// The built-in list, 1-based rank.
    BuiltIn {
        /// Position in the list.
        rank: usize,
    },
    /// The account's own name (as is, or mangled).
    UserName,
    /// The host name.
    HostName,
    /// A word of the account's GECOS (comment) field.
    Gecos,
    /// A wordlist given by the responder.
    Wordlist {
        /// Its name as given.
        name: String,
        /// 1-based rank of the candidate in it.
        rank: usize,
    },
}

impl Origin {
    /// A sentence fragment for findings: "in the built-in list at rank 7".
    pub fn describe(&self) -> String {
        match self {
            Origin::Empty => "the empty string".to_string(),
            Origin::BuiltIn { rank } => format!("in the built-in list at rank {rank}"),
            Origin::UserName => "derived from the user name".to_string(),
            Origin::HostName => "derived from the host name".to_string(),
            Origin::Gecos => "derived from the account's GECOS (comment) field".to_string(),
            Origin::Wordlist { name, rank } => format!("in wordlist {name:?} at rank {rank}"),
        }
    }

    /// The same in Chinese.
    pub fn describe_zh(&self) -> String {
        match self {
            Origin::Empty => "空字符串".to_string(),
            Origin::BuiltIn { rank } => format!("位于内置弱口令列表第 {rank} 位"),
            Origin::UserName => "由用户名变形而来".to_string(),
            Origin::HostName => "由主机名变形而来".to_string(),
            Origin::Gecos => "由账号的 GECOS（备注）字段变形而来".to_string(),
            Origin::Wordlist { name, rank } => format!("位于字典 {name:?} 第 {rank} 位"),
        }
    }
}

/// One candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The password to try.
    pub password: String,
    /// Where it comes from.
    pub origin: Origin,
}

/// The built-in list as candidates, in rank order.
pub fn builtin() -> Vec<Candidate> {
    parse_list(BUILTIN)
        .into_iter()
        .enumerate()
        .map(|(i, password)| Candidate {
            password,
            origin: Origin::BuiltIn { rank: i + 1 },
        })
        .collect()
}

/// The lines of a list: comments (`#` first) and empty lines dropped, `\r` trimmed.
fn parse_list(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// A responder's wordlist: one candidate per line, as bytes (any encoding; invalid UTF-8 lines are
/// kept lossily only if they are valid, otherwise skipped and counted).
#[derive(Debug, Clone, Default)]
pub struct Wordlist {
    /// Name shown in findings (the file name as given).
    pub name: String,
    /// Candidates in file order.
    pub words: Vec<String>,
    /// Lines skipped: too long, not UTF-8, or beyond the cap.
    pub skipped: usize,
}

impl Wordlist {
    /// Parses a wordlist, keeping at most `max` candidates.
    pub fn parse(name: &str, data: &[u8], max: usize) -> Wordlist {
        let mut list = Wordlist {
            name: name.to_string(),
            ..Wordlist::default()
        };
        for line in data.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            match std::str::from_utf8(line) {
                Ok(s) if s.len() <= MAX_CANDIDATE_LEN && list.words.len() < max => {
                    list.words.push(s.to_string())
                }
                _ => list.skipped += 1,
            }
        }
        list
    }
}

/// Capitalises the first character.
fn capitalised(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The mangles of one host-derived word, most likely first: as is, capitalised, reversed, with
/// `123`, `@123`, `!`, `1`, and each year 2015–2026 appended (also after `@`).
pub fn mangles(word: &str) -> Vec<String> {
    let w = word.trim();
    if w.is_empty() || w.len() > MAX_CANDIDATE_LEN / 2 {
        return Vec::new();
    }
    let cap = capitalised(w);
    let lower = w.to_lowercase();
    let mut out = vec![
        w.to_string(),
        lower.clone(),
        cap.clone(),
        w.chars().rev().collect(),
        format!("{w}123"),
        format!("{w}@123"),
        format!("{cap}123"),
        format!("{cap}@123"),
        format!("{w}1"),
        format!("{w}!"),
        format!("{w}123456"),
        format!("{w}{w}"),
        format!("{cap}123!"),
        format!("{w}#123"),
    ];
    for y in YEARS {
        out.push(format!("{w}{y}"));
        out.push(format!("{w}@{y}"));
        out.push(format!("{cap}@{y}"));
        out.push(format!("{cap}{y}"));
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|c| seen.insert(c.clone()));
    out
}

/// Words of a GECOS field worth trying: its comma-separated parts and their words (3 characters
/// or more, at most 6 words).
pub fn gecos_words(gecos: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in gecos.split(',') {
        let part = part.trim();
        let words = part.split_whitespace().collect::<Vec<_>>();
        let joined: String = words.concat();
        for w in words.iter().map(|w| w.to_string()).chain([joined]) {
            if w.chars().count() >= 3 && !out.contains(&w) && out.len() < 6 {
                out.push(w);
            }
        }
    }
    out
}

/// Candidates derived from the host for one account, in order: user name, host name, GECOS.
pub fn derived(user: &str, hostname: Option<&str>, gecos: &str) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    let mut push = |words: Vec<String>, origin: Origin| {
        for password in words {
            if !out.iter().any(|c| c.password == password) {
                out.push(Candidate {
                    password,
                    origin: origin.clone(),
                });
            }
        }
    };
    push(mangles(user), Origin::UserName);
    if let Some(host) = hostname.map(str::trim).filter(|h| !h.is_empty()) {
        let short = host.split('.').next().unwrap_or(host);
        push(mangles(short), Origin::HostName);
        if short != host {
            push(mangles(host), Origin::HostName);
        }
    }
    for w in gecos_words(gecos) {
        push(mangles(&w), Origin::Gecos);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_list_is_ranked_and_clean() {
        let list = builtin();
        assert!(list.len() > 150);
        assert_eq!(list[0].password, "123456");
        assert_eq!(list[0].origin, Origin::BuiltIn { rank: 1 });
        for must in [
            "admin123", "toor", "P@ssw0rd", "woaini", "zhangsan", "1qaz2wsx",
        ] {
            assert!(list.iter().any(|c| c.password == must), "{must}");
        }
        let mut seen = std::collections::HashSet::new();
        assert!(list.iter().all(|c| seen.insert(&c.password)), "duplicates");
    }

    #[test]
    fn derives_user_host_and_gecos_words() {
        let c = derived("alice", Some("web01.example.com"), "Alice Wang,,,");
        let has = |p: &str, o: Origin| c.iter().any(|x| x.password == p && x.origin == o);
        assert!(has("alice123", Origin::UserName));
        assert!(has("alice@123", Origin::UserName));
        assert!(has("Alice", Origin::UserName));
        assert!(has("ecila", Origin::UserName));
        assert!(has("alice2024", Origin::UserName));
        assert!(has("web01@2026", Origin::HostName));
        assert!(has("Wang123", Origin::Gecos));
        assert!(has("AliceWang", Origin::Gecos));
    }

    #[test]
    fn wordlists_are_bounded() {
        let long = "x".repeat(MAX_CANDIDATE_LEN + 1);
        let data = format!("one\r\n\ntwo\n{long}\nthree\n");
        let mut bytes = data.into_bytes();
        bytes.extend_from_slice(b"\xff\xfe\n");
        let w = Wordlist::parse("w.txt", &bytes, 2);
        assert_eq!(w.words, vec!["one", "two"]);
        assert_eq!(w.skipped, 3);
        assert!(mangles("").is_empty());
    }
}
