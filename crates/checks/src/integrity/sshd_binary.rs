//! `integrity.sshd_binary` — the sshd that would run is not an ELF, or not the packaged one.
//!
//! **What it looks at:** `/usr/sbin/sshd`, `/sbin/sshd`, `/usr/local/sbin/sshd` and the program of
//! `ExecStart=` in the ssh/sshd systemd units; each is checked for ELF magic and against the
//! package database (owned, and digest equal to the recorded one). Only these few files are
//! hashed, so the check is cheap and runs in every scan.
//!
//! **Why an attacker leaves this trace:** a trojaned sshd (OpenSSH patched with a master password
//! and a credential logger — Ebury's relatives, "sshd backdoor" kits) gives the attacker a login
//! that survives every password change and records everyone else's; a wrapper script in its
//! place does the same with less effort.
//!
//! **Example:** `/usr/sbin/sshd differs from package openssh-server` (critical).
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1554 (Compromise Host Software Binary), T1556 (Modify Authentication Process).

use std::path::{Path, PathBuf};

use huoyan_core::{CheckInfo, FileKind, Outcome, Root, Severity};
use huoyan_integrity::PackageIndex;
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct SshdBinary;

static INFO: CheckInfo = CheckInfo {
    id: "integrity.sshd_binary",
    title: "sshd binary is not the packaged one",
    title_zh: "sshd 程序不是软件包原版",
    mitre: &["T1554", "T1556"],
    remediation: "Collect the binary, reinstall openssh-server from trusted media, restart sshd \
                  from a console session, and rotate every password and key used to log in to \
                  this host.",
    remediation_zh: "取证保存该程序，从可信介质重装 openssh-server，通过控制台重启 sshd，\
                     并更换所有曾用于登录本机的密码与密钥。",
};

const CANDIDATES: &[&str] = &["/usr/sbin/sshd", "/sbin/sshd", "/usr/local/sbin/sshd"];
const UNITS: &[&str] = &[
    "/etc/systemd/system/ssh.service",
    "/etc/systemd/system/sshd.service",
    "/lib/systemd/system/ssh.service",
    "/lib/systemd/system/sshd.service",
    "/usr/lib/systemd/system/ssh.service",
    "/usr/lib/systemd/system/sshd.service",
];

/// The programs of `ExecStart=` lines of a unit file.
fn exec_start_programs(data: &[u8]) -> Vec<PathBuf> {
    String::from_utf8_lossy(data)
        .lines()
        .filter_map(|l| l.trim().strip_prefix("ExecStart="))
        .filter_map(|cmd| {
            let prog = cmd
                .trim_start_matches(['@', '-', ':', '+', '!'])
                .split_whitespace()
                .next()?;
            prog.starts_with('/').then(|| PathBuf::from(prog))
        })
        .collect()
}

impl Check for SshdBinary {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let root = &ctx.root;
        let mut paths: Vec<PathBuf> = CANDIDATES.iter().map(PathBuf::from).collect();
        for unit in UNITS {
            if let Ok(c) = root.read_capped(unit, 1 << 20) {
                paths.extend(exec_start_programs(&c.data));
            }
        }
        let index = PackageIndex::shared(root);
        let mut seen = std::collections::HashSet::new();
        for path in paths {
            let Ok(host) = root.resolve(&path) else {
                continue;
            };
            if !seen.insert(host) {
                continue;
            }
            check_one(root, &index, &path, out);
        }
    }
}

