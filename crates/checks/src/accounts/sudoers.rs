//! `accounts.sudoers` — sudo rules that hand out root too freely, wherever they are included.
//!
//! **What it looks at:** `/etc/sudoers` and every file it pulls in (`@includedir
//! /etc/sudoers.d`, `#include`, relative includes), parsed by `huoyan_artifacts::sudoers`:
//! `NOPASSWD` rules, `ALL` granted to anyone but root and the admin groups (`%sudo`, `%wheel`,
//! `%admin`), commands that escape to a shell (vim, find, python, tar … as listed by GTFOBins),
//! commands in writable places, `Defaults` that switch off authentication or logging or keep
//! `LD_PRELOAD`, and includes from unusual places.
//!
//! **Why an attacker leaves this trace:** one line in a drop-in (`www-data ALL=(ALL) NOPASSWD:
//! ALL` in `/etc/sudoers.d/README~x`) makes every later foothold root without a password, and
//! survives the removal of the web shell that put it there.
//!
//! **Example:** `/etc/sudoers.d/90-cloud: www-data ALL=(ALL:ALL) NOPASSWD: ALL` (line 3).
//!
//! **ATT&CK:** T1548.003 (Abuse Elevation Control Mechanism: Sudo and Sudo Caching).

use huoyan_artifacts::sudoers::{self, Entry, EntryKind, SudoersFile};
use huoyan_core::{CheckInfo, Finding, Outcome, Severity};
use serde_json::json;

use crate::registry::{Area, Check};
use crate::Context;

/// See the module documentation.
pub struct SudoersRules;

static INFO: CheckInfo = CheckInfo {
    id: "accounts.sudoers",
    title: "Risky sudo rule",
    title_zh: "存在高风险的 sudo 规则",
    mitre: &["T1548.003"],
    remediation: "Check with the administrators whether the rule is intended; remove it with \
                  visudo (or delete the drop-in file), then review what the user ran with sudo \
                  (auth log `sudo:` lines, journal).",
    remediation_zh: "向管理员确认该规则是否为有意配置；使用 visudo 删除该规则（或删除对应的 \
                     sudoers.d 文件），并审查该用户通过 sudo 执行过的命令（认证日志中的 sudo 记录、journal）。",
};

/// Principals that are expected to hold full sudo.
const ADMINS: &[&str] = &["root", "%sudo", "%wheel", "%admin", "%root"];

/// Programs that give a shell (or arbitrary file writes) when run through sudo (GTFOBins).
const SHELL_ESCAPES: &[&str] = &[
    "sh",
    "bash",
    "dash",
    "zsh",
    "ksh",
    "csh",
    "tcsh",
    "fish",
    "ash",
    "busybox",
    "su",
    "python",
    "python2",
    "python3",
    "perl",
    "ruby",
    "lua",
    "php",
    "node",
    "awk",
    "gawk",
    "mawk",
    "nawk",
    "find",
    "vi",
    "vim",
    "vim.basic",
    "vim.tiny",
    "nvim",
    "nano",
    "ed",
    "emacs",
    "less",
    "more",
    "man",
    "tar",
    "zip",
    "env",
    "nmap",
    "git",
    "ftp",
    "gdb",
    "strace",
    "tcpdump",
    "docker",
    "cp",
    "mv",
    "tee",
    "dd",
    "chmod",
    "chown",
    "rsync",
    "scp",
    "ssh",
    "socat",
    "nc",
    "ncat",
    "openssl",
    "sed",
    "journalctl",
    "systemctl",
    "apt",
    "apt-get",
    "yum",
    "dnf",
    "pip",
    "pip3",
    "npm",
    "make",
    "xargs",
    "timeout",
    "nice",
    "script",
    "expect",
    "crontab",
    "mount",
    "install",
];

/// Settings that keep attacker-controlled variables across sudo.
const DANGEROUS_ENV: &[&str] = &[
    "LD_PRELOAD",
    "LD_LIBRARY_PATH",
    "PYTHONPATH",
    "PERL5LIB",
    "PERL5OPT",
    "BASH_ENV",
    "ENV",
];

fn writable_place(path: &str) -> bool {
    ["/tmp/", "/var/tmp/", "/dev/shm/", "/home/", "/run/user/"]
        .iter()
        .any(|p| path.starts_with(p))
        || path
            .split('/')
            .any(|c| c.starts_with('.') && c.len() > 1 && c != "..")
}

fn program_name(command: &str) -> &str {
    let first = command.split_whitespace().next().unwrap_or("");
    first.rsplit('/').next().unwrap_or(first)
}

struct Ctx<'a> {
    file: &'a SudoersFile,
    entry: &'a Entry,
}

impl Ctx<'_> {
    fn finding(&self, severity: Severity, what: String) -> Finding {
        INFO.finding(
            severity,
            format!("{} (line {}): {what}", self.file.path, self.entry.line),
        )
        .path(self.file.path.clone())
        .evidence(json!({
            "file": self.file.path,
            "line": self.entry.line,
            "text": self.entry.text,
            "included_from": self.file.included_from,
        }))
    }
}

