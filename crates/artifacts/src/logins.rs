//! Who is logged in now: `/var/run/utmp` user-process records, with each terminal's idle time.
//!
//! This is `w` without `w`: user, terminal, where from, when they logged in and how long the
//! terminal has been idle (now minus the atime of `/dev/<tty>`, which the kernel updates on
//! input). An attacker's live session shows up here unless they wiped utmp, which is itself
//! visible (zeroed records). Records are decoded by [`crate::utmp::parse`]; this module selects
//! the live sessions and adds the idle time through [`Root::stat`] (no file is opened).

use huoyan_core::{Gap, GapReason, Root, Timestamp};
use serde::Serialize;

use crate::utmp::{self, UtmpType};

/// One logged-in session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Login {
    /// User name as recorded.
    pub user: String,
    /// Terminal (`pts/0`).
    pub tty: String,
    /// Remote host (or X display), as recorded.
    pub from: String,
    /// Remote address, if recorded.
    pub addr: Option<std::net::IpAddr>,
    /// Login time.
    pub login_time: Option<Timestamp>,
    /// Session leader pid.
    pub pid: i32,
    /// Last input on the terminal (atime of `/dev/<tty>`).
    pub tty_atime: Option<Timestamp>,
    /// Seconds since the last input, relative to `now`.
    pub idle_seconds: Option<i64>,
    /// Byte offset of the record in utmp.
    pub offset: u64,
}

/// The utmp files tried, in order.
pub const UTMP_PATHS: &[&str] = &["/var/run/utmp", "/run/utmp"];

/// Selects the live user sessions from utmp bytes (without idle times).
pub fn sessions(data: &[u8]) -> Vec<Login> {
    let (records, _partial) = utmp::parse(data);
    records
        .into_iter()
        .filter(|r| r.kind == UtmpType::UserProcess && !r.user.is_empty())
        .map(|r| Login {
            user: r.user,
            tty: r.line,
            from: r.host,
            addr: r.addr,
            login_time: r.time,
            pid: r.pid,
            tty_atime: None,
            idle_seconds: None,
            offset: r.offset,
        })
        .collect()
}

/// Reads the current sessions from the root's utmp and adds idle times relative to `now`.
pub fn read_logins(root: &Root, now: Timestamp) -> (Vec<Login>, Vec<Gap>) {
    let mut gaps = Vec::new();
    let mut data = None;
    for path in UTMP_PATHS {
        match root.read_capped(path, 64 * 1024 * 1024) {
            Ok(c) => {
                if c.truncated {
                    gaps.push(Gap {
                        area: "artifacts.logins".into(),
                        path: Some((*path).into()),
                        reason: GapReason::Truncated,
                        detail: "utmp larger than 64 MiB; the rest was not read".into(),
                    });
                }
                data = Some(c.data);
                break;
            }
            Err(e) if e.is_not_found() => continue,
            Err(e) => {
                gaps.push(Gap::from_error("artifacts.logins", &e));
                break;
            }
        }
    }
    let Some(data) = data else {
        if gaps.is_empty() {
            gaps.push(Gap {
                area: "artifacts.logins".into(),
                path: Some(UTMP_PATHS[0].into()),
                reason: GapReason::Absent,
                detail: "no utmp file: logged-in users cannot be listed from it".into(),
            });
        }
        return (Vec::new(), gaps);
    };
    let mut logins = sessions(&data);
    for login in &mut logins {
        if login.tty.is_empty() || login.tty.contains("..") {
            continue;
        }
        if let Ok(meta) = root.stat(format!("/dev/{}", login.tty)) {
            login.tty_atime = meta.atime;
            login.idle_seconds = meta.atime.map(|a| (now.as_second() - a.as_second()).max(0));
        }
    }
    (logins, gaps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn keeps_only_user_sessions() {
        let mut data = Vec::new();
        data.extend_from_slice(&utmp::encode_record(
            2,
            0,
            "~",
            "reboot",
            "6.1.0",
            1_700_000_000,
            None,
        ));
        data.extend_from_slice(&utmp::encode_record(
            6,
            700,
            "tty1",
            "LOGIN",
            "",
            1_700_000_001,
            None,
        ));
        data.extend_from_slice(&utmp::encode_record(
            7,
            1234,
            "pts/0",
            "alice",
            "203.0.113.7",
            1_700_000_100,
            Some(Ipv4Addr::new(203, 0, 113, 7)),
        ));
        data.extend_from_slice(&[0u8; 100]);
        let s = sessions(&data);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].user, "alice");
        assert_eq!(s[0].from, "203.0.113.7");
        assert!(sessions(b"garbage").is_empty());
    }

    #[test]
    fn reads_from_fixture_root_with_idle() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("var/run")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("dev/pts")).expect("mkdir");
        std::fs::write(dir.path().join("dev/pts/3"), b"").expect("tty stand-in");
        let rec = utmp::encode_record(7, 99, "pts/3", "bob", "198.51.100.2", 1_700_000_000, None);
        std::fs::write(dir.path().join("var/run/utmp"), rec).expect("utmp");
        let root = Root::new(dir.path()).expect("root");
        let (logins, gaps) = read_logins(&root, huoyan_core::time::now());
        assert!(gaps.is_empty(), "{gaps:?}");
        assert_eq!(logins.len(), 1);
        assert!(logins[0].idle_seconds.is_some());
        let empty = tempfile::tempdir().expect("tempdir");
        let (none, gaps) = read_logins(
            &Root::new(empty.path()).expect("root"),
            huoyan_core::time::now(),
        );
        assert!(none.is_empty());
        assert_eq!(gaps[0].reason, GapReason::Absent);
    }
}
