//! `persistence.ld_so_preload` — `/etc/ld.so.preload` and the libraries it forces into every
//! program.
//!
//! **What it looks at:** whether `/etc/ld.so.preload` exists, its entries (glibc splits on
//! whitespace and `:`; there are no comments), and for each library: present or not, owner,
//! size, times and SHA-256, read through the root. The file's own times are reported too.
//! Whether a library belongs to a package is for the integrity checks.
//!
//! **Why an attacker leaves this trace:** every dynamically linked program loads the listed
//! libraries before anything else. Userland rootkits (Azazel, Jynx, Vlany, the libprocesshider
//! family, many cryptominers) hook `readdir`, `open` and `accept` from there to hide their files,
//! processes and connections from `ls`, `ps` and `netstat`. A legitimate server almost never
//! uses this file, so any entry is critical; an empty file is a leftover worth a note.
//!
//! **Example:** `/etc/ld.so.preload` → `/usr/local/lib/libprocesshider.so` (8 KB, root, created
//! 2026-11-20T03:14Z).
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1574.006 (Hijack Execution Flow: Dynamic Linker Hijacking), T1014 (Rootkit).

use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct LdSoPreload;

static INFO: CheckInfo = CheckInfo {
    id: "persistence.ld_so_preload",
    title: "Libraries preloaded into every program (/etc/ld.so.preload)",
    title_zh: "所有程序都会预加载的动态库（/etc/ld.so.preload）",
    mitre: &["T1574.006", "T1014"],
    remediation: "Do not trust ps/ls/netstat on this host (huoyan is static and unaffected). \
                  Copy the file and each library as evidence, empty /etc/ld.so.preload, move the \
                  libraries away, then re-run the scan: hidden processes and files reappear.",
    remediation_zh: "不要信任本机的 ps/ls/netstat（huoyan 为静态编译，不受影响）。先复制该文件和各个库作为证据，\
                     清空 /etc/ld.so.preload 并移走这些库，然后重新扫描：被隐藏的进程和文件会重新出现。",
};

const PRELOAD: &str = "/etc/ld.so.preload";

/// Largest library hashed for the evidence.
const MAX_HASH_BYTES: u64 = 256 * 1024 * 1024;

/// Splits the file the way glibc's loader does.
pub(crate) fn entries(data: &[u8]) -> Vec<String> {
    huoyan_core::text::bytes_to_string(data)
        .split(|c: char| c.is_whitespace() || c == ':')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl Check for LdSoPreload {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let meta = match ctx.root.stat(PRELOAD) {
            Ok(m) => m,
            Err(e) => {
                out.gap_from(INFO.id, &e, true);
                return;
            }
        };
        let data = match ctx.root.read_capped(PRELOAD, 1024 * 1024) {
            Ok(c) => c.data,
            Err(e) => {
                out.gap_from(INFO.id, &e, true);
                return;
            }
        };
        let libs = entries(&data);
        let file_times = json!({
            "mtime": meta.mtime.map(huoyan_core::time::format_utc),
            "ctime": meta.ctime.map(huoyan_core::time::format_utc),
            "btime": meta.btime.map(huoyan_core::time::format_utc),
            "size": meta.size,
            "uid": meta.uid,
        });
        if libs.is_empty() {
            out.add(
                INFO.finding(
                    Severity::Low,
                    format!(
                        "{PRELOAD} exists but lists nothing (a cleaned-up rootkit often leaves it)"
                    ),
                )
                .path(PRELOAD)
                .at(meta.mtime)
                .evidence(json!({"file": PRELOAD, "file_meta": file_times})),
            );
            return;
        }
        let mut details = Vec::new();
        let mut f = INFO.finding(
            Severity::Critical,
            format!("{PRELOAD} preloads {} into every program", libs.join(", ")),
        );
        f = f.path(PRELOAD).at(meta.mtime);
        for lib in &libs {
            f = f.path(lib.clone());
            let detail = match ctx.root.stat(lib) {
                Ok(m) => {
                    // A preloaded library is small; a huge (or sparse) file is not hashed.
                    let sha256 = (m.size <= MAX_HASH_BYTES)
                        .then(|| ctx.root.open(lib).ok())
                        .flatten()
                        .and_then(|file| huoyan_core::hash::sha256_reader(file).ok())
                        .map(|(h, _)| h);
                    json!({
                        "path": lib,
                        "exists": true,
                        "size": m.size,
                        "uid": m.uid,
                        "mode": format!("{:04o}", m.perm()),
                        "sha256": sha256,
                        "mtime": m.mtime.map(huoyan_core::time::format_utc),
                        "ctime": m.ctime.map(huoyan_core::time::format_utc),
                    })
                }
                Err(e) => json!({"path": lib, "exists": false, "error": e.to_string()}),
            };
            details.push(detail);
        }
        out.add(
            f.evidence(json!({"file": PRELOAD, "file_meta": file_times, "libraries": details})),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::testing::{root_with, run_default};

    #[test]
    fn flags_preloaded_library_with_hash() {
        let dir = root_with(&[
            ("/etc/ld.so.preload", "/usr/local/lib/libprocesshider.so\n"),
            ("/usr/local/lib/libprocesshider.so", "\x7fELF fake"),
        ]);
        let out = run_default(&LdSoPreload, dir.path());
        assert_eq!(out.findings.len(), 1);
        let f = &out.findings[0];
        assert_eq!(f.severity, Severity::Critical);
        assert!(f
            .paths
            .contains(&"/usr/local/lib/libprocesshider.so".to_string()));
        assert!(f.evidence["libraries"][0]["sha256"].is_string());
    }

    #[test]
    fn absent_is_quiet_empty_is_low() {
        let dir = root_with(&[]);
        assert!(run_default(&LdSoPreload, dir.path()).findings.is_empty());
        let dir = root_with(&[("/etc/ld.so.preload", "\n \n")]);
        let out = run_default(&LdSoPreload, dir.path());
        assert_eq!(out.findings[0].severity, Severity::Low);
        assert_eq!(
            entries(b"/a.so:/b.so /c.so\n#x"),
            vec!["/a.so", "/b.so", "/c.so", "#x"]
        );
    }
}
