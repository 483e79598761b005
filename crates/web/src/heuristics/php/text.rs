//! Text helpers of the PHP heuristics: call arguments, comment blanking, PHP string escapes.

use crate::fastre::Lowered;

pub(super) fn is_method_or_definition(text: &str, start: usize) -> bool {
    let before = &text[..start];
    let trimmed = before.trim_end();
    trimmed.ends_with("->")
        || trimmed.ends_with("::")
        || trimmed.ends_with('$')
        || trimmed.ends_with('\\')
        || trimmed
            .len()
            .checked_sub(8)
            .and_then(|i| trimmed.as_bytes().get(i..))
            .is_some_and(|tail| tail.eq_ignore_ascii_case(b"function"))
        || trimmed.ends_with("?->")
}

/// The argument text of a call whose `(` is just before `open_end`, balanced, capped. Parens
/// and `;` inside string literals do not count (`eval('echo 1; system($x);')`).
pub(super) fn call_args(text: &str, open_end: usize) -> &str {
    let bytes = text.as_bytes();
    let mut depth = 1usize;
    let mut i = open_end;
    let cap = (open_end + 600).min(bytes.len());
    while i < cap {
        match bytes[i] {
            q @ (b'\'' | b'"') => {
                // To the closing quote, within the cap; an unclosed one ends the arguments.
                let mut j = i + 1;
                while j < cap && bytes[j] != q {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                i = j.min(cap);
            }
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            b';' => break,
            _ => {}
        }
        i += 1;
    }
    let mut end = i.min(text.len());
    while end > open_end && !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[open_end..end]
}

/// The first argument (up to a top-level comma).
pub(super) fn first_arg(args: &str) -> &str {
    nth_arg(args, 0).unwrap_or(args)
}

/// The `n`th argument (0-based) of an argument list: split at commas outside brackets and
/// string literals.
pub(super) fn nth_arg(args: &str, n: usize) -> Option<&str> {
    let b = args.as_bytes();
    let (mut depth, mut start, mut index) = (0i32, 0usize, 0usize);
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            q @ (b'\'' | b'"') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b',' if depth == 0 => {
                if index == n {
                    return Some(&args[start..i]);
                }
                index += 1;
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    (index == n).then(|| &args[start.min(args.len())..])
}

pub(super) fn rot13(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='m' | 'A'..='M' => (c as u8 + 13) as char,
            'n'..='z' | 'N'..='Z' => (c as u8 - 13) as char,
            c => c,
        })
        .collect()
}

/// Blanks PHP comments (`//`, `#`, `/* */`) with spaces, keeping every byte offset and line,
/// so documentation that quotes `$_POST` or `eval()` does not look like code. Strings are
/// skipped (a `//` inside a URL literal is not a comment). Text outside `<?php … ?>` is kept.
pub fn strip_comments(text: &str) -> std::borrow::Cow<'_, str> {
    let b = text.as_bytes();
    if memchr::memchr3(b'/', b'#', b'*', b).is_none() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = b.to_vec();
    let mut i = 0;
    // Outside strings only quotes, `/` and `#` matter; inside, the closing quote and `\`: jump
    // from one to the next instead of looking at every byte.
    let mut next_hash = memchr::memchr(b'#', b).unwrap_or(b.len());
    let mut quote: Option<u8> = None;
    while i < b.len() {
        if let Some(q) = quote {
            match memchr::memchr2(q, b'\\', &b[i..]) {
                Some(o) if b[i + o] == b'\\' => i += o + 2,
                Some(o) => {
                    quote = None;
                    i += o + 1;
                }
                None => break,
            }
            continue;
        }
        if next_hash < i {
            next_hash = memchr::memchr(b'#', &b[i..]).map_or(b.len(), |o| i + o);
        }
        let limit = next_hash.min(b.len());
        i = memchr::memchr3(b'\'', b'"', b'/', &b[i..limit]).map_or(limit, |o| i + o);
        if i >= b.len() {
            break;
        }
        let c = b[i];
        match c {
            b'\'' | b'"' => {
                quote = Some(c);
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end =
                    memchr::memmem::find(&b[i + 2..], b"*/").map_or(b.len(), |e| i + 2 + e + 2);
                blank(&mut out, i, end);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = line_comment_end(b, i);
                blank(&mut out, i, end);
                i = end;
            }
            b'#' if b.get(i + 1) != Some(&b'[') => {
                let end = line_comment_end(b, i);
                blank(&mut out, i, end);
                i = end;
            }
            _ => i += 1,
        }
    }
    match String::from_utf8(out) {
        Ok(s) => std::borrow::Cow::Owned(s),
        Err(_) => std::borrow::Cow::Borrowed(text),
    }
}

