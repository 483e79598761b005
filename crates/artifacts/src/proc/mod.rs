//! Processes, read straight from the live kernel's `/proc/PID/*`.
//!
//! This is what `ps auxww` shows, without trusting `ps`: pid, parent, real and effective user,
//! state, absolute start time, command line, command name, executable (with the deleted/memfd
//! flag that marks fileless malware), working directory, terminal, memory, CPU time and the
//! environment keys used for library injection and history evasion. User names come from the
//! root's own `/etc/passwd` ([`crate::users::UserDb`]), never from NSS.
//!
//! Parsers for each file live in the submodules (pure functions over bytes); this module is the
//! reader that fetches the bytes through [`huoyan_core::ProcFs`] and records what it could not
//! read as [`huoyan_core::Gap`]s (another user's `environ` when unprivileged, a process that
//! exited mid-read).

pub mod args;
pub mod crossview;
pub mod fds;
pub mod kernel_stat;
pub mod link;
pub mod maps;
pub mod mountinfo;
pub mod session;
pub mod stat;
pub mod status;
pub mod tty;

use std::collections::BTreeMap;

use huoyan_core::{Gap, ProcFs, RootError, Timestamp};
use serde::Serialize;

use crate::users::UserDb;
pub use link::LinkTarget;

/// Boot time and tick rate: what turns `starttime` ticks into UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BootClock {
    /// Boot time in Unix seconds (`btime` of `/proc/stat`).
    pub btime: i64,
    /// Clock ticks per second (`sysconf(_SC_CLK_TCK)`, normally 100).
    pub ticks_per_second: u64,
}

impl BootClock {
    /// Reads `btime` from `/proc/stat` and the tick rate from the auxiliary vector.
    pub fn read(proc_fs: &ProcFs) -> Result<Self, Gap> {
        let data = proc_fs
            .read("stat")
            .map_err(|e| Gap::from_error("artifacts.proc", &e))?;
        let btime = kernel_stat::parse_btime(&data).map_err(|e| {
            Gap::new(
                "artifacts.proc",
                huoyan_core::GapReason::Malformed,
                e.to_string(),
            )
        })?;
        Ok(BootClock {
            btime,
            ticks_per_second: rustix::param::clock_ticks_per_second().max(1),
        })
    }

    /// The absolute time `ticks` clock ticks after boot.
    pub fn at_ticks(&self, ticks: u64) -> Option<Timestamp> {
        let hz = self.ticks_per_second.max(1);
        let secs = i64::try_from(ticks / hz).ok()?;
        let nanos = ((ticks % hz) * 1_000_000_000 / hz) as i64;
        huoyan_core::time::from_unix(self.btime.checked_add(secs)?, nanos)
    }

    /// Ticks as seconds.
    pub fn seconds(&self, ticks: u64) -> f64 {
        ticks as f64 / self.ticks_per_second.max(1) as f64
    }
}

/// One process as the kernel describes it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Process {
    /// Process id.
    pub pid: u32,
    /// Parent process id.
    pub ppid: u32,
    /// Command name (`comm`, at most 15 bytes, chosen by the process).
    pub comm: String,
    /// One-letter state (R running, S sleeping, D disk, Z zombie, T stopped, I idle …).
    pub state: char,
    /// Real uid.
    pub uid: u32,
    /// Effective uid (differs from `uid` after a setuid execution).
    pub euid: u32,
    /// Real gid.
    pub gid: u32,
    /// Effective gid.
    pub egid: u32,
    /// Name of the real uid in the root's /etc/passwd (`None` when the uid has no entry).
    pub user: Option<String>,
    /// Name of the effective uid.
    pub euser: Option<String>,
    /// Start time (UTC).
    pub start_time: Option<Timestamp>,
    /// Start time in clock ticks after boot (raw).
    pub start_ticks: u64,
    /// Argument vector (empty for kernel threads and zombies).
    pub cmdline: Vec<String>,
    /// The executable, as `/proc/PID/exe` names it.
    pub exe: Option<LinkTarget>,
    /// SHA-256 of the executable read through `/proc/PID/exe` (filled in by the caller, which
    /// shares hashes between processes running the same file).
    pub exe_sha256: Option<String>,
    /// Size of the executable in bytes.
    pub exe_size: Option<u64>,
    /// Working directory.
    pub cwd: Option<LinkTarget>,
    /// Root directory (differs from `/` in a chroot or container).
    pub root: Option<LinkTarget>,
    /// Controlling terminal (`pts/0`), if any.
    pub tty: Option<String>,
    /// Raw tty_nr.
    pub tty_nr: u32,
    /// Foreground process group of the terminal.
    pub tpgid: i32,
    /// Session id.
    pub session: i32,
    /// Process group.
    pub pgrp: i32,
    /// Resident memory in bytes.
    pub rss_bytes: u64,
    /// Virtual memory in bytes.
    pub vsize_bytes: u64,
    /// User + system CPU time in seconds.
    pub cpu_seconds: f64,
    /// Number of threads.
    pub threads: i64,
    /// Nice value.
    pub nice: i64,
    /// True for kernel threads.
    pub kernel_thread: bool,
    /// Selected environment keys ([`args::INTERESTING_ENV`]).
    pub env: BTreeMap<String, String>,
    /// Network namespace inode (`/proc/PID/ns/net`).
    pub net_ns: Option<u64>,
    /// Audit login uid (`/proc/PID/loginuid`): the user who logged in, kept across su/sudo.
    pub login_uid: Option<u32>,
    /// Name of the login uid in the root's /etc/passwd.
    pub login_user: Option<String>,
    /// Audit session id.
    pub session_id: Option<u32>,
    /// Main cgroup path (systemd unit or container).
    pub cgroup: Option<String>,
    /// Container id found in the cgroup path.
    pub container_id: Option<String>,
    /// True when the process exists but is missing from the /proc listing (a rootkit hides it;
    /// see [`crossview`]).
    pub hidden_from_listing: bool,
}

