//! One walk of the web roots for both the webshell scan and the file hunt.
//!
//! Both need every file under the web roots with its metadata; walking the tree once instead of
//! twice lets the scan start sooner. Each keeps the view it had with a walk of its own: the
//! scan leaves out `.git`, `node_modules` and `.svn` directories and stops at its file cap; the
//! hunt leaves out `proc`, `sys`, `dev` and `run` directly under a root (a root of `/`).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use huoyan_core::root::{WalkControl, WalkEntry, WalkOptions};
use huoyan_core::{FileKind, Gap, Root};

use crate::scanner::{role_of, FileRole, ScanOptions};

/// What one walk gives each side.
#[derive(Debug, Default)]
pub struct Walked {
    /// Scan candidates with their roles, in walk order.
    pub scan: Vec<(WalkEntry, FileRole)>,
    /// What the scan's view could not read.
    pub scan_gaps: Vec<Gap>,
    /// Every file of the hunt's view, in walk order.
    pub hunt: Vec<WalkEntry>,
    /// What the hunt's view could not read.
    pub hunt_gaps: Vec<Gap>,
}

/// Directories the scan does not enter (at any depth).
fn scan_skips(name: &OsStr) -> bool {
    name == ".git" || name == "node_modules" || name == ".svn"
}

/// Directories the hunt does not enter (directly under the walked directory).
fn hunt_skips(name: &OsStr) -> bool {
    name == "proc" || name == "sys" || name == "dev" || name == "run"
}

/// Whether `path` (below `dir`) lies inside a directory the scan or the hunt leaves out:
/// (scan leaves it out, hunt leaves it out). `is_dir` tells whether `path` itself is a
/// directory (its own name then counts too).
fn left_out(dir: &Path, path: &Path, is_dir: bool) -> (bool, bool) {
    let rel = path.strip_prefix(dir).unwrap_or(path);
    let mut parts: Vec<&OsStr> = rel.iter().collect();
    if !is_dir {
        parts.pop();
    }
    let scan = parts.iter().any(|p| scan_skips(p));
    let hunt = parts.first().is_some_and(|p| hunt_skips(p));
    (scan, hunt)
}

/// Walks `dirs` once and splits what it finds between the scan and the hunt.
pub fn walk_web_roots(root: &Root, dirs: &[PathBuf], opts: &ScanOptions) -> Walked {
    let mut w = Walked::default();
    let walk_opts = WalkOptions::default();
    for dir in dirs {
        let mut scan_full = w.scan.len() >= opts.max_files;
        let mut visit = |e: &WalkEntry| {
            if e.meta.kind == FileKind::File {
                let (scan_out, hunt_out) = left_out(dir, &e.path, false);
                if !hunt_out {
                    w.hunt.push(e.clone());
                }
                if !scan_out && !scan_full {
                    if let Some(role) = role_of(&e.path) {
                        w.scan.push((e.clone(), role));
                        scan_full = w.scan.len() >= opts.max_files;
                    }
                }
            } else if e.meta.kind == FileKind::Dir {
                let (scan_out, hunt_out) = left_out(dir, &e.path, true);
                if scan_out && hunt_out {
                    return WalkControl::SkipDir;
                }
            }
            WalkControl::Continue
        };
        let mut on_error = |err: huoyan_core::RootError| {
            let (scan_out, hunt_out) = left_out(dir, Path::new(err.path()), false);
            if !scan_out {
                w.scan_gaps.push(Gap::from_error("web.webshell", &err));
            }
            if !hunt_out {
                w.hunt_gaps.push(Gap::from_error("web.files", &err));
            }
        };
        if let Err(e) = root.walk(dir, &walk_opts, &mut visit, &mut on_error) {
            if !e.is_not_found() {
                w.scan_gaps.push(Gap::from_error("web.webshell", &e));
                w.hunt_gaps.push(Gap::from_error("web.files", &e));
            }
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shared walk gives each side what its own walk gave.
    #[test]
    fn each_side_keeps_its_view() {
        let tmp = tempfile::tempdir().expect("tmp");
        let www = tmp.path().join("var/www");
        for (path, body) in [
            ("a.php", "<?php"),
            ("static.css", "x"),
            (".git/hooks/h.php", "<?php"),
            ("lib/node_modules/m.js", "x"),
            ("run/r.php", "<?php"),
            ("proc/p.php", "<?php"),
            ("deep/dev/d.php", "<?php"),
        ] {
            let p = www.join(path);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, body).expect("write");
        }
        let root = Root::new(tmp.path()).expect("root");
        let dirs = [PathBuf::from("/var/www")];
        let w = walk_web_roots(&root, &dirs, &ScanOptions::default());
        let names = |v: Vec<&Path>| {
            let mut v: Vec<String> = v.iter().map(|p| p.display().to_string()).collect();
            v.sort();
            v
        };
        let scan = names(w.scan.iter().map(|(e, _)| e.path.as_path()).collect());
        let hunt = names(w.hunt.iter().map(|e| e.path.as_path()).collect());
        // The same lists as the two walks of their own.
        let mut own_gaps = Vec::new();
        let own_scan =
            crate::scanner::collect(&root, &dirs, &ScanOptions::default(), &mut own_gaps);
        let (own_hunt, _) = crate::hunt::walk_files(&root, &dirs);
        assert_eq!(
            scan,
            names(own_scan.iter().map(|(e, _)| e.path.as_path()).collect())
        );
        assert_eq!(
            hunt,
            names(own_hunt.iter().map(|e| e.path.as_path()).collect())
        );
        assert!(scan.contains(&"/var/www/run/r.php".to_string()));
        assert!(!hunt.contains(&"/var/www/run/r.php".to_string()));
        assert!(hunt.contains(&"/var/www/.git/hooks/h.php".to_string()));
        assert!(!scan.contains(&"/var/www/.git/hooks/h.php".to_string()));
        assert!(hunt.contains(&"/var/www/deep/dev/d.php".to_string()));
    }
}
