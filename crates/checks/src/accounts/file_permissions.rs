//! `accounts.file_permissions` — ownership and modes of the account and sudo files.
//!
//! **What it looks at:** `lstat` of `/etc/passwd`, `/etc/group`, `/etc/shadow`, `/etc/gshadow`,
//! `/etc/sudoers`, `/etc/sudoers.d` and each file in it: the owner (expected: the owner of the
//! root directory, i.e. root on a real system), write bits for group and others, read bits for
//! others on the secret files, and whether the file was replaced by a symlink.
//!
//! **Why an attacker leaves this trace:** a world-writable `/etc/passwd` lets any user add a uid-0
//! line; a world-readable `/etc/shadow` hands out every hash for offline cracking; a writable
//! sudoers drop-in is root for whoever finds it. Attackers loosen these to regain root from an
//! unprivileged foothold, or by mistake while planting an account.
//!
//! **Example:** `/etc/shadow` mode 0644 owner root:shadow (others may read every hash).
//!
//! **Evidence or hardening:** a wrong owner or mode is a weakness, reported as hardening whatever
//! its severity; a file replaced by a symbolic link is evidence.
//!
//! **Calibration:** posture: every finding is of kind `hardening` (listed in its own section,
//! never raises the verdict or the exit code; docs/PRECISION.md).
//!
//! **ATT&CK:** T1222.002 (File and Directory Permissions Modification: Linux), T1003.008 (OS
//! Credential Dumping: /etc/passwd and /etc/shadow).

use huoyan_core::{CheckInfo, FileKind, Meta, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct AccountFilePermissions;

static INFO: CheckInfo = CheckInfo {
    id: "accounts.file_permissions",
    title: "Account or sudo file with wrong owner or permissions",
    title_zh: "账号或 sudo 配置文件的属主或权限异常",
    mitre: &["T1222.002", "T1003.008"],
    remediation: "Restore owner and mode (passwd/group 0644 root:root, shadow/gshadow 0640 \
                  root:shadow or 0000, sudoers 0440 root:root), then check the files' contents \
                  for lines added while they were open, and who changed the mode (audit log).",
    remediation_zh: "恢复属主与权限（passwd/group 为 0644 root:root，shadow/gshadow 为 0640 \
                     root:shadow 或 0000，sudoers 为 0440 root:root），检查权限放开期间文件内容是否被添加，\
                     并通过审计日志追查是谁修改了权限。",
};

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// passwd, group: readable by all, writable by root only.
    Public,
    /// shadow, gshadow: readable by root (and group shadow) only.
    Secret,
    /// sudoers files: must not be writable by others; sudo refuses non-root owners.
    Sudoers,
    /// The sudoers.d directory.
    SudoersDir,
}

fn examine(path: &str, meta: &Meta, kind: Kind, owner: u32, out: &mut Outcome) {
    let mode = meta.perm();
    let mut problems: Vec<(Severity, String)> = Vec::new();
    if meta.kind == FileKind::Symlink {
        problems.push((Severity::Medium, "is a symbolic link".into()));
    }
    if meta.uid != owner {
        let severity = if kind == Kind::Sudoers || kind == Kind::SudoersDir {
            Severity::High
        } else {
            Severity::Critical
        };
        problems.push((
            severity,
            format!("is owned by uid {} instead of {owner}", meta.uid),
        ));
    }
    if mode & 0o002 != 0 && meta.kind != FileKind::Symlink {
        problems.push((Severity::Critical, "is writable by every user".into()));
    } else if mode & 0o020 != 0 && meta.kind != FileKind::Symlink {
        problems.push((Severity::High, "is writable by its group".into()));
    }
    if kind == Kind::Secret && mode & 0o004 != 0 && meta.kind != FileKind::Symlink {
        problems.push((
            Severity::Critical,
            "is readable by every user (password hashes exposed)".into(),
        ));
    }
    if kind == Kind::Sudoers && mode & 0o004 != 0 && meta.kind != FileKind::Symlink {
        problems.push((
            Severity::Low,
            "is readable by every user (sudo rules disclosed)".into(),
        ));
    }
    let symlink = meta.kind == FileKind::Symlink;
    for (severity, what) in problems {
        let f = INFO.finding(severity, format!("{path} {what} (mode {mode:04o})"));
        // A loose owner or mode is a weakness (hardening); a file replaced by a link is an act.
        let f = if symlink { f } else { f.hardening() };
        out.add(f.path(path).evidence(json!({
            "path": path,
            "mode": format!("{mode:04o}"),
            "uid": meta.uid,
            "gid": meta.gid,
            "expected_owner_uid": owner,
            "kind": meta.kind,
        })));
    }
}