impl Process {
    /// The command line as one string (argv joined by spaces), or `[comm]` for kernel threads and
    /// processes with an empty argv, as `ps` prints them.
    pub fn command(&self) -> String {
        if self.cmdline.is_empty() {
            format!("[{}]", self.comm)
        } else {
            self.cmdline.join(" ")
        }
    }

    /// The user label: the name of the effective uid, or the number.
    pub fn user_label(&self) -> String {
        self.euser.clone().unwrap_or_else(|| self.euid.to_string())
    }
}

/// Parses a namespace link text such as `net:[4026531840]`.
pub fn parse_ns_link(text: &[u8]) -> Option<u64> {
    let open = memchr::memchr(b'[', text)?;
    let inner = text[open + 1..].strip_suffix(b"]")?;
    std::str::from_utf8(inner).ok()?.parse().ok()
}

fn area() -> &'static str {
    "artifacts.proc"
}

/// Reads one process. Fails only when its `stat` cannot be read (the process is gone, or /proc
/// refuses); everything else that cannot be read is returned as gaps.
pub fn read_process(
    proc_fs: &ProcFs,
    pid: u32,
    clock: Option<&BootClock>,
    users: &UserDb,
) -> Result<(Process, Vec<Gap>), RootError> {
    let mut gaps = Vec::new();
    let stat_raw = proc_fs.read(&format!("{pid}/stat"))?;
    let st = stat::parse(&stat_raw).map_err(|e| RootError::Io {
        path: format!("/proc/{pid}/stat"),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
    })?;
    let mut p = Process {
        pid,
        ppid: st.ppid,
        comm: huoyan_core::text::bytes_to_string(&st.comm),
        state: st.state,
        start_ticks: st.starttime,
        start_time: clock.and_then(|c| c.at_ticks(st.starttime)),
        tty: tty::name(st.tty_nr),
        tty_nr: st.tty_nr,
        tpgid: st.tpgid,
        session: st.session,
        pgrp: st.pgrp,
        vsize_bytes: st.vsize,
        rss_bytes: u64::try_from(st.rss_pages)
            .unwrap_or(0)
            .saturating_mul(page_size()),
        cpu_seconds: clock
            .map(|c| c.seconds(st.utime + st.stime))
            .unwrap_or_default(),
        threads: st.num_threads,
        nice: st.nice,
        kernel_thread: st.is_kernel_thread(),
        ..Process::default()
    };
    match proc_fs.read(&format!("{pid}/status")) {
        Ok(raw) => match status::parse(&raw) {
            Ok(s) => {
                p.uid = s.uids[0];
                p.euid = s.uids[1];
                p.gid = s.gids[0];
                p.egid = s.gids[1];
                if let Some(rss) = s.rss_bytes {
                    p.rss_bytes = rss;
                }
            }
            Err(e) => gaps.push(malformed(pid, "status", &e)),
        },
        Err(e) => gaps.push(Gap::from_error(area(), &e)),
    }
    p.user = users.user_name(p.uid).map(str::to_string);
    p.euser = users.user_name(p.euid).map(str::to_string);
    match proc_fs.read(&format!("{pid}/cmdline")) {
        Ok(raw) => p.cmdline = args::parse_cmdline(&raw),
        Err(e) => gaps.push(Gap::from_error(area(), &e)),
    }
    if !p.kernel_thread {
        match proc_fs.read(&format!("{pid}/environ")) {
            Ok(raw) => p.env = args::parse_environ(&raw, args::INTERESTING_ENV),
            Err(e) => gaps.push(Gap::from_error(area(), &e)),
        }
        for (name, slot) in [
            ("exe", &mut p.exe),
            ("cwd", &mut p.cwd),
            ("root", &mut p.root),
        ] {
            match proc_fs.read_link(&format!("{pid}/{name}")) {
                Ok(text) => *slot = Some(link::parse(&text)),
                // A zombie has no exe/cwd any more: not a gap.
                Err(e) if e.is_not_found() => {}
                Err(e) => gaps.push(Gap::from_error(area(), &e)),
            }
        }
    }
    // Absent on kernels without audit or cgroups: silently empty.
    if let Ok(c) = proc_fs.read_capped(&format!("{pid}/loginuid"), 32) {
        p.login_uid = session::parse_id(&c.data);
        p.login_user = p
            .login_uid
            .and_then(|u| users.user_name(u).map(str::to_string));
    }
    if let Ok(c) = proc_fs.read_capped(&format!("{pid}/sessionid"), 32) {
        p.session_id = session::parse_id(&c.data);
    }
    if let Ok(c) = proc_fs.read_capped(&format!("{pid}/cgroup"), 64 * 1024) {
        p.cgroup = session::main_path(&session::parse_cgroup(&c.data));
        p.container_id = p.cgroup.as_deref().and_then(session::container_id);
    }
    match proc_fs.read_link(&format!("{pid}/ns/net")) {
        Ok(text) => p.net_ns = parse_ns_link(&text),
        Err(e) if e.is_not_found() => {}
        Err(e) => gaps.push(Gap::from_error(area(), &e)),
    }
    Ok((p, gaps))
}

