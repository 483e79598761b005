//! rpm verification end to end: an `rpmdb.sqlite` whose header blobs are laid out as rpm's
//! headerExport writes them, over a root whose files match (or not) the recorded SHA-256.

use std::path::Path;

use huoyan_core::{Root, Severity};
use huoyan_integrity::verify::FileState;

const STRING: u32 = 6;
const INT16: u32 = 3;
const INT32: u32 = 4;
const STRING_ARRAY: u32 = 8;

fn header(entries: &[(u32, u32, Vec<u8>, u32)]) -> Vec<u8> {
    let (mut index, mut data) = (Vec::new(), Vec::new());
    for (tag, kind, bytes, count) in entries {
        let align = match *kind {
            INT16 => 2,
            INT32 => 4,
            _ => 1,
        };
        while data.len() % align != 0 {
            data.push(0);
        }
        for v in [*tag, *kind, data.len() as u32, *count] {
            index.extend_from_slice(&v.to_be_bytes());
        }
        data.extend_from_slice(bytes);
    }
    let mut out = (entries.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend(index);
    out.extend(data);
    out
}

fn strs(v: &[&str]) -> Vec<u8> {
    v.iter().flat_map(|s| s.bytes().chain([0])).collect()
}

fn sha256(data: &[u8]) -> String {
    huoyan_core::hash::sha256_bytes(data)
}

fn build_root(dir: &Path, ps_on_disk: &[u8]) {
    let ps_packaged = b"\x7fELF packaged ps";
    let conf = b"# ps config\n";
    std::fs::create_dir_all(dir.join("usr/bin")).expect("mkdir");
    std::fs::create_dir_all(dir.join("etc")).expect("mkdir");
    std::fs::create_dir_all(dir.join("var/lib/rpm")).expect("mkdir");
    std::fs::write(dir.join("usr/bin/ps"), ps_on_disk).expect("w");
    std::fs::write(dir.join("etc/procps.conf"), b"# edited by admin\n").expect("w");
    let blob = header(&[
        (1000, STRING, strs(&["procps-ng"]), 1),
        (1001, STRING, strs(&["3.3.17"]), 1),
        (1002, STRING, strs(&["14.el9"]), 1),
        (1022, STRING, strs(&["x86_64"]), 1),
        (
            1030,
            INT16,
            [0o100755u16, 0o100644]
                .iter()
                .flat_map(|m| m.to_be_bytes())
                .collect(),
            2,
        ),
        (
            1035,
            STRING_ARRAY,
            strs(&[&sha256(ps_packaged), &sha256(conf)]),
            2,
        ),
        (
            1037,
            INT32,
            [0u32, 1].iter().flat_map(|m| m.to_be_bytes()).collect(),
            2,
        ),
        (
            1116,
            INT32,
            [0u32, 1].iter().flat_map(|m| m.to_be_bytes()).collect(),
            2,
        ),
        (1117, STRING_ARRAY, strs(&["ps", "procps.conf"]), 2),
        (1118, STRING_ARRAY, strs(&["/usr/bin/", "/etc/"]), 2),
        (5011, INT32, 8u32.to_be_bytes().to_vec(), 1),
    ]);
    let conn = rusqlite::Connection::open(dir.join("var/lib/rpm/rpmdb.sqlite")).expect("db");
    conn.execute(
        "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)",
        [],
    )
    .expect("table");
    conn.execute("INSERT INTO Packages (blob) VALUES (?1)", [blob])
        .expect("insert");
}

#[test]
fn replaced_rpm_binary_is_critical_and_config_is_separate() {
    let dir = tempfile::tempdir().expect("tempdir");
    build_root(dir.path(), b"\x7fELF trojaned ps");
    let root = Root::new(dir.path()).expect("root");
    let (report, outcome) = huoyan_integrity::verify_all(&root);
    assert_eq!(report.files_checked, 2);
    assert_eq!(report.problems.len(), 2);
    let ps = report
        .problems
        .iter()
        .find(|p| p.path == Path::new("/usr/bin/ps"))
        .expect("ps reported");
    assert_eq!(ps.severity, Severity::Critical);
    assert!(matches!(ps.state, FileState::Modified { .. }));
    let conf = report
        .problems
        .iter()
        .find(|p| p.path == Path::new("/etc/procps.conf"))
        .expect("conf reported");
    assert!(conf.conffile);
    assert!(conf.severity <= Severity::Low);
    assert_eq!(
        outcome
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Critical)
            .count(),
        1
    );
}

#[test]
fn packaged_rpm_binary_verifies() {
    let dir = tempfile::tempdir().expect("tempdir");
    build_root(dir.path(), b"\x7fELF packaged ps");
    let root = Root::new(dir.path()).expect("root");
    let (report, _) = huoyan_integrity::verify_all(&root);
    assert!(
        report.problems.iter().all(|p| p.conffile),
        "{:?}",
        report.problems
    );
}
