//! `huoyan verify-packages` and `huoyan baseline` end to end through the binary.

use std::path::Path;
use std::process::Command;

fn huoyan() -> Command {
    Command::new(env!("CARGO_BIN_EXE_huoyan"))
}

fn md5_hex(data: &[u8]) -> String {
    // The tests of huoyan-integrity cover hashing; here the host's md5sum gives the oracle.
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("x");
    std::fs::write(&f, data).expect("w");
    let out = Command::new("md5sum").arg(&f).output().expect("md5sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string()
}

fn dpkg_root(dir: &Path, ls_on_disk: &[u8]) {
    let packaged = b"\x7fELF packaged ls";
    std::fs::create_dir_all(dir.join("usr/bin")).expect("mkdir");
    std::fs::create_dir_all(dir.join("var/lib/dpkg/info")).expect("mkdir");
    std::fs::write(dir.join("usr/bin/ls"), ls_on_disk).expect("w");
    std::fs::write(
        dir.join("var/lib/dpkg/status"),
        "Package: coreutils\nStatus: install ok installed\nArchitecture: amd64\nVersion: 9.1-1\n\n",
    )
    .expect("w");
    std::fs::write(
        dir.join("var/lib/dpkg/info/coreutils.md5sums"),
        format!("{}  usr/bin/ls\n", md5_hex(packaged)),
    )
    .expect("w");
    std::fs::write(
        dir.join("var/lib/dpkg/info/coreutils.list"),
        "/usr/bin/ls\n",
    )
    .expect("w");
}

#[test]
fn verify_packages_exit_codes_and_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    dpkg_root(dir.path(), b"\x7fELF trojaned ls");
    let out = huoyan()
        .args(["verify-packages", "--json", "--root"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let findings: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|v: &serde_json::Value| v["record"] == "finding")
        .collect();
    assert_eq!(findings.len(), 1, "{text}");
    assert_eq!(findings[0]["paths"][0], "/usr/bin/ls");
    assert_eq!(findings[0]["severity"], "critical");

    let clean = tempfile::tempdir().expect("tempdir");
    dpkg_root(clean.path(), b"\x7fELF packaged ls");
    let out = huoyan()
        .args(["verify-packages", "--root"])
        .arg(clean.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn baseline_create_and_compare() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = dir.path().join("root");
    std::fs::create_dir_all(r.join("usr/bin")).expect("mkdir");
    std::fs::create_dir_all(r.join("usr/lib")).expect("mkdir");
    std::fs::create_dir_all(r.join("etc")).expect("mkdir");
    std::fs::write(r.join("usr/bin/ls"), b"\x7fELF ls").expect("w");
    std::fs::write(r.join("usr/bin/wall"), b"\x7fELF wall").expect("w");
    std::fs::write(r.join("usr/lib/libz.so.1"), b"\x7fELF libz").expect("w");
    std::fs::write(r.join("etc/hostname"), b"web01\n").expect("w");
    let file = dir.path().join("base.json.zst");
    let out = huoyan()
        .args(["baseline", "create", "--out"])
        .arg(&file)
        .arg("--root")
        .arg(&r)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(&file).expect("baseline")[..4],
        [0x28, 0xb5, 0x2f, 0xfd]
    );
    // Unchanged: nothing to report.
    let out = huoyan()
        .args(["baseline", "compare", "--json"])
        .arg(&file)
        .arg("--root")
        .arg(&r)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("\"finding\""));
    std::fs::write(r.join("usr/lib/libz.so.1"), b"\x7fELF libz implant").expect("w");
    std::fs::write(r.join("usr/bin/kworkerd"), b"\x7fELF x").expect("w");
    std::fs::remove_file(r.join("usr/bin/wall")).expect("rm");
    let out = huoyan()
        .args(["baseline", "compare", "--json"])
        .arg(&file)
        .arg("--root")
        .arg(&r)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut paths: Vec<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["record"] == "finding")
        .map(|v| v["paths"][0].as_str().unwrap_or("").to_string())
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        ["/usr/bin/kworkerd", "/usr/bin/wall", "/usr/lib/libz.so.1"]
    );
    // Refuses to overwrite an existing baseline.
    let out = huoyan()
        .args(["baseline", "create", "--out"])
        .arg(&file)
        .arg("--root")
        .arg(&r)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
}
