//! `process.deleted_open_files` — logs, scripts and programs that were deleted while a process
//! still holds them open: the file is gone from the directory but its content can still be read
//! back through `/proc/PID/fd/N` (and `huoyan collect` does so).
//!
//! **What it looks at:** every open descriptor of every process in the live scene whose target
//! was unlinked (the kernel's ` (deleted)` suffix, or a link count of 0): log-like files (under
//! `/var/log`, `*.log`, `auth.log`, `secure`, `messages`, `syslog`, `wtmp`, `btmp`, `lastlog`,
//! audit and journal files) and scripts or programs in the places attackers write (`/tmp`,
//! `/var/tmp`, `/dev/shm`, `/run`, home directories, web roots). Ordinary deleted temporary files
//! of daemons (caches, `memfd:`, unnamed tmpfiles) are not listed.
//!
//! **Why an attacker leaves this trace:** the classic way to "delete the logs" is `rm
//! /var/log/auth.log` (or `secure`) while rsyslog or auditd keeps writing to the open, now
//! nameless file; a dropper deletes its script after starting it. Both stay readable until the
//! process closes them — a responder's chance to recover them.
//!
//! **Severity:** critical for an authentication or audit log (auth.log, secure, wtmp, btmp,
//! lastlog, audit.log, the journal); high for any other log; high for a deleted script or
//! program in a writable place.
//!
//! **Example:** `pid 612 (rsyslogd) fd 7 still holds /var/log/auth.log, which was deleted (8.4 MB
//! recoverable through /proc/612/fd/7)`.
//!
//! **ATT&CK:** T1070.002 (Clear Linux or Mac System Logs), T1070.004 (File Deletion).

use huoyan_artifacts::proc::link::LinkTarget;
use huoyan_core::{CheckInfo, FileKind, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct DeletedOpenFiles;

static INFO: CheckInfo = CheckInfo {
    id: "process.deleted_open_files",
    title: "Deleted log or script still held open by a process",
    title_zh: "已被删除但仍被进程打开的日志或脚本",
    mitre: &["T1070.002", "T1070.004"],
    remediation: "Recover the content now, before the process closes it: `huoyan collect` copies \
                  it from /proc/PID/fd/N into the bundle (or `cat /proc/PID/fd/N > /case/file`). \
                  Do not restart the process until the copy is hashed; then find who deleted it.",
    remediation_zh: "在进程关闭该文件之前立即恢复其内容：`huoyan collect` 会从 /proc/PID/fd/N \
                     复制到证据包中（或 `cat /proc/PID/fd/N > /case/file`）。在副本计算哈希之前\
                     不要重启该进程；随后追查是谁删除了它。",
};

/// What kind of deleted file it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Deleted {
    /// An authentication or audit log.
    AuthLog,
    /// Any other log.
    Log,
    /// A script or program in a place attackers write.
    Staged,
}

/// Classifies a deleted file's original path; `None` for files that are not worth a finding.
/// `runs_it` says whether the holding process runs the file (bash keeps the script it runs open
/// as fd 255; an interpreter names it on its command line): only then does a name without an
/// extension count as a script (database servers keep nameless deleted temporary files in /tmp).
pub(crate) fn classify(path: &str, runs_it: bool) -> Option<Deleted> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let base = name.split('.').next().unwrap_or(name);
    const AUTH: &[&str] = &[
        "auth", "secure", "wtmp", "btmp", "lastlog", "audit", "faillog",
    ];
    let under_log = path.starts_with("/var/log/") || path.starts_with("/run/log/journal/");
    let log_like = under_log
        || name.ends_with(".log")
        || name.contains(".log.")
        || matches!(
            base,
            "messages" | "syslog" | "secure" | "wtmp" | "btmp" | "lastlog"
        );
    if log_like {
        if AUTH.contains(&base) || path.contains("/audit/") || name.ends_with(".journal") {
            return Some(Deleted::AuthLog);
        }
        return Some(Deleted::Log);
    }
    const STAGING: &[&str] = &[
        "/tmp/",
        "/var/tmp/",
        "/dev/shm/",
        "/run/shm/",
        "/home/",
        "/root/",
        "/var/www/",
        "/srv/",
    ];
    let staged_place = STAGING.iter().any(|p| path.starts_with(p));
    let script_like = [".sh", ".py", ".pl", ".php", ".elf", ".so", ".bin"]
        .iter()
        .any(|x| name.ends_with(x))
        || (runs_it && !name.contains('.'));
    // systemd-private tmp dirs and unnamed O_TMPFILE files belong to daemons.
    let daemon_tmp = path.contains("/systemd-private-") || name.starts_with("#");
    (staged_place && script_like && !daemon_tmp).then_some(Deleted::Staged)
}

