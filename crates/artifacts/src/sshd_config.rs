//! sshd_config: the OpenSSH server's configuration, `/etc/ssh/sshd_config` and its `Include`s.
//!
//! An intruder who wants to come back over SSH edits this file: `PermitRootLogin yes`,
//! `PasswordAuthentication yes`, `PermitEmptyPasswords yes`, an extra `Port`, an
//! `AuthorizedKeysFile` pointing at a file of their own, an `AuthorizedKeysCommand` that prints
//! their key, or a `Match User backdoor` block that relaxes everything for one account. Modern
//! Debian and Ubuntu ship `Include /etc/ssh/sshd_config.d/*.conf` at the top, so a one-line
//! drop-in there overrides the main file — which is exactly where nobody looks.
//!
//! Semantics follow sshd: keywords are case-insensitive, `keyword value` or `keyword=value`,
//! arguments may be double-quoted; for most keywords the **first** value obtained wins; `Include`
//! takes globs, relative ones resolved against `/etc/ssh`; a `Match` block lasts until the next
//! `Match` or the end of the file that opened it (an include restores the state afterwards).

use std::path::{Path, PathBuf};

use huoyan_core::{Root, RootError};
use serde::Serialize;

/// Where sshd's configuration lives.
pub const MAIN_CONFIG: &str = "/etc/ssh/sshd_config";
/// Maximum include nesting (sshd allows 16).
pub const MAX_INCLUDE_DEPTH: usize = 16;
/// Maximum number of files read for one configuration.
pub const MAX_FILES: usize = 256;

/// One configuration line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Directive {
    /// Keyword, lower-cased (`permitrootlogin`).
    pub keyword: String,
    /// Arguments with quotes removed.
    pub args: Vec<String>,
    /// Logical path of the file it came from.
    pub file: String,
    /// Line number (1-based).
    pub line: usize,
    /// The `Match` criteria in force (`User backup`), `None` for global directives.
    pub match_criteria: Option<String>,
    /// Modification time of the file it came from (filled by [`read`]; `None` from
    /// [`SshdConfig::from_single`]), to place the setting on a timeline.
    pub file_mtime: Option<huoyan_core::Timestamp>,
}

impl Directive {
    /// The first argument, lower-cased (the usual single value).
    pub fn value_lower(&self) -> String {
        self.args
            .first()
            .map(|s| s.to_ascii_lowercase())
            .unwrap_or_default()
    }

    /// `file:line` for evidence.
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// A parsed line before includes are expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLine {
    /// Line number (1-based).
    pub line: usize,
    /// Keyword, lower-cased.
    pub keyword: String,
    /// Arguments.
    pub args: Vec<String>,
}

/// Splits arguments, honouring double quotes.
fn split_args(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_quotes = false;
    let mut has = false;
    for c in s.chars() {
        match c {
            '"' => {
                in_quotes = !in_quotes;
                has = true;
            }
            c if c.is_whitespace() && !in_quotes => {
                if has {
                    out.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            c => {
                cur.push(c);
                has = true;
            }
        }
    }
    if has {
        out.push(cur);
    }
    out
}

/// Parses one file's lines (no include expansion).
pub fn parse(data: &[u8]) -> Vec<RawLine> {
    let text = huoyan_core::text::bytes_to_string(data);
    let mut out = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let end = l
            .find(|c: char| c.is_whitespace() || c == '=')
            .unwrap_or(l.len());
        let keyword = l[..end].to_ascii_lowercase();
        let mut rest = l[end..].trim_start();
        if let Some(r) = rest.strip_prefix('=') {
            rest = r.trim_start();
        }
        // A trailing comment after the arguments is allowed by sshd for most keywords.
        let rest = match rest.find(" #") {
            Some(i) if !rest[..i].contains('"') => &rest[..i],
            _ => rest,
        };
        out.push(RawLine {
            line: i + 1,
            keyword,
            args: split_args(rest),
        });
    }
    out
}

/// The whole configuration, includes expanded, in the order sshd reads it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SshdConfig {
    /// Every directive, in reading order.
    pub directives: Vec<Directive>,
    /// Every file read (main file first).
    pub files: Vec<String>,
}

