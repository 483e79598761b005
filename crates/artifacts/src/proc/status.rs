//! `/proc/PID/status`: ids and memory of a process in `Key:\tvalue` form.
//!
//! Lives at `/proc/PID/status` (live only). It is where the real, effective, saved and
//! filesystem uids and gids are (a setuid escalation shows as ruid ≠ euid), the thread group id
//! (a thread id answers like a pid but has Tgid ≠ Pid), the parent and the resident memory.

use crate::ParseError;

/// The fields of `/proc/PID/status` huoyan uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// `Name`: command name (escaped by the kernel: `\n` is written as the two bytes `\` `n`).
    pub name: Vec<u8>,
    /// `Tgid`: thread group id (the pid of the process a thread belongs to).
    pub tgid: Option<u32>,
    /// `Pid`.
    pub pid: Option<u32>,
    /// `PPid`.
    pub ppid: Option<u32>,
    /// `Uid`: real, effective, saved, filesystem.
    pub uids: [u32; 4],
    /// `Gid`: real, effective, saved, filesystem.
    pub gids: [u32; 4],
    /// `VmRSS` in bytes, when present (absent for kernel threads).
    pub rss_bytes: Option<u64>,
    /// `Threads`.
    pub threads: Option<u64>,
}

const WHAT: &str = "/proc/PID/status";

fn ids(value: &str, key: &str) -> Result<[u32; 4], ParseError> {
    let mut out = [0u32; 4];
    let mut n = 0;
    for (slot, part) in out.iter_mut().zip(value.split_ascii_whitespace()) {
        *slot = part
            .parse()
            .map_err(|_| ParseError::malformed(WHAT, format!("{key} {part:?} is not a number")))?;
        n += 1;
    }
    if n != 4 {
        return Err(ParseError::malformed(
            WHAT,
            format!("{key} has {n} ids, not 4"),
        ));
    }
    Ok(out)
}

/// Parses the contents of `/proc/PID/status`. `Uid` and `Gid` are required.
pub fn parse(data: &[u8]) -> Result<Status, ParseError> {
    let mut st = Status::default();
    let (mut have_uid, mut have_gid) = (false, false);
    for line in data.split(|&b| b == b'\n') {
        let Some(colon) = memchr::memchr(b':', line) else {
            continue;
        };
        let key = &line[..colon];
        let raw_value = &line[colon + 1..];
        if key == b"Name" {
            let v = raw_value.strip_prefix(b"\t").unwrap_or(raw_value);
            st.name = v.to_vec();
            continue;
        }
        let Ok(value) = std::str::from_utf8(raw_value) else {
            continue;
        };
        let value = value.trim();
        let num = |v: &str| v.parse::<u32>().ok();
        match key {
            b"Tgid" => st.tgid = num(value),
            b"Pid" => st.pid = num(value),
            b"PPid" => st.ppid = num(value),
            b"Uid" => {
                st.uids = ids(value, "Uid")?;
                have_uid = true;
            }
            b"Gid" => {
                st.gids = ids(value, "Gid")?;
                have_gid = true;
            }
            b"VmRSS" => {
                st.rss_bytes = value
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .map(|kb| kb.saturating_mul(1024))
            }
            b"Threads" => st.threads = value.parse().ok(),
            _ => {}
        }
    }
    if !have_uid || !have_gid {
        return Err(ParseError::malformed(WHAT, "no Uid/Gid lines"));
    }
    Ok(st)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[u8] = b"Name:\tbash\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t6171\nNgid:\t0\nPid:\t6171\nPPid:\t1\nTracerPid:\t0\nUid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\nFDSize:\t256\nGroups:\t \nVmPeak:\t    8976 kB\nVmRSS:\t    5120 kB\nThreads:\t1\n";

    #[test]
    fn parses_real_status() {
        let s = parse(SAMPLE).expect("status");
        assert_eq!(s.name, b"bash");
        assert_eq!(s.tgid, Some(6171));
        assert_eq!(s.ppid, Some(1));
        assert_eq!(s.uids, [1000, 0, 0, 0]);
        assert_eq!(s.gids, [1000; 4]);
        assert_eq!(s.rss_bytes, Some(5120 * 1024));
        assert_eq!(s.threads, Some(1));
    }

    #[test]
    fn truncated_and_garbage_are_errors() {
        assert!(parse(&SAMPLE[..60]).is_err());
        assert!(parse(b"").is_err());
        assert!(parse(b"\x00\xff\xfe:::\n\n").is_err());
        assert!(parse(b"Uid:\t1 2\nGid:\t1 2 3 4\n").is_err());
        assert!(parse(b"Uid:\tx y z w\nGid:\t1 2 3 4\n").is_err());
    }
}