impl Check for DeletedOpenFiles {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn live_only(&self) -> bool {
        true
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let Some(scene) = super::scene(ctx, out) else {
            return;
        };
        let own = std::process::id();
        for file in scene
            .open_files
            .iter()
            .filter(|f| f.deleted && f.pid != own)
        {
            let LinkTarget::Path { path, memfd, .. } = &file.target else {
                continue;
            };
            if *memfd || file.kind.is_some_and(|k| k != FileKind::File) {
                continue;
            }
            let process = scene.processes.iter().find(|p| p.pid == file.pid);
            let runs_it =
                file.fd == "255" || process.is_some_and(|p| p.cmdline.iter().any(|a| a == path));
            let Some(class) = classify(path, runs_it) else {
                continue;
            };
            let severity = match class {
                Deleted::AuthLog => Severity::Critical,
                Deleted::Log | Deleted::Staged => Severity::High,
            };
            let what = match class {
                Deleted::AuthLog => "authentication or audit log",
                Deleted::Log => "log",
                Deleted::Staged => "script or program",
            };
            let command = process.map(|p| p.command()).unwrap_or_default();
            let size = file
                .size
                .map(|s| format!("{s} bytes"))
                .unwrap_or_else(|| "size unknown".into());
            let mut finding = INFO
                .finding(
                    severity,
                    format!(
                        "pid {} ({command}) fd {} still holds {path}, a {what} that was deleted \
                         ({size} recoverable through /proc/{}/fd/{})",
                        file.pid, file.fd, file.pid, file.fd
                    ),
                )
                .pid(file.pid)
                .path(path.clone())
                .evidence(json!({
                    "pid": file.pid,
                    "fd": file.fd,
                    "original_path": path,
                    "size": file.size,
                    "inode": file.inode,
                    "class": what,
                    "recover_from": format!("/proc/{}/fd/{}", file.pid, file.fd),
                }));
            if let Some(p) = process {
                finding = finding.user(p.user_label()).at(p.start_time);
            }
            out.add(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_deleted_paths() {
        assert_eq!(classify("/var/log/auth.log", false), Some(Deleted::AuthLog));
        assert_eq!(classify("/var/log/secure", false), Some(Deleted::AuthLog));
        assert_eq!(
            classify("/var/log/audit/audit.log", false),
            Some(Deleted::AuthLog)
        );
        assert_eq!(classify("/var/log/wtmp", false), Some(Deleted::AuthLog));
        assert_eq!(
            classify("/var/log/nginx/access.log", false),
            Some(Deleted::Log)
        );
        assert_eq!(classify("/opt/app/app.log", false), Some(Deleted::Log));
        assert_eq!(classify("/tmp/.x/run.sh", false), Some(Deleted::Staged));
        assert_eq!(classify("/dev/shm/kworker", true), Some(Deleted::Staged));
        assert_eq!(
            classify("/tmp/ibXy12ab", false),
            None,
            "mysqld's deleted temp file"
        );
        // Daemons' own deleted temporary files are not listed.
        assert_eq!(classify("/tmp/systemd-private-abc/tmp/x", false), None);
        assert_eq!(classify("/var/lib/mysql/ibtmp1", false), None);
        assert_eq!(classify("/tmp/ib3XyZ.tmp", false), None);
        assert_eq!(classify("/usr/lib/x86_64-linux-gnu/libc.so.6", false), None);
    }
}
