//! One index over the root's package databases (dpkg and rpm): which files packages own, and
//! what each packaged regular file must hash to.
//!
//! The index is what both full verification (`verify-packages`, the deep scan check) and the
//! cheap targeted checks (is `sshd` the packaged one, is this PAM module owned) stand on. It is
//! built once per root and shared ([`PackageIndex::shared`]).
//!
//! Two Debian details matter for correctness: merged-/usr (`/bin` → `usr/bin`, so dpkg's
//! `/bin/ls` is the file at `/usr/bin/ls`) and `dpkg-divert` (the diverted package's file lives
//! at the diversion's target). Files removed on purpose through `path-exclude` in dpkg's
//! configuration are not "missing".

use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use huoyan_artifacts::dpkg::{self, DpkgDb, PathFilter};
use huoyan_artifacts::rpm::{self, DigestAlgo, RpmDbError};
use huoyan_core::{FileKind, Gap, GapReason, Root};
use serde::Serialize;

/// Which database a record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Manager {
    /// Debian's dpkg.
    Dpkg,
    /// RPM.
    Rpm,
}

/// A digest algorithm huoyan can compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Algo {
    /// MD5 (dpkg md5sums, old rpm).
    Md5,
    /// SHA-1.
    Sha1,
    /// SHA-256 (modern rpm).
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// The digest a file must have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expected {
    /// Algorithm.
    pub algo: Algo,
    /// Hex digest (lower case).
    pub hex: String,
}

/// One regular file a package installed, with what it must hash to.
#[derive(Debug, Clone, Serialize)]
pub struct PackagedFile {
    /// Where the file is (logical; diversions applied).
    pub path: PathBuf,
    /// Owning package.
    pub package: String,
    /// Which database.
    pub manager: Manager,
    /// Expected digest.
    pub expected: Expected,
    /// A configuration file (dpkg conffile, rpm %config).
    pub conffile: bool,
    /// Recorded mode (rpm only).
    pub mode: Option<u32>,
    /// When the package database last wrote this package's file list (dpkg: the later mtime of
    /// `info/<pkg>.list` and `.md5sums`). A file whose inode changed after this was touched
    /// after installation; `None` when unknown (conffiles, rpm), which means "always hash".
    pub settled: Option<huoyan_core::Timestamp>,
}

/// The root's package databases, merged.
#[derive(Debug, Default)]
pub struct PackageIndex {
    /// Databases found.
    pub managers: Vec<Manager>,
    /// Installed packages counted over all databases.
    pub package_count: usize,
    /// Every packaged regular file with a digest.
    pub files: Vec<PackagedFile>,
    /// What could not be read.
    pub gaps: Vec<Gap>,
    /// dpkg path filters (excluded paths are legitimately absent).
    pub filters: Vec<PathFilter>,
    owned: HashSet<Vec<u8>>,
    by_path: HashMap<Vec<u8>, Vec<usize>>,
    aliases: Vec<(PathBuf, PathBuf)>,
}

const AREA: &str = "integrity.packages";

impl PackageIndex {
    /// Reads every package database under the root.
    pub fn load(root: &Root) -> PackageIndex {
        let mut index = PackageIndex {
            aliases: usr_merge_aliases(root),
            ..PackageIndex::default()
        };
        if DpkgDb::present(root) {
            index.load_dpkg(root);
        }
        index.load_rpm(root);
        if index.managers.is_empty() {
            index.gaps.push(Gap::new(
                AREA,
                GapReason::Absent,
                "no package database (dpkg or rpm) under the root; use a baseline instead",
            ));
        }
        for (i, f) in index.files.iter().enumerate() {
            let key = canonical_bytes(&index.aliases, &f.path);
            index.by_path.entry(key).or_default().push(i);
        }
        index
    }

    /// The index for a root, built on first use and shared by every check of the run.
    pub fn shared(root: &Root) -> Arc<PackageIndex> {
        type Slot = Arc<OnceLock<Arc<PackageIndex>>>;
        static CACHE: OnceLock<Mutex<HashMap<PathBuf, Slot>>> = OnceLock::new();
        let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
        let key = root.base().to_path_buf();
        // One slot per root: the first check to ask builds the index, the others wait for it
        // instead of building their own copy at the same time.
        let slot: Slot = match cache.lock() {
            Ok(mut map) => Arc::clone(map.entry(key).or_default()),
            Err(_) => Arc::new(OnceLock::new()),
        };
        Arc::clone(slot.get_or_init(|| Arc::new(PackageIndex::load(root))))
    }

