//! PHP patterns whose first byte is everywhere in PHP (`$`, a quote) searched from a rarer byte
//! inside them.
//!
//! A regex that starts at `$` or at a quote gives the engine nothing to skip to: it walks every
//! PHP file in the DFA, and these few patterns were a large share of the scan. Each finder here
//! looks for the byte or token every match must contain (the `.` joining two literals, the `^`
//! of an XOR, a request superglobal), walks back from it to the only place a match can start,
//! and asks the pattern for a match starting exactly there ([`StartsAt`]). The candidates cover
//! every match start, so the results are those of the plain search over the whole text (the
//! tests compare both on tricky inputs; the corpora give the same verdicts).

use std::collections::HashSet;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use crate::fastre::{is_space, is_word, skip_space_back, word_run_back, Lowered, Span, StartsAt};

fn is_quote(b: u8) -> bool {
    b == b'"' || b == b'\''
}

static DIRECT_SOURCES: LazyLock<AhoCorasick> =
    LazyLock::new(|| leftmost_first(&["$_get", "$_post", "$_request", "$_cookie"]));

const DIRECT_WRAPPERS: &[&[u8]] = &[
    b"trim",
    b"stripslashes",
    b"base64_decode",
    b"urldecode",
    b"rawurldecode",
    b"str_rot13",
    b"strrev",
    b"gzinflate",
    b"hex2bin",
];

/// The variables the pattern
/// `(?im)(?:^|[;{}(])\s*@?\$([a-z_]\w*)\s*=\s*@?\s*(?:(?:trim|…|hex2bin)\s*\(\s*@?\s*)*\$_(?:GET|POST|REQUEST|COOKIE)\s*[\[;]`
/// captures, left to right and non-overlapping like its `captures_iter`: found from each
/// superglobal backwards.
pub(super) fn direct_taint_names(lower: Lowered<'_>) -> HashSet<String> {
    let hay = lower.as_str();
    let b = hay.as_bytes();
    let mut names = HashSet::new();
    let mut last_end = 0usize;
    for token in DIRECT_SOURCES.find_iter(hay) {
        let after = token.end()
            + (b[token.end()..]
                .iter()
                .take_while(|&&c| is_space(c))
                .count());
        if !matches!(b.get(after), Some(b'[' | b';')) {
            continue;
        }
        let end = after + 1;
        // Walk back through `\s*@?\s*` and any `wrapper\s*\(` to the `=`; wrapper names that end
        // alike (urldecode, rawurldecode) make more than one way back.
        let mut frontier = vec![token.start()];
        let mut equals = Vec::new();
        while let Some(pos) = frontier.pop() {
            let mut j = skip_space_back(b, pos);
            if j > 0 && b[j - 1] == b'@' {
                j = skip_space_back(b, j - 1);
            }
            match j.checked_sub(1).map(|k| b[k]) {
                Some(b'=') => equals.push(j - 1),
                Some(b'(') => {
                    let k = skip_space_back(b, j - 1);
                    for w in DIRECT_WRAPPERS {
                        if b[..k].ends_with(w) {
                            frontier.push(k - w.len());
                        }
                    }
                }
                _ => {}
            }
        }
        let mut best: Option<(usize, usize, usize)> = None; // (start, name start, name end)
        for eq in equals {
            let name_end = skip_space_back(b, eq);
            let name_start = word_run_back(b, name_end);
            if name_start == name_end
                || name_start == 0
                || b[name_start - 1] != b'$'
                || !(b[name_start].is_ascii_lowercase() || b[name_start] == b'_')
            {
                continue;
            }
            let mut k = name_start - 1;
            if k > 0 && b[k - 1] == b'@' {
                k -= 1;
            }
            let r = skip_space_back(b, k);
            // The earliest start at or after `last_end`: the `[;{}(]` before the blanks, or a
            // line start among them.
            let start = if r > 0 && matches!(b[r - 1], b';' | b'{' | b'}' | b'(') && r > last_end {
                Some(r - 1)
            } else {
                (r.max(last_end)..=k).find(|&p| p == 0 || b[p - 1] == b'\n')
            };
            if let Some(start) = start {
                if best.is_none_or(|(s, _, _)| start < s) {
                    best = Some((start, name_start, name_end));
                }
            }
        }
        if let Some((_, ns, ne)) = best {
            names.insert(hay[ns..ne].to_string());
            last_end = end;
        }
    }
    names
}