pub(super) fn line_comment_end(b: &[u8], start: usize) -> usize {
    let mut j = start;
    while j < b.len() && b[j] != b'\n' {
        if b[j] == b'?' && b.get(j + 1) == Some(&b'>') {
            break;
        }
        j += 1;
    }
    j
}

/// Replaces bytes with spaces, keeping newlines and multi-byte characters' lengths (every byte
/// of a UTF-8 sequence becomes a space, so the result stays valid UTF-8).
pub(super) fn blank(out: &mut [u8], start: usize, end: usize) {
    let end = end.min(out.len());
    for x in &mut out[start..end] {
        if *x != b'\n' {
            *x = b' ';
        }
    }
}

/// Decodes `\xNN` and octal escapes of a double-quoted PHP literal (quotes included).
pub fn unescape_php(lit: &str) -> String {
    let inner = lit.trim_matches('"').as_bytes();
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        if inner[i] == b'\\' && i + 1 < inner.len() {
            let n = inner[i + 1];
            if (n == b'x' || n == b'X') && i + 3 < inner.len() + 1 {
                let hex =
                    std::str::from_utf8(&inner[i + 2..(i + 4).min(inner.len())]).unwrap_or("");
                if let Ok(v) = u8::from_str_radix(hex, 16) {
                    out.push(v);
                    i += 4;
                    continue;
                }
            }
            if n.is_ascii_digit() {
                let end = (i + 4).min(inner.len());
                let oct = std::str::from_utf8(&inner[i + 1..end]).unwrap_or("");
                if let Ok(v) = u8::from_str_radix(oct, 8) {
                    out.push(v);
                    i = end;
                    continue;
                }
            }
            out.push(n);
            i += 2;
            continue;
        }
        out.push(inner[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// True when the text holds a `\x` or octal (`\1`) escape at all: the escaped-string
/// heuristics need one, and skipping their search otherwise saves a pass over the file.
pub(super) fn has_escape_codes(lower: Lowered<'_>) -> bool {
    let b = lower.as_str().as_bytes();
    memchr::memchr_iter(b'\\', b).any(|i| matches!(b.get(i + 1), Some(b'x' | b'0'..=b'7')))
}

/// The byte-at-a-time version of [`strip_comments`], to compare against.
#[cfg(test)]
pub(super) fn strip_comments_reference(text: &str) -> std::borrow::Cow<'_, str> {
    let b = text.as_bytes();
    if memchr::memchr3(b'/', b'#', b'*', b).is_none() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = b.to_vec();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            b'\'' | b'"' => {
                quote = Some(c);
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end =
                    memchr::memmem::find(&b[i + 2..], b"*/").map_or(b.len(), |e| i + 2 + e + 2);
                blank(&mut out, i, end);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = line_comment_end(b, i);
                blank(&mut out, i, end);
                i = end;
            }
            b'#' if b.get(i + 1) != Some(&b'[') => {
                let end = line_comment_end(b, i);
                blank(&mut out, i, end);
                i = end;
            }
            _ => i += 1,
        }
    }
    match String::from_utf8(out) {
        Ok(s) => std::borrow::Cow::Owned(s),
        Err(_) => std::borrow::Cow::Borrowed(text),
    }
}

/// Where PHP code is, as opposed to string literals (quoted, heredoc, nowdoc) and the text
/// outside `<?php … ?>`. A call, a backtick or a variable name inside a string is not one:
/// `"$function("` in an SQL template interpolates a name, `'create_function()'` is a message,
/// a backtick in a quoted SQL statement quotes an identifier.
///
/// Built from text whose comments [`strip_comments`] blanked (a quote in a comment is gone).
pub(super) struct CodeMap {
    /// Sorted, disjoint byte ranges that are not code.
    not_code: Vec<(usize, usize)>,
}

