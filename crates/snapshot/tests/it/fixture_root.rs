//! `capture` with a fixture root beside the live /proc: user names come from the root's own
//! /etc/passwd (not NSS), sessions from its utmp (with hostile text escaped in w.txt), and a
//! library mapped from a deleted file shows as `DEL`.

use crate::common;

use std::net::Ipv4Addr;

use common::*;
use huoyan_artifacts::utmp::encode_record;
use huoyan_core::{ActionJournal, ProcFs, Root};

#[test]
fn users_and_sessions_come_from_the_given_root() {
    let image = tempfile::tempdir().expect("tempdir");
    let etc = image.path().join("etc");
    std::fs::create_dir_all(&etc).expect("etc");
    std::fs::write(
        etc.join("passwd"),
        "fixture-root:x:0:0:root:/root:/bin/bash\nfixture-nobody:x:65534:65534::/:/usr/sbin/nologin\n",
    )
    .expect("passwd");
    std::fs::create_dir_all(image.path().join("var/run")).expect("var/run");
    std::fs::create_dir_all(image.path().join("dev/pts")).expect("dev/pts");
    std::fs::write(image.path().join("dev/pts/7"), b"").expect("tty stand-in");
    let rec = encode_record(
        7,
        4242,
        "pts/7",
        "mallory\x1b[2J",
        "203.0.113.66",
        1_790_000_000,
        Some(Ipv4Addr::new(203, 0, 113, 66)),
    );
    std::fs::write(image.path().join("var/run/utmp"), rec).expect("utmp");
    let root = Root::new(image.path()).expect("root");
    let out_parent = tempfile::tempdir().expect("tempdir");
    let out = out_parent.path().join("snap");
    let proc_fs = ProcFs::live().expect("proc");
    let no_hash = huoyan_snapshot::CaptureOptions {
        hash_executables: false,
    };
    let summary =
        huoyan_snapshot::capture_with(&proc_fs, &root, &out, &ActionJournal::in_memory(), &no_hash)
            .expect("capture");
    assert_eq!(summary.logins, 1);
    let procs: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("processes.json")).expect("read"))
            .expect("json");
    let me = procs
        .as_array()
        .expect("array")
        .iter()
        .find(|p| p["pid"] == std::process::id())
        .expect("own process")
        .clone();
    if rustix::process::geteuid().is_root() {
        assert_eq!(me["user"], "fixture-root");
    }
    let w = std::fs::read_to_string(out.join("w.txt")).expect("w.txt");
    assert!(w.contains("mallory\\e[2J"), "{w}");
    assert!(w.contains("203.0.113.66"));
    assert!(!w.contains('\x1b'));
    let logins: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("logins.json")).expect("read"))
            .expect("json");
    assert_eq!(logins[0]["tty"], "pts/7");
    assert!(logins[0]["idle_seconds"].is_number());
    // The snapshot may not go inside the image it describes.
    assert!(huoyan_snapshot::capture(
        &proc_fs,
        &root,
        &image.path().join("case"),
        &ActionJournal::in_memory()
    )
    .is_err());
}

#[test]
fn library_mapped_from_a_deleted_file_is_listed_as_del() {
    let Some(lib) = [
        "/lib/x86_64-linux-gnu/libz.so.1",
        "/usr/lib/x86_64-linux-gnu/libz.so.1",
        "/lib/aarch64-linux-gnu/libz.so.1",
        "/usr/lib/aarch64-linux-gnu/libz.so.1",
    ]
    .into_iter()
    .find(|p| std::path::Path::new(p).exists()) else {
        eprintln!("skipped: no libz.so.1 to copy");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("libinjected.so");
    std::fs::copy(lib, &copy).expect("copy lib");
    let kid = python(
        "import ctypes,sys,time\nctypes.CDLL(sys.argv[1])\nprint('ready',flush=True)\ntime.sleep(120)\n",
        &[copy.to_str().expect("utf8")],
    );
    std::fs::remove_file(&copy).expect("delete lib");
    let snap = capture();
    let files = snap.json("open_files.json");
    let hit = files
        .as_array()
        .expect("array")
        .iter()
        .find(|f| {
            f["pid"] == kid.pid()
                && f["target"]["path"]
                    .as_str()
                    .is_some_and(|p| p.ends_with("libinjected.so"))
        })
        .expect("mapped deleted library listed");
    assert_eq!(hit["fd"], "DEL");
    assert_eq!(hit["deleted"], true);
    assert!(snap.summary.deleted_mapped_files >= 1);
}
