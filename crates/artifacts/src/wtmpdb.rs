//! `/var/lib/wtmpdb/wtmp.db`: the Year-2038-safe login database that replaces wtmp on Debian 13
//! and Ubuntu 25.04 (written by `pam_wtmpdb`, read by `wtmpdb last`).
//!
//! It is an SQLite file with one table, `wtmp(ID INTEGER PRIMARY KEY, Type INTEGER, User TEXT,
//! Login INTEGER, Logout INTEGER, TTY TEXT, RemoteHost TEXT, Service TEXT)`, times in
//! microseconds since the epoch; type 1 is a boot, 3 a user session. The bytes are read through
//! `Root` and opened as a read-only in-memory database, so the evidence file is never opened by
//! SQLite (no `-shm`/`-wal` created, no lock taken). Row ids are assigned in increasing order, so
//! holes in the sequence show deleted sessions.

use huoyan_core::Timestamp;
use serde::Serialize;

use crate::ParseError;

/// Where the database lives.
pub const PATH: &str = "/var/lib/wtmpdb/wtmp.db";

/// `Type` of a boot record.
pub const TYPE_BOOT: i64 = 1;
/// `Type` of a user session.
pub const TYPE_USER: i64 = 3;

/// One row of the `wtmp` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WtmpdbRecord {
    /// Row id (increasing; holes mean deleted rows).
    pub id: i64,
    /// 1 boot, 3 user session (others kept as is).
    pub kind: i64,
    /// User (or `reboot`).
    pub user: String,
    /// Login time.
    pub login: Option<Timestamp>,
    /// Logout time (none while the session is open or if it ended uncleanly).
    pub logout: Option<Timestamp>,
    /// Terminal.
    pub tty: String,
    /// Remote host (or the kernel version for boots).
    pub remote_host: String,
    /// PAM service (`sshd`, `login`).
    pub service: String,
}

fn micros(v: Option<i64>) -> Option<Timestamp> {
    v.filter(|&m| m > 0)
        .and_then(huoyan_core::time::from_unix_micros)
}

/// Decodes the rows of a wtmpdb database file given as bytes.
pub fn parse(data: &[u8]) -> Result<Vec<WtmpdbRecord>, ParseError> {
    let bad = |e: rusqlite::Error| ParseError::malformed("wtmpdb", e.to_string());
    if data.len() < 100 || !data.starts_with(b"SQLite format 3\0") {
        return Err(ParseError::malformed("wtmpdb", "not an SQLite 3 database"));
    }
    let mut copy = data.to_vec();
    // A database left in WAL mode must be presented as a rollback-journal one to be opened from
    // memory (this edits huoyan's copy, not the evidence).
    copy[18] = 1;
    copy[19] = 1;
    let mut conn = rusqlite::Connection::open_in_memory().map_err(bad)?;
    let len = copy.len();
    conn.deserialize_read_exact(rusqlite::MAIN_DB, &copy[..], len, true)
        .map_err(bad)?;
    let mut stmt = conn
        .prepare(
            "SELECT ID, Type, User, Login, Logout, TTY, RemoteHost, Service FROM wtmp ORDER BY ID",
        )
        .map_err(bad)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(WtmpdbRecord {
                id: r.get(0)?,
                kind: r.get::<_, Option<i64>>(1)?.unwrap_or(0),
                user: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                login: micros(r.get(3)?),
                logout: micros(r.get(4)?),
                tty: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                remote_host: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
                service: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
            })
        })
        .map_err(bad)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row.map_err(bad)?);
    }
    Ok(out)
}

/// Holes in the row-id sequence: (last id before the hole, first id after it).
pub fn id_gaps(records: &[WtmpdbRecord]) -> Vec<(i64, i64)> {
    records
        .windows(2)
        .filter(|w| w[1].id > w[0].id + 1)
        .map(|w| (w[0].id, w[1].id))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(rows: &str) -> Vec<u8> {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("wtmp.db");
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute_batch(&format!(
            "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS wtmp(ID INTEGER PRIMARY KEY, \
             Type INTEGER, User TEXT NOT NULL, Login INTEGER, Logout INTEGER, TTY TEXT, \
             RemoteHost TEXT, Service TEXT) STRICT; {rows}"
        ))
        .expect("sql");
        drop(conn);
        std::fs::read(&path).expect("read")
    }

    #[test]
    fn reads_sessions_and_finds_deleted_rows() {
        let data = build(
            "INSERT INTO wtmp VALUES (1,1,'reboot',1788249600000000,NULL,'~','6.12.48+deb13-amd64',NULL);
             INSERT INTO wtmp VALUES (2,3,'alice',1788249700123456,1788253300000000,'pts/0','192.0.2.15','sshd');
             INSERT INTO wtmp VALUES (5,3,'root',1788250000000000,NULL,'pts/1','203.0.113.9','sshd');",
        );
        let recs = parse(&data).expect("parse");
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[1].user, "alice");
        assert_eq!(
            recs[1].login.expect("t").as_microsecond(),
            1_788_249_700_123_456
        );
        assert_eq!(recs[2].logout, None);
        assert_eq!(id_gaps(&recs), vec![(2, 5)]);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse(b"").is_err());
        assert!(parse(&[0u8; 4096]).is_err());
        let mut data = build("");
        data.truncate(200);
        let _ = parse(&data);
    }
}
