//! Which server-side language a web file is (or pretends not to be).
//!
//! The extension decides what the server executes (`.php`, `.jsp`, `.aspx` …), but an attacker
//! also hides code in `.jpg`, `.txt` or `.inc` files that an `include` or a handler trick runs.
//! So the language comes from the extension first and, for anything else, from the content: a
//! `<?php` tag, JSP directives, `<%@ Page Language=` and so on.

use std::path::Path;

/// Languages the scanner has heuristics for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// PHP (php, phtml, php3-8, pht, phar, inc).
    Php,
    /// Java Server Pages (jsp, jspx, jspf).
    Jsp,
    /// Classic ASP (VBScript/JScript).
    Asp,
    /// ASP.NET (aspx, ashx, asmx, ascx, cshtml, svc).
    Aspx,
    /// ColdFusion.
    Cfm,
    /// Python CGI.
    Python,
    /// Perl CGI.
    Perl,
    /// Shell CGI.
    Shell,
}

impl Lang {
    /// Short name.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Php => "php",
            Lang::Jsp => "jsp",
            Lang::Asp => "asp",
            Lang::Aspx => "aspx",
            Lang::Cfm => "cfm",
            Lang::Python => "python",
            Lang::Perl => "perl",
            Lang::Shell => "shell",
        }
    }

    /// Language from an extension (lower-cased, without the dot).
    pub fn from_extension(ext: &str) -> Option<Lang> {
        Some(match ext {
            "php" | "phtml" | "php3" | "php4" | "php5" | "php7" | "php8" | "pht" | "phps"
            | "phar" | "inc" | "shtml" => Lang::Php,
            "jsp" | "jspx" | "jspf" | "jhtml" => Lang::Jsp,
            "asp" | "asa" | "cer" | "cdx" => Lang::Asp,
            "aspx" | "ashx" | "asmx" | "ascx" | "cshtml" | "svc" | "soap" => Lang::Aspx,
            "cfm" | "cfml" | "cfc" => Lang::Cfm,
            "py" => Lang::Python,
            "pl" | "pm" => Lang::Perl,
            "cgi" | "sh" => Lang::Shell,
            _ => return None,
        })
    }

    /// Language from a path's extension.
    pub fn from_path(path: &Path) -> Option<Lang> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Lang::from_extension(&ext)
    }

    /// Language from content (first 64 KiB looked at), for files whose extension says nothing.
    pub fn sniff(text: &str) -> Option<Lang> {
        // 65,536 characters take at least as many bytes: shorter texts are whole.
        let head = if text.len() <= 65_536 {
            text
        } else {
            match text.char_indices().nth(65_536) {
                Some((i, _)) => &text[..i],
                None => text,
            }
        };
        let h = head.as_bytes();
        let has = |needle: &str| contains_ignore_case(h, needle.as_bytes());
        if php_tag(h).is_some() {
            return Some(Lang::Php);
        }
        if has("<%@ page") && (has("import=") || has("java")) {
            return Some(Lang::Jsp);
        }
        if has("<jsp:") || has("java.io.") || has("java.lang.") {
            return Some(Lang::Jsp);
        }
        if has("<%@ page language=\"c#\"")
            || has("<%@ page language=\"jscript\"")
            || has("<%@ webhandler")
            || has("runat=\"server\"")
            || has("system.diagnostics")
        {
            return Some(Lang::Aspx);
        }
        if has("<%") && (has("request") || has("server.")) {
            return Some(Lang::Asp);
        }
        if has("<cf") {
            return Some(Lang::Cfm);
        }
        if h.starts_with(b"#!") {
            let first = head.lines().next().unwrap_or("").as_bytes();
            if contains_ignore_case(first, b"perl") {
                return Some(Lang::Perl);
            }
            if contains_ignore_case(first, b"python") {
                return Some(Lang::Python);
            }
            if contains_ignore_case(first, b"sh") {
                return Some(Lang::Shell);
            }
        }
        if has("<?") && (has("$_") || has("eval(")) && !looks_binary(h) {
            return Some(Lang::Php);
        }
        None
    }
}

/// The offset of the first PHP opening tag in `h` that code follows: `<?php` followed by a
/// blank (or the end), or `<?=` followed by printable text that holds `?>`, `$` or `(`.
///
/// Compressed data (a PNG, a zlib font file) holds `<?=` by chance every few megabytes, and a
/// GBK reading of its bytes turns the rest into letters; a tag is only code when code follows.
pub fn php_tag(h: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'<', &h[from..]).map(|i| from + i) {
        from = i + 1;
        if h.get(i + 1) != Some(&b'?') {
            continue;
        }
        let rest = &h[i + 2..];
        let after = if rest.len() >= 3 && rest[..3].eq_ignore_ascii_case(b"php") {
            if rest.get(3).is_none_or(|b| b.is_ascii_whitespace()) {
                return Some(i);
            }
            &rest[3..]
        } else if rest.first() == Some(&b'=') {
            &rest[1..]
        } else {
            continue;
        };
        if code_follows(after) {
            return Some(i);
        }
    }
    None
}

