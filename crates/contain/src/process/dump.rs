//! `process dump`: keep a malicious process's memory and context before it is killed.
//!
//! Fileless malware, decrypted payloads, C2 addresses and injected code often exist only in a
//! process's memory; killing it first destroys them. This writes, under the directory the
//! responder names:
//!
//! - `maps`, `cmdline`, `environ`, `status`, `stat` — copies of `/proc/PID/…`;
//! - `fds.txt` — every open descriptor and what it points at (files, sockets, pipes);
//! - `exe` — the executable read through `/proc/PID/exe` (works when the file was deleted);
//! - `memory/START-END_PERMS.bin` — every readable region of `/proc/PID/mem`, read with `pread`
//!   at the region's address, in 1 MiB blocks (an unreadable block ends the region, recorded);
//! - `manifest.json` — the process identity (pid + start time), every file with its size and
//!   SHA-256, every region with its outcome.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use huoyan_core::ProcFs;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{ContainError, Result};

/// Bytes per `pread` of process memory.
const BLOCK: usize = 1024 * 1024;

/// One line of `/proc/PID/maps`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapRegion {
    /// First address.
    pub start: u64,
    /// One past the last address.
    pub end: u64,
    /// `r-xp` etc.
    pub perms: String,
    /// Mapped file or `[heap]`, `[stack]` … (attacker-chosen text).
    pub pathname: String,
}

/// Parses `/proc/PID/maps`; malformed lines are skipped.
pub fn parse_maps(data: &[u8]) -> Vec<MapRegion> {
    let text = String::from_utf8_lossy(data);
    text.lines()
        .filter_map(|line| {
            let mut f = line.splitn(6, ' ');
            let range = f.next()?;
            let perms = f.next()?.to_string();
            let (_offset, _dev, _inode) = (f.next()?, f.next()?, f.next()?);
            let pathname = f.next().unwrap_or("").trim().to_string();
            let (s, e) = range.split_once('-')?;
            let start = u64::from_str_radix(s, 16).ok()?;
            let end = u64::from_str_radix(e, 16).ok()?;
            (end > start && perms.len() == 4).then_some(MapRegion {
                start,
                end,
                perms,
                pathname,
            })
        })
        .collect()
}

/// A file of the dump with its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DumpFile {
    /// Path relative to the dump directory.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: String,
}

/// The outcome for one memory region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionDump {
    /// The region.
    #[serde(flatten)]
    pub region: MapRegion,
    /// The file it was written to (None when not readable at all).
    pub file: Option<String>,
    /// Bytes captured.
    pub captured: u64,
    /// Why it is incomplete.
    pub error: Option<String>,
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DumpManifest {
    /// Process id.
    pub pid: u32,
    /// Start time in clock ticks since boot (with the pid, identifies the process).
    pub starttime: u64,
    /// `comm`.
    pub comm: String,
    /// Where `/proc/PID/exe` pointed.
    pub exe_link: String,
    /// When the dump was taken.
    pub taken_at: huoyan_core::Timestamp,
    /// huoyan version.
    pub huoyan_version: String,
    /// Every file except the manifest.
    pub files: Vec<DumpFile>,
    /// Every region of the maps.
    pub regions: Vec<RegionDump>,
    /// What could not be captured.
    pub errors: Vec<String>,
}

/// The start time (field 22) of `/proc/PID/stat`; the command name may contain spaces and
/// parentheses, so fields are counted after the last `)`.
pub fn parse_starttime(stat: &[u8]) -> Option<u64> {
    let text = String::from_utf8_lossy(stat);
    let after = &text[text.rfind(')')? + 1..];
    after.split_whitespace().nth(19)?.parse().ok()
}

/// Hashing writer that counts bytes.
struct HashedFile {
    file: File,
    hasher: Sha256,
    size: u64,
}

impl HashedFile {
    fn create(path: &Path) -> Result<Self> {
        let file = huoyan_core::outfile::create_new(path)
            .map_err(|e| ContainError::io(path.display(), e))?;
        Ok(HashedFile {
            file,
            hasher: Sha256::new(),
            size: 0,
        })
    }

    fn write(&mut self, data: &[u8], path: &Path) -> Result<()> {
        self.file
            .write_all(data)
            .map_err(|e| ContainError::io(path.display(), e))?;
        self.hasher.update(data);
        self.size += data.len() as u64;
        Ok(())
    }

