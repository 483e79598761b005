//! `image`: a byte-for-byte copy of a block device, hashed while it is copied.
//!
//! The seed's "dd the disk" step, done safely: the device is opened read-only, read in 1 MiB
//! blocks, and every byte written to the image also feeds SHA-256, so the image and the device
//! share one hash computed in one pass. A block that cannot be read is retried sector by
//! sector; each unreadable 512-byte sector is zero-filled in the image and recorded (offset and
//! error) in the action journal and the returned report, the way ddrescue-style forensic copies
//! do, so the image keeps its geometry and the gaps are known.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileExt, FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use huoyan_core::ActionJournal;
use sha2::{Digest, Sha256};

use crate::error::CollectError;

/// Block size of the copy.
pub const BLOCK: usize = 1024 * 1024;
/// Sector size used for retries and zero-filling.
pub const SECTOR: usize = 512;

/// Something that can be read at an offset (a device, or a fault-injecting source in tests).
pub trait ReadAt {
    /// Reads into `buf` at `offset`; returns the bytes read (0 at the end).
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
}

impl ReadAt for File {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        FileExt::read_at(self, buf, offset)
    }
}

/// An unreadable sector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadSector {
    /// Byte offset.
    pub offset: u64,
    /// The error.
    pub error: String,
}

/// What an image run produced.
#[derive(Debug, Clone)]
pub struct ImageReport {
    /// The image file.
    pub image: PathBuf,
    /// `<image>.sha256`.
    pub sidecar: PathBuf,
    /// Bytes copied.
    pub size: u64,
    /// SHA-256 of the image (equal to the device's when there were no bad sectors).
    pub sha256: String,
    /// Sectors that could not be read (zero-filled).
    pub bad_sectors: Vec<BadSector>,
}

/// Copies `size` bytes of `source` to `out`, hashing; bad sectors are zero-filled and recorded.
pub fn copy_hashed(
    source: &dyn ReadAt,
    size: u64,
    out: &mut dyn Write,
    journal: &ActionJournal,
    progress: &mut dyn FnMut(u64, u64),
) -> io::Result<(String, Vec<BadSector>)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; BLOCK];
    let mut bad = Vec::new();
    let mut offset = 0u64;
    while offset < size {
        let want = usize::try_from((size - offset).min(BLOCK as u64)).unwrap_or(BLOCK);
        let block = &mut buf[..want];
        if read_full(source, block, offset).is_err() {
            // Retry sector by sector; zero-fill the ones that still fail.
            for (i, sector) in block.chunks_mut(SECTOR).enumerate() {
                let at = offset + (i * SECTOR) as u64;
                if let Err(e) = read_full(source, sector, at) {
                    sector.fill(0);
                    journal.record("bad-sector", format!("offset {at}"), e.to_string());
                    bad.push(BadSector {
                        offset: at,
                        error: e.to_string(),
                    });
                }
            }
        }
        out.write_all(block)?;
        hasher.update(&*block);
        offset += want as u64;
        progress(offset, size);
    }
    Ok((hex::encode(hasher.finalize()), bad))
}

