//! Reading a text log line by line: the stream is read in 1 MB blocks, split at newlines with
//! memchr, and each block is checked for UTF-8 once, so a gigabyte of auth log costs no per-line
//! validation. A line longer than the cap is cut and the rest skipped, so one hostile line cannot
//! exhaust memory.

/// A line as read: text when it is valid UTF-8 (checked once per block, not per line), else the
/// raw bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineText<'a> {
    /// Valid UTF-8.
    Text(&'a str),
    /// Not valid UTF-8 (or cut inside a character by the length cap).
    Bytes(&'a [u8]),
}

impl<'a> LineText<'a> {
    /// The line's bytes.
    pub fn bytes(self) -> &'a [u8] {
        match self {
            LineText::Text(s) => s.as_bytes(),
            LineText::Bytes(b) => b,
        }
    }
}

/// Calls `visit(line_number, line)` for every line of a stream (1-based numbers, newline
/// removed). Reads in large blocks and splits with memchr; a line longer than `max_line` bytes
/// is cut (the rest is skipped), so one hostile line cannot exhaust memory. Returns how many
/// lines were cut (the caller names them in a gap).
pub fn for_each_line<R: std::io::Read>(
    reader: R,
    max_line: usize,
    visit: &mut dyn FnMut(u64, &[u8]),
) -> std::io::Result<u64> {
    for_each_text_line(reader, max_line, &mut |n, l| visit(n, l.bytes()))
}

fn as_text(b: &[u8]) -> LineText<'_> {
    match std::str::from_utf8(b) {
        Ok(s) => LineText::Text(s),
        Err(_) => LineText::Bytes(b),
    }
}

/// [`for_each_line`] that also tells which lines are valid UTF-8: each block read is validated
/// once, so a text log costs no per-line check. Returns how many lines were cut at `max_line`.
pub fn for_each_text_line<R: std::io::Read>(
    mut reader: R,
    max_line: usize,
    visit: &mut dyn FnMut(u64, LineText<'_>),
) -> std::io::Result<u64> {
    let mut cut = 0u64;
    let mut buf = vec![0u8; 1 << 20];
    let mut carry: Vec<u8> = Vec::new();
    let mut skipping = false;
    let mut lineno = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let block = &buf[..n];
        // The complete lines of this block, validated at once.
        let complete_end = memchr::memrchr(b'\n', block).map_or(0, |i| i + 1);
        let text = simdutf8::basic::from_utf8(&block[..complete_end]).ok();
        let mut at = 0usize;
        while let Some(rel) = memchr::memchr(b'\n', &block[at..]) {
            let (start, end) = (at, at + rel);
            at = end + 1;
            lineno += 1;
            if skipping {
                skipping = false;
                carry.clear();
                continue;
            }
            if carry.is_empty() {
                if end - start > max_line {
                    cut += 1;
                }
                let end = start + (end - start).min(max_line);
                let line = match text.and_then(|t| t.get(start..end)) {
                    Some(s) => LineText::Text(s),
                    None => as_text(&block[start..end]),
                };
                visit(lineno, line);
            } else {
                let room = max_line.saturating_sub(carry.len());
                if end - start > room {
                    cut += 1;
                }
                carry.extend_from_slice(&block[start..end.min(start + room)]);
                visit(lineno, as_text(&carry));
                carry.clear();
            }
        }
        let tail = &block[at..];
        if !skipping {
            let room = max_line.saturating_sub(carry.len());
            carry.extend_from_slice(&tail[..tail.len().min(room)]);
            if tail.len() > room {
                lineno += 1;
                visit(lineno, as_text(&carry));
                carry.clear();
                skipping = true;
                cut += 1;
                lineno -= 1;
            }
        }
    }
    if !carry.is_empty() && !skipping {
        lineno += 1;
        visit(lineno, as_text(&carry));
    }
    Ok(cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lines_and_caps_long_ones() {
        let data = b"a\nbb\n".repeat(3);
        let mut seen = Vec::new();
        for_each_line(&data[..], 10, &mut |n, l| seen.push((n, l.to_vec()))).expect("read");
        assert_eq!(seen.len(), 6);
        let mut long = vec![b'x'; 100];
        long.extend_from_slice(b"\nok");
        let mut seen = Vec::new();
        for_each_line(&long[..], 10, &mut |n, l| seen.push((n, l.len()))).expect("read");
        assert_eq!(seen, vec![(1, 10), (2, 2)]);
    }

    /// A reader that hands out a few bytes per read, so lines straddle blocks.
    struct Trickle<'a>(&'a [u8], usize);

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn text_and_bytes_whatever_the_blocks() {
        let data = "ascii\n\u{e9}t\u{e9}\nbad \u{ff}\n\u{4e2d}\u{6587}\nlast".as_bytes();
        let mut data = data.to_vec();
        // An invalid byte in the third line.
        let bad = data.iter().position(|&c| c == b'b').expect("bad") + 4;
        data[bad] = 0xff;
        data.remove(bad + 1);
        for step in [1, 2, 3, 7, 64, 1 << 20] {
            let mut seen = Vec::new();
            for_each_text_line(Trickle(&data, step), 100, &mut |n, l| {
                seen.push((n, matches!(l, LineText::Text(_)), l.bytes().to_vec()))
            })
            .expect("read");
            let want: Vec<(u64, bool, Vec<u8>)> = data
                .split(|&c| c == b'\n')
                .enumerate()
                .map(|(i, l)| (i as u64 + 1, std::str::from_utf8(l).is_ok(), l.to_vec()))
                .collect();
            assert_eq!(seen, want, "step {step}");
        }
        // A cap that cuts a character gives bytes, not broken text.
        let mut seen = Vec::new();
        for_each_text_line("\u{e9}\u{e9}\n".as_bytes(), 3, &mut |_, l| {
            seen.push(matches!(l, LineText::Text(_)))
        })
        .expect("read");
        assert_eq!(seen, vec![false]);
    }
}
