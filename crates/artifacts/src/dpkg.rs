//! The dpkg database: which Debian package owns which file, and what its MD5 must be.
//!
//! **Where it lives:** `/var/lib/dpkg/status` (one RFC-822-style paragraph per package, with the
//! `Conffiles:` field listing each configuration file and its MD5 at install time) and
//! `/var/lib/dpkg/info/` (`PKG.list`: every path the package installed; `PKG.md5sums`: MD5 and
//! path of every regular file but the conffiles; multi-arch packages use `PKG:ARCH.list`).
//!
//! **Why it matters to a responder:** the package database is the host's own record of what each
//! system binary should be. A replaced `ps`, `sshd` or `pam_unix.so` no longer matches its
//! recorded MD5; a binary in `/usr/bin` that no package lists was put there by someone. The
//! database can be tampered with too, which is why huoyan also offers baselines.
//!
//! Parsers here are pure (`parse_*(&[u8])`); [`DpkgDb::read`] gathers the bytes through a Root.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use huoyan_core::root::DirEntry;
use huoyan_core::{Root, RootError};
use serde::Serialize;

/// The dpkg administrative directory inside a root.
pub const DPKG_DIR: &str = "/var/lib/dpkg";

/// Largest status or info file read (a status file of 5,000 packages is ~10 MB).
const DPKG_FILE_CAP: u64 = 256 * 1024 * 1024;

/// A configuration file as recorded in the status file's `Conffiles:` field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conffile {
    /// Absolute path.
    pub path: PathBuf,
    /// MD5 at install time (`None` for `newconffile` placeholders or malformed values).
    pub md5: Option<[u8; 16]>,
    /// Marked `obsolete` (no longer shipped by the package).
    pub obsolete: bool,
}

/// One package paragraph of the status file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DpkgPackage {
    /// `Package:`.
    pub name: String,
    /// `Architecture:` (empty when absent).
    pub arch: String,
    /// `Version:`.
    pub version: String,
    /// `Status:` (e.g. `install ok installed`).
    pub status: String,
    /// `Multi-Arch:` (`same` means info files are named `PKG:ARCH.*`).
    pub multi_arch: String,
    /// `Conffiles:` entries.
    pub conffiles: Vec<Conffile>,
}

impl DpkgPackage {
    /// True when the package's files are on disk (installed, or half-configured/unpacked).
    pub fn files_present(&self) -> bool {
        let state = self.status.split_whitespace().nth(2).unwrap_or("");
        matches!(
            state,
            "installed" | "half-configured" | "unpacked" | "triggers-awaited" | "triggers-pending"
        )
    }
}

/// Parses the status file. Paragraphs without `Package:` are skipped; unknown fields ignored.
pub fn parse_status(data: &[u8]) -> Vec<DpkgPackage> {
    let mut out = Vec::new();
    let mut current = DpkgPackage::default();
    let mut in_conffiles = false;
    let flush = |p: &mut DpkgPackage, out: &mut Vec<DpkgPackage>| {
        if !p.name.is_empty() {
            out.push(std::mem::take(p));
        } else {
            *p = DpkgPackage::default();
        }
    };
    for raw in data.split(|&b| b == b'\n') {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            flush(&mut current, &mut out);
            in_conffiles = false;
            continue;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            if in_conffiles {
                if let Some(c) = parse_conffile_line(line) {
                    current.conffiles.push(c);
                }
            }
            continue;
        }
        in_conffiles = false;
        let Some(colon) = memchr::memchr(b':', line) else {
            continue;
        };
        let key = &line[..colon];
        let value = String::from_utf8_lossy(&line[colon + 1..])
            .trim()
            .to_string();
        match key {
            b"Package" => current.name = value,
            b"Architecture" => current.arch = value,
            b"Version" => current.version = value,
            b"Status" => current.status = value,
            b"Multi-Arch" => current.multi_arch = value,
            b"Conffiles" => in_conffiles = true,
            _ => {}
        }
    }
    flush(&mut current, &mut out);
    out
}

