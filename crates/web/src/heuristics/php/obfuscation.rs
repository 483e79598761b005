//! PHP obfuscation heuristics: hidden function names, callbacks to sinks, variable functions.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use huoyan_core::Severity;

use super::patterns::*;
use super::taint::*;
use super::text::*;
use crate::fastre::{Lowered, Span};
use crate::heuristics::Hit;

pub(super) fn more_obfuscation(
    text: &str,
    lower: Lowered<'_>,
    direct: &HashSet<String>,
    code: &CodeMap,
    hits: &mut Vec<Hit>,
) {
    let tainted = direct;
    if let Some(m) = mentions_request(lower)
        .then(|| super::anchored::var_call_on_request(lower, CALL_NOT_AFTER))
        .flatten()
        .filter(|m| code.in_code(m.start()))
    {
        hits.push(Hit::heuristic(
            "php.variable_function_on_request",
            Severity::Critical,
            "a variable function is called with request input ($f($_POST['x']))",
            text,
            m.start(),
            m.end() + 40,
        ));
    }
    // The cheap condition first: most files have no variable variables at all.
    if let Some(m) = (text.contains("$$") || text.contains("${"))
        .then(|| SUPERGLOBAL_VARVAR.find_iter(lower))
        .into_iter()
        .flatten()
        .find(|m| code.in_code(m.start()))
    {
        // `${'_POST'}`, `${$_POST…}` are written only to hide a name. A list of superglobal
        // names walked in a loop is also how old applications emulate register_globals or strip
        // magic quotes: evidence only when request keys become variables ($$k = $v) and a
        // variable is then called or evaluated.
        let severity = if !m.as_str().starts_with("array") {
            Severity::High
        } else if !registers_request_keys(lower) {
            Severity::Low
        } else if calls_a_variable(text, lower, code) {
            Severity::High
        } else {
            Severity::Medium
        };
        hits.push(Hit::heuristic(
            "php.superglobal_variable_variables",
            severity,
            "request superglobals are walked by name into variable variables ($$k = $v)",
            text,
            m.start(),
            m.end() + 40,
        ));
    }
    for c in STR_REPLACE_LITERAL.captures_iter(lower) {
        let (needle, hay) = match (c.get(1), c.get(2), c.get(3), c.get(4)) {
            (Some(n), Some(h), _, _) | (_, _, Some(n), Some(h)) => {
                (&text[n.range()], &text[h.range()])
            }
            _ => continue,
        };
        let result = hay.replace(needle, "");
        if let (Some(name), Some(m)) = (names_sink(&result), c.get(0)) {
            hits.push(Hit::heuristic(
                "php.encoded_function_name",
                Severity::High,
                &format!("the name of {name}() is hidden with str_replace() noise"),
                text,
                m.start(),
                m.end(),
            ));
            break;
        }
    }
    for m in super::anchored::char_chains(text) {
        let joined: String = LITERAL_SHORT
            .captures_iter(&text[m.start()..m.end()])
            .map(|c| c[1].to_string())
            .collect();
        let joined = joined.to_ascii_lowercase();
        let names = SINK_NAMES
            .iter()
            .any(|n| joined.contains(n) || (n.len() > 4 && joined.contains(&n[1..])));
        if names {
            hits.push(Hit::heuristic(
                "php.concatenated_function_name",
                Severity::High,
                "a function name is spelled out one or two characters at a time",
                text,
                m.start(),
                m.end(),
            ));
            break;
        }
    }
    if let Some(m) = bare_sink_arg(lower).filter(|m| code.in_code(m.start() + 1)) {
        hits.push(Hit::heuristic(
            "php.sink_passed_as_name",
            Severity::High,
            "an execution function is passed by bare name as an argument (later called dynamically)",
            text,
            m.start(),
            m.end() + 40,
        ));
    }
    let request = mentions_request(lower);
    if let Some(m) = request.then(|| DECODED_REQUEST.find(lower)).flatten() {
        // Applications pass state in base64 parameters; what matters is where the decoded
        // value goes, which the taint rules follow (the decoder keeps the taint).
        hits.push(Hit::heuristic(
            "php.decoded_request_input",
            Severity::Low,
            "request input is decoded (base64/gzip/rot13) — payload smuggling",
            text,
            m.start(),
            m.end() + 40,
        ));
    }
    let has_source = SOURCE.is_match(lower);
    // Cheapest condition first; the XOR search walks the whole file.
    if has_source && DYNAMIC_EXEC.is_match(lower) {
        if let Some(x) = super::anchored::xor_loops(text)
            .find(|x| code.in_code(x.start()) && decrypted_and_run(lower, code, x.start()))
        {
            hits.push(Hit::heuristic(
                "php.encrypted_request_loader",
                Severity::Critical,
                "request data is decrypted (XOR/openssl) and executed (Behinder/Godzilla pattern)",
                text,
                x.start(),
                x.end() + 60,
            ));
        }
    }
    if has_source && !hits.iter().any(|h| h.severity >= Severity::High) {
        if let Some(m) = EVAL_ANY
            .find_iter_not_after(lower, CALL_NOT_AFTER)
            .find(|m| {
                if !code.in_code(m.start()) {
                    return false;
                }
                let open = m.end();
                let args = call_args(text, open);
                let a = args.trim_start();
                // eval of a constant string is odd but harmless; so is an expression
                // evaluator (`eval('return (' . $expr . ');')`, as template engines and
                // validators do): what a webshell evaluates is a statement it was sent.
                let evaluator = a.get(1..).is_some_and(|rest| {
                    rest.trim_start().to_ascii_lowercase().starts_with("return")
                }) && (a.starts_with('\'') || a.starts_with('"'));
                !(is_single_literal(a) || evaluator)
            })
        {
            hits.push(Hit::heuristic(
                "php.eval_in_request_handler",
                Severity::Medium,
                "eval/assert of computed code in a script that reads request input",
                text,
                m.start(),
                m.end() + 60,
            ));
        }
    }
    if let Some(m) = request.then(|| REQUEST_DB_CONNECT.find(lower)).flatten() {
        hits.push(Hit::heuristic(
            "php.request_db_connect",
            Severity::High,
            "a database connection is opened with credentials from the request (database dump tool)",
            text,
            m.start(),
            m.end(),
        ));
    }
    if let Some(m) = has_source.then(|| REFLECTION_TRICK.find(lower)).flatten() {
        if text.contains("$$")
            || super::anchored::VAR_CALL_AT
                .not_after_from(
                    lower.as_str(),
                    &super::anchored::var_call_starts(lower),
                    VAR_CALL_NOT_AFTER,
                )
                .next()
                .is_some()
        {
            // Frameworks read doc comments and constants all day; the trick is evidence when
            // the name so fetched is called on request input.
            let severity = if super::calls::dynamic_call_with_request(text, code, tainted).is_some()
            {
                Severity::High
            } else {
                Severity::Low
            };
            hits.push(Hit::heuristic(
                "php.reflection_hidden_name",
                severity,
                "a function name is fetched through reflection (doc comments, constants) and called",
                text,
                m.start(),
                m.end() + 40,
            ));
        }
    }
    if let Some(m) = underscore_call(text, lower) {
        hits.push(Hit::heuristic(
            "php.obfuscated_variable_function",
            Severity::High,
            "a function is called through an underscore-only variable or a $GLOBALS index ($_($__), $GLOBALS[49](…))",
            text,
            m.start(),
            m.end() + 40,
        ));
    }
    for m in FILE_ACCESS.find_iter_not_after(lower, CALL_NOT_AFTER) {
        if !code.in_code(m.start()) {
            continue;
        }
        let args = call_args(text, m.end());
        let first = first_arg(args);
        if starts_with_direct_source(first) || starts_with_tainted(first, tainted) {
            hits.push(Hit::heuristic(
                "php.request_file_access",
                Severity::Medium,
                "a file or directory named by the request is read, written or deleted (file manager)",
                text,
                m.start(),
                m.end() + args.len() + 1,
            ));
            break;
        }
    }
    if !hits.iter().any(|h| h.severity >= Severity::Medium) {
        if let Some(m) = EXEC_VARIABLE
            .find_iter_not_after(lower, CALL_NOT_AFTER)
            .find(|m| {
                if !code.in_code(m.start()) {
                    return false;
                }
                let name_start = m.start()
                    + text[m.start()..]
                        .find(|c: char| c.is_ascii_alphabetic())
                        .unwrap_or(0);
                !is_method_or_definition(text, name_start)
            })
        {
            hits.push(Hit::heuristic(
                "php.exec_variable",
                Severity::Low,
                "an OS command built from a variable is executed",
                text,
                m.start(),
                m.end() + 40,
            ));
        }
    }
}

