//! Live acceptance: a process holds a log open, the test deletes it, `collect` recovers it
//! byte-identical through /proc/PID/fd/N; a process started from a deleted binary has the
//! binary recovered through /proc/PID/exe with the original SHA-256.

use crate::common;

use std::path::Path;
use std::process::{Child, Command, Stdio};

use huoyan_collect::rules::Rules;
use huoyan_collect::{collect, CollectOptions};
use huoyan_core::hash::sha256_bytes;
use huoyan_core::{ProcFs, Root};

use common::{manifest, members};

struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn only_recovery(out: &Path, pids: Vec<u32>) -> CollectOptions {
    let mut opts = CollectOptions::new(out);
    opts.rules = Rules::parse("").expect("empty plan");
    opts.recover_pids = pids;
    opts
}

fn wait_for_exe(pid: u32, path: &Path) {
    // The child has exec'd its program once /proc/PID/exe names it.
    for _ in 0..200 {
        if let Ok(link) = std::fs::read_link(format!("/proc/{pid}/exe")) {
            if link == path {
                return;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("process {pid} did not start {}", path.display());
}

#[test]
fn deleted_open_log_and_deleted_binary_are_recovered() {
    let Some(proc_fs) = ProcFs::live() else {
        panic!("/proc is not mounted");
    };
    let tmp = tempfile::tempdir().expect("tmp");

    // A "log" the attacker deletes while a daemon still holds it open (as its stdin, fd 0).
    let log = tmp.path().join("secure.log");
    let log_bytes: Vec<u8> = (0..200_000u32)
        .flat_map(|i| {
            format!("Nov 24 03:05:{:02} sshd[{i}]: Failed password\n", i % 60).into_bytes()
        })
        .collect();
    std::fs::write(&log, &log_bytes).expect("write log");
    let holder = Reaper(
        Command::new("sleep")
            .arg("300")
            .stdin(std::fs::File::open(&log).expect("open log"))
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn sleep"),
    );
    std::fs::remove_file(&log).expect("delete log");

    // A backdoor started from a binary that was then deleted.
    let original = std::fs::read("/bin/sleep").expect("read /bin/sleep");
    let binary = tmp.path().join("kworker");
    std::fs::write(&binary, &original).expect("copy binary");
    std::fs::set_permissions(&binary, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let backdoor = Reaper(
        Command::new(&binary)
            .arg("300")
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn copy"),
    );
    wait_for_exe(backdoor.0.id(), &binary);
    std::fs::remove_file(&binary).expect("delete binary");

    let out = tempfile::tempdir().expect("out");
    let opts = only_recovery(out.path(), vec![holder.0.id(), backdoor.0.id()]);
    let summary = collect(&Root::host(), Some(&proc_fs), &opts, None).expect("collect");
    let m = members(&summary.bundle);
    let manifest = manifest(&m);

    let log_entry = manifest
        .get(&log.display().to_string())
        .expect("recovered log in manifest");
    let rec = log_entry.recovered.as_ref().expect("recovery record");
    assert_eq!((rec.pid, rec.fd), (holder.0.id(), Some(0)));
    assert!(rec.link.ends_with(" (deleted)"), "{}", rec.link);
    assert_eq!(log_entry.size, log_bytes.len() as u64);
    let member = log_entry.member.as_deref().expect("member");
    assert!(member.starts_with("recovered/"));
    assert_eq!(m[member], log_bytes, "recovered log differs");

    let exe_entry = manifest
        .get(&binary.display().to_string())
        .expect("recovered binary in manifest");
    let rec = exe_entry.recovered.as_ref().expect("recovery record");
    assert_eq!((rec.pid, rec.fd), (backdoor.0.id(), None));
    assert_eq!(
        exe_entry.sha256.as_deref(),
        Some(sha256_bytes(&original).as_str())
    );
    let member = exe_entry.member.as_deref().expect("member");
    assert_eq!(sha256_bytes(&m[member]), sha256_bytes(&original));
    assert_eq!(summary.counts.recovered, 2);
    assert!(huoyan_collect::verify(&summary.bundle)
        .expect("verify")
        .intact());
}
