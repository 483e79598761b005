//! The `collect`, `verify` and `image` subcommands end to end, through the built binary.

use std::path::{Path, PathBuf};
use std::process::Command;

fn huoyan() -> Command {
    Command::new(env!("CARGO_BIN_EXE_huoyan"))
}

fn fixture_copy(tmp: &Path) -> PathBuf {
    let dest = tmp.join("root");
    let status = Command::new("cp")
        .arg("-a")
        .arg(huoyan_testkit::fixture("collect-root"))
        .arg(&dest)
        .status()
        .expect("cp");
    assert!(status.success());
    dest
}

fn bundle_in(dir: &Path, ext: &str) -> PathBuf {
    std::fs::read_dir(dir)
        .expect("out dir")
        .map(|e| e.expect("entry").path())
        .find(|p| p.to_string_lossy().ends_with(ext))
        .expect("bundle")
}

#[test]
fn collect_then_verify_then_tamper() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = fixture_copy(tmp.path());
    let out = tmp.path().join("case");
    let run = huoyan()
        .args(["collect", "--no-scan", "--format", "tar.gz", "--root"])
        .arg(&root)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run collect");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("sha256"), "{stdout}");
    let bundle = bundle_in(&out, ".tar.gz");

    let ok = huoyan()
        .arg("verify")
        .arg(&bundle)
        .output()
        .expect("verify");
    assert_eq!(ok.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("intact"));

    // Flip one byte in the middle of the archive (in place: the sidecar stays as written).
    let mut data = std::fs::read(&bundle).expect("read");
    let at = data.len() / 2;
    data[at] ^= 0x40;
    std::fs::write(&bundle, &data).expect("write");
    let bad = huoyan()
        .args(["verify", "--json"])
        .arg(&bundle)
        .output()
        .expect("verify");
    assert_eq!(bad.status.code(), Some(6));
    let v: serde_json::Value = serde_json::from_slice(&bad.stdout).expect("json");
    assert_eq!(v["intact"], false);
    assert!(v["member"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    let text = huoyan()
        .arg("verify")
        .arg(&bundle)
        .output()
        .expect("verify");
    assert!(String::from_utf8_lossy(&text.stdout).starts_with("MISMATCH: member "));
}

#[test]
fn image_subcommand_copies_a_file_with_its_hash() {
    let tmp = tempfile::tempdir().expect("tmp");
    let src = tmp.path().join("disk.raw");
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 249) as u8).collect();
    std::fs::write(&src, &data).expect("write");
    let out = tmp.path().join("disk.img");
    let run = huoyan()
        .arg("image")
        .arg(&src)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run image");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("image:"),
        "progress on stderr"
    );
    assert_eq!(std::fs::read(&out).expect("image"), data);
    let expected = huoyan_core::hash::sha256_bytes(&data);
    assert!(String::from_utf8_lossy(&run.stdout).contains(&expected));
    let mut journal = out.as_os_str().to_os_string();
    journal.push(".journal.jsonl");
    assert!(Path::new(&journal).exists());
}

#[test]
fn upload_without_credentials_is_refused_before_collecting() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = fixture_copy(tmp.path());
    let out = tmp.path().join("case");
    let run = huoyan()
        .args([
            "collect",
            "--no-scan",
            "--upload",
            "sftp://ir@127.0.0.1:1/x/",
            "--root",
        ])
        .arg(&root)
        .arg("--out")
        .arg(&out)
        .env_remove("HUOYAN_SFTP_PASSWORD")
        .output()
        .expect("run collect");
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("--identity"));
    assert!(
        !out.exists(),
        "nothing collected when the upload cannot work"
    );
}

#[test]
fn triage_collect_phase_writes_a_verifiable_bundle() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = fixture_copy(tmp.path());
    let case = tmp.path().join("case");
    let run = huoyan()
        .args(["triage", "--root"])
        .arg(&root)
        .arg("--out")
        .arg(&case)
        .output()
        .expect("run triage");
    assert!(
        run.status.code().is_some_and(|c| c != 1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let bundle = bundle_in(&case.join("evidence"), ".tar.zst");
    let ok = huoyan()
        .arg("verify")
        .arg(&bundle)
        .output()
        .expect("verify");
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let journal = std::fs::read_to_string(case.join("journal.jsonl")).expect("journal");
    assert!(journal.contains("evidence bundle, sha256"), "{journal}");
}

/// An OpenSSH server on a loopback port, with keys made by ssh-keygen; killed on drop.
struct Sshd {
    child: std::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "huoyan-test", "-f"])
        .arg(path)
        .status()
        .expect("ssh-keygen");
    assert!(status.success());
}

