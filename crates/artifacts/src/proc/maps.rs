//! `/proc/PID/maps`: the files a process has mapped into memory (executable, libraries, data).
//!
//! `lsof` lists these as `mem` (or `DEL` when the file was deleted). A library mapped from a
//! deleted file or a memfd, or from `/tmp` or `/dev/shm`, is how injected code (an LD_PRELOAD
//! rootkit that removed itself, a reflective loader) shows up in a process that looks normal.
//! Each distinct file is reported once per process, with its inode and device.

use serde::Serialize;

use crate::ParseError;

/// One distinct file mapped by a process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MappedFile {
    /// Path as the kernel prints it, without the ` (deleted)` suffix.
    pub path: String,
    /// Inode (from the maps line).
    pub inode: u64,
    /// Device, `major:minor` in hex as printed.
    pub dev: String,
    /// True when the file was unlinked (or is a memfd).
    pub deleted: bool,
    /// True for memfd (anonymous, memory-only) files.
    pub memfd: bool,
    /// True when at least one mapping of it is executable.
    pub executable: bool,
}

fn text(b: &[u8]) -> Option<&str> {
    std::str::from_utf8(b).ok()
}

/// Parses `/proc/PID/maps`, keeping file-backed mappings (inode ≠ 0 and an absolute path) once
/// per (device, inode, path), in first-seen order.
pub fn parse(data: &[u8]) -> Result<Vec<MappedFile>, ParseError> {
    let what = "/proc/PID/maps";
    let mut out: Vec<MappedFile> = Vec::new();
    for line in data.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        // Five space-separated columns, then padding and the path (which may hold spaces).
        let mut rest = line;
        let mut cols: Vec<&[u8]> = Vec::with_capacity(5);
        while cols.len() < 5 {
            let start = rest.iter().take_while(|&&b| b == b' ').count();
            rest = &rest[start..];
            let end = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
            if end == 0 {
                break;
            }
            cols.push(&rest[..end]);
            rest = &rest[end..];
        }
        if cols.len() < 5 {
            return Err(ParseError::Truncated {
                what,
                need: 5,
                have: cols.len(),
            });
        }
        let range = text(cols[0]).filter(|r| r.contains('-'));
        let perms = text(cols[1]).filter(|p| p.len() == 4);
        let (Some(_), Some(perms)) = (range, perms) else {
            return Err(ParseError::malformed(
                what,
                "bad address range or permissions",
            ));
        };
        let inode: u64 = text(cols[4])
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| ParseError::malformed(what, "inode is not a number"))?;
        let path_raw = {
            let start = rest.iter().take_while(|&&b| b == b' ').count();
            &rest[start..]
        };
        if inode == 0 || !path_raw.starts_with(b"/") {
            continue;
        }
        let (path_bytes, deleted) = match path_raw.strip_suffix(b" (deleted)") {
            Some(p) => (p, true),
            None => (path_raw, false),
        };
        let path = huoyan_core::text::bytes_to_string(path_bytes);
        let dev = text(cols[3]).unwrap_or("?").to_string();
        let executable = perms.as_bytes()[2] == b'x';
        if let Some(seen) = out
            .iter_mut()
            .find(|m| m.inode == inode && m.dev == dev && m.path == path)
        {
            seen.executable |= executable;
            continue;
        }
        let memfd = path.starts_with("/memfd:");
        out.push(MappedFile {
            path,
            inode,
            dev,
            deleted: deleted || memfd,
            memfd,
            executable,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[u8] =
        b"55ab87ffb000-55ab87ffd000 r--p 00000000 fe:00 247282                     /usr/bin/head\n\
55ab87ffd000-55ab88003000 r-xp 00002000 fe:00 247282                     /usr/bin/head\n\
7f0000000000-7f0000001000 r-xp 00000000 00:01 4242                       /dev/shm/.x.so (deleted)\n\
7f0000002000-7f0000003000 rw-p 00000000 00:00 0                          [heap]\n\
7f0000004000-7f0000005000 r-xp 00000000 00:01 77                         /memfd:payload (deleted)\n\
7f0000006000-7f0000007000 r--p 00000000 fe:00 99                         /opt/my app/lib.so\n";

    #[test]
    fn keeps_distinct_files_with_flags() {
        let v = parse(SAMPLE).expect("maps");
        assert_eq!(v.len(), 4);
        assert_eq!(v[0].path, "/usr/bin/head");
        assert!(v[0].executable);
        assert!(v[1].deleted && !v[1].memfd);
        assert_eq!(v[1].path, "/dev/shm/.x.so");
        assert!(v[2].memfd && v[2].deleted);
        assert_eq!(v[3].path, "/opt/my app/lib.so");
        assert!(!v[3].executable);
    }

    #[test]
    fn truncated_and_garbage_are_errors() {
        assert!(parse(&SAMPLE[..30]).is_err());
        assert!(parse(b"\xff\xfe\x00 a b c d").is_err());
        assert!(parse(b"0-1 r-xp 0 fe:00 notanumber /x\n").is_err());
        assert!(parse(b"garbage\n").is_err());
        assert_eq!(parse(b""), Ok(Vec::new()));
    }
}