/// ` /etc/foo.conf 0123…abcd [obsolete]`: the path may contain spaces, so split from the right.
fn parse_conffile_line(line: &[u8]) -> Option<Conffile> {
    let text = line.trim_ascii();
    let mut parts: Vec<&[u8]> = text.rsplitn(3, |&b| b == b' ').collect();
    parts.reverse();
    let (path, md5, obsolete) = match parts.as_slice() {
        [path, md5, flag] if *flag == b"obsolete" || *flag == b"remove-on-upgrade" => {
            (path.to_vec(), *md5, *flag == b"obsolete")
        }
        [path_a, path_b, md5] if parse_md5_hex(md5).is_some() || *md5 == b"newconffile" => {
            let mut p = path_a.to_vec();
            p.push(b' ');
            p.extend_from_slice(path_b);
            (p, *md5, false)
        }
        [path, md5] => (path.to_vec(), *md5, false),
        _ => return None,
    };
    if !path.starts_with(b"/") {
        return None;
    }
    Some(Conffile {
        path: PathBuf::from(OsStr::from_bytes(&path)),
        md5: parse_md5_hex(md5),
        obsolete,
    })
}

/// Parses 32 hex digits.
pub fn parse_md5_hex(hex: &[u8]) -> Option<[u8; 16]> {
    if hex.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, pair) in hex.chunks_exact(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

/// One line of a `.md5sums` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Md5Entry {
    /// Absolute path (the file stores it without the leading `/`).
    pub path: PathBuf,
    /// Expected MD5.
    pub md5: [u8; 16],
}

/// Parses a `.md5sums` file (`<32 hex>  <path>` per line). Returns the entries and the number of
/// malformed lines (a tampered database is worth knowing about).
pub fn parse_md5sums(data: &[u8]) -> (Vec<Md5Entry>, usize) {
    let mut entries = Vec::new();
    let mut malformed = 0usize;
    for line in data.split(|&b| b == b'\n') {
        if line.is_empty() {
            continue;
        }
        let parsed = (|| {
            let md5 = parse_md5_hex(line.get(..32)?)?;
            let rest = line.get(32..)?;
            let path = rest.trim_ascii_start();
            if path.is_empty() || rest.len() == path.len() {
                return None;
            }
            let mut abs = Vec::with_capacity(path.len() + 1);
            if !path.starts_with(b"/") {
                abs.push(b'/');
            }
            abs.extend_from_slice(path);
            Some(Md5Entry {
                path: PathBuf::from(OsStr::from_bytes(&abs)),
                md5,
            })
        })();
        match parsed {
            Some(e) => entries.push(e),
            None => malformed += 1,
        }
    }
    (entries, malformed)
}

/// Parses a `.list` file: one absolute path per line (`/.` is the root itself and skipped).
pub fn parse_list(data: &[u8]) -> Vec<PathBuf> {
    data.split(|&b| b == b'\n')
        .filter(|l| l.starts_with(b"/") && *l != b"/.")
        .map(|l| PathBuf::from(OsStr::from_bytes(l)))
        .collect()
}

/// Splits an info file name (`libc6:amd64.md5sums`) into package, architecture and extension.
pub fn split_info_name(name: &[u8]) -> Option<(String, Option<String>, String)> {
    let dot = memchr::memrchr(b'.', name)?;
    let (stem, ext) = (&name[..dot], &name[dot + 1..]);
    let stem = std::str::from_utf8(stem).ok()?;
    let ext = std::str::from_utf8(ext).ok()?.to_string();
    if stem.is_empty() {
        return None;
    }
    Some(match stem.split_once(':') {
        Some((pkg, arch)) => (pkg.to_string(), Some(arch.to_string()), ext),
        None => (stem.to_string(), None, ext),
    })
}

/// One dpkg diversion: `from` is moved to `to` unless the package is `by` itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diversion {
    /// The diverted path.
    pub from: PathBuf,
    /// Where the diverted package's file really lives.
    pub to: PathBuf,
    /// The diverting package (`:` for a local diversion by the administrator).
    pub by: String,
}

/// Parses `/var/lib/dpkg/diversions` (triples of lines: from, to, diverting package).
pub fn parse_diversions(data: &[u8]) -> Vec<Diversion> {
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    lines
        .chunks_exact(3)
        .filter(|c| c[0].starts_with(b"/") && c[1].starts_with(b"/"))
        .map(|c| Diversion {
            from: PathBuf::from(OsStr::from_bytes(c[0])),
            to: PathBuf::from(OsStr::from_bytes(c[1])),
            by: String::from_utf8_lossy(c[2]).into_owned(),
        })
        .collect()
}

