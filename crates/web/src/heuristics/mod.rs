//! Language-aware webshell heuristics: what signatures miss.
//!
//! A YARA rule names a known family; these heuristics look at what a webshell must *do*: take
//! input from the request and hand it to something that executes (PHP `eval`/`assert`/`system`,
//! `preg_replace` with `/e`, `create_function`, variable functions; JSP `Runtime.exec`,
//! `ProcessBuilder`, custom `ClassLoader.defineClass` as used by Behinder and Godzilla; ASP
//! `Execute`/`Eval` of `Request`, `WScript.Shell`), hide it behind decode chains (base64,
//! gzinflate, str_rot13, hex, `chr()` concatenation), or smuggle PHP into images and server
//! configs (`.user.ini`, `.htaccess`). Each heuristic reports its id, severity and an excerpt.

pub mod asp;
pub mod generic;
pub mod jsp;
pub mod php;
pub mod tricks;

use huoyan_core::Severity;
use serde::Serialize;

use crate::lang::Lang;

/// Which engine produced a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// A YARA rule (the project's own or the user's).
    Yara,
    /// A built-in heuristic.
    Heuristic,
}

/// One detector that fired on a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hit {
    /// Rule or heuristic id (`php.request_to_eval`, `yara:huoyan_php_eval_request`).
    pub rule: String,
    /// Engine.
    pub engine: Engine,
    /// How bad.
    pub severity: Severity,
    /// What it means, in English.
    pub description: String,
    /// Byte (or char) offset of the match in the text it was found in.
    pub offset: usize,
    /// The matching excerpt, control characters escaped, at most ~160 characters.
    pub excerpt: String,
}

impl Hit {
    /// A heuristic hit at `start..end` of `text`.
    pub fn heuristic(
        rule: &str,
        severity: Severity,
        description: &str,
        text: &str,
        start: usize,
        end: usize,
    ) -> Hit {
        Hit {
            rule: rule.to_string(),
            engine: Engine::Heuristic,
            severity,
            description: description.to_string(),
            offset: start,
            excerpt: excerpt(text, start, end),
        }
    }
}

/// The excerpt of `text[start..end]` (clamped to char boundaries and 160 chars), with control
/// characters escaped so it is safe on a terminal and in one JSON line.
pub fn excerpt(text: &str, start: usize, end: usize) -> String {
    let mut s = start.min(text.len());
    while s > 0 && !text.is_char_boundary(s) {
        s -= 1;
    }
    let mut e = end.clamp(s, text.len());
    while e < text.len() && !text.is_char_boundary(e) {
        e += 1;
    }
    let piece: String = text[s..e].chars().take(160).collect();
    let mut out = String::with_capacity(piece.len());
    for c in piece.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push(' '),
            c if huoyan_core::text::is_dangerous(c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// Runs the heuristics for `lang` (or all code heuristics when unknown) over decoded text.
pub fn analyse(lang: Option<Lang>, text: &str) -> Vec<Hit> {
    let mut hits = Vec::new();
    match lang {
        Some(Lang::Php) => php::analyse(text, &mut hits),
        Some(Lang::Jsp) => jsp::analyse(text, &mut hits),
        Some(Lang::Asp) | Some(Lang::Aspx) => asp::analyse(text, &mut hits),
        Some(Lang::Cfm) | Some(Lang::Python) | Some(Lang::Perl) | Some(Lang::Shell) => {
            generic::analyse_cgi(text, &mut hits)
        }
        None => {}
    }
    generic::analyse_encoded(text, lang, &mut hits);
    hits
}

/// Shannon entropy in bits per byte.
pub fn entropy(data: &[u8]) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let mut counts = [0usize; 256];
    for &b in data {
        counts[b as usize] += 1;
    }
    let n = data.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_is_safe_and_bounded() {
        let t = "a\u{1b}[31m\nb".repeat(100);
        let e = excerpt(&t, 0, t.len());
        assert!(!e.contains('\u{1b}') && !e.contains('\n'));
        assert!(e.chars().count() < 400);
        assert_eq!(excerpt("héllo", 2, 3), "é");
        assert_eq!(excerpt("x", 5, 9), "");
    }

    #[test]
    fn entropy_bounds() {
        assert_eq!(entropy(b"aaaa"), 0.0);
        let all: Vec<u8> = (0..=255).collect();
        assert!((entropy(&all) - 8.0).abs() < 1e-9);
    }
}
