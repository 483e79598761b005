//! A journal written on this machine by systemd's own writer (`systemd-journal-remote`, Debian
//! package systemd-journal-remote) from export-format input is read back natively, including a
//! field large enough to be stored compressed; a truncated copy is an error, not a panic.

use std::io::Write;
use std::process::{Command, Stdio};

use huoyan_artifacts::journal;

fn journal_remote() -> std::path::PathBuf {
    for p in [
        "/lib/systemd/systemd-journal-remote",
        "/usr/lib/systemd/systemd-journal-remote",
    ] {
        if std::path::Path::new(p).exists() {
            return p.into();
        }
    }
    panic!("systemd-journal-remote is needed: listed in .ci/packages/logs.txt");
}

fn export_entry(
    out: &mut Vec<u8>,
    realtime_us: u64,
    seq: u64,
    comm: &str,
    pid: u32,
    message: &str,
) {
    out.extend_from_slice(
        format!(
            "__CURSOR=s=0;i={seq}\n__REALTIME_TIMESTAMP={realtime_us}\n__MONOTONIC_TIMESTAMP={}\n\
             _BOOT_ID=6b1c1f2c0e6a4d9f8a4f0c2b5d7e9a11\n_COMM={comm}\n_PID={pid}\n_UID=0\n\
             SYSLOG_IDENTIFIER={comm}\n_HOSTNAME=web1\nMESSAGE={message}\n\n",
            seq * 1000
        )
        .as_bytes(),
    );
}

#[test]
fn reads_a_journal_written_by_systemd() {
    let dir = tempfile::tempdir().expect("tmp");
    let out_path = dir.path().join("remote.journal");
    let mut export = Vec::new();
    let base = 1_764_288_000_000_000u64;
    for i in 0..20u64 {
        export_entry(
            &mut export,
            base + i * 1_000_000,
            i + 1,
            "sshd",
            4000 + i as u32,
            &format!(
                "Failed password for root from 203.0.113.50 port {} ssh2",
                40000 + i
            ),
        );
    }
    let big = format!(
        "Accepted password for root from 203.0.113.50 port 41000 ssh2 {}",
        "x".repeat(4000)
    );
    export_entry(&mut export, base + 30_000_000, 21, "sshd", 4100, &big);
    let mut child = Command::new(journal_remote())
        .arg("-o")
        .arg(&out_path)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn systemd-journal-remote");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&export)
        .expect("write export");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "journal-remote: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let data = std::fs::read(&out_path).expect("journal written");
    let mut entries = Vec::new();
    let summary = journal::read_entries(&data[..], &mut |e| entries.push(e)).expect("readable");
    println!(
        "journal: {} entries, flags {:#x}, problems {:?}",
        summary.entries, summary.header.incompatible_flags, summary.problems
    );
    assert_eq!(entries.len(), 21);
    assert!(summary.problems.is_empty());
    let first = &entries[0];
    assert_eq!(first.field("_COMM").as_deref(), Some("sshd"));
    assert_eq!(first.field("SYSLOG_IDENTIFIER").as_deref(), Some("sshd"));
    assert_eq!(first.field("_PID").as_deref(), Some("4000"));
    assert_eq!(first.field("_UID").as_deref(), Some("0"));
    assert_eq!(
        first.field("MESSAGE").as_deref(),
        Some("Failed password for root from 203.0.113.50 port 40000 ssh2")
    );
    assert_eq!(first.realtime.expect("time").as_microsecond(), base as i64);
    assert_eq!(entries[20].field("MESSAGE").as_deref(), Some(big.as_str()));

    // The same file through a File (pread), as the reader over Root does.
    let f = std::fs::File::open(&out_path).expect("open");
    let mut n = 0;
    journal::read_entries(&f, &mut |_| n += 1).expect("pread");
    assert_eq!(n, 21);

    // Corrupted copies (one byte flipped at a time across the used part): never a panic.
    let used = (summary.header.header_size + summary.header.arena_size) as usize;
    let step = (used / 3000).max(1);
    for at in (0..used).step_by(step) {
        let mut bad = data.clone();
        bad[at] ^= 0xA5;
        let _ = journal::read_entries(&bad[..], &mut |_| {});
    }

    // Truncated copies: an error or problems, never a panic.
    let header_end = 272;
    assert!(journal::read_entries(&data[..100], &mut |_| {}).is_err());
    for cut in [header_end, data.len() / 2, data.len() - 8] {
        let res = journal::read_entries(&data[..cut], &mut |_| {});
        assert!(res.is_err(), "cut at {cut} must be an error");
    }
}
