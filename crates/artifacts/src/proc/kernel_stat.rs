//! `/proc/stat`: system-wide counters; huoyan needs `btime`, the boot time in Unix seconds.
//!
//! Process start times in `/proc/PID/stat` are clock ticks after boot; adding them to `btime`
//! gives the absolute UTC start time a timeline needs ("the miner started at 03:12:07 UTC").

use crate::ParseError;

/// Boot time (Unix seconds) from the `btime` line of `/proc/stat`.
pub fn parse_btime(data: &[u8]) -> Result<i64, ParseError> {
    for line in data.split(|&b| b == b'\n') {
        if let Some(rest) = line.strip_prefix(b"btime ") {
            return std::str::from_utf8(rest)
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .ok_or_else(|| ParseError::malformed("/proc/stat", "btime is not a number"));
        }
    }
    Err(ParseError::malformed("/proc/stat", "no btime line"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_btime() {
        let data =
            b"cpu  1 2 3 4\ncpu0 1 2 3 4\nintr 5\nctxt 9\nbtime 1795903940\nprocesses 14000\n";
        assert_eq!(parse_btime(data), Ok(1_795_903_940));
        assert!(parse_btime(&data[..30]).is_err());
        assert!(parse_btime(b"btime x\n").is_err());
        assert!(parse_btime(b"\xff\xfe\x00").is_err());
    }
}
