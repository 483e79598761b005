//! The bundle file: a tar stream compressed with zstd (or gzip), one compressed frame per member.
//!
//! Each member (tar header, data, padding) is its own zstd frame with a content checksum (or its
//! own gzip member with a CRC), concatenated into one file that `tar --zstd -xf` / `tar -xzf`
//! read as usual. Per-member frames make damage local: a flipped byte is caught by the frame
//! of the member it lies in, so `huoyan verify` can name that member, and everything else in the
//! bundle stays readable. The whole file is hashed as it is written, for the sidecar
//! `<bundle>.sha256`.
//!
//! Evidence is stored *inert*: every member is mode 0400 in the archive whatever its original
//! mode (the original is in the manifest), so unpacking a bundle never yields an executable.

use std::fs::File;
use std::io::{self, Read, Write};

use sha2::{Digest, Sha256};

/// Compression of the bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// `.tar.zst` (default).
    #[default]
    TarZst,
    /// `.tar.gz`, for old tools.
    TarGz,
}

impl Format {
    /// File-name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::TarZst => "tar.zst",
            Format::TarGz => "tar.gz",
        }
    }

    /// Parses `tar.zst`/`zst`/`tar.gz`/`gz`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "tar.zst" | "zst" | "zstd" => Some(Format::TarZst),
            "tar.gz" | "gz" | "tgz" => Some(Format::TarGz),
            _ => None,
        }
    }
}

/// A file writer that hashes and counts everything written.
pub struct HashingFile {
    file: File,
    hasher: Sha256,
    written: u64,
    frame_hasher: Sha256,
    frame_start: u64,
}

impl Write for HashingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.frame_hasher.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

enum Stage {
    Idle(HashingFile),
    Zstd(zstd::stream::write::Encoder<'static, HashingFile>),
    Gz(flate2::write::GzEncoder<HashingFile>),
    Broken,
}

/// The sink under the tar builder: opens a compressed frame on first write, closes it on
/// [`FramedSink::end_frame`].
pub struct FramedSink {
    stage: Stage,
    format: Format,
}

impl FramedSink {
    fn begin(&mut self) -> io::Result<()> {
        if let Stage::Idle(_) = self.stage {
            let Stage::Idle(mut out) = std::mem::replace(&mut self.stage, Stage::Broken) else {
                return Err(io::Error::other("bundle writer state"));
            };
            out.frame_start = out.written;
            out.frame_hasher = Sha256::new();
            self.stage = match self.format {
                Format::TarZst => {
                    let mut enc = zstd::stream::write::Encoder::new(out, 3)?;
                    enc.include_checksum(true)?;
                    Stage::Zstd(enc)
                }
                Format::TarGz => Stage::Gz(flate2::write::GzEncoder::new(
                    out,
                    flate2::Compression::new(6),
                )),
            };
        }
        Ok(())
    }

    /// Closes the current frame (if any), so the next member starts a new one; returns where
    /// the frame lies in the file and the SHA-256 of its compressed bytes.
    pub fn end_frame(&mut self) -> io::Result<Option<FrameInfo>> {
        let stage = std::mem::replace(&mut self.stage, Stage::Broken);
        let (out, closed) = match stage {
            Stage::Idle(out) => (out, false),
            Stage::Zstd(enc) => (enc.finish()?, true),
            Stage::Gz(enc) => (enc.finish()?, true),
            Stage::Broken => return Err(io::Error::other("bundle writer broken earlier")),
        };
        let info = closed.then(|| FrameInfo {
            offset: out.frame_start,
            length: out.written - out.frame_start,
            sha256: hex::encode(out.frame_hasher.clone().finalize()),
        });
        self.stage = Stage::Idle(out);
        Ok(info)
    }

    fn finish(mut self) -> io::Result<HashingFile> {
        self.end_frame()?;
        match self.stage {
            Stage::Idle(out) => Ok(out),
            _ => Err(io::Error::other("bundle writer state")),
        }
    }
}

impl Write for FramedSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.begin()?;
        match &mut self.stage {
            Stage::Zstd(enc) => enc.write(buf),
            Stage::Gz(enc) => enc.write(buf),
            _ => Err(io::Error::other("bundle writer broken earlier")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.stage {
            Stage::Idle(out) => out.flush(),
            Stage::Zstd(enc) => enc.flush(),
            Stage::Gz(enc) => enc.flush(),
            Stage::Broken => Ok(()),
        }
    }
}

/// Where a member's compressed frame lies in the bundle file, and its hash: lets `verify`
/// attribute any damaged byte of the file to the member whose frame holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FrameInfo {
    /// Byte offset of the frame in the bundle file.
    pub offset: u64,
    /// Compressed length.
    pub length: u64,
    /// SHA-256 of the compressed bytes.
    pub sha256: String,
}

/// What one member's data turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// SHA-256 of the stored bytes.
    pub sha256: String,
    /// Bytes stored (the size announced in the tar header).
    pub size: u64,
    /// Bytes actually read from the source (less than `size` when it shrank or failed).
    pub read: u64,
    /// The read error that cut the data short, if any (the rest is zero-filled).
    pub error: Option<String>,
    /// The member's compressed frame.
    pub frame: Option<FrameInfo>,
}

