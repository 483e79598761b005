//! The walk behind `persistence.suid` and `persistence.file_caps`: every regular file with a
//! set-id bit or a `security.capability` attribute under the directories where programs live or
//! where attackers drop them.
//!
//! Walked through [`huoyan_core::Root::walk`] (no symlink followed, one filesystem per start);
//! starts that resolve inside another start (merged `/usr`: `/bin` → `/usr/bin`) are skipped, and
//! every start is split two directory levels down into units that several threads share. The attribute is
//! read with `lgetxattr` on the walk's host path, so a symlink is never followed; only files with
//! an execute bit are asked (capabilities act on exec). Both checks share one walk per scan
//! through a small cache keyed by the root and the scan's start time. Plain OS threads are used
//! rather than rayon, because the checks themselves run on rayon's pool and wait on the cache.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use huoyan_artifacts::file_caps::{self, FileCaps};
use huoyan_core::root::{WalkControl, WalkOptions};
use huoyan_core::{FileKind, Meta, RootError};

use crate::Context;

/// Where programs and droppers live.
pub(crate) const STARTS: &[&str] = &[
    "/bin", "/sbin", "/usr", "/lib", "/lib32", "/lib64", "/libx32", "/opt", "/tmp", "/var/tmp",
    "/dev/shm", "/home", "/root", "/srv", "/var/www", "/etc",
];

/// One privileged file.
#[derive(Debug, Clone)]
pub(crate) struct PrivilegedFile {
    /// Logical path.
    pub path: String,
    /// lstat.
    pub meta: Meta,
    /// Decoded capabilities, if the attribute is set.
    pub caps: Option<FileCaps>,
    /// Raw attribute bytes when present but undecodable.
    pub caps_raw_malformed: bool,
}

/// Result of one walk.
#[derive(Debug, Default)]
pub(crate) struct WalkResult {
    /// Set-id files and files with capabilities.
    pub files: Vec<PrivilegedFile>,
    /// Walk errors (unreadable directories …).
    pub errors: Vec<RootError>,
    /// Entries examined.
    pub entries: usize,
    /// Entries with a time in the recent window, handed to the timeline (see
    /// [`huoyan_core::walked`]).
    pub recent: Vec<(PathBuf, Meta)>,
    /// The recent-entry cap was reached.
    pub recent_truncated: bool,
    /// The starts walked.
    pub starts: Vec<PathBuf>,
    /// The recent window.
    pub recent_window: huoyan_core::Window,
    /// Regular files named like kernel modules (`*.ko`, `*.ko.xz` …), for the module checks.
    pub module_files: Vec<PathBuf>,
    /// `recent` packed for the timeline once the walk is over (shared, not copied).
    pub handed_on: Option<Arc<huoyan_core::walked::WalkedTimes>>,
}

impl WalkResult {
    fn keep_recent(&mut self, path: &Path, meta: &Meta) {
        if !huoyan_core::walked::has_time_in(meta, &self.recent_window)
            || !huoyan_core::walked::in_timeline_dirs(path)
        {
            return;
        }
        if self.recent.len() >= huoyan_core::walked::MAX_WALKED_TIMES {
            self.recent_truncated = true;
            return;
        }
        self.recent.push((path.to_path_buf(), meta.clone()));
    }
}

type CacheKey = (PathBuf, i128);
static CACHE: Mutex<Vec<(CacheKey, Arc<WalkResult>)>> = Mutex::new(Vec::new());

type Cache = Vec<(CacheKey, Arc<WalkResult>)>;

/// The cache, locked, with this scan's key and its walk if one was made.
fn lookup(
    ctx: &Context,
) -> (
    std::sync::MutexGuard<'static, Cache>,
    CacheKey,
    Option<Arc<WalkResult>>,
) {
    let key = (ctx.root.base().to_path_buf(), ctx.now.as_nanosecond());
    let cache = CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let found = cache
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, r)| Arc::clone(r));
    (cache, key, found)
}

