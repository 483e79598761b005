//! File hunting in the web roots: code where uploads go, hidden code, native executables, files
//! written by the web server's own account inside the window, and files changed around the time
//! a webshell appeared.
//!
//! A webshell is rarely alone: the upload leaves the shell in `uploads/`, the attacker adds a
//! hidden second copy, drops a binary, edits a config — all written by the web user (www-data,
//! nginx, apache …) and all within minutes of each other. These traces need no signature.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use huoyan_core::{
    root::{Meta, WalkControl, WalkEntry, WalkOptions},
    FileKind, Gap, Root, Severity, Timestamp, Window,
};
use serde::Serialize;

use crate::lang::Lang;
use crate::packages::PackageFiles;

/// Directory names applications keep user uploads in: code there was put there through the
/// application (or by someone who could write there).
pub const UPLOAD_DIR_NAMES: &[&str] = &[
    "upload",
    "uploads",
    "upfile",
    "upfiles",
    "uploadfile",
    "uploadfiles",
    "uploaded",
    "attachment",
    "attachments",
    "attach",
    "attached",
    "userfiles",
    "files",
    "avatar",
    "avatars",
];

/// Directory names that are the upload directory of some applications (MediaWiki and Joomla
/// `images/`, Drupal `files/`) and plain asset or source directories in most: code there counts
/// only when the web server's account can write there.
pub const MEDIA_DIR_NAMES: &[&str] = &[
    "images", "image", "img", "media", "pictures", "photos", "static", "data",
];

/// Scratch directories: applications write generated PHP there themselves (compiled templates,
/// caches), so code in them is context, and only when the web server's account writes there.
pub const SCRATCH_DIR_NAMES: &[&str] = &["tmp", "temp", "cache"];

/// Why a file was picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HuntReason {
    /// Server-side code inside an upload directory the web server writes to (or WordPress's
    /// `wp-content/uploads`).
    CodeInUploadDir,
    /// Server-side code in a directory named like an upload directory, newer than the
    /// application around it, where the web server's account cannot be shown to write.
    CodeInUploadNamedDir,
    /// Server-side code in a cache or temporary directory the web server writes to (compiled
    /// templates live there too).
    CodeInScratchDir,
    /// Hidden (dot) file with server-side code or executable bits.
    HiddenCode,
    /// Native (ELF) executable inside a web root.
    NativeExecutable,
    /// Owned by the web server's account and modified/changed in the window.
    WebUserChangedInWindow,
    /// Modified within minutes of a flagged webshell.
    ChangedNearWebshell,
}

impl HuntReason {
    /// Severity of this reason alone.
    pub fn severity(self) -> Severity {
        match self {
            HuntReason::CodeInUploadDir | HuntReason::NativeExecutable => Severity::High,
            HuntReason::CodeInUploadNamedDir
            | HuntReason::HiddenCode
            | HuntReason::ChangedNearWebshell => Severity::Medium,
            HuntReason::WebUserChangedInWindow | HuntReason::CodeInScratchDir => Severity::Low,
        }
    }

    /// English description.
    pub fn describe(self) -> &'static str {
        match self {
            HuntReason::CodeInUploadDir => {
                "server-side code in an upload directory the web server writes to"
            }
            HuntReason::CodeInUploadNamedDir => {
                "server-side code in an upload directory (newer than the application around it)"
            }
            HuntReason::CodeInScratchDir => {
                "server-side code in a cache or temporary directory the web server writes to"
            }
            HuntReason::HiddenCode => "hidden file with server-side code or execute permission",
            HuntReason::NativeExecutable => "native executable inside a web root",
            HuntReason::WebUserChangedInWindow => {
                "written by the web server's account inside the time window"
            }
            HuntReason::ChangedNearWebshell => "modified within minutes of a flagged webshell",
        }
    }
}

/// One hunted file.
#[derive(Debug, Clone, Serialize)]
pub struct HuntHit {
    /// Logical path.
    pub path: String,
    /// Why.
    pub reason: HuntReason,
    /// Owner uid.
    pub uid: u32,
    /// Mode.
    pub mode: u32,
    /// Size.
    pub size: u64,
    /// Modification time.
    pub mtime: Option<Timestamp>,
    /// Change time.
    pub ctime: Option<Timestamp>,
}

/// Minutes around a webshell's mtime that count as "near".
pub const CLUSTER_MINUTES: i64 = 15;

