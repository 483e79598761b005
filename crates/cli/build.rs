//! Build facts for `huoyan --version`: the commit the binary was built from and a fingerprint of
//! the embedded detection content (rules/), so a report can say exactly which rules judged it.

#![allow(clippy::disallowed_methods)] // the build reads the source tree (rules/), not evidence

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let workspace = manifest.join("../..");
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(&workspace)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=HUOYAN_COMMIT={commit}");
    // Rebuilt when a commit is made: the reflog of HEAD grows (worktrees have their own git dir).
    if let Some(git_dir) = Command::new("git")
        .args(["rev-parse", "--absolute-git-dir"])
        .current_dir(&workspace)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
    {
        let git_dir = PathBuf::from(git_dir.trim());
        for watched in [git_dir.join("logs/HEAD"), git_dir.join("HEAD")] {
            if watched.exists() {
                println!("cargo:rerun-if-changed={}", watched.display());
            }
        }
    }

    let rules = workspace.join("rules");
    let mut files = Vec::new();
    collect(&rules, &mut files);
    files.sort();
    // FNV-1a over every rule file's relative path and content: stable across builds and hosts.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in &files {
        let relative = file.strip_prefix(&rules).unwrap_or(file);
        let content = std::fs::read(file).unwrap_or_default();
        for byte in relative.to_string_lossy().bytes().chain([0]).chain(content) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    println!(
        "cargo:rustc-env=HUOYAN_RULES={} files, fingerprint {hash:016x}",
        files.len()
    );
    println!("cargo:rerun-if-changed=../../rules");
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(&path, out);
        } else {
            println!("cargo:rerun-if-changed={}", path.display());
            out.push(path);
        }
    }
}
