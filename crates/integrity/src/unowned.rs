//! Executables nobody installed: ELF files in system directories that no package owns, and
//! shell scripts sitting where a core command's ELF binary belongs.
//!
//! **Where it looks:** `/bin`, `/sbin`, `/usr/bin`, `/usr/sbin`, `/lib*`, `/usr/lib*` under the
//! root (merged-/usr symlinks are walked once).
//!
//! **Why it matters:** droppers copy their implant next to the real commands (`/usr/bin/.sshd`,
//! `/usr/lib/libudev.so.2`, `/lib/x86_64-linux-gnu/security/pam_auth.so`) because nobody looks
//! there; a package manager never put such a file there, so the package database exposes it. A
//! `ps` that is a `#!/bin/sh` wrapper filtering `ps.orig`'s output is a classic quick trojan.

use std::io::Read;
use std::path::Path;

use huoyan_core::root::{WalkControl, WalkOptions};
use huoyan_core::{CheckInfo, FileKind, Gap, Outcome, Root, Severity};
use serde_json::json;

use crate::classify::{classify, FileClass, BIN_DIRS, CRITICAL_COMMANDS};
use crate::packages::PackageIndex;

/// System directories searched for unowned ELF files.
pub const SYSTEM_DIRS: &[&str] = &[
    "/bin",
    "/sbin",
    "/usr/bin",
    "/usr/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/usr/lib",
    "/usr/lib32",
    "/usr/lib64",
    "/usr/libx32",
    "/usr/libexec",
];

/// An ELF file in a system directory that no package owns.
pub static UNOWNED_ELF: CheckInfo = CheckInfo {
    id: "integrity.unowned_elf",
    title: "Executable in a system directory that no package installed",
    title_zh: "系统目录中存在不属于任何软件包的可执行文件",
    mitre: &["T1036.005", "T1574.006", "T1543"],
    remediation: "Collect the file (hash it, copy it out), find who created it (ctime, shell \
                  histories, package logs) and which process or service uses it; remove it only \
                  after collection.",
    remediation_zh: "先取证（计算哈希并复制保存），再查明创建者（ctime、命令历史、软件包日志）及使用它的进程或服务；\
                     取证完成后再删除。",
};

/// A script where an ELF core command belongs.
pub static SCRIPT_FOR_ELF: CheckInfo = CheckInfo {
    id: "integrity.script_for_elf",
    title: "Core command replaced by a script",
    title_zh: "核心命令被替换为脚本",
    mitre: &["T1036.005", "T1014"],
    remediation: "Read the script (it usually calls the real binary and filters its output), \
                  collect it, and reinstall the owning package from trusted media.",
    remediation_zh: "阅读该脚本（通常调用真实程序并过滤其输出），取证后从可信介质重装所属软件包。",
};

/// Bytes read to decide whether a file is an ELF.
const HEAD: usize = 4;

fn read_head(root: &Root, path: &Path) -> Option<[u8; HEAD]> {
    head_of(root.open(path).ok()?)
}

fn head_of(mut f: std::fs::File) -> Option<[u8; HEAD]> {
    let mut buf = [0u8; HEAD];
    f.read_exact(&mut buf).ok()?;
    Some(buf)
}

/// Finds ELF files under the system directories that the index does not own.
pub fn unowned_elfs(root: &Root, index: &PackageIndex, out: &mut Outcome) {
    if !index.has_database() {
        out.gap(Gap::new(
            UNOWNED_ELF.id,
            huoyan_core::GapReason::Absent,
            "no package database: ownership of system files cannot be judged",
        ));
        return;
    }
    let mut candidates: Vec<huoyan_core::root::WalkEntry> = Vec::new();
    for dir in SYSTEM_DIRS {
        match root.lstat(dir) {
            Ok(m) if m.kind == FileKind::Dir => {}
            _ => continue,
        }
        // Names only: ownership is a question of the path; the few unowned ELF files found are
        // statted afterwards for the evidence.
        let opts = WalkOptions {
            names_only: true,
            ..WalkOptions::default()
        };
        let _ = root.walk(
            dir,
            &opts,
            &mut |e| {
                if e.meta.kind == FileKind::File && !index.is_owned(&e.path) {
                    candidates.push(e.clone());
                }
                WalkControl::Continue
            },
            &mut |err| out.gap_from(UNOWNED_ELF.id, &err, true),
        );
    }
    for entry in candidates {
        // Opened at the walk's host path: its parents are resolved, the file is not followed.
        let Some(head) = root.open_walked(&entry).ok().and_then(head_of) else {
            continue;
        };
        let path = entry.path;
        if &head != b"\x7fELF" {
            continue;
        }
        let class = classify(&path);
        let text = path.to_string_lossy();
        let severity = match class {
            FileClass::PamModule => Severity::Critical,
            _ if text.contains("/updates/dkms/") => Severity::Low,
            FileClass::CriticalCommand | FileClass::Binary | FileClass::Kernel => Severity::High,
            _ => Severity::Medium,
        };
        let meta = root.lstat(&path).ok();
        out.add(
            UNOWNED_ELF
                .finding(
                    severity,
                    format!("{} is an ELF file that no package owns", path.display()),
                )
                .path(path.display().to_string())
                .at(meta.as_ref().and_then(|m| m.ctime))
                .evidence(json!({
                    "class": class,
                    "size": meta.as_ref().map(|m| m.size),
                    "mode": meta.as_ref().map(|m| format!("{:o}", m.perm())),
                    "uid": meta.as_ref().map(|m| m.uid),
                    "mtime": meta.as_ref().and_then(|m| m.mtime),
                    "ctime": meta.as_ref().and_then(|m| m.ctime),
                })),
        );
    }
}

/// Reports core commands (`ps`, `ls`, `sshd` …) that are scripts instead of ELF binaries.
pub fn scripts_where_elf_expected(root: &Root, out: &mut Outcome) {
    let mut seen = std::collections::HashSet::new();
    // /usr first, so merged-/usr roots report the real location.
    let mut dirs: Vec<&str> = BIN_DIRS.to_vec();
    dirs.sort_by_key(|d| !d.starts_with("/usr"));
    for dir in dirs {
        for name in CRITICAL_COMMANDS {
            let path = Path::new(dir).join(name);
            // merged /usr: /bin/ps and /usr/bin/ps are one file, reported once.
            if !root.resolve(&path).is_ok_and(|h| seen.insert(h)) {
                continue;
            }
            match root.lstat(&path) {
                Ok(m) if m.kind == FileKind::File => {}
                _ => continue,
            }
            let Some(head) = read_head(root, &path) else {
                continue;
            };
            if !head.starts_with(b"#!") {
                continue;
            }
            let first_line = root
                .read_capped(&path, 256)
                .map(|c| {
                    let line = c.data.split(|&b| b == b'\n').next().unwrap_or(&[]).to_vec();
                    huoyan_core::text::bytes_to_string(&line)
                })
                .unwrap_or_default();
            out.add(
                SCRIPT_FOR_ELF
                    .finding(
                        Severity::Critical,
                        format!("{} is a script, not an ELF binary", path.display()),
                    )
                    .path(path.display().to_string())
                    .evidence(json!({ "first_line": first_line })),
            );
        }
    }
}