fn check_one(root: &Root, index: &PackageIndex, path: &Path, out: &mut Outcome) {
    let shown = path.display().to_string();
    let meta = match root.stat(path) {
        Ok(m) => m,
        Err(_) => return,
    };
    if meta.kind != FileKind::File {
        out.add(
            INFO.finding(Severity::High, format!("{shown} is a {}", meta.kind))
                .path(shown),
        );
        return;
    }
    let head = root
        .read_capped(path, 256)
        .map(|c| c.data)
        .unwrap_or_default();
    if !huoyan_artifacts::elf::is_elf(&head) {
        let first = head.split(|&b| b == b'\n').next().unwrap_or(&[]);
        out.add(
            INFO.finding(
                Severity::Critical,
                format!("{shown} is not an ELF binary (a script or data posing as sshd)"),
            )
            .path(shown)
            .evidence(json!({"first_line": huoyan_core::text::bytes_to_string(first)})),
        );
        return;
    }
    if !index.has_database() {
        return;
    }
    let records = index.records_for(path);
    let Some(first) = records.first() else {
        let sev = if index.is_owned(path) {
            Severity::Medium
        } else {
            Severity::High
        };
        out.add(
            INFO.finding(sev, format!("{shown} is not owned by any package"))
                .path(shown)
                .at(meta.ctime)
                .evidence(json!({"size": meta.size, "mtime": meta.mtime, "ctime": meta.ctime})),
        );
        return;
    };
    match huoyan_integrity::verify::hash_file(root, path, first.expected.algo) {
        Ok((actual, _, _)) if !records.iter().any(|r| r.expected.hex == actual) => out.add(
            INFO.finding(
                Severity::Critical,
                format!("{shown} differs from package {}", first.package),
            )
            .path(shown)
            .at(meta.ctime)
            .evidence(
                json!({"package": first.package, "algorithm": first.expected.algo,
                "expected": first.expected.hex, "actual": actual,
                "mtime": meta.mtime, "ctime": meta.ctime}),
            ),
        ),
        Ok(_) => {}
        Err(e) => out.gap_from(INFO.id, &e, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use huoyan_core::Window;

    fn setup(sshd: &[u8], recorded: &[u8]) -> Outcome {
        let dir = tempfile::tempdir().expect("tempdir");
        let b = dir.path();
        std::fs::create_dir_all(b.join("usr/sbin")).expect("mkdir");
        std::fs::create_dir_all(b.join("var/lib/dpkg/info")).expect("mkdir");
        std::fs::write(b.join("usr/sbin/sshd"), sshd).expect("w");
        std::fs::write(
            b.join("var/lib/dpkg/status"),
            "Package: openssh-server\nStatus: install ok installed\nArchitecture: amd64\n\n",
        )
        .expect("w");
        let (md5, _, _) =
            huoyan_integrity::verify::hash_reader(recorded, huoyan_integrity::packages::Algo::Md5)
                .expect("md5");
        std::fs::write(
            b.join("var/lib/dpkg/info/openssh-server.md5sums"),
            format!("{md5}  usr/sbin/sshd\n"),
        )
        .expect("w");
        let ctx = Context::new(Root::new(b).expect("root"), Window::default());
        let mut out = Outcome::default();
        SshdBinary.run(&ctx, &mut out);
        out
    }

    #[test]
    fn flags_replaced_and_script_sshd() {
        let out = setup(b"\x7fELF trojaned", b"\x7fELF original");
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].severity, Severity::Critical);
        assert!(out.findings[0]
            .summary
            .contains("differs from package openssh-server"));
        let out = setup(
            b"#!/bin/sh\nexec /usr/sbin/.sshd \"$@\"\n",
            b"\x7fELF original",
        );
        assert_eq!(out.findings.len(), 1);
        assert!(out.findings[0].summary.contains("not an ELF"));
    }

    #[test]
    fn packaged_sshd_is_quiet() {
        let out = setup(b"\x7fELF original", b"\x7fELF original");
        assert!(out.findings.is_empty(), "{:?}", out.findings);
    }

    #[test]
    fn unit_exec_start() {
        let p = exec_start_programs(
            b"[Service]\nExecStartPre=/usr/sbin/sshd -t\nExecStart=/usr/sbin/sshd -D $SSHD_OPTS\n",
        );
        assert_eq!(p, vec![PathBuf::from("/usr/sbin/sshd")]);
    }
}