    fn load_dpkg(&mut self, root: &Root) {
        let (db, errors) = match DpkgDb::read(root) {
            Ok(r) => r,
            Err(e) => {
                self.gaps.push(Gap::from_error(AREA, &e));
                return;
            }
        };
        self.managers.push(Manager::Dpkg);
        for e in &errors {
            self.gaps.push(Gap::from_error(AREA, e));
        }
        for (key, n) in &db.malformed {
            self.gaps.push(Gap::new(
                AREA,
                GapReason::Malformed,
                format!("{n} malformed line(s) in /var/lib/dpkg/info/{key}.md5sums"),
            ));
        }
        self.filters = read_dpkg_filters(root);
        let present: HashSet<&str> = db
            .packages
            .iter()
            .filter(|p| p.files_present())
            .map(|p| p.name.as_str())
            .collect();
        self.package_count = present.len();
        let diverted = |path: &Path, package: &str| -> PathBuf {
            db.diversions
                .iter()
                .find(|d| d.from == path && d.by != package)
                .map(|d| d.to.clone())
                .unwrap_or_else(|| path.to_path_buf())
        };
        let mut conffile_paths = HashSet::new();
        for p in db.packages.iter().filter(|p| p.files_present()) {
            for c in p.conffiles.iter().filter(|c| !c.obsolete) {
                self.owned.insert(canonical_bytes(&self.aliases, &c.path));
                conffile_paths.insert(c.path.clone());
                if let Some(md5) = c.md5 {
                    self.files.push(PackagedFile {
                        path: diverted(&c.path, &p.name),
                        package: p.name.clone(),
                        manager: Manager::Dpkg,
                        expected: Expected {
                            algo: Algo::Md5,
                            hex: hex::encode(md5),
                        },
                        conffile: true,
                        mode: None,
                        settled: None,
                    });
                }
            }
        }
        // One open of the info directory; each package's database files statted inside it.
        let info_dir = root.open_dir("/var/lib/dpkg/info").ok();
        for (key, entries) in &db.md5sums {
            let package = DpkgDb::package_of_key(key);
            if !present.contains(package) {
                continue;
            }
            let settled = ["list", "md5sums"]
                .iter()
                .filter_map(|ext| {
                    info_dir
                        .as_ref()?
                        .lstat(format!("{key}.{ext}"))
                        .ok()
                        .and_then(|m| m.mtime)
                })
                .max();
            for e in entries {
                if conffile_paths.contains(&e.path) {
                    continue;
                }
                let path = diverted(&e.path, package);
                self.owned.insert(canonical_bytes(&self.aliases, &path));
                self.files.push(PackagedFile {
                    path,
                    package: package.to_string(),
                    manager: Manager::Dpkg,
                    expected: Expected {
                        algo: Algo::Md5,
                        hex: hex::encode(e.md5),
                    },
                    conffile: false,
                    mode: None,
                    settled,
                });
            }
        }
        for (key, paths) in &db.lists {
            let package = DpkgDb::package_of_key(key);
            for p in paths {
                let p = diverted(p, package);
                self.owned.insert(canonical_bytes(&self.aliases, &p));
            }
        }
        for d in &db.diversions {
            self.owned.insert(canonical_bytes(&self.aliases, &d.to));
        }
    }

    fn load_rpm(&mut self, root: &Root) {
        let (packages, errors) = match rpm::read_rpmdb(root) {
            Ok(r) => r,
            Err(RpmDbError::Absent) => return,
            Err(e @ RpmDbError::Unsupported { .. }) => {
                self.gaps
                    .push(Gap::new(AREA, GapReason::Unsupported, e.to_string()));
                return;
            }
            Err(e) => {
                self.gaps
                    .push(Gap::new(AREA, GapReason::Error, e.to_string()));
                return;
            }
        };
        self.managers.push(Manager::Rpm);
        for e in errors {
            self.gaps.push(Gap::new(
                AREA,
                GapReason::Malformed,
                format!("rpmdb.sqlite: {e}"),
            ));
        }
        self.package_count += packages.len();
        for p in packages {
            let algo = match p.digest_algo {
                DigestAlgo::Md5 => Algo::Md5,
                DigestAlgo::Sha1 => Algo::Sha1,
                DigestAlgo::Sha256 => Algo::Sha256,
                DigestAlgo::Sha384 => Algo::Sha384,
                DigestAlgo::Sha512 => Algo::Sha512,
                DigestAlgo::Other(n) => {
                    self.gaps.push(Gap::new(
                        AREA,
                        GapReason::Unsupported,
                        format!(
                            "package {}: file digest algorithm {n} not supported",
                            p.name
                        ),
                    ));
                    continue;
                }
            };
            for f in p.files {
                if f.flags & rpm::RPMFILE_GHOST != 0 {
                    continue;
                }
                self.owned.insert(canonical_bytes(&self.aliases, &f.path));
                let is_regular = f.mode & 0o170000 == 0o100000;
                if !is_regular || f.digest.is_empty() {
                    continue;
                }
                self.files.push(PackagedFile {
                    path: f.path,
                    package: p.name.clone(),
                    manager: Manager::Rpm,
                    expected: Expected {
                        algo,
                        hex: f.digest,
                    },
                    conffile: f.flags & rpm::RPMFILE_CONFIG != 0,
                    mode: Some(f.mode),
                    settled: None,
                });
            }
        }
    }