/// The walk of this scan if one of its checks already made it (never starts one).
pub(crate) fn cached(ctx: &Context) -> Option<Arc<WalkResult>> {
    lookup(ctx).2
}

/// The walk for this scan (computed once, shared by both checks; the lock is held while it
/// runs, so the second check waits instead of walking again).
pub(crate) fn get(ctx: &Context) -> Arc<WalkResult> {
    let (mut cache, key, found) = lookup(ctx);
    if let Some(r) = found {
        return r;
    }
    let result = Arc::new(walk(ctx));
    cache.retain(|(k, _)| k.0 != key.0);
    if cache.len() > 8 {
        cache.remove(0);
    }
    cache.push((key, Arc::clone(&result)));
    result
}

/// The starts that exist, minus those that resolve inside another start (merged /usr).
fn starts(ctx: &Context) -> Vec<PathBuf> {
    let mut resolved: Vec<(PathBuf, PathBuf)> = Vec::new();
    for s in STARTS {
        let Ok(host) = ctx.root.resolve(s) else {
            continue;
        };
        if !host.is_dir() {
            continue;
        }
        resolved.push((PathBuf::from(s), host));
    }
    let mut out = Vec::new();
    for (i, (logical, host)) in resolved.iter().enumerate() {
        let inside = resolved
            .iter()
            .enumerate()
            .any(|(j, (_, other))| j != i && host.starts_with(other) && (host != other || j < i));
        if !inside {
            out.push(logical.clone());
        }
    }
    out
}

/// Splits the starts into units of work: directories [`SPLIT_LEVELS`] below each start become
/// separate walks (so one big home directory does not keep a single thread busy while the
/// others idle); files met on the way are examined directly. Directories on another filesystem
/// than their start are not entered, as the walk itself would not.
fn plan(ctx: &Context, result: &mut WalkResult) -> Vec<PathBuf> {
    let mut units = Vec::new();
    result.starts = starts(ctx);
    for start in result.starts.clone() {
        let Ok(meta) = ctx.root.stat(&start) else {
            continue;
        };
        split(ctx, &start, meta.dev, SPLIT_LEVELS, &mut units, result);
    }
    units
}

/// How many directory levels below each start are split into separate walks.
const SPLIT_LEVELS: usize = 2;

fn split(
    ctx: &Context,
    dir: &Path,
    dev: u64,
    levels: usize,
    units: &mut Vec<PathBuf>,
    result: &mut WalkResult,
) {
    if levels == 0 {
        units.push(dir.to_path_buf());
        return;
    }
    let (entries, host_dir) = match (ctx.root.read_dir(dir), ctx.root.resolve(dir)) {
        (Ok(e), Ok(h)) => (e, h),
        (Err(e), _) | (_, Err(e)) => {
            result.errors.push(e);
            return;
        }
    };
    for entry in entries {
        result.entries += 1;
        match entry.kind {
            FileKind::Dir => {
                let meta = ctx.root.lstat(&entry.path);
                if let Ok(m) = &meta {
                    result.keep_recent(&entry.path, m);
                }
                let same_fs = meta.is_ok_and(|m| m.dev == dev);
                if same_fs {
                    split(ctx, &entry.path, dev, levels - 1, units, result);
                }
            }
            FileKind::File => {
                // Parents are resolved inside the root; the file itself is never followed.
                let host = host_dir.join(&entry.name);
                match ctx.root.lstat(&entry.path) {
                    Ok(meta) => {
                        result.keep_recent(&entry.path, &meta);
                        examine(&entry.path, &host, &meta, result);
                    }
                    Err(e) => result.errors.push(e),
                }
            }
            _ => {
                if let Ok(meta) = ctx.root.lstat(&entry.path) {
                    result.keep_recent(&entry.path, &meta);
                }
            }
        }
    }
}

