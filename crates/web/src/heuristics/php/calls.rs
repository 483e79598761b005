//! Calls the single-statement patterns miss: request input reaching a command through a
//! function of the same file (`function exe($c) { system($c); } … exe($_POST['cmd'])`), and
//! dynamic calls (`$f(…)`, `$a[0]['k'](…)`, `${'x'}(…)`) given request input.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::patterns::EXEC_SINK;
use super::taint::{
    is_request_input, is_request_input_at, starts_with_source, starts_with_tainted,
};
use super::text::{call_args, is_method_or_definition, nth_arg, CodeMap};
use crate::fastre::{is_word, skip_space_back, word_run_back, Lowered};

static FUNCTION_DEF: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r"\bfunction\s+&?\s*([a-z_][a-z0-9_]*)\s*\(([^)]{0,300})\)\s*(?::\s*\??[a-z_\\][a-z0-9_\\]*\s*)?\{")
        .expect("static regex")
});

/// Largest function body looked into.
const MAX_BODY: usize = 40_000;

/// A function of the file that hands its parameter to a command or code execution function:
/// its (lower-case) name and the parameter's position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SinkWrapper {
    pub name: String,
    pub param: usize,
}

/// The functions (and methods) of `text` one of whose parameters reaches `eval`, `system`,
/// `exec` … in their own body, directly or through one local copy (`$c = $c . " 2>&1"`).
pub(super) fn sink_wrappers(text: &str, lower: Lowered<'_>, code: &CodeMap) -> Vec<SinkWrapper> {
    let hay = lower.as_str();
    let mut out = Vec::new();
    for c in FUNCTION_DEF.captures_iter(hay) {
        let (Some(whole), Some(name), Some(params)) = (c.get(0), c.get(1), c.get(2)) else {
            continue;
        };
        if !code.in_code(whole.start()) {
            continue;
        }
        let body_start = whole.end();
        let body_end = block_end(hay.as_bytes(), body_start);
        let body = &text[body_start..body_end];
        let body_lower = &hay[body_start..body_end];
        for (i, p) in params.as_str().split(',').enumerate() {
            let Some(var) = parameter_name(p) else {
                continue;
            };
            let mut names: HashSet<String> = HashSet::from([var]);
            // One local copy: `$x = … $param …;`.
            for stmt in body_lower.split(';') {
                if let Some((lhs, rhs)) = stmt.split_once('=') {
                    let lhs = lhs.trim();
                    if let Some(v) = lhs.strip_prefix('$') {
                        if v.bytes().all(is_word) && mentions_any(rhs, &names) {
                            names.insert(v.to_string());
                        }
                    }
                }
            }
            let reaches = EXEC_SINK.find_iter(Lowered::new(body_lower)).any(|m| {
                let at = body_start + m.start();
                code.in_code(at)
                    && !is_method_or_definition(text, at)
                    && mentions_any(
                        call_args(body, m.end()).to_ascii_lowercase().as_str(),
                        &names,
                    )
            });
            if reaches {
                out.push(SinkWrapper {
                    name: name.as_str().to_string(),
                    param: i,
                });
            }
        }
    }
    out
}

/// The first call (in code, not the definition) of one of `wrappers` whose argument in the
/// wrapper's parameter position is request input: its span.
pub(super) fn wrapper_called_with_request(
    text: &str,
    lower: Lowered<'_>,
    code: &CodeMap,
    wrappers: &[SinkWrapper],
    assigned: &[(String, std::ops::Range<usize>)],
    tainted: &HashSet<String>,
) -> Option<(usize, usize, String)> {
    let hay = lower.as_str();
    let b = hay.as_bytes();
    for w in wrappers {
        for (at, _) in hay.match_indices(w.name.as_str()) {
            let end = at + w.name.len();
            if (at > 0 && is_word(b[at - 1])) || b.get(end).is_some_and(|&c| is_word(c)) {
                continue;
            }
            let open = end
                + b[end..]
                    .iter()
                    .take_while(|c| c.is_ascii_whitespace())
                    .count();
            if b.get(open) != Some(&b'(') || !code.in_code(at) {
                continue;
            }
            let before = hay[..at].trim_end();
            if before.ends_with("function") || before.ends_with('$') || before.ends_with('\\') {
                continue;
            }
            let args = call_args(text, open + 1);
            let Some(arg) = nth_arg(args, w.param) else {
                continue;
            };
            if starts_with_source(arg)
                || starts_with_tainted(arg, tainted)
                || is_request_input_at(text, arg, at, assigned, tainted)
            {
                return Some((at, open + 1 + args.len() + 1, w.name.clone()));
            }
        }
    }
    None
}

