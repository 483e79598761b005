//! wtmp/btmp/utmp and lastlog decoding against independent oracles: the utmp samples of
//! ../shared/corpora/utmp-samples with their `utmpdump` output, a btmp written here and checked
//! with util-linux `utmpdump`, and a lastlog written with Python's `struct`.

use std::net::Ipv4Addr;
use std::process::Command;

use huoyan_artifacts::{lastlog, utmp};

fn samples() -> std::path::PathBuf {
    huoyan_testkit::corpus("utmp-samples").join("utmp-samples/utmp-rs-0.4.0")
}

#[test]
fn samples_decode_as_utmpdump_says() {
    let dir = samples();
    let mut checked = 0;
    for name in ["basic32", "with_host_32", "long_user_32"] {
        let data = std::fs::read(dir.join(format!("{name}.utmp"))).expect("sample");
        let oracle =
            std::fs::read_to_string(dir.join(format!("{name}.utmpdump.txt"))).expect("oracle");
        assert_eq!(utmp::detect_layout(&data), utmp::Layout::Glibc384);
        let (records, partial) = utmp::parse(&data);
        assert_eq!(partial, None);
        let want: Vec<&str> = oracle.lines().filter(|l| l.starts_with('[')).collect();
        let got: Vec<String> = records.iter().map(utmp::utmpdump_line).collect();
        assert_eq!(got.len(), want.len(), "{name}: record count");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g, w, "{name}");
            checked += 1;
        }
    }
    println!("utmp samples: {checked} records identical to utmpdump's output");
    assert!(utmp::parse(&[]).0.is_empty());
}

#[test]
fn sample_with_64bit_times() {
    let data = std::fs::read(samples().join("basic64.utmp")).expect("sample");
    assert_eq!(utmp::detect_layout(&data), utmp::Layout::Time64);
    let (r, partial) = utmp::parse(&data);
    assert_eq!(partial, None);
    // Expected values from the sample's own test (utmp-rs 0.4.0 tests/basic.rs).
    assert_eq!(r.len(), 3);
    assert_eq!(r[0].kind, utmp::UtmpType::BootTime);
    assert_eq!(r[0].host, "5.15.0-41-generic");
    assert_eq!(
        r[0].time.expect("t").as_microsecond(),
        1_658_083_371_314_869
    );
    assert_eq!((r[1].kind, r[1].pid), (utmp::UtmpType::RunLevel, 53));
    assert_eq!(
        r[1].time.expect("t").as_microsecond(),
        1_658_083_400_855_073
    );
    assert_eq!(r[2].kind, utmp::UtmpType::LoginProcess);
    assert_eq!(
        (r[2].pid, r[2].line.as_str(), r[2].user.as_str()),
        (1219, "ttyAMA0", "LOGIN")
    );
    assert_eq!(
        r[2].time.expect("t").as_microsecond(),
        1_658_083_400_866_391
    );
}

#[test]
fn btmp_written_here_reads_back_and_matches_utmpdump() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("btmp");
    let mut data = Vec::new();
    let attempts = [
        ("root", "203.0.113.50", 1_764_288_000),
        ("admin", "203.0.113.50", 1_764_288_003),
        ("oracle", "198.51.100.23", 1_764_288_100),
    ];
    for (i, (user, ip, t)) in attempts.iter().enumerate() {
        let addr: Ipv4Addr = ip.parse().expect("ip");
        data.extend_from_slice(&utmp::encode_record(
            6,
            4000 + i as i32,
            "ssh:notty",
            user,
            ip,
            *t,
            Some(addr),
        ));
    }
    std::fs::write(&path, &data).expect("write");
    let (records, _) = utmp::parse(&std::fs::read(&path).expect("read"));
    assert_eq!(records.len(), 3);
    for (r, (user, ip, t)) in records.iter().zip(attempts) {
        assert_eq!(r.user, user);
        assert_eq!(r.host, ip);
        assert_eq!(r.addr.map(|a| a.to_string()).as_deref(), Some(ip));
        assert_eq!(r.time.expect("t").as_second(), i64::from(t));
        assert_eq!(r.kind, utmp::UtmpType::LoginProcess);
    }
    match Command::new("utmpdump").arg(&path).output() {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            let want: Vec<&str> = text.lines().filter(|l| l.starts_with('[')).collect();
            let got: Vec<String> = records.iter().map(utmp::utmpdump_line).collect();
            assert_eq!(got, want);
            println!("btmp: 3 records identical to util-linux utmpdump");
        }
        _ => panic!("utmpdump (util-linux) is needed: listed in .ci/packages/logs.txt"),
    }
}

#[test]
fn lastlog_written_with_python_struct_reads_back() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("lastlog");
    let script = r#"
import struct, sys
recs = {0: (1764288000, b"pts/0", b"203.0.113.50"), 1000: (1764291600, b"pts/1", b"192.0.2.44")}
with open(sys.argv[1], "wb") as f:
    for uid in range(0, 1001):
        t, line, host = recs.get(uid, (0, b"", b""))
        f.write(struct.pack("<i32s256s", t, line, host))
"#;
    let status = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&path)
        .status()
        .expect("python3");
    assert!(status.success());
    let data = std::fs::read(&path).expect("read");
    assert_eq!(data.len(), 1001 * lastlog::RECORD_SIZE);
    let entries = lastlog::parse(&data);
    assert_eq!(entries.len(), 2);
    assert_eq!(
        (
            entries[0].uid,
            entries[0].line.as_str(),
            entries[0].host.as_str()
        ),
        (0, "pts/0", "203.0.113.50")
    );
    assert_eq!(entries[0].time.expect("t").as_second(), 1_764_288_000);
    assert_eq!(
        (entries[1].uid, entries[1].host.as_str()),
        (1000, "192.0.2.44")
    );
    let root_dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(root_dir.path().join("var/log")).expect("mkdir");
    std::fs::copy(&path, root_dir.path().join("var/log/lastlog")).expect("copy");
    let root = huoyan_core::Root::new(root_dir.path()).expect("root");
    let by_uid = lastlog::read_uids(&root, &[1000, 5, 0, 4_000_000]).expect("read");
    assert_eq!(by_uid, entries);
}
