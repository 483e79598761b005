//! Escaping attacker-chosen text.
//!
//! Process names, command lines, file names, log lines and user names are all chosen by the
//! attacker. Printed raw, an ANSI escape can rewrite the responder's terminal (hide a line, fake
//! a "clean" verdict) and a newline can forge a table row. Everything from the host goes through
//! [`sanitize`] or [`escape_bytes`] before it reaches a terminal: control characters, ANSI escape
//! introducers, Unicode bidirectional overrides and invalid UTF-8 are shown as visible escapes.

use std::borrow::Cow;

/// Converts bytes to a `String`, keeping valid UTF-8 as it is and writing each invalid byte as
/// `\xNN`. Use for storing host text in JSON (JSON escapes control characters itself).
pub fn bytes_to_string(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => {
            let mut out = String::with_capacity(bytes.len() + 8);
            for chunk in bytes.utf8_chunks() {
                out.push_str(chunk.valid());
                for b in chunk.invalid() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
            out
        }
    }
}

/// True for characters that must never reach a terminal raw.
pub fn is_dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200b}'..='\u{200f}'   // zero-width and directional marks
            | '\u{2028}' | '\u{2029}' // line/paragraph separators
            | '\u{202a}'..='\u{202e}' // bidi embeddings and overrides
            | '\u{2066}'..='\u{2069}' // bidi isolates
            | '\u{feff}')
}

/// Escapes control characters, bidi controls and the like in a string for terminal display.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_dangerous) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// Escapes raw bytes for terminal display: invalid UTF-8 as `\xNN`, controls as escapes.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            push_escaped(&mut out, c);
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{1b}' => out.push_str("\\e"),
        c if (c as u32) < 0x100 && is_dangerous(c) => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if is_dangerous(c) => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
        c => out.push(c),
    }
}

/// Shortens text to at most `max` characters, marking the cut with `…`.
pub fn truncate_chars(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some((idx, _)) => Cow::Owned(format!("{}…", &s[..idx])),
    }
}

/// Joins NUL-separated arguments (as in /proc/PID/cmdline) with spaces.
pub fn nul_args_to_string(raw: &[u8]) -> String {
    let trimmed = raw.strip_suffix(b"\0").unwrap_or(raw);
    let joined: Vec<u8> = trimmed
        .iter()
        .map(|&b| if b == 0 { b' ' } else { b })
        .collect();
    bytes_to_string(&joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_ansi_and_newlines() {
        assert_eq!(sanitize("a\nb\x1b[31mc"), "a\\nb\\e[31mc");
        assert_eq!(sanitize("plain"), "plain");
        assert_eq!(sanitize("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(sanitize("\u{9b}"), "\\x9b");
    }

    #[test]
    fn invalid_utf8_is_visible() {
        assert_eq!(escape_bytes(b"a\xffb\x07"), "a\\xffb\\x07");
        assert_eq!(bytes_to_string(b"a\xffb"), "a\\xffb");
    }

    #[test]
    fn truncates_on_char_boundary() {
        assert_eq!(truncate_chars("火眼金睛", 2), "火眼…");
        assert_eq!(truncate_chars("ab", 2), "ab");
    }
}
