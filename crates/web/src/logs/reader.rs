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
        let dec = flate2::bufread::MultiGzDecoder::new(buffered);
        stream_lines(BufReader::with_capacity(256 * 1024, dec), visit, &shown)
    } else {
        stream_lines(buffered, visit, &shown)
    }
}

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
}
