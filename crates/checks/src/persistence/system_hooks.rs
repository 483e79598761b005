//! `persistence.system_hooks` — commands run by udev, inetd/xinetd and the module loader.
//!
//! **What it looks at:**
//! - udev rules (`/etc/udev/rules.d`, `/run/udev/rules.d`, `/lib/udev/rules.d`,
//!   `/usr/lib/udev/rules.d`, `/usr/local/lib/udev/rules.d`): `RUN+=`, `PROGRAM=`,
//!   `IMPORT{program}=` commands go through the command detector; in the admin directories
//!   (/etc, /run, /usr/local) every `RUN` that starts a shell is reported (medium);
//! - `/etc/inetd.conf`, `/etc/xinetd.conf`, `/etc/xinetd.d/*`: an enabled service whose server is
//!   a shell is a bind shell (critical); every server command is scanned;
//! - `/etc/modprobe.d`, `/run/modprobe.d`, `/lib/modprobe.d`, `/usr/lib/modprobe.d`: `install`
//!   lines that run anything but modprobe or true/false (medium, or the detector's verdict);
//! - `/etc/modules`, `/etc/modules-load.d`, `/run/modules-load.d`, `/usr/lib/modules-load.d`:
//!   module names of known LKM rootkits (critical).
//!
//! Files changed within the window are reported (low).
//!
//! **Why an attacker leaves this trace:** udev runs `RUN` commands as root whenever a matching
//! device event happens (including at boot); inetd hands a shell to anyone connecting to a port;
//! a modprobe `install` hook runs a command whenever a common module is loaded; modules-load.d
//! brings a rootkit module back at every boot.
//!
//! **Example:** `/etc/udev/rules.d/75-net.rules` line 1: `ACTION=="add", RUN+="/bin/sh -c
//! '/dev/shm/.u &'"` (high).
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1546 (Event Triggered Execution), T1547.006 (Kernel Modules and Extensions).

use huoyan_artifacts::persistence::config::{
    parse_inetd, parse_modprobe_installs, parse_module_list, parse_udev_rules, parse_xinetd,
    NamedCommand,
};
use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use super::common::{distinct_dirs, read_dir_files, read_file, report_recent};
use crate::command_findings::{scan_and_report, CommandSource};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct SystemHooks;

static INFO: CheckInfo = CheckInfo {
    id: "persistence.system_hooks",
    title: "udev, inetd or kernel-module hook runs a suspicious command",
    title_zh: "udev、inetd 或内核模块钩子执行可疑命令",
    mitre: &["T1546", "T1547.006"],
    remediation: "Copy the rule or configuration out as evidence, remove the entry, reload \
                  (udevadm control --reload, restart inetd/xinetd), and for a module: check \
                  whether it is loaded now (/proc/modules) and preserve the .ko file.",
    remediation_zh: "先将规则或配置拷出留证，删除该条目并重新加载（udevadm control --reload、\
                     重启 inetd/xinetd）；对于内核模块，检查其当前是否已加载（/proc/modules）\
                     并保全 .ko 文件。",
};

const UDEV_DIRS: &[&str] = &[
    "/etc/udev/rules.d",
    "/run/udev/rules.d",
    "/usr/local/lib/udev/rules.d",
    "/lib/udev/rules.d",
    "/usr/lib/udev/rules.d",
];
const MODPROBE_DIRS: &[&str] = &[
    "/etc/modprobe.d",
    "/run/modprobe.d",
    "/lib/modprobe.d",
    "/usr/lib/modprobe.d",
];
const MODULES_LOAD_DIRS: &[&str] = &[
    "/etc/modules-load.d",
    "/run/modules-load.d",
    "/lib/modules-load.d",
    "/usr/lib/modules-load.d",
];

/// Names of Linux LKM rootkits seen in the wild (public reports).
const ROOTKIT_MODULES: &[&str] = &[
    "diamorphine",
    "reptile",
    "reptile_module",
    "suterusu",
    "kovid",
    "adore",
    "adore-ng",
    "nurupo",
    "rootfoo",
    "bdvl",
    "sutersu",
    "enyelkm",
    "knark",
    "modhide",
    "phalanx",
    "vlany",
    "azazel",
    "jynx",
    "kbeast",
    "ipsecs_kbeast_v1",
    "brootus",
    "spectre_rootkit",
    "drovorub",
    "singularity",
    "puszek",
];