    fn finish(self, rel: &str) -> DumpFile {
        DumpFile {
            path: rel.to_string(),
            size: self.size,
            sha256: hex::encode(self.hasher.finalize()),
        }
    }
}

fn write_whole(dir: &Path, rel: &str, data: &[u8]) -> Result<DumpFile> {
    let path = dir.join(rel);
    let mut f = HashedFile::create(&path)?;
    f.write(data, &path)?;
    Ok(f.finish(rel))
}

/// Creates `out` (which must not exist or be empty).
#[allow(clippy::disallowed_methods)] // huoyan's own output folder
pub fn prepare_out_dir(out: &Path) -> Result<()> {
    if out.exists() {
        let mut entries = std::fs::read_dir(out).map_err(|e| ContainError::io(out.display(), e))?;
        if entries.next().is_some() {
            return Err(ContainError::io(
                out.display(),
                std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "output directory is not empty",
                ),
            ));
        }
    }
    huoyan_core::outfile::ensure_dir(&out.join("memory"))
        .map_err(|e| ContainError::io(out.display(), e))
}

fn dump_region(
    mem: &std::os::fd::OwnedFd,
    region: &MapRegion,
    dir: &Path,
) -> (RegionDump, Option<DumpFile>) {
    let rel = format!(
        "memory/{:016x}-{:016x}_{}.bin",
        region.start, region.end, region.perms
    );
    let path = dir.join(&rel);
    let mut out = RegionDump {
        region: region.clone(),
        file: None,
        captured: 0,
        error: None,
    };
    let mut file = match HashedFile::create(&path) {
        Ok(f) => f,
        Err(e) => {
            out.error = Some(e.to_string());
            return (out, None);
        }
    };
    let mut buf = vec![0u8; BLOCK];
    let mut addr = region.start;
    while addr < region.end {
        let want = usize::try_from((region.end - addr).min(BLOCK as u64)).unwrap_or(BLOCK);
        match rustix::io::pread(mem, &mut buf[..want], addr) {
            Ok(0) => {
                out.error = Some(format!("end of data at {addr:#x}"));
                break;
            }
            Ok(n) => {
                if let Err(e) = file.write(&buf[..n], &path) {
                    out.error = Some(e.to_string());
                    break;
                }
                addr += n as u64;
            }
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => {
                out.error = Some(format!("unreadable from {addr:#x}: {e}"));
                break;
            }
        }
    }
    out.captured = file.size;
    out.file = Some(rel.clone());
    (out, Some(file.finish(&rel)))
}