/// Where a match of `\$\w+\s*\.` or `["'](piece)["']\s*\.` ending at the dot `d` can start:
/// the `$` of the variable, or the opening quote of a literal of 1..=`max_piece` bytes made of
/// `piece` bytes.
fn dot_joined_starts(
    b: &[u8],
    d: usize,
    max_piece: usize,
    piece: fn(u8) -> bool,
) -> [Option<usize>; 2] {
    let e = skip_space_back(b, d);
    if e == 0 {
        return [None, None];
    }
    let last = b[e - 1];
    if is_word(last) {
        let s = word_run_back(b, e);
        let var = (s > 0 && b[s - 1] == b'$').then(|| s - 1);
        return [var, None];
    }
    if is_quote(last) {
        let close = e - 1;
        let mut s = close;
        while s > 0 && close - s < max_piece && piece(b[s - 1]) {
            s -= 1;
        }
        let lit = (s > 0 && s < close && is_quote(b[s - 1])).then(|| s - 1);
        return [None, lit];
    }
    [None, None]
}

/// Every `.` in the text.
fn dots(b: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'.', b)
}

static PARTIAL_PIECE_AT: LazyLock<StartsAt> = LazyLock::new(|| {
    StartsAt::new(
        r#"(?:\$\w+\s*\.\s*["']([a-z_(]{3,12})["'])|(?:["']([a-z_(]{3,12})["']\s*\.\s*\$\w+)"#,
    )
    .expect("static regex")
});

/// The first match of `PARTIAL_PIECE` whose piece satisfies `keep`, with the piece.
pub(super) fn partial_piece(text: &str, keep: impl Fn(&str) -> bool) -> Option<(Span, &str)> {
    let b = text.as_bytes();
    let mut starts: Vec<usize> = dots(b)
        .flat_map(|d| {
            let piece = |c: u8| c.is_ascii_lowercase() || c == b'_' || c == b'(';
            // A longer run before the quote is not a piece; 13 bytes are enough to tell.
            let [var, lit] = dot_joined_starts(b, d, 13, piece);
            [var, lit]
        })
        .flatten()
        .collect();
    starts.sort_unstable();
    let mut caps = PARTIAL_PIECE_AT.captures();
    let mut last_end = 0;
    for &s in &starts {
        if s < last_end || !PARTIAL_PIECE_AT.captures_at(text, s, &mut caps) {
            continue;
        }
        let (Some(whole), Some(piece)) =
            (caps.get_group(0), caps.get_group(1).or(caps.get_group(2)))
        else {
            continue;
        };
        last_end = whole.end;
        let piece = &text[piece.range()];
        if keep(piece) {
            return Some((Span::new(whole.start, whole.end), piece));
        }
    }
    None
}

static CHAR_CHAIN_AT: LazyLock<StartsAt> = LazyLock::new(|| {
    StartsAt::new(
        r#"(?:["'][^"'\n]{1,2}["']\s*\.\s*(?:[^;.\n]{0,30}\.\s*)?){3,}["'][^"'\n]{1,2}["']"#,
    )
    .expect("static regex")
});

/// The matches of `CHAR_CHAIN` (`'a'.'s'.'s'.'e'…`), left to right: each starts at a literal of
/// one or two characters followed by `.`.
pub(super) fn char_chains(text: &str) -> Vec<Span> {
    let b = text.as_bytes();
    let mut starts: Vec<usize> = dots(b)
        .filter_map(|d| {
            let e = skip_space_back(b, d);
            if e == 0 || !is_quote(b[e - 1]) {
                return None;
            }
            // One or two characters (not quotes or newlines) back to the opening quote.
            let mut chars = text[..e - 1].char_indices().rev();
            let first = chars.next()?;
            if first.1 == '"' || first.1 == '\'' || first.1 == '\n' {
                return None;
            }
            let second = chars.next()?;
            if second.1 == '"' || second.1 == '\'' {
                return Some(second.0);
            }
            if second.1 == '\n' {
                return None;
            }
            let third = chars.next()?;
            (third.1 == '"' || third.1 == '\'').then_some(third.0)
        })
        .collect();
    starts.sort_unstable();
    CHAR_CHAIN_AT.iter_from(text, &starts).collect()
}

