//! `rootkit.immutable_files` against a real `chattr +i` (needs root and a filesystem with inode
//! flags; the positive half is skipped with a message otherwise). The flag is always cleared so
//! the temporary directory can be removed.

use std::path::Path;
use std::process::Command;

use huoyan_checks::{run_checks, Context, Selection};
use huoyan_core::{Root, Severity, Window};

fn chattr(flag: &str, path: &Path) -> bool {
    Command::new("chattr")
        .arg(flag)
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

fn scan(dir: &Path) -> huoyan_core::Outcome {
    let mut ctx = Context::new(Root::new(dir).expect("root"), Window::default());
    ctx.proc_fs = None;
    run_checks(
        &ctx,
        &Selection {
            only: vec!["rootkit.immutable_files".into()],
            skip: vec![],
            deep: false,
        },
    )
}

#[test]
fn immutable_authorized_keys_is_flagged_and_plain_files_are_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let b = dir.path();
    std::fs::create_dir_all(b.join("root/.ssh")).expect("mkdir");
    std::fs::create_dir_all(b.join("etc/cron.d")).expect("mkdir");
    let keys = b.join("root/.ssh/authorized_keys");
    std::fs::write(&keys, "ssh-ed25519 AAAA attacker\n").expect("w");
    std::fs::write(b.join("etc/cron.d/e2scrub_all"), "30 3 * * 0 root true\n").expect("w");
    std::os::unix::fs::symlink("/etc/shadow", b.join("etc/cron.d/link")).expect("ln");
    assert!(scan(b).findings.is_empty());
    if !chattr("+i", &keys) {
        eprintln!(
            "chattr +i not possible here (not root or no inode flags): positive case skipped"
        );
        return;
    }
    let out = scan(b);
    assert!(chattr("-i", &keys), "must clean up the immutable flag");
    assert_eq!(out.findings.len(), 1, "{:?}", out.findings);
    assert_eq!(out.findings[0].paths, vec!["/root/.ssh/authorized_keys"]);
    assert_eq!(out.findings[0].severity, Severity::High);
}
