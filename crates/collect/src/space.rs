//! Free space, size arguments, and where the output may go.
//!
//! A bundle that fills the disk destroys evidence (logs stop, rotation deletes old files), and a
//! bundle written inside a tree being collected would collect itself and overwrite evidence
//! blocks. So free space is checked before the first byte is written, and the output directory
//! must lie outside every collected tree.

use std::path::{Path, PathBuf};

use crate::error::CollectError;

/// Bytes available to an unprivileged writer on the filesystem holding `dir`.
pub fn available_bytes(dir: &Path) -> Result<u64, CollectError> {
    let st =
        rustix::fs::statvfs(dir).map_err(|e| CollectError::read(dir, std::io::Error::from(e)))?;
    Ok(st.f_bavail.saturating_mul(st.f_frsize))
}

/// Fails when `needed` bytes do not fit in `dir`.
pub fn ensure_space(dir: &Path, needed: u64) -> Result<u64, CollectError> {
    let available = available_bytes(dir)?;
    if needed > available {
        return Err(CollectError::NoSpace {
            dir: dir.to_path_buf(),
            needed,
            available,
        });
    }
    Ok(available)
}

/// Fails when `out` (canonical host path) lies inside one of the collected trees.
pub fn ensure_outside(out: &Path, trees: &[(String, PathBuf)]) -> Result<(), CollectError> {
    for (logical, host) in trees {
        if out.starts_with(host) {
            return Err(CollectError::OutputInsideEvidence {
                out: out.to_path_buf(),
                tree: logical.clone(),
            });
        }
    }
    Ok(())
}

/// Parses a size: bytes, or with a K/M/G/T suffix (powers of 1024), e.g. `500M`, `2G`.
pub fn parse_size(s: &str) -> Result<u64, CollectError> {
    let t = s.trim();
    let (digits, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let mult: u64 = match c.to_ascii_uppercase() {
                'B' => 1,
                'K' => 1 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                'T' => 1 << 40,
                _ => return Err(CollectError::Invalid(format!("bad size {s:?}"))),
            };
            (&t[..i], mult)
        }
        _ => (t, 1),
    };
    let n: u64 = digits
        .trim()
        .parse()
        .map_err(|_| CollectError::Invalid(format!("bad size {s:?}: use e.g. 500M or 2G")))?;
    n.checked_mul(mult)
        .ok_or_else(|| CollectError::Invalid(format!("size {s:?} too large")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("100").expect("n"), 100);
        assert_eq!(parse_size("2K").expect("n"), 2048);
        assert_eq!(parse_size("500m").expect("n"), 500 << 20);
        assert_eq!(parse_size("1G").expect("n"), 1 << 30);
        assert!(parse_size("x").is_err());
        assert!(parse_size("5Q").is_err());
        assert!(parse_size("").is_err());
        assert!(parse_size("99999999999T").is_err());
    }

    #[test]
    fn output_inside_tree_is_refused() {
        let trees = vec![("/var/log".to_string(), PathBuf::from("/var/log"))];
        assert!(ensure_outside(Path::new("/var/log/case"), &trees).is_err());
        assert!(ensure_outside(Path::new("/root/case"), &trees).is_ok());
        assert!(ensure_outside(Path::new("/var/logs"), &trees).is_ok());
    }

    #[test]
    fn space_is_measured() {
        let dir = tempfile::tempdir().expect("tmp");
        assert!(available_bytes(dir.path()).expect("statvfs") > 0);
        assert!(ensure_space(dir.path(), u64::MAX).is_err());
    }
}