/// What the verdicts depend on besides the files themselves.
#[derive(Debug, Default)]
pub struct HuntContext<'a> {
    /// The web server accounts.
    pub web_uids: HashSet<u32>,
    /// The mtimes of flagged files (for clustering).
    pub webshell_times: Vec<(String, Timestamp)>,
    /// The responder's window (unbounded = skip the web-user-in-window rule).
    pub window: Window,
    /// Package files: one whose bytes still match the package is left out.
    pub packages: Option<&'a PackageFiles>,
}

/// Hunts under `dirs`.
pub fn hunt(root: &Root, dirs: &[PathBuf], ctx: &HuntContext<'_>) -> (Vec<HuntHit>, Vec<Gap>) {
    let (files, gaps) = walk_files(root, dirs);
    (judge(root, &files, ctx), gaps)
}

/// The regular files under `dirs` that [`hunt`] looks at (the walk alone, so it can run while the
/// webshell scan is busy; the verdicts need the scan's flagged files).
pub fn walk_files(root: &Root, dirs: &[PathBuf]) -> (Vec<WalkEntry>, Vec<Gap>) {
    let mut files = Vec::new();
    let mut gaps = Vec::new();
    let opts = WalkOptions::default();
    for dir in dirs {
        let mut visit = |e: &WalkEntry| {
            if e.meta.kind == FileKind::Dir {
                let n = e.path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if matches!(n, "proc" | "sys" | "dev" | "run") && e.depth == 1 {
                    return WalkControl::SkipDir;
                }
                return WalkControl::Continue;
            }
            if e.meta.kind == FileKind::File {
                files.push(e.clone());
            }
            WalkControl::Continue
        };
        let mut on_err =
            |err: huoyan_core::RootError| gaps.push(Gap::from_error("web.files", &err));
        if let Err(e) = root.walk(dir, &opts, &mut visit, &mut on_err) {
            if !e.is_not_found() {
                gaps.push(Gap::from_error("web.files", &e));
            }
        }
    }
    (files, gaps)
}

/// [`hunt`]'s verdicts on the files [`walk_files`] found, in walk order.
pub fn judge(root: &Root, files: &[WalkEntry], ctx: &HuntContext<'_>) -> Vec<HuntHit> {
    let mut places = Places::new(root, &ctx.web_uids);
    // Upload-named directories whose writer cannot be shown: their code counts when it is newer
    // than the application code beside them (the parent directory's other code).
    let mut found: Vec<(usize, Vec<HuntReason>)> = Vec::new();
    let mut pending: Vec<(usize, PathBuf)> = Vec::new();
    for (i, e) in files.iter().enumerate() {
        let (mut out, unproven) = reasons(root, e, ctx, &mut places);
        if let Some(dir) = unproven {
            pending.push((i, dir));
        }
        if !out.is_empty() || pending.last().is_some_and(|(j, _)| *j == i) {
            out.dedup();
            found.push((i, out));
        }
    }
    if !pending.is_empty() {
        let parents: HashSet<PathBuf> = pending
            .iter()
            .filter_map(|(_, d)| d.parent().map(Path::to_path_buf))
            .collect();
        let newest = newest_application_code(files, &parents);
        for (i, dir) in &pending {
            let e = &files[*i];
            let reference = dir.parent().and_then(|p| newest.get(p));
            let newer = match (e.meta.mtime, reference) {
                (Some(m), Some(r)) => m > *r,
                _ => true,
            };
            if newer {
                if let Some((_, out)) = found.iter_mut().find(|(j, _)| j == i) {
                    out.push(HuntReason::CodeInUploadNamedDir);
                }
            }
        }
    }
    let mut hits = Vec::new();
    for (i, reasons) in found {
        if reasons.is_empty() {
            continue;
        }
        let e = &files[i];
        // A package's own file, byte for byte, is not a trace of anyone.
        if ctx
            .packages
            .is_some_and(|p| p.owner(&e.path).is_some() && p.unchanged(root, &e.path).is_some())
        {
            continue;
        }
        for reason in reasons {
            hits.push(HuntHit {
                path: e.path.display().to_string(),
                reason,
                uid: e.meta.uid,
                mode: e.meta.mode,
                size: e.meta.size,
                mtime: e.meta.mtime,
                ctime: e.meta.ctime,
            });
        }
    }
    hits
}

/// Where a code file sits.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Place {
    /// Under WordPress's `wp-content/uploads`: WordPress writes there and never puts code there.
    WordPressUploads,
    /// Under a directory named in [`UPLOAD_DIR_NAMES`] (the innermost such).
    Upload(PathBuf),
    /// Under a directory named in [`MEDIA_DIR_NAMES`].
    Media(PathBuf),
    /// Under a directory named in [`SCRATCH_DIR_NAMES`].
    Scratch(PathBuf),
}

