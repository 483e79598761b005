//! `/proc/PID/stat`: the kernel's one-line summary of a process.
//!
//! Lives at `/proc/PID/stat` (live only). The responder needs it for the parent pid, state,
//! controlling terminal, CPU time, start time (in clock ticks after boot) and memory: the columns
//! `ps auxww` shows, without trusting `ps`. The second field, `comm`, is chosen by the process
//! (it can contain spaces, parentheses and newlines), so the parser splits at the LAST `)`.

use crate::ParseError;

/// The fields of `/proc/PID/stat` huoyan uses (see proc_pid_stat(5) for numbering).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stat {
    /// Field 1: process id.
    pub pid: u32,
    /// Field 2: the command name without parentheses (at most 15 bytes, attacker-chosen).
    pub comm: Vec<u8>,
    /// Field 3: one-letter state (R, S, D, Z, T, t, X, I …).
    pub state: char,
    /// Field 4: parent pid.
    pub ppid: u32,
    /// Field 5: process group.
    pub pgrp: i32,
    /// Field 6: session id.
    pub session: i32,
    /// Field 7: controlling terminal (encoded device number, 0 when none).
    pub tty_nr: u32,
    /// Field 8: foreground process group of the terminal (-1 when none).
    pub tpgid: i32,
    /// Field 9: kernel flags (PF_KTHREAD = 0x0020_0000 marks kernel threads).
    pub flags: u32,
    /// Field 14: user-mode CPU time in clock ticks.
    pub utime: u64,
    /// Field 15: kernel-mode CPU time in clock ticks.
    pub stime: u64,
    /// Field 19: nice value.
    pub nice: i64,
    /// Field 20: number of threads.
    pub num_threads: i64,
    /// Field 22: start time in clock ticks after boot.
    pub starttime: u64,
    /// Field 23: virtual memory size in bytes.
    pub vsize: u64,
    /// Field 24: resident set size in pages.
    pub rss_pages: i64,
}

/// `PF_KTHREAD`: the process is a kernel thread.
pub const PF_KTHREAD: u32 = 0x0020_0000;

impl Stat {
    /// True for kernel threads (no user space, no exe, no cmdline).
    pub fn is_kernel_thread(&self) -> bool {
        self.flags & PF_KTHREAD != 0
    }
}

const WHAT: &str = "/proc/PID/stat";

/// Parses the contents of `/proc/PID/stat`.
pub fn parse(data: &[u8]) -> Result<Stat, ParseError> {
    let open = memchr::memchr(b'(', data)
        .ok_or_else(|| ParseError::malformed(WHAT, "no '(' before the command name"))?;
    let close = memchr::memrchr(b')', data)
        .filter(|&c| c > open)
        .ok_or_else(|| ParseError::malformed(WHAT, "no ')' after the command name"))?;
    let pid = std::str::from_utf8(&data[..open])
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
        .ok_or_else(|| ParseError::malformed(WHAT, "pid is not a number"))?;
    let comm = data[open + 1..close].to_vec();
    let rest = std::str::from_utf8(&data[close + 1..])
        .map_err(|_| ParseError::malformed(WHAT, "fields after the name are not text"))?;
    // fields[0] is field 3 (state).
    let fields: Vec<&str> = rest.split_ascii_whitespace().collect();
    if fields.len() < 22 {
        return Err(ParseError::Truncated {
            what: WHAT,
            need: 24,
            have: fields.len() + 2,
        });
    }
    let field = |n: usize| fields[n - 3];
    fn num<T: std::str::FromStr>(s: &str, name: &'static str) -> Result<T, ParseError> {
        s.parse()
            .map_err(|_| ParseError::malformed(WHAT, format!("{name} {s:?} is not a number")))
    }
    let state = field(3)
        .chars()
        .next()
        .ok_or_else(|| ParseError::malformed(WHAT, "empty state"))?;
    Ok(Stat {
        pid,
        comm,
        state,
        ppid: num(field(4), "ppid")?,
        pgrp: num(field(5), "pgrp")?,
        session: num(field(6), "session")?,
        tty_nr: num::<i64>(field(7), "tty_nr")? as u32,
        tpgid: num(field(8), "tpgid")?,
        flags: num(field(9), "flags")?,
        utime: num(field(14), "utime")?,
        stime: num(field(15), "stime")?,
        nice: num(field(19), "nice")?,
        num_threads: num(field(20), "num_threads")?,
        starttime: num(field(22), "starttime")?,
        vsize: num(field(23), "vsize")?,
        rss_pages: num(field(24), "rss")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[u8] = b"14409 (cat) R 14406 14406 6171 34816 14409 4194304 99 0 0 0 7 3 0 0 20 0 1 0 56218 3133440 360 18446744073709551615 94680018702336 94680018722217 140722071908336 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 94680018738224 94680018739840 94680640020480 140722071915038 140722071915058 140722071915058 140722071916523 0\n";

    #[test]
    fn parses_real_line() {
        let s = parse(SAMPLE).expect("stat");
        assert_eq!(s.pid, 14409);
        assert_eq!(s.comm, b"cat");
        assert_eq!(s.state, 'R');
        assert_eq!(s.ppid, 14406);
        assert_eq!(s.tty_nr, 34816);
        assert_eq!(s.utime, 7);
        assert_eq!(s.stime, 3);
        assert_eq!(s.starttime, 56218);
        assert_eq!(s.vsize, 3133440);
        assert_eq!(s.rss_pages, 360);
        assert!(!s.is_kernel_thread());
    }

    #[test]
    fn hostile_comm_with_parens_and_newline() {
        let line = b"77 (a) R 1 (\n) S 1 77 77 0 -1 2097216 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
        let s = parse(line).expect("stat");
        assert_eq!(s.comm, b"a) R 1 (\n");
        assert_eq!(s.state, 'S');
        assert!(s.is_kernel_thread());
    }

    #[test]
    fn truncated_and_garbage_are_errors() {
        assert!(parse(&SAMPLE[..40]).is_err());
        assert!(parse(b"").is_err());
        assert!(parse(b"\xff\xfe garbage ) ( ").is_err());
        assert!(parse(b"1 (x) R a b c d e f g h i j k l m n o p q r s t u v w").is_err());
    }
}
