//! `rootkit.kernel_modules` — kernel modules seen from several sides, taint, stray module files
//! and boot-time load hooks.
//!
//! **What it looks at:** live: `/proc/modules` vs `/sys/module/*/initstate` (a loadable module
//! present in sysfs but missing from the module list is hiding), each loaded module vs the
//! running kernel's `modules.dep`/`modules.builtin` (a module with no file in the tree came from
//! elsewhere), `/proc/sys/kernel/tainted` decoded. On any root: `.ko` files outside
//! `/lib/modules` (in `/tmp`, `/dev/shm`, `/root`, `/home`, `/opt`, `/etc`, `/usr/local` …),
//! module files in `/lib/modules` no package owns, `modules-load.d`/`/etc/modules` entries that no
//! installed kernel provides, and `install`/`remove` commands in `modprobe.d`.
//!
//! **Why an attacker leaves this trace:** LKM rootkits (Diamorphine, Reptile, Suterusu, KoviD)
//! unlink themselves from the module list, but stay in sysfs unless they also remove their
//! kobject; loading an out-of-tree unsigned module taints the kernel (`O`, `E`); the `.ko` is
//! usually built in `/tmp` or `/root`, and persistence comes from a `modules-load.d` entry or a
//! modprobe `install` hook that runs a script whenever a common module loads.
//!
//! **Example:** `module diamorphine is in /sys/module but hidden from /proc/modules` (critical);
//! `/etc/modprobe.d/nf.conf line 1: install nf_conntrack runs /usr/local/.x/load.sh` (high).
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1014 (Rootkit), T1547.006 (Boot or Logon Autostart: Kernel Modules and
//! Extensions).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use huoyan_artifacts::modules::{self, LoadedModule};
use huoyan_core::root::{WalkControl, WalkOptions};
use huoyan_core::{CheckInfo, FileKind, Gap, GapReason, Outcome, Root, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct KernelModules;

static INFO: CheckInfo = CheckInfo {
    id: "rootkit.kernel_modules",
    title: "Suspicious kernel module state",
    title_zh: "内核模块状态可疑",
    mitre: &["T1014", "T1547.006"],
    remediation: "Capture memory before rebooting (a hidden module lives only there), collect \
                  the module file and its load hook, remove the hook, and rebuild the host if a \
                  module was hidden.",
    remediation_zh:
        "重启前先获取内存镜像（隐藏模块只存在于内存中），取证保存模块文件及其加载配置，\
                     删除加载配置；若发现隐藏模块应重建主机。",
};

/// Directories searched for stray `.ko` files.
const STRAY_DIRS: &[&str] = &[
    "/tmp",
    "/var/tmp",
    "/dev/shm",
    "/root",
    "/home",
    "/opt",
    "/etc",
    "/usr/local",
    "/var/lib",
    "/srv",
    "/boot",
];
const MODULE_TREES: &[&str] = &["/lib/modules", "/usr/lib/modules"];
const LOAD_DIRS: &[&str] = &[
    "/etc/modules-load.d",
    "/usr/lib/modules-load.d",
    "/lib/modules-load.d",
    "/run/modules-load.d",
];
const MODPROBE_DIRS: &[&str] = &[
    "/etc/modprobe.d",
    "/usr/lib/modprobe.d",
    "/lib/modprobe.d",
    "/run/modprobe.d",
];

/// A module the two live views disagree about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HiddenModule {
    /// Module name.
    pub name: String,
}

/// Loadable modules present in sysfs (`initstate` exists) but absent from /proc/modules.
pub fn hidden_modules(listed: &[LoadedModule], sys_loadable: &[String]) -> Vec<HiddenModule> {
    let names: HashSet<&str> = listed.iter().map(|m| m.name.as_str()).collect();
    sys_loadable
        .iter()
        .filter(|n| !names.contains(n.as_str()))
        .map(|n| HiddenModule { name: n.clone() })
        .collect()
}

impl Check for KernelModules {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let tree = module_tree_names(&ctx.root);
        live_views(ctx, &tree, out);
        stray_module_files(ctx, out);
        unowned_tree_modules(&ctx.root, out);
        load_hooks(&ctx.root, &tree, out);
    }
}

