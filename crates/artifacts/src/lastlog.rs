//! `/var/log/lastlog`: the last login of every account, the file behind `lastlog` and the
//! "Last login: … from …" banner.
//!
//! A responder compares it with wtmp: a lastlog entry that no wtmp record backs means wtmp was
//! edited (or lastlog forged), and a login from an unknown host on a service account stands out.
//!
//! Format: one 292-byte record per uid at offset `uid × 292`, little endian: `ll_time` i32 (Unix
//! seconds), `ll_line[32]`, `ll_host[256]`. The file is sparse (uid 65534 puts the end at 19 MB,
//! a uid near 2³² at over a terabyte), so the reader seeks to the uids it is asked about instead
//! of reading the whole file.

use std::io::{Read, Seek, SeekFrom};

use huoyan_core::{Root, RootError, Timestamp};
use serde::Serialize;

/// Size of one record.
pub const RECORD_SIZE: usize = 292;

/// Where the file lives.
pub const PATH: &str = "/var/log/lastlog";

/// One account's last login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastlogEntry {
    /// The uid (the record index).
    pub uid: u32,
    /// Time of the last login.
    pub time: Option<Timestamp>,
    /// Terminal (`pts/0`).
    pub line: String,
    /// Remote host.
    pub host: String,
}

fn cstr(b: &[u8]) -> String {
    let end = memchr::memchr(0, b).unwrap_or(b.len());
    huoyan_core::text::bytes_to_string(&b[..end])
}

/// Decodes one record; `None` for an empty (never logged in) record or a short slice.
pub fn parse_record(rec: &[u8], uid: u32) -> Option<LastlogEntry> {
    if rec.len() < RECORD_SIZE || rec[..RECORD_SIZE].iter().all(|&b| b == 0) {
        return None;
    }
    let secs = i32::from_le_bytes([rec[0], rec[1], rec[2], rec[3]]);
    Some(LastlogEntry {
        uid,
        time: (secs != 0)
            .then(|| huoyan_core::time::from_unix(i64::from(secs as u32), 0))
            .flatten(),
        line: cstr(&rec[4..36]),
        host: cstr(&rec[36..292]),
    })
}

/// Decodes every non-empty record of a whole file (uid = index).
pub fn parse(data: &[u8]) -> Vec<LastlogEntry> {
    data.chunks_exact(RECORD_SIZE)
        .enumerate()
        .filter_map(|(i, rec)| parse_record(rec, u32::try_from(i).ok()?))
        .collect()
}

/// Encodes a record (for tests and fixtures).
pub fn encode_record(secs: i32, line: &str, host: &str) -> [u8; RECORD_SIZE] {
    let mut rec = [0u8; RECORD_SIZE];
    rec[..4].copy_from_slice(&secs.to_le_bytes());
    let l = line.as_bytes();
    rec[4..4 + l.len().min(32)].copy_from_slice(&l[..l.len().min(32)]);
    let h = host.as_bytes();
    rec[36..36 + h.len().min(256)].copy_from_slice(&h[..h.len().min(256)]);
    rec
}

/// Reads the records of the given uids from the root's lastlog (seeking; sparse-safe).
pub fn read_uids(root: &Root, uids: &[u32]) -> Result<Vec<LastlogEntry>, RootError> {
    let mut file = root.open(PATH)?;
    let size = file
        .metadata()
        .map_err(|e| RootError::from_io(PATH, e))?
        .len();
    let mut out = Vec::new();
    let mut rec = [0u8; RECORD_SIZE];
    let mut uids = uids.to_vec();
    uids.sort_unstable();
    uids.dedup();
    for uid in uids {
        let at = u64::from(uid) * RECORD_SIZE as u64;
        if at + RECORD_SIZE as u64 > size {
            continue;
        }
        file.seek(SeekFrom::Start(at))
            .map_err(|e| RootError::from_io(PATH, e))?;
        if file.read_exact(&mut rec).is_err() {
            continue;
        }
        if let Some(e) = parse_record(&rec, uid) {
            out.push(e);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_sparse_index() {
        let mut data = vec![0u8; RECORD_SIZE * 3];
        data[RECORD_SIZE * 2..].copy_from_slice(&encode_record(
            1_700_000_000,
            "pts/3",
            "203.0.113.7",
        ));
        let e = parse(&data);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].uid, 2);
        assert_eq!(e[0].host, "203.0.113.7");
        assert_eq!(e[0].time.expect("t").as_second(), 1_700_000_000);
        assert!(parse(&data[..100]).is_empty());
        assert_eq!(parse_record(&[1, 2, 3], 0), None);
    }
}