impl Check for AccountFilePermissions {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        // On a real system and a faithful image the root directory is root's; a fixture copied
        // by an ordinary user keeps that user as owner of everything, consistently.
        let owner = match ctx.root.lstat("/") {
            Ok(m) => m.uid,
            Err(e) => {
                out.gap_from(INFO.id, &e, false);
                return;
            }
        };
        let mut targets: Vec<(String, Kind)> = vec![
            ("/etc/passwd".into(), Kind::Public),
            ("/etc/group".into(), Kind::Public),
            ("/etc/shadow".into(), Kind::Secret),
            ("/etc/gshadow".into(), Kind::Secret),
            ("/etc/sudoers".into(), Kind::Sudoers),
            ("/etc/sudoers.d".into(), Kind::SudoersDir),
        ];
        if let Ok(list) = ctx.root.read_dir("/etc/sudoers.d") {
            for e in list {
                targets.push((e.path.display().to_string(), Kind::Sudoers));
            }
        }
        for (path, kind) in targets {
            match ctx.root.lstat(&path) {
                Ok(meta) => examine(&path, &meta, kind, owner, out),
                Err(e) => out.gap_from(INFO.id, &e, true),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::testing::{chmod, root_with, run_default};

    #[test]
    fn flags_readable_shadow_and_writable_passwd() {
        let dir = root_with(&[
            ("/etc/passwd", "root:x:0:0::/root:/bin/bash\n"),
            ("/etc/shadow", "root:*:1::::::\n"),
            ("/etc/sudoers.d/x", "a ALL=ALL\n"),
        ]);
        chmod(dir.path(), "/etc/passwd", 0o666);
        chmod(dir.path(), "/etc/shadow", 0o644);
        chmod(dir.path(), "/etc/sudoers.d/x", 0o640);
        let out = run_default(&AccountFilePermissions, dir.path());
        let crit: Vec<&str> = out
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Critical)
            .map(|f| f.paths[0].as_str())
            .collect();
        assert_eq!(crit, vec!["/etc/passwd", "/etc/shadow"]);
        assert_eq!(out.findings.len(), 2, "{:#?}", out.findings);
        assert!(out.findings.iter().all(|f| !f.is_evidence()));
    }

    #[test]
    fn file_replaced_by_a_link_is_evidence() {
        let dir = root_with(&[
            ("/etc/passwd", "root:x:0:0::/root:/bin/bash\n"),
            ("/tmp/s", "root:*:1::::::\n"),
        ]);
        chmod(dir.path(), "/etc/passwd", 0o644);
        std::os::unix::fs::symlink("/tmp/s", dir.path().join("etc/shadow")).expect("link");
        let out = run_default(&AccountFilePermissions, dir.path());
        let link = out
            .findings
            .iter()
            .find(|f| f.summary.contains("symbolic link"))
            .expect("link");
        assert!(link.is_evidence());
    }

    #[test]
    fn stock_modes_are_quiet() {
        let dir = root_with(&[
            ("/etc/passwd", "root:x:0:0::/root:/bin/bash\n"),
            ("/etc/group", "root:x:0:\n"),
            ("/etc/shadow", "root:*:1::::::\n"),
            ("/etc/sudoers", "root ALL=(ALL:ALL) ALL\n"),
            ("/etc/sudoers.d/README", "#\n"),
        ]);
        chmod(dir.path(), "/etc/passwd", 0o644);
        chmod(dir.path(), "/etc/group", 0o644);
        chmod(dir.path(), "/etc/shadow", 0o640);
        chmod(dir.path(), "/etc/sudoers", 0o440);
        chmod(dir.path(), "/etc/sudoers.d/README", 0o440);
        chmod(dir.path(), "/etc/sudoers.d", 0o755);
        let out = run_default(&AccountFilePermissions, dir.path());
        assert!(out.findings.is_empty(), "{:#?}", out.findings);
    }
}
