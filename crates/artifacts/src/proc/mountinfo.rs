//! `/proc/self/mountinfo`: what is mounted where, in the reader's mount namespace.
//!
//! A responder needs the mount table to know which filesystems were examined (and which were
//! not: network mounts, tmpfs that vanish at reboot), and because mounts are a hiding tool: an
//! empty directory bind-mounted over `/proc/PID` hides a process from `ps`, one mounted over a
//! directory hides the attacker's files under it. Fields: mount id, parent id, major:minor,
//! root, mount point, options, optional fields, `-`, filesystem type, source, super options.
//! Paths escape space, tab, newline and backslash as `\040`-style octal.

use serde::Serialize;

use crate::ParseError;

/// One mount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mount {
    /// Mount id.
    pub id: u32,
    /// Parent mount id.
    pub parent_id: u32,
    /// Device `major:minor`.
    pub device: String,
    /// Root of the mount inside its filesystem (not `/` for bind mounts of a subdirectory).
    pub root: String,
    /// Where it is mounted.
    pub mount_point: String,
    /// Per-mount options (`rw,nosuid,relatime`).
    pub options: String,
    /// Filesystem type.
    pub fs_type: String,
    /// Source (device, server:/export, or a name).
    pub source: String,
}

impl Mount {
    /// The pid whose `/proc/PID` directory this mount covers, if it does (a process-hiding trick).
    pub fn covers_proc_pid(&self) -> Option<u32> {
        let rest = self.mount_point.strip_prefix("/proc/")?;
        if rest.contains('/') {
            return None;
        }
        rest.parse().ok()
    }
}

/// Decodes the kernel's octal escapes (`\040` → space).
fn unescape(field: &str) -> String {
    let b = field.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let octal = b
            .get(i + 1..i + 4)
            .filter(|d| b[i] == b'\\' && d.iter().all(|c| (b'0'..=b'7').contains(c)))
            .map(|d| d.iter().fold(0u32, |acc, c| acc * 8 + u32::from(c - b'0')))
            .and_then(|v| u8::try_from(v).ok());
        match octal {
            Some(v) => {
                out.push(v);
                i += 4;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    huoyan_core::text::bytes_to_string(&out)
}

/// Parses `/proc/PID/mountinfo`.
pub fn parse(data: &[u8]) -> Result<Vec<Mount>, ParseError> {
    let what = "/proc/self/mountinfo";
    let text = std::str::from_utf8(data).map_err(|_| ParseError::malformed(what, "not text"))?;
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(' ').collect();
        let sep = f
            .iter()
            .position(|x| *x == "-")
            .filter(|&i| i >= 6)
            .ok_or_else(|| ParseError::malformed(what, "no '-' separator after six fields"))?;
        if f.len() < sep + 3 {
            return Err(ParseError::Truncated {
                what,
                need: sep + 3,
                have: f.len(),
            });
        }
        let num = |s: &str, name: &str| {
            s.parse::<u32>()
                .map_err(|_| ParseError::malformed(what, format!("{name} {s:?} is not a number")))
        };
        out.push(Mount {
            id: num(f[0], "mount id")?,
            parent_id: num(f[1], "parent id")?,
            device: f[2].to_string(),
            root: unescape(f[3]),
            mount_point: unescape(f[4]),
            options: f[5].to_string(),
            fs_type: unescape(f[sep + 1]),
            source: unescape(f[sep + 2]),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[u8] = b"22 27 0:21 / /proc rw,relatime - proc proc rw\n\
27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n\
88 22 254:0 /tmp/empty /proc/4242 rw,relatime - ext4 /dev/vda rw\n\
90 27 0:50 / /mnt/my\\040share rw master:3 - nfs4 server:/export rw,vers=4.2\n";

    #[test]
    fn parses_real_lines() {
        let v = parse(SAMPLE).expect("mountinfo");
        assert_eq!(v.len(), 4);
        assert_eq!(v[1].fs_type, "ext4");
        assert_eq!(v[2].covers_proc_pid(), Some(4242));
        assert_eq!(v[2].root, "/tmp/empty");
        assert_eq!(v[3].mount_point, "/mnt/my share");
        assert_eq!(v[3].source, "server:/export");
        assert_eq!(v[0].covers_proc_pid(), None);
    }

    #[test]
    fn truncated_and_garbage_are_errors() {
        assert!(parse(&SAMPLE[..30]).is_err());
        assert!(parse(b"\xff").is_err());
        assert!(parse(b"a b c d e f - x y z\n").is_err());
        assert!(parse(b"1 2 3 4 5 6 -\n").is_err());
        assert_eq!(parse(b""), Ok(Vec::new()));
        assert_eq!(unescape("a\\04"), "a\\04");
        assert_eq!(unescape("a\\777b"), "a\\777b");
        assert_eq!(unescape("tab\\011x"), "tab\tx");
    }
}