/// The places of `path` (its directories only), strongest first. Names match as written in
/// lower case: `Cache/`, `Upload/`, `Media/` are class namespaces of source trees (PSR-4), not
/// directories an application writes to.
fn places_of(path: &Path) -> Vec<Place> {
    let Some(parent) = path.parent() else {
        return Vec::new();
    };
    let s = parent.to_string_lossy();
    let mut out = Vec::new();
    if s.contains("/wp-content/uploads/") || s.ends_with("/wp-content/uploads") {
        out.push(Place::WordPressUploads);
    }
    let mut upload = None;
    let mut media = None;
    let mut scratch = None;
    for dir in parent.ancestors() {
        let Some(name) = dir.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if upload.is_none() && UPLOAD_DIR_NAMES.contains(&name) {
            upload = Some(dir.to_path_buf());
        } else if media.is_none() && MEDIA_DIR_NAMES.contains(&name) {
            media = Some(dir.to_path_buf());
        } else if scratch.is_none() && SCRATCH_DIR_NAMES.contains(&name) {
            scratch = Some(dir.to_path_buf());
        }
    }
    out.extend(upload.map(Place::Upload));
    out.extend(media.map(Place::Media));
    out.extend(scratch.map(Place::Scratch));
    out
}

/// True when some directory of `path` is upload-, media- or scratch-named.
fn in_named_dir(path: &Path) -> bool {
    path.parent().is_some_and(|p| {
        p.components().any(|c| {
            let n = c.as_os_str().to_str().unwrap_or("");
            UPLOAD_DIR_NAMES.contains(&n)
                || MEDIA_DIR_NAMES.contains(&n)
                || SCRATCH_DIR_NAMES.contains(&n)
                || n == "wp-content"
        })
    })
}

/// Directory metadata, looked up once each.
struct Places<'r> {
    root: &'r Root,
    web_uids: &'r HashSet<u32>,
    meta: HashMap<PathBuf, Option<Meta>>,
}

impl<'r> Places<'r> {
    fn new(root: &'r Root, web_uids: &'r HashSet<u32>) -> Self {
        Places {
            root,
            web_uids,
            meta: HashMap::new(),
        }
    }

    fn web_writable(&mut self, dir: &Path) -> bool {
        let root = self.root;
        let meta = self
            .meta
            .entry(dir.to_path_buf())
            .or_insert_with(|| root.lstat(dir).ok());
        meta.as_ref()
            .is_some_and(|m| self.web_uids.contains(&m.uid) || m.mode & 0o002 != 0)
    }

    /// The web server's account writes in `dir` (owns it, or anyone may) while the directory
    /// around it is not its: `dir` was made writable on purpose, for uploads. A tree the web
    /// user owns whole says nothing about any one of its directories.
    fn writable_island(&mut self, dir: &Path, file: &WalkEntry) -> bool {
        let parent_writable = dir.parent().is_some_and(|p| self.web_writable(p));
        !parent_writable && (self.web_writable(dir) || self.web_uids.contains(&file.meta.uid))
    }
}

/// For each directory in `wanted`, how new the application's own code below it is: the
/// mtime that 90 % of its code files are not newer than (a handful of planted files does not
/// move it). Code under upload-, media- or scratch-named directories and hidden files are not
/// the application's.
fn newest_application_code(
    files: &[WalkEntry],
    wanted: &HashSet<PathBuf>,
) -> HashMap<PathBuf, Timestamp> {
    let mut times: HashMap<&Path, Vec<Timestamp>> = HashMap::new();
    for e in files {
        let Some(m) = e.meta.mtime else { continue };
        let hidden = e
            .path
            .file_name()
            .is_some_and(|n| n.as_encoded_bytes().starts_with(b"."));
        if hidden || !is_code_path(&e.path) || in_named_dir(&e.path) {
            continue;
        }
        for a in e.path.ancestors().skip(1) {
            if let Some(w) = wanted.get(a) {
                times.entry(w.as_path()).or_default().push(m);
            }
        }
    }
    times
        .into_iter()
        .map(|(dir, mut t)| {
            t.sort_unstable();
            let at = (t.len() * 9 / 10).min(t.len() - 1);
            (dir.to_path_buf(), t[at])
        })
        .collect()
}