/// The first dynamic call in code — a variable called as a function (`$f(`), an array element
/// or a braced name called (`$a[0]['k'](`, `${'x'}(`) — whose arguments are request input.
pub(super) fn dynamic_call_with_request(
    text: &str,
    code: &CodeMap,
    tainted: &HashSet<String>,
) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    for p in memchr::memchr_iter(b'(', b) {
        if !code.in_code(p) {
            continue;
        }
        let j = skip_space_back(b, p);
        let dynamic = match j.checked_sub(1).map(|k| b[k]) {
            Some(b']' | b'}') => true,
            Some(c) if is_word(c) => {
                let w = word_run_back(b, j);
                w > 0 && b[w - 1] == b'$'
            }
            _ => false,
        };
        if !dynamic {
            continue;
        }
        let args = call_args(text, p + 1);
        if !args.trim().is_empty() && is_request_input(args, tainted) {
            return Some((j.saturating_sub(1), p + 1 + args.len() + 1));
        }
    }
    None
}

/// True when `$name(` (lower-case `hay`, optionally with blanks or one index before the `(`)
/// appears in code.
pub(super) fn variable_called(hay: &str, code: &CodeMap, name: &str) -> bool {
    let b = hay.as_bytes();
    let var = format!("${name}");
    hay.match_indices(&var).any(|(at, _)| {
        let mut i = at + var.len();
        if b.get(i).is_some_and(|&c| is_word(c)) || !code.in_code(at) {
            return false;
        }
        while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
            i += 1;
        }
        if b.get(i) == Some(&b'[') {
            match memchr::memchr(b']', &b[i..(i + 60).min(b.len())]) {
                Some(o) => i += o + 1,
                None => return false,
            }
            while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
                i += 1;
            }
        }
        b.get(i) == Some(&b'(')
    })
}

/// `&$name = default` → `name` (lower-case).
fn parameter_name(p: &str) -> Option<String> {
    let d = p.find('$')?;
    let name: String = p[d + 1..]
        .bytes()
        .take_while(|&c| is_word(c))
        .map(|c| c.to_ascii_lowercase() as char)
        .collect();
    (!name.is_empty()).then_some(name)
}

/// True when `s` (lower-case) names `$v` for one of `names` (whole variable names).
fn mentions_any(s: &str, names: &HashSet<String>) -> bool {
    let b = s.as_bytes();
    memchr::memchr_iter(b'$', b).any(|i| {
        let n = b[i + 1..].iter().take_while(|&&c| is_word(c)).count();
        n > 0 && names.contains(&s[i + 1..i + 1 + n])
    })
}

/// The end of the `{ … }` block whose `{` is just before `start` (strings are not looked into;
/// a brace in a string may end it early, which only shortens the body), capped.
fn block_end(b: &[u8], start: usize) -> usize {
    let cap = (start + MAX_BODY).min(b.len());
    let mut depth = 1usize;
    for (i, &c) in b[start..cap].iter().enumerate() {
        match c {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return start + i;
                }
            }
            _ => {}
        }
    }
    cap
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrappers(text: &str) -> Vec<SinkWrapper> {
        let stripped = super::super::strip_comments(text);
        let lowered = stripped.to_ascii_lowercase();
        sink_wrappers(&stripped, Lowered::new(&lowered), &CodeMap::new(&stripped))
    }

    #[test]
    fn finds_wrappers_through_a_local_copy() {
        let w = wrappers(
            "<?php function exe($s_c, $x = 1){ $s_c = $s_c.\" 2>&1\"; @system($s_c); }\n\
             function quiet($a) { echo 'system($a)'; return strlen($a); }",
        );
        assert_eq!(
            w,
            vec![SinkWrapper {
                name: "exe".into(),
                param: 0
            }]
        );
    }

    #[test]
    fn dynamic_calls() {
        let t = "<?php $a[0]['wind']($_POST['x']);";
        assert!(dynamic_call_with_request(t, &CodeMap::new(t), &HashSet::new()).is_some());
        let benign = "<?php $f($x); $this->run($_POST['x']); echo \"$f($_GET[a])\";";
        assert!(
            dynamic_call_with_request(benign, &CodeMap::new(benign), &HashSet::new()).is_none()
        );
    }
}
