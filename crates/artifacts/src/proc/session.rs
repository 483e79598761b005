//! Who and where a process really belongs to: `/proc/PID/loginuid`, `/proc/PID/sessionid` and
//! `/proc/PID/cgroup`.
//!
//! The audit login uid is set once at login (pam_loginuid) and survives `su`, `sudo` and setuid:
//! a root shell whose loginuid is `www-data`'s or an unknown user's tells the responder who
//! actually started it. The cgroup path names the systemd unit or the container (docker,
//! containerd, podman, kubepods) a process runs in, so a miner inside a container is not
//! mistaken for a host process.

use serde::Serialize;

/// The "unset" value of loginuid and sessionid (`(u32)-1`).
pub const UNSET: u32 = u32::MAX;

/// Parses `/proc/PID/loginuid` or `/proc/PID/sessionid`: a decimal number, `None` when unset or
/// malformed.
pub fn parse_id(data: &[u8]) -> Option<u32> {
    std::str::from_utf8(data)
        .ok()?
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|&v| v != UNSET)
}

/// One line of `/proc/PID/cgroup`: `HIERARCHY:CONTROLLERS:PATH`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CgroupLine {
    /// Hierarchy id (0 for the unified v2 hierarchy).
    pub hierarchy: u32,
    /// Controllers (empty for v2).
    pub controllers: String,
    /// Path inside the hierarchy.
    pub path: String,
}

/// Parses `/proc/PID/cgroup`; malformed lines are skipped (the file is kernel-written).
pub fn parse_cgroup(data: &[u8]) -> Vec<CgroupLine> {
    data.split(|&b| b == b'\n')
        .filter_map(|line| {
            let line = huoyan_core::text::bytes_to_string(line);
            let mut parts = line.splitn(3, ':');
            let hierarchy = parts.next()?.parse().ok()?;
            let controllers = parts.next()?.to_string();
            let path = parts.next()?.to_string();
            Some(CgroupLine {
                hierarchy,
                controllers,
                path,
            })
        })
        .collect()
}

/// The most telling cgroup path: the unified (v2) one unless it is `/`, else the first v1 path
/// that is not `/`. `None` when the process sits in the root cgroup everywhere.
pub fn main_path(lines: &[CgroupLine]) -> Option<String> {
    lines
        .iter()
        .find(|l| l.hierarchy == 0 && l.path != "/")
        .or_else(|| lines.iter().find(|l| l.path != "/" && !l.path.is_empty()))
        .map(|l| l.path.clone())
}

/// A container id in a cgroup path: the last run of 64 hex digits (docker, containerd, cri-o,
/// podman and kubepods all embed one).
pub fn container_id(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut best = None;
    let mut run_start = None;
    for (i, b) in bytes.iter().chain(std::iter::once(&b'/')).enumerate() {
        if b.is_ascii_hexdigit() && !b.is_ascii_uppercase() {
            run_start.get_or_insert(i);
        } else if let Some(start) = run_start.take() {
            if i - start == 64 {
                best = Some(path[start..i].to_string());
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert_eq!(parse_id(b"1000\n"), Some(1000));
        assert_eq!(parse_id(b"4294967295"), None);
        assert_eq!(parse_id(b""), None);
        assert_eq!(parse_id(b"\xffx"), None);
        assert_eq!(parse_id(b"-1"), None);
    }

    #[test]
    fn cgroups_and_containers() {
        let id = "3f1c9a7e0b2d4c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60";
        let data = format!(
            "12:pids:/\n4:memory:/process_api/c743e0\n0::/system.slice/docker-{id}.scope\ngarbage\n"
        );
        let lines = parse_cgroup(data.as_bytes());
        assert_eq!(lines.len(), 3);
        let main = main_path(&lines).expect("path");
        assert!(main.starts_with("/system.slice/docker-"));
        assert_eq!(container_id(&main).as_deref(), Some(id));
        assert_eq!(container_id("/user.slice/user-1000.slice"), None);
        assert_eq!(main_path(&parse_cgroup(b"0::/\n1:cpu:/\n")), None);
        assert!(parse_cgroup(b"\xff\xfe:\n:::").is_empty());
        // Truncated line: the path part is cut, the rest still parses.
        assert_eq!(parse_cgroup(b"0::/system.sl")[0].path, "/system.sl");
    }
}
