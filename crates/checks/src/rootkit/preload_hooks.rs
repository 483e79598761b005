//! `rootkit.preload_hooks` — `/etc/ld.so.preload` and preloaded libraries that override the libc
//! functions rootkits hook.
//!
//! **What it looks at:** the entries of `/etc/ld.so.preload` under the root (each library is
//! read through the Root and its ELF dynamic symbol table parsed); on the live host, every shared
//! library mapped into a process (`/proc/PID/maps`) and every `LD_PRELOAD` in a process's
//! environment, for libraries that no package owns and that export `readdir`, `readdir64`,
//! `getdents`, `fopen`, `accept`, `__xstat`, `pam_authenticate` … (the list is
//! `huoyan_artifacts::elf::HOOK_SYMBOLS`).
//!
//! **Why an attacker leaves this trace:** userland rootkits (Jynx2, Azazel, Vlany, bdvl,
//! libprocesshider) are shared objects loaded into every dynamically linked program through
//! `/etc/ld.so.preload`; they define `readdir` to drop `/proc/PID` entries and `fopen` to filter
//! `/proc/net/tcp`, so `ps`, `ls` and `netstat` lie. huoyan is static: the hook cannot touch it,
//! and the hook's exports give it away.
//!
//! **Example:** `/etc/ld.so.preload loads /usr/lib/libprocesshider.so, which overrides readdir,
//! readdir64` (critical).
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1574.006 (Hijack Execution Flow: Dynamic Linker Hijacking), T1014 (Rootkit).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use huoyan_artifacts::elf;
use huoyan_core::{CheckInfo, Outcome, Root, Severity};
use huoyan_integrity::PackageIndex;
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct PreloadHooks;

static INFO: CheckInfo = CheckInfo {
    id: "rootkit.preload_hooks",
    title: "Preloaded library hooks libc functions",
    title_zh: "预加载库劫持 libc 函数",
    mitre: &["T1574.006", "T1014"],
    remediation: "Collect the library and /etc/ld.so.preload, then empty ld.so.preload from a \
                  static shell (busybox) — dynamically linked tools are lying while it is active — \
                  and restart the affected services; rebuild the host if root was obtained.",
    remediation_zh: "取证保存该库与 /etc/ld.so.preload，使用静态 shell（busybox）清空 ld.so.preload——\
                     在其生效期间动态链接的工具输出不可信——并重启受影响的服务；若攻击者已获得 root 权限应重建主机。",
};

/// Largest library read for its symbol table.
const LIB_CAP: u64 = 128 << 20;

