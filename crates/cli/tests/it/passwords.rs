//! `huoyan passwords`: a weak root password on a fixture root is critical and stays hidden
//! unless `--reveal`; the responder's wordlist is used; a bad `--time-limit` is a usage error.

use std::path::Path;
use std::process::{Command, Output};

/// `admin123`, sha512crypt, made with python's crypt (libxcrypt).
const ADMIN123: &str = "$6$Hy9cR2mQ$GyXT4XqigOvoyd87kkjgdZrLTOo8FxpAVOoMVHzfN1Hj0cYPXy5f1/mGTr1dIyD55jQbWI0Uhio0XMRc7OhOr/";
/// `Kq7#vTz9!pWm2Lr8` (not in any list), sha512crypt.
const STRONG: &str = "$6$Tn3bV8xQ$LBFpZSKI3j0MoRrJ7rzGC5J74IBRiO4hgI9Lr1sDtEBxONOS6K5KvDhnrt37ILN382jzg.l886pz3Spf6KtoM1";

fn fixture(root_hash: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |p: &str, s: &str| {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, s).expect("write");
    };
    write(
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n",
    );
    write(
        "etc/shadow",
        &format!("root:{root_hash}:19700:0:99999:7:::\ndaemon:*:19700:0:99999:7:::\n"),
    );
    write("etc/ssh/sshd_config", "PasswordAuthentication yes\n");
    write("etc/hostname", "web01\n");
    dir
}

fn huoyan(root: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_huoyan"))
        .arg("passwords")
        .arg("--root")
        .arg(root)
        .args(extra)
        .output()
        .expect("run huoyan")
}

#[test]
fn weak_root_password_is_critical_and_hidden() {
    let dir = fixture(ADMIN123);
    let out = huoyan(dir.path(), &["--json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(4), "{stdout}");
    assert!(stdout.contains("\"accounts.weak_password\""), "{stdout}");
    assert!(stdout.contains("\"critical\""), "{stdout}");
    assert!(stdout.contains("rank 7"), "{stdout}");
    assert!(!stdout.contains("admin123"), "{stdout}");

    let out = huoyan(dir.path(), &["--reveal"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("password \"admin123\""), "{stdout}");
}

#[test]
fn strong_password_gives_nothing_and_wordlists_are_used() {
    let dir = fixture(STRONG);
    let out = huoyan(dir.path(), &["--json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(!stdout.contains("\"record\":\"finding\""), "{stdout}");

    let list = dir.path().join("mine.txt");
    std::fs::write(&list, "nope\nKq7#vTz9!pWm2Lr8\n").expect("wordlist");
    let out = huoyan(
        dir.path(),
        &["--json", "--wordlist", list.to_str().expect("utf-8")],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(4), "{stdout}");
    assert!(
        stdout.contains("in wordlist \\\"mine.txt\\\" at rank 2"),
        "{stdout}"
    );
}

#[test]
fn a_bad_time_limit_is_a_usage_error() {
    let dir = fixture(STRONG);
    let out = huoyan(dir.path(), &["--time-limit", "soon"]);
    assert_eq!(out.status.code(), Some(2));
}
