//! `rootkit.immutable_files` — immutable or append-only attributes on system binaries, account
//! files, cron and ssh files.
//!
//! **What it looks at:** the inode flags (`chattr` `i` and `a`) of every file in the command
//! directories, of `/etc/passwd`, `shadow`, `group`, `sudoers`, `ld.so.preload`, `rc.local`,
//! `hosts`, of everything in `/etc/cron*`, `/var/spool/cron`, `/etc/ssh`, `/etc/sudoers.d`,
//! `/etc/init.d`, `/etc/systemd/system`, and of `~/.ssh` (and its files) of root and every
//! `/home/*` user. Flags are read with `statx` (no open at all; `AT_SYMLINK_NOFOLLOW`), falling
//! back to the `FS_IOC_GETFLAGS` ioctl on a file opened `O_NOFOLLOW|O_NONBLOCK|O_NOATIME` — only
//! regular files and directories are ever opened.
//!
//! **Why an attacker leaves this trace:** `chattr +i` is the classic lock on a backdoor: the
//! attacker's `authorized_keys`, cron job, trojaned `ps` or `/etc/ld.so.preload` cannot be
//! deleted or fixed, even by root, until the flag is cleared — and most admins never look at
//! inode flags. Mining botnets (Kinsing, WatchDog, TeamTNT) do this routinely.
//!
//! **Example:** `/root/.ssh/authorized_keys is immutable (chattr +i)` (high).
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1222.002 (File and Directory Permissions Modification: Linux), T1098.004.

use std::path::{Path, PathBuf};

use huoyan_core::{CheckInfo, FileKind, Gap, GapReason, Outcome, Root, Severity};
use rustix::fs::{AtFlags, StatxAttributes, StatxFlags, CWD};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct ImmutableFiles;

static INFO: CheckInfo = CheckInfo {
    id: "rootkit.immutable_files",
    title: "Immutable or append-only attribute on a sensitive file",
    title_zh: "敏感文件被设置了不可修改或仅追加属性",
    mitre: &["T1222.002", "T1098.004"],
    remediation: "Collect the file first, then clear the flag with a trusted static chattr \
                  (chattr -ia FILE) and remove or repair the content; look for the process or \
                  cron job that sets it again.",
    remediation_zh:
        "先取证保存该文件，再用可信的静态 chattr 清除属性（chattr -ia 文件）并删除或修复内容；\
                     排查会再次设置该属性的进程或定时任务。",
};

/// Files checked individually.
const FILES: &[&str] = &[
    "/etc/passwd",
    "/etc/shadow",
    "/etc/group",
    "/etc/gshadow",
    "/etc/sudoers",
    "/etc/ld.so.preload",
    "/etc/rc.local",
    "/etc/hosts",
    "/etc/crontab",
    "/etc/resolv.conf",
];
/// Directories whose entries (and themselves) are checked.
const DIRS: &[&str] = &[
    "/bin",
    "/sbin",
    "/usr/bin",
    "/usr/sbin",
    "/usr/local/bin",
    "/usr/local/sbin",
    "/etc/cron.d",
    "/etc/cron.hourly",
    "/etc/cron.daily",
    "/etc/cron.weekly",
    "/etc/cron.monthly",
    "/var/spool/cron",
    "/var/spool/cron/crontabs",
    "/etc/ssh",
    "/etc/sudoers.d",
    "/etc/init.d",
    "/etc/systemd/system",
];

/// The two attributes that lock a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Lock {
    /// `chattr +i`.
    pub immutable: bool,
    /// `chattr +a`.
    pub append_only: bool,
}

/// Why the flags of a file could not be read.
#[derive(Debug)]
pub enum FlagsError {
    /// The filesystem keeps no such flags (tmpfs, some network filesystems).
    Unsupported,
    /// Any other error.
    Other(String),
}