/// Bytes around a decryption in which the loader's execution and its request input must be.
const LOADER_SPAN: usize = 1500;

/// True when, near the decryption at `at`, something runs code (`eval`, `assert`,
/// `call_user_func`, `include $x`, `__invoke`, `new $c`) and the request is read: Behinder and
/// Godzilla decrypt the request body and run it within a few lines. A library that decrypts a
/// cookie in one method and has a callback somewhere else in the file is not a loader.
fn decrypted_and_run(lower: Lowered<'_>, code: &CodeMap, at: usize) -> bool {
    let hay = lower.as_str();
    let mut from = at.saturating_sub(LOADER_SPAN);
    while from > 0 && !hay.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (at + LOADER_SPAN).min(hay.len());
    while to < hay.len() && !hay.is_char_boundary(to) {
        to += 1;
    }
    let near = &hay[from..to];
    let runs = DYNAMIC_EXEC
        .find_iter(Lowered::new(near))
        .any(|m| code.in_code(from + m.start()));
    runs && (SOURCE.is_match(Lowered::new(near))
        || near.contains("$_post")
        || near.contains("$_request"))
}

static FOREACH_VARVAR: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r"foreach\s*\(\s*\$\$\{?\s*(\w+)\s*\}?\s+as\s+\$(\w+)\s*=>")
        .expect("static regex")
});