fn is_shell(command: &str) -> bool {
    let first = command.split_whitespace().next().unwrap_or("");
    let base = first.rsplit('/').next().unwrap_or(first);
    matches!(
        base,
        "sh" | "bash" | "dash" | "zsh" | "ksh" | "ash" | "csh" | "tcsh" | "busybox"
    )
}

fn scan_named(path: &str, items: &[NamedCommand], what: &str, out: &mut Outcome) -> Vec<bool> {
    items
        .iter()
        .map(|item| {
            let label = format!("{what} {}", item.name);
            let source = CommandSource {
                path,
                line: item.line,
                user: Some("root"),
                time: None,
                what: &label,
            };
            !scan_and_report(&INFO, &source, &item.command, Severity::Low, out).is_empty()
        })
        .collect()
}

fn udev(ctx: &Context, out: &mut Outcome) {
    for dir in distinct_dirs(ctx, UDEV_DIRS) {
        let admin = !(dir.starts_with("/lib/") || dir.starts_with("/usr/lib/"));
        for (path, data, meta) in read_dir_files(ctx, &INFO, dir, out) {
            if !path.ends_with(".rules") {
                continue;
            }
            let items = parse_udev_rules(&data);
            let flagged = scan_named(&path, &items, "udev", out);
            for (item, hit) in items.iter().zip(flagged) {
                if admin && !hit && item.name.starts_with("RUN") && is_shell(&item.command) {
                    out.add(
                        INFO.finding(
                            Severity::Medium,
                            format!(
                                "udev rule {path}:{} starts a shell: {}",
                                item.line, item.command
                            ),
                        )
                        .path(&path)
                        .user("root")
                        .evidence(
                            json!({ "line": item.line, "key": item.name, "command": item.command }),
                        ),
                    );
                }
            }
            if admin {
                report_recent(ctx, &INFO, &path, &meta, "udev rule", out);
            }
        }
    }
}

fn inetd(ctx: &Context, out: &mut Outcome) {
    let mut files: Vec<(String, Vec<NamedCommand>)> = Vec::new();
    if let Some((data, meta)) = read_file(ctx, &INFO, "/etc/inetd.conf", out) {
        files.push(("/etc/inetd.conf".into(), parse_inetd(&data)));
        report_recent(
            ctx,
            &INFO,
            "/etc/inetd.conf",
            &meta,
            "inetd configuration",
            out,
        );
    }
    if let Some((data, _)) = read_file(ctx, &INFO, "/etc/xinetd.conf", out) {
        files.push(("/etc/xinetd.conf".into(), parse_xinetd(&data)));
    }
    for (path, data, meta) in read_dir_files(ctx, &INFO, "/etc/xinetd.d", out) {
        files.push((path.clone(), parse_xinetd(&data)));
        report_recent(ctx, &INFO, &path, &meta, "xinetd service", out);
    }
    for (path, services) in files {
        for s in &services {
            // inetd's server field is followed by argv[0]; either may be the shell.
            let mut words = s.command.split_whitespace();
            let server = words.next().unwrap_or("");
            if is_shell(server) {
                out.add(
                    INFO.finding(
                        Severity::Critical,
                        format!(
                            "network service {} at {path}:{} runs a shell: {}",
                            s.name, s.line, s.command
                        ),
                    )
                    .path(&path)
                    .user("root")
                    .evidence(json!({ "line": s.line, "service": s.name, "command": s.command })),
                );
            }
        }
        scan_named(&path, &services, "inetd service", out);
    }
}