impl SshdConfig {
    /// The global value sshd uses: the first global occurrence of the keyword.
    pub fn global(&self, keyword: &str) -> Option<&Directive> {
        self.directives
            .iter()
            .find(|d| d.keyword == keyword && d.match_criteria.is_none())
    }

    /// Every global occurrence (for keywords that accumulate, like `Port` and `ListenAddress`).
    pub fn all_global(&self, keyword: &str) -> Vec<&Directive> {
        self.directives
            .iter()
            .filter(|d| d.keyword == keyword && d.match_criteria.is_none())
            .collect()
    }

    /// Occurrences inside `Match` blocks (each may apply to some connections).
    pub fn in_match(&self, keyword: &str) -> Vec<&Directive> {
        self.directives
            .iter()
            .filter(|d| d.keyword == keyword && d.match_criteria.is_some())
            .collect()
    }

    /// Builds a configuration from one file's text (no includes): for tests and single files.
    pub fn from_single(file: &str, data: &[u8]) -> Self {
        let mut cfg = SshdConfig::default();
        let mut state = None;
        for raw in parse(data) {
            push_line(&mut cfg, file, None, raw, &mut state);
        }
        cfg.files.push(file.to_string());
        cfg
    }
}

fn push_line(
    cfg: &mut SshdConfig,
    file: &str,
    mtime: Option<huoyan_core::Timestamp>,
    raw: RawLine,
    state: &mut Option<String>,
) {
    if raw.keyword == "match" {
        let criteria = raw.args.join(" ");
        *state = if criteria.eq_ignore_ascii_case("all") {
            None
        } else {
            Some(criteria)
        };
        return;
    }
    cfg.directives.push(Directive {
        keyword: raw.keyword,
        args: raw.args,
        file: file.to_string(),
        line: raw.line,
        match_criteria: state.clone(),
        file_mtime: mtime,
    });
}

/// Reads the configuration from the root: main file plus includes. The first error is the main
/// file's (sshd not installed); later ones are unreadable includes.
pub fn read(root: &Root) -> Result<(SshdConfig, Vec<RootError>), RootError> {
    let data = root.read(MAIN_CONFIG)?;
    let mut cfg = SshdConfig::default();
    let mut errors = Vec::new();
    let mut state = None;
    expand(
        root,
        MAIN_CONFIG,
        &data,
        0,
        &mut state,
        &mut cfg,
        &mut errors,
    );
    Ok((cfg, errors))
}

fn expand(
    root: &Root,
    file: &str,
    data: &[u8],
    depth: usize,
    state: &mut Option<String>,
    cfg: &mut SshdConfig,
    errors: &mut Vec<RootError>,
) {
    cfg.files.push(file.to_string());
    let mtime = root.stat(file).ok().and_then(|m| m.mtime);
    for raw in parse(data) {
        if raw.keyword != "include" {
            push_line(cfg, file, mtime, raw, state);
            continue;
        }
        if depth >= MAX_INCLUDE_DEPTH {
            continue;
        }
        for pattern in &raw.args {
            let pattern = if pattern.starts_with('/') {
                pattern.clone()
            } else {
                format!("/etc/ssh/{pattern}")
            };
            for path in glob(root, &pattern) {
                if cfg.files.len() >= MAX_FILES {
                    return;
                }
                let shown = path.display().to_string();
                match root.read(&path) {
                    Ok(d) => {
                        // The included file starts in the includer's Match state; whatever it
                        // does to that state ends with it.
                        let mut inner = state.clone();
                        expand(root, &shown, &d, depth + 1, &mut inner, cfg, errors);
                    }
                    Err(e) => errors.push(e),
                }
            }
        }
    }
}

/// True when `name` matches a shell glob of `*`, `?` and `[...]` classes (the same matcher the
/// web-server config readers use).
pub fn glob_match(pattern: &[u8], name: &[u8]) -> bool {
    crate::config_glob::wildcard_match(pattern, name)
}

