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
];

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

/// The cached pristine root (built on first use).
pub fn pristine() -> PathBuf {
    let cache = huoyan_testkit::workspace().join("target/debootstrap");
    let done = cache.join("bookworm-minbase-procps");
    if done.join("var/lib/dpkg/status").exists() {
        return done;
    }
    let fallback = cache.join("dpkg-fallback");
    if fallback.join("var/lib/dpkg/status").exists() {
        return fallback;
    }
    std::fs::create_dir_all(&cache).expect("cache dir");
    let partial = cache.join("bookworm-minbase-procps.partial");
    let _ = std::fs::remove_dir_all(&partial);
    let ok = Command::new("debootstrap")
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