fn read_full(source: &dyn ReadAt, buf: &mut [u8], offset: u64) -> io::Result<()> {
    let mut done = 0;
    while done < buf.len() {
        match source.read_at(&mut buf[done..], offset + done as u64) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "device ended early",
                ))
            }
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Images `device` (a block device or a regular file) into `out` (must not exist), with
/// `<out>.sha256` beside it.
pub fn image(
    device: &Path,
    out: &Path,
    journal: &ActionJournal,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ImageReport, CollectError> {
    let rerr = |e| CollectError::read(device, e);
    let meta = std::fs::metadata(device).map_err(rerr)?;
    let ft = meta.file_type();
    if !ft.is_block_device() && !ft.is_file() {
        return Err(CollectError::Invalid(format!(
            "{} is neither a block device nor a regular file",
            device.display()
        )));
    }
    let source = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_CLOEXEC)
        .open(device)
        .map_err(rerr)?;
    // lseek(SEEK_END) gives a block device's size without an ioctl.
    let size = {
        use std::io::Seek;
        let mut s = &source;
        s.seek(io::SeekFrom::End(0)).map_err(rerr)?
    };
    let out_dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let out_meta = std::fs::metadata(out_dir).map_err(|e| CollectError::write(out_dir, e))?;
    if ft.is_block_device() && out_meta.dev() == meta.rdev() {
        return Err(CollectError::Invalid(format!(
            "{} lies on the device being imaged; write the image elsewhere",
            out.display()
        )));
    }
    crate::space::ensure_space(out_dir, size)?;
    let partial = {
        let mut s = out.as_os_str().to_os_string();
        s.push(".partial");
        PathBuf::from(s)
    };
    let file =
        huoyan_core::outfile::create_new(&partial).map_err(|e| CollectError::write(&partial, e))?;
    journal.record(
        "image",
        device.display().to_string(),
        format!("{size} bytes to {}", out.display()),
    );
    let mut writer = io::BufWriter::with_capacity(BLOCK, file);
    let (sha256, bad_sectors) = copy_hashed(&source, size, &mut writer, journal, progress)
        .map_err(|e| CollectError::write(&partial, e))?;
    let file = writer
        .into_inner()
        .map_err(|e| CollectError::write(&partial, e.into_error()))?;
    file.sync_all()
        .map_err(|e| CollectError::write(&partial, e))?;
    if out.exists() {
        return Err(CollectError::Invalid(format!(
            "{} appeared while imaging; the image is left at {}",
            out.display(),
            partial.display()
        )));
    }
    std::fs::rename(&partial, out).map_err(|e| CollectError::write(out, e))?;
    let sidecar = crate::bundle::sidecar_path(out);
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    huoyan_core::outfile::create_new(&sidecar)
        .and_then(|mut f| {
            std::io::Write::write_all(&mut f, format!("{sha256}  {name}\n").as_bytes())
        })
        .map_err(|e| CollectError::write(&sidecar, e))?;
    journal.record(
        "image",
        out.display().to_string(),
        format!("sha256 {sha256}, {} bad sectors", bad_sectors.len()),
    );
    Ok(ImageReport {
        image: out.to_path_buf(),
        sidecar,
        size,
        sha256,
        bad_sectors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Faulty {
        data: Vec<u8>,
        bad: std::ops::Range<u64>,
    }

    impl ReadAt for Faulty {
        fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
            let end = offset + buf.len() as u64;
            if offset < self.bad.end && end > self.bad.start {
                return Err(io::Error::from_raw_os_error(libc::EIO));
            }
            let start = usize::try_from(offset).expect("offset");
            let n = buf.len().min(self.data.len().saturating_sub(start));
            buf[..n].copy_from_slice(&self.data[start..start + n]);
            Ok(n)
        }
    }

    #[test]
    fn bad_sectors_are_zero_filled_and_journaled() {
        let data: Vec<u8> = (0..3 * BLOCK as u32).map(|i| (i % 251) as u8 + 1).collect();
        let bad_at = BLOCK as u64 + 4096;
        let src = Faulty {
            data: data.clone(),
            bad: bad_at..bad_at + 1024,
        };
        let journal = ActionJournal::in_memory();
        let mut out = Vec::new();
        let mut calls = 0;
        let (hash, bad) = copy_hashed(&src, data.len() as u64, &mut out, &journal, &mut |_, _| {
            calls += 1
        })
        .expect("copy");
        assert_eq!(calls, 3);
        assert_eq!(bad.len(), 2);
        assert_eq!(bad[0].offset, bad_at);
        assert_eq!(bad[1].offset, bad_at + 512);
        let mut expected = data.clone();
        let s = usize::try_from(bad_at).expect("usize");
        expected[s..s + 1024].fill(0);
        assert_eq!(out, expected);
        assert_eq!(hash, huoyan_core::hash::sha256_bytes(&expected));
        assert_eq!(
            journal
                .entries()
                .iter()
                .filter(|e| e.action == "bad-sector")
                .count(),
            2
        );
    }

    #[test]
    fn clean_copy_hash_equals_source_hash() {
        let dir = tempfile::tempdir().expect("tmp");
        let src = dir.path().join("disk.raw");
        let data: Vec<u8> = (0..(BLOCK as u32 + 777)).map(|i| (i % 253) as u8).collect();
        std::fs::write(&src, &data).expect("write");
        let out = dir.path().join("disk.img");
        let journal = ActionJournal::in_memory();
        let report = image(&src, &out, &journal, &mut |_, _| {}).expect("image");
        assert_eq!(report.sha256, huoyan_core::hash::sha256_bytes(&data));
        assert_eq!(std::fs::read(&out).expect("read"), data);
        assert!(report.bad_sectors.is_empty());
        assert!(image(&src, &out, &journal, &mut |_, _| {}).is_err());
    }
}
