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
//!
//! The 64-bit-time variant (some 64-bit ABIs without glibc's 32-bit compatibility, e.g. aarch64
//! builds seen in the wild) is 400 bytes: `ut_session` i64 at 336, `ut_tv` as 2×i64 at 344,
//! `ut_addr_v6` at 360. [`parse`] recognises which layout a file uses ([`detect_layout`]).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use huoyan_core::Timestamp;
use serde::Serialize;

/// Size of one glibc record.
pub const RECORD_SIZE: usize = 384;

/// Size of one record of the 64-bit-time variant.
pub const RECORD_SIZE_64: usize = 400;

/// The two on-disk layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// glibc x86-64, 384 bytes, 32-bit times.
    Glibc384,
    /// 400 bytes, 64-bit times.
    Time64,
}

impl Layout {
    /// Bytes per record.
    pub fn record_size(self) -> usize {
        match self {
            Layout::Glibc384 => RECORD_SIZE,
            Layout::Time64 => RECORD_SIZE_64,
        }
    }
}

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

fn i64_at(b: &[u8], at: usize) -> i64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    i64::from_le_bytes(x)
}

/// Decodes one 384-byte record (`rec.len()` must be [`RECORD_SIZE`]).
pub fn parse_record(rec: &[u8], offset: u64) -> Option<UtmpRecord> {
    parse_record_as(rec, offset, Layout::Glibc384)
}

/// Decodes one record of the given layout (`rec.len()` must be its record size).
pub fn parse_record_as(rec: &[u8], offset: u64, layout: Layout) -> Option<UtmpRecord> {
    if rec.len() != layout.record_size() {
        return None;
    }
    let all_zero = rec.iter().all(|&b| b == 0);
    let (secs, usecs, session, addr_at) = match layout {
        Layout::Glibc384 => (
            i64::from(i32_at(rec, 340)),
            i64::from(i32_at(rec, 344)),
            i32_at(rec, 336),
            348,
        ),
        Layout::Time64 => (
            i64_at(rec, 344),
            i64_at(rec, 352),
            i32::try_from(i64_at(rec, 336)).unwrap_or(-1),
            360,
        ),
    };
    let time = if secs == 0 && usecs == 0 {
        None
    } else {
        huoyan_core::time::from_unix(secs, usecs.clamp(0, 999_999) * 1000)
    };
    Some(UtmpRecord {
        offset,
        kind: UtmpType::from_raw(i16_at(rec, 0)),
        pid: i32_at(rec, 4),
        line: cstr(&rec[8..40]),
        id: cstr(&rec[40..44]),
        user: cstr(&rec[44..76]),
        host: cstr(&rec[76..332]),
        session,
        time,
        addr: addr_from(&rec[addr_at..addr_at + 16]),
        all_zero,
    })
}

/// How plausible the records of `data` look in `layout`: +1 per record with a known type and
/// a time between 1990 and 2100 (or none), −1 otherwise (at most the first 64 records).
fn plausibility(data: &[u8], layout: Layout) -> i64 {
    let size = layout.record_size();
    let mut score = 0;
    for (i, rec) in data.chunks_exact(size).take(64).enumerate() {
        let Some(r) = parse_record_as(rec, (i * size) as u64, layout) else {
            continue;
        };
        let type_ok = !matches!(r.kind, UtmpType::Unknown(_));
        let time_ok = r.time.is_none_or(|t| {
            let s = t.as_second();
            (631_152_000..4_102_444_800).contains(&s)
        });
        let (secs_hi, pid_ok) = match layout {
            Layout::Glibc384 => (0, r.pid >= 0),
            Layout::Time64 => (i32_at(rec, 348), r.pid >= 0),
        };
        score += if type_ok && time_ok && pid_ok && secs_hi == 0 {
            1
        } else {
            -1
        };
    }
    score
}

/// Which layout a file uses: the one whose size divides the file and whose records look
/// plausible; glibc's when undecidable.
pub fn detect_layout(data: &[u8]) -> Layout {
    let fits32 = data.len().is_multiple_of(RECORD_SIZE);
    let fits64 = data.len().is_multiple_of(RECORD_SIZE_64);
    match (fits32, fits64) {
        (false, true) => Layout::Time64,
        (true, false) => Layout::Glibc384,
        _ => {
            if plausibility(data, Layout::Time64) > plausibility(data, Layout::Glibc384) {
                Layout::Time64
            } else {
                Layout::Glibc384
            }
        }
    }
}

/// Decodes a whole utmp/wtmp/btmp file, recognising its layout. A trailing partial record is
/// returned as the second value (its offset and length) so callers can report it.
pub fn parse(data: &[u8]) -> (Vec<UtmpRecord>, Option<(u64, usize)>) {
    parse_as(data, detect_layout(data))
}

/// Decodes a whole file in the given layout.
pub fn parse_as(data: &[u8], layout: Layout) -> (Vec<UtmpRecord>, Option<(u64, usize)>) {
    let size = layout.record_size();
    let mut out = Vec::with_capacity(data.len() / size);
    let mut chunks = data.chunks_exact(size);
    for (i, rec) in chunks.by_ref().enumerate() {
        if let Some(r) = parse_record_as(rec, (i * size) as u64, layout) {
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

/// Renders a record as util-linux `utmpdump` prints it (for comparing with its output).
pub fn utmpdump_line(r: &UtmpRecord) -> String {
    let kind = match r.kind {
        UtmpType::Empty => 0,
        UtmpType::RunLevel => 1,
        UtmpType::BootTime => 2,
        UtmpType::NewTime => 3,
        UtmpType::OldTime => 4,
        UtmpType::InitProcess => 5,
        UtmpType::LoginProcess => 6,
        UtmpType::UserProcess => 7,
        UtmpType::DeadProcess => 8,
        UtmpType::Accounting => 9,
        UtmpType::Unknown(v) => i32::from(v),
    };
    let addr = r
        .addr
        .map(|a| a.to_string())
        .unwrap_or_else(|| "0.0.0.0".into());
    let t = r.time.unwrap_or(Timestamp::UNIX_EPOCH);
    format!(
        "[{kind}] [{:05}] [{:<4}] [{:<8}] [{:<12}] [{:<20}] [{:<15}] [{}]",
        r.pid,
        r.id,
        r.user,
        r.line,
        r.host,
        addr,
        t.strftime("%Y-%m-%dT%H:%M:%S,%6f+00:00")
    )
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
