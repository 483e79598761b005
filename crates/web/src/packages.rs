//! Files a Debian package installed and nobody changed since.
//!
//! WordPress, MediaWiki, phpMyAdmin, Roundcube … installed with `apt` put thousands of PHP files
//! under the web roots, every one listed with its MD5 in the package's `md5sums` (conffiles in
//! the status file). A file whose bytes still hash to the recorded MD5 is the package's file:
//! not a webshell (whatever a heuristic thinks of its code), and not "code in an upload
//! directory" either. A rule that names a known webshell family still counts (a trojaned
//! package is a different investigation, and the integrity checks verify the database itself).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use huoyan_artifacts::dpkg::DpkgDb;
use huoyan_core::{Gap, Root};
use md5::{Digest, Md5};

/// Largest file hashed to compare with the package database.
const MAX_HASHED: u64 = 64 * 1024 * 1024;

/// Package-owned files under the web roots, with the MD5 each package recorded.
#[derive(Debug, Default)]
pub struct PackageFiles {
    /// Logical path → (MD5, index into `packages`).
    files: HashMap<PathBuf, ([u8; 16], usize)>,
    /// Package names.
    packages: Vec<String>,
}

impl PackageFiles {
    /// Reads the dpkg database of `root` (if it has one) and keeps the files under `dirs`.
    pub fn read(root: &Root, dirs: &[PathBuf]) -> (PackageFiles, Vec<Gap>) {
        let mut out = PackageFiles::default();
        let mut gaps = Vec::new();
        if !DpkgDb::present(root) {
            return (out, gaps);
        }
        let (db, errors) = match DpkgDb::read(root) {
            Ok(r) => r,
            Err(e) => {
                gaps.push(Gap::from_error("web.webshell", &e));
                return (out, gaps);
            }
        };
        for e in errors.iter().filter(|e| !e.is_not_found()) {
            gaps.push(Gap::from_error("web.webshell", e));
        }
        let wanted = |p: &Path| dirs.iter().any(|d| p.starts_with(d));
        for (key, entries) in &db.md5sums {
            let pkg = DpkgDb::package_of_key(key).to_string();
            let index = out.packages.len();
            let mut any = false;
            for e in entries.iter().filter(|e| wanted(&e.path)) {
                out.files.insert(e.path.clone(), (e.md5, index));
                any = true;
            }
            if any {
                out.packages.push(pkg);
            }
        }
        for p in db.packages.iter().filter(|p| p.files_present()) {
            let index = out.packages.len();
            let mut any = false;
            for c in p
                .conffiles
                .iter()
                .filter(|c| !c.obsolete && wanted(&c.path))
            {
                if let Some(md5) = c.md5 {
                    out.files.insert(c.path.clone(), (md5, index));
                    any = true;
                }
            }
            if any {
                out.packages.push(p.name.clone());
            }
        }
        (out, gaps)
    }

    /// A set made of explicit entries (tests).
    pub fn from_entries(entries: &[(&str, [u8; 16], &str)]) -> PackageFiles {
        let mut out = PackageFiles::default();
        for (path, md5, pkg) in entries {
            let index = match out.packages.iter().position(|p| p == pkg) {
                Some(i) => i,
                None => {
                    out.packages.push((*pkg).to_string());
                    out.packages.len() - 1
                }
            };
            out.files.insert(PathBuf::from(path), (*md5, index));
        }
        out
    }

    /// True when no package file is known (no dpkg database, or none under the roots).
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The package that lists `path`, if any (whatever the file's content now).
    pub fn owner(&self, path: &Path) -> Option<&str> {
        self.files
            .get(path)
            .map(|(_, i)| self.packages[*i].as_str())
    }

    /// The package whose recorded MD5 `data` (the whole file) matches, if `path` is one of its
    /// files.
    pub fn unchanged_bytes(&self, path: &Path, data: &[u8]) -> Option<&str> {
        let (md5, i) = self.files.get(path)?;
        (Md5::digest(data).as_slice() == md5).then(|| self.packages[*i].as_str())
    }

    /// [`PackageFiles::unchanged_bytes`] reading the file through the root.
    pub fn unchanged(&self, root: &Root, path: &Path) -> Option<&str> {
        self.files.get(path)?;
        let c = root.read_capped(path, MAX_HASHED).ok()?;
        if c.truncated {
            return None;
        }
        self.unchanged_bytes(path, &c.data)
    }
}

/// The MD5 of `data`.
pub fn md5_of(data: &[u8]) -> [u8; 16] {
    Md5::digest(data).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_md5sums_and_conffiles_under_the_roots() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        let php = b"<?php $fn = 'strtolower'; echo $fn($x);";
        std::fs::create_dir_all(d.join("var/lib/dpkg/info")).expect("mkdir");
        std::fs::create_dir_all(d.join("usr/share/mediawiki/includes/libs/objectcache"))
            .expect("mkdir");
        std::fs::write(
            d.join("usr/share/mediawiki/includes/libs/objectcache/BagOStuff.php"),
            php,
        )
        .expect("w");
        let hex: String = md5_of(php).iter().map(|b| format!("{b:02x}")).collect();
        std::fs::write(
            d.join("var/lib/dpkg/info/mediawiki.md5sums"),
            format!(
                "{hex}  usr/share/mediawiki/includes/libs/objectcache/BagOStuff.php\n\
                 {hex}  usr/bin/elsewhere\n"
            ),
        )
        .expect("w");
        std::fs::write(
            d.join("var/lib/dpkg/status"),
            format!(
                "Package: mediawiki\nStatus: install ok installed\nVersion: 1\n\
                 Conffiles:\n /usr/share/mediawiki/LocalSettings.php {hex}\n\n"
            ),
        )
        .expect("w");
        let root = Root::new(d).expect("root");
        let (pf, gaps) = PackageFiles::read(&root, &[PathBuf::from("/usr/share/mediawiki")]);
        assert!(gaps.is_empty(), "{gaps:?}");
        let p = Path::new("/usr/share/mediawiki/includes/libs/objectcache/BagOStuff.php");
        assert_eq!(pf.owner(p), Some("mediawiki"));
        assert_eq!(pf.unchanged(&root, p), Some("mediawiki"));
        assert_eq!(pf.unchanged_bytes(p, b"<?php @eval($_POST[1]);"), None);
        assert_eq!(
            pf.owner(Path::new("/usr/share/mediawiki/LocalSettings.php")),
            Some("mediawiki")
        );
        assert_eq!(pf.owner(Path::new("/usr/bin/elsewhere")), None);
    }
}
