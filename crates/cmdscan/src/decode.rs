//! Payload decoding: base64 and hex-escaped text hidden inside a command.
//!
//! `echo YmFzaCAtaSA+Ji… | base64 -d | bash` is the commonest way to slip a reverse shell past a
//! pattern list (and past a responder reading a crontab by eye). This module finds candidate
//! encoded literals, decodes them, and keeps only results that are plausible text, which the
//! detector then scans again. A decoded payload that itself matches a rule is reported twice:
//! the inner hit (marked `decoded_from`) and one `obfuscated_payload` hit for the wrapper.

use base64::Engine;
use huoyan_core::Severity;

use crate::Hit;

/// Shortest base64 literal decoded when the command mentions base64 decoding.
const MIN_B64_WITH_HINT: usize = 12;
/// Shortest bare base64 literal decoded without any hint.
const MIN_B64_BARE: usize = 40;
/// At most this many candidates per command (a hostile line can hold thousands).
const MAX_CANDIDATES: usize = 16;

/// One decoded payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// `base64` or `hex`.
    pub encoding: &'static str,
    /// The encoded literal as written.
    pub encoded: String,
    /// The decoded text.
    pub text: String,
}

impl Payload {
    /// The hit for the wrapper: a command that hides another command in encoded form.
    pub fn hit(&self) -> Hit {
        Hit {
            rule: format!("decode.{}_payload", self.encoding),
            category: "obfuscated_payload".into(),
            severity: Severity::High,
            excerpt: crate::excerpt(&self.text),
            reason: format!(
                "A {}-encoded literal decodes to a command that matches detection rules",
                self.encoding
            ),
            reason_zh: format!("{} 编码的字符串解码后是可疑命令", self.encoding),
            attack: "T1027".into(),
            decoded_from: Some(self.encoding.into()),
        }
    }
}

fn is_b64_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

/// True when decoded bytes look like text a shell or interpreter would run.
fn plausible_text(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    if text.len() < 6 {
        return None;
    }
    let printable = text
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        .count();
    let letters = text.chars().filter(|c| c.is_ascii_alphabetic()).count();
    let total = text.chars().count();
    (printable * 100 >= total * 95 && letters * 100 >= total * 15).then(|| text.to_string())
}

fn decode_b64(token: &str) -> Option<Vec<u8>> {
    let trimmed = token.trim_end_matches('=');
    let engines = [
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    engines.iter().find_map(|e| e.decode(trimmed).ok())
}

/// Candidate base64 tokens: maximal runs of the alphabet with optional `=` padding.
fn b64_tokens(text: &str, min_len: usize) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() && out.len() < MAX_CANDIDATES {
        if !is_b64_byte(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_b64_byte(bytes[i]) {
            i += 1;
        }
        while i < bytes.len() && bytes[i] == b'=' {
            i += 1;
        }
        let token = &text[start..i];
        let core = token.trim_end_matches('=');
        let mixed = core.bytes().any(|b| b.is_ascii_uppercase())
            && core.bytes().any(|b| b.is_ascii_lowercase());
        if core.len() >= min_len && mixed {
            out.push(token);
        }
    }
    out
}

/// `\xNN` escape runs (as used with `echo -e` / `printf`).
fn hex_escapes(text: &str) -> Option<String> {
    if !text.contains("\\x") {
        return None;
    }
    let bytes = text.as_bytes();
    let mut decoded = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'x') {
            if let Some(b) = text
                .get(i + 2..i + 4)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            {
                decoded.push(b);
                i += 4;
                continue;
            }
        }
        i += 1;
    }
    (decoded.len() >= 8)
        .then_some(decoded)
        .and_then(|d| plausible_text(&d))
}

/// Every decodable payload in `text`.
pub fn payloads(text: &str) -> Vec<Payload> {
    let lower = text.to_ascii_lowercase();
    let hinted = lower.contains("base64") || lower.contains("b64decode") || lower.contains("atob(");
    let min = if hinted {
        MIN_B64_WITH_HINT
    } else {
        MIN_B64_BARE
    };
    let mut out = Vec::new();
    for token in b64_tokens(text, min) {
        if let Some(decoded) = decode_b64(token).and_then(|b| plausible_text(&b)) {
            out.push(Payload {
                encoding: "base64",
                encoded: token.to_string(),
                text: decoded,
            });
        }
    }
    if let Some(decoded) = hex_escapes(text) {
        out.push(Payload {
            encoding: "hex",
            encoded: String::new(),
            text: decoded,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_hinted_base64() {
        let p = payloads("echo aWQ7dW5hbWUgLWE= | base64 -d | sh");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].text, "id;uname -a");
    }

    #[test]
    fn ignores_paths_hashes_and_binary() {
        assert!(
            payloads("/usr/lib/x86_64-linux-gnu/libSomething/AbcDefGhiJklMnoPqrStu").is_empty()
        );
        assert!(payloads(
            "sha256sum e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
        .is_empty());
        assert!(payloads("echo ////////////// | base64 -d").is_empty());
    }

    #[test]
    fn decodes_hex_escapes() {
        let p = payloads(r"printf '\x2f\x62\x69\x6e\x2f\x73\x68\x20\x2d\x69'");
        assert_eq!(p[0].text, "/bin/sh -i");
    }

    #[test]
    fn garbage_and_truncated_input() {
        assert!(payloads("\\x").is_empty());
        assert!(payloads("\\x4").is_empty());
        assert!(payloads("base64 -d ====").is_empty());
        assert!(payloads("").is_empty());
    }
}
