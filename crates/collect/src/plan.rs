//! Turns the collection plan (rules) into the concrete list of files to store, in priority order.
//!
//! Paths are expanded inside the [`Root`] (wildcards per component, every user's home, web logs
//! found in server configuration, the files the scan flagged, deleted-but-open files from
//! /proc), directories are walked without following symlinks and without leaving their
//! filesystem, and every file is listed once (by device and inode, so `/lib` → `/usr/lib` on a
//! merged-/usr system is not stored twice). Each planned file carries its metadata as it was
//! *before* anything read it. Special files are listed, never opened.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use huoyan_core::root::{WalkEntry, WalkOptions};
use huoyan_core::{FileKind, Gap, Meta, Root, Timestamp};

use crate::glob;
use crate::manifest::Skipped;
use crate::recover::DeletedOpen;
use crate::rules::Rules;

/// Files at least this large are checked for holes before they are planned.
const SPARSE_MIN: u64 = 256 * 1024 * 1024;

/// Where a planned file's bytes come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A path named directly in the plan (symlinks followed inside the root).
    Named(PathBuf),
    /// An entry met by a walk (never followed).
    Walked(WalkEntry),
    /// A deleted file read back through /proc.
    Deleted(DeletedOpen),
    /// Nothing to read (a symlink: only its target is recorded).
    MetadataOnly,
}

/// One file of the plan.
#[derive(Debug, Clone)]
pub struct Planned {
    /// Manifest category.
    pub category: String,
    /// Original path (escaped for display; the link text for recovered files).
    pub path: String,
    /// Member name in the archive (raw bytes allowed).
    pub member: PathBuf,
    /// Metadata before reading.
    pub meta: Meta,
    /// Where to read it from.
    pub source: Source,
    /// Symlink target (escaped), for symlinks.
    pub link_target: Option<String>,
    /// True when it lies where private keys live and must be inspected before storing.
    pub key_candidate: bool,
}

/// The outcome of planning.
#[derive(Debug, Default)]
pub struct Plan {
    /// Files to store, in priority order.
    pub files: Vec<Planned>,
    /// Files left out (special files, older than --since, over --max-size).
    pub skipped: Vec<Skipped>,
    /// What could not be looked at.
    pub gaps: Vec<Gap>,
    /// Host paths of every directory tree walked (the output may not lie inside one).
    pub trees: Vec<(String, PathBuf)>,
}

/// Inputs of planning besides the rules.
#[derive(Debug, Default)]
pub struct PlanInputs {
    /// Paths named by scan findings.
    pub flagged: Vec<String>,
    /// Deleted-but-open files found in /proc.
    pub deleted: Vec<DeletedOpen>,
    /// `--since`: files of `since = true` locations older than this are skipped.
    pub since: Option<Timestamp>,
    /// Home directories (owner, home) from the root's passwd.
    pub homes: Vec<(String, String)>,
}

struct Builder<'a> {
    root: &'a Root,
    plan: Plan,
    seen_inodes: HashSet<(u64, u64)>,
    seen_paths: HashSet<PathBuf>,
    since: Option<Timestamp>,
}

/// Builds the plan. Never fails: what cannot be read becomes a gap.
pub fn build(root: &Root, rules: &Rules, inputs: PlanInputs) -> Plan {
    let mut b = Builder {
        root,
        plan: Plan::default(),
        seen_inodes: HashSet::new(),
        seen_paths: HashSet::new(),
        since: None,
    };
    // 1. What the scan flagged: the attacker's own files come first.
    for path in &inputs.flagged {
        b.named("flagged", Path::new(path), false);
    }
    // 2. Deleted-but-open files (live only).
    for d in inputs.deleted {
        b.deleted(d);
    }
    // 3. The plan's locations, in order.
    let homes = all_homes(root, &inputs.homes, &mut b.plan.gaps);
    for loc in &rules.locations {
        b.since = if loc.since { inputs.since } else { None };
        let mut targets: Vec<String> = loc.paths.clone();
        for home in &homes {
            for rel in &loc.home {
                targets.push(format!("{}/{}", home.trim_end_matches('/'), rel));
            }
        }
        for target in targets {
            for path in expand(root, &target, &mut b.plan.gaps) {
                b.named(&loc.category, &path, true);
            }
        }
    }
    b.since = None;
    // 4. Private-key places are marked for inspection (they are already planned above).
    let key_dirs: Vec<PathBuf> = rules
        .ssh
        .paths
        .iter()
        .map(PathBuf::from)
        .chain(
            homes
                .iter()
                .flat_map(|h| rules.ssh.home.iter().map(move |rel| Path::new(h).join(rel))),
        )
        .collect();
    for file in &mut b.plan.files {
        // Whatever brought the file into the plan (a finding names /root/.ssh/id_rsa, say), a
        // key in a key place is inspected before its content may be stored.
        let logical = match &file.source {
            Source::Walked(entry) => entry.path.as_path(),
            Source::Named(path) => path.as_path(),
            Source::Deleted(_) | Source::MetadataOnly => continue,
        };
        let name = logical.file_name().map(OsStr::as_bytes).unwrap_or(b"");
        if key_dirs.iter().any(|d| logical.starts_with(d)) && !rules.ssh.is_public_name(name) {
            file.key_candidate = true;
        }
    }
    // 5. Web server configuration and the logs it names.
    let (configs, patterns, gaps) = crate::webconf::find_web_logs(root, &rules.web);
    b.plan.gaps.extend(gaps);
    for config in configs {
        b.named("web-config", Path::new(&config), false);
    }
    b.since = inputs.since;
    for pattern in patterns {
        for path in expand(root, &pattern, &mut b.plan.gaps) {
            b.named("web-logs", &path, false);
        }
    }
    b.plan
}