/// Printable text right after a tag that closes it (`?>`) or holds `$` or `(`.
fn code_follows(after: &[u8]) -> bool {
    let run = after
        .iter()
        .take(64)
        .take_while(|&&b| (0x20..0x7f).contains(&b) || matches!(b, b'\t' | b'\n' | b'\r'))
        .count();
    let run = &after[..run];
    memchr::memmem::find(run, b"?>").is_some()
        || (run.len() >= 4 && run.iter().any(|&b| b == b'$' || b == b'('))
}

/// True when the text's first 4 KiB hold many control characters or U+FFFD replacements: the
/// decoding of a binary file, not source text.
fn looks_binary(h: &[u8]) -> bool {
    let head = &h[..h.len().min(4096)];
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c))
        .count();
    let replaced = memchr::memmem::find_iter(head, "\u{fffd}".as_bytes()).count();
    (control + replaced) * 20 > head.len().max(1)
}

/// True when `needle` (lower-case ASCII) occurs in `hay` ignoring ASCII case: what
/// `hay.to_ascii_lowercase().contains(needle)` says, without copying the text.
pub fn contains_ignore_case(hay: &[u8], needle: &[u8]) -> bool {
    if needle.is_empty() {
        return true;
    }
    // Jump between occurrences of the needle's rarest byte (either case), not its first one:
    // `request` is looked for at each `q`, not at each `r`.
    let (at, &anchor) = needle
        .iter()
        .enumerate()
        .min_by_key(|&(_, &b)| commonness(b))
        .unwrap_or((0, &needle[0]));
    let upper = anchor.to_ascii_uppercase();
    let mut from = at;
    while let Some(i) = memchr::memchr2(anchor, upper, hay.get(from..).unwrap_or(&[])) {
        let start = from + i - at;
        if hay
            .get(start..start + needle.len())
            .is_some_and(|t| t.eq_ignore_ascii_case(needle))
        {
            return true;
        }
        from += i + 1;
    }
    false
}

/// How common a byte is in source text (lower is rarer): letters by English frequency, then
/// blanks and the most common punctuation; other bytes count as rare.
fn commonness(b: u8) -> usize {
    const LETTERS: &[u8] = b"qjzxkvbpygfwmucldrhsnioate";
    match b.to_ascii_lowercase() {
        l @ b'a'..=b'z' => 10 + LETTERS.iter().position(|&x| x == l).unwrap_or(0),
        b' ' | b'\t' | b'\n' | b'\r' => 40,
        b'.' | b',' | b';' | b'(' | b')' | b'$' | b'=' | b'"' | b'\'' | b'_' | b'-' | b'/' => 5,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_extension_and_content() {
        assert_eq!(Lang::from_path(Path::new("/a/B.PHP5")), Some(Lang::Php));
        assert_eq!(Lang::from_path(Path::new("/a/x.ashx")), Some(Lang::Aspx));
        assert_eq!(Lang::from_path(Path::new("/a/x.jpg")), None);
        assert_eq!(Lang::sniff("GIF89a<?php eval($_POST[1]);"), Some(Lang::Php));
        assert_eq!(
            Lang::sniff("<%@ Page Language=\"C#\" %><% x %>"),
            Some(Lang::Aspx)
        );
        assert_eq!(
            Lang::sniff("<%@ page import=\"java.io.*\"%>"),
            Some(Lang::Jsp)
        );
        assert_eq!(Lang::sniff("hello world"), None);
        assert_eq!(Lang::sniff("#!/usr/bin/PERL -w\nx"), Some(Lang::Perl));
        assert_eq!(Lang::sniff("<? echo $_GET[1];"), Some(Lang::Php));
        assert!(contains_ignore_case(b"xx<?PhP", b"<?php"));
        assert!(contains_ignore_case(b"a ReQuEsT", b"request"));
        assert!(!contains_ignore_case(b"reques", b"request"));
        assert!(contains_ignore_case(b"qqrequest", b"request"));
        assert!(contains_ignore_case(b"x", b""));
        assert!(!contains_ignore_case(b"", b"q"));
        // Against lower-case-then-contains on pseudo-random text over a small alphabet.
        let alphabet = b"rRqQeEuUsStT<%@ =\"";
        let mut x: u32 = 7;
        let mut next = || {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            alphabet[(x >> 16) as usize % alphabet.len()]
        };
        for _ in 0..2000 {
            let hay: Vec<u8> = (0..24).map(|_| next()).collect();
            let lower = hay.to_ascii_lowercase();
            for needle in [&b"request"[..], b"<%@ ", b"rq", b"e", b"\"s"] {
                let want = lower.windows(needle.len()).any(|w| w == needle);
                assert_eq!(
                    contains_ignore_case(&hay, needle),
                    want,
                    "{hay:?} {needle:?}"
                );
            }
        }
        assert!(!contains_ignore_case(b"<?ph", b"<?php"));
        assert!(contains_ignore_case(
            b"RUNAT=\"Server\"",
            b"runat=\"server\""
        ));
    }
}
