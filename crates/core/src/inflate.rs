//! Caps on decompressed bytes: a rotated `auth.log.9.gz` of a few kilobytes may inflate to a
//! gigabyte of newlines, and ten of them to ten. Every decompressing reader of logs goes through
//! [`Capped`], which stops a file at [`MAX_INFLATED_PER_FILE`] bytes and all files of one run
//! together at [`MAX_INFLATED_PER_RUN`], with an error that names what was left out (the
//! callers record it as a gap).

use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};

/// Most bytes decompressed from one file.
pub const MAX_INFLATED_PER_FILE: u64 = 256 << 20;
/// Most bytes decompressed from every compressed log of one run together.
pub const MAX_INFLATED_PER_RUN: u64 = 1 << 30;

static RUN_LEFT: AtomicU64 = AtomicU64::new(MAX_INFLATED_PER_RUN);

/// A decompressing reader with a per-file and a per-run budget.
#[derive(Debug)]
pub struct Capped<R> {
    inner: R,
    cap: u64,
    read: u64,
    what: String,
}

impl<R: Read> Capped<R> {
    /// `inner` capped at [`MAX_INFLATED_PER_FILE`]; `what` names the file in the error.
    pub fn new(inner: R, what: &str) -> Self {
        Self::with_cap(inner, MAX_INFLATED_PER_FILE, what)
    }

    /// `inner` capped at `cap` bytes.
    pub fn with_cap(inner: R, cap: u64, what: &str) -> Self {
        Capped {
            inner,
            cap,
            read: 0,
            what: what.to_string(),
        }
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let left = self.cap.saturating_sub(self.read);
        if left == 0 {
            // At the cap: an error only if there is more.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other(format!(
                    "{}: decompressed size over the cap of {} bytes; the rest was not read",
                    self.what, self.cap
                ))),
            };
        }
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n > 0 {
            let charged = RUN_LEFT
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |l| {
                    l.checked_sub(n as u64)
                })
                .is_ok();
            if !charged {
                return Err(io::Error::other(format!(
                    "{}: the decompression budget of {MAX_INFLATED_PER_RUN} bytes for all \
                     compressed files of this run is used up; the rest was not read",
                    self.what
                )));
            }
        }
        self.read += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_at_the_cap_with_an_error_naming_the_file() {
        let data = vec![b'\n'; 10_000];
        let mut out = Vec::new();
        let err = Capped::with_cap(&data[..], 4096, "auth.log.2.gz")
            .read_to_end(&mut out)
            .expect_err("over the cap");
        assert_eq!(out.len(), 4096);
        assert!(err.to_string().contains("auth.log.2.gz"), "{err}");
        // Exactly at the cap is not an error.
        let mut out = Vec::new();
        Capped::with_cap(&data[..], 10_000, "x")
            .read_to_end(&mut out)
            .expect("whole");
        assert_eq!(out.len(), 10_000);
    }
}
