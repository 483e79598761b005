//! File hunting in the web roots: code where uploads go, hidden code, native executables, files
//! written by the web server's own account inside the window, and files changed around the time
//! a webshell appeared.
//!
//! A webshell is rarely alone: the upload leaves the shell in `uploads/`, the attacker adds a
//! hidden second copy, drops a binary, edits a config — all written by the web user (www-data,
//! nginx, apache …) and all within minutes of each other. These traces need no signature.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use huoyan_core::{
    root::{WalkControl, WalkEntry, WalkOptions},
    FileKind, Gap, Root, Severity, Timestamp, Window,
};
use serde::Serialize;

use crate::lang::Lang;

/// Directory names where uploaded content lives: code there was written by the application.
pub const UPLOAD_DIR_NAMES: &[&str] = &[
    "upload",
    "uploads",
    "upfile",
    "upfiles",
    "uploadfile",
    "uploadfiles",
    "attachment",
    "attachments",
    "attach",
    "files",
    "userfiles",
    "images",
    "image",
    "img",
    "media",
    "avatar",
    "avatars",
    "tmp",
    "temp",
    "cache",
    "static",
    "data",
    "editor",
    "kindeditor",
    "ueditor",
    "fckeditor",
    "ckeditor",
];

/// Why a file was picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HuntReason {
    /// Server-side code inside an upload directory.
    CodeInUploadDir,
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
            HuntReason::HiddenCode | HuntReason::ChangedNearWebshell => Severity::Medium,
            HuntReason::WebUserChangedInWindow => Severity::Low,
        }
    }

    /// English description.
    pub fn describe(self) -> &'static str {
        match self {
            HuntReason::CodeInUploadDir => "server-side code in an upload directory",
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

/// Hunts under `dirs`. `web_uids` are the web server accounts; `webshell_times` the mtimes of
/// flagged files (for clustering); `window` the responder's window (unbounded = skip the
/// web-user-in-window rule).
pub fn hunt(
    root: &Root,
    dirs: &[PathBuf],
    web_uids: &HashSet<u32>,
    webshell_times: &[(String, Timestamp)],
    window: &Window,
) -> (Vec<HuntHit>, Vec<Gap>) {
    let (files, gaps) = walk_files(root, dirs);
    (judge(root, &files, web_uids, webshell_times, window), gaps)
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
pub fn judge(
    root: &Root,
    files: &[WalkEntry],
    web_uids: &HashSet<u32>,
    webshell_times: &[(String, Timestamp)],
    window: &Window,
) -> Vec<HuntHit> {
    let mut hits = Vec::new();
    for e in files {
        for reason in reasons(root, e, web_uids, webshell_times, window) {
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

fn in_upload_dir(path: &Path) -> bool {
    path.parent().is_some_and(|p| {
        p.components().any(|c| {
            let s = c.as_os_str().to_string_lossy().to_ascii_lowercase();
            UPLOAD_DIR_NAMES.contains(&s.as_str())
        })
    })
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

fn reasons(
    root: &Root,
    e: &WalkEntry,
    web_uids: &HashSet<u32>,
    webshell_times: &[(String, Timestamp)],
    window: &Window,
) -> Vec<HuntReason> {
    let mut out = Vec::new();
    let name = e
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let lang = Lang::from_path(&e.path).or_else(|| {
        let lower = name.to_ascii_lowercase();
        (lower.contains(".php.") || lower.contains(".jsp.") || lower.contains(".asp."))
            .then_some(Lang::Php)
    });
    let is_code = matches!(
        lang,
        Some(Lang::Php | Lang::Jsp | Lang::Asp | Lang::Aspx | Lang::Cfm)
    );
    if is_code && in_upload_dir(&e.path) {
        out.push(HuntReason::CodeInUploadDir);
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
    if !window.is_unbounded()
        && web_uids.contains(&e.meta.uid)
        && (window.contains(e.meta.mtime) || window.contains(e.meta.ctime))
    {
        out.push(HuntReason::WebUserChangedInWindow);
    }
    if let Some(m) = e.meta.mtime {
        let me = e.path.display().to_string();
        if webshell_times
            .iter()
            .any(|(p, t)| *p != me && (m.as_second() - t.as_second()).abs() <= CLUSTER_MINUTES * 60)
        {
            out.push(HuntReason::ChangedNearWebshell);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_upload_code_and_hidden() {
        let dir = tempfile::tempdir().expect("tempdir");
        let up = dir.path().join("var/www/html/uploads");
        std::fs::create_dir_all(&up).expect("mkdir");
        std::fs::write(up.join("a.php"), "x").expect("w");
        std::fs::write(up.join("pic.jpg"), "x").expect("w");
        std::fs::write(dir.path().join("var/www/html/.cache.php"), "x").expect("w");
        std::fs::write(dir.path().join("var/www/html/index.php"), "x").expect("w");
        let root = Root::new(dir.path()).expect("root");
        let (hits, _) = hunt(
            &root,
            &[PathBuf::from("/var/www")],
            &HashSet::new(),
            &[],
            &Window::default(),
        );
        let got: Vec<_> = hits.iter().map(|h| (h.path.as_str(), h.reason)).collect();
        assert!(got.contains(&("/var/www/html/uploads/a.php", HuntReason::CodeInUploadDir)));
        assert!(got.contains(&("/var/www/html/.cache.php", HuntReason::HiddenCode)));
        assert_eq!(got.len(), 2, "{got:?}");
    }
}