fn malformed(pid: u32, file: &str, e: &crate::ParseError) -> Gap {
    Gap {
        area: area().to_string(),
        path: Some(format!("/proc/{pid}/{file}")),
        reason: huoyan_core::GapReason::Malformed,
        detail: e.to_string(),
    }
}

/// The page size (for RSS in pages).
pub fn page_size() -> u64 {
    rustix::param::page_size() as u64
}

/// SHA-256 and size of a process's executable, read through `/proc/PID/exe` so that a deleted
/// binary is still hashed (use [`exe_identity`] to share one hash between processes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExeHash {
    /// Hex SHA-256.
    pub sha256: String,
    /// Bytes hashed.
    pub size: u64,
}

/// The (device, inode) identity of a process's executable, for sharing hashes.
pub fn exe_identity(proc_fs: &ProcFs, pid: u32) -> Result<(u64, u64), RootError> {
    let meta = proc_fs.stat_target(&format!("{pid}/exe"))?;
    Ok((meta.dev, meta.ino))
}

/// Hashes the executable of `pid` through the magic link.
pub fn hash_exe(proc_fs: &ProcFs, pid: u32) -> Result<ExeHash, RootError> {
    let rel = format!("{pid}/exe");
    let file = proc_fs.open_target(&rel)?;
    let (sha256, size) = huoyan_core::hash::sha256_reader(file).map_err(|e| RootError::Io {
        path: format!("/proc/{rel}"),
        source: e,
    })?;
    Ok(ExeHash { sha256, size })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_converts_ticks() {
        let c = BootClock {
            btime: 1_700_000_000,
            ticks_per_second: 100,
        };
        assert_eq!(
            c.at_ticks(250)
                .map(huoyan_core::time::format_utc)
                .as_deref(),
            Some("2023-11-14T22:13:22.500000Z")
        );
        assert_eq!(c.seconds(150), 1.5);
    }

    #[test]
    fn ns_link() {
        assert_eq!(parse_ns_link(b"net:[4026531833]"), Some(4_026_531_833));
        assert_eq!(parse_ns_link(b"net:[x]"), None);
        assert_eq!(parse_ns_link(b"net:[1"), None);
    }

    #[test]
    fn reads_own_process() {
        let Some(proc_fs) = ProcFs::live() else {
            return;
        };
        let clock = BootClock::read(&proc_fs).ok();
        let me = std::process::id();
        let (p, _gaps) =
            read_process(&proc_fs, me, clock.as_ref(), &UserDb::default()).expect("own process");
        assert_eq!(p.pid, me);
        assert!(p.start_time.is_some());
        assert!(matches!(
            p.exe,
            Some(LinkTarget::Path { deleted: false, .. })
        ));
        let h = hash_exe(&proc_fs, me).expect("hash");
        assert_eq!(h.sha256.len(), 64);
    }
}
