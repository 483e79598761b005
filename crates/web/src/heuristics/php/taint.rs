//! Request input in PHP: superglobals, and variables assigned from them (one level of taint).

use std::collections::HashSet;
use std::ops::Range;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use crate::fastre::Lowered;

use super::anchored::TAINT_ASSIGN_AT;
use super::patterns::*;

/// Variables assigned straight from a request superglobal (`$f = $_POST['f'];`), the strict
/// taint used where code commonly handles request data legitimately.
pub(super) fn direct_tainted(lower: Lowered<'_>) -> HashSet<String> {
    super::anchored::direct_taint_names(lower)
}

/// True when the (lowered) text names a request superglobal at all: without one, neither
/// [`direct_tainted`] nor [`starts_with_source`] can match anything.
pub(super) fn mentions_request(lower: Lowered<'_>) -> bool {
    REQUEST_TOKENS.is_match(lower.as_str())
}

static REQUEST_TOKENS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    super::anchored::leftmost_first(&[
        "$_get",
        "$_post",
        "$_request",
        "$_cookie",
        "$_files",
        "$_server",
        "getallheaders",
        "php://input",
        "$http_",
    ])
});

/// Every assignment `$name … = value;` (value at most 300 characters, up to the first `;`), left
/// to right and non-overlapping: the lowered variable name and the value's range.
pub(super) fn assignments(lower: Lowered<'_>) -> Vec<(String, Range<usize>)> {
    let hay = lower.as_str();
    let mut out = Vec::new();
    let mut pos = 0;
    // Every match starts at one of these; the first one at or after `pos` that matches is the
    // match a search from `pos` finds.
    let starts = super::anchored::assignment_starts(lower);
    let mut next = 0;
    let mut caps = TAINT_ASSIGN_AT.captures();
    while pos < hay.len() {
        next += starts[next..].partition_point(|&s| s < pos);
        let Some(found) = starts[next..]
            .iter()
            .position(|&s| TAINT_ASSIGN_AT.captures_at(hay, s, &mut caps))
        else {
            break;
        };
        next += found;
        let (Some(whole), Some(name)) = (caps.get_group(0), caps.get_group(1)) else {
            break;
        };
        let name = &hay[name.range()];
        let whole = crate::fastre::Span::new(whole.start, whole.end);
        let value_start = whole.end();
        let semicolon = hay[value_start..]
            .char_indices()
            .take(301)
            .find(|&(_, ch)| ch == ';')
            .map(|(i, _)| value_start + i);
        match semicolon {
            Some(end) => {
                // A default parameter (`function f($a = 'x') { … }`) or an assignment inside a
                // condition ends at the `)` that closes what it is in.
                let value_end = value_start + unbalanced_close(&hay[value_start..end]);
                out.push((name.to_string(), value_start..value_end));
                pos = end + 1;
            }
            // No `;` close enough: no assignment starts here; the next may start inside.
            None => pos = whole.start() + 1,
        }
    }
    out
}

/// The offset of the first `)` or `]` that closes a bracket opened before `value` (outside
/// string literals), or `value.len()`.
fn unbalanced_close(value: &str) -> usize {
    let b = value.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'(' | b'[' => depth += 1,
            b')' | b']' => {
                if depth == 0 {
                    return i;
                }
                depth -= 1;
            }
            _ => {}
        }
        i += 1;
    }
    b.len()
}

pub(super) fn tainted_vars(text: &str, lower: Lowered<'_>) -> HashSet<String> {
    let mut set = HashSet::new();
    if !mentions_request(lower) {
        return set;
    }
    // Where request input is named at all: a value without one of these cannot be a source,
    // and most assignments are skipped without running the source pattern on them.
    let tokens: Vec<usize> = REQUEST_TOKENS
        .find_iter(lower.as_str())
        .map(|m| m.start())
        .collect();
    let assigned = assignments(lower);
    for (name, value) in &assigned {
        let first = tokens.partition_point(|&t| t < value.start);
        let names_input = tokens.get(first).is_some_and(|&t| t < value.end);
        if names_input && starts_with_source(&text[value.clone()]) {
            set.insert(name.clone());
        }
    }
    // A second pass catches one level of copying ($a = $_POST['x']; $b = $a;).
    if !set.is_empty() {
        let mut more = Vec::new();
        for (name, value) in &assigned {
            if mentions_tainted(&text[value.clone()], &set) {
                more.push(name.clone());
            }
        }
        set.extend(more);
    }
    set
}

