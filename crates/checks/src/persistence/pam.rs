//! `persistence.pam` — PAM stacks that let anyone in, run commands at login, or load modules no
//! package installed.
//!
//! **What it looks at:** every file in `/etc/pam.d/` and `/etc/pam.conf`:
//! - `pam_permit.so` with `sufficient` (or a `[success=done …]` control) in an `auth` stack:
//!   any password works (high);
//! - `pam_exec.so`: the command it runs goes through the command detector; with `expose_authtok`
//!   the command receives the typed password (high), otherwise medium;
//! - a module given by absolute path outside the PAM module directories (high);
//! - module files in the PAM module directories (`/lib/x86_64-linux-gnu/security`,
//!   `/lib/security`, `/lib64/security`, `/usr/lib*/…/security`) that no dpkg package owns,
//!   according to the root's own `/var/lib/dpkg/info/*.list` (high); on systems without a dpkg
//!   database this is recorded as a gap;
//! - files changed within the window (low).
//!
//! **Why an attacker leaves this trace:** a PAM backdoor module accepts a magic password for
//! every account and logs real ones, survives password changes and key removal, and is loaded by
//! sshd, su and sudo alike.
//!
//! **Example:** `/etc/pam.d/common-auth` line 17: `auth sufficient pam_permit.so` (high);
//! `/lib/x86_64-linux-gnu/security/pam_unix2.so` owned by no package (high).
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1556.003 (Modify Authentication Process: Pluggable Authentication Modules).

use std::collections::HashSet;

use huoyan_artifacts::persistence::pam::{parse_pam, PamRule};
use huoyan_core::{CheckInfo, FileKind, Gap, GapReason, Outcome, Severity};
use serde_json::json;

use super::common::{
    distinct_dirs, entry_name, entry_path, list_dir, read_dir_files, read_file, report_recent,
};
use crate::command_findings::{scan_and_report, CommandSource};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct PamStacks;

static INFO: CheckInfo = CheckInfo {
    id: "persistence.pam",
    title: "PAM backdoor or unexpected PAM module",
    title_zh: "PAM 后门或异常 PAM 模块",
    mitre: &["T1556.003"],
    remediation: "Preserve the PAM file and the module (hash it, copy it out), restore the \
                  stack from the package (dpkg-reconfigure / reinstall libpam-modules or the \
                  distribution default), reinstall the module's package, and rotate every \
                  password typed since the change.",
    remediation_zh: "保全 PAM 配置文件和模块（计算哈希并拷出），从软件包恢复 PAM 配置\
                     （重新安装 libpam-modules 或发行版默认配置），重装模块所属软件包，\
                     并更换自改动以来输入过的所有口令。",
};

const MODULE_DIRS: &[&str] = &[
    "/lib/x86_64-linux-gnu/security",
    "/usr/lib/x86_64-linux-gnu/security",
    "/lib/aarch64-linux-gnu/security",
    "/usr/lib/aarch64-linux-gnu/security",
    "/lib/security",
    "/usr/lib/security",
    "/lib64/security",
    "/usr/lib64/security",
];

fn is_module_dir(path: &str) -> bool {
    MODULE_DIRS
        .iter()
        .any(|d| path.starts_with(&format!("{d}/")))
}

/// Names of PAM module files that dpkg says a package installed (None without a dpkg database).
fn dpkg_owned_modules(ctx: &Context, out: &mut Outcome) -> Option<HashSet<String>> {
    let entries = ctx.root.read_dir("/var/lib/dpkg/info").ok()?;
    let mut owned = HashSet::new();
    for e in entries {
        let name = entry_name(&e);
        if !name.ends_with(".list") {
            continue;
        }
        match ctx.root.read_capped(&e.path, 16 * 1024 * 1024) {
            Ok(c) => {
                for line in c.data.split(|&b| b == b'\n') {
                    if let Some(pos) = line.windows(10).position(|w| w == b"/security/") {
                        owned.insert(String::from_utf8_lossy(&line[pos + 10..]).into_owned());
                    }
                }
            }
            Err(err) => out.gap_from(INFO.id, &err, true),
        }
    }
    Some(owned)
}

fn examine_rule(path: &str, rule: &PamRule, out: &mut Outcome) {
    let module_base = rule.module.rsplit('/').next().unwrap_or(&rule.module);
    let evidence = json!({
        "line": rule.line,
        "type": rule.kind,
        "control": rule.control,
        "module": rule.module,
        "args": rule.args,
        "service": rule.service,
    });
    let add = |severity: Severity, why: String, out: &mut Outcome| {
        out.add(
            INFO.finding(severity, format!("{path}:{} {why}", rule.line))
                .path(path)
                .user("root")
                .evidence(evidence.clone()),
        );
    };
    if rule.module.starts_with('/') && !is_module_dir(&rule.module) {
        add(
            Severity::High,
            format!(
                "loads PAM module from outside the module directories: {}",
                rule.module
            ),
            out,
        );
    }
    if module_base == "pam_permit.so"
        && rule.kind == "auth"
        && (rule.control == "sufficient" || rule.control.contains("success=done"))
    {
        add(
            Severity::High,
            format!(
                "{} {} pam_permit.so: any password is accepted",
                rule.kind, rule.control
            ),
            out,
        );
    }
    if module_base == "pam_exec.so" {
        let command_start = rule.args.iter().position(|a| a.starts_with('/'));
        let command = command_start
            .map(|i| rule.args[i..].join(" "))
            .unwrap_or_default();
        let exposes = rule.args.iter().any(|a| a == "expose_authtok");
        let what = format!("pam_exec in {} stack", rule.kind);
        let source = CommandSource {
            path,
            line: rule.line,
            user: Some("root"),
            time: None,
            what: &what,
        };
        let hits = scan_and_report(&INFO, &source, &command, Severity::Low, out);
        if hits.is_empty() {
            add(
                if exposes {
                    Severity::High
                } else {
                    Severity::Medium
                },
                format!(
                    "pam_exec runs {command}{}",
                    if exposes {
                        " and hands it the typed password (expose_authtok)"
                    } else {
                        ""
                    }
                ),
                out,
            );
        }
    }
}