/// Reads exactly `size` bytes: stops early at `size` if the source grew, zero-fills if it
/// shrank or failed, hashes what it yields.
struct ExactReader<R> {
    inner: R,
    remaining: u64,
    hasher: Sha256,
    read: u64,
    failed: Option<String>,
}

impl<R: Read> Read for ExactReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            return Ok(0);
        }
        let want = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let n = if self.failed.is_some() {
            0
        } else {
            loop {
                match self.inner.read(&mut buf[..want]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        self.failed = Some(e.to_string());
                        break 0;
                    }
                }
            }
        };
        let n = if n == 0 {
            // Source ended early or failed: pad with zeros so the archive stays well-formed.
            if self.failed.is_none() {
                self.failed = Some(format!(
                    "source ended {} bytes before the size recorded when collection began",
                    self.remaining
                ));
            }
            buf[..want].fill(0);
            want
        } else {
            self.read += n as u64;
            n
        };
        self.hasher.update(&buf[..n]);
        self.remaining -= n as u64;
        Ok(n)
    }
}

/// Metadata put in a member's tar header (the real metadata is in the manifest).
#[derive(Debug, Clone, Copy)]
pub struct HeaderMeta {
    /// Modification time for the tar header (Unix seconds).
    pub mtime: u64,
}

/// Writes the bundle members.
pub struct BundleWriter {
    builder: tar::Builder<FramedSink>,
}

impl BundleWriter {
    /// Starts a bundle on an open file.
    pub fn new(file: File, format: Format) -> Self {
        let sink = FramedSink {
            stage: Stage::Idle(HashingFile {
                file,
                hasher: Sha256::new(),
                written: 0,
                frame_hasher: Sha256::new(),
                frame_start: 0,
            }),
            format,
        };
        let mut builder = tar::Builder::new(sink);
        builder.mode(tar::HeaderMode::Deterministic);
        BundleWriter { builder }
    }

    fn header(size: u64, meta: HeaderMeta) -> tar::Header {
        let mut header = tar::Header::new_gnu();
        header.set_size(size);
        header.set_mode(0o400);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(meta.mtime);
        header.set_entry_type(tar::EntryType::Regular);
        header
    }

    /// Adds a member of exactly `size` bytes read from `source`.
    pub fn add_reader(
        &mut self,
        member: impl AsRef<std::path::Path>,
        size: u64,
        meta: HeaderMeta,
        source: impl Read,
    ) -> io::Result<Stored> {
        let mut header = Self::header(size, meta);
        let mut reader = ExactReader {
            inner: source,
            remaining: size,
            hasher: Sha256::new(),
            read: 0,
            failed: None,
        };
        self.builder
            .append_data(&mut header, member.as_ref(), &mut reader)?;
        let frame = self.builder.get_mut().end_frame()?;
        let error = if reader.read == size {
            None
        } else {
            reader.failed.take()
        };
        Ok(Stored {
            sha256: hex::encode(reader.hasher.finalize()),
            size,
            read: reader.read,
            error,
            frame,
        })
    }

    /// Adds a member from bytes.
    pub fn add_bytes(&mut self, member: &str, data: &[u8], mtime: u64) -> io::Result<Stored> {
        self.add_reader(member, data.len() as u64, HeaderMeta { mtime }, data)
    }

    /// Bytes written so far (compressed).
    pub fn written(&mut self) -> u64 {
        match &self.builder.get_mut().stage {
            Stage::Idle(out) => out.written,
            Stage::Zstd(enc) => enc.get_ref().written,
            Stage::Gz(enc) => enc.get_ref().written,
            Stage::Broken => 0,
        }
    }

    /// Writes the end-of-archive marker, flushes to disk, and returns the file's SHA-256 and size.
    pub fn finish(self) -> io::Result<(String, u64)> {
        let sink = self.builder.into_inner()?;
        let mut out = sink.finish()?;
        out.file.flush()?;
        out.file.sync_all()?;
        Ok((hex::encode(out.hasher.finalize()), out.written))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_reader_pads_and_truncates() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("b.tar.zst");
        let file = File::create(&path).expect("create");
        let mut w = BundleWriter::new(file, Format::TarZst);
        let short = w
            .add_reader("a", 10, HeaderMeta { mtime: 0 }, &b"abc"[..])
            .expect("add");
        assert_eq!((short.size, short.read), (10, 3));
        assert!(short.error.is_some());
        let long = w
            .add_reader("b", 2, HeaderMeta { mtime: 0 }, &b"abcdef"[..])
            .expect("add");
        assert_eq!((long.size, long.read), (2, 2));
        assert_eq!(long.sha256, huoyan_core::hash::sha256_bytes(b"ab"));
        assert!(long.error.is_none());
        let (hash, size) = w.finish().expect("finish");
        let data = std::fs::read(&path).expect("read");
        assert_eq!(size, data.len() as u64);
        assert_eq!(hash, huoyan_core::hash::sha256_bytes(&data));
        let mut archive =
            tar::Archive::new(zstd::stream::read::Decoder::new(&data[..]).expect("d"));
        let names: Vec<String> = archive
            .entries()
            .expect("entries")
            .map(|e| {
                e.expect("entry")
                    .path()
                    .expect("path")
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(names, vec!["a", "b"]);
    }
}