/// Dumps process `pid` into `out` and writes `manifest.json`. Returns the manifest and its
/// SHA-256.
pub fn dump(proc_fs: &ProcFs, pid: u32, out: &Path) -> Result<(DumpManifest, String)> {
    let perr = |detail: String| ContainError::Process { pid, detail };
    let stat = proc_fs
        .read(&format!("{pid}/stat"))
        .map_err(|e| perr(format!("not readable ({e}); is the pid right?")))?;
    let starttime = parse_starttime(&stat).ok_or_else(|| perr("malformed stat".into()))?;
    prepare_out_dir(out)?;
    let mut files = Vec::new();
    let mut errors = Vec::new();
    files.push(write_whole(out, "stat", &stat)?);
    for name in ["cmdline", "environ", "status", "maps"] {
        match proc_fs.read(&format!("{pid}/{name}")) {
            Ok(data) => files.push(write_whole(out, name, &data)?),
            Err(e) => errors.push(format!("{name}: {e}")),
        }
    }
    let maps_data = proc_fs.read(&format!("{pid}/maps")).unwrap_or_default();
    let comm = crate::sockets::comm(proc_fs, pid);

    let mut fd_lines = String::new();
    match proc_fs.list_raw(&format!("{pid}/fd")) {
        Ok(mut entries) => {
            entries.sort_by_key(|(n, _)| n.to_string_lossy().parse::<u64>().unwrap_or(u64::MAX));
            for (name, _) in entries {
                let n = name.to_string_lossy();
                let target = proc_fs
                    .read_link(&format!("{pid}/fd/{n}"))
                    .map(|t| huoyan_core::text::escape_bytes(&t))
                    .unwrap_or_else(|e| format!("<{e}>"));
                fd_lines.push_str(&format!("{n} -> {target}\n"));
            }
        }
        Err(e) => errors.push(format!("fd: {e}")),
    }
    files.push(write_whole(out, "fds.txt", fd_lines.as_bytes())?);

    let exe_link = proc_fs
        .read_link(&format!("{pid}/exe"))
        .map(|t| huoyan_core::text::escape_bytes(&t))
        .unwrap_or_default();
    match proc_fs.open_target(&format!("{pid}/exe")) {
        Ok(mut exe) => {
            let path = out.join("exe");
            let mut f = HashedFile::create(&path)?;
            let mut buf = vec![0u8; BLOCK];
            loop {
                match std::io::Read::read(&mut exe, &mut buf) {
                    Ok(0) => break,
                    Ok(n) => f.write(&buf[..n], &path)?,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        errors.push(format!("exe: {e}"));
                        break;
                    }
                }
            }
            files.push(f.finish("exe"));
        }
        Err(e) => errors.push(format!("exe: {e}")),
    }

    let mut regions = Vec::new();
    let mem_path: PathBuf = proc_fs.base().join(format!("{pid}/mem"));
    match rustix::fs::open(
        &mem_path,
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    ) {
        Ok(mem) => {
            for region in parse_maps(&maps_data) {
                if !region.perms.starts_with('r') {
                    regions.push(RegionDump {
                        region,
                        file: None,
                        captured: 0,
                        error: Some("not readable (permissions)".into()),
                    });
                    continue;
                }
                let (r, file) = dump_region(&mem, &region, out);
                files.extend(file);
                regions.push(r);
            }
        }
        Err(e) => errors.push(format!(
            "mem: {e} (ptrace access refused? check kernel.yama.ptrace_scope)"
        )),
    }

    let manifest = DumpManifest {
        pid,
        starttime,
        comm,
        exe_link,
        taken_at: huoyan_core::time::now(),
        huoyan_version: huoyan_core::VERSION.to_string(),
        files,
        regions,
        errors,
    };
    let json = huoyan_core::jsonl::to_vec_pretty(&manifest)
        .map_err(|e| ContainError::io("manifest.json", e))?;
    let written = write_whole(out, "manifest.json", &json)?;
    Ok((manifest, written.sha256))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_parse_and_reject_garbage() {
        let maps = b"55d0c0a00000-55d0c0a22000 r--p 00000000 08:01 1234 /usr/bin/cat\n7ffd5c1e0000-7ffd5c201000 rw-p 00000000 00:00 0                          [stack]\n7f00-7e00 r--p 0 0:0 0\nbad line\nffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0  [vsyscall]\n";
        let r = parse_maps(maps);
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].pathname, "/usr/bin/cat");
        assert_eq!(r[1].pathname, "[stack]");
        assert_eq!(r[1].end - r[1].start, 0x21000);
        for cut in 0..maps.len() {
            let _ = parse_maps(&maps[..cut]);
        }
    }

    #[test]
    fn starttime_survives_hostile_comm() {
        let stat = b"42 (a) b) (c) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 98765 1000 100 18446744073709551615";
        assert_eq!(parse_starttime(stat), Some(98765));
        assert_eq!(parse_starttime(b"42 (x"), None);
        assert_eq!(parse_starttime(b""), None);
    }

    #[test]
    fn dumps_our_own_memory() {
        let Some(proc_fs) = ProcFs::live() else {
            return;
        };
        let marker = format!("HUOYAN-UNIT-MARKER-{}", std::process::id());
        let kept = std::hint::black_box(marker.clone().into_bytes());
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("dump");
        let (manifest, _) = dump(&proc_fs, std::process::id(), &out).unwrap();
        assert!(manifest.files.iter().any(|f| f.path == "exe" && f.size > 0));
        let mut found = false;
        for f in manifest
            .files
            .iter()
            .filter(|f| f.path.starts_with("memory/"))
        {
            let data = std::fs::read(out.join(&f.path)).unwrap();
            if data.windows(kept.len()).any(|w| w == kept.as_slice()) {
                found = true;
                break;
            }
        }
        assert!(found, "marker not found in the dump");
        assert!(out.join("manifest.json").exists());
        assert!(
            prepare_out_dir(&out).is_err(),
            "non-empty output dir must be refused"
        );
    }
}