/// Every module name any installed kernel provides (modules.dep + modules.builtin), by release.
fn module_tree_names(root: &Root) -> std::collections::HashMap<String, HashSet<String>> {
    let mut out = std::collections::HashMap::new();
    for tree in MODULE_TREES {
        let Ok(releases) = root.read_dir(tree) else {
            continue;
        };
        for rel in releases {
            let mut names: HashSet<String> = HashSet::new();
            if let Ok(c) = root.read_capped(rel.path.join("modules.dep"), 64 << 20) {
                names.extend(
                    modules::parse_modules_dep(&c.data)
                        .into_iter()
                        .map(|(n, _)| n),
                );
            }
            if let Ok(c) = root.read_capped(rel.path.join("modules.builtin"), 64 << 20) {
                names.extend(modules::parse_modules_builtin(&c.data));
            }
            if !names.is_empty() {
                out.entry(rel.name.to_string_lossy().into_owned())
                    .or_insert_with(HashSet::new)
                    .extend(names);
            }
        }
    }
    out
}

fn live_views(
    ctx: &Context,
    tree: &std::collections::HashMap<String, HashSet<String>>,
    out: &mut Outcome,
) {
    let Some(proc_fs) = &ctx.proc_fs else {
        out.gap(Gap::new(
            INFO.id,
            GapReason::LiveOnly,
            "loaded modules and taint need the live /proc and /sys",
        ));
        return;
    };
    if let Ok(t) = proc_fs.read("sys/kernel/tainted") {
        if let Some(mask) = modules::parse_tainted(&t) {
            let flags = modules::decode_taint(mask);
            let relevant: Vec<_> = flags.iter().filter(|f| f.rootkit_relevant).collect();
            if !relevant.is_empty() {
                let letters: String = relevant.iter().map(|f| f.letter).collect();
                out.add(
                    INFO.finding(
                        Severity::Medium,
                        format!(
                            "kernel is tainted ({letters}): {}",
                            relevant
                                .iter()
                                .map(|f| f.meaning)
                                .collect::<Vec<_>>()
                                .join("; ")
                        ),
                    )
                    .evidence(json!({"tainted": mask, "flags": flags})),
                );
            }
        }
    }
    let listed = match proc_fs.read("modules") {
        Ok(d) => modules::parse_proc_modules(&d),
        Err(e) => {
            out.gap(Gap::new(
                INFO.id,
                GapReason::Unsupported,
                format!("no module list ({e}): kernel without loadable module support?"),
            ));
            return;
        }
    };
    let sys_loadable = sysfs_loadable_modules(Path::new("/sys/module"));
    let mut hidden = hidden_modules(&listed, &sys_loadable);
    if !hidden.is_empty() {
        // Re-read once: a module loading during the first read is not hiding.
        if let Ok(d) = proc_fs.read("modules") {
            hidden = hidden_modules(&modules::parse_proc_modules(&d), &sys_loadable);
        }
    }
    for h in hidden {
        out.add(
            INFO.finding(
                Severity::Critical,
                format!(
                    "module {} is in /sys/module but hidden from /proc/modules",
                    h.name
                ),
            )
            .path(format!("/sys/module/{}", h.name))
            .evidence(json!({"module": h.name})),
        );
    }
    let release = proc_fs
        .read("sys/kernel/osrelease")
        .map(|d| String::from_utf8_lossy(&d).trim().to_string())
        .unwrap_or_default();
    let Some(names) = tree.get(&release) else {
        out.gap(Gap::new(
            INFO.id,
            GapReason::Absent,
            format!("no modules.dep for the running kernel {release:?}: loaded modules not matched to files"),
        ));
        return;
    };
    for m in &listed {
        let tainted = m.taint.contains('O') || m.taint.contains('E') || m.taint.contains('F');
        if !names.contains(&m.name) {
            out.add(
                INFO.finding(
                    if tainted {
                        Severity::High
                    } else {
                        Severity::Medium
                    },
                    format!(
                        "loaded module {} has no file in the module tree of kernel {release}",
                        m.name
                    ),
                )
                .evidence(json!({"module": m, "release": release})),
            );
        }
    }
}

/// Names of `/sys/module/*` entries that are loadable modules (they have `initstate`).
fn sysfs_loadable_modules(dir: &Path) -> Vec<String> {
    let Ok(entries) = huoyan_core::procfs::list_dir_raw(dir, &dir.display().to_string()) else {
        return Vec::new();
    };
    entries
        .into_iter()
        .filter(|(name, _)| dir.join(name).join("initstate").exists())
        .map(|(name, _)| name.to_string_lossy().into_owned())
        .collect()
}

