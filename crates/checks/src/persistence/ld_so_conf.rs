//! `persistence.ld_so_conf` — library search directories that attackers can fill.
//!
//! **What it looks at:** `/etc/ld.so.conf` and the files it `include`s (globs, normally
//! `/etc/ld.so.conf.d/*.conf`): every directory the dynamic linker's cache is built from. A
//! directory in a writable or hidden place (`/tmp`, `/dev/shm`, home directories, dot-dirs), one
//! that anyone can write, or one outside the usual `/usr`, `/lib*`, `/opt` trees is reported.
//!
//! **Why an attacker leaves this trace:** a directory listed here is searched before the system
//! ones for every program once `ldconfig` runs; a `libc.so.6` or `libpam.so.0` planted in it
//! hijacks every process — the same effect as `/etc/ld.so.preload`, but quieter.
//!
//! **Example:** `/etc/ld.so.conf.d/00-x.conf` line 1: `/dev/shm/.lib`.
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1574.006 (Hijack Execution Flow: Dynamic Linker Hijacking).

use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct LdSoConf;

static INFO: CheckInfo = CheckInfo {
    id: "persistence.ld_so_conf",
    title: "Dynamic linker searches an unusual directory",
    title_zh: "动态链接器搜索路径包含异常目录",
    mitre: &["T1574.006"],
    remediation: "Keep the configuration file and the directory's libraries as evidence, remove \
                  the line, run ldconfig, and check which programs loaded libraries from there \
                  (/proc/PID/maps on the live host).",
    remediation_zh: "保留该配置文件及目录中的库文件作为证据，删除该行并执行 ldconfig，\
                     并排查哪些程序从该目录加载过库（在线主机可查看 /proc/PID/maps）。",
};

const MAX_FILES: usize = 256;

/// (directory, file, line) from the configuration tree.
fn directories(ctx: &Context, out: &mut Outcome) -> Vec<(String, String, usize)> {
    let mut dirs = Vec::new();
    let mut queue = vec!["/etc/ld.so.conf".to_string()];
    let mut seen = std::collections::HashSet::new();
    while let Some(file) = queue.pop() {
        if !seen.insert(file.clone()) || seen.len() > MAX_FILES {
            continue;
        }
        let data = match ctx.root.read_capped(&file, 1024 * 1024) {
            Ok(c) => c.data,
            Err(e) => {
                out.gap_from(INFO.id, &e, true);
                continue;
            }
        };
        let text = huoyan_core::text::bytes_to_string(&data);
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() || line.starts_with("hwcap ") {
                continue;
            }
            if let Some(pattern) = line.strip_prefix("include") {
                let base = std::path::Path::new(&file)
                    .parent()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "/etc".into());
                for p in pattern.split_whitespace() {
                    let p = if p.starts_with('/') {
                        p.to_string()
                    } else {
                        format!("{base}/{p}")
                    };
                    for f in huoyan_artifacts::sshd_config::glob(&ctx.root, &p) {
                        queue.push(f.display().to_string());
                    }
                }
                continue;
            }
            // Old syntax allows `dir=TYPE` and several directories per line.
            for d in line.split([' ', '\t', ',', ':']).filter(|d| !d.is_empty()) {
                let d = d.split('=').next().unwrap_or(d);
                dirs.push((d.to_string(), file.clone(), i + 1));
            }
        }
    }
    dirs
}

fn usual(dir: &str) -> bool {
    ["/usr/", "/lib", "/opt/", "/usr/local/lib"]
        .iter()
        .any(|p| dir.starts_with(p))
        && !dir
            .split('/')
            .any(|c| c.starts_with('.') && c.len() > 1 && c != "..")
}

fn writable_place(dir: &str) -> bool {
    [
        "/tmp",
        "/var/tmp",
        "/dev/shm",
        "/home/",
        "/root",
        "/run/user/",
    ]
    .iter()
    .any(|p| dir.starts_with(p))
        || dir
            .split('/')
            .any(|c| c.starts_with('.') && c.len() > 1 && c != "..")
}

impl Check for LdSoConf {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        for (dir, file, line) in directories(ctx, out) {
            let meta = ctx.root.stat(&dir).ok();
            let world_writable = meta.as_ref().is_some_and(|m| m.is_world_writable());
            let (severity, why) = if writable_place(&dir) {
                (Severity::High, "a writable or hidden place")
            } else if world_writable {
                (Severity::High, "a directory anyone can write")
            } else if !usual(&dir) {
                (Severity::Medium, "outside /usr, /lib and /opt")
            } else {
                continue;
            };
            out.add(
                INFO.finding(
                    severity,
                    format!("{file} line {line} adds library directory {dir}: {why}"),
                )
                .path(file.clone())
                .path(dir.clone())
                .evidence(json!({
                    "file": file,
                    "line": line,
                    "directory": dir,
                    "exists": meta.is_some(),
                    "mode": meta.as_ref().map(|m| format!("{:04o}", m.perm())),
                })),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::testing::{root_with, run_default};

    /// Debian 12's /etc/ld.so.conf and its two stock drop-ins (libc-bin, libc6).
    const STOCK: &[(&str, &str)] = &[
        ("/etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n\n"),
        ("/etc/ld.so.conf.d/libc.conf", "# libc default configuration\n/usr/local/lib\n"),
        (
            "/etc/ld.so.conf.d/x86_64-linux-gnu.conf",
            "# Multiarch support\n/usr/local/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n",
        ),
    ];

    #[test]
    fn flags_hidden_shm_directory() {
        let mut files = STOCK.to_vec();
        files.push(("/etc/ld.so.conf.d/00-x.conf", "/dev/shm/.lib\n"));
        let dir = root_with(&files);
        let out = run_default(&LdSoConf, dir.path());
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].severity, Severity::High);
        assert!(out.findings[0].paths.contains(&"/dev/shm/.lib".to_string()));
    }

    #[test]
    fn debian_stock_is_quiet() {
        let dir = root_with(STOCK);
        assert!(run_default(&LdSoConf, dir.path()).findings.is_empty());
    }
}
