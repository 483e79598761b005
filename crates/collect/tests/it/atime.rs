//! Reading never changes atime: collection on a tmpfs mounted with `strictatime` (where every
//! ordinary read updates atime) leaves every collected file's atime as it was.

use crate::common;

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;

use huoyan_collect::{collect, CollectOptions};
use huoyan_core::Root;

use common::members;

struct Mount<'a>(&'a Path);

impl Drop for Mount<'_> {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0).status();
    }
}

fn atime(path: &Path) -> (i64, i64) {
    let m = std::fs::symlink_metadata(path).expect("stat");
    (m.atime(), m.atime_nsec())
}

#[test]
fn collection_leaves_atime_unchanged_on_strictatime() {
    if !huoyan_testkit::require_root("mounting a tmpfs needs root") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let mnt = tmp.path().join("mnt");
    std::fs::create_dir(&mnt).expect("mkdir");
    let status = Command::new("mount")
        .args([
            "-t",
            "tmpfs",
            "-o",
            "strictatime,size=64m",
            "huoyan-atime-test",
        ])
        .arg(&mnt)
        .status()
        .expect("mount");
    assert!(status.success(), "mount -t tmpfs failed");
    let _guard = Mount(&mnt);
    let files = [
        "etc/passwd",
        "etc/shadow",
        "var/log/auth.log",
        "home/bob/.bash_history",
        "etc/cron.d/job",
        "control.txt",
    ];
    for f in files {
        let p = mnt.join(f);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, format!("content of {f}\n").repeat(100)).expect("write");
    }
    std::fs::write(
        mnt.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/bash\nbob:x:1000:1000::/home/bob:/bin/bash\n",
    )
    .expect("passwd");
    // Put every atime in the past, so any read would move it (strictatime always updates).
    let past = rustix::fs::Timestamps {
        last_access: rustix::fs::Timespec {
            tv_sec: 1_000_000_000,
            tv_nsec: 123,
        },
        last_modification: rustix::fs::Timespec {
            tv_sec: 1_000_000_000,
            tv_nsec: 0,
        },
    };
    for f in files {
        rustix::fs::utimensat(
            rustix::fs::CWD,
            mnt.join(f),
            &past,
            rustix::fs::AtFlags::empty(),
        )
        .expect("utimensat");
    }
    // Control: an ordinary read does change atime here, so the test means something.
    let before = atime(&mnt.join("control.txt"));
    std::fs::read(mnt.join("control.txt")).expect("read");
    assert_ne!(
        atime(&mnt.join("control.txt")),
        before,
        "strictatime not in effect"
    );

    std::fs::create_dir(mnt.join("control-dir")).expect("mkdir");
    let dirs = [
        "etc",
        "etc/cron.d",
        "var/log",
        "home",
        "home/bob",
        "control-dir",
    ];
    for d in dirs {
        rustix::fs::utimensat(
            rustix::fs::CWD,
            mnt.join(d),
            &past,
            rustix::fs::AtFlags::empty(),
        )
        .expect("utimensat dir");
    }
    // Control: an ordinary listing does change a directory's atime here.
    let before = atime(&mnt.join("control-dir"));
    let _ = std::fs::read_dir(mnt.join("control-dir"))
        .expect("ls")
        .count();
    assert_ne!(
        atime(&mnt.join("control-dir")),
        before,
        "strictatime not in effect for dirs"
    );
    let dirs = &dirs[..5];
    let dirs_before: Vec<_> = dirs.iter().map(|d| atime(&mnt.join(d))).collect();

    let watched = &files[..5];
    let before: Vec<_> = watched.iter().map(|f| atime(&mnt.join(f))).collect();
    let out = tmp.path().join("case");
    let mut opts = CollectOptions::new(&out);
    let root = Root::new(&mnt).expect("root");
    // The scan reads every file too: its atimes must stay as well.
    opts.findings = Some(common::scan(&root));
    let summary = collect(&root, None, &opts, None).expect("collect");
    let after: Vec<_> = watched.iter().map(|f| atime(&mnt.join(f))).collect();
    assert_eq!(before, after, "collection changed an atime");
    let dirs_after: Vec<_> = dirs.iter().map(|d| atime(&mnt.join(d))).collect();
    assert_eq!(
        dirs_before, dirs_after,
        "collection changed a directory's atime"
    );
    // And they really were read into the bundle.
    let m = members(&summary.bundle);
    for f in watched {
        assert!(m.contains_key(&format!("files/{f}")), "{f} not collected");
    }
    // The manifest records the atime as it was before reading.
    let manifest = common::manifest(&m);
    assert!(manifest["/var/log/auth.log"]
        .atime
        .as_deref()
        .is_some_and(|t| t.starts_with("2001-09-09T01:46:40")));
}