fn start_sshd() -> Option<Sshd> {
    if !huoyan_testkit::require_root("needs root to run sshd") {
        return None;
    }
    assert!(
        Path::new("/usr/sbin/sshd").exists(),
        "openssh-server is not installed (.ci/packages/collect.txt lists it)"
    );
    std::fs::create_dir_all("/run/sshd").expect("mkdir /run/sshd");
    let dir = tempfile::tempdir().expect("tmp");
    keygen(&dir.path().join("host_key"));
    keygen(&dir.path().join("client_key"));
    std::fs::copy(
        dir.path().join("client_key.pub"),
        dir.path().join("authorized_keys"),
    )
    .expect("authorized_keys");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let config = dir.path().join("sshd_config");
    std::fs::write(
        &config,
        format!(
            "ListenAddress 127.0.0.1\nHostKey {d}/host_key\nPidFile {d}/sshd.pid\n\
AuthorizedKeysFile {d}/authorized_keys\nStrictModes no\nPasswordAuthentication no\n\
PubkeyAuthentication yes\nPermitRootLogin prohibit-password\nUsePAM no\n\
Subsystem sftp internal-sftp\n",
            d = dir.path().display()
        ),
    )
    .expect("config");
    let child = Command::new("/usr/sbin/sshd")
        .args(["-D", "-e", "-f"])
        .arg(&config)
        .args(["-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("sshd");
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed().as_secs() < 20, "sshd did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Some(Sshd { child, port, dir })
}

#[test]
fn collect_uploads_the_bundle_over_sftp_and_no_keep_removes_it() {
    let Some(sshd) = start_sshd() else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let root = fixture_copy(tmp.path());
    let out = tmp.path().join("case");
    let remote = sshd.dir.path().join("incoming");
    std::fs::create_dir(&remote).expect("mkdir");
    let run = huoyan()
        .args(["collect", "--no-scan", "--root"])
        .arg(&root)
        .arg("--out")
        .arg(&out)
        .arg("--upload")
        .arg(format!(
            "sftp://root@127.0.0.1:{}{}/",
            sshd.port,
            remote.display()
        ))
        .arg("--identity")
        .arg(sshd.dir.path().join("client_key"))
        .output()
        .expect("run collect");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(String::from_utf8_lossy(&run.stdout).contains("remote size verified"));
    let local = bundle_in(&out, ".tar.zst");
    let name = local.file_name().expect("name");
    let arrived = remote.join(name);
    let hash = |p: &Path| {
        huoyan_core::hash::sha256_reader(std::fs::File::open(p).expect("open"))
            .expect("hash")
            .0
    };
    assert_eq!(hash(&arrived), hash(&local));
    // The sidecar and the journal travel too, and the remote copy verifies on its own.
    let ok = huoyan()
        .arg("verify")
        .arg(&arrived)
        .output()
        .expect("verify");
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("sidecar matches"));

    // --no-keep: the local bundle goes once the remote copy is verified.
    let out2 = tmp.path().join("case2");
    let run = huoyan()
        .args(["collect", "--no-scan", "--no-keep", "--root"])
        .arg(&root)
        .arg("--out")
        .arg(&out2)
        .arg("--upload")
        .arg(format!(
            "sftp://root@127.0.0.1:{}{}/",
            sshd.port,
            remote.display()
        ))
        .arg("--identity")
        .arg(sshd.dir.path().join("client_key"))
        .output()
        .expect("run collect");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let left: Vec<String> = std::fs::read_dir(&out2)
        .expect("dir")
        .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !left.iter().any(|n| n.ends_with(".tar.zst")),
        "local bundle kept: {left:?}"
    );
    let journal = left
        .iter()
        .find(|n| n.ends_with(".journal.jsonl"))
        .expect("journal");
    let text = std::fs::read_to_string(out2.join(journal)).expect("journal");
    assert!(text.contains("--no-keep after verified upload"));
}

#[test]
fn unreadable_files_become_gaps_not_failures() {
    if !huoyan_testkit::require_root("needs root to drop privileges with setpriv") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    std::fs::set_permissions(
        tmp.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    let root = fixture_copy(tmp.path());
    for secret in ["etc/shadow", "etc/gshadow", "root/.bash_history"] {
        std::fs::set_permissions(
            root.join(secret),
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .expect("chmod");
    }
    std::fs::set_permissions(
        root.join("root"),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .expect("chmod");
    let out = tmp.path().join("case");
    std::fs::create_dir(&out).expect("mkdir");
    std::fs::set_permissions(&out, std::os::unix::fs::PermissionsExt::from_mode(0o777))
        .expect("chmod");
    let run = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(env!("CARGO_BIN_EXE_huoyan"))
        .args(["collect", "--no-scan", "--root"])
        .arg(&root)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("setpriv (util-linux)");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let bundle = bundle_in(&out, ".tar.zst");
    let listing = Command::new("tar")
        .arg("--zstd")
        .arg("-xOf")
        .arg(&bundle)
        .arg("gaps.jsonl")
        .output()
        .expect("tar");
    let gaps = String::from_utf8_lossy(&listing.stdout);
    assert!(
        gaps.contains("/etc/shadow") && gaps.contains("permission_denied"),
        "{gaps}"
    );
    let ok = huoyan()
        .arg("verify")
        .arg(&bundle)
        .output()
        .expect("verify");
    assert_eq!(ok.status.code(), Some(0));
}

/// `huoyan collect` on its own runs the deep webshell scan, so the bundle carries the webshell
/// (before, only triage's bundle held it).
#[test]
fn collect_alone_carries_the_flagged_webshell() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("root");
    let status = Command::new("cp")
        .arg("-a")
        .arg(huoyan_testkit::fixture("web-upload"))
        .arg(&root)
        .status()
        .expect("cp");
    assert!(status.success());
    let out = tmp.path().join("case");
    let run = huoyan()
        .args(["collect", "--format", "tar.gz", "--root"])
        .arg(&root)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run collect");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let bundle = bundle_in(&out, ".tar.gz");
    let listing = Command::new("tar")
        .arg("-tzf")
        .arg(&bundle)
        .output()
        .expect("tar");
    let names = String::from_utf8_lossy(&listing.stdout);
    assert!(
        names
            .lines()
            .any(|l| l.ends_with("files/var/www/html/uploads/x.php")),
        "webshell not in the bundle:\n{names}"
    );
}
