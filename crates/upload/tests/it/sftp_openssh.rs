//! Upload against a real OpenSSH server (Debian's openssh-server) started by the test on a
//! loopback port, with a host key and an authorized key the test generates with ssh-keygen.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use huoyan_core::ActionJournal;
use huoyan_upload::{parse_url, upload, Auth, HostKeyPolicy, UploadError, UploadOptions};

struct Sshd {
    child: Child,
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

fn fingerprint(pub_key: &Path) -> String {
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(pub_key)
        .output()
        .expect("ssh-keygen -l");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .nth(1)
        .expect("fingerprint")
        .to_string()
}

fn start_sshd() -> Option<Sshd> {
    if !huoyan_testkit::require_root("needs root to run sshd") {
        return None;
    }
    let sshd = Path::new("/usr/sbin/sshd");
    assert!(
        sshd.exists(),
        "openssh-server is not installed (.ci/packages/collect.txt lists it)"
    );
    // sshd refuses to start without its privilege-separation directory.
    std::fs::create_dir_all("/run/sshd").expect("mkdir /run/sshd");
    let dir = tempfile::tempdir().expect("tmp");
    let host_key = dir.path().join("host_key");
    let client_key = dir.path().join("client_key");
    keygen(&host_key);
    keygen(&client_key);
    std::fs::copy(
        dir.path().join("client_key.pub"),
        dir.path().join("authorized_keys"),
    )
    .expect("authorized_keys");
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let config = dir.path().join("sshd_config");
    std::fs::write(
        &config,
        format!(
            "ListenAddress 127.0.0.1\nHostKey {hk}\nPidFile {d}/sshd.pid\n\
AuthorizedKeysFile {d}/authorized_keys\nStrictModes no\nPasswordAuthentication no\n\
KbdInteractiveAuthentication no\nPubkeyAuthentication yes\nPermitRootLogin prohibit-password\n\
UsePAM no\nSubsystem sftp internal-sftp\n",
            hk = host_key.display(),
            d = dir.path().display()
        ),
    )
    .expect("config");
    let child = Command::new(sshd)
        .args(["-D", "-e", "-f"])
        .arg(&config)
        .args(["-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start sshd");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "sshd did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Sshd { child, port, dir })
}

fn sha256_file(path: &Path) -> String {
    let f = std::fs::File::open(path).expect("open");
    huoyan_core::hash::sha256_reader(f).expect("hash").0
}

#[test]
fn bundle_arrives_with_same_hash_and_host_key_is_checked() {
    let Some(sshd) = start_sshd() else { return };
    let d = sshd.dir.path();
    let local = d.join("host-20261128T000000Z.tar.zst");
    let data: Vec<u8> = (0..3_000_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(&local, &data).expect("write");
    let dest: PathBuf = d.join("received");
    std::fs::create_dir(&dest).expect("mkdir");
    let url = format!("sftp://root@127.0.0.1:{}{}/", sshd.port, dest.display());
    let target = parse_url(&url).expect("url");
    let key = Auth::Key {
        path: d.join("client_key"),
        passphrase: None,
    };
    let journal = ActionJournal::in_memory();

    // Pinned fingerprint that matches.
    let opts = UploadOptions {
        auth: key.clone(),
        host_key: HostKeyPolicy::Fingerprint(fingerprint(&d.join("host_key.pub"))),
    };
    let mut last = 0;
    let report =
        upload(&local, &target, &opts, &journal, &mut |done, _| last = done).expect("upload");
    assert_eq!(report.bytes, data.len() as u64);
    assert_eq!(last, data.len() as u64);
    let arrived = dest.join("host-20261128T000000Z.tar.zst");
    assert_eq!(PathBuf::from(&report.remote_path), arrived);
    assert_eq!(sha256_file(&arrived), sha256_file(&local));
    assert!(!dest.join("host-20261128T000000Z.tar.zst.partial").exists());
    assert!(journal
        .entries()
        .iter()
        .any(|e| e.action == "upload" && e.detail.contains("verified")));

    // A wrong pinned key is refused before anything is sent.
    let wrong = UploadOptions {
        auth: key.clone(),
        host_key: HostKeyPolicy::Fingerprint(
            "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
        ),
    };
    let target2 = parse_url(&format!(
        "sftp://root@127.0.0.1:{}{}/second.bin",
        sshd.port,
        dest.display()
    ))
    .expect("url");
    match upload(&local, &target2, &wrong, &journal, &mut |_, _| {}) {
        Err(UploadError::HostKey { .. }) | Err(UploadError::Ssh(_)) => {}
        other => panic!("expected a host key refusal, got {other:?}"),
    }
    assert!(!dest.join("second.bin").exists());

    // A known_hosts file naming the server's key (OpenSSH's [host]:port form).
    let known = d.join("known_hosts");
    let host_pub = std::fs::read_to_string(d.join("host_key.pub")).expect("host pub");
    std::fs::write(&known, format!("[127.0.0.1]:{} {host_pub}", sshd.port)).expect("known");
    let opts = UploadOptions {
        auth: key.clone(),
        host_key: HostKeyPolicy::KnownHosts(known),
    };
    let target3 = parse_url(&format!(
        "sftp://root@127.0.0.1:{}{}/third.bin",
        sshd.port,
        dest.display()
    ))
    .expect("url");
    upload(&local, &target3, &opts, &journal, &mut |_, _| {}).expect("known_hosts upload");
    assert_eq!(sha256_file(&dest.join("third.bin")), sha256_file(&local));

    // Record-only policy with an explicit remote file name.
    let opts = UploadOptions {
        auth: key,
        host_key: HostKeyPolicy::RecordOnly,
    };
    let report = upload(&local, &target2, &opts, &journal, &mut |_, _| {}).expect("upload");
    assert!(report.host_key.starts_with("SHA256:"));
    assert_eq!(sha256_file(&dest.join("second.bin")), sha256_file(&local));
}

#[test]
fn wrong_key_is_refused() {
    let Some(sshd) = start_sshd() else { return };
    let d = sshd.dir.path();
    let other = d.join("other_key");
    keygen(&other);
    let local = d.join("x.bin");
    std::fs::write(&local, b"evidence").expect("write");
    let target = parse_url(&format!(
        "sftp://root@127.0.0.1:{}{}/",
        sshd.port,
        d.display()
    ))
    .expect("url");
    let opts = UploadOptions {
        auth: Auth::Key {
            path: other,
            passphrase: None,
        },
        host_key: HostKeyPolicy::RecordOnly,
    };
    let journal = ActionJournal::in_memory();
    match upload(&local, &target, &opts, &journal, &mut |_, _| {}) {
        Err(UploadError::Auth(user)) => assert_eq!(user, "root"),
        other => panic!("expected auth refusal, got {other:?}"),
    }
}
