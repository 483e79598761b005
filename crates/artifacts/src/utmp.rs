//! Login records: `/var/run/utmp` (who is logged in now), `/var/log/wtmp` (every login and
//! logout, reboot), `/var/log/btmp` (failed logins).
//!
//! These are the files behind `w`, `last` and `lastb`. Attackers edit them (zeroing or removing
//! their own records), so the parser is tolerant: it never stops at a junk record, it reports the
//! byte offset of every record so a gap or a zeroed record can be pointed at, and it keeps
//! all-zero records as [`UtmpType::Empty`] instead of dropping them.
//!
//! Format: glibc x86-64 `struct utmp`, 384 bytes, little endian: `ut_type` i16 (+2 pad),
//! `ut_pid` i32, `ut_line[32]`, `ut_id[4]`, `ut_user[32]`, `ut_host[256]`, `ut_exit` (2×i16),
//! `ut_session` i32, `ut_tv` (2×i32: sec, usec), `ut_addr_v6` (4×i32), 20 unused bytes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use huoyan_core::Timestamp;
use serde::Serialize;

/// Size of one glibc record.
pub const RECORD_SIZE: usize = 384;

/// `ut_type` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UtmpType {
    /// 0: no valid entry (also what a zeroed record decodes to).
    Empty,
    /// 1: change in run level.
    RunLevel,
    /// 2: system boot.
    BootTime,
    /// 3: time after a clock change.
    NewTime,
    /// 4: time before a clock change.
    OldTime,
    /// 5: process spawned by init.
    InitProcess,
    /// 6: a getty waiting for a login.
    LoginProcess,
    /// 7: a user session.
    UserProcess,
    /// 8: a terminated process (logout).
    DeadProcess,
    /// 9: accounting (unused on Linux).
    Accounting,
    /// Any other value (corruption or tampering).
    Unknown(i16),
}

impl UtmpType {
    fn from_raw(v: i16) -> Self {
        match v {
            0 => UtmpType::Empty,
            1 => UtmpType::RunLevel,
            2 => UtmpType::BootTime,
            3 => UtmpType::NewTime,
            4 => UtmpType::OldTime,
            5 => UtmpType::InitProcess,
            6 => UtmpType::LoginProcess,
            7 => UtmpType::UserProcess,
            8 => UtmpType::DeadProcess,
            9 => UtmpType::Accounting,
            other => UtmpType::Unknown(other),
        }
    }
}

/// One decoded record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UtmpRecord {
    /// Byte offset of the record in the file.
    pub offset: u64,
    /// Record type.
    pub kind: UtmpType,
    /// Process id.
    pub pid: i32,
    /// Terminal (`pts/0`, `tty1`, `~` for boot/runlevel).
    pub line: String,
    /// inittab id / terminal suffix.
    pub id: String,
    /// User name (or `reboot`, `runlevel`, `LOGIN`).
    pub user: String,
    /// Remote host or kernel version for boot records.
    pub host: String,
    /// Session id.
    pub session: i32,
    /// Record time.
    pub time: Option<Timestamp>,
    /// Remote address, if recorded.
    pub addr: Option<IpAddr>,
    /// True when every byte of the record is zero (a classic sign of log wiping).
    pub all_zero: bool,
}

fn cstr(bytes: &[u8]) -> String {
    let end = memchr::memchr(0, bytes).unwrap_or(bytes.len());
    huoyan_core::text::bytes_to_string(&bytes[..end])
}

fn i16_at(b: &[u8], at: usize) -> i16 {
    i16::from_le_bytes([b[at], b[at + 1]])
}