/// Records a regular file when it is set-id or carries capabilities.
fn examine(path: &Path, host: &Path, meta: &Meta, result: &mut WalkResult) {
    if meta.kind != FileKind::File {
        return;
    }
    if huoyan_artifacts::modules::is_module_file(path.as_os_str().as_encoded_bytes()) {
        result.module_files.push(path.to_path_buf());
    }
    let setid = meta.mode & 0o6000 != 0;
    let exec = meta.mode & 0o111 != 0;
    let (caps, malformed) = if exec { read_caps(host) } else { (None, false) };
    if setid || caps.is_some() || malformed {
        result.files.push(PrivilegedFile {
            path: path.display().to_string(),
            meta: meta.clone(),
            caps,
            caps_raw_malformed: malformed,
        });
    }
}

fn read_caps(host: &Path) -> (Option<FileCaps>, bool) {
    let mut buf = [0u8; 256];
    match rustix::fs::lgetxattr(host, "security.capability", &mut buf[..]) {
        Ok(n) => match file_caps::parse(&buf[..n]) {
            Some(c) => (Some(c), false),
            None => (None, true),
        },
        // Larger than any vfs_cap_data revision: present, and not what the kernel writes.
        Err(rustix::io::Errno::RANGE) => (None, true),
        Err(_) => (None, false),
    }
}

fn walk_one(ctx: &Context, start: &Path, recent_window: huoyan_core::Window) -> WalkResult {
    let mut result = WalkResult {
        recent_window,
        ..WalkResult::default()
    };
    let opts = WalkOptions {
        max_depth: 32,
        same_device: true,
        max_entries: 2_000_000,
        names_only: false,
        report_depth_cap: true,
    };
    let mut errors = Vec::new();
    let walked = ctx.root.walk(
        start,
        &opts,
        &mut |e| {
            result.entries += 1;
            result.keep_recent(&e.path, &e.meta);
            examine(&e.path, &e.host_path, &e.meta, &mut result);
            WalkControl::Continue
        },
        &mut |err| errors.push(err),
    );
    if let Err(e) = walked {
        if !e.is_not_found() {
            errors.push(e);
        }
    }
    result.errors = errors;
    result
}

fn walk(ctx: &Context) -> WalkResult {
    let recent_window = huoyan_core::walked::recent_window(ctx.window, ctx.now);
    let mut planned = WalkResult {
        recent_window,
        ..WalkResult::default()
    };
    let queue = Mutex::new(plan(ctx, &mut planned));
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 8);
    let total = Mutex::new(planned);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let next = match queue.lock() {
                    Ok(mut q) => q.pop(),
                    Err(_) => None,
                };
                let Some(start) = next else { break };
                let r = walk_one(ctx, &start, recent_window);
                if let Ok(mut t) = total.lock() {
                    t.files.extend(r.files);
                    t.module_files.extend(r.module_files);
                    t.errors.extend(r.errors);
                    t.entries += r.entries;
                    let room = huoyan_core::walked::MAX_WALKED_TIMES.saturating_sub(t.recent.len());
                    t.recent_truncated |= r.recent_truncated || r.recent.len() > room;
                    t.recent.extend(r.recent.into_iter().take(room));
                }
            });
        }
    });
    let mut total = total.into_inner().unwrap_or_default();
    total.files.sort_by(|a, b| a.path.cmp(&b.path));
    total.handed_on = Some(Arc::new(huoyan_core::walked::WalkedTimes {
        starts: total.starts.clone(),
        window: total.recent_window,
        entries: std::mem::take(&mut total.recent),
        truncated: total.recent_truncated,
    }));
    total
}

/// An allowlist from `rules/`: path globs, each with optional extra words (capabilities).
pub(crate) struct Allowlist {
    entries: Vec<(String, Vec<String>)>,
}