static CONCAT_LITERALS_RE: LazyLock<regex::Regex> = LazyLock::new(|| {
    crate::fastre::new(r#"(?:["'][A-Za-z0-9_]{0,14}["']\s*\.\s*){1,16}["'][A-Za-z0-9_]{0,14}["']"#)
        .expect("static regex")
});

/// The matches of `CONCAT_LITERALS` (`"as"."sert"`), left to right. A match is made only of
/// quotes, word bytes, blanks and dots and holds a quote-dot-quote join; the pattern (which has
/// no anchors) runs only over the stretches of such bytes around a join.
pub(super) fn concatenated_literals(text: &str) -> Vec<Span> {
    let b = text.as_bytes();
    let allowed = |c: u8| is_word(c) || is_quote(c) || is_space(c) || c == b'.';
    let mut out = Vec::new();
    let mut done = 0usize;
    for d in dots(b) {
        if d < done {
            continue;
        }
        let l = skip_space_back(b, d);
        let mut r = d + 1;
        while r < b.len() && is_space(b[r]) {
            r += 1;
        }
        if l == 0 || !is_quote(b[l - 1]) || !b.get(r).copied().is_some_and(is_quote) {
            continue;
        }
        let mut start = l - 1;
        while start > done && allowed(b[start - 1]) {
            start -= 1;
        }
        let mut end = r;
        while end < b.len() && allowed(b[end]) {
            end += 1;
        }
        out.extend(
            CONCAT_LITERALS_RE
                .find_iter(&text[start..end])
                .map(|m| Span::new(start + m.start(), start + m.end())),
        );
        done = end;
    }
    out
}

static XOR_LOOP_AT: LazyLock<StartsAt> = LazyLock::new(|| {
    StartsAt::new(
        r"\$\w+\s*\[\s*\$\w+\s*\]\s*\^\s*\$\w+\s*\[|\bopenssl_decrypt\s*\(|\bmcrypt_decrypt\s*\(",
    )
    .expect("static regex")
});

/// The first match of `XOR_LOOP` (`$k[$i] ^ $d[`, `openssl_decrypt(`, `mcrypt_decrypt(`).
#[cfg(test)]
pub(super) fn xor_loop(text: &str) -> Option<Span> {
    xor_loops(text).next()
}

/// Every match start of `XOR_LOOP`, left to right (matches may overlap).
pub(super) fn xor_loops(text: &str) -> impl Iterator<Item = Span> + '_ {
    let b = text.as_bytes();
    let mut starts: Vec<usize> = memchr::memchr_iter(b'^', b)
        .filter_map(|x| {
            // Back through `$w[ $w ]` and the blanks around it.
            let j = skip_space_back(b, x);
            (j > 0 && b[j - 1] == b']').then_some(())?;
            let j = skip_space_back(b, j - 1);
            let w = word_run_back(b, j);
            (w < j && w > 0 && b[w - 1] == b'$').then_some(())?;
            let j = skip_space_back(b, w - 1);
            (j > 0 && b[j - 1] == b'[').then_some(())?;
            let j = skip_space_back(b, j - 1);
            let w = word_run_back(b, j);
            (w < j && w > 0 && b[w - 1] == b'$').then_some(w - 1)
        })
        .collect();
    for lit in ["openssl_decrypt", "mcrypt_decrypt"] {
        starts.extend(memchr::memmem::find_iter(b, lit.as_bytes()));
    }
    starts.sort_unstable();
    starts.into_iter().filter_map(|s| XOR_LOOP_AT.at(text, s))
}

static REQUEST_INPUTS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    leftmost_first(&[
        "$_get",
        "$_post",
        "$_request",
        "$_cookie",
        "$_server",
        "getallheaders",
        "file_get_contents",
    ])
});

/// An automaton the packed (SIMD) searcher can run: with the default (standard) semantics
/// every search walks the text byte by byte. None of these token lists has a token that is a
/// prefix of another, and a token overlapping an earlier one cannot start a match, so the
/// non-overlapping leftmost matches are the ones needed.
pub(super) fn leftmost_first(tokens: &[&str]) -> AhoCorasick {
    AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostFirst)
        .build(tokens)
        .expect("static automaton")
}

/// The pattern of `VAR_CALL_ON_REQUEST`, tried where a walk back from request input allows.
pub(super) const VAR_CALL_ON_REQUEST: &str = r#"(?i)\$\{?[a-z_]\w*\}?\s*(?:\[[^\]]{0,40}\]\s*)?\(\s*@?\s*(?:\$_(?:GET|POST|REQUEST|COOKIE)\b|\$_SERVER\s*\[\s*["']HTTP_|getallheaders\s*\(|file_get_contents\s*\(\s*["']php://input)"#;