/// Flow for one variable at `pos`: walking back over its assignments before `pos`, a value
/// holding request input (or a tainted variable) taints it; an untainted assignment that
/// dominates `pos` (its block is still open there: no `}` closes it in between) ends the walk
/// untainted. An assignment in a branch (`if (…) { $c = $_POST['c']; } else { $c = $d; }`)
/// does not end it. A variable not reassigned before `pos` keeps the file-wide verdict. So a
/// variable that took request input once and was later given a closure or a constant in the
/// same block is not request input where it is called.
pub(super) fn tainted_at(
    text: &str,
    assigned: &[(String, Range<usize>)],
    var: &str,
    pos: usize,
    tainted: &HashSet<String>,
) -> bool {
    for (_, value) in assigned
        .iter()
        .rev()
        .filter(|(name, value)| name == var && value.end <= pos)
    {
        let v = &text[value.clone()];
        if starts_with_source(v) || SOURCE_IN_SLICE.is_match(v) || mentions_tainted(v, tainted) {
            return true;
        }
        if block_open_between(text, value.start, pos) {
            return false;
        }
    }
    true
}

/// True when no `}` closes, between `from` and `to`, a block that was open at `from` (string
/// literals skipped).
fn block_open_between(text: &str, from: usize, to: usize) -> bool {
    let b = text.as_bytes();
    let mut depth = 0i64;
    let mut i = from;
    while i < to.min(b.len()) {
        match b[i] {
            q @ (b'\'' | b'"') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
        i += 1;
    }
    true
}

/// [`is_request_input`] at `pos`: the arguments name request input directly, or a tainted
/// variable whose last assignment before `pos` is request input ([`tainted_at`]).
pub(super) fn is_request_input_at(
    text: &str,
    args: &str,
    pos: usize,
    assigned: &[(String, Range<usize>)],
    tainted: &HashSet<String>,
) -> bool {
    let escaped;
    let args = if ESCAPED.is_match(args) {
        escaped = without_escaped(args);
        escaped.as_str()
    } else {
        args
    };
    // `'$_REQUEST["x"]'` is text: single quotes interpolate nothing.
    let unquoted;
    let args = if args.contains('\'') {
        unquoted = without_single_quoted(args);
        unquoted.as_str()
    } else {
        args
    };
    if SOURCE_IN_SLICE.is_match(args) {
        return true;
    }
    let b = args.as_bytes();
    memchr::memchr_iter(b'$', b).any(|i| {
        let n = b[i + 1..]
            .iter()
            .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'_')
            .count();
        let name = args[i + 1..i + 1 + n].to_ascii_lowercase();
        n > 0 && tainted.contains(&name) && tainted_at(text, assigned, &name, pos, tainted)
    })
}

/// `args` with the contents of single-quoted literals blanked (double-quoted ones interpolate
/// and are kept).
fn without_single_quoted(args: &str) -> String {
    let b = args.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'\'' => {
                i += 1;
                while i < b.len() && b[i] != b'\'' {
                    let step = if b[i] == b'\\' { 2 } else { 1 };
                    for x in out.iter_mut().skip(i).take(step) {
                        if x.is_ascii() {
                            *x = b' ';
                        }
                    }
                    i += step;
                }
            }
            _ => {}
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| args.to_string())
}