    /// Distinct packaged files with a digest (merged-/usr aliases counted once).
    pub fn distinct_files(&self) -> usize {
        self.by_path.len()
    }

    /// True when some package lists the path (merged-/usr aliases understood).
    pub fn is_owned(&self, path: &Path) -> bool {
        self.owned.contains(&canonical_bytes(&self.aliases, path))
    }

    /// The packaged records for a path (usually one; several for shared multi-arch files).
    pub fn records_for(&self, path: &Path) -> Vec<&PackagedFile> {
        self.by_path
            .get(&canonical_bytes(&self.aliases, path))
            .map(|ix| ix.iter().filter_map(|&i| self.files.get(i)).collect())
            .unwrap_or_default()
    }

    /// True when dpkg's `path-exclude` configuration removes the path on purpose.
    pub fn excluded(&self, path: &Path) -> bool {
        let bytes = path.as_os_str().as_bytes();
        let mut excluded = false;
        for f in &self.filters {
            if dpkg::glob_match(f.glob.as_bytes(), bytes) {
                excluded = !f.include;
            }
        }
        excluded
    }

    /// True when at least one database was read.
    pub fn has_database(&self) -> bool {
        !self.managers.is_empty()
    }

    /// The canonical form of a path (merged-/usr aliases resolved).
    pub fn canonical(&self, path: &Path) -> PathBuf {
        PathBuf::from(OsStr::from_bytes(&canonical_bytes(&self.aliases, path)))
    }
}

/// `/bin` → `/usr/bin` and friends, where the root has merged /usr.
fn usr_merge_aliases(root: &Root) -> Vec<(PathBuf, PathBuf)> {
    let mut out = Vec::new();
    for top in ["bin", "sbin", "lib", "lib32", "lib64", "libx32"] {
        let logical = PathBuf::from(format!("/{top}"));
        let Ok(meta) = root.lstat(&logical) else {
            continue;
        };
        if meta.kind != FileKind::Symlink {
            continue;
        }
        let Ok(target) = root.read_link(&logical) else {
            continue;
        };
        let target = target.to_string_lossy().trim_start_matches('/').to_string();
        if target == format!("usr/{top}") {
            out.push((logical, PathBuf::from(format!("/usr/{top}"))));
        }
    }
    out
}

fn canonical_bytes(aliases: &[(PathBuf, PathBuf)], path: &Path) -> Vec<u8> {
    for (from, to) in aliases {
        if let Ok(rest) = path.strip_prefix(from) {
            return to.join(rest).into_os_string().into_vec();
        }
    }
    path.as_os_str().as_bytes().to_vec()
}

use std::os::unix::ffi::OsStringExt;

fn read_dpkg_filters(root: &Root) -> Vec<PathFilter> {
    let mut filters = Vec::new();
    if let Ok(c) = root.read_capped("/etc/dpkg/dpkg.cfg", 1 << 20) {
        filters.extend(dpkg::parse_dpkg_cfg(&c.data));
    }
    if let Ok(entries) = root.read_dir("/etc/dpkg/dpkg.cfg.d") {
        for e in entries {
            if let Ok(c) = root.read_capped(&e.path, 1 << 20) {
                filters.extend(dpkg::parse_dpkg_cfg(&c.data));
            }
        }
    }
    filters
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_usr_aliases_and_ownership() {
        let dir = tempfile::tempdir().expect("tempdir");
        let b = dir.path();
        std::fs::create_dir_all(b.join("usr/bin")).expect("mkdir");
        std::os::unix::fs::symlink("usr/bin", b.join("bin")).expect("symlink");
        std::fs::create_dir_all(b.join("var/lib/dpkg/info")).expect("mkdir");
        std::fs::write(
            b.join("var/lib/dpkg/status"),
            "Package: procps\nStatus: install ok installed\nArchitecture: amd64\n\n",
        )
        .expect("write");
        std::fs::write(
            b.join("var/lib/dpkg/info/procps.md5sums"),
            "d41d8cd98f00b204e9800998ecf8427e  bin/ps\n",
        )
        .expect("write");
        std::fs::write(
            b.join("var/lib/dpkg/info/procps.list"),
            "/.\n/bin\n/bin/ps\n",
        )
        .expect("write");
        let root = Root::new(b).expect("root");
        let index = PackageIndex::load(&root);
        assert_eq!(index.managers, vec![Manager::Dpkg]);
        assert!(index.is_owned(Path::new("/usr/bin/ps")));
        assert!(index.is_owned(Path::new("/bin/ps")));
        assert!(!index.is_owned(Path::new("/usr/bin/evil")));
        assert_eq!(index.records_for(Path::new("/usr/bin/ps")).len(), 1);
    }
}