fn modules(ctx: &Context, out: &mut Outcome) {
    for dir in distinct_dirs(ctx, MODPROBE_DIRS) {
        for (path, data, meta) in read_dir_files(ctx, &INFO, dir, out) {
            let installs = parse_modprobe_installs(&data);
            let flagged = scan_named(&path, &installs, "modprobe install hook for", out);
            for (item, hit) in installs.iter().zip(flagged) {
                let first = item.command.split_whitespace().next().unwrap_or("");
                let base = first.rsplit('/').next().unwrap_or(first);
                let ordinary = matches!(base, "modprobe" | "true" | "false" | "insmod")
                    || item.command.starts_with("$(");
                if !hit && !ordinary {
                    out.add(
                        INFO.finding(Severity::Medium, format!("modprobe install hook for {} at {path}:{} runs {}", item.name, item.line, item.command))
                            .path(&path)
                            .user("root")
                            .evidence(json!({ "line": item.line, "module": item.name, "command": item.command })),
                    );
                }
            }
            if !(dir.starts_with("/lib/") || dir.starts_with("/usr/lib/")) {
                report_recent(ctx, &INFO, &path, &meta, "modprobe configuration", out);
            }
        }
    }
    let mut lists = Vec::new();
    if let Some((data, meta)) = read_file(ctx, &INFO, "/etc/modules", out) {
        lists.push(("/etc/modules".to_string(), data, meta));
    }
    for dir in distinct_dirs(ctx, MODULES_LOAD_DIRS) {
        lists.extend(read_dir_files(ctx, &INFO, dir, out));
    }
    for (path, data, meta) in lists {
        for m in parse_module_list(&data) {
            let name = m
                .command
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            let name = name.trim_end_matches(".ko");
            if ROOTKIT_MODULES.contains(&name) || name.contains('/') {
                out.add(
                    INFO.finding(
                        Severity::Critical,
                        format!(
                            "{path}:{} loads module {:?} at every boot",
                            m.line, m.command
                        ),
                    )
                    .path(&path)
                    .user("root")
                    .evidence(json!({ "line": m.line, "module": m.command })),
                );
            }
        }
        if path.starts_with("/etc/") {
            report_recent(ctx, &INFO, &path, &meta, "module list", out);
        }
    }
}

impl Check for SystemHooks {
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
    udev(ctx, out);
    inetd(ctx, out);
    modules(ctx, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(files: &[(&str, &str)]) -> Outcome {
        crate::testing::run_on_files(&SystemHooks, files)
    }

    #[test]
    fn finds_planted_hooks() {
        let out = run(&[
            (
                "/etc/udev/rules.d/75-net.rules",
                "ACTION==\"add\", SUBSYSTEM==\"net\", RUN+=\"/bin/sh -c '/dev/shm/.u &'\"\n",
            ),
            (
                "/etc/inetd.conf",
                "ingreslock stream tcp nowait root /bin/sh sh -i\n",
            ),
            (
                "/etc/modprobe.d/e1000.conf",
                "install e1000 /usr/lib/.m/loader; /sbin/modprobe --ignore-install e1000\n",
            ),
            ("/etc/modules-load.d/x.conf", "diamorphine\n"),
        ]);
        for (p, s) in [
            ("/etc/udev/rules.d/75-net.rules", Severity::High),
            ("/etc/inetd.conf", Severity::Critical),
            ("/etc/modprobe.d/e1000.conf", Severity::High),
            ("/etc/modules-load.d/x.conf", Severity::Critical),
        ] {
            assert!(
                out.findings
                    .iter()
                    .any(|f| f.paths == [p] && f.severity == s),
                "{p}: {:?}",
                out.findings
            );
        }
    }

    #[test]
    fn vendor_defaults_are_quiet() {
        let out = run(&[
            ("/lib/udev/rules.d/80-debian-compat.rules", "SUBSYSTEM==\"sound\", KERNEL==\"controlC[0-9]*\", RUN+=\"/bin/sh -c 'x'\"\nACTION==\"add\", SUBSYSTEM==\"firmware\", RUN{builtin}+=\"kmod load $env{MODALIAS}\"\n"),
            ("/lib/modprobe.d/aliases.conf", "alias binfmt-204 binfmt_aout\ninstall sco /sbin/modprobe --ignore-install bluetooth && /sbin/modprobe --ignore-install sco\n"),
            ("/etc/modprobe.d/blacklist.conf", "install usb-storage /bin/true\nblacklist pcspkr\n"),
            ("/etc/modules", "# /etc/modules: kernel modules to load at boot time.\nloop\n"),
        ]);
        assert!(
            out.findings.iter().all(|f| f.severity <= Severity::Low),
            "{:?}",
            out.findings
        );
    }
}
