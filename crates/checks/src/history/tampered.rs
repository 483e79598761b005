//! `history.tampered` — shell histories that were disabled, emptied or removed.
//!
//! **What it looks at:** for every home (accounts, `/root`, orphaned `/home/*`): the shell
//! history files (`.bash_history`, `.zsh_history`, `.sh_history` …) as directory entries —
//! a symlink to `/dev/null` (or anywhere), a device or FIFO in its place, an empty file — and,
//! for accounts with a login shell, the absence of any shell history at all. Logins come from
//! the root's own `/var/log/wtmp` (and `wtmp.1`): an empty or missing history for a user who
//! logged in is much stronger evidence than for one who never did.
//!
//! **Why an attacker leaves this trace:** `ln -sf /dev/null ~/.bash_history`, `> ~/.bash_history`
//! and `rm ~/.bash_history` are the standard ways to stop the shell from recording, or to erase
//! what it recorded. Removing the record leaves a hole shaped like it.
//!
//! **Example:** `/root/.bash_history -> /dev/null` (high); `/home/deploy/.bash_history` is empty
//! but wtmp has 14 logins for deploy (medium).
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1070.003 (Clear Command History), T1562.003 (Impair Command History Logging).

use std::collections::HashMap;

use huoyan_artifacts::history::{read_user_histories, HistoryFile};
use huoyan_artifacts::utmp::{self, UtmpType};
use huoyan_core::{CheckInfo, FileKind, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct HistoryTampering;

static INFO: CheckInfo = CheckInfo {
    id: "history.tampered",
    title: "Shell history disabled, emptied or missing",
    title_zh: "shell 历史记录被禁用、清空或缺失",
    mitre: &["T1070.003", "T1562.003"],
    remediation: "Recover the history from backups, snapshots or the deleted blocks of the \
                  filesystem; reconstruct the user's sessions from auth logs, wtmp and process \
                  accounting; remove the /dev/null link once evidence is preserved.",
    remediation_zh: "从备份、快照或文件系统已删除的数据块中恢复历史记录；\
                     通过认证日志、wtmp 和进程审计还原该用户的会话；证据保全后删除指向 /dev/null 的链接。",
};

/// Number of login sessions per user recorded in wtmp (None when no wtmp could be read).
pub fn logins_per_user(ctx: &Context) -> Option<HashMap<String, usize>> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut any = false;
    for path in ["/var/log/wtmp", "/var/log/wtmp.1"] {
        let Ok(capped) = ctx.root.read_capped(path, 256 * 1024 * 1024) else {
            continue;
        };
        any = true;
        let (records, _) = utmp::parse(&capped.data);
        for r in records {
            if r.kind == UtmpType::UserProcess && !r.user.is_empty() {
                *counts.entry(r.user).or_default() += 1;
            }
        }
    }
    any.then_some(counts)
}

fn finding(
    severity: Severity,
    summary: String,
    file_path: &str,
    user: &str,
) -> huoyan_core::Finding {
    INFO.finding(severity, summary).path(file_path).user(user)
}

fn examine_file(file: &HistoryFile, logins: Option<usize>, out: &mut Outcome) {
    let logins_text = logins
        .map(|n| format!("; wtmp records {n} login(s) for {}", file.user))
        .unwrap_or_default();
    match file.meta.kind {
        FileKind::Symlink => {
            let target = file.link_target.clone().unwrap_or_default();
            let to_null = target == "/dev/null" || target.ends_with("/dev/null");
            out.add(
                finding(
                    if to_null {
                        Severity::High
                    } else {
                        Severity::Medium
                    },
                    format!("{} is a symlink to {target}{logins_text}", file.path),
                    &file.path,
                    &file.user,
                )
                .at(file.meta.mtime)
                .evidence(json!({
                    "kind": file.kind,
                    "link_target": target,
                    "logins": logins,
                })),
            );
        }
        FileKind::File => {
            if file.meta.size == 0 && file.kind.is_shell() {
                let severity = match logins {
                    Some(n) if n > 0 => Severity::Medium,
                    _ => Severity::Low,
                };
                out.add(
                    finding(
                        severity,
                        format!("{} is empty{logins_text}", file.path),
                        &file.path,
                        &file.user,
                    )
                    .at(file.meta.mtime)
                    .evidence(json!({
                        "kind": file.kind,
                        "size": 0,
                        "mtime": file.meta.mtime,
                        "logins": logins,
                    })),
                );
            }
        }
        FileKind::Dir => {}
        other => out.add(
            finding(
                Severity::High,
                format!(
                    "{} is a {other}, not a file: nothing can be recorded",
                    file.path
                ),
                &file.path,
                &file.user,
            )
            .evidence(json!({ "kind": file.kind, "file_kind": other })),
        ),
    }
}

