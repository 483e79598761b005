//! Private SSH keys: presence, type and whether they are protected by a passphrase.
//!
//! A private key left on a compromised host tells the responder where the attacker could move
//! next (an unencrypted `id_ed25519` with a matching `authorized_keys` elsewhere is a path to the
//! next server) and whether the attacker planted their own. Its *content* is a secret of the
//! victim, so the bundle records only what it is; the content goes in only with
//! `--include-private-keys`.
//!
//! Formats recognised from the bytes alone (pure function, no file access):
//! - OpenSSH `-----BEGIN OPENSSH PRIVATE KEY-----` (the `openssh-key-v1` container: cipher name
//!   `none` means unencrypted; the key type is the first string of the public key blob);
//! - PEM `BEGIN RSA/DSA/EC PRIVATE KEY` (encrypted when a `Proc-Type: 4,ENCRYPTED` header is
//!   present);
//! - PKCS#8 `BEGIN PRIVATE KEY` (unencrypted) and `BEGIN ENCRYPTED PRIVATE KEY`;
//! - PuTTY `PuTTY-User-Key-File-N: type` with `Encryption: none|aes256-cbc`.

use base64::Engine;
use serde::{Deserialize, Serialize};

/// What a private key file is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyInfo {
    /// Container format (`openssh`, `pem`, `pkcs8`, `putty`).
    pub format: String,
    /// Key algorithm (`ssh-ed25519`, `ssh-rsa`, `rsa`, `ec` …) or `unknown`.
    pub key_type: String,
    /// True when a passphrase protects it; `None` when that could not be told.
    pub encrypted: Option<bool>,
    /// The cipher named by the container, when it names one.
    pub cipher: Option<String>,
}

const OPENSSH_BEGIN: &[u8] = b"-----BEGIN OPENSSH PRIVATE KEY-----";
const OPENSSH_END: &[u8] = b"-----END OPENSSH PRIVATE KEY-----";

/// Classifies file bytes; `None` when they are not a private key.
pub fn classify(data: &[u8]) -> Option<KeyInfo> {
    let start = memfind(data, b"-----BEGIN ").or_else(|| memfind(data, b"PuTTY-User-Key-File-"))?;
    let data = &data[start..];
    if data.starts_with(b"PuTTY-User-Key-File-") {
        return Some(classify_putty(data));
    }
    if data.starts_with(OPENSSH_BEGIN) {
        return Some(classify_openssh(data));
    }
    let line_end = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let first = String::from_utf8_lossy(&data[..line_end]);
    let label = first
        .trim()
        .strip_prefix("-----BEGIN ")?
        .strip_suffix("-----")?
        .to_string();
    let head = &data[..data.len().min(4096)];
    match label.as_str() {
        "PRIVATE KEY" => Some(KeyInfo {
            format: "pkcs8".into(),
            key_type: "unknown".into(),
            encrypted: Some(false),
            cipher: None,
        }),
        "ENCRYPTED PRIVATE KEY" => Some(KeyInfo {
            format: "pkcs8".into(),
            key_type: "unknown".into(),
            encrypted: Some(true),
            cipher: None,
        }),
        l if l.ends_with(" PRIVATE KEY") => {
            let algo = l.trim_end_matches(" PRIVATE KEY").to_ascii_lowercase();
            let encrypted = memfind(head, b"Proc-Type: 4,ENCRYPTED").is_some();
            let cipher = memfind(head, b"DEK-Info: ").map(|at| {
                let rest = &head[at + 10..];
                let end = rest
                    .iter()
                    .position(|&b| b == b',' || b == b'\n' || b == b'\r')
                    .unwrap_or(rest.len());
                String::from_utf8_lossy(&rest[..end]).into_owned()
            });
            Some(KeyInfo {
                format: "pem".into(),
                key_type: algo,
                encrypted: Some(encrypted),
                cipher,
            })
        }
        _ => None,
    }
}

fn classify_putty(data: &[u8]) -> KeyInfo {
    let text = String::from_utf8_lossy(&data[..data.len().min(4096)]);
    let mut key_type = "unknown".to_string();
    let mut cipher = None;
    for line in text.lines() {
        if let Some((k, v)) = line.split_once(':') {
            if k.starts_with("PuTTY-User-Key-File-") {
                key_type = v.trim().to_string();
            } else if k == "Encryption" {
                cipher = Some(v.trim().to_string());
            }
        }
    }
    KeyInfo {
        format: "putty".into(),
        key_type,
        encrypted: cipher.as_deref().map(|c| c != "none"),
        cipher,
    }
}

fn classify_openssh(data: &[u8]) -> KeyInfo {
    let unknown = KeyInfo {
        format: "openssh".into(),
        key_type: "unknown".into(),
        encrypted: None,
        cipher: None,
    };
    let body_start = OPENSSH_BEGIN.len();
    let body_end = memfind(data, OPENSSH_END).unwrap_or(data.len().min(64 * 1024));
    if body_end < body_start {
        return unknown;
    }
    let b64: Vec<u8> = data[body_start..body_end]
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let Ok(blob) = base64::engine::general_purpose::STANDARD.decode(&b64) else {
        return unknown;
    };
    parse_openssh_blob(&blob).unwrap_or(unknown)
}

