//! Streaming SHA-256 of files and readers.
//!
//! Evidence is identified by its SHA-256 everywhere (manifests, process executables, recovered
//! files). Hashing streams in fixed-size blocks so a large file never sits in memory.

use std::io::Read;

use sha2::{Digest, Sha256};

/// SHA-256 of everything a reader yields, with the byte count.
pub fn sha256_reader(mut reader: impl Read) -> std::io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), total))
}

/// SHA-256 of a byte slice, hex.
pub fn sha256_bytes(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vector() {
        assert_eq!(
            sha256_bytes(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let (h, n) = sha256_reader(&b"abc"[..]).expect("hash");
        assert_eq!(n, 3);
        assert_eq!(h, sha256_bytes(b"abc"));
    }
}
