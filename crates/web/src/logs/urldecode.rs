//! Multi-level URL decoding of request targets.
//!
//! Attackers encode payloads once, twice or three times (`%252e%252e%252f`), use `%u002e`
//! (IIS), overlong UTF-8 (`%c0%ae`) and `+` for spaces so a WAF or a naive grep misses them. The
//! classifier sees the fully decoded form: decoding repeats until nothing changes (at most
//! [`MAX_ROUNDS`] rounds), and each round also maps `%uXXXX` and the classic overlong dot/slash.

/// Maximum decoding rounds.
pub const MAX_ROUNDS: usize = 4;

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// One round of percent-decoding (`+` becomes a space when `plus` is set).
pub fn decode_once(input: &[u8], plus: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if b == b'%' {
            if i + 5 < input.len() && (input[i + 1] == b'u' || input[i + 1] == b'U') {
                if let (Some(a), Some(b2), Some(c), Some(d)) = (
                    hex(input[i + 2]),
                    hex(input[i + 3]),
                    hex(input[i + 4]),
                    hex(input[i + 5]),
                ) {
                    let cp = (a as u32) << 12 | (b2 as u32) << 8 | (c as u32) << 4 | d as u32;
                    let ch = char::from_u32(cp).unwrap_or('\u{fffd}');
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    i += 6;
                    continue;
                }
            }
            if let (Some(h), Some(l)) = (
                input.get(i + 1).copied().and_then(hex),
                input.get(i + 2).copied().and_then(hex),
            ) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
            out.push(b);
        } else if b == b'+' && plus {
            out.push(b' ');
        } else {
            out.push(b);
        }
        i += 1;
    }
    decode_overlong(out)
}

/// Maps overlong UTF-8 encodings (`c0 ae`, `e0 80 ae`, `f0 80 80 ae` …) and the broken
/// variants scanners send (`c0 2e`, `c0 .`) to the ASCII byte they spell, so `%c0%ae%c0%ae/`
/// reads as `../`. Valid UTF-8 is left alone.
fn decode_overlong(bytes: Vec<u8>) -> Vec<u8> {
    if !bytes.iter().any(|&b| matches!(b, 0xc0 | 0xc1 | 0xe0 | 0xf0)) {
        return bytes;
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match (b, bytes.get(i + 1).copied(), bytes.get(i + 2).copied(), bytes.get(i + 3).copied()) {
            (0xc0 | 0xc1, Some(x), _, _) if x >= 0x80 => {
                out.push(((b & 1) << 6) | (x & 0x3f));
                i += 2;
            }
            (0xc0 | 0xc1, Some(x), _, _) if x.is_ascii_punctuation() => {
                out.push(x);
                i += 2;
            }
            (0xe0, Some(0x80), Some(x), _) if x >= 0x80 => {
                out.push(x & 0x3f);
                i += 3;
            }
            (0xf0, Some(0x80), Some(0x80), Some(x)) if x >= 0x80 => {
                out.push(x & 0x3f);
                i += 4;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Folds look-alike separators and dots (fullwidth, division slash, set minus, the private-use
/// code points traversal fuzzers send, literal `0x2e`) to `.`, `/` and `\`, for traversal checks.
pub fn fold_separators(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        out.push(match c {
            '\u{2215}' | '\u{ff0f}' | '\u{2044}' | '\u{f025}' | '\u{efc8}' => '/',
            '\u{2216}' | '\u{ff3c}' | '\u{fe68}' => '\\',
            '\u{ff0e}' | '\u{2024}' | '\u{fe52}' => '.',
            c => c,
        });
    }
    if out.contains("0x") || out.contains("0X") {
        out = out
            .replace("0x2e", ".")
            .replace("0x2E", ".")
            .replace("0x2f", "/")
            .replace("0x2F", "/")
            .replace("0x5c", "\\")
            .replace("0x5C", "\\");
    }
    out
}

/// Decodes until stable (at most [`MAX_ROUNDS`]); returns the text and the number of rounds
/// that changed something (2+ means double encoding, itself a signal).
pub fn decode_all(input: &str) -> (String, usize) {
    let mut cur = input.as_bytes().to_vec();
    let mut rounds = 0;
    for _ in 0..MAX_ROUNDS {
        let next = decode_once(&cur, true);
        if next == cur {
            break;
        }
        cur = next;
        rounds += 1;
    }
    (String::from_utf8_lossy(&cur).into_owned(), rounds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_level() {
        assert_eq!(decode_all("%252e%252e%252fetc").0, "../etc");
        assert_eq!(decode_all("a+b%20c").0, "a b c");
        assert_eq!(decode_all("%u002e%u002e/").0, "../");
        assert_eq!(decode_all("%c0%ae%c0%ae%c0%af").0, "../");
        assert_eq!(decode_all("%").0, "%");
        assert_eq!(decode_all("%4").0, "%4");
        assert_eq!(decode_all("%zz%u12").0, "%zz%u12");
        assert_eq!(decode_all("%252e").1, 2);
    }
}
