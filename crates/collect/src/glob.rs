//! Wildcards in collection-plan paths (`/etc/rc?.d`, `/home/*/.ssh`).
//!
//! Only `*` (any run of characters) and `?` (one character) inside one path component, matched
//! on raw bytes because file names are attacker-chosen and need not be UTF-8. No `**`, no
//! brackets: the plan is data a responder edits quickly, and a tiny syntax keeps it predictable.

/// True when a component pattern contains a wildcard.
pub fn has_wildcard(pattern: &[u8]) -> bool {
    pattern.iter().any(|&b| b == b'*' || b == b'?')
}

/// Matches one name against one component pattern.
pub fn matches(pattern: &[u8], name: &[u8]) -> bool {
    // Iterative matcher with one backtrack point for the last `*` (linear in practice).
    let (mut p, mut n) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(&c) if c == b'?' || c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    p = sp + 1;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_and_star() {
        assert!(matches(b"rc?.d", b"rc3.d"));
        assert!(!matches(b"rc?.d", b"rc.d"));
        assert!(matches(b"*", b"anything"));
        assert!(matches(b"*.log", b"access.log"));
        assert!(!matches(b"*.log", b"access.log.1"));
        assert!(matches(b"a*b*c", b"axxbyyc"));
        assert!(!matches(b"a*b*c", b"axxbyy"));
        assert!(matches(b"", b""));
        assert!(!matches(b"", b"x"));
        assert!(matches(b"x*", b"x\xff\xfe"));
    }

    #[test]
    fn detects_wildcards() {
        assert!(has_wildcard(b"rc?.d"));
        assert!(!has_wildcard(b"passwd"));
    }
}
