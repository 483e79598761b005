//! Reading web logs through the root: the live file, its rotations (`access.log.1`,
//! `access.log.2.gz`, `access.log-20240101`, `.gz`), line by line, streaming.
//!
//! Logs are large and attacker-fed: lines are read with a length cap (longer ones are cut, not
//! buffered whole), gzip members are decompressed on the fly, and nothing is loaded into memory
//! as a whole.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use huoyan_core::{FileKind, Root, RootError};

/// Longest line kept (the rest of the line is skipped).
pub const MAX_LINE: usize = 64 * 1024;

/// The base path of a rotated log (`/var/log/nginx/access.log.2.gz` → `…/access.log`).
pub fn rotation_base(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut base = name.as_str();
    if let Some(b) = base.strip_suffix(".gz") {
        base = b;
    }
    // access.log.1 / access.log-20240101 / access.log.2024-01-01
    if let Some((head, tail)) = base.rsplit_once(['.', '-']) {
        if !tail.is_empty()
            && tail.chars().all(|c| c.is_ascii_digit() || c == '-')
            && head.contains('.')
        {
            base = head;
        }
    }
    if let Some((head, tail)) = base.rsplit_once('.') {
        if tail.len() >= 4 && tail.chars().all(|c| c.is_ascii_digit() || c == '-') {
            base = head;
        }
    }
    path.with_file_name(base)
}

/// The files of a rotated set, oldest first (by modification time), the live file last.
pub fn rotated_files(root: &Root, base: &Path) -> (Vec<PathBuf>, Vec<RootError>) {
    let mut errors = Vec::new();
    let Some(dir) = base.parent() else {
        return (Vec::new(), errors);
    };
    let Some(base_name) = base.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return (Vec::new(), errors);
    };
    let entries = match root.read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            if !e.is_not_found() {
                errors.push(e);
            }
            return (Vec::new(), errors);
        }
    };
    let mut files = Vec::new();
    for e in entries {
        if e.kind != FileKind::File {
            continue;
        }
        let name = e.name.to_string_lossy();
        if name == base_name || (name.starts_with(&base_name) && rotation_base(&e.path) == base) {
            let mtime = root.lstat(&e.path).ok().and_then(|m| m.mtime);
            files.push((mtime, e.path));
        }
    }
    files.sort();
    (files.into_iter().map(|(_, p)| p).collect(), errors)
}

/// Streams the lines of one log file (gzip when it ends in `.gz` or starts with the gzip magic).
/// `visit` gets each line (without the newline, lossily decoded, capped at [`MAX_LINE`]).
pub fn for_each_line(
    root: &Root,
    path: &Path,
    visit: &mut dyn FnMut(&str),
) -> Result<u64, RootError> {
    let file = root.open(path)?;
    let shown = path.display().to_string();
    let mut buffered = BufReader::with_capacity(256 * 1024, file);
    let is_gz = {
        let head = buffered
            .fill_buf()
            .map_err(|e| RootError::from_io(&shown, e))?;
        head.starts_with(&[0x1f, 0x8b])
    };
    if is_gz {
        let dec = huoyan_core::inflate::Capped::new(
            flate2::bufread::MultiGzDecoder::new(buffered),
            &shown,
        );
        stream_lines(BufReader::with_capacity(256 * 1024, dec), visit, &shown)
    } else {
        stream_lines(buffered, visit, &shown)
    }
}

/// Reads an uncompressed log in blocks of about `block` bytes that end at a line boundary, so
/// each block can be parsed on its own (in parallel) with [`stream_lines`]. A line longer than
/// [`MAX_LINE`] is cut there, as [`stream_lines`] does, so memory stays bounded whatever the
/// file holds.
pub struct BlockReader<R: Read> {
    inner: R,
    block: usize,
    carry: Vec<u8>,
    eof: bool,
    shown: String,
}

impl<R: Read> BlockReader<R> {
    /// Blocks of about `block` bytes (at least [`MAX_LINE`]) from `inner`.
    pub fn new(inner: R, block: usize, shown: &str) -> BlockReader<R> {
        BlockReader {
            inner,
            block: block.max(2 * MAX_LINE),
            carry: Vec::new(),
            eof: false,
            shown: shown.to_string(),
        }
    }

    /// The next block (whole lines, the last one possibly without its newline at the end of
    /// the file), or `None` at the end.
    pub fn next_block(&mut self) -> Result<Option<Vec<u8>>, RootError> {
        let mut buf = std::mem::take(&mut self.carry);
        while !self.eof && buf.len() < self.block {
            let old = buf.len();
            buf.resize(self.block, 0);
            match self.inner.read(&mut buf[old..]) {
                Ok(0) => {
                    buf.truncate(old);
                    self.eof = true;
                }
                Ok(n) => buf.truncate(old + n),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => buf.truncate(old),
                Err(e) => return Err(RootError::from_io(&self.shown, e)),
            }
        }
        if buf.is_empty() {
            return Ok(None);
        }
        if self.eof {
            return Ok(Some(buf));
        }
        match memchr::memrchr(b'\n', &buf) {
            Some(i) => {
                self.carry = buf.split_off(i + 1);
                Ok(Some(buf))
            }
            None => {
                // One line fills the whole block: keep its head, skip to its end.
                buf.truncate(MAX_LINE);
                self.skip_rest_of_line(&mut buf)?;
                Ok(Some(buf))
            }
        }
    }