static ESCAPED: LazyLock<regex::Regex> = LazyLock::new(|| {
    crate::fastre::new(
        r"(?i)\b(?:escapeshellarg|intval|floatval)\s*\(|\(\s*(?:int|float|bool)\s*\)",
    )
    .expect("static regex")
});

/// `args` with every `escapeshellarg(…)`, `intval(…)` … call and `(int)` cast operand blanked
/// when a command comes before it: request input passed through them reaches the command as
/// one quoted word or a number, which is how applications call programs safely. At the start
/// of the command it still names the program to run, and is kept (`escapeshellcmd` never
/// counts: it leaves the command to the request).
fn without_escaped(args: &str) -> String {
    let mut out = args.to_string();
    for m in ESCAPED
        .find_iter(args)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        let head = args[..m.start()].trim_matches(|c: char| c.is_whitespace() || c == '@');
        if head.is_empty() {
            continue;
        }
        let lower = m.as_str().to_ascii_lowercase();
        let end = if lower.starts_with('(') {
            // A cast: blank the operand (one variable with its indexes).
            let rest = &args[m.end()..];
            let n = rest
                .char_indices()
                .find(|&(_, c)| !(c.is_ascii_alphanumeric() || "$_[]'\"".contains(c) || c == ' '))
                .map_or(rest.len(), |(i, _)| i);
            m.end() + n
        } else {
            m.end() + super::text::call_args(args, m.end()).len()
        };
        out.replace_range(
            m.start()..end.min(out.len()),
            &" ".repeat(end.min(out.len()) - m.start()),
        );
    }
    out
}

/// True when the expression *is* request input (possibly decoded), not merely uses it as an
/// index into trusted data.
pub(super) fn starts_with_source(expr: &str) -> bool {
    WRAPPED_SOURCE.is_match(expr)
}

pub(super) fn mentions_tainted(s: &str, tainted: &HashSet<String>) -> bool {
    if tainted.is_empty() {
        return false;
    }
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(pos) = memchr::memchr(b'$', &bytes[i..]) {
        let start = i + pos + 1;
        let mut end = start;
        while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
            end += 1;
        }
        if end > start && tainted.contains(&s[start..end].to_ascii_lowercase()) {
            return true;
        }
        i = start;
        if i >= bytes.len() {
            break;
        }
    }
    false
}

/// The expression begins with a request superglobal itself (`$_SERVER` only with a
/// request-controlled key: headers, the query, the URI).
pub(super) fn starts_with_direct_source(expr: &str) -> bool {
    let e = expr.trim_start().trim_start_matches('@').trim_start();
    let upper = e.get(..9).unwrap_or(e).to_ascii_uppercase();
    ["$_GET", "$_POST", "$_REQUEST", "$_COOKIE"]
        .iter()
        .any(|p| upper.starts_with(p))
        || (upper.starts_with("$_SERVER") && SERVER_REQUEST_KEY.is_match(e))
}

static SERVER_REQUEST_KEY: LazyLock<regex::Regex> = LazyLock::new(|| {
    crate::fastre::new(
        r#"(?i)^\$_SERVER\s*\[\s*["'](?:HTTP_|QUERY_STRING|REQUEST_URI|PATH_INFO|ORIG_PATH_INFO|PATH_TRANSLATED|PHP_SELF)"#,
    )
    .expect("static regex")
});

pub(super) fn starts_with_tainted(expr: &str, tainted: &HashSet<String>) -> bool {
    let e = expr.trim_start().trim_start_matches('@').trim_start();
    let Some(rest) = e.strip_prefix('$') else {
        return false;
    };
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    tainted.contains(&name.to_ascii_lowercase())
}

pub(super) fn is_request_input(s: &str, tainted: &HashSet<String>) -> bool {
    SOURCE_IN_SLICE.is_match(s) || mentions_tainted(s, tainted)
}

pub(super) fn names_sink(s: &str) -> Option<&'static str> {
    let lower = s.to_ascii_lowercase();
    SINK_NAMES.iter().copied().find(|n| lower == *n)
}