/// True when a loop over a superglobal named by a variable turns request keys into variables:
/// `foreach ($$_r as $k => $v) { $$k = $v; }` (register_globals emulation).
fn registers_request_keys(lower: Lowered<'_>) -> bool {
    let hay = lower.as_str();
    FOREACH_VARVAR.captures_iter(hay).any(|c| {
        let key = format!("$${}", &c[2]);
        hay.match_indices(&key).any(|(i, _)| {
            let rest = hay[i + key.len()..].trim_start();
            rest.starts_with('=') && !rest.starts_with("==")
        })
    })
}

/// True when code calls a variable as a function (`$f(…)`, not a method) or evaluates a
/// computed string.
fn calls_a_variable(text: &str, lower: Lowered<'_>, code: &CodeMap) -> bool {
    let starts = super::anchored::var_call_starts(lower);
    super::anchored::VAR_CALL_AT
        .not_after_from(lower.as_str(), &starts, VAR_CALL_NOT_AFTER)
        .any(|(start, _, _)| code.in_code(start))
        || EVAL_ANY
            .find_iter_not_after(lower, CALL_NOT_AFTER)
            .any(|m| code.in_code(m.start()) && call_args(text, m.end()).contains('$'))
}

/// True when `arg` is one string literal without interpolation: `'…'`, or `"…"` without `$`.
fn is_single_literal(arg: &str) -> bool {
    let a = arg.trim();
    let b = a.as_bytes();
    let Some(&q) = b.first().filter(|&&q| q == b'\'' || q == b'"') else {
        return false;
    };
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            c if c == q => return i == b.len() - 1,
            b'$' if q == b'"' => return false,
            _ => i += 1,
        }
    }
    false
}

/// The plain variable (`$name`, lower-case, without `$`) assigned by the `=` at `eq`.
fn assigned_variable(hay: &str, eq: usize) -> Option<String> {
    let b = hay.as_bytes();
    let end = crate::fastre::skip_space_back(b, eq);
    let start = crate::fastre::word_run_back(b, end);
    (start < end && start > 0 && b[start - 1] == b'$').then(|| hay[start..end].to_string())
}

/// True when the assignment whose `=` is at `eq` declares a class property or constant
/// (`protected $type = 'system';`): a name, not a function about to be called.
fn is_property(hay: &str, eq: usize) -> bool {
    let b = hay.as_bytes();
    let end = crate::fastre::skip_space_back(b, eq);
    let start = crate::fastre::word_run_back(b, end);
    let before = hay[..start.saturating_sub(1)].trim_end();
    [
        "public",
        "protected",
        "private",
        "var",
        "static",
        "const",
        "readonly",
    ]
    .iter()
    .any(|k| before.ends_with(k))
}