    fn skip_rest_of_line(&mut self, line: &mut Vec<u8>) -> Result<(), RootError> {
        let mut scratch = vec![0u8; 64 * 1024];
        loop {
            let n = match self.inner.read(&mut scratch) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(RootError::from_io(&self.shown, e)),
            };
            if let Some(i) = memchr::memchr(b'\n', &scratch[..n]) {
                line.push(b'\n');
                self.carry = scratch[i + 1..n].to_vec();
                return Ok(());
            }
        }
    }
}

/// Opens a log for [`BlockReader`] when it is plain text (not gzip); `None` for gzip.
pub fn open_plain(
    root: &Root,
    path: &Path,
) -> Result<Option<BlockReader<BufReader<std::fs::File>>>, RootError> {
    let file = root.open(path)?;
    let shown = path.display().to_string();
    let mut buffered = BufReader::with_capacity(256 * 1024, file);
    let head = buffered
        .fill_buf()
        .map_err(|e| RootError::from_io(&shown, e))?;
    if head.starts_with(&[0x1f, 0x8b]) {
        return Ok(None);
    }
    Ok(Some(BlockReader::new(buffered, BLOCK, &shown)))
}

/// Block size for parallel parsing of one large log.
pub const BLOCK: usize = 8 * 1024 * 1024;

/// Streams lines from any reader.
pub fn stream_lines<R: Read>(
    mut reader: BufReader<R>,
    visit: &mut dyn FnMut(&str),
    shown: &str,
) -> Result<u64, RootError> {
    let mut line = Vec::with_capacity(1024);
    let mut count = 0u64;
    loop {
        line.clear();
        let mut skipping = false;
        let mut saw_any = false;
        let mut eof = false;
        loop {
            let buf = match reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(RootError::from_io(shown, e)),
            };
            if buf.is_empty() {
                eof = true;
                break;
            }
            saw_any = true;
            let (chunk, done) = match memchr::memchr(b'\n', buf) {
                Some(i) => (&buf[..i], Some(i + 1)),
                None => (buf, None),
            };
            if !skipping {
                let room = MAX_LINE.saturating_sub(line.len());
                line.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if line.len() >= MAX_LINE {
                    skipping = true;
                }
            }
            let consumed = done.unwrap_or(buf.len());
            reader.consume(consumed);
            if done.is_some() {
                break;
            }
        }
        if !saw_any {
            break;
        }
        count += 1;
        match std::str::from_utf8(&line) {
            Ok(s) => visit(s),
            Err(_) => visit(&String::from_utf8_lossy(&line)),
        }
        if eof {
            break;
        }
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn bases() {
        assert_eq!(
            rotation_base(Path::new("/l/access.log.2.gz")),
            Path::new("/l/access.log")
        );
        assert_eq!(
            rotation_base(Path::new("/l/access.log.1")),
            Path::new("/l/access.log")
        );
        assert_eq!(
            rotation_base(Path::new("/l/access.log-20240101.gz")),
            Path::new("/l/access.log")
        );
        assert_eq!(
            rotation_base(Path::new("/l/access.log")),
            Path::new("/l/access.log")
        );
    }

    #[test]
    fn reads_rotations_and_gzip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let l = dir.path().join("var/log/nginx");
        std::fs::create_dir_all(&l).expect("mkdir");
        std::fs::write(l.join("access.log"), "c\nd").expect("w");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"a\nb\n").expect("gz");
        std::fs::write(l.join("access.log.2.gz"), gz.finish().expect("gz")).expect("w");
        std::fs::write(l.join("error.log"), "x\n").expect("w");
        let root = Root::new(dir.path()).expect("root");
        let (files, _) = rotated_files(&root, Path::new("/var/log/nginx/access.log"));
        assert_eq!(files.len(), 2);
        let mut lines = Vec::new();
        for f in &files {
            for_each_line(&root, f, &mut |s| lines.push(s.to_string())).expect("read");
        }
        lines.sort();
        assert_eq!(lines, vec!["a", "b", "c", "d"]);
    }

    #[test]
    fn long_lines_are_cut() {
        let data = format!("{}\nshort\n", "x".repeat(MAX_LINE * 3));
        let mut got = Vec::new();
        stream_lines(
            BufReader::with_capacity(100, data.as_bytes()),
            &mut |s| got.push(s.len()),
            "t",
        )
        .expect("read");
        assert_eq!(got, vec![MAX_LINE, 5]);
    }

    #[test]
    fn blocks_give_the_same_lines_as_one_stream() {
        let long = "y".repeat(MAX_LINE * 5);
        let mut data = String::new();
        for i in 0..40_000 {
            data.push_str(&format!("line {i} {}\n", "z".repeat(i % 97)));
            if i % 9_999 == 0 {
                data.push_str(&long);
                data.push('\n');
            }
        }
        data.push_str("tail without newline");
        let lines_of = |bytes: &[u8]| {
            let mut got = Vec::new();
            stream_lines(BufReader::new(bytes), &mut |s| got.push(s.to_string()), "t")
                .expect("read");
            got
        };
        let want = lines_of(data.as_bytes());
        let mut blocks = BlockReader::new(data.as_bytes(), 3 * MAX_LINE, "t");
        let mut got = Vec::new();
        let mut count = 0;
        while let Some(b) = blocks.next_block().expect("block") {
            assert!(b.len() <= 3 * MAX_LINE + 1);
            got.extend(lines_of(&b));
            count += 1;
        }
        assert!(count > 10);
        assert_eq!(got, want);
        let mut empty = BlockReader::new(&b""[..], BLOCK, "t");
        assert!(empty.next_block().expect("block").is_none());
    }
}