impl Check for HistoryTampering {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let logins = logins_per_user(ctx);
        for home in crate::homes::homes(ctx) {
            let user_logins = logins
                .as_ref()
                .map(|m| m.get(&home.user).copied().unwrap_or(0));
            let (files, errors) = read_user_histories(&ctx.root, &home.user, &home.path);
            for e in &errors {
                out.gap_from(INFO.id, e, true);
            }
            for file in &files {
                examine_file(file, user_logins, out);
            }
            let has_shell_history = files.iter().any(|f| f.kind.is_shell());
            let login_shell = home
                .shell
                .as_deref()
                .is_some_and(huoyan_artifacts::users::is_login_shell);
            let home_exists = ctx
                .root
                .stat(&home.path)
                .is_ok_and(|m| m.kind == FileKind::Dir);
            if !has_shell_history && login_shell && home_exists {
                let severity = match user_logins {
                    Some(n) if n > 0 => Severity::Medium,
                    _ => Severity::Low,
                };
                out.add(
                    finding(
                        severity,
                        format!(
                            "{} has a login shell but no shell history in {}{}",
                            home.user,
                            home.path,
                            user_logins
                                .map(|n| format!("; wtmp records {n} login(s)"))
                                .unwrap_or_default()
                        ),
                        &home.path,
                        &home.user,
                    )
                    .evidence(json!({
                        "home": home.path,
                        "shell": home.shell,
                        "logins": user_logins,
                    })),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use huoyan_core::{Root, Window};
    use std::net::Ipv4Addr;

    fn setup() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("etc")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("var/log")).expect("mkdir");
        std::fs::write(
            dir.path().join("etc/passwd"),
            "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/bash\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n",
        )
        .expect("passwd");
        for h in ["root", "home/alice", "home/bob", "var/www"] {
            std::fs::create_dir_all(dir.path().join(h)).expect("mkdir");
        }
        let mut wtmp = Vec::new();
        for _ in 0..3 {
            wtmp.extend_from_slice(&utmp::encode_record(
                7,
                100,
                "pts/0",
                "alice",
                "203.0.113.9",
                1_700_000_000,
                Some(Ipv4Addr::new(203, 0, 113, 9)),
            ));
        }
        std::fs::write(dir.path().join("var/log/wtmp"), wtmp).expect("wtmp");
        dir
    }

    fn run(dir: &tempfile::TempDir) -> Outcome {
        let ctx = Context::new(Root::new(dir.path()).expect("root"), Window::default());
        let mut out = Outcome::default();
        HistoryTampering.run(&ctx, &mut out);
        out
    }

    #[test]
    fn symlink_empty_and_missing() {
        let dir = setup();
        std::os::unix::fs::symlink("/dev/null", dir.path().join("root/.bash_history")).expect("ln");
        std::fs::write(dir.path().join("home/alice/.bash_history"), b"").expect("w");
        let out = run(&dir);
        let root = out
            .findings
            .iter()
            .find(|f| f.paths == ["/root/.bash_history"])
            .expect("symlink");
        assert_eq!(root.severity, Severity::High);
        let alice = out
            .findings
            .iter()
            .find(|f| f.users == ["alice"])
            .expect("alice");
        assert_eq!(alice.severity, Severity::Medium);
        assert_eq!(alice.evidence["logins"], 3);
        let bob = out
            .findings
            .iter()
            .find(|f| f.users == ["bob"])
            .expect("bob");
        assert_eq!(bob.severity, Severity::Low);
        assert!(!out.findings.iter().any(|f| f.users == ["www-data"]));
    }

    #[test]
    fn ordinary_histories_are_quiet() {
        let dir = setup();
        for h in ["root", "home/alice", "home/bob"] {
            std::fs::write(dir.path().join(h).join(".bash_history"), b"ls\n").expect("w");
        }
        let out = run(&dir);
        assert!(out.findings.is_empty(), "{:?}", out.findings);
    }
}
