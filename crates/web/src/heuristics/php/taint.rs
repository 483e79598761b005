//! Request input in PHP: superglobals, and variables assigned from them (one level of taint).

use std::collections::HashSet;

use super::patterns::*;

/// Variables assigned straight from a request superglobal (`$f = $_POST['f'];`), the strict
/// taint used where code commonly handles request data legitimately.
pub(super) fn direct_tainted(text: &str) -> HashSet<String> {
    DIRECT_TAINT
        .captures_iter(text)
        .map(|c| c[1].to_ascii_lowercase())
        .collect()
}

pub(super) fn tainted_vars(text: &str) -> HashSet<String> {
    let mut set = HashSet::new();
    for c in TAINT_ASSIGN.captures_iter(text) {
        if starts_with_source(&c[2]) {
            set.insert(c[1].to_ascii_lowercase());
        }
    }
    // A second pass catches one level of copying ($a = $_POST['x']; $b = $a;).
    if !set.is_empty() {
        let mut more = Vec::new();
        for c in TAINT_ASSIGN.captures_iter(text) {
            if mentions_tainted(&c[2], &set) {
                more.push(c[1].to_ascii_lowercase());
            }
        }
        set.extend(more);
    }
    set
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

/// The expression begins with a request superglobal itself.
pub(super) fn starts_with_direct_source(expr: &str) -> bool {
    let e = expr.trim_start().trim_start_matches('@').trim_start();
    let lower = e.get(..9).unwrap_or(e).to_ascii_uppercase();
    ["$_GET", "$_POST", "$_REQUEST", "$_COOKIE", "$_SERVER"]
        .iter()
        .any(|p| lower.starts_with(p))
}

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
    SOURCE.is_match(s) || mentions_tainted(s, tainted)
}

pub(super) fn names_sink(s: &str) -> Option<&'static str> {
    let lower = s.to_ascii_lowercase();
    SINK_NAMES.iter().copied().find(|n| lower == *n)
}