/// Homes from passwd plus every directory under /home and /root (an account deleted from
/// passwd still has its history there).
fn all_homes(root: &Root, from_passwd: &[(String, String)], gaps: &mut Vec<Gap>) -> Vec<String> {
    let mut homes: Vec<String> = from_passwd.iter().map(|(_, h)| h.clone()).collect();
    homes.push("/root".into());
    match crate::dirwalk::read_dir(root, Path::new("/home")) {
        Ok(entries) => {
            for (path, kind) in entries {
                if kind == FileKind::Dir {
                    homes.push(path.to_string_lossy().into_owned());
                }
            }
        }
        Err(e) if e.is_not_found() => {}
        Err(e) => gaps.push(Gap::from_error("collect.homes", &e)),
    }
    let mut seen = HashSet::new();
    homes.retain(|h| {
        // System accounts whose "home" is / or a system tree would pull in the whole disk.
        let ok = !matches!(
            h.trim_end_matches('/'),
            "" | "/bin"
                | "/usr/bin"
                | "/sbin"
                | "/usr/sbin"
                | "/dev"
                | "/proc"
                | "/sys"
                | "/run"
                | "/var"
                | "/usr"
                | "/etc"
        );
        ok && seen.insert(h.trim_end_matches('/').to_string())
    });
    homes
}

