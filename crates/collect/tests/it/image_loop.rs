//! `image` on a loop device made by the test: the image's hash equals the source's.

use std::path::{Path, PathBuf};
use std::process::Command;

use huoyan_core::hash::sha256_bytes;
use huoyan_core::ActionJournal;

struct Loop(PathBuf);

impl Drop for Loop {
    fn drop(&mut self) {
        let _ = Command::new("losetup").arg("-d").arg(&self.0).status();
    }
}

fn attach(backing: &Path) -> Loop {
    let out = Command::new("losetup")
        .args(["--find", "--show", "--read-only"])
        .arg(backing)
        .output()
        .expect("losetup (util-linux)");
    assert!(
        out.status.success(),
        "losetup: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Loop(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

#[test]
fn loop_device_image_hash_equals_source_hash() {
    if !huoyan_testkit::require_root("loop devices need root") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let backing = tmp.path().join("disk.raw");
    // 6 MiB + 3 sectors: not a multiple of the 1 MiB copy block.
    let data: Vec<u8> = (0..(6 * 1024 * 1024 + 1536u32))
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    std::fs::write(&backing, &data).expect("write");
    let dev = attach(&backing);
    let out = tmp.path().join("disk.img");
    let journal = ActionJournal::in_memory();
    let mut last = (0, 0);
    let report = huoyan_collect::image::image(&dev.0, &out, &journal, &mut |d, t| last = (d, t))
        .expect("image");
    assert_eq!(report.size, data.len() as u64);
    assert_eq!(last, (report.size, report.size));
    assert_eq!(report.sha256, sha256_bytes(&data));
    let image = std::fs::read(&out).expect("read image");
    assert_eq!(sha256_bytes(&image), sha256_bytes(&data));
    assert!(report.bad_sectors.is_empty());
    let sidecar = std::fs::read_to_string(&report.sidecar).expect("sidecar");
    assert!(sidecar.starts_with(&report.sha256));
    assert!(journal.entries().iter().any(|e| e.action == "image"));
}
