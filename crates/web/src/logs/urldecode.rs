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
    // Overlong UTF-8 for '.', '/', '\' used in traversal (c0 ae, c0 af, c1 9c, e0 80 ae).
    if out.windows(2).any(|w| w[0] == 0xc0 || w[0] == 0xc1) {
        let mut fixed = Vec::with_capacity(out.len());
        let mut j = 0;
        while j < out.len() {
            match (out[j], out.get(j + 1).copied()) {
                (0xc0, Some(0xae)) => {
                    fixed.push(b'.');
                    j += 2
                }
                (0xc0, Some(0xaf)) => {
                    fixed.push(b'/');
                    j += 2
                }
                (0xc1, Some(0x9c)) => {
                    fixed.push(b'\\');
                    j += 2
                }
                (c, _) => {
                    fixed.push(c);
                    j += 1
                }
            }
        }
        out = fixed;
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