/// Reads the lock attributes of a host path without following a final symlink.
pub fn read_lock(host: &Path, kind: FileKind) -> Result<Lock, FlagsError> {
    if let Ok(st) = rustix::fs::statx(
        CWD,
        host,
        AtFlags::SYMLINK_NOFOLLOW,
        StatxFlags::BASIC_STATS,
    ) {
        let mask = st.stx_attributes_mask;
        let attrs = st.stx_attributes;
        if mask.contains(StatxAttributes::IMMUTABLE | StatxAttributes::APPEND) {
            return Ok(Lock {
                immutable: attrs.contains(StatxAttributes::IMMUTABLE),
                append_only: attrs.contains(StatxAttributes::APPEND),
            });
        }
    }
    if kind != FileKind::File && kind != FileKind::Dir {
        return Err(FlagsError::Unsupported);
    }
    use rustix::fs::{Mode, OFlags};
    let mut flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    if kind == FileKind::Dir {
        flags |= OFlags::DIRECTORY;
    }
    let fd = rustix::fs::open(host, flags | OFlags::NOATIME, Mode::empty())
        .or_else(|_| rustix::fs::open(host, flags, Mode::empty()))
        .map_err(|e| FlagsError::Other(e.to_string()))?;
    let st = rustix::fs::fstat(&fd).map_err(|e| FlagsError::Other(e.to_string()))?;
    let ft = rustix::fs::FileType::from_raw_mode(st.st_mode);
    if !matches!(
        ft,
        rustix::fs::FileType::RegularFile | rustix::fs::FileType::Directory
    ) {
        return Err(FlagsError::Unsupported);
    }
    match rustix::fs::ioctl_getflags(&fd) {
        Ok(f) => Ok(Lock {
            immutable: f.contains(rustix::fs::IFlags::IMMUTABLE),
            append_only: f.contains(rustix::fs::IFlags::APPEND),
        }),
        Err(rustix::io::Errno::NOTTY) | Err(rustix::io::Errno::OPNOTSUPP) => {
            Err(FlagsError::Unsupported)
        }
        Err(e) => Err(FlagsError::Other(e.to_string())),
    }
}

/// Every logical path whose flags are examined.
fn targets(root: &Root) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = FILES.iter().map(PathBuf::from).collect();
    let mut dirs: Vec<PathBuf> = DIRS.iter().map(PathBuf::from).collect();
    dirs.push(PathBuf::from("/root/.ssh"));
    if let Ok(homes) = root.read_dir("/home") {
        dirs.extend(
            homes
                .into_iter()
                .filter(|e| e.kind == FileKind::Dir)
                .map(|e| e.path.join(".ssh")),
        );
    }
    for dir in dirs {
        // Symlinked top directories (merged /usr) are skipped: their target is listed too.
        if !root.lstat(&dir).is_ok_and(|m| m.kind == FileKind::Dir) {
            continue;
        }
        if let Ok(entries) = root.read_dir(&dir) {
            out.extend(entries.into_iter().map(|e| e.path));
        }
        out.push(dir);
    }
    out
}

impl Check for ImmutableFiles {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let mut unsupported = 0usize;
        for path in targets(&ctx.root) {
            let Ok(meta) = ctx.root.lstat(&path) else {
                continue;
            };
            if meta.kind.is_special() {
                continue;
            }
            let Ok(host) = ctx.root.resolve_parent(&path) else {
                continue;
            };
            let lock = match read_lock(&host, meta.kind) {
                Ok(l) => l,
                Err(FlagsError::Unsupported) => {
                    unsupported += 1;
                    continue;
                }
                Err(FlagsError::Other(e)) => {
                    out.gap(huoyan_core::Gap {
                        area: INFO.id.into(),
                        path: Some(path.display().to_string()),
                        reason: GapReason::Error,
                        detail: e,
                    });
                    continue;
                }
            };
            if !lock.immutable && !lock.append_only {
                continue;
            }
            let shown = path.display().to_string();
            let what = match (lock.immutable, lock.append_only) {
                (true, true) => "immutable and append-only (chattr +ia)",
                (true, false) => "immutable (chattr +i)",
                _ => "append-only (chattr +a)",
            };
            out.add(
                INFO.finding(
                    if lock.immutable {
                        Severity::High
                    } else {
                        Severity::Medium
                    },
                    format!("{shown} is {what}"),
                )
                .path(shown)
                .at(meta.ctime)
                .evidence(
                    json!({"immutable": lock.immutable, "append_only": lock.append_only,
                    "kind": meta.kind, "uid": meta.uid, "ctime": meta.ctime}),
                ),
            );
        }
        if unsupported > 0 {
            out.gap(Gap::new(
                INFO.id,
                GapReason::Unsupported,
                format!("{unsupported} file(s) on a filesystem without inode flags"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_files_and_symlinks_are_not_locked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("f");
        std::fs::write(&f, b"x").expect("w");
        std::os::unix::fs::symlink("/etc/shadow", dir.path().join("l")).expect("ln");
        match read_lock(&f, FileKind::File) {
            Ok(l) => assert_eq!(l, Lock::default()),
            Err(FlagsError::Unsupported) => {}
            Err(FlagsError::Other(e)) => panic!("{e}"),
        }
        // A symlink is never followed nor opened.
        assert!(!matches!(
            read_lock(&dir.path().join("l"), FileKind::Symlink),
            Ok(Lock {
                immutable: true,
                ..
            })
        ));
    }
}
