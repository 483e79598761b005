//! `accounts.sudoers` — sudo rules that hand out root too freely, wherever they are included.
//!
//! **What it looks at:** `/etc/sudoers` and every file it pulls in (`@includedir
//! /etc/sudoers.d`, `#include`, relative includes), parsed by `huoyan_artifacts::sudoers`:
//! `NOPASSWD` rules, `ALL` granted to anyone but root and the admin groups (`%sudo`, `%wheel`,
//! `%admin`), commands that escape to a shell with the arguments the rule allows (vim, less,
//! `find` with any arguments, `env /bin/sh`, a script someone else can change … GTFOBins facts,
//! see `sudo_escape`; `systemctl reload nginx` does not escape), commands in writable places,
//! `Defaults` that switch off authentication or logging or keep `LD_PRELOAD`, and includes from
//! unusual places.
//!
//! **Evidence or hardening:** a sudo rule is a weakness of the host, reported as hardening. It
//! is evidence only with signs that an intruder wrote it: the file changed inside the window of
//! interest, it is included from a writable place, or the rule is for an account created or
//! changed inside the window (the signs are listed in the finding's evidence).
//!
//! **Why an attacker leaves this trace:** one line in a drop-in (`www-data ALL=(ALL) NOPASSWD:
//! ALL` in `/etc/sudoers.d/README~x`) makes every later foothold root without a password, and
//! survives the removal of the web shell that put it there.
//!
//! **Example:** `/etc/sudoers.d/90-cloud: www-data ALL=(ALL:ALL) NOPASSWD: ALL` (line 3).
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1548.003 (Abuse Elevation Control Mechanism: Sudo and Sudo Caching).

use huoyan_artifacts::sudoers::{self, Entry, EntryKind, SudoersFile};
use huoyan_core::{CheckInfo, Finding, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
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

/// True when someone other than root can change the file at `path` (or replace it: its
/// directory is theirs or writable by all without the sticky bit). Missing files are not.
fn changeable_by_others(ctx: &Context, path: &str) -> bool {
    if writable_place(path) {
        return true;
    }
    let weak = |m: &huoyan_core::Meta, dir: bool| {
        m.uid != 0
            || m.perm() & 0o002 != 0 && !(dir && m.perm() & 0o1000 != 0)
            || m.perm() & 0o020 != 0 && m.gid != 0
    };
    if ctx.root.stat(path).is_ok_and(|m| weak(&m, false)) {
        return true;
    }
    let parent = path.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
    !parent.is_empty() && ctx.root.stat(parent).is_ok_and(|m| weak(&m, true))
}

struct Ctx<'a> {
    file: &'a SudoersFile,
    entry: &'a Entry,
    /// Signs that the file was written by an intruder rather than an administrator (its change
    /// time inside the window, an include from a writable place).
    file_signs: &'a [String],
}

impl Ctx<'_> {
    /// A finding about this line: evidence when `signs` (of the file or of the line) say an
    /// intruder wrote it, hardening otherwise — a rule is a weakness, not an act.
    fn finding(&self, severity: Severity, what: String, signs: &[String]) -> Finding {
        let f = INFO
            .finding(
                severity,
                format!("{} (line {}): {what}", self.file.path, self.entry.line),
            )
            .path(self.file.path.clone())
            .evidence(json!({
                "file": self.file.path,
                "line": self.entry.line,
                "text": self.entry.text,
                "included_from": self.file.included_from,
                "signs_of_intrusion": signs,
            }));
        if signs.is_empty() {
            f.hardening()
        } else {
            f
        }
    }
}

/// Expands user aliases one level (aliases of aliases are rare and bounded here).
fn expand_users(users: &[String], files: &[SudoersFile]) -> Vec<String> {
    expand_alias("User_Alias", users, files)
}

