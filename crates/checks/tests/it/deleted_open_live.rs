//! Live: a log deleted while a process still holds it open is reported with the pid, the fd and
//! the original path (the seed's hard case "the attacker deleted the logs"); a file that is open
//! but not deleted, and the same process's other descriptors, are not.

use std::process::{Command, Stdio};

use huoyan_checks::{run_checks, Context, Selection};
use huoyan_core::{Root, Severity, Window};

#[test]
fn a_deleted_log_still_open_is_found() {
    if !std::path::Path::new("/proc/self/fd").is_dir() {
        panic!("this test needs a live /proc");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("app-auth.log");
    let kept = dir.path().join("kept.log");
    std::fs::write(
        &log,
        "Nov 27 02:14:09 web01 sshd[1]: Accepted password for root\n",
    )
    .expect("write");
    std::fs::write(&kept, "still here\n").expect("write");
    // The child holds the log on stdin and the kept file on stdout.
    let mut child = Command::new("sleep")
        .arg("30")
        .stdin(Stdio::from(std::fs::File::open(&log).expect("open")))
        .stdout(Stdio::from(
            std::fs::OpenOptions::new()
                .append(true)
                .open(&kept)
                .expect("open"),
        ))
        .spawn()
        .expect("spawn sleep");
    std::fs::remove_file(&log).expect("delete the log");
    let ctx = Context::new(Root::host(), Window::default());
    let outcome = run_checks(
        &ctx,
        &Selection {
            only: vec!["process.deleted_open_files".into()],
            ..Selection::default()
        },
    );
    let _ = child.kill();
    let _ = child.wait();
    let pid = child.id();
    let mine: Vec<_> = outcome
        .findings
        .iter()
        .filter(|f| f.pids.contains(&pid))
        .collect();
    assert_eq!(mine.len(), 1, "{mine:#?}");
    let f = mine[0];
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.paths, vec![log.display().to_string()]);
    assert_eq!(f.evidence["fd"], "0");
    assert_eq!(f.evidence["recover_from"], format!("/proc/{pid}/fd/0"));
}