static VAR_CALL_ON_REQUEST_AT: LazyLock<StartsAt> =
    LazyLock::new(|| StartsAt::new_ci(VAR_CALL_ON_REQUEST).expect("static regex"));

/// The start of `$name` / `${name` whose name ends at `end` (exclusive), if any.
fn variable_start(b: &[u8], end: usize) -> Option<usize> {
    let ns = word_run_back(b, end);
    if ns == end || !(b[ns].is_ascii_lowercase() || b[ns] == b'_') || ns == 0 {
        return None;
    }
    match b[ns - 1] {
        b'$' => Some(ns - 1),
        b'{' if ns >= 2 && b[ns - 2] == b'$' => Some(ns - 2),
        _ => None,
    }
}

/// `$f($_POST['x'])`, `$f[0](getallheaders())`: the first match of `VAR_CALL_ON_REQUEST` that
/// `find_not_after(lower, not_after)` accepts, found from the request input backwards.
pub(super) fn var_call_on_request(lower: Lowered<'_>, not_after: &[u8]) -> Option<Span> {
    let hay = lower.as_str();
    let b = hay.as_bytes();
    let mut starts = Vec::new();
    for token in REQUEST_INPUTS.find_iter(hay) {
        // Back through `(\s*@?\s*`.
        let mut j = skip_space_back(b, token.start());
        if j > 0 && b[j - 1] == b'@' {
            j = skip_space_back(b, j - 1);
        }
        if j == 0 || b[j - 1] != b'(' {
            continue;
        }
        let k = skip_space_back(b, j - 1);
        // `name}?` right before, or `name}?\s*[…]\s*` with up to 40 characters in the brackets.
        let mut name_ends = Vec::new();
        if k > 0 && b[k - 1] == b']' {
            let inner = &hay[..k - 1];
            for (n, (o, c)) in inner.char_indices().rev().enumerate() {
                if c == ']' || n > 40 {
                    break;
                }
                if c == '[' {
                    name_ends.push(skip_space_back(b, o));
                }
            }
        } else {
            name_ends.push(k);
        }
        for e in name_ends {
            let e = if e > 0 && b[e - 1] == b'}' { e - 1 } else { e };
            starts.extend(variable_start(b, e));
        }
    }
    starts.sort_unstable();
    starts.dedup();
    starts.into_iter().find_map(|q| {
        let m = VAR_CALL_ON_REQUEST_AT.at(hay, q)?;
        let start = crate::fastre::start_not_after(hay, q, not_after, 0)?;
        Some(Span::new(start, m.end()))
    })
}

/// `\$[^\x00-\x7f]{3,}`: `$` followed by three or more non-ASCII characters, left to right.
pub(super) fn non_ascii_variables(text: &str) -> impl Iterator<Item = Span> + '_ {
    let mut from = 0usize;
    std::iter::from_fn(move || {
        while let Some(i) = memchr::memchr(b'$', &text.as_bytes()[from..]).map(|i| from + i) {
            let run: usize = text[i + 1..]
                .chars()
                .take_while(|c| !c.is_ascii())
                .map(char::len_utf8)
                .sum();
            let chars = text[i + 1..i + 1 + run].chars().count();
            from = i + 1;
            if chars >= 3 {
                from = i + 1 + run;
                return Some(Span::new(i, i + 1 + run));
            }
        }
        None
    })
}