/// Replaces alias names of `kind` by their members (one level).
fn expand_alias(kind: &str, items: &[String], files: &[SudoersFile]) -> Vec<String> {
    let mut out = Vec::new();
    for u in items {
        let alias = files
            .iter()
            .flat_map(|f| &f.entries)
            .find_map(|e| match &e.kind {
                EntryKind::Alias {
                    alias_kind,
                    name,
                    members,
                } if alias_kind == kind && name == u => Some(members.clone()),
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
            && s.split(|c: char| c.is_whitespace() || matches!(c, '"' | '=' | '+' | ','))
                .any(|word| DANGEROUS_ENV.contains(&word))
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
        let signs = if severity >= Severity::Medium {
            c.file_signs
        } else {
            &[]
        };
        out.add(c.finding(severity, what, signs));
    }
}

/// Facts about who a principal is, for judging a rule written for them.
struct Principal {
    system_account: bool,
    admin: bool,
    everyone: bool,
    /// Set when the account was created or changed inside the window.
    recent: Option<String>,
}

fn principal_facts(
    principal: &str,
    ctx: &Context,
    uid_min: u32,
    recent: &[super::recent::RecentAccountFacts],
) -> Principal {
    // A person who is already in an admin group gains nothing from a rule of their own
    // (cloud images write `ubuntu ALL=(ALL) NOPASSWD:ALL` for the sudo-group user).
    let system_account = ctx
        .users()
        .user(principal)
        .and_then(|p| p.uid)
        .is_some_and(|u| u != 0 && u < uid_min);
    let admin = ADMINS.contains(&principal)
        || (!system_account
            && ["sudo", "wheel", "admin"]
                .iter()
                .any(|g| ctx.users().members_of(g).iter().any(|m| m == principal)));
    let members: Vec<String> = match principal.strip_prefix('%') {
        Some(group) => ctx.users().members_of(group),
        None => vec![principal.to_string()],
    };
    let recent = recent.iter().find(|r| members.contains(&r.name)).map(|r| {
        format!(
            "account {} was created or changed inside the window",
            r.name
        )
    });
    Principal {
        system_account,
        admin,
        everyone: principal == "ALL",
        recent,
    }
}

/// True when the run-as list lets the command run as root.
fn runs_as_root(runas: Option<&str>) -> bool {
    let Some(runas) = runas else {
        return true;
    };
    let users = runas.split(':').next().unwrap_or("");
    users.trim().is_empty()
        || users
            .split(',')
            .map(str::trim)
            .any(|u| matches!(u, "ALL" | "root" | "#0" | "%root"))
}

fn check_user_spec(
    c: &Ctx,
    spec: &sudoers::UserSpec,
    files: &[SudoersFile],
    ctx: &Context,
    uid_min: u32,
    recent: &[super::recent::RecentAccountFacts],
    out: &mut Outcome,
) {
    let principals = expand_users(&spec.users, files);
    for principal in &principals {
        let who = principal_facts(principal, ctx, uid_min, recent);
        let Principal {
            system_account,
            admin,
            everyone,
            ..
        } = who;
        // Commands named through a Cmnd_Alias are judged by the alias's members.
        let mut commands = Vec::new();
        for cmd in &spec.commands {
            for command in expand_alias("Cmnd_Alias", std::slice::from_ref(&cmd.command), files) {
                commands.push(sudoers::CmndSpec {
                    command,
                    ..cmd.clone()
                });
            }
        }
        for cmd in &commands {
            if cmd.command.starts_with('!') {
                continue; // a restriction, not a grant
            }
            let as_root = runs_as_root(cmd.runas.as_deref());
            let target = if as_root {
                "root".to_string()
            } else {
                cmd.runas.clone().unwrap_or_default()
            };
            let (severity, what) = if cmd.is_all() {
                match (admin, cmd.nopasswd()) {
                    (true, false) => continue,
                    (true, true) => (
                        Severity::Low,
                        format!("{principal} (an admin) may run ALL with NOPASSWD"),
                    ),
                    (false, nopw) => {
                        let base = if !as_root {
                            Severity::Medium
                        } else if everyone || system_account {
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
                                "{kind}{principal} may run ALL as {target}{}",
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
            } else if let Some(escape) = (!admin)
                .then(|| {
                    super::sudo_escape::escape(&cmd.command, &|p| changeable_by_others(ctx, p))
                })
                .flatten()
            {
                let severity = if !as_root {
                    Severity::Medium
                } else if cmd.nopasswd() || system_account || everyone {
                    Severity::High
                } else {
                    Severity::Medium
                };
                (
                    severity,
                    format!(
                        "{principal} may run {}{} — it escapes to a shell as {target} ({})",
                        cmd.command,
                        if cmd.nopasswd() { " with NOPASSWD" } else { "" },
                        escape.reason
                    ),
                )
            } else if cmd.nopasswd() && !admin {
                (
                    Severity::Low,
                    format!(
                        "{principal} may run {} as {target} with NOPASSWD (fixed command, no known shell escape)",
                        cmd.command
                    ),
                )
            } else {
                continue;
            };
            // A dangerous grant in a file an intruder may have written, or for an account
            // born in the window, is evidence; any other rule is a weakness of the host.
            let mut signs: Vec<String> = Vec::new();
            if severity >= Severity::Medium {
                signs.extend(c.file_signs.iter().cloned());
                signs.extend(who.recent.clone());
            }
            let mut f = c.finding(severity, what, &signs);
            if let Some(group) = principal.strip_prefix('%') {
                for member in ctx.users().members_of(group) {
                    f = f.user(member);
                }
            } else if !principal.starts_with('+') && !everyone {
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

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let (files, errors) = sudoers::read_tree(&ctx.root);
        for e in &errors {
            // A missing /etc/sudoers just means sudo is not installed.
            out.gap_from(INFO.id, e, e.path() == "/etc/sudoers");
        }
        let uid_min = huoyan_artifacts::login_defs::read(&ctx.root).uid_min;
        let recent = super::recent::recent_accounts(ctx);
        for file in &files {
            let mut file_signs = Vec::new();
            if let Ok(meta) = ctx.root.stat(&file.path) {
                if crate::persistence::changed_within_window(ctx, &meta) {
                    file_signs.push(format!(
                        "{} changed inside the window (mtime {}, ctime {})",
                        file.path,
                        meta.mtime
                            .map(huoyan_core::time::format_short)
                            .unwrap_or_default(),
                        meta.ctime
                            .map(huoyan_core::time::format_short)
                            .unwrap_or_default()
                    ));
                }
            }
            if file.included_from.is_some() && writable_place(&file.path) {
                file_signs.push(format!("{} is in a writable or hidden place", file.path));
            }
            if file.included_from.is_some() && !file.path.starts_with("/etc/sudoers.d/") {
                let severity = if writable_place(&file.path) {
                    Severity::High
                } else {
                    Severity::Medium
                };
                let f = INFO
                    .finding(
                        severity,
                        format!(
                            "sudoers includes {} (from {}), outside /etc/sudoers.d",
                            file.path,
                            file.included_from.as_deref().unwrap_or("?")
                        ),
                    )
                    .path(file.path.clone())
                    .evidence(json!({
                        "file": file.path,
                        "included_from": file.included_from,
                        "signs_of_intrusion": file_signs,
                    }));
                out.add(if file_signs.is_empty() {
                    f.hardening()
                } else {
                    f
                });
            }
            for entry in &file.entries {
                let c = Ctx {
                    file,
                    entry,
                    file_signs: &file_signs,
                };
                match &entry.kind {
                    EntryKind::Defaults { scope, settings } => {
                        check_defaults(&c, scope, settings, out)
                    }
                    EntryKind::User(spec) => {
                        check_user_spec(&c, spec, &files, ctx, uid_min, &recent, out)
                    }
                    EntryKind::Unparsed => out.add(c.finding(
                        Severity::Low,
                        "line sudo may not accept (visudo -c would tell)".into(),
                        &[],
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

    /// Debian 12's /etc/sudoers (sudo 1.9.13p3-1+deb12u4), comments trimmed.
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
            ("/etc/sudoers.d/ops", "Defaults:alice !authenticate\nalice ALL=(root) NOPASSWD: /usr/bin/vim /etc/hosts\nbackup ALL = NOPASSWD: /usr/sbin/logrotate /etc/logrotate.conf\n"),
        ]);
        let out = run_default(&SudoersRules, dir.path());
        let has = |needle: &str, sev: Severity| {
            out.findings
                .iter()
                .any(|f| f.summary.contains(needle) && f.severity == sev)
        };
        assert!(
            has(
                "system account www-data may run ALL as root with NOPASSWD",
                Severity::Critical
            ),
            "{:#?}",
            out.findings
        );
        assert!(has("outside /etc/sudoers.d", Severity::High));
        assert!(has("!authenticate", Severity::High));
        assert!(has("escapes to a shell as root", Severity::High));
        assert!(has("logrotate.conf as root with NOPASSWD", Severity::Low));
        // Written just now, inside the default window: the dangerous rules are evidence, the
        // fixed logrotate rule is still only hardening.
        for f in &out.findings {
            assert_eq!(f.is_evidence(), f.severity >= Severity::Medium, "{f:#?}");
        }
    }

    /// A window that ends before the files were written: nothing says an intruder wrote them.
    fn old_files() -> huoyan_core::Window {
        huoyan_core::Window {
            since: huoyan_core::time::from_unix(4_000_000_000, 0),
            until: None,
        }
    }

    #[test]
    fn fixed_service_command_is_hardening_not_an_escape() {
        let passwd = format!("{DEBIAN_PASSWD}deploy:x:1001:1001::/home/deploy:/bin/bash\n");
        let dir = root_with(&[
            ("/etc/passwd", &passwd),
            ("/etc/sudoers", DEBIAN_SUDOERS),
            (
                "/etc/sudoers.d/deploy",
                "Cmnd_Alias WEB = /usr/bin/systemctl reload nginx, /usr/bin/systemctl restart php8.2-fpm\n\
                 deploy ALL=(root) NOPASSWD: WEB, /usr/sbin/nginx -t\n",
            ),
        ]);
        for out in [
            run_default(&SudoersRules, dir.path()),
            crate::accounts::testing::run(&SudoersRules, dir.path(), old_files()),
        ] {
            assert_eq!(out.findings.len(), 3, "{:#?}", out.findings);
            for f in &out.findings {
                assert_eq!(f.severity, Severity::Low, "{f:#?}");
                assert!(!f.is_evidence(), "{f:#?}");
                assert!(!f.summary.contains("escapes"), "{f:#?}");
            }
        }
    }

    #[test]
    fn escaping_rule_is_hardening_without_signs_of_intrusion() {
        let passwd = format!("{DEBIAN_PASSWD}deploy:x:1001:1001::/home/deploy:/bin/bash\n");
        let dir = root_with(&[
            ("/etc/passwd", &passwd),
            ("/etc/sudoers", DEBIAN_SUDOERS),
            (
                "/etc/sudoers.d/deploy",
                "deploy ALL=(root) NOPASSWD: /usr/bin/less /var/log/nginx/error.log\n\
                 www-data ALL=(ALL) NOPASSWD: ALL\n",
            ),
        ]);
        let out = crate::accounts::testing::run(&SudoersRules, dir.path(), old_files());
        let less = out
            .findings
            .iter()
            .find(|f| f.summary.contains("less"))
            .expect("less");
        assert_eq!(less.severity, Severity::High);
        assert!(less.summary.contains("escapes to a shell as root"));
        assert!(!less.is_evidence());
        let all = out
            .findings
            .iter()
            .find(|f| f.summary.contains("www-data"))
            .expect("www-data");
        assert_eq!(all.severity, Severity::Critical);
        assert!(!all.is_evidence(), "{all:#?}");
    }

    #[test]
    fn rule_for_an_account_created_in_the_window_is_evidence() {
        let today = huoyan_core::time::now().as_second() / 86_400;
        let passwd = format!("{DEBIAN_PASSWD}sysops:x:1002:1002::/nonexistent:/bin/bash\n");
        let mut shadow = String::new();
        for line in DEBIAN_PASSWD.lines() {
            let name = line.split(':').next().unwrap_or("");
            shadow.push_str(&format!("{name}:*:{}:0:99999:7:::\n", today - 400));
        }
        shadow.push_str(&format!("sysops:$y$j9T$x$y:{}:0:99999:7:::\n", today - 1));
        let dir = root_with(&[
            ("/etc/passwd", &passwd),
            ("/etc/shadow", &shadow),
            ("/etc/sudoers", DEBIAN_SUDOERS),
            (
                "/etc/sudoers.d/ops",
                "sysops ALL=(ALL) NOPASSWD: /usr/bin/find\n",
            ),
        ]);
        let window = huoyan_core::Window {
            since: huoyan_core::time::from_unix((today - 30) * 86_400, 0),
            until: huoyan_core::time::from_unix((today - 1) * 86_400 + 3600, 0),
        };
        let out = crate::accounts::testing::run(&SudoersRules, dir.path(), window);
        assert_eq!(out.findings.len(), 1, "{:#?}", out.findings);
        let f = &out.findings[0];
        assert!(f.is_evidence(), "{f:#?}");
        assert_eq!(f.severity, Severity::High);
        assert!(f.evidence["signs_of_intrusion"][0]
            .as_str()
            .is_some_and(|s| s.contains("sysops")));
    }

    #[test]
    fn command_aliases_and_groups_are_expanded() {
        let dir = root_with(&[
            ("/etc/passwd", DEBIAN_PASSWD),
            ("/etc/group", "devs:x:1500:alice\n"),
            ("/etc/sudoers", "Cmnd_Alias TOOLS = /usr/bin/less, /usr/sbin/logrotate\n%devs ALL = NOPASSWD: TOOLS\n"),
        ]);
        let out = run_default(&SudoersRules, dir.path());
        let less = out
            .findings
            .iter()
            .find(|f| f.summary.contains("/usr/bin/less"))
            .expect("less");
        assert_eq!(less.severity, Severity::High);
        assert_eq!(less.users, vec!["alice"]);
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