/// Expands `*`/`?` component by component inside the root; a pattern without wildcards is
/// returned as is (existence is checked by the caller).
pub fn expand(root: &Root, pattern: &str, gaps: &mut Vec<Gap>) -> Vec<PathBuf> {
    let mut current = vec![PathBuf::from("/")];
    for comp in pattern.split('/').filter(|c| !c.is_empty()) {
        let mut next = Vec::new();
        for base in &current {
            if !glob::has_wildcard(comp.as_bytes()) {
                next.push(base.join(comp));
                continue;
            }
            match crate::dirwalk::read_dir(root, base) {
                Ok(entries) => {
                    for (path, _) in entries {
                        let name = path.file_name().map(OsStr::as_bytes).unwrap_or(b"");
                        if glob::matches(comp.as_bytes(), name) {
                            next.push(path);
                        }
                    }
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => gaps.push(Gap::from_error("collect.plan", &e)),
            }
            if next.len() > 100_000 {
                break;
            }
        }
        current = next;
    }
    current
}

fn member_for(logical: &Path) -> PathBuf {
    let mut member = PathBuf::from("files");
    for c in logical.components() {
        if let std::path::Component::Normal(n) = c {
            member.push(n);
        }
    }
    member
}

fn display(path: &Path) -> String {
    huoyan_core::text::bytes_to_string(path.as_os_str().as_bytes())
}

impl Builder<'_> {
    fn skip(&mut self, category: &str, path: String, size: u64, reason: String) {
        self.plan.skipped.push(Skipped {
            path,
            category: category.to_string(),
            size,
            reason,
        });
    }

    fn too_old(&self, meta: &Meta) -> bool {
        matches!((self.since, meta.mtime), (Some(since), Some(m)) if m < since)
    }

    /// A path named by the plan: a file is planned, a directory walked.
    fn named(&mut self, category: &str, path: &Path, walk_dirs: bool) {
        if !self.seen_paths.insert(path.to_path_buf()) {
            return;
        }
        let meta = match self.root.stat(path) {
            Ok(m) => m,
            Err(e) if e.is_not_found() => return,
            Err(e) => {
                self.plan
                    .gaps
                    .push(Gap::from_error(format!("collect.{category}"), &e));
                return;
            }
        };
        match meta.kind {
            FileKind::File => self.file(category, path, meta, Source::Named(path.to_path_buf())),
            FileKind::Dir if walk_dirs => self.walk(category, path),
            FileKind::Dir => {}
            kind => self.skip(
                category,
                display(path),
                0,
                format!("{kind}: special files are never opened"),
            ),
        }
    }

    fn file(&mut self, category: &str, logical: &Path, meta: Meta, source: Source) {
        if !self.seen_inodes.insert((meta.dev, meta.ino)) {
            return;
        }
        if self.too_old(&meta) {
            self.skip(
                category,
                display(logical),
                meta.size,
                "last modified before --since".into(),
            );
            return;
        }
        if let Some(allocated) = self.mostly_holes(&meta, &source) {
            self.skip(
                category,
                display(logical),
                meta.size,
                format!(
                    "sparse file: {} bytes apparent, {allocated} allocated (e.g. lastlog with a huge uid); not stored",
                    meta.size
                ),
            );
            return;
        }
        self.plan.files.push(Planned {
            category: category.to_string(),
            path: display(logical),
            member: member_for(logical),
            meta,
            source,
            link_target: None,
            key_candidate: false,
        });
    }

    /// Allocated bytes of a large file that is mostly holes (a 1 TB sparse `lastlog` would
    /// otherwise fill the output disk with zeros).
    fn mostly_holes(&self, meta: &Meta, source: &Source) -> Option<u64> {
        if meta.size < SPARSE_MIN {
            return None;
        }
        let host = match source {
            Source::Walked(entry) => entry.host_path.clone(),
            Source::Named(path) => self.root.resolve(path).ok()?,
            _ => return None,
        };
        let allocated = std::fs::symlink_metadata(host)
            .ok()?
            .blocks()
            .saturating_mul(512);
        (allocated < meta.size / 8).then_some(allocated)
    }

    fn walk(&mut self, category: &str, top: &Path) {
        match self.root.resolve(top) {
            Ok(host) => self.plan.trees.push((display(top), host)),
            Err(e) => {
                self.plan
                    .gaps
                    .push(Gap::from_error(format!("collect.{category}"), &e));
                return;
            }
        }
        let opts = WalkOptions {
            max_depth: 32,
            same_device: true,
            max_entries: 2_000_000,
            names_only: false,
            report_depth_cap: true,
        };
        let mut errors = Vec::new();
        let entries = match crate::dirwalk::walk(self.root, top, &opts, &mut errors) {
            Ok(entries) => entries,
            Err(e) => {
                errors.push(e);
                Vec::new()
            }
        };
        for err in errors {
            self.plan
                .gaps
                .push(Gap::from_error(format!("collect.{category}"), &err));
        }
        for entry in entries {
            match entry.meta.kind {
                FileKind::File => {
                    let path = entry.path.clone();
                    let meta = entry.meta.clone();
                    if self.seen_paths.insert(path.clone()) {
                        self.file(category, &path, meta, Source::Walked(entry));
                    }
                }
                FileKind::Symlink => {
                    if !self.seen_paths.insert(entry.path.clone()) {
                        continue;
                    }
                    let target = self
                        .root
                        .read_link(&entry.path)
                        .map(|t| display(&t))
                        .unwrap_or_default();
                    self.plan.files.push(Planned {
                        category: category.to_string(),
                        path: display(&entry.path),
                        member: member_for(&entry.path),
                        meta: entry.meta.clone(),
                        source: Source::MetadataOnly,
                        link_target: Some(target),
                        key_candidate: false,
                    });
                }
                FileKind::Dir => {}
                kind => self.skip(
                    category,
                    display(&entry.path),
                    0,
                    format!("{kind}: special files are never opened"),
                ),
            }
        }
    }

    fn deleted(&mut self, d: DeletedOpen) {
        let base: String = d
            .original_path
            .rsplit('/')
            .next()
            .unwrap_or("file")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .take(80)
            .collect();
        let member = match d.fd {
            Some(fd) => format!("recovered/{}-fd{fd}-{base}", d.pid),
            None => format!("recovered/{}-exe-{base}", d.pid),
        };
        self.plan.files.push(Planned {
            category: "recovered".into(),
            path: d.original_path.clone(),
            member: PathBuf::from(member),
            meta: d.meta.clone(),
            source: Source::Deleted(d),
            link_target: None,
            key_candidate: false,
        });
    }
}