fn i32_at(b: &[u8], at: usize) -> i32 {
    i32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn addr_from(raw: &[u8]) -> Option<IpAddr> {
    if raw.iter().all(|&b| b == 0) {
        return None;
    }
    if raw[4..].iter().all(|&b| b == 0) {
        return Some(IpAddr::V4(Ipv4Addr::new(raw[0], raw[1], raw[2], raw[3])));
    }
    let mut octets = [0u8; 16];
    octets.copy_from_slice(&raw[..16]);
    Some(IpAddr::V6(Ipv6Addr::from(octets)))
}

/// Decodes one 384-byte record (`rec.len()` must be [`RECORD_SIZE`]).
pub fn parse_record(rec: &[u8], offset: u64) -> Option<UtmpRecord> {
    if rec.len() != RECORD_SIZE {
        return None;
    }
    let all_zero = rec.iter().all(|&b| b == 0);
    let secs = i32_at(rec, 340);
    let usecs = i32_at(rec, 344);
    let time = if secs == 0 && usecs == 0 {
        None
    } else {
        huoyan_core::time::from_unix(i64::from(secs), i64::from(usecs.clamp(0, 999_999)) * 1000)
    };
    Some(UtmpRecord {
        offset,
        kind: UtmpType::from_raw(i16_at(rec, 0)),
        pid: i32_at(rec, 4),
        line: cstr(&rec[8..40]),
        id: cstr(&rec[40..44]),
        user: cstr(&rec[44..76]),
        host: cstr(&rec[76..332]),
        session: i32_at(rec, 336),
        time,
        addr: addr_from(&rec[348..364]),
        all_zero,
    })
}

/// Decodes a whole utmp/wtmp/btmp file. A trailing partial record is returned as the second
/// value (its offset and length) so callers can report it.
pub fn parse(data: &[u8]) -> (Vec<UtmpRecord>, Option<(u64, usize)>) {
    let mut out = Vec::with_capacity(data.len() / RECORD_SIZE);
    let mut chunks = data.chunks_exact(RECORD_SIZE);
    for (i, rec) in chunks.by_ref().enumerate() {
        if let Some(r) = parse_record(rec, (i * RECORD_SIZE) as u64) {
            out.push(r);
        }
    }
    let rest = chunks.remainder();
    let partial = if rest.is_empty() {
        None
    } else {
        Some(((data.len() - rest.len()) as u64, rest.len()))
    };
    (out, partial)
}

/// Encodes a record in the glibc layout (for tests and for writing fixtures).
pub fn encode_record(
    kind: i16,
    pid: i32,
    line: &str,
    user: &str,
    host: &str,
    secs: i32,
    addr: Option<Ipv4Addr>,
) -> [u8; RECORD_SIZE] {
    let mut rec = [0u8; RECORD_SIZE];
    rec[0..2].copy_from_slice(&kind.to_le_bytes());
    rec[4..8].copy_from_slice(&pid.to_le_bytes());
    let put = |rec: &mut [u8; RECORD_SIZE], at: usize, len: usize, s: &str| {
        let b = s.as_bytes();
        let n = b.len().min(len);
        rec[at..at + n].copy_from_slice(&b[..n]);
    };
    put(&mut rec, 8, 32, line);
    put(&mut rec, 40, 4, line.rsplit('/').next().unwrap_or(line));
    put(&mut rec, 44, 32, user);
    put(&mut rec, 76, 256, host);
    rec[340..344].copy_from_slice(&secs.to_le_bytes());
    if let Some(a) = addr {
        rec[348..352].copy_from_slice(&a.octets());
    }
    rec
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_partial() {
        let mut data = Vec::new();
        data.extend_from_slice(&encode_record(
            7,
            1234,
            "pts/0",
            "alice",
            "203.0.113.7",
            1_700_000_000,
            Some(Ipv4Addr::new(203, 0, 113, 7)),
        ));
        data.extend_from_slice(&[0u8; RECORD_SIZE]);
        data.extend_from_slice(&[1, 2, 3]);
        let (recs, partial) = parse(&data);
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].user, "alice");
        assert_eq!(recs[0].kind, UtmpType::UserProcess);
        assert_eq!(
            recs[0].addr,
            Some(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7)))
        );
        assert!(recs[1].all_zero);
        assert_eq!(partial, Some((768, 3)));
    }
}
