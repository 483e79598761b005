//! Command structure: which program each simple command runs, and from where.
//!
//! A pattern list can say "this line mentions /tmp"; a responder needs "this line *runs*
//! something from /tmp". Attackers drop their tools where any user can write and nobody looks —
//! `/tmp`, `/var/tmp`, `/dev/shm` — often in a hidden directory (`/tmp/.X11-unix/.x/kworker`,
//! `~/.cache/.s/sshd`), and start them from cron, rc files or by hand. This module splits a
//! command on `;`, `&&`, `||`, `|`, `&`, newlines and `$(`/backticks, skips wrappers (`sudo`,
//! `nohup`, `env`, `setsid`, interpreters such as `sh`/`python`/`perl` …) and variable
//! assignments, and reports the program (or script) word when it lives in such a place.
//!
//! It is a heuristic, not a shell parser: quoting is only trimmed, not interpreted.

use huoyan_core::Severity;

use crate::Hit;

/// Wrappers whose next non-option word is the real program.
const WRAPPERS: &[&str] = &[
    "sudo",
    "nohup",
    "env",
    "exec",
    "setsid",
    "nice",
    "ionice",
    "time",
    "command",
    "builtin",
    "stdbuf",
    "chroot",
    "runuser",
    "su",
    "doas",
    "timeout",
    "unbuffer",
    "torsocks",
    "proxychains",
    "proxychains4",
    "xargs",
    "watch",
    "screen",
    "tmux",
    "busybox",
    "start-stop-daemon",
];

/// Interpreters whose first non-option argument is a script they run.
const INTERPRETERS: &[&str] = &[
    "sh", "bash", "dash", "zsh", "ksh", "ash", "csh", "tcsh", "busybox", "python", "python2",
    "python3", "perl", "ruby", "php", "node", "lua", "source", ".",
];

/// Directories any user can write to, where attackers stage tools.
const WRITABLE_DIRS: &[&str] = &[
    "/tmp/",
    "/var/tmp/",
    "/dev/shm/",
    "/run/shm/",
    "/var/run/shm/",
];

/// Where a program path lives, if that is suspicious.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// In a world-writable staging directory.
    Writable,
    /// In a hidden directory, or a hidden file.
    Hidden,
}

/// Classifies a program path.
pub fn place_of(path: &str) -> Option<Place> {
    let path = path.trim_matches(|c| c == '"' || c == '\'');
    let looks_like_path =
        (path.starts_with('/') || path.starts_with("./") || path.starts_with("~/"))
            && path
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._/~+@%:-".contains(&b));
    if !looks_like_path {
        return None;
    }
    if WRITABLE_DIRS.iter().any(|d| path.starts_with(d)) {
        return Some(Place::Writable);
    }
    if !path.contains('/') {
        return None;
    }
    if path.starts_with("~/") && ORDINARY_DOTFILES.contains(&&path[2..]) {
        return None;
    }
    let hidden = path.split('/').any(|component| {
        component.starts_with('.') && component != "." && component != ".." && component.len() > 1
    });
    // Dot-files run from home (~/.local/bin, ~/.cargo/bin, ~/.nvm …) are ordinary developer
    // setups; the hidden places attackers favour are dot-directories elsewhere, or names made
    // only of dots and spaces.
    let ordinary_home_tooling = [
        "/.local/bin/",
        "/.cargo/bin/",
        "/.nvm/",
        "/.rbenv/",
        "/.pyenv/",
        "/.sdkman/",
        "/.deno/bin/",
        "/.bun/bin/",
        "/.npm-global/",
        "/.volta/",
        "/.acme.sh/",
        "/.cargo/env",
    ];
    let with_slash = format!("{path}/");
    (hidden && !ordinary_home_tooling.iter().any(|t| with_slash.contains(t)))
        .then_some(Place::Hidden)
}

fn is_shell(base: &str) -> bool {
    matches!(
        base,
        "sh" | "bash" | "dash" | "zsh" | "ksh" | "ash" | "csh" | "tcsh" | "busybox"
    )
}

/// Start-up files that are sourced from a home directory as a matter of course.
const ORDINARY_DOTFILES: &[&str] = &[
    ".bashrc",
    ".bash_aliases",
    ".bash_functions",
    ".aliases",
    ".profile",
    ".bash_profile",
    ".bash_login",
    ".zshrc",
    ".zshenv",
    ".zprofile",
    ".shrc",
    ".kshrc",
    ".env",
];

/// True for paths under system directories, where a hidden directory has no business existing.
fn in_system_dir(path: &str) -> bool {
    [
        "/usr/",
        "/lib/",
        "/lib64/",
        "/bin/",
        "/sbin/",
        "/etc/",
        "/var/lib/",
        "/boot/",
        "/opt/",
    ]
    .iter()
    .any(|d| path.starts_with(d))
}

