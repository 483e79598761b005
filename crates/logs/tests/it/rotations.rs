//! A log family with plain and gzip rotations (`auth.log`, `.1`, `.2.gz`) is read whole, oldest
//! first, the compressed rotation decompressed like the others.

use std::process::Command;

use huoyan_core::{Root, Window};

fn failures(n: usize, day: u32, net: u8) -> String {
    (0..n)
        .map(|i| {
            format!(
                "Nov {day:2} 02:{:02}:{:02} web1 sshd[{}]: Failed password for root from 203.0.{net}.9 port {} ssh2\n",
                i / 60 % 60,
                i % 60,
                100 + i,
                40000 + i
            )
        })
        .collect()
}

#[test]
fn plain_and_gzip_rotations_are_all_counted() {
    let dir = tempfile::tempdir().expect("tmp");
    let log = dir.path().join("var/log");
    std::fs::create_dir_all(&log).expect("mkdir");
    std::fs::write(log.join("auth.log.2"), failures(300, 20, 1)).expect("write");
    let gz = Command::new("gzip")
        .arg(log.join("auth.log.2"))
        .status()
        .expect("gzip");
    assert!(gz.success());
    std::fs::write(log.join("auth.log.1"), failures(200, 21, 2)).expect("write");
    std::fs::write(log.join("auth.log"), failures(100, 22, 3)).expect("write");
    let data =
        huoyan_logs::collect::collect(&Root::new(dir.path()).expect("root"), Window::default());
    let names: Vec<&str> = data.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        names,
        [
            "/var/log/auth.log.2.gz",
            "/var/log/auth.log.1",
            "/var/log/auth.log"
        ]
    );
    assert!(data.files[0].compressed);
    assert_eq!(data.files[0].rhythm.lines, 300);
    assert_eq!(data.failures.total_failures, 600);
    assert_eq!(data.failures.by_source["203.0.1.9"].failures, 300);
    assert_eq!(data.failures.by_source["203.0.3.9"].failures, 100);
}