/// A `path-exclude=` / `path-include=` filter from dpkg's configuration (minimal and container
/// images drop documentation this way, so those files are legitimately missing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathFilter {
    /// True for `path-include`.
    pub include: bool,
    /// The glob (fnmatch without FNM_PATHNAME: `*` crosses `/`).
    pub glob: String,
}

/// Parses `/etc/dpkg/dpkg.cfg` or a file of `/etc/dpkg/dpkg.cfg.d/`.
pub fn parse_dpkg_cfg(data: &[u8]) -> Vec<PathFilter> {
    String::from_utf8_lossy(data)
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let (include, glob) = if let Some(g) = l.strip_prefix("path-exclude") {
                (false, g)
            } else {
                (true, l.strip_prefix("path-include")?)
            };
            let glob = glob.trim_start_matches([' ', '=']).trim();
            (!glob.is_empty()).then(|| PathFilter {
                include,
                glob: glob.to_string(),
            })
        })
        .collect()
}

/// fnmatch(3) without flags: `*`, `?` and `[...]` classes; `*` matches `/` too (the one
/// wildcard matcher of the crate, [`crate::config_glob::wildcard_match`]).
pub fn glob_match(glob: &[u8], text: &[u8]) -> bool {
    crate::config_glob::wildcard_match(glob, text)
}

/// Everything huoyan needs from a dpkg database.
#[derive(Debug, Default)]
pub struct DpkgDb {
    /// Packages from the status file.
    pub packages: Vec<DpkgPackage>,
    /// Per package key (`name` or `name:arch`, as in the info file names), its md5sums entries.
    pub md5sums: BTreeMap<String, Vec<Md5Entry>>,
    /// Per package key, every path of its `.list` file.
    pub lists: BTreeMap<String, Vec<PathBuf>>,
    /// Malformed md5sums lines, per package key.
    pub malformed: BTreeMap<String, usize>,
    /// Diversions (`dpkg-divert`).
    pub diversions: Vec<Diversion>,
}

impl DpkgDb {
    /// True when the root has a dpkg database.
    pub fn present(root: &Root) -> bool {
        root.exists(Path::new(DPKG_DIR).join("status"))
    }