/// Expands a glob (wildcards allowed in any component) inside the root, sorted like glob(3).
pub fn glob(root: &Root, pattern: &str) -> Vec<PathBuf> {
    let mut current = vec![PathBuf::from("/")];
    for comp in pattern.split('/').filter(|c| !c.is_empty()) {
        let wild = comp.contains(['*', '?', '[']);
        let mut next = Vec::new();
        for dir in &current {
            if !wild {
                next.push(dir.join(comp));
                continue;
            }
            let Ok(entries) = root.read_dir(dir) else {
                continue;
            };
            for e in entries {
                let name = e.name.as_encoded_bytes();
                // Like glob(3): a leading dot must be matched explicitly.
                if name.starts_with(b".") && !comp.starts_with('.') {
                    continue;
                }
                if glob_match(comp.as_bytes(), name) {
                    next.push(e.path);
                }
            }
        }
        current = next;
        if current.is_empty() {
            break;
        }
    }
    current.retain(|p| p != Path::new("/") && root.exists(p));
    current.sort();
    current
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keywords_quotes_and_equals() {
        let lines = parse(b"# c\nPort=2222\nAuthorizedKeysFile\t\".ssh/my keys\" .ssh/k2\nPermitRootLogin yes # trailing\n");
        assert_eq!(lines[0].keyword, "port");
        assert_eq!(lines[0].args, vec!["2222"]);
        assert_eq!(lines[1].args, vec![".ssh/my keys", ".ssh/k2"]);
        assert_eq!(lines[2].args, vec!["yes"]);
    }

    #[test]
    fn first_value_wins_and_match_is_scoped() {
        let cfg = SshdConfig::from_single(
            "/etc/ssh/sshd_config",
            b"PermitRootLogin no\nPermitRootLogin yes\nMatch User backup\n  PasswordAuthentication yes\nMatch all\nPort 22\n",
        );
        assert_eq!(
            cfg.global("permitrootlogin").map(|d| d.value_lower()),
            Some("no".into())
        );
        assert!(cfg.global("passwordauthentication").is_none());
        assert_eq!(cfg.in_match("passwordauthentication").len(), 1);
        assert!(cfg.global("port").is_some());
    }

    #[test]
    fn globs() {
        assert!(glob_match(b"*.conf", b"a.conf"));
        assert!(!glob_match(b"*.conf", b"a.conf.bak"));
        assert!(glob_match(b"a?[0-9]*", b"ab7zz"));
        assert!(!glob_match(b"[!a]*", b"abc"));
        assert!(glob_match(b"[", b"["));
    }

    #[test]
    fn include_is_expanded_before_later_lines_and_match_ends_with_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let ssh = dir.path().join("etc/ssh");
        std::fs::create_dir_all(ssh.join("sshd_config.d")).expect("mkdir");
        std::fs::write(
            ssh.join("sshd_config"),
            "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\nInclude extra\nPort 22\n",
        )
        .expect("w");
        std::fs::write(
            ssh.join("sshd_config.d/50-x.conf"),
            "PermitRootLogin yes\nMatch User eve\nPort 1\n",
        )
        .expect("w");
        std::fs::write(ssh.join("sshd_config.d/ignored.txt"), "Port 9\n").expect("w");
        std::fs::write(ssh.join("extra"), "GatewayPorts yes\n").expect("w");
        let root = Root::new(dir.path()).expect("root");
        let (cfg, errors) = read(&root).expect("read");
        assert!(errors.is_empty());
        let prl = cfg.global("permitrootlogin").expect("prl");
        assert_eq!(prl.value_lower(), "yes");
        assert_eq!(prl.file, "/etc/ssh/sshd_config.d/50-x.conf");
        assert_eq!(cfg.global("port").map(|d| d.line), Some(4));
        assert_eq!(cfg.in_match("port").len(), 1);
        assert_eq!(
            cfg.global("gatewayports").map(|d| d.file.as_str()),
            Some("/etc/ssh/extra")
        );
    }

    #[test]
    fn garbage_does_not_panic() {
        for d in [&b"\xff\xff"[..], b"=", b"\"", b"Match", b"Include", b"a ="] {
            let _ = SshdConfig::from_single("x", d);
        }
    }
}