/// True when `piece` is a strict prefix or suffix (≥ 3 letters) of an execution function name.
pub(super) fn is_partial_sink(piece: &str) -> bool {
    let p: String = piece
        .chars()
        .filter(|c| c.is_ascii_alphabetic() || *c == '_')
        .collect();
    let p = p.to_ascii_lowercase();
    // A piece must be more than an ordinary word: `'create_' . $table`, `'base' . $n`,
    // `'val' . $i` and `'sys' . $x` are everywhere in real code. The telling pieces are a
    // sink's distinctive part: `ass`/`sert`, `syst`/`stem`, `_func`, `_decode` …
    p.len() >= 3
        && ![
            "create", "create_", "base", "base_", "base6", "base64", "base64_", "val", "eva",
            "sys", "tem", "shell", "shell_", "exec", "_exec", "pass", "decode", "_decode",
        ]
        .contains(&p.as_str())
        && [
            "assert",
            "system",
            "create_function",
            "shell_exec",
            "passthru",
            "base64_decode",
        ]
        .iter()
        .any(|n| p.len() < n.len() && (n.starts_with(&p) || n.ends_with(&p)))
}

pub(super) fn callback_and_literal_tricks(
    text: &str,
    lower: Lowered<'_>,
    code: &CodeMap,
    hits: &mut Vec<Hit>,
) {
    // A callback-taking function given an execution function's name in any argument, written
    // plainly or with escapes ("ass\x65rt").
    for m in CALLBACK_SINK
        .find_iter(lower)
        .chain(LAST_ARG_CALLBACK.find_iter(lower))
        .filter(|m| code.in_code(m.start()))
    {
        let args = call_args(text, m.end());
        for c in STRING_LITERAL.captures_iter(args) {
            let lit = c.get(1).or_else(|| c.get(2)).map_or("", |x| x.as_str());
            let name = if lit.contains('\\') {
                unescape_php(&format!("\"{lit}\""))
            } else {
                lit.to_string()
            };
            if names_sink(&name).is_some_and(|n| n != "base64_decode" && n != "array_map") {
                hits.push(Hit::heuristic(
                    "php.callback_to_sink",
                    Severity::High,
                    "an execution function is passed by name to a callback-taking function",
                    text,
                    m.start(),
                    m.end() + args.len() + 1,
                ));
                return;
            }
        }
    }
}

pub(super) fn assorted_tricks(
    text: &str,
    lower: Lowered<'_>,
    tainted: &HashSet<String>,
    code: &CodeMap,
    hits: &mut Vec<Hit>,
) {
    callback_and_literal_tricks(text, lower, code, hits);
    if let Some(m) = MB_EREG_E.find(lower) {
        hits.push(Hit::heuristic(
            "php.preg_replace_e",
            Severity::High,
            "mb_ereg_replace with the 'e' option evaluates the replacement as PHP code",
            text,
            m.start(),
            m.end(),
        ));
    }
    if let Some(m) = CREATE_FUNCTION
        .find_iter_not_after(lower, CALL_NOT_AFTER)
        .find(|m| code.in_code(m.start()))
    {
        let args = call_args(text, m.end());
        let decoded_or_request = DECODED_CODE.is_match(args) || is_request_input(args, tainted);
        // Libraries written for PHP 5 build small closures from literal code
        // (`create_function('$x', 'return …;')`): context only. Computed code needs a look.
        let literal = nth_arg(args, 1).is_some_and(is_single_literal);
        hits.push(Hit::heuristic(
            "php.create_function",
            if decoded_or_request {
                Severity::High
            } else if literal {
                Severity::Low
            } else {
                Severity::Medium
            },
            "create_function() (removed in PHP 8) builds code from a string at run time",
            text,
            m.start(),
            m.end() + args.len() + 1,
        ));
    }
    if let Some(m) = super::anchored::sink_literal_assign(lower).filter(|m| code.in_code(m.start()))
    {
        // Evidence is the stored name being called on request input; a name called on
        // anything else needs a look; a name stored and never called is context
        // (`$type = 'system';`).
        let severity = if super::calls::dynamic_call_with_request(text, code, tainted).is_some() {
            Severity::High
        } else if assigned_variable(lower.as_str(), m.start()).is_some_and(|v| {
            super::calls::variable_called(lower.as_str(), code, &v)
                || (!is_property(lower.as_str(), m.start())
                    && EXEC_VARIABLE
                        .find_iter_not_after(lower, CALL_NOT_AFTER)
                        .any(|m| code.in_code(m.start())))
        }) {
            Severity::Medium
        } else {
            Severity::Low
        };
        hits.push(Hit::heuristic(
            "php.sink_name_in_variable",
            severity,
            "an execution function's name is stored in a variable (to be called later)",
            text,
            m.start(),
            m.end(),
        ));
    }
    if let Some((m, _)) = super::anchored::partial_piece(text, is_partial_sink) {
        hits.push(Hit::heuristic(
            "php.partial_function_name",
            Severity::Medium,
            "part of an execution function's name is glued to a variable",
            text,
            m.start(),
            m.end(),
        ));
    }
}

