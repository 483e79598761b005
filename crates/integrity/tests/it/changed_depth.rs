//! The quick verification (`Depth::Changed`): files whose inode changed after their package was
//! recorded are hashed, untouched ones are skipped and counted, and the core commands are hashed
//! whatever their times say.

use std::fs::{File, FileTimes};
use std::path::Path;
use std::time::{Duration, SystemTime};

use huoyan_core::{GapReason, Root, Severity};
use huoyan_integrity::{verify_at_depth, Depth};

fn md5_hex(data: &[u8]) -> String {
    use md5::Digest;
    hex::encode(md5::Md5::digest(data))
}

fn write(root: &Path, logical: &str, data: &[u8]) {
    let path = root.join(logical.trim_start_matches('/'));
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, data).expect("write");
}

/// A package whose database files carry `recorded` as their modification time.
fn package(root: &Path, name: &str, files: &[(&str, &[u8])], recorded: SystemTime) {
    let mut md5sums = String::new();
    let mut list = String::new();
    for (path, original) in files {
        md5sums.push_str(&format!(
            "{}  {}\n",
            md5_hex(original),
            path.trim_start_matches('/')
        ));
        list.push_str(path);
        list.push('\n');
    }
    let info = format!("/var/lib/dpkg/info/{name}");
    write(root, &format!("{info}.md5sums"), md5sums.as_bytes());
    write(root, &format!("{info}.list"), list.as_bytes());
    for ext in ["md5sums", "list"] {
        let f = File::options()
            .write(true)
            .open(root.join(format!("var/lib/dpkg/info/{name}.{ext}")))
            .expect("open");
        f.set_times(FileTimes::new().set_modified(recorded))
            .expect("set mtime");
    }
    let status = root.join("var/lib/dpkg/status");
    let mut text = std::fs::read_to_string(&status).unwrap_or_default();
    text.push_str(&format!(
        "Package: {name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1\n\n"
    ));
    std::fs::write(status, text).expect("status");
}

#[test]
fn changed_depth_hashes_touched_and_core_files_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root_dir = dir.path();
    let now = SystemTime::now();
    let later = now + Duration::from_secs(3600);
    let earlier = now - Duration::from_secs(3600);

    // alpha: recorded after its files last changed, file altered anyway (a rewound clock): the
    // quick pass cannot see it, and says so.
    write(root_dir, "/usr/share/alpha/data", b"altered quietly");
    package(
        root_dir,
        "alpha",
        &[("/usr/share/alpha/data", b"original alpha")],
        later,
    );
    // beta: a library changed after installation: hashed, found.
    write(root_dir, "/usr/lib/beta/libbeta.so.1", b"implanted library");
    package(
        root_dir,
        "beta",
        &[("/usr/lib/beta/libbeta.so.1", b"original beta")],
        earlier,
    );
    // procps: ps replaced, times say "untouched": a core command is hashed anyway.
    write(root_dir, "/usr/bin/ps", b"#!/bin/sh\nexec /usr/bin/.ps\n");
    write(root_dir, "/usr/bin/free", b"original free");
    package(
        root_dir,
        "procps",
        &[
            ("/usr/bin/ps", b"original ps"),
            ("/usr/bin/free", b"original free"),
        ],
        later,
    );

    let root = Root::new(root_dir).expect("root");
    let (report, outcome) = verify_at_depth(&root, Depth::Changed);
    let mut found: Vec<&str> = report
        .problems
        .iter()
        .map(|p| p.path.to_str().unwrap_or(""))
        .collect();
    found.sort_unstable();
    assert_eq!(found, ["/usr/bin/ps", "/usr/lib/beta/libbeta.so.1"]);
    assert_eq!(report.files_checked, 2, "ps and libbeta, not free or alpha");
    assert_eq!(report.files_skipped, 2);
    assert!(outcome
        .findings
        .iter()
        .any(|f| f.severity == Severity::Critical && f.paths == ["/usr/bin/ps"]));
    let gap = outcome
        .gaps
        .iter()
        .find(|g| g.reason == GapReason::Truncated)
        .expect("the skipped files are a coverage gap");
    assert!(
        gap.detail.starts_with("2 of 4 packaged files"),
        "{}",
        gap.detail
    );

    // The full pass sees alpha too.
    let (every, _) = verify_at_depth(&root, Depth::Every);
    assert_eq!(every.problems.len(), 3);
    assert_eq!(every.files_skipped, 0);
}
