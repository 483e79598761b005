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
    assert_eq!(bad.status.code(), Some(2));
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
    let ok = huoyan().arg("verify").arg(&bundle).output().expect("verify");
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stdout));
    let journal = std::fs::read_to_string(case.join("journal.jsonl")).expect("journal");
    assert!(journal.contains("evidence bundle, sha256"), "{journal}");
}