fn stray_module_files(ctx: &Context, out: &mut Outcome) {
    let root = &ctx.root;
    let opts = WalkOptions {
        max_depth: 12,
        same_device: true,
        max_entries: 500_000,
        names_only: true,
        report_depth_cap: true,
    };
    // The set-id walk of this scan already went through most of these trees: its module-named
    // files are taken from there, and only the directories it did not cover are walked.
    let shared = crate::persistence::privileged_walk::get(ctx);
    let covered: Vec<PathBuf> = shared
        .starts
        .iter()
        .filter_map(|s| root.resolve(s).ok())
        .collect();
    for dir in STRAY_DIRS {
        if !root.lstat(dir).is_ok_and(|m| m.kind == FileKind::Dir) {
            continue;
        }
        let mut found: Vec<PathBuf> = Vec::new();
        if root
            .resolve(dir)
            .is_ok_and(|h| covered.iter().any(|c| h.starts_with(c)))
        {
            found.extend(
                shared
                    .module_files
                    .iter()
                    .filter(|p| p.starts_with(dir))
                    .cloned(),
            );
            report_stray(root, found, out);
            continue;
        }
        // Names only: a module file is recognised by its name; only those found are statted.
        let _ = root.walk(
            dir,
            &opts,
            &mut |e| {
                if e.meta.kind == FileKind::File
                    && modules::is_module_file(e.path.as_os_str().as_encoded_bytes())
                {
                    found.push(e.path.clone());
                }
                WalkControl::Continue
            },
            &mut |err| out.gap_from(INFO.id, &err, true),
        );
        report_stray(root, found, out);
    }
}

/// One finding per module file found outside the module tree, with what modinfo says.
fn report_stray(root: &Root, found: Vec<PathBuf>, out: &mut Outcome) {
    for path in found {
        let Ok(meta) = root.lstat(&path) else {
            continue;
        };
        let info = root
            .read_capped(&path, 32 << 20)
            .ok()
            .and_then(|c| huoyan_artifacts::elf::modinfo(&c.data).ok())
            .unwrap_or_default();
        let shown = path.display().to_string();
        out.add(
            INFO.finding(
                Severity::High,
                format!("kernel module file {shown} lies outside /lib/modules"),
            )
            .path(shown)
            .at(meta.ctime)
            .evidence(json!({"modinfo": info, "size": meta.size, "mtime": meta.mtime})),
        );
    }
}

fn unowned_tree_modules(root: &Root, out: &mut Outcome) {
    let index = huoyan_integrity::PackageIndex::shared(root);
    if !index.has_database() {
        return;
    }
    for tree in MODULE_TREES {
        if !root.lstat(tree).is_ok_and(|m| m.kind == FileKind::Dir) {
            continue;
        }
        let mut found = Vec::new();
        let _ = root.walk(
            tree,
            &WalkOptions {
                names_only: true,
                ..WalkOptions::default()
            },
            &mut |e| {
                if e.meta.kind == FileKind::File
                    && modules::is_module_file(e.path.as_os_str().as_encoded_bytes())
                    && !index.is_owned(&e.path)
                {
                    found.push(e.path.clone());
                }
                WalkControl::Continue
            },
            &mut |err| out.gap_from(INFO.id, &err, true),
        );
        for path in found {
            let text = path.to_string_lossy();
            let dkms = text.contains("/updates/dkms/") || text.contains("/extra/");
            out.add(
                INFO.finding(
                    if dkms { Severity::Low } else { Severity::High },
                    format!("kernel module {text} is not owned by any package"),
                )
                .path(text.to_string())
                .evidence(json!({"dkms_location": dkms})),
            );
        }
    }
}

fn benign_hook(command: &str) -> bool {
    if command.contains([';', '|', '&', '`', '$', '>', '<']) {
        return false;
    }
    let prog = command.split_whitespace().next().unwrap_or("");
    matches!(
        prog,
        "/bin/true" | "/bin/false" | "/usr/bin/true" | "/usr/bin/false" | "true" | "false"
    ) || (prog.ends_with("/modprobe") && command.contains("--ignore-install"))
}