/// Expands user aliases one level (aliases of aliases are rare and bounded here).
fn expand_users(users: &[String], files: &[SudoersFile]) -> Vec<String> {
    let mut out = Vec::new();
    for u in users {
        let alias = files
            .iter()
            .flat_map(|f| &f.entries)
            .find_map(|e| match &e.kind {
                EntryKind::Alias {
                    alias_kind,
                    name,
                    members,
                } if alias_kind == "User_Alias" && name == u => Some(members.clone()),
                _ => None,
            });
        match alias {
            Some(members) => out.extend(members),
            None => out.push(u.clone()),
        }
    }
    out
}

fn check_defaults(c: &Ctx, scope: &str, settings: &[String], out: &mut Outcome) {
    for s in settings {
        let compact: String = s.chars().filter(|ch| !ch.is_whitespace()).collect();
        let (severity, what) = if compact == "!authenticate" {
            if scope.is_empty() {
                (
                    Severity::Critical,
                    "`Defaults !authenticate`: sudo never asks for a password".to_string(),
                )
            } else {
                (
                    Severity::High,
                    format!("`Defaults{scope} !authenticate`: no password for that scope"),
                )
            }
        } else if compact.starts_with("env_keep")
            && DANGEROUS_ENV.iter().any(|v| compact.contains(v))
        {
            (
                Severity::High,
                format!("`{s}` keeps a code-injection variable across sudo"),
            )
        } else if compact == "!env_reset" {
            (
                Severity::Medium,
                "`!env_reset`: the caller's whole environment reaches root".into(),
            )
        } else if matches!(
            compact.as_str(),
            "!syslog"
                | "!logfile"
                | "logfile=/dev/null"
                | "syslog=false"
                | "!log_allowed"
                | "!log_denied"
        ) {
            (
                Severity::Medium,
                format!("`{s}` hides sudo use from the logs"),
            )
        } else if compact == "visiblepw" {
            (
                Severity::Low,
                "`visiblepw` lets sudo read passwords without a terminal".into(),
            )
        } else {
            continue;
        };
        out.add(c.finding(severity, what));
    }
}

fn check_user_spec(
    c: &Ctx,
    spec: &sudoers::UserSpec,
    files: &[SudoersFile],
    ctx: &Context,
    uid_min: u32,
    out: &mut Outcome,
) {
    let principals = expand_users(&spec.users, files);
    for principal in &principals {
        // A person who is already in an admin group gains nothing from a rule of their own
        // (cloud images write `ubuntu ALL=(ALL) NOPASSWD:ALL` for the sudo-group user).
        let system_account = ctx
            .users()
            .user(principal)
            .and_then(|p| p.uid)
            .is_some_and(|u| u != 0 && u < uid_min);
        let admin = ADMINS.contains(&principal.as_str())
            || (!system_account
                && ["sudo", "wheel", "admin"]
                    .iter()
                    .any(|g| ctx.users().members_of(g).contains(principal)));
        let everyone = principal == "ALL";
        for cmd in &spec.commands {
            if cmd.command.starts_with('!') {
                continue; // a restriction, not a grant
            }
            let prog = program_name(&cmd.command);
            let (severity, what) = if cmd.is_all() {
                match (admin, cmd.nopasswd()) {
                    (true, false) => continue,
                    (true, true) => (
                        Severity::Low,
                        format!("{principal} (an admin) may run ALL with NOPASSWD"),
                    ),
                    (false, nopw) => {
                        let base = if everyone || system_account {
                            Severity::Critical
                        } else if nopw {
                            Severity::High
                        } else {
                            Severity::Medium
                        };
                        let kind = if system_account {
                            "system account "
                        } else {
                            ""
                        };
                        (
                            base,
                            format!(
                                "{kind}{principal} may run ALL{}",
                                if nopw { " with NOPASSWD" } else { "" }
                            ),
                        )
                    }
                }
            } else if writable_place(&cmd.command) {
                (
                    Severity::High,
                    format!(
                        "{principal} may run {} from a writable or hidden place",
                        cmd.command
                    ),
                )
            } else if !admin && SHELL_ESCAPES.contains(&prog) {
                let severity = if cmd.nopasswd() || system_account || everyone {
                    Severity::High
                } else {
                    Severity::Medium
                };
                (
                    severity,
                    format!(
                        "{principal} may run {}{} — it escapes to a root shell",
                        cmd.command,
                        if cmd.nopasswd() { " with NOPASSWD" } else { "" }
                    ),
                )
            } else if cmd.nopasswd() && !admin {
                (
                    Severity::Low,
                    format!("{principal} may run {} with NOPASSWD", cmd.command),
                )
            } else {
                continue;
            };
            let mut f = c.finding(severity, what);
            if !principal.starts_with(['%', '+']) && !everyone {
                f = f.user(principal.clone());
            }
            out.add(f);
        }
    }
}