pub(super) fn preg_replace_e(
    text: &str,
    lower: Lowered<'_>,
    tainted: &HashSet<String>,
    code: &CodeMap,
    hits: &mut Vec<Hit>,
) {
    for c in PREG_E.captures_iter(lower) {
        let (Some(whole), Some(q)) = (c.get(0), c.get(1)) else {
            continue;
        };
        if !code.in_code(whole.start()) {
            continue;
        }
        let quote = q.as_str().as_bytes()[0];
        let rest = &text.as_bytes()[whole.end()..];
        let Some(close) = memchr::memchr(quote, &rest[..rest.len().min(400)]) else {
            continue;
        };
        let pattern = &rest[..close];
        let Some(&delim) = pattern.first() else {
            continue;
        };
        let delim = match delim {
            b'(' => b')',
            b'{' => b'}',
            b'[' => b']',
            b'<' => b'>',
            d => d,
        };
        let Some(last) = pattern.iter().rposition(|&b| b == delim) else {
            continue;
        };
        if last == 0 {
            continue;
        }
        let modifiers = &pattern[last + 1..];
        if modifiers.contains(&b'e') && modifiers.iter().all(|b| b.is_ascii_alphabetic()) {
            let args = call_args(
                text,
                whole.start() + text[whole.start()..].find('(').unwrap_or(0) + 1,
            );
            let severity = if is_request_input(args, tainted) {
                Severity::Critical
            } else {
                // Code of the PHP 5 era evaluated a replacement it built itself: a look.
                Severity::Medium
            };
            hits.push(Hit::heuristic(
                "php.preg_replace_e",
                severity,
                "preg_replace with the /e modifier evaluates the replacement as PHP code",
                text,
                whole.start(),
                whole.end() + close + 40,
            ));
            return;
        }
    }
}

/// `$_($__)`, `$GLOBALS[49](…)`, `${'x'}(…)`: the leftmost of the two searches.
fn underscore_call(text: &str, lower: Lowered<'_>) -> Option<Span> {
    let underscore = super::anchored::underscore_call(lower, CALL_NOT_AFTER);
    let globals = GLOBALS_INDEX_CALL
        .find(text)
        .map(|m| Span::new(m.start(), m.end()));
    match (underscore, globals) {
        (Some(a), Some(b)) => Some(if b.start() < a.start() { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// [`BARE_SINK_ARG`] preceded by `(` or `,` and optional whitespace: the span the pattern
/// `[(,]\s*(?:assert|…)\s*[),]` reports.
fn bare_sink_arg(lower: Lowered<'_>) -> Option<Span> {
    let b = lower.as_str().as_bytes();
    let mut pos = 0;
    while let Some(m) = BARE_SINK_ARG.captures_at(lower, pos).and_then(|c| c.get(0)) {
        let mut j = m.start();
        while j > 0 && matches!(b[j - 1], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
            j -= 1;
        }
        if j > 0 && matches!(b[j - 1], b'(' | b',') {
            return Some(Span::new(j - 1, m.end()));
        }
        // The match starts with an ASCII letter: one byte on is a character boundary.
        pos = m.start() + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_sink_arg_matches_the_prefixed_pattern() {
        let prefixed = crate::fastre::new(
            r"(?i)[(,]\s*(?:assert|eval|system|passthru|shell_exec|create_function)\s*[),]",
        )
        .expect("re");
        for text in [
            "array_map( assert , $x)",
            "f(x eval) g(\teval)",
            "x,system)",
            "eval)",
            "(\u{b}EVAL,",
            "no sink here",
        ] {
            let lowered = text.to_ascii_lowercase();
            let want = prefixed.find(text).map(|m| (m.start(), m.end()));
            let got = bare_sink_arg(Lowered::new(&lowered)).map(|s| (s.start(), s.end()));
            assert_eq!(got, want, "{text}");
        }
    }
}