impl Check for PamStacks {
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
    let mut files = read_dir_files(ctx, &INFO, "/etc/pam.d", out);
    if let Some((data, meta)) = read_file(ctx, &INFO, "/etc/pam.conf", out) {
        files.push(("/etc/pam.conf".into(), data, meta));
    }
    for (path, data, meta) in &files {
        let (rules, _) = parse_pam(data, path == "/etc/pam.conf");
        for rule in &rules {
            examine_rule(path, rule, out);
        }
        report_recent(ctx, &INFO, path, meta, "PAM configuration", out);
    }
    let dirs = distinct_dirs(ctx, MODULE_DIRS);
    if dirs.is_empty() {
        return;
    }
    let Some(owned) = dpkg_owned_modules(ctx, out) else {
        out.gap(Gap {
            area: INFO.id.into(),
            path: Some("/var/lib/dpkg/info".into()),
            reason: GapReason::Unsupported,
            detail: "no dpkg database: PAM module ownership not checked (rpm not read)".into(),
        });
        return;
    };
    for dir in dirs {
        for e in list_dir(ctx, &INFO, dir, out) {
            let name = entry_name(&e);
            if !matches!(e.kind, FileKind::File | FileKind::Symlink) || !name.ends_with(".so") {
                continue;
            }
            if owned.contains(&name) {
                continue;
            }
            let path = entry_path(&e);
            let meta = ctx.root.lstat(&path).ok();
            out.add(
                INFO.finding(
                    Severity::High,
                    format!("PAM module {path} is not owned by any dpkg package"),
                )
                .path(&path)
                .user("root")
                .at(meta.as_ref().and_then(|m| m.mtime))
                .evidence(json!({
                    "size": meta.as_ref().map(|m| m.size),
                    "mtime": meta.as_ref().and_then(|m| m.mtime),
                    "ctime": meta.as_ref().and_then(|m| m.ctime),
                })),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMON_AUTH: &str = "auth\t[success=1 default=ignore]\tpam_unix.so nullok\nauth\trequisite\t\t\tpam_deny.so\nauth\trequired\t\t\tpam_permit.so\nauth\toptional\t\t\tpam_cap.so\n";

    fn run(files: &[(&str, &str)]) -> Outcome {
        crate::testing::run_on_files(&PamStacks, files)
    }

    #[test]
    fn finds_pam_backdoors() {
        let out = run(&[
            ("/etc/pam.d/common-auth", &format!("auth sufficient pam_permit.so\n{COMMON_AUTH}")),
            ("/etc/pam.d/sshd", "auth optional pam_exec.so quiet expose_authtok /usr/local/bin/.log.sh\n@include common-auth\n"),
            ("/etc/pam.d/su", "auth required /tmp/.pam_x.so\n"),
            ("/lib/x86_64-linux-gnu/security/pam_unix.so", "ELF"),
            ("/lib/x86_64-linux-gnu/security/pam_unix2.so", "ELF"),
            ("/var/lib/dpkg/info/libpam-modules:amd64.list", "/.\n/lib/x86_64-linux-gnu/security\n/lib/x86_64-linux-gnu/security/pam_unix.so\n"),
        ]);
        let sev = |p: &str| {
            out.findings
                .iter()
                .filter(|f| f.paths == [p])
                .map(|f| f.severity)
                .max()
        };
        assert_eq!(sev("/etc/pam.d/common-auth"), Some(Severity::High));
        assert_eq!(sev("/etc/pam.d/sshd"), Some(Severity::High));
        assert_eq!(sev("/etc/pam.d/su"), Some(Severity::High));
        assert_eq!(
            sev("/lib/x86_64-linux-gnu/security/pam_unix2.so"),
            Some(Severity::High)
        );
        assert_eq!(sev("/lib/x86_64-linux-gnu/security/pam_unix.so"), None);
    }

    #[test]
    fn debian_stack_is_quiet() {
        let out = run(&[
            ("/etc/pam.d/common-auth", COMMON_AUTH),
            ("/etc/pam.d/sshd", "@include common-auth\naccount    required     pam_nologin.so\nsession [success=ok ignore=ignore module_unknown=ignore default=bad]        pam_selinux.so close\nsession    required     pam_loginuid.so\n"),
            ("/lib/x86_64-linux-gnu/security/pam_unix.so", "ELF"),
            ("/var/lib/dpkg/info/libpam-modules:amd64.list", "/lib/x86_64-linux-gnu/security/pam_unix.so\n"),
        ]);
        assert!(out.findings.is_empty(), "{:?}", out.findings);
    }
}