    /// Reads the status file and every `.md5sums` and `.list` file. Errors on individual info
    /// files are returned alongside (the rest of the database is still useful).
    pub fn read(root: &Root) -> Result<(DpkgDb, Vec<RootError>), RootError> {
        let status = root.read_capped(Path::new(DPKG_DIR).join("status"), DPKG_FILE_CAP)?;
        let mut db = DpkgDb {
            packages: parse_status(&status.data),
            ..DpkgDb::default()
        };
        let mut errors = Vec::new();
        match root.read_capped(Path::new(DPKG_DIR).join("diversions"), DPKG_FILE_CAP) {
            Ok(c) => db.diversions = parse_diversions(&c.data),
            Err(e) if e.is_not_found() => {}
            Err(e) => errors.push(e),
        }
        let info_dir = Path::new(DPKG_DIR).join("info");
        let entries: Vec<DirEntry> = match root.read_dir(&info_dir) {
            Ok(e) => e,
            Err(e) => {
                errors.push(e);
                Vec::new()
            }
        };
        for entry in entries {
            let Some((pkg, arch, ext)) = split_info_name(entry.name.as_bytes()) else {
                continue;
            };
            if ext != "md5sums" && ext != "list" {
                continue;
            }
            let key = match arch {
                Some(a) => format!("{pkg}:{a}"),
                None => pkg,
            };
            let data = match root.read_capped(&entry.path, DPKG_FILE_CAP) {
                Ok(c) => c.data,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            if ext == "md5sums" {
                let (entries, bad) = parse_md5sums(&data);
                if bad > 0 {
                    db.malformed.insert(key.clone(), bad);
                }
                db.md5sums.insert(key, entries);
            } else {
                db.lists.insert(key, parse_list(&data));
            }
        }
        Ok((db, errors))
    }

    /// The package name for an info-file key (`libc6:amd64` → `libc6`).
    pub fn package_of_key(key: &str) -> &str {
        key.split_once(':').map(|(p, _)| p).unwrap_or(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &[u8] = b"Package: openssh-server\n\
Status: install ok installed\n\
Priority: optional\n\
Architecture: amd64\n\
Multi-Arch: foreign\n\
Version: 1:9.2p1-2+deb12u3\n\
Conffiles:\n \
/etc/default/ssh 500e3cf069fe9a7b9936108eb9d9c035\n \
/etc/init.d/ssh 3649a6fe8c18ad1d5245fd91737de507\n \
/etc/pam.d/sshd 8b4c7a12b031424b2a9946881da59812\n \
/etc/ssh/old.conf 00000000000000000000000000000000 obsolete\n \
/etc/with space.conf 8b4c7a12b031424b2a9946881da59812\n\
Description: secure shell (SSH) server\n \
continuation line\n\
\n\
Package: libc6\n\
Status: deinstall ok config-files\n\
Architecture: amd64\n\
Multi-Arch: same\n\
Version: 2.36-9\n";

    #[test]
    fn parses_real_status_paragraphs() {
        let pkgs = parse_status(STATUS);
        assert_eq!(pkgs.len(), 2);
        let ssh = &pkgs[0];
        assert_eq!(ssh.name, "openssh-server");
        assert!(ssh.files_present());
        assert_eq!(ssh.conffiles.len(), 5);
        assert_eq!(ssh.conffiles[2].path, Path::new("/etc/pam.d/sshd"));
        assert!(ssh.conffiles[3].obsolete);
        assert_eq!(ssh.conffiles[4].path, Path::new("/etc/with space.conf"));
        assert!(!pkgs[1].files_present());
        assert_eq!(pkgs[1].multi_arch, "same");
    }

    #[test]
    fn md5sums_lines_and_garbage() {
        let data = b"d41d8cd98f00b204e9800998ecf8427e  usr/bin/ps\n\
zz1d8cd98f00b204e9800998ecf8427e  usr/bin/bad\n\
d41d8cd98f00b204e9800998ecf8427e  usr/share/doc/a b.txt\n\
d41d8cd98f00b204e9800998ecf8427e\n\
short\n";
        let (e, bad) = parse_md5sums(data);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].path, Path::new("/usr/bin/ps"));
        assert_eq!(e[1].path, Path::new("/usr/share/doc/a b.txt"));
        assert_eq!(bad, 3);
    }

    #[test]
    fn info_names_with_arch() {
        assert_eq!(
            split_info_name(b"libc6:amd64.md5sums"),
            Some(("libc6".into(), Some("amd64".into()), "md5sums".into()))
        );
        assert_eq!(
            split_info_name(b"procps.list"),
            Some(("procps".into(), None, "list".into()))
        );
        assert_eq!(split_info_name(b"noext"), None);
    }

    #[test]
    fn garbage_never_panics() {
        for data in [
            &b""[..],
            b"\xff\xfe:\n \n:",
            b"Package:\nConffiles:\n x\n /a b c d e",
        ] {
            let _ = parse_status(data);
            let _ = parse_md5sums(data);
            let _ = parse_list(data);
        }
        let truncated = &STATUS[..STATUS.len() / 2];
        assert!(!parse_status(truncated).is_empty());
    }

    #[test]
    fn dpkg_cfg_filters_and_globs() {
        let f = parse_dpkg_cfg(
            b"# Drop docs\npath-exclude /usr/share/doc/*\npath-include=/usr/share/doc/*/copyright\nforce-unsafe-io\n",
        );
        assert_eq!(f.len(), 2);
        assert!(!f[0].include && f[1].include);
        assert!(glob_match(b"/usr/share/doc/*", b"/usr/share/doc/a/b/c"));
        assert!(glob_match(
            b"/usr/share/doc/*/copyright",
            b"/usr/share/doc/x/copyright"
        ));
        assert!(!glob_match(b"/usr/share/doc/*", b"/usr/bin/ps"));
        assert!(glob_match(
            b"/usr/share/man/man[1-9]/*.gz",
            b"/usr/share/man/man1/ls.1.gz"
        ));
        assert!(glob_match(b"/a?c", b"/abc"));
        assert!(!glob_match(b"[", b"x"));
    }

    #[test]
    fn diversions_triples() {
        let d = parse_diversions(b"/bin/sh\n/bin/sh.distrib\ndash\n/x\n");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].to, Path::new("/bin/sh.distrib"));
        assert_eq!(d[0].by, "dash");
    }

    #[test]
    fn list_skips_root_dot() {
        let l = parse_list(b"/.\n/usr\n/usr/bin/ps\nrelative\n");
        assert_eq!(l, vec![PathBuf::from("/usr"), PathBuf::from("/usr/bin/ps")]);
    }
}
