//! The built `huoyan snapshot` binary: it refuses a used directory, and run as an unprivileged
//! user (setpriv to nobody) it completes and records what it could not read as gaps.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

const HUOYAN: &str = env!("CARGO_BIN_EXE_huoyan");

#[test]
fn refuses_a_non_empty_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("case-notes.txt"), b"keep me").expect("write");
    let out = Command::new(HUOYAN)
        .args(["snapshot", "--out"])
        .arg(dir.path())
        .output()
        .expect("run huoyan");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
    assert_eq!(
        std::fs::read(dir.path().join("case-notes.txt")).expect("read"),
        b"keep me"
    );
}

#[test]
fn unprivileged_snapshot_completes_with_gaps() {
    if !huoyan_testkit::require_root("needs root to drop to nobody with setpriv") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    // The build tree may not be reachable by nobody: run a copy.
    let bin = dir.path().join("huoyan");
    std::fs::copy(HUOYAN, &bin).expect("copy binary");
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let out_dir = dir.path().join("snap");
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&bin)
        .args(["snapshot", "--out"])
        .arg(&out_dir)
        .output()
        .expect("run setpriv");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "status {:?}\nstdout {stdout}\nstderr {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("gaps:"), "{stdout}");
    let gaps: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("gaps.json")).expect("gaps.json"))
            .expect("valid JSON");
    let gaps = gaps.as_array().expect("array");
    // Root's processes (pid 1 at least) keep their fds from nobody.
    assert!(
        gaps.iter().any(|g| g["area"] == "snapshot.open_files"
            && g["reason"] == "permission_denied"
            && g["path"].as_str().is_some_and(|p| p.ends_with("/fd"))),
        "no fd permission gap in {gaps:?}"
    );
    assert!(gaps
        .iter()
        .all(|g| g["detail"].as_str().is_some_and(|d| !d.is_empty())));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("manifest.json")).expect("manifest"))
            .expect("valid JSON");
    assert_eq!(manifest["privileged"], false);
    assert!(manifest["counts"]["processes"].as_u64().unwrap_or(0) > 1);
    let ps = std::fs::read_to_string(out_dir.join("ps.txt")).expect("ps.txt");
    assert!(ps.lines().count() > 3);
}

/// A process hidden by bind-mounting an empty directory over /proc/PID (done in a private mount
/// namespace so the host is untouched) is reported as a gap, not silently dropped.
#[test]
fn masked_proc_entry_is_reported_as_a_gap() {
    if !huoyan_testkit::require_root("needs root for unshare -m and mount") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let script = r#"
set -e
sleep 60 &
p=$!
mkdir -p "$1/empty"
mount --bind "$1/empty" "/proc/$p"
echo "$p"
"$2" snapshot --no-hash --out "$1/snap"
kill "$p"
"#;
    let out = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", script, "sh"])
        .arg(dir.path())
        .arg(HUOYAN)
        .output()
        .expect("run unshare");
    if !huoyan_testkit::require(
        out.status.success(),
        &format!(
            "unshare/mount not permitted here: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    ) {
        return;
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let pid = stdout.lines().next().unwrap_or_default().trim().to_string();
    assert!(
        stdout.contains(&format!(
            "MASKED /proc entries (something is mounted over /proc/PID, hiding it): {pid}"
        )),
        "{stdout}"
    );
    let gaps: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("snap/gaps.json")).expect("gaps.json"),
    )
    .expect("valid JSON");
    assert!(
        gaps.as_array().expect("array").iter().any(|g| {
            g["path"] == format!("/proc/{pid}")
                && g["detail"].as_str().is_some_and(|d| d.contains("masked"))
        }),
        "no masked-entry gap for pid {pid}: {gaps}"
    );
}

/// `huoyan scan --only rootkit.hidden_process` reports a process whose /proc entry is masked by a
/// bind mount (in a private mount namespace; the host is untouched) as critical, exit code 4.
#[test]
fn scan_reports_masked_proc_entry_as_critical() {
    if !huoyan_testkit::require_root("needs root for unshare -m and mount") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let script = r#"
sleep 60 &
p=$!
mkdir -p "$1/empty"
mount --bind "$1/empty" "/proc/$p" || exit 99
echo "pid=$p"
"$2" scan --only rootkit.hidden_process --json
echo "exit=$?"
kill "$p"
"#;
    let out = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", script, "sh"])
        .arg(dir.path())
        .arg(HUOYAN)
        .output()
        .expect("run unshare");
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !huoyan_testkit::require(
        stdout.contains("pid="),
        &format!(
            "unshare/mount not permitted here: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    ) {
        return;
    }
    let pid: u32 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("pid="))
        .and_then(|p| p.parse().ok())
        .expect("pid line");
    assert!(stdout.contains("exit=4"), "{stdout}");
    let finding = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["record"] == "finding" && v["pids"][0] == pid)
        .unwrap_or_else(|| panic!("no finding for pid {pid}: {stdout}"));
    assert_eq!(finding["check_id"], "rootkit.hidden_process");
    assert_eq!(finding["severity"], "critical");
}

/// With /proc mounted `hidepid=2` (in a private mount namespace) an unprivileged snapshot cannot
/// see other users' processes: that is reported as a gap, not as hidden processes.
#[test]
fn hidepid_is_a_gap_not_a_rootkit() {
    if !huoyan_testkit::require_root("needs root for unshare -m and mount") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let bin = dir.path().join("huoyan");
    std::fs::copy(HUOYAN, &bin).expect("copy binary");
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let script = r#"
mount -t proc -o hidepid=2 proc /proc || exit 99
setpriv --reuid=65534 --regid=65534 --clear-groups "$2" snapshot --no-hash --out "$1/snap"
"#;
    let out = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", script, "sh"])
        .arg(dir.path())
        .arg(&bin)
        .output()
        .expect("run unshare");
    if !huoyan_testkit::require(
        out.status.code() != Some(99),
        "cannot mount proc with hidepid here",
    ) {
        return;
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!stdout.contains("HIDDEN processes"), "{stdout}");
    let gaps: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("snap/gaps.json")).expect("gaps.json"),
    )
    .expect("valid JSON");
    assert!(
        gaps.as_array().expect("array").iter().any(|g| {
            g["area"] == "snapshot.processes"
                && g["reason"] == "permission_denied"
                && g["detail"].as_str().is_some_and(|d| d.contains("hidepid"))
        }),
        "{gaps}"
    );
}