static SINK_LITERAL: LazyLock<crate::fastre::CiRegex> = LazyLock::new(|| {
    crate::fastre::CiRegex::new(r#"(?i)(?:assert|eval|system|passthru|shell_exec|create_function|call_user_func|base64_decode|str_rot13|gzinflate)["']\s*;"#)
        .expect("static regex")
});

/// The first match of `=\s*["'](?:assert|eval|…)["']\s*;` (a sink's name assigned to a
/// variable), found from the quoted name back to the `=`.
pub(super) fn sink_literal_assign(lower: Lowered<'_>) -> Option<Span> {
    let b = lower.as_str().as_bytes();
    // Searched from the name (a quote as first byte leaves the engine nothing to skip to); the
    // opening quote must be right before it.
    SINK_LITERAL.find_iter(lower).find_map(|m| {
        let q = m.start().checked_sub(1)?;
        if !is_quote(b[q]) {
            return None;
        }
        let e = skip_space_back(b, q);
        (e > 0 && b[e - 1] == b'=').then(|| Span::new(e - 1, m.end()))
    })
}

/// The starts of `\$\{?name\}?` (with `braces`) or `\$name` ending just before `end` (blanks
/// already skipped), optionally followed by one `\[[^\]]{0,40}\]\s*` index: where a variable
/// that is called or assigned at `end` can begin.
fn variable_starts_before(hay: &str, end: usize, braces: bool, out: &mut Vec<usize>) {
    let b = hay.as_bytes();
    let mut push = |e: usize| {
        if braces {
            let e = if e > 0 && b[e - 1] == b'}' { e - 1 } else { e };
            out.extend(variable_start(b, e));
        } else {
            let ns = word_run_back(b, e);
            if ns < e
                && ns > 0
                && b[ns - 1] == b'$'
                && (b[ns].is_ascii_lowercase() || b[ns] == b'_')
            {
                out.push(ns - 1);
            }
        }
    };
    if end > 0 && b[end - 1] == b']' {
        for (count, (o, c)) in hay[..end - 1].char_indices().rev().enumerate() {
            if c == ']' || count > 40 {
                break;
            }
            if c == '[' {
                push(skip_space_back(b, o));
            }
        }
    } else {
        push(end);
    }
}

/// Where a match of `VAR_CALL` (`$f(`, `${f}[0] (`) can start: found from every `(`.
pub(super) fn var_call_starts(lower: Lowered<'_>) -> Vec<usize> {
    let hay = lower.as_str();
    let b = hay.as_bytes();
    let mut out = Vec::new();
    for p in memchr::memchr_iter(b'(', b) {
        variable_starts_before(hay, skip_space_back(b, p), true, &mut out);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Where a match of `TAINT_ASSIGN` (`$a =`, `$a['x'] .=`) can start: found from every `=`.
pub(super) fn assignment_starts(lower: Lowered<'_>) -> Vec<usize> {
    let hay = lower.as_str();
    let b = hay.as_bytes();
    let mut out = Vec::new();
    for p in memchr::memchr_iter(b'=', b) {
        let j = if p > 0 && b[p - 1] == b'.' { p - 1 } else { p };
        variable_starts_before(hay, skip_space_back(b, j), false, &mut out);
    }
    out.sort_unstable();
    out.dedup();
    out
}

pub(super) static VAR_CALL_AT: LazyLock<StartsAt> =
    LazyLock::new(|| StartsAt::new_ci(super::patterns::VAR_CALL).expect("static regex"));

pub(super) static TAINT_ASSIGN_AT: LazyLock<StartsAt> =
    LazyLock::new(|| StartsAt::new_ci(super::patterns::TAINT_ASSIGN).expect("static regex"));

/// `(?:""|'')\s*,` occurs (an empty string passed as a first argument): found from each pair
/// of quotes instead of from every quote.
pub(super) fn has_empty_string_arg(lower: Lowered<'_>) -> bool {
    let b = lower.as_str().as_bytes();
    let followed_by_comma = |i: usize| {
        b[i + 2..]
            .iter()
            .find(|&&c| !is_space(c))
            .is_some_and(|&c| c == b',')
    };
    memchr::memmem::find_iter(b, b"''").any(followed_by_comma)
        || memchr::memmem::find_iter(b, b"\"\"").any(followed_by_comma)
}

/// `UNDERSCORE_CALL.find_not_after(lower, not_after)` (`\$_{1,8}\s*\(`, as `$_($__)`) checked
/// in code at each `$_`: one to eight underscores, blanks, `(`.
pub(super) fn underscore_call(lower: Lowered<'_>, not_after: &[u8]) -> Option<Span> {
    let hay = lower.as_str();
    let b = hay.as_bytes();
    memchr::memmem::find_iter(b, b"$_").find_map(|p| {
        let underscores = b[p + 1..].iter().take_while(|&&c| c == b'_').count();
        if underscores > 8 {
            return None;
        }
        let mut e = p + 1 + underscores;
        while e < b.len() && is_space(b[e]) {
            e += 1;
        }
        if b.get(e) != Some(&b'(') {
            return None;
        }
        let start = crate::fastre::start_not_after(hay, p, not_after, 0)?;
        Some(Span::new(start, e + 1))
    })
}

#[cfg(test)]
mod tests;