/// Parses `/etc/ld.so.preload`: library names separated by whitespace or `:`; `#` comments.
pub fn parse_preload(data: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(data)
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| {
            l.split(|c: char| c.is_whitespace() || c == ':')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// What a library offers that a rootkit would.
#[derive(Debug, Clone, Default)]
struct LibVerdict {
    hooks: Vec<String>,
    owned: bool,
    readable: bool,
    is_elf: bool,
}

fn examine(root: &Root, index: &PackageIndex, path: &Path) -> LibVerdict {
    let mut v = LibVerdict {
        owned: index.is_owned(path),
        ..LibVerdict::default()
    };
    if let Ok(c) = root.read_capped(path, LIB_CAP) {
        v.readable = true;
        v.is_elf = elf::is_elf(&c.data);
        if let Ok(exports) = elf::dynamic_exports(&c.data) {
            v.hooks = elf::hooked_symbols(&exports);
        }
    }
    v
}

fn is_libc_itself(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.starts_with("libc.so") || name.starts_with("libc-") || name.starts_with("ld-linux")
}

impl Check for PreloadHooks {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let index = PackageIndex::shared(&ctx.root);
        check_preload_file(&ctx.root, &index, out);
        if let Some(proc_fs) = &ctx.proc_fs {
            check_processes(&ctx.root, &index, proc_fs, out);
        }
    }
}

fn check_preload_file(root: &Root, index: &PackageIndex, out: &mut Outcome) {
    let data = match root.read_capped("/etc/ld.so.preload", 1 << 20) {
        Ok(c) => c.data,
        Err(e) => return out.gap_from(INFO.id, &e, true),
    };
    for lib in parse_preload(&data) {
        let path = PathBuf::from(&lib);
        let v = examine(root, index, &path);
        let (sev, what) = if !v.hooks.is_empty() {
            (
                Severity::Critical,
                format!("which overrides {}", v.hooks.join(", ")),
            )
        } else if !v.readable {
            (
                Severity::Medium,
                "which is missing or unreadable (a leftover, or hidden from huoyan's view)".into(),
            )
        } else if !v.owned && index.has_database() {
            (Severity::High, "which no package owns".into())
        } else {
            (Severity::Low, "(no hooked libc function exported)".into())
        };
        out.add(
            INFO.finding(sev, format!("/etc/ld.so.preload loads {lib}, {what}"))
                .path("/etc/ld.so.preload")
                .path(lib.clone())
                .evidence(json!({"library": lib, "hooks": v.hooks, "owned": v.owned,
                    "is_elf": v.is_elf})),
        );
    }
}

/// A preloaded library that overrides the libc functions rootkits hook (what
/// `rootkit.preload_hidden` compares the host's tools against).
#[derive(Debug, Clone)]
pub(crate) struct Hider {
    /// The library.
    pub path: PathBuf,
    /// The hooked functions it exports.
    pub hooks: Vec<String>,
    /// True when `/etc/ld.so.preload` loads it into every dynamically linked program.
    pub global: bool,
    /// True when some process's `LD_PRELOAD` names it (not only mapped, e.g. by `dlopen`).
    pub preloaded: bool,
}

/// The hiding libraries of the live host: `/etc/ld.so.preload` entries that export hooks, and
/// libraries no package owns that a process maps or preloads and that export hooks.
pub(crate) fn hiders(root: &Root, proc_fs: &huoyan_core::ProcFs) -> Vec<Hider> {
    let index = PackageIndex::shared(root);
    let mut out = Vec::new();
    if let Ok(c) = root.read_capped("/etc/ld.so.preload", 1 << 20) {
        for lib in parse_preload(&c.data) {
            let path = PathBuf::from(&lib);
            let v = examine(root, &index, &path);
            if !v.hooks.is_empty() && !out.iter().any(|h: &Hider| h.path == path) {
                out.push(Hider {
                    path,
                    hooks: v.hooks,
                    global: true,
                    preloaded: false,
                });
            }
        }
    }
    let preloaded = preloaded_libraries(proc_fs);
    for (lib, v, _pids) in process_libraries(root, &index, proc_fs) {
        let by_env = preloaded.contains(&lib);
        match out.iter_mut().find(|h| h.path == lib) {
            Some(h) => h.preloaded = by_env,
            None => out.push(Hider {
                path: lib,
                hooks: v.hooks,
                global: false,
                preloaded: by_env,
            }),
        }
    }
    out
}

/// Libraries named by some process's `LD_PRELOAD`.
fn preloaded_libraries(proc_fs: &huoyan_core::ProcFs) -> std::collections::BTreeSet<PathBuf> {
    let mut out = std::collections::BTreeSet::new();
    for pid in proc_fs.pids().unwrap_or_default() {
        if let Ok(env) = proc_fs.read(&format!("{pid}/environ")) {
            for var in env.split(|&b| b == 0) {
                if let Some(v) = var.strip_prefix(b"LD_PRELOAD=") {
                    out.extend(
                        parse_preload(v)
                            .into_iter()
                            .filter(|l| l.starts_with('/'))
                            .map(PathBuf::from),
                    );
                }
            }
        }
    }
    out
}

/// Libraries no package owns, mapped or preloaded by live processes, that export hooks; with
/// the pids using each.
fn process_libraries(
    root: &Root,
    index: &PackageIndex,
    proc_fs: &huoyan_core::ProcFs,
) -> Vec<(PathBuf, LibVerdict, Vec<u32>)> {
    let Ok(pids) = proc_fs.pids() else {
        return Vec::new();
    };
    // library → pids that map or preload it
    let mut users: BTreeMap<PathBuf, Vec<u32>> = BTreeMap::new();
    for pid in pids {
        if let Ok(maps) = proc_fs.read(&format!("{pid}/maps")) {
            for lib in mapped_libraries(&maps) {
                users.entry(lib).or_default().push(pid);
            }
        }
        if let Ok(env) = proc_fs.read(&format!("{pid}/environ")) {
            for var in env.split(|&b| b == 0) {
                if let Some(v) = var.strip_prefix(b"LD_PRELOAD=") {
                    for lib in parse_preload(v) {
                        if lib.starts_with('/') {
                            users.entry(PathBuf::from(lib)).or_default().push(pid);
                        }
                    }
                }
            }
        }
    }
    let mut cache: HashMap<PathBuf, LibVerdict> = HashMap::new();
    let mut out = Vec::new();
    for (lib, mut pids) in users {
        if is_libc_itself(&lib) || index.is_owned(&lib) {
            continue;
        }
        let v = cache
            .entry(lib.clone())
            .or_insert_with(|| examine(root, index, &lib))
            .clone();
        if v.hooks.is_empty() {
            continue;
        }
        pids.sort_unstable();
        pids.dedup();
        out.push((lib, v, pids));
    }
    out
}

fn check_processes(
    root: &Root,
    index: &PackageIndex,
    proc_fs: &huoyan_core::ProcFs,
    out: &mut Outcome,
) {
    for (lib, v, pids) in process_libraries(root, index, proc_fs) {
        let shown = lib.display().to_string();
        let mut f = INFO
            .finding(
                Severity::Critical,
                format!(
                    "{shown} (no package owns it) overrides {} and is loaded in {} process(es)",
                    v.hooks.join(", "),
                    pids.len()
                ),
            )
            .path(shown.clone())
            .evidence(json!({"library": shown, "hooks": v.hooks, "pids": pids}));
        for pid in pids.iter().take(50) {
            f = f.pid(*pid);
        }
        out.add(f);
    }
}

/// Distinct file-backed shared objects of a maps file (deleted ones are left to process checks).
pub fn mapped_libraries(maps: &[u8]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = String::from_utf8_lossy(maps)
        .lines()
        .filter_map(|l| {
            let path = l.splitn(6, char::is_whitespace).nth(5)?.trim();
            if !path.starts_with('/') || path.ends_with("(deleted)") {
                return None;
            }
            let name = path.rsplit('/').next()?;
            huoyan_integrity::classify::is_shared_object_name(name).then(|| PathBuf::from(path))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use huoyan_core::Window;

    #[test]
    fn parses_preload_and_maps() {
        assert_eq!(
            parse_preload(b"/lib/a.so /lib/b.so:/lib/c.so\n# x\n\n"),
            vec!["/lib/a.so", "/lib/b.so", "/lib/c.so"]
        );
        let maps = b"7f00-7f01 r-xp 00000000 fd:01 123 /usr/lib/x86_64-linux-gnu/libc.so.6\n\
7f02-7f03 r-xp 00000000 fd:01 124 /tmp/.x/libhide.so\n\
7f04-7f05 r-xp 00000000 fd:01 125 /tmp/gone.so (deleted)\n\
7f06-7f07 rw-p 00000000 00:00 0 [heap]\n";
        assert_eq!(
            mapped_libraries(maps),
            vec![
                PathBuf::from("/tmp/.x/libhide.so"),
                PathBuf::from("/usr/lib/x86_64-linux-gnu/libc.so.6")
            ]
        );
    }

    fn run_on(b: &Path) -> Outcome {
        let mut ctx = Context::new(Root::new(b).expect("root"), Window::default());
        ctx.proc_fs = None;
        let mut out = Outcome::default();
        PreloadHooks.run(&ctx, &mut out);
        out
    }

    #[test]
    fn preloaded_library_exporting_readdir_is_critical() {
        let Ok(libc) = std::fs::read("/lib/x86_64-linux-gnu/libc.so.6") else {
            return;
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let b = dir.path();
        std::fs::create_dir_all(b.join("etc")).expect("mkdir");
        std::fs::create_dir_all(b.join("usr/lib")).expect("mkdir");
        // Any ELF exporting readdir stands in for a rootkit library here.
        std::fs::write(b.join("usr/lib/libhide.so"), libc).expect("w");
        std::fs::write(b.join("etc/ld.so.preload"), "/usr/lib/libhide.so\n").expect("w");
        let out = run_on(b);
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].severity, Severity::Critical);
        assert!(out.findings[0].summary.contains("readdir"));
    }

    #[test]
    fn no_preload_file_is_quiet() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("etc")).expect("mkdir");
        let out = run_on(dir.path());
        assert!(out.findings.is_empty() && out.gaps.is_empty());
    }
}