impl Allowlist {
    /// Parses the rules format (path, optional comma list, `#` comments).
    pub(crate) fn parse(text: &str) -> Self {
        let entries = text
            .lines()
            .filter_map(|l| {
                let l = l.split('#').next().unwrap_or("").trim();
                let mut parts = l.split_whitespace();
                let path = parts.next()?.to_string();
                let extra = parts
                    .next()
                    .map(|c| c.split(',').map(|s| s.trim().to_string()).collect())
                    .unwrap_or_default();
                Some((path, extra))
            })
            .collect();
        Allowlist { entries }
    }

    /// The entry matching a path (also as its merged-/usr form).
    pub(crate) fn lookup(&self, path: &str) -> Option<&[String]> {
        let merged = ["/bin/", "/sbin/", "/lib/", "/lib64/"]
            .iter()
            .find(|p| path.starts_with(*p))
            .map(|_| format!("/usr{path}"));
        self.entries
            .iter()
            .find(|(pattern, _)| {
                glob(pattern, path) || merged.as_deref().is_some_and(|m| glob(pattern, m))
            })
            .map(|(_, extra)| extra.as_slice())
    }
}

fn glob(pattern: &str, path: &str) -> bool {
    // Each component must match on its own, so `*` never crosses a `/`.
    let p: Vec<&str> = pattern.split('/').collect();
    let n: Vec<&str> = path.split('/').collect();
    p.len() == n.len()
        && p.iter()
            .zip(&n)
            .all(|(a, b)| huoyan_artifacts::sshd_config::glob_match(a.as_bytes(), b.as_bytes()))
}

/// Image stores of rootless containers (podman, docker) kept in home directories: their layers
/// hold the set-id programs of every image, which are not the host's.
pub(crate) fn container_store(path: &str) -> bool {
    [
        "/.local/share/containers/storage/",
        "/.local/share/docker/",
        "/var/lib/containers/storage/",
    ]
    .iter()
    .any(|p| path.contains(p))
}

/// Unpacked operating-system trees below the root (a chroot, a debootstrap or build root, a
/// container image layer, an extracted rootfs tarball): directories that hold their own `etc/`,
/// `usr/bin/` (or `bin/`) and a package database or os-release. Their set-id programs and
/// capabilities are the tree's own, reported once per tree rather than file by file.
#[derive(Default)]
pub(crate) struct OsTrees {
    known: std::collections::HashMap<String, bool>,
}

impl OsTrees {
    fn is_tree(&mut self, ctx: &Context, dir: &str) -> bool {
        if let Some(v) = self.known.get(dir) {
            return *v;
        }
        let is_dir = |p: String| {
            ctx.root
                .lstat(&p)
                .is_ok_and(|m| m.kind == FileKind::Dir || m.kind == FileKind::Symlink)
        };
        let exists = |p: String| ctx.root.lstat(&p).is_ok();
        let found = is_dir(format!("{dir}/etc"))
            && (is_dir(format!("{dir}/usr/bin")) || is_dir(format!("{dir}/bin")))
            && [
                "var/lib/dpkg",
                "var/lib/rpm",
                "usr/lib/sysimage/rpm",
                "lib/apk/db",
                "etc/os-release",
                "usr/lib/os-release",
                "etc/passwd",
            ]
            .iter()
            .any(|m| exists(format!("{dir}/{m}")));
        self.known.insert(dir.to_string(), found);
        found
    }

    /// The outermost OS tree holding `path` (never the root itself), with the path inside it.
    pub(crate) fn tree_of(&mut self, ctx: &Context, path: &str) -> Option<(String, String)> {
        let mut dir = String::new();
        let parts: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
        // The last component is the file; a tree needs room for at least `bin/x` below it.
        for part in parts.iter().take(parts.len().saturating_sub(2)) {
            dir.push('/');
            dir.push_str(part);
            if self.is_tree(ctx, &dir) {
                let inside = path[dir.len()..].to_string();
                return Some((dir, inside));
            }
        }
        None
    }
}