impl Check for SudoersRules {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn area(&self) -> Area {
        Area::Accounts
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let (files, errors) = sudoers::read_tree(&ctx.root);
        for e in &errors {
            // A missing /etc/sudoers just means sudo is not installed.
            out.gap_from(INFO.id, e, e.path() == "/etc/sudoers");
        }
        let uid_min = huoyan_artifacts::login_defs::read(&ctx.root).uid_min;
        for file in &files {
            if file.included_from.is_some() && !file.path.starts_with("/etc/sudoers.d/") {
                let severity = if writable_place(&file.path) {
                    Severity::High
                } else {
                    Severity::Medium
                };
                out.add(
                    INFO.finding(
                        severity,
                        format!(
                            "sudoers includes {} (from {}), outside /etc/sudoers.d",
                            file.path,
                            file.included_from.as_deref().unwrap_or("?")
                        ),
                    )
                    .path(file.path.clone())
                    .evidence(json!({"file": file.path, "included_from": file.included_from})),
                );
            }
            for entry in &file.entries {
                let c = Ctx { file, entry };
                match &entry.kind {
                    EntryKind::Defaults { scope, settings } => {
                        check_defaults(&c, scope, settings, out)
                    }
                    EntryKind::User(spec) => check_user_spec(&c, spec, &files, ctx, uid_min, out),
                    EntryKind::Unparsed => out.add(c.finding(
                        Severity::Low,
                        "line sudo may not accept (visudo -c would tell)".into(),
                    )),
                    EntryKind::Include { .. } | EntryKind::Alias { .. } => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::testing::{root_with, run_default, DEBIAN_PASSWD};

    /// Debian 12's /etc/sudoers (sudo 1.9.13p3), comments trimmed.
    pub(crate) const DEBIAN_SUDOERS: &str = "Defaults\tenv_reset\nDefaults\tmail_badpass\n\
Defaults\tsecure_path=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"\n\
Defaults\tuse_pty\n# User privilege specification\nroot\tALL=(ALL:ALL) ALL\n\
%sudo\tALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n";

    #[test]
    fn flags_backdoor_rules() {
        let dir = root_with(&[
            ("/etc/passwd", DEBIAN_PASSWD),
            ("/etc/sudoers", DEBIAN_SUDOERS),
            ("/etc/sudoers.d/README", "# nothing\n#include /var/tmp/.s\n"),
            ("/var/tmp/.s", "www-data ALL=(ALL:ALL) NOPASSWD: ALL\n"),
            ("/etc/sudoers.d/ops", "Defaults:alice !authenticate\nalice ALL=(root) NOPASSWD: /usr/bin/vim /etc/hosts\nbackup ALL = NOPASSWD: /usr/sbin/logrotate\n"),
        ]);
        let out = run_default(&SudoersRules, dir.path());
        let has = |needle: &str, sev: Severity| {
            out.findings
                .iter()
                .any(|f| f.summary.contains(needle) && f.severity == sev)
        };
        assert!(
            has(
                "system account www-data may run ALL with NOPASSWD",
                Severity::Critical
            ),
            "{:#?}",
            out.findings
        );
        assert!(has("outside /etc/sudoers.d", Severity::High));
        assert!(has("!authenticate", Severity::High));
        assert!(has("escapes to a root shell", Severity::High));
        assert!(has("logrotate with NOPASSWD", Severity::Low));
    }

    #[test]
    fn cloud_init_rule_for_sudo_member_is_low() {
        let passwd = format!("{DEBIAN_PASSWD}ubuntu:x:1001:1001::/home/ubuntu:/bin/bash\n");
        let dir = root_with(&[
            ("/etc/passwd", &passwd),
            ("/etc/group", "sudo:x:27:ubuntu\n"),
            ("/etc/sudoers", DEBIAN_SUDOERS),
            (
                "/etc/sudoers.d/90-cloud-init-users",
                "# Created by cloud-init\nubuntu ALL=(ALL) NOPASSWD:ALL\n",
            ),
        ]);
        let out = run_default(&SudoersRules, dir.path());
        assert_eq!(out.findings.len(), 1, "{:#?}", out.findings);
        assert_eq!(
            out.findings[0].severity,
            Severity::Low,
            "{:#?}",
            out.findings
        );
    }

    #[test]
    fn debian_default_is_quiet() {
        let dir = root_with(&[
            ("/etc/passwd", DEBIAN_PASSWD),
            ("/etc/sudoers", DEBIAN_SUDOERS),
            (
                "/etc/sudoers.d/README",
                "#\n# The default /etc/sudoers file created on installation of the\n",
            ),
        ]);
        let out = run_default(&SudoersRules, dir.path());
        assert!(out.findings.is_empty(), "{:#?}", out.findings);
        assert!(out.gaps.is_empty());
    }
}