fn segments(command: &str) -> Vec<&str> {
    command
        .split(['\n', ';', '|', '&', '`', '(', ')', '{', '}'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// The word a segment runs: the program, or the script an interpreter is given.
fn program_word(segment: &str) -> Option<&str> {
    let mut words = segment.split_whitespace().peekable();
    let mut after_wrapper = false;
    while let Some(word) = words.next() {
        let word = word.trim_start_matches(['$', '"', '\'']);
        if word.is_empty() {
            continue;
        }
        if word.contains('=') && !word.starts_with('/') && !word.starts_with('-') {
            continue; // VAR=value prefix
        }
        if after_wrapper && word.starts_with('-') {
            continue;
        }
        let base = basename(word);
        if after_wrapper
            && word
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b's' || b == b'm')
        {
            continue; // `timeout 30`, `nice 10`
        }
        if WRAPPERS.contains(&base) || INTERPRETERS.contains(&base) || base.starts_with("python") {
            if INTERPRETERS.contains(&base) || base.starts_with("python") {
                match words.peek() {
                    // `sh -c '/tmp/x …'`: the string's first word is the program.
                    Some(&"-c") if is_shell(base) => {
                        words.next();
                        after_wrapper = false;
                        continue;
                    }
                    // `python -c '…'`, `perl -e '…'`: code, not a file.
                    Some(w) if w.starts_with("-c") || *w == "-e" => return None,
                    _ => {}
                }
            }
            after_wrapper = true;
            continue;
        }
        return Some(word);
    }
    None
}

/// Structural hits for one command.
pub fn hits(command: &str) -> Vec<Hit> {
    let mut out = Vec::new();
    let mut cd_into_writable = false;
    for segment in segments(command) {
        if let Some(rest) = segment.strip_prefix("cd ") {
            let dir = rest.trim().trim_matches(|c| c == '"' || c == '\'');
            cd_into_writable = WRITABLE_DIRS
                .iter()
                .any(|d| dir == d.trim_end_matches('/') || dir.starts_with(d))
                || place_of(dir) == Some(Place::Hidden);
            continue;
        }
        let Some(word) = program_word(segment) else {
            continue;
        };
        let place = if cd_into_writable && word.starts_with("./") {
            Some(Place::Writable)
        } else {
            place_of(word)
        };
        let (rule, category, severity, reason, reason_zh) = match place {
            Some(Place::Writable) => (
                "structure.exec_from_writable",
                "exec_from_writable",
                Severity::High,
                "Runs a program from a world-writable directory (/tmp, /var/tmp, /dev/shm), where attackers stage their tools",
                "从任何用户都可写的目录（/tmp、/var/tmp、/dev/shm）运行程序，攻击者常在此放置工具",
            ),
            Some(Place::Hidden) => (
                "structure.exec_from_hidden",
                "hidden_path",
                if in_system_dir(word) {
                    Severity::High
                } else {
                    Severity::Medium
                },
                "Runs a program from a hidden directory or a hidden file",
                "从隐藏目录或隐藏文件运行程序",
            ),
            None => continue,
        };
        if out.iter().any(|h: &Hit| h.rule == rule) {
            continue;
        }
        out.push(Hit {
            rule: rule.into(),
            category: category.into(),
            severity,
            excerpt: crate::excerpt(segment),
            reason: reason.into(),
            reason_zh: reason_zh.into(),
            attack: "T1059.004".into(),
            decoded_from: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(cmd: &str) -> Vec<String> {
        hits(cmd).into_iter().map(|h| h.rule).collect()
    }

    #[test]
    fn finds_programs_in_writable_and_hidden_places() {
        assert_eq!(
            rules("/tmp/kworker -o pool:3333"),
            ["structure.exec_from_writable"]
        );
        assert_eq!(
            rules("cd /dev/shm && chmod +x x && ./x"),
            ["structure.exec_from_writable"]
        );
        assert_eq!(
            rules("nohup sudo /var/tmp/.a/b >/dev/null 2>&1 &"),
            ["structure.exec_from_writable"]
        );
        assert_eq!(rules("bash /tmp/run.sh"), ["structure.exec_from_writable"]);
        assert_eq!(
            rules("/bin/sh -c '/dev/shm/.u &'"),
            ["structure.exec_from_writable"]
        );
        assert_eq!(rules("/usr/lib/.x/sshd -D"), ["structure.exec_from_hidden"]);
        assert_eq!(hits("/usr/lib/.x/sshd -D")[0].severity, Severity::High);
        assert_eq!(hits("/root/.s/bot")[0].severity, Severity::Medium);
        assert_eq!(
            rules("TERM=xterm /root/.s/bot"),
            ["structure.exec_from_hidden"]
        );
    }

    #[test]
    fn ordinary_commands_are_quiet() {
        for cmd in [
            "rm -f /tmp/f",
            "cat /tmp/log | grep x",
            "sh -c 'echo hi'",
            "~/.local/bin/poetry install",
            ". ~/.bash_aliases",
            ". ~/.cargo/env",
            "/root/.cargo/bin",
            "/usr/bin/test -x /usr/sbin/anacron || exit 0",
            "cd /var/www && ./artisan migrate",
            "timeout 30 /usr/bin/flock -n /run/x.lock true",
            "",
            "&&;;||",
        ] {
            assert!(hits(cmd).is_empty(), "{cmd}");
        }
    }
}
