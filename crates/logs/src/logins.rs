//! The `last`, `lastb` and `lastlog` views, built from the files (wtmp and its rotations,
//! wtmpdb, btmp, lastlog) instead of the host's tools, which an intruder may have replaced.

use std::collections::HashMap;

use huoyan_artifacts::utmp::UtmpType;
use huoyan_core::{Root, Timestamp};
use serde::Serialize;

use crate::LogData;

/// One session of the `last` view.
#[derive(Debug, Clone, Serialize)]
pub struct Session {
    /// User, or `reboot` / `shutdown`.
    pub user: String,
    /// Terminal.
    pub tty: String,
    /// Remote host (or kernel version for reboots).
    pub host: String,
    /// Login time.
    pub login: Option<Timestamp>,
    /// Logout time.
    pub logout: Option<Timestamp>,
    /// `still logged in`, `gone - no logout`, `crash`, or empty when logged out.
    pub status: String,
    /// Where it came from (`/var/log/wtmp` or the wtmpdb path).
    pub source: String,
}

/// The `last` view: wtmp sessions and wtmpdb rows, newest first. As util-linux `last` does, a
/// login ends at its logout record, or at the next login on the same terminal, or at a boot or
/// shutdown; one still open at the end of the file is "still logged in" when utmp lists it and
/// "gone - no logout" otherwise.
pub fn last(data: &LogData) -> Vec<Session> {
    let mut out: Vec<Session> = Vec::new();
    let logged_in: Vec<(String, i32)> = data
        .utmp
        .iter()
        .flat_map(|f| f.records.iter())
        .filter(|r| r.kind == UtmpType::UserProcess)
        .map(|r| (r.line.clone(), r.pid))
        .collect();
    for f in data.wtmp.iter().rev() {
        let mut open: HashMap<String, (usize, i32)> = HashMap::new();
        let close_all =
            |open: &mut HashMap<String, (usize, i32)>, out: &mut Vec<Session>, t, status: &str| {
                for (_, (i, _)) in open.drain() {
                    out[i].logout = t;
                    out[i].status = status.to_string();
                }
            };
        for r in &f.records {
            match r.kind {
                UtmpType::UserProcess => {
                    if let Some((i, _)) = open.remove(&r.line) {
                        out[i].logout = r.time;
                        out[i].status = String::new();
                    }
                    open.insert(r.line.clone(), (out.len(), r.pid));
                    out.push(Session {
                        user: r.user.clone(),
                        tty: r.line.clone(),
                        host: r.host.clone(),
                        login: r.time,
                        logout: None,
                        status: String::new(),
                        source: f.path.clone(),
                    });
                }
                UtmpType::DeadProcess => {
                    if let Some((i, _)) = open.remove(&r.line) {
                        out[i].logout = r.time;
                        out[i].status = String::new();
                    }
                }
                UtmpType::BootTime => {
                    close_all(&mut open, &mut out, r.time, "crash");
                    out.push(Session {
                        user: "reboot".into(),
                        tty: "system boot".into(),
                        host: r.host.clone(),
                        login: r.time,
                        logout: None,
                        status: String::new(),
                        source: f.path.clone(),
                    });
                }
                UtmpType::RunLevel if r.user == "shutdown" => {
                    close_all(&mut open, &mut out, r.time, "down");
                    out.push(Session {
                        user: "shutdown".into(),
                        tty: "system down".into(),
                        host: r.host.clone(),
                        login: r.time,
                        logout: None,
                        status: String::new(),
                        source: f.path.clone(),
                    });
                }
                _ => {}
            }
        }
        for (line, (i, pid)) in open {
            out[i].status = if logged_in.iter().any(|(l, p)| *l == line && *p == pid) {
                "still logged in".into()
            } else {
                "gone - no logout".into()
            };
        }
    }
    for r in data.wtmpdb.iter().flatten() {
        out.push(Session {
            user: r.user.clone(),
            tty: r.tty.clone(),
            host: r.remote_host.clone(),
            login: r.login,
            logout: r.logout,
            status: if r.logout.is_none() && r.kind == huoyan_artifacts::wtmpdb::TYPE_USER {
                "no logout recorded".into()
            } else {
                String::new()
            },
            source: huoyan_artifacts::wtmpdb::PATH.into(),
        });
    }
    out.sort_by(|a, b| b.login.cmp(&a.login));
    out
}

/// One failed login of the `lastb` view.
#[derive(Debug, Clone, Serialize)]
pub struct FailedLogin {
    /// User tried.
    pub user: String,
    /// Terminal (`ssh:notty`).
    pub tty: String,
    /// Source.
    pub host: String,
    /// When.
    pub time: Option<Timestamp>,
    /// File.
    pub source: String,
}

/// The `lastb` view: btmp records, newest first.
pub fn lastb(data: &LogData) -> Vec<FailedLogin> {
    let mut out: Vec<FailedLogin> = data
        .btmp
        .iter()
        .flat_map(|f| {
            f.records
                .iter()
                .filter(|r| !r.all_zero)
                .map(|r| FailedLogin {
                    user: r.user.clone(),
                    tty: r.line.clone(),
                    host: r.host.clone(),
                    time: r.time,
                    source: f.path.clone(),
                })
        })
        .collect();
    out.sort_by(|a, b| b.time.cmp(&a.time));
    out
}

/// One row of the `lastlog` view.
#[derive(Debug, Clone, Serialize)]
pub struct LastLogin {
    /// Account.
    pub user: String,
    /// uid.
    pub uid: u32,
    /// Terminal.
    pub tty: String,
    /// Remote host.
    pub host: String,
    /// Last login (none: never logged in).
    pub time: Option<Timestamp>,
}

/// The `lastlog` view: every account of /etc/passwd with its lastlog entry.
pub fn lastlog(data: &LogData, root: &Root) -> Vec<LastLogin> {
    let (users, _) = huoyan_artifacts::users::UserDb::read(root);
    users
        .passwd
        .iter()
        .filter_map(|p| {
            let uid = p.uid?;
            let e = data.lastlog.iter().find(|e| e.uid == uid);
            Some(LastLogin {
                user: p.name.clone(),
                uid,
                tty: e.map(|e| e.line.clone()).unwrap_or_default(),
                host: e.map(|e| e.host.clone()).unwrap_or_default(),
                time: e.and_then(|e| e.time),
            })
        })
        .collect()
}