/// Parses the `openssh-key-v1` container (cipher, kdf, key count, first public key's type).
fn parse_openssh_blob(blob: &[u8]) -> Option<KeyInfo> {
    let mut rest = blob.strip_prefix(b"openssh-key-v1\0")?;
    let cipher = take_string(&mut rest)?;
    let _kdf = take_string(&mut rest)?;
    let _kdf_options = take_string(&mut rest)?;
    let count = take_u32(&mut rest)?;
    let key_type = if count >= 1 {
        let public = take_string(&mut rest)?;
        let mut p = public;
        take_string(&mut p).map(|t| String::from_utf8_lossy(t).into_owned())
    } else {
        None
    };
    let cipher = String::from_utf8_lossy(cipher).into_owned();
    Some(KeyInfo {
        format: "openssh".into(),
        key_type: key_type.unwrap_or_else(|| "unknown".into()),
        encrypted: Some(cipher != "none"),
        cipher: Some(cipher),
    })
}

fn take_u32(rest: &mut &[u8]) -> Option<u32> {
    let (head, tail) = rest.split_first_chunk::<4>()?;
    *rest = tail;
    Some(u32::from_be_bytes(*head))
}

fn take_string<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = take_u32(rest)? as usize;
    if len > rest.len() {
        return None;
    }
    let (s, tail) = rest.split_at(len);
    *rest = tail;
    Some(s)
}

fn memfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    // An unencrypted ed25519 key made with `ssh-keygen -t ed25519 -N ''` for this test only.
    const ED25519_PLAIN: &str = "-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACDktOJWl54jZw4nNW/b0bon8nNHImeLenmvDPNqIxvxbAAAAJCnrF6Lp6xe
iwAAAAtzc2gtZWQyNTUxOQAAACDktOJWl54jZw4nNW/b0bon8nNHImeLenmvDPNqIxvxbA
AAAEDDGcRtjSrFCzfTysMplfavnClLSuyjrUv7RbYnrRAJZuS04laXniNnDic1b9vRuify
c0ciZ4t6ea8M82ojG/FsAAAAC3Rlc3RAaHVveWFuAQI=
-----END OPENSSH PRIVATE KEY-----
";

    #[test]
    fn openssh_unencrypted_ed25519() {
        let info = classify(ED25519_PLAIN.as_bytes()).expect("key");
        assert_eq!(info.format, "openssh");
        assert_eq!(info.key_type, "ssh-ed25519");
        assert_eq!(info.encrypted, Some(false));
    }

    #[test]
    fn openssh_encrypted_header() {
        // Container with cipher aes256-ctr, kdf bcrypt, one key of type ssh-rsa.
        let mut blob = b"openssh-key-v1\0".to_vec();
        for s in [&b"aes256-ctr"[..], b"bcrypt", b""] {
            blob.extend((s.len() as u32).to_be_bytes());
            blob.extend(s);
        }
        blob.extend(1u32.to_be_bytes());
        let mut public = Vec::new();
        public.extend(7u32.to_be_bytes());
        public.extend(b"ssh-rsa");
        blob.extend((public.len() as u32).to_be_bytes());
        blob.extend(&public);
        let text = format!(
            "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(&blob)
        );
        let info = classify(text.as_bytes()).expect("key");
        assert_eq!(info.key_type, "ssh-rsa");
        assert_eq!(info.encrypted, Some(true));
        assert_eq!(info.cipher.as_deref(), Some("aes256-ctr"));
    }

    #[test]
    fn pem_and_pkcs8() {
        let enc = b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00FF\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        let info = classify(enc).expect("key");
        assert_eq!(
            (info.format.as_str(), info.key_type.as_str()),
            ("pem", "rsa")
        );
        assert_eq!(info.encrypted, Some(true));
        assert_eq!(info.cipher.as_deref(), Some("AES-128-CBC"));
        let plain = b"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n";
        assert_eq!(classify(plain).expect("key").encrypted, Some(false));
        let p8 = b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIF\n";
        assert_eq!(classify(p8).expect("key").encrypted, Some(true));
        let putty = b"PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n";
        let info = classify(putty).expect("key");
        assert_eq!(
            (info.key_type.as_str(), info.encrypted),
            ("ssh-ed25519", Some(false))
        );
    }

    #[test]
    fn not_keys_and_garbage() {
        assert!(classify(b"ssh-ed25519 AAAAC3Nz user@host\n").is_none());
        assert!(classify(b"-----BEGIN CERTIFICATE-----\n").is_none());
        assert!(classify(b"").is_none());
        let info = classify(b"-----BEGIN OPENSSH PRIVATE KEY-----\n!!!notbase64").expect("key");
        assert_eq!(info.encrypted, None);
        let truncated = &ED25519_PLAIN.as_bytes()[..60];
        assert!(classify(truncated).is_some());
    }
}
