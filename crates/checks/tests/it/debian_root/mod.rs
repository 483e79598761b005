//! A real Debian root for the integrity tests: `debootstrap --variant=minbase bookworm`, made once
//! and cached under `target/debootstrap/`. Each test works on a hard-linked copy (`cp -al`), and
//! only ever replaces files (remove, then write) so the cache stays pristine.
//!
//! When debootstrap cannot reach a mirror, the fallback builds a real dpkg database root from
//! this machine's own `/var/lib/dpkg` for a handful of packages (their status paragraphs, md5sums,
//! lists and files copied verbatim).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Packages copied by the fallback.
const FALLBACK_PACKAGES: &[&str] = &[
    "procps",
    "coreutils",
    "libc6",
    "login",
    "passwd",
    "libpam-modules",
    "findutils",
    "util-linux",
    "zlib1g",
    "bash",
    "dpkg",
    "tar",
    "perl-base",
    "bsdutils",
];

/// Top-level directories that merged-/usr hosts (Debian 12 and later) keep as symlinks into /usr;
/// dpkg lists still name files under them (`/bin/true`), so the fallback must keep the layout.
const MERGED_USR_LINKS: &[&str] = &["bin", "sbin", "lib", "lib32", "lib64", "libx32"];

fn mirror() -> String {
    // The configured Debian mirror of this machine (deb822 or one-line sources).
    let mut text = String::new();
    for p in [
        "/etc/apt/sources.list.d/debian.sources",
        "/etc/apt/sources.list",
    ] {
        text.push_str(&std::fs::read_to_string(p).unwrap_or_default());
        text.push('\n');
    }
    for line in text.lines() {
        let line = line.trim();
        if let Some(u) = line.strip_prefix("URIs:") {
            if let Some(first) = u.split_whitespace().find(|u| !u.contains("security")) {
                return first.to_string();
            }
        }
        if line.starts_with("deb ") && !line.contains("security") {
            if let Some(u) = line.split_whitespace().find(|w| w.starts_with("http")) {
                return u.to_string();
            }
        }
    }
    "http://deb.debian.org/debian".to_string()
}

/// The cached pristine root (built once per test process; the tests of one binary run in
/// parallel, and only one of them may build it).
pub fn pristine() -> PathBuf {
    static PRISTINE: OnceLock<PathBuf> = OnceLock::new();
    PRISTINE.get_or_init(build_or_reuse).clone()
}

fn build_or_reuse() -> PathBuf {
    let cache = huoyan_testkit::workspace().join("target/debootstrap");
    let done = cache.join("bookworm-minbase-procps");
    let forced_fallback = std::env::var_os("HUOYAN_TEST_NO_DEBOOTSTRAP").is_some();
    if !forced_fallback && done.join("var/lib/dpkg/status").exists() {
        return done;
    }
    let fallback = cache.join("dpkg-fallback");
    if fallback.join("var/lib/dpkg/status").exists() {
        return fallback;
    }
    std::fs::create_dir_all(&cache).expect("cache dir");
    let partial = cache.join("bookworm-minbase-procps.partial");
    let _ = std::fs::remove_dir_all(&partial);
    // HUOYAN_TEST_NO_DEBOOTSTRAP=1 exercises the fallback on a machine that has a mirror.
    let ok = !forced_fallback
        && Command::new("debootstrap")
            .args(["--variant=minbase", "--include=procps", "bookworm"])
            .arg(&partial)
            .arg(mirror())
            .status()
            .is_ok_and(|s| s.success());
    if ok {
        std::fs::rename(&partial, &done).expect("rename debootstrap root");
        return done;
    }
    eprintln!("debootstrap failed (no mirror?): building a dpkg fixture from this host instead");
    let _ = std::fs::remove_dir_all(&partial);
    build_fallback(&fallback);
    fallback
}

fn build_fallback(dest: &Path) {
    let tmp = dest.with_extension("partial");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(tmp.join("var/lib/dpkg/info")).expect("mkdir");
    for top in MERGED_USR_LINKS {
        let Ok(target) = std::fs::read_link(Path::new("/").join(top)) else {
            continue;
        };
        let relative = target.strip_prefix("/").unwrap_or(&target);
        std::fs::create_dir_all(tmp.join(relative)).expect("mkdir usr target");
        std::os::unix::fs::symlink(&target, tmp.join(top)).expect("merged-usr symlink");
    }
    let status = std::fs::read_to_string("/var/lib/dpkg/status").expect("host dpkg status");
    let mut out_status = String::new();
    for para in status.split("\n\n") {
        let name = para
            .lines()
            .find_map(|l| l.strip_prefix("Package: "))
            .unwrap_or("");
        if !FALLBACK_PACKAGES.contains(&name) {
            continue;
        }
        out_status.push_str(para.trim_end());
        out_status.push_str("\n\n");
        for entry in std::fs::read_dir("/var/lib/dpkg/info")
            .expect("info")
            .flatten()
        {
            let fname = entry.file_name().to_string_lossy().into_owned();
            let stem = fname.rsplit_once('.').map(|(s, _)| s).unwrap_or("");
            if stem != name && !stem.starts_with(&format!("{name}:")) {
                continue;
            }
            std::fs::copy(entry.path(), tmp.join("var/lib/dpkg/info").join(&fname)).expect("copy");
            if fname.ends_with(".list") {
                for p in std::fs::read_to_string(entry.path())
                    .unwrap_or_default()
                    .lines()
                {
                    let src = Path::new(p);
                    let Ok(meta) = std::fs::symlink_metadata(src) else {
                        continue;
                    };
                    let target = tmp.join(p.trim_start_matches('/'));
                    if meta.is_dir() {
                        let _ = std::fs::create_dir_all(&target);
                    } else if meta.is_file() {
                        if let Some(parent) = target.parent() {
                            let _ = std::fs::create_dir_all(parent);
                        }
                        let _ = std::fs::copy(src, &target);
                    }
                }
            }
        }
    }
    std::fs::write(tmp.join("var/lib/dpkg/status"), out_status).expect("status");
    std::fs::rename(&tmp, dest).expect("rename fallback");
}

/// A private copy of the pristine root (hard links; replace files, never write into them).
pub fn copy() -> tempfile::TempDir {
    let src = pristine();
    let dir = tempfile::Builder::new()
        .prefix("huoyan-debian-")
        .tempdir_in(huoyan_testkit::workspace().join("target"))
        .expect("tempdir");
    let status = Command::new("cp")
        .arg("-al")
        .arg(format!("{}/.", src.display()))
        .arg(dir.path())
        .status()
        .expect("cp");
    assert!(status.success(), "cp -al failed");
    dir
}

/// Replaces a file in a copy without touching the hard-linked original.
pub fn replace(root: &Path, logical: &str, data: &[u8]) {
    let path = root.join(logical.trim_start_matches('/'));
    let _ = std::fs::remove_file(&path);
    std::fs::write(&path, data).expect("write replacement");
}

/// The logical path of zlib's shared library in a root (`/usr/lib/<triplet>/libz.so.1.x.y`, the
/// version depends on the release the root was built from).
pub fn zlib_library(root: &Path) -> String {
    let dir = root.join("usr/lib/x86_64-linux-gnu");
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .expect("library dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("libz.so.1.") && !n.ends_with(".hmac"))
        .collect();
    found.sort();
    let name = found.pop().expect("libz.so.1.x in the root");
    format!("/usr/lib/x86_64-linux-gnu/{name}")
}