fn code_lang(path: &Path) -> Option<Lang> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    Lang::from_path(path).or_else(|| {
        (name.contains(".php.") || name.contains(".jsp.") || name.contains(".asp."))
            .then_some(Lang::Php)
    })
}

fn is_code_path(path: &Path) -> bool {
    matches!(
        code_lang(path),
        Some(Lang::Php | Lang::Jsp | Lang::Asp | Lang::Aspx | Lang::Cfm)
    )
}

fn is_elf(root: &Root, e: &WalkEntry) -> bool {
    if e.meta.mode & 0o111 == 0 || e.meta.size < 64 {
        return false;
    }
    root.open_walked(e)
        .ok()
        .and_then(|f| huoyan_core::root::read_capped_from(f, 4, "").ok())
        .is_some_and(|c| c.data.starts_with(b"\x7fELF"))
}

/// The reasons of one file, and the upload-named directory to compare its age with when the
/// place alone does not decide.
fn reasons(
    root: &Root,
    e: &WalkEntry,
    ctx: &HuntContext<'_>,
    places: &mut Places<'_>,
) -> (Vec<HuntReason>, Option<PathBuf>) {
    let mut out = Vec::new();
    let mut unproven = None;
    let name = e
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let is_code = is_code_path(&e.path);
    if is_code {
        for place in places_of(&e.path) {
            match place {
                Place::WordPressUploads => out.push(HuntReason::CodeInUploadDir),
                Place::Upload(dir) => {
                    if places.writable_island(&dir, e) {
                        out.push(HuntReason::CodeInUploadDir);
                    } else {
                        unproven = Some(dir);
                    }
                }
                Place::Media(dir) => {
                    if places.writable_island(&dir, e) {
                        out.push(HuntReason::CodeInUploadDir);
                    }
                }
                Place::Scratch(dir) => {
                    if places.writable_island(&dir, e) {
                        out.push(HuntReason::CodeInScratchDir);
                    }
                }
            }
            if !out.is_empty() {
                // The strongest place decides.
                unproven = None;
                break;
            }
        }
    }
    let hidden = name.starts_with('.')
        && !matches!(
            name.as_str(),
            ".htaccess" | ".user.ini" | ".gitignore" | ".gitkeep" | ".keep" | ".editorconfig"
        );
    if hidden && (is_code || e.meta.mode & 0o111 != 0) {
        out.push(HuntReason::HiddenCode);
    }
    if is_elf(root, e) {
        out.push(HuntReason::NativeExecutable);
    }
    if !ctx.window.is_unbounded()
        && ctx.web_uids.contains(&e.meta.uid)
        && (ctx.window.contains(e.meta.mtime) || ctx.window.contains(e.meta.ctime))
    {
        out.push(HuntReason::WebUserChangedInWindow);
    }
    if let Some(m) = e.meta.mtime {
        let me = e.path.display().to_string();
        if ctx
            .webshell_times
            .iter()
            .any(|(p, t)| *p != me && (m.as_second() - t.as_second()).abs() <= CLUSTER_MINUTES * 60)
        {
            out.push(HuntReason::ChangedNearWebshell);
        }
    }
    (out, unproven)
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::os::unix::fs::PermissionsExt;

    fn write(root: &Path, path: &str, body: &str) -> PathBuf {
        let p = root.join(path.trim_start_matches('/'));
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, body).expect("w");
        p
    }

    fn set_mtime(path: &Path, unix: u64) {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .expect("open");
        f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix))
            .expect("mtime");
    }

    fn chmod(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }

    fn run(dir: &Path, ctx: &HuntContext<'_>) -> Vec<(String, HuntReason)> {
        let root = Root::new(dir).expect("root");
        let (hits, _) = hunt(
            &root,
            &[PathBuf::from("/var/www"), PathBuf::from("/usr/share")],
            ctx,
        );
        hits.into_iter().map(|h| (h.path, h.reason)).collect()
    }

    #[test]
    fn finds_upload_code_and_hidden() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        let index = write(d, "var/www/html/index.php", "x");
        set_mtime(&index, 1_600_000_000);
        write(d, "var/www/html/uploads/a.php", "x");
        write(d, "var/www/html/uploads/pic.jpg", "x");
        write(d, "var/www/html/.cache.php", "x");
        let got = run(d, &HuntContext::default());
        // Nobody can be shown to write in uploads/, but a.php is newer than the site's code.
        assert!(got.contains(&(
            "/var/www/html/uploads/a.php".into(),
            HuntReason::CodeInUploadNamedDir
        )));
        assert!(got.contains(&("/var/www/html/.cache.php".into(), HuntReason::HiddenCode)));
        assert_eq!(got.len(), 2, "{got:?}");
    }

    #[test]
    fn upload_directories_the_web_server_writes_to() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        // WordPress never puts code in wp-content/uploads, whoever owns it.
        write(
            d,
            "var/www/wp/wp-content/uploads/2024/05/x.php",
            "<?php @eval($_POST[1]);",
        );
        // A world-writable upload or media directory in a tree the web server cannot write.
        write(d, "var/www/app/files/y.php", "x");
        chmod(&d.join("var/www/app/files"), 0o777);
        write(d, "var/www/app/images/z.php", "x");
        chmod(&d.join("var/www/app/images"), 0o1777);
        // The same names in a source tree, read-only: not upload directories.
        let old = write(d, "var/www/app/lib/upload/class.upload.php", "x");
        set_mtime(&old, 1_500_000_000);
        let app = write(d, "var/www/app/lib/main.php", "x");
        set_mtime(&app, 1_600_000_000);
        write(d, "var/www/app/vendor/acme/src/Upload/Handler.php", "x");
        write(d, "var/www/app/inc/Cache/Cache.php", "x");
        write(d, "var/www/app/themes/dark/images/index.php", "x");
        // A cache the web server writes to holds compiled templates: context only.
        write(d, "var/www/app/cache/twig/ab/cd.php", "x");
        chmod(&d.join("var/www/app/cache"), 0o777);
        let got = run(d, &HuntContext::default());
        let want = [
            (
                "/var/www/wp/wp-content/uploads/2024/05/x.php",
                HuntReason::CodeInUploadDir,
            ),
            ("/var/www/app/files/y.php", HuntReason::CodeInUploadDir),
            ("/var/www/app/images/z.php", HuntReason::CodeInUploadDir),
            (
                "/var/www/app/cache/twig/ab/cd.php",
                HuntReason::CodeInScratchDir,
            ),
        ];
        for w in want {
            assert!(
                got.contains(&(w.0.to_string(), w.1)),
                "{w:?} not in {got:?}"
            );
        }
        assert_eq!(got.len(), want.len(), "{got:?}");
        assert_eq!(HuntReason::CodeInUploadDir.severity(), Severity::High);
        assert_eq!(HuntReason::CodeInScratchDir.severity(), Severity::Low);
    }

    #[test]
    fn a_web_owned_tree_is_no_evidence_but_a_new_file_is() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        let me = std::fs::metadata(d).map(|m| std::os::unix::fs::MetadataExt::uid(&m));
        let web_uids = HashSet::from([me.expect("uid")]);
        let app = write(d, "var/www/html/index.php", "x");
        set_mtime(&app, 1_600_000_000);
        let stub = write(d, "var/www/html/images/index.php", "x");
        set_mtime(&stub, 1_500_000_000);
        let stub2 = write(d, "var/www/html/uploads/index.php", "x");
        set_mtime(&stub2, 1_500_000_000);
        write(d, "var/www/html/uploads/shell.php", "x");
        let ctx = HuntContext {
            web_uids,
            ..HuntContext::default()
        };
        let got = run(d, &ctx);
        assert_eq!(
            got,
            vec![(
                "/var/www/html/uploads/shell.php".to_string(),
                HuntReason::CodeInUploadNamedDir
            )]
        );
    }

    #[test]
    fn unchanged_package_files_are_not_hunted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        let body = "<?php class LinkCache {}";
        write(d, "usr/share/mediawiki/includes/cache/LinkCache.php", body);
        chmod(&d.join("usr/share/mediawiki/includes/cache"), 0o777);
        write(d, "usr/share/mediawiki/images/.htaccess.php", body);
        let md5 = crate::packages::md5_of(body.as_bytes());
        let packages = PackageFiles::from_entries(&[
            (
                "/usr/share/mediawiki/includes/cache/LinkCache.php",
                md5,
                "mediawiki",
            ),
            (
                "/usr/share/mediawiki/images/.htaccess.php",
                [0; 16],
                "mediawiki",
            ),
        ]);
        let ctx = HuntContext {
            packages: Some(&packages),
            ..HuntContext::default()
        };
        let got = run(d, &ctx);
        // The package's own file is left out; one that no longer matches its MD5 is not.
        assert_eq!(
            got,
            vec![(
                "/usr/share/mediawiki/images/.htaccess.php".to_string(),
                HuntReason::HiddenCode
            )]
        );
    }
}