impl CodeMap {
    pub(super) fn new(text: &str) -> CodeMap {
        let b = text.as_bytes();
        let mut not_code = Vec::new();
        // A file with no opening tag at all (a fragment, a decoded payload) is all code.
        let tagged = memchr::memmem::find(b, b"<?").is_some();
        let mut i = 0;
        if tagged {
            // Outside PHP up to the first tag.
            let open = memchr::memmem::find(b, b"<?").unwrap_or(b.len());
            not_code.push((0, open));
            i = open;
        }
        // The next `?` is remembered, not searched for from every stop: a file with quotes
        // everywhere and no `?` would be walked once per quote.
        let mut next_q = 0usize;
        while i < b.len() {
            if tagged && next_q < i {
                next_q = memchr::memchr(b'?', &b[i..]).map_or(usize::MAX, |o| i + o);
            }
            let limit = if tagged { next_q.min(b.len()) } else { b.len() };
            let o = match memchr::memchr3(b'\'', b'"', b'<', &b[i..limit]) {
                Some(o) => o,
                None if limit < b.len() => limit - i,
                None => break,
            };
            i += o;
            match b[i] {
                q @ (b'\'' | b'"') => {
                    let start = i;
                    i += 1;
                    while i < b.len() {
                        match memchr::memchr2(q, b'\\', &b[i..]) {
                            Some(o) if b[i + o] == b'\\' => i += o + 2,
                            Some(o) => {
                                i += o + 1;
                                break;
                            }
                            None => i = b.len(),
                        }
                    }
                    not_code.push((start, i.min(b.len())));
                }
                b'<' if b[i..].starts_with(b"<<<") => {
                    let start = i;
                    i = heredoc_end(b, i + 3);
                    not_code.push((start, i));
                }
                b'?' if tagged && b.get(i + 1) == Some(&b'>') => {
                    let start = i + 2;
                    let open =
                        memchr::memmem::find(&b[start..], b"<?").map_or(b.len(), |o| start + o);
                    not_code.push((start, open));
                    i = open.max(start);
                }
                _ => i += 1,
            }
        }
        CodeMap { not_code }
    }

    /// True when the byte at `pos` is PHP code (not in a string or outside the tags).
    pub(super) fn in_code(&self, pos: usize) -> bool {
        let k = self.not_code.partition_point(|&(s, _)| s <= pos);
        k == 0 || self.not_code[k - 1].1 <= pos
    }
}

/// The end of a heredoc/nowdoc whose `<<<` ends just before `i`: the line that starts (after
/// blanks) with its label, or the end of the text.
fn heredoc_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t') {
        i += 1;
    }
    let quoted = matches!(b.get(i), Some(b'\'' | b'"'));
    if quoted {
        i += 1;
    }
    let label_start = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80) {
        i += 1;
    }
    let label = &b[label_start..i];
    if label.is_empty() {
        return i;
    }
    // The body starts on the next line.
    let mut line = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |o| i + o + 1);
    while line < b.len() {
        let mut j = line;
        while j < b.len() && matches!(b[j], b' ' | b'\t') {
            j += 1;
        }
        if b[j..].starts_with(label)
            && b.get(j + label.len())
                .is_none_or(|&c| !(c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80))
        {
            return j + label.len();
        }
        line = memchr::memchr(b'\n', &b[line..]).map_or(b.len(), |o| line + o + 1);
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_comments_matches_the_plain_loop() {
        for text in [
            "<?php // c\n$a = '//x'; # h\n/* b */ $b = \"a\\\"#\"; #[Attr] $c; ?>x // y",
            "'unterminated # /* ",
            "\"a\\\\\" // c\n'it\\'s' /* never closed",
            "#[x] # y ?> z\n//",
            "é/*ü*/ö#ß\n'\\",
            "",
            "/",
            "a/b*c",
        ] {
            assert_eq!(
                strip_comments(text),
                strip_comments_reference(text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn code_map_tells_strings_and_html_from_code() {
        let text = "<html>$x(<?php $f = \"$function(\" . 'create_function()';\n\
                    echo <<<EOT\n`ls $_GET[a]`\nEOT;\n$g($y); ?> tail `x` <?= $h() ?>";
        let code = CodeMap::new(text);
        let at = |needle: &str| text.find(needle).expect(needle);
        assert!(!code.in_code(at("$x(")), "HTML before the tag");
        assert!(code.in_code(at("$f =")));
        assert!(!code.in_code(at("$function(")));
        assert!(!code.in_code(at("create_function")));
        assert!(!code.in_code(at("`ls")), "heredoc body");
        assert!(code.in_code(at("$g(")));
        assert!(!code.in_code(at("`x`")));
        assert!(code.in_code(at("$h()")));
        // No tag at all: a fragment, all code.
        let frag = "$a($_POST[1]);";
        assert!(CodeMap::new(frag).in_code(0));
    }
}