/// Places where no legitimate set-id program or capability lives.
pub(crate) fn dropper_place(path: &str) -> bool {
    [
        "/tmp/",
        "/var/tmp/",
        "/dev/shm/",
        "/home/",
        "/root/",
        "/run/user/",
        "/var/www/",
        "/srv/",
    ]
    .iter()
    .any(|p| path.starts_with(p))
        || path
            .split('/')
            .any(|c| c.starts_with('.') && c.len() > 1 && c != "..")
}

/// Shells, interpreters and GTFOBins-style programs: a set-id or capable copy is a root shell.
pub(crate) fn is_shell_like(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let base = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    matches!(
        base,
        "sh" | "bash"
            | "dash"
            | "zsh"
            | "ksh"
            | "mksh"
            | "csh"
            | "tcsh"
            | "fish"
            | "ash"
            | "busybox"
            | "python"
            | "perl"
            | "ruby"
            | "php"
            | "node"
            | "lua"
            | "tclsh"
            | "wish"
            | "find"
            | "vim"
            | "vi"
            | "nvim"
            | "nano"
            | "ed"
            | "less"
            | "more"
            | "awk"
            | "gawk"
            | "mawk"
            | "nmap"
            | "env"
            | "cp"
            | "tar"
            | "gdb"
            | "socat"
            | "nc"
            | "ncat"
            | "xargs"
            | "rsync"
            | "tee"
            | "dd"
            | "openssl"
            | "expect"
            | "script"
            | "timeout"
            | "sed"
    ) || name.starts_with("python")
        || name.starts_with("perl")
        || name.starts_with("php")
        || name.starts_with("ruby")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowlist_matches_globs_and_merged_usr() {
        let a = Allowlist::parse("# c\n/usr/bin/passwd # x\n/usr/lib/*/utempter/utempter\n/usr/bin/ping cap_net_raw,cap_net_admin\n");
        assert!(a.lookup("/usr/bin/passwd").is_some());
        assert!(a.lookup("/bin/passwd").is_some());
        assert!(a
            .lookup("/usr/lib/x86_64-linux-gnu/utempter/utempter")
            .is_some());
        assert!(a.lookup("/usr/lib/a/b/utempter/utempter").is_none());
        assert_eq!(a.lookup("/usr/bin/ping").map(|c| c.len()), Some(2));
        assert!(a.lookup("/tmp/passwd").is_none());
    }

    #[test]
    fn os_trees_are_found_by_their_own_etc_bin_and_package_database() {
        let dir = crate::accounts::testing::root_with(&[
            (
                "/tmp/build/rootfs/etc/passwd",
                "root:x:0:0::/root:/bin/sh\n",
            ),
            ("/tmp/build/rootfs/usr/bin/su", "\x7fELF"),
            ("/tmp/build/rootfs/var/lib/dpkg/status", ""),
            ("/tmp/notatree/usr/bin/su", "\x7fELF"),
            ("/tmp/notatree/etc/x", ""),
        ]);
        let ctx = Context::new(
            huoyan_core::Root::new(dir.path()).expect("root"),
            huoyan_core::Window::default(),
        );
        let mut trees = OsTrees::default();
        assert_eq!(
            trees.tree_of(&ctx, "/tmp/build/rootfs/usr/bin/su"),
            Some(("/tmp/build/rootfs".into(), "/usr/bin/su".into()))
        );
        assert_eq!(trees.tree_of(&ctx, "/tmp/notatree/usr/bin/su"), None);
        // the root's own /usr/bin is never "a tree below the root"
        assert_eq!(trees.tree_of(&ctx, "/usr/bin/su"), None);
    }

    #[test]
    fn shells_and_droppers() {
        assert!(is_shell_like("/tmp/.x/bash"));
        assert!(is_shell_like("/usr/bin/python3.11"));
        assert!(!is_shell_like("/usr/bin/passwd"));
        assert!(dropper_place("/dev/shm/x"));
        assert!(dropper_place("/usr/lib/.hidden/x"));
        assert!(!dropper_place("/usr/bin/su"));
    }
}
