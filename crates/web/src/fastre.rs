//! Regex construction for the detectors: `\b`, `\w`, `\s` and `\d` outside character classes
//! are made ASCII-only (`(?-u:\b)` …). Unicode word boundaries cannot run in the lazy DFA and
//! push every search on non-ASCII text (GBK/UTF-16 shells, minified libraries) onto the slow
//! engines; the tokens these patterns look for (function names, variables) are ASCII anyway.

use regex::Regex;

/// Rewrites `pattern` as described above.
pub fn ascii_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars().peekable();
    let mut class_depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(n) = chars.next() else {
                    out.push('\\');
                    break;
                };
                if class_depth == 0 && matches!(n, 'b' | 'w' | 's' | 'd' | 'B') {
                    out.push_str("(?-u:\\");
                    out.push(n);
                    out.push(')');
                } else {
                    out.push('\\');
                    out.push(n);
                }
            }
            '[' => {
                class_depth += 1;
                out.push(c);
                // A leading `]` or `^]` is a literal inside the class.
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push(']');
                    chars.next();
                }
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Compiles `pattern` with ASCII word classes.
pub fn new(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&ascii_classes(pattern))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_outside_classes_only() {
        assert_eq!(ascii_classes(r"\beval\s*\("), r"(?-u:\b)eval(?-u:\s)*\(");
        assert_eq!(ascii_classes(r"[^\w>]\\b"), r"[^\w>]\\b");
        assert_eq!(ascii_classes(r"[]\d]\d"), r"[]\d](?-u:\d)");
        assert!(new(r"(?i)\b(eval)\s*\(\s*\$_(?:GET|POST)\b")
            .expect("re")
            .is_match("EVAL( $_POST"));
        assert!(new(r"木马|\bshell\b").expect("re").is_match("木马"));
    }
}
