//! Glob expansion of `include` patterns in web-server configs, through a [`Root`].
//!
//! nginx (`include sites-enabled/*;`), Apache (`IncludeOptional conf-enabled/*.conf`) and
//! PHP-FPM (`include=/etc/php/8.2/fpm/pool.d/*.conf`) name further config files with shell-style
//! wildcards. A responder reading a disk image must expand those inside the image, never on the
//! analyst's machine, so the expansion lists directories with [`Root::read_dir`]. Only `*`, `?`
//! and `[...]` classes are supported, which is what these servers accept.

use std::path::{Path, PathBuf};

use huoyan_core::{FileKind, Root, RootError};

/// Hard limit on the number of files one pattern may expand to (a hostile tree can hold
/// millions of entries).
pub const MAX_GLOB_MATCHES: usize = 4096;

/// True when `name` matches the wildcard `pattern` (`*`, `?`, `[abc]`, `[a-z]`, `[!x]`).
pub fn wildcard_match(pattern: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0usize, 0usize);
    let (mut star_p, mut star_n) = (usize::MAX, 0usize);
    while n < name.len() {
        if p < pattern.len() {
            match pattern[p] {
                b'*' => {
                    star_p = p;
                    star_n = n;
                    p += 1;
                    continue;
                }
                b'?' => {
                    p += 1;
                    n += 1;
                    continue;
                }
                b'[' => {
                    if let Some((matched, next)) = class_match(&pattern[p..], name[n]) {
                        if matched {
                            p += next;
                            n += 1;
                            continue;
                        }
                    } else if name[n] == b'[' {
                        p += 1;
                        n += 1;
                        continue;
                    }
                }
                c if c == name[n] => {
                    p += 1;
                    n += 1;
                    continue;
                }
                _ => {}
            }
        }
        if star_p != usize::MAX {
            p = star_p + 1;
            star_n += 1;
            n = star_n;
        } else {
            return false;
        }
    }
    while p < pattern.len() && pattern[p] == b'*' {
        p += 1;
    }
    p == pattern.len()
}

/// Matches one `[...]` class at the start of `pat`; returns (matched, bytes consumed).
fn class_match(pat: &[u8], c: u8) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(pat.get(1), Some(b'!') | Some(b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let start = i;
    while i < pat.len() {
        if pat[i] == b']' && i > start {
            return Some((matched != negate, i + 1));
        }
        if i + 2 < pat.len() && pat[i + 1] == b'-' && pat[i + 2] != b']' {
            if pat[i] <= c && c <= pat[i + 2] {
                matched = true;
            }
            i += 3;
        } else {
            if pat[i] == c {
                matched = true;
            }
            i += 1;
        }
    }
    None
}

fn has_wildcard(s: &[u8]) -> bool {
    s.iter().any(|b| matches!(b, b'*' | b'?' | b'['))
}

/// Expands an absolute logical pattern inside `root`, sorted. A pattern without wildcards is
/// returned as is when it exists. Directories named by a plain path are expanded to their
/// files (Apache's `Include dir/` semantics).
pub fn expand(root: &Root, pattern: &Path) -> (Vec<PathBuf>, Vec<RootError>) {
    use std::os::unix::ffi::OsStrExt;
    let mut errors = Vec::new();
    let mut current: Vec<PathBuf> = vec![PathBuf::from("/")];
    for comp in pattern.components() {
        let std::path::Component::Normal(part) = comp else {
            continue;
        };
        let bytes = part.as_bytes();
        let mut next = Vec::new();
        for dir in &current {
            if has_wildcard(bytes) {
                match root.read_dir(dir) {
                    Ok(entries) => {
                        for e in entries {
                            let name = e.name.as_bytes();
                            if name.first() != Some(&b'.') && wildcard_match(bytes, name) {
                                next.push(e.path);
                            }
                        }
                    }
                    Err(e) if e.is_not_found() => {}
                    Err(e) => errors.push(e),
                }
            } else {
                next.push(dir.join(part));
            }
            if next.len() > MAX_GLOB_MATCHES {
                next.truncate(MAX_GLOB_MATCHES);
                break;
            }
        }
        current = next;
    }
    let mut files = Vec::new();
    for p in current {
        match root.stat(&p) {
            Ok(m) if m.kind == FileKind::File => files.push(p),
            Ok(m) if m.kind == FileKind::Dir => match root.read_dir(&p) {
                Ok(entries) => files.extend(
                    entries
                        .into_iter()
                        .filter(|e| e.name.as_bytes().first() != Some(&b'.'))
                        .map(|e| e.path),
                ),
                Err(e) => errors.push(e),
            },
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => errors.push(e),
        }
    }
    files.sort();
    files.dedup();
    (files, errors)
}

/// Joins a possibly relative config path onto the directory it is relative to.
pub fn absolutize(base: &Path, p: &str) -> PathBuf {
    let path = Path::new(p);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match(b"*.conf", b"default.conf"));
        assert!(!wildcard_match(b"*.conf", b"default.conf.bak"));
        assert!(wildcard_match(b"*", b"x"));
        assert!(wildcard_match(b"site?", b"site1"));
        assert!(wildcard_match(b"[a-c]*.load", b"b.load"));
        assert!(!wildcard_match(b"[!a]x", b"ax"));
        assert!(wildcard_match(b"[", b"["));
    }

    #[test]
    fn expands_inside_root() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("etc/nginx/sites-enabled")).expect("mkdir");
        std::fs::write(dir.path().join("etc/nginx/sites-enabled/a"), "x").expect("w");
        std::fs::write(dir.path().join("etc/nginx/sites-enabled/b.conf"), "x").expect("w");
        let root = Root::new(dir.path()).expect("root");
        let (all, _) = expand(&root, Path::new("/etc/nginx/sites-enabled/*"));
        assert_eq!(all.len(), 2);
        let (conf, _) = expand(&root, Path::new("/etc/nginx/sites-enabled/*.conf"));
        assert_eq!(conf, vec![PathBuf::from("/etc/nginx/sites-enabled/b.conf")]);
        let (dir_all, _) = expand(&root, Path::new("/etc/nginx/sites-enabled"));
        assert_eq!(dir_all.len(), 2);
        let (none, errs) = expand(&root, Path::new("/nope/*.conf"));
        assert!(none.is_empty() && errs.is_empty());
    }
}