/// Applies `--max-size` to the plan in order: a file that no longer fits is skipped (and listed),
/// smaller later files may still fit. Returns the total bytes kept.
pub fn apply_budget(plan: &mut Plan, max_size: Option<u64>) -> u64 {
    let mut total = 0u64;
    let mut kept = Vec::with_capacity(plan.files.len());
    for file in plan.files.drain(..) {
        let size = if matches!(file.source, Source::MetadataOnly) {
            0
        } else {
            file.meta.size
        };
        match max_size {
            Some(max) if total.saturating_add(size) > max => plan.skipped.push(Skipped {
                path: file.path,
                category: file.category,
                size,
                reason: format!("--max-size {max} reached"),
            }),
            _ => {
                total = total.saturating_add(size);
                kept.push(file);
            }
        }
    }
    plan.files = kept;
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root_with(files: &[(&str, &[u8])]) -> (tempfile::TempDir, Root) {
        let dir = tempfile::tempdir().expect("tmp");
        for (p, data) in files {
            let host = dir.path().join(p.trim_start_matches('/'));
            std::fs::create_dir_all(host.parent().expect("parent")).expect("mkdir");
            std::fs::write(host, data).expect("write");
        }
        let root = Root::new(dir.path()).expect("root");
        (dir, root)
    }

    fn rules(text: &str) -> Rules {
        Rules::parse(text).expect("rules")
    }

    #[test]
    fn expands_wildcards_and_walks() {
        let (_d, root) = root_with(&[
            ("/etc/rc2.d/S01x", b"a"),
            ("/etc/rc3.d/S01y", b"b"),
            ("/etc/rcS.d/S01z", b"c"),
            ("/var/log/a/b.log", b"log"),
        ]);
        let plan = build(
            &root,
            &rules("[[location]]\ncategory = \"p\"\npaths = [\"/etc/rc?.d\", \"/var/log\"]\n"),
            PlanInputs::default(),
        );
        let paths: Vec<&str> = plan.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "/etc/rc2.d/S01x",
                "/etc/rc3.d/S01y",
                "/etc/rcS.d/S01z",
                "/var/log/a/b.log"
            ]
        );
        assert_eq!(plan.files[3].member, PathBuf::from("files/var/log/a/b.log"));
        assert_eq!(plan.trees.len(), 4);
    }

    #[test]
    fn homes_deduplicate_and_fifo_is_listed_not_opened() {
        let (dir, root) = root_with(&[
            ("/home/alice/.bash_history", b"id\n"),
            ("/home/ghost/.bash_history", b"wget x\n"),
        ]);
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            dir.path().join("home/alice/.zsh_history"),
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .expect("fifo");
        let inputs = PlanInputs {
            homes: vec![("alice".into(), "/home/alice".into())],
            ..Default::default()
        };
        let plan = build(
            &root,
            &rules(
                "[[location]]\ncategory = \"h\"\nhome = [\".bash_history\", \".zsh_history\"]\n",
            ),
            inputs,
        );
        let paths: Vec<&str> = plan.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            vec!["/home/alice/.bash_history", "/home/ghost/.bash_history"]
        );
        assert_eq!(plan.skipped.len(), 1);
        assert!(plan.skipped[0].reason.contains("FIFO"));
    }

    #[test]
    fn huge_sparse_file_is_listed_not_stored() {
        let (dir, root) = root_with(&[("/var/log/faillog", b"x")]);
        let f = std::fs::File::create(dir.path().join("var/log/lastlog")).expect("create");
        f.set_len(1 << 40).expect("sparse");
        let plan = build(
            &root,
            &rules("[[location]]\ncategory = \"logs\"\npaths = [\"/var/log\"]\n"),
            PlanInputs::default(),
        );
        let paths: Vec<&str> = plan.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, vec!["/var/log/faillog"]);
        assert!(plan.skipped[0].reason.starts_with("sparse file"));
    }

    #[test]
    fn a_flagged_private_key_is_still_inspected() {
        let (_d, root) = root_with(&[(
            "/root/.ssh/id_rsa",
            b"-----BEGIN OPENSSH PRIVATE KEY-----\n",
        )]);
        let inputs = PlanInputs {
            flagged: vec!["/root/.ssh/id_rsa".into()],
            ..Default::default()
        };
        let plan = build(&root, &rules("[ssh]\nhome = [\".ssh\"]\n"), inputs);
        assert_eq!(plan.files.len(), 1);
        assert_eq!(plan.files[0].category, "flagged");
        assert!(plan.files[0].key_candidate);
    }

    #[test]
    fn budget_skips_and_lists() {
        let (_d, root) = root_with(&[("/a", &[0u8; 100]), ("/b", &[0u8; 50]), ("/c", &[0u8; 10])]);
        let mut plan = build(
            &root,
            &rules("[[location]]\ncategory = \"x\"\npaths = [\"/a\", \"/b\", \"/c\"]\n"),
            PlanInputs::default(),
        );
        let total = apply_budget(&mut plan, Some(115));
        assert_eq!(total, 110);
        assert_eq!(plan.files.len(), 2);
        assert_eq!(plan.skipped.len(), 1);
        assert_eq!(plan.skipped[0].path, "/b");
    }
}
