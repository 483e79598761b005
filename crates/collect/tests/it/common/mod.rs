//! Helpers shared by the collect integration tests: fixture copies and bundle reading.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use huoyan_collect::manifest::ManifestEntry;

/// Copies a fixture root into a fresh temp dir (tests never write into tests/fixtures).
pub fn copy_fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tmp");
    let dest = tmp.path().join("root");
    let status = Command::new("cp")
        .arg("-a")
        .arg(huoyan_testkit::fixture(name))
        .arg(&dest)
        .status()
        .expect("cp");
    assert!(status.success());
    (tmp, dest)
}

/// Generates a private key with ssh-keygen.
pub fn keygen(path: &Path, kind: &str, passphrase: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", kind, "-N", passphrase, "-C", "fixture", "-f"])
        .arg(path)
        .status()
        .expect("ssh-keygen (openssh-client)");
    assert!(status.success());
}

/// Every member of a bundle (zstd or gzip, frames concatenated) with its bytes.
pub fn members(bundle: &Path) -> BTreeMap<String, Vec<u8>> {
    let data = std::fs::read(bundle).expect("read bundle");
    let reader: Box<dyn Read> = if data.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::read::MultiGzDecoder::new(&data[..]))
    } else {
        Box::new(zstd::stream::read::Decoder::new(&data[..]).expect("zstd"))
    };
    let mut archive = tar::Archive::new(reader);
    let mut out = BTreeMap::new();
    for entry in archive.entries().expect("entries") {
        let mut entry = entry.expect("entry");
        let name = entry.path().expect("path").display().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("read member");
        assert_eq!(
            entry.header().mode().expect("mode"),
            0o400,
            "{name} not inert"
        );
        out.insert(name, bytes);
    }
    out
}

/// The manifest of a bundle, keyed by original path.
pub fn manifest(members: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, ManifestEntry> {
    let text = members.get("manifest.jsonl").expect("manifest member");
    text.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice::<ManifestEntry>(l).expect("manifest line"))
        .map(|e| (e.path.clone(), e))
        .collect()
}

/// The findings of every check, deep ones included, as triage's scan phase produces them: the
/// caller of the bundler runs the scan, the bundler stores what it is given.
pub fn scan(root: &huoyan_core::Root) -> Vec<huoyan_core::Finding> {
    let mut ctx = huoyan_checks::Context::new(root.clone(), huoyan_core::Window::default());
    ctx.package_depth = huoyan_checks::Depth::Changed;
    huoyan_checks::run_checks(
        &ctx,
        &huoyan_checks::Selection {
            deep: true,
            ..huoyan_checks::Selection::default()
        },
    )
    .findings
}