fn load_hooks(
    root: &Root,
    tree: &std::collections::HashMap<String, HashSet<String>>,
    out: &mut Outcome,
) {
    let known: HashSet<&String> = tree.values().flatten().collect();
    let mut load_files: Vec<PathBuf> = vec![PathBuf::from("/etc/modules")];
    for dir in LOAD_DIRS {
        if let Ok(entries) = root.read_dir(dir) {
            load_files.extend(entries.into_iter().map(|e| e.path));
        }
    }
    for file in load_files {
        let Ok(c) = root.read_capped(&file, 1 << 20) else {
            continue;
        };
        for (line, name) in modules::parse_modules_load(&c.data) {
            let kname = name.replace('-', "_");
            if tree.is_empty() || known.contains(&kname) {
                continue;
            }
            let shown = file.display().to_string();
            out.add(
                INFO.finding(
                    Severity::High,
                    format!("{shown} line {line} loads {name} at boot, which no installed kernel provides"),
                )
                .path(shown)
                .evidence(json!({"line": line, "module": name})),
            );
        }
    }
    for dir in MODPROBE_DIRS {
        let Ok(entries) = root.read_dir(dir) else {
            continue;
        };
        for e in entries {
            let Ok(c) = root.read_capped(&e.path, 1 << 20) else {
                continue;
            };
            for d in modules::parse_modprobe_conf(&c.data) {
                if (d.keyword != "install" && d.keyword != "remove") || benign_hook(&d.rest) {
                    continue;
                }
                let writable = ["/tmp/", "/var/tmp/", "/dev/shm/", "/home/", "/root/"]
                    .iter()
                    .any(|p| d.rest.contains(p))
                    || d.rest.contains("/.");
                let shown = e.path.display().to_string();
                out.add(
                    INFO.finding(
                        if writable {
                            Severity::High
                        } else {
                            Severity::Medium
                        },
                        format!(
                            "{shown} line {}: {} {} runs {}",
                            d.line,
                            d.keyword,
                            d.module,
                            huoyan_core::text::truncate_chars(&d.rest, 200)
                        ),
                    )
                    .path(shown)
                    .evidence(
                        json!({"line": d.line, "keyword": d.keyword, "module": d.module,
                        "command": d.rest}),
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use huoyan_core::Window;

    #[test]
    fn sysfs_only_module_is_hidden() {
        let listed = modules::parse_proc_modules(
            b"nf_tables 376832 1 - Live 0x0\nloop 40960 0 - Live 0x0\n",
        );
        let hidden = hidden_modules(
            &listed,
            &["nf_tables".into(), "loop".into(), "diamorphine".into()],
        );
        assert_eq!(
            hidden,
            vec![HiddenModule {
                name: "diamorphine".into()
            }]
        );
        assert!(hidden_modules(&listed, &["loop".into()]).is_empty());
    }

    fn run_offline(b: &Path) -> Outcome {
        let mut ctx = Context::new(Root::new(b).expect("root"), Window::default());
        ctx.proc_fs = None;
        let mut out = Outcome::default();
        KernelModules.run(&ctx, &mut out);
        out
    }

    fn kernel_tree(b: &Path) {
        let rel = b.join("lib/modules/6.1.0-27-amd64");
        std::fs::create_dir_all(rel.join("kernel/drivers/block")).expect("mkdir");
        std::fs::write(
            rel.join("modules.dep"),
            "kernel/drivers/block/loop.ko: \nkernel/net/netfilter/nf_tables.ko: kernel/lib/libcrc32c.ko\n",
        )
        .expect("w");
        std::fs::write(rel.join("modules.builtin"), "kernel/fs/ext4/ext4.ko\n").expect("w");
        std::fs::create_dir_all(b.join("etc/modprobe.d")).expect("mkdir");
        std::fs::create_dir_all(b.join("etc/modules-load.d")).expect("mkdir");
        // Debian's /etc/modules header, verbatim, plus a real entry.
        std::fs::write(
            b.join("etc/modules"),
            "# /etc/modules: kernel modules to load at boot time.\n#\n# This file contains the names of kernel modules that should be loaded\n# at boot time, one per line. Lines beginning with \"#\" are ignored.\nloop\n",
        )
        .expect("w");
        std::fs::write(
            b.join("etc/modprobe.d/blacklist.conf"),
            "blacklist pcspkr\ninstall usb-storage /bin/true\n",
        )
        .expect("w");
    }

    #[test]
    fn flags_stray_ko_load_hook_and_install_command() {
        let dir = tempfile::tempdir().expect("tempdir");
        let b = dir.path();
        kernel_tree(b);
        std::fs::create_dir_all(b.join("tmp/.r")).expect("mkdir");
        std::fs::write(b.join("tmp/.r/diamorphine.ko"), b"\x7fELF").expect("w");
        std::fs::write(b.join("etc/modules-load.d/net.conf"), "diamorphine\n").expect("w");
        std::fs::write(
            b.join("etc/modprobe.d/nf.conf"),
            "install nf_tables /sbin/modprobe --ignore-install nf_tables; /tmp/.r/load.sh\n",
        )
        .expect("w");
        let out = run_offline(b);
        let s: Vec<&str> = out.findings.iter().map(|f| f.summary.as_str()).collect();
        assert_eq!(out.findings.len(), 3, "{s:?}");
        assert!(s.iter().any(|x| x.contains("/tmp/.r/diamorphine.ko")));
        assert!(s.iter().any(|x| x.contains("loads diamorphine")));
        assert!(s.iter().any(|x| x.contains("install nf_tables")));
    }

    #[test]
    fn debian_defaults_are_quiet() {
        let dir = tempfile::tempdir().expect("tempdir");
        kernel_tree(dir.path());
        let out = run_offline(dir.path());
        assert!(out.findings.is_empty(), "{:?}", out.findings);
    }
}
