//! PHP heuristics: request input reaching code execution, and the obfuscation around it.
//!
//! Sources are the request (`$_GET`, `$_POST`, `$_REQUEST`, `$_COOKIE`, `$_FILES`, `HTTP_*`
//! headers, `getallheaders()`, `php://input`) and variables assigned from it in the same file (one
//! level of taint, which is what one-liners and their "two-liner" variants use). Sinks are the
//! functions that execute code or commands, callbacks that call a request-chosen function,
//! variable functions, `preg_replace` with the `/e` modifier and `include` of request input.

use std::collections::HashSet;
use std::sync::LazyLock;

use huoyan_core::Severity;
use regex::Regex;

use super::Hit;

static SOURCE: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(
        r#"(?i)\$_(?:GET|POST|REQUEST|COOKIE|FILES)\b|\$_SERVER\s*\[\s*['"]HTTP_|\$HTTP_(?:GET|POST|COOKIE|RAW_POST)_(?:VARS|DATA)|getallheaders\s*\(|php://input|\$GLOBALS\s*\[\s*['"]_(?:GET|POST|REQUEST|COOKIE)|getenv\s*\(\s*['"]HTTP_"#,
    )
    .expect("static regex")
});

static TAINT_ASSIGN: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r#"(?i)\$([a-z_][a-z0-9_]*)\s*(?:\[[^\]]{0,40}\]\s*)?\.?=\s*([^;]{0,300});"#)
        .expect("static regex")
});

static EXEC_SINK: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(
        r"(?i)\b(eval|assert|system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec|create_function)\s*\(",
    )
    .expect("static regex")
});

static CALLBACK_SINK: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(
        r"(?i)\b(call_user_func|call_user_func_array|array_map|array_filter|array_walk|array_walk_recursive|usort|uasort|uksort|register_shutdown_function|register_tick_function|forward_static_call|forward_static_call_array|iterator_apply|ob_start|array_reduce|set_error_handler|set_exception_handler)\s*\(",
    )
    .expect("static regex")
});

static INCLUDE_SINK: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r"(?i)\b(include|require|include_once|require_once)\b\s*\(?")
        .expect("static regex")
});

static REQUEST_VAR_CALL: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r#"(?i)\$_(?:GET|POST|REQUEST|COOKIE|SERVER)\s*\[[^\]]{0,60}\]\s*\("#)
        .expect("static regex")
});

static VAR_CALL: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r"(?i)(?:^|[^\w>:${])\$\{?([a-z_][a-z0-9_]*)\}?\s*(?:\[[^\]]{0,40}\]\s*)?\(")
        .expect("static regex")
});

static EVAL_DECODED: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(
        r"(?i)\b(eval|assert|create_function|system|exec|shell_exec|passthru)\s*\(\s*@?\s*(?:\$\w+\s*\(\s*)?(base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|strrev|hex2bin|convert_uudecode|rawurldecode|urldecode|pack|hexdec)\s*\(",
    )
    .expect("static regex")
});

static DECODE_CHAIN: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(
        r"(?i)\b(gzinflate|gzuncompress|gzdecode|str_rot13|strrev|convert_uudecode)\s*\(\s*@?\s*(base64_decode|str_rot13|gzinflate|strrev|gzuncompress|hex2bin|convert_uudecode)\s*\(",
    )
    .expect("static regex")
});

static CONCAT_LITERALS: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r#"(?:["'][A-Za-z0-9_]{0,14}["']\s*\.\s*){1,16}["'][A-Za-z0-9_]{0,14}["']"#)
        .expect("static regex")
});

static LITERAL_PIECE: LazyLock<Regex> =
    LazyLock::new(|| crate::fastre::new(r#"["']([A-Za-z0-9_]*)["']"#).expect("static regex"));

static SIMPLE_TRANSFORM: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(
        r#"(?i)\b(str_rot13|strrev|base64_decode)\s*\(\s*["']([A-Za-z0-9+/=_]{3,40})["']\s*\)"#,
    )
    .expect("static regex")
});

static CHR_RUN: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r"(?i)(?:chr\s*\(\s*\d{1,3}\s*\)\s*\.\s*){5,}chr\s*\(\s*\d{1,3}\s*\)")
        .expect("static regex")
});

static CHR_NUM: LazyLock<Regex> =
    LazyLock::new(|| crate::fastre::new(r"(?i)chr\s*\(\s*(\d{1,3})\s*\)").expect("static regex"));

static HEX_LITERAL: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(
        r#"(?i)"(?:[^"\\]|\\.){0,20}(?:\\x[0-9a-f]{2}|\\[0-7]{3}){4,}(?:[^"\\]|\\.)*""#,
    )
    .expect("static regex")
});

static PREG_E: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r#"(?i)\bpreg_replace\s*\(\s*(["'])"#).expect("static regex")
});

static BACKTICK_REQUEST: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r"(?i)`[^`\n]{0,80}\$_(?:GET|POST|REQUEST|COOKIE)[^`\n]{0,80}`")
        .expect("static regex")
});

static CALLBACK_LITERAL_SINK: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r#"(?i)\b(?:register_shutdown_function|register_tick_function|call_user_func|call_user_func_array|array_map|array_walk|array_filter|usort|uasort|uksort|ob_start|set_error_handler|iterator_apply|forward_static_call)\s*\(\s*["'](?:assert|eval|system|exec|shell_exec|passthru|popen|proc_open|create_function|pcntl_exec)["']"#)
        .expect("static regex")
});

static LAST_ARG_CALLBACK: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r"(?i)\b(?:array_diff_ukey|array_diff_uassoc|array_intersect_ukey|array_intersect_uassoc|array_udiff|array_udiff_assoc|array_udiff_uassoc|array_uintersect|array_uintersect_assoc|array_uintersect_uassoc)\s*\(")
        .expect("static regex")
});

static VAR_CREATE_FUNCTION: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r#"(?:^|[^\w>:$])\$[A-Za-z_]\w*\s*\(\s*(?:""|'')\s*,"#)
        .expect("static regex")
});

static OBFUSCATED_INCLUDE: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r#"(?i)\b(?:include|require)(?:_once)?\s*\(?\s*["'](?:[^"'\\]{0,3}\\(?:x[0-9a-f]{2}|[0-7]{3})){4,}"#)
        .expect("static regex")
});

static INCLUDE_ODD_EXT: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r#"(?i)\b(?:include|require)(?:_once)?\s*\(?\s*["'][^"'\n]{0,200}\.(?:ico|png|jpe?g|gif|txt|bmp|css)["']"#)
        .expect("static regex")
});

static HIDDEN_BY_WHITESPACE: LazyLock<Regex> =
    LazyLock::new(|| crate::fastre::new(r"<\?php[ \t]{150,}\S").expect("static regex"));

static HEX_BLOB: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r#"(?i)"(?:\\x[0-9a-f]{1,2}){64,}"#).expect("static regex")
});

static NON_ASCII_VAR: LazyLock<Regex> =
    LazyLock::new(|| crate::fastre::new(r"\$[^\x00-\x7f]{3,}").expect("static regex"));

static VAR_CALL_ON_REQUEST: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r#"(?i)(?:^|[^\w>:$])\$\{?[a-z_]\w*\}?\s*(?:\[[^\]]{0,40}\]\s*)?\(\s*@?\s*(?:\$_(?:GET|POST|REQUEST|COOKIE|SERVER)\b|getallheaders\s*\(|file_get_contents\s*\(\s*["']php://input)"#)
        .expect("static regex")
});

static SUPERGLOBAL_VARVAR: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r#"(?i)array\s*\(\s*["']_(?:POST|GET|REQUEST|COOKIE)["']|\$\{\s*["']_(?:POST|GET|REQUEST|COOKIE)["']\s*\}|\$\{\s*\$_(?:POST|GET|REQUEST|COOKIE)"#)
        .expect("static regex")
});

static STR_REPLACE_LITERAL: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r#"(?i)str_ireplace\s*\(\s*["']([^"']{1,6})["']\s*,\s*["']{2}\s*,\s*["']([^"']{3,80})["']\s*\)|str_replace\s*\(\s*["']([^"']{1,6})["']\s*,\s*["']{2}\s*,\s*["']([^"']{3,80})["']\s*\)"#)
        .expect("static regex")
});

static CHAR_CHAIN: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(
        r#"(?:["'][^"'\n]{1,2}["']\s*\.\s*(?:[^;.\n]{0,30}\.\s*)?){3,}["'][^"'\n]{1,2}["']"#,
    )
    .expect("static regex")
});

static BARE_SINK_ARG: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(
        r"(?i)[(,]\s*(?:assert|eval|system|passthru|shell_exec|create_function)\s*[),]",
    )
    .expect("static regex")
});

static DECODED_REQUEST: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r"(?i)\b(?:base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|strrev|hex2bin|convert_uudecode)\s*\(\s*@?\s*\$_(?:POST|GET|REQUEST|COOKIE|SERVER)")
        .expect("static regex")
});

static XOR_LOOP: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(
        r"\$\w+\s*\[\s*\$\w+\s*\]\s*\^\s*\$\w+\s*\[|\bopenssl_decrypt\s*\(|\bmcrypt_decrypt\s*\(",
    )
    .expect("static regex")
});

static DYNAMIC_EXEC: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r"(?i)\b(?:eval|assert|create_function|call_user_func(?:_array)?)\s*\(|\binclude\s*\(?\s*\$|->\s*__invoke|\bnew\s+\$\w+")
        .expect("static regex")
});

static EVAL_ANY: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r"(?i)(?:^|[^\w>:$])@?(?:eval|assert)\s*\(").expect("static regex")
});

static REQUEST_DB_CONNECT: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r"(?i)\b(?:mysql_connect|mysqli_connect|mysql_pconnect|new\s+mysqli|new\s+PDO|pg_connect|mssql_connect|oci_connect)\s*\(\s*[^;]{0,200}\$_(?:POST|GET|REQUEST|COOKIE)")
        .expect("static regex")
});

static REFLECTION_TRICK: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r"(?i)getdoccomment\s*\(|->getconstant\s*\(|ReflectionFunction\s*\(\s*\$|->invokeArgs\s*\(\s*\$_(?:POST|GET|REQUEST)")
        .expect("static regex")
});

static UNDERSCORE_CALL: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r"(?:^|[^\w>:$])\$_{1,8}\s*\(|\$GLOBALS\s*\[\s*\d+\s*\]\s*\(|\$\{\s*['\x22][^'\x22]{1,10}['\x22]\s*\}\s*\(")
        .expect("static regex")
});

static EXEC_VARIABLE: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(
        r"(?i)(?:^|[^\w>:$])@?(?:system|passthru|shell_exec|exec|popen|proc_open)\s*\(\s*\$\w+",
    )
    .expect("static regex")
});

static FILE_ACCESS: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r"(?i)(?:^|[^\w>:$])@?(?:fopen|opendir|scandir|unlink|rmdir|readfile|file_get_contents|file_put_contents|highlight_file|show_source|copy|rename|chmod|fwrite|move_uploaded_file)\s*\(\s*")
        .expect("static regex")
});

static MB_EREG_E: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r#"(?i)\bmb_e?regi?_replace\s*\([^;]{0,300},\s*["'][a-z]*e[a-z]*["']\s*\)"#)
        .expect("static regex")
});

static CREATE_FUNCTION: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r"(?i)(?:^|[^\w>:$])create_function\s*\(").expect("static regex")
});

static SINK_LITERAL_ASSIGN: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r#"(?i)=\s*["'](?:assert|eval|system|passthru|shell_exec|create_function|call_user_func|base64_decode|str_rot13|gzinflate)["']\s*;"#)
        .expect("static regex")
});

static PARTIAL_PIECE: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(
        r#"(?:\$\w+\s*\.\s*["']([a-z_(]{3,12})["'])|(?:["']([a-z_(]{3,12})["']\s*\.\s*\$\w+)"#,
    )
    .expect("static regex")
});

static STRING_LITERAL: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r#""((?:[^"\\]|\\.){2,40})"|'([^'\\]{2,40})'"#).expect("static regex")
});

static EXTRACT_REQUEST: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r"(?i)\b(?:extract|parse_str|import_request_variables)\s*\(\s*\$_(?:GET|POST|REQUEST|COOKIE)")
        .expect("static regex")
});

/// Function names whose appearance as a computed name means obfuscated execution.
pub const SINK_NAMES: &[&str] = &[
    "assert",
    "eval",
    "create_function",
    "base64_decode",
    "gzinflate",
    "gzuncompress",
    "str_rot13",
    "system",
    "shell_exec",
    "passthru",
    "call_user_func",
    "call_user_func_array",
    "preg_replace",
    "proc_open",
    "popen",
    "exec",
    "array_map",
    "file_put_contents",
];

fn is_method_or_definition(text: &str, start: usize) -> bool {
    let before = &text[..start];
    let trimmed = before.trim_end();
    trimmed.ends_with("->")
        || trimmed.ends_with("::")
        || trimmed.ends_with('$')
        || trimmed.ends_with('\\')
        || trimmed.to_ascii_lowercase().ends_with("function")
        || trimmed.ends_with("?->")
}

/// The argument text of a call whose `(` is just before `open_end`, balanced, capped.
fn call_args(text: &str, open_end: usize) -> &str {
    let bytes = text.as_bytes();
    let mut depth = 1usize;
    let mut i = open_end;
    let cap = (open_end + 600).min(bytes.len());
    while i < cap {
        match bytes[i] {
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
fn first_arg(args: &str) -> &str {
    let mut depth = 0i32;
    for (i, c) in args.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => return &args[..i],
            _ => {}
        }
    }
    args
}

static DIRECT_TAINT: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r#"(?im)(?:^|[;{}(])\s*@?\$([a-z_]\w*)\s*=\s*@?\s*(?:(?:trim|stripslashes|base64_decode|urldecode|rawurldecode|str_rot13|strrev|gzinflate|hex2bin)\s*\(\s*@?\s*)*\$_(?:GET|POST|REQUEST|COOKIE)\s*[\[;]"#)
        .expect("static regex")
});

/// Variables assigned straight from a request superglobal (`$f = $_POST['f'];`), the strict
/// taint used where code commonly handles request data legitimately.
fn direct_tainted(text: &str) -> HashSet<String> {
    DIRECT_TAINT
        .captures_iter(text)
        .map(|c| c[1].to_ascii_lowercase())
        .collect()
}

fn tainted_vars(text: &str) -> HashSet<String> {
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

static WRAPPED_SOURCE: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r#"(?i)^\s*@?\s*(?:\(\s*string\s*\)\s*)?(?:(?:trim|stripslashes|base64_decode|urldecode|rawurldecode|str_rot13|strrev|gzinflate|gzuncompress|hex2bin|strval|implode|join|array_pop|array_shift|end|current|reset|file_get_contents|explode|substr|str_replace|unserialize|json_decode)\s*\(\s*@?\s*(?:["'][^"']*["']\s*,\s*){0,2})*(?:\$_(?:GET|POST|REQUEST|COOKIE|FILES|SERVER)\b|getallheaders\s*\(|["']php://input|\$HTTP_)"#)
        .expect("static regex")
});

/// True when the expression *is* request input (possibly decoded), not merely uses it as an
/// index into trusted data.
fn starts_with_source(expr: &str) -> bool {
    WRAPPED_SOURCE.is_match(expr)
}

fn mentions_tainted(s: &str, tainted: &HashSet<String>) -> bool {
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
fn starts_with_direct_source(expr: &str) -> bool {
    let e = expr.trim_start().trim_start_matches('@').trim_start();
    let lower = e.get(..9).unwrap_or(e).to_ascii_uppercase();
    ["$_GET", "$_POST", "$_REQUEST", "$_COOKIE", "$_SERVER"]
        .iter()
        .any(|p| lower.starts_with(p))
}

fn starts_with_tainted(expr: &str, tainted: &HashSet<String>) -> bool {
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

fn is_request_input(s: &str, tainted: &HashSet<String>) -> bool {
    SOURCE.is_match(s) || mentions_tainted(s, tainted)
}

fn names_sink(s: &str) -> Option<&'static str> {
    let lower = s.to_ascii_lowercase();
    SINK_NAMES.iter().copied().find(|n| lower == *n)
}

fn rot13(s: &str) -> String {
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

fn line_comment_end(b: &[u8], start: usize) -> usize {
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
fn blank(out: &mut [u8], start: usize, end: usize) {
    let end = end.min(out.len());
    for x in &mut out[start..end] {
        if *x != b'\n' {
            *x = b' ';
        }
    }
}

/// Runs every PHP heuristic over `text` (comments blanked first).
pub fn analyse(text: &str, hits: &mut Vec<Hit>) {
    let stripped = strip_comments(text);
    let text: &str = &stripped;
    let tainted = tainted_vars(text);
    let direct = direct_tainted(text);

    for m in EXEC_SINK.captures_iter(text) {
        let Some(whole) = m.get(0) else { continue };
        if is_method_or_definition(text, whole.start()) {
            continue;
        }
        let args = call_args(text, whole.end());
        if is_request_input(args, &tainted) {
            let name = m[1].to_ascii_lowercase();
            let rule = if name == "create_function" {
                "php.request_to_create_function"
            } else {
                "php.request_to_exec"
            };
            hits.push(Hit::heuristic(
                rule,
                Severity::Critical,
                "request input reaches a code or command execution function",
                text,
                whole.start(),
                whole.end() + args.len() + 1,
            ));
            break;
        }
    }

    for m in CALLBACK_SINK.captures_iter(text) {
        let Some(whole) = m.get(0) else { continue };
        if is_method_or_definition(text, whole.start()) {
            continue;
        }
        let args = call_args(text, whole.end());
        let callback = if m[1].eq_ignore_ascii_case("array_filter")
            || m[1].to_ascii_lowercase().starts_with("array_walk")
            || m[1].to_ascii_lowercase().starts_with('u')
            || m[1].eq_ignore_ascii_case("array_reduce")
            || m[1].eq_ignore_ascii_case("iterator_apply")
        {
            args.split(',').nth(1).unwrap_or("")
        } else {
            first_arg(args)
        };
        if starts_with_direct_source(callback) || starts_with_tainted(callback, &direct) {
            hits.push(Hit::heuristic(
                "php.request_callback",
                Severity::Critical,
                "a function named by the request is called through a callback",
                text,
                whole.start(),
                whole.end() + args.len() + 1,
            ));
            break;
        }
    }

    if let Some(m) = REQUEST_VAR_CALL.find(text) {
        hits.push(Hit::heuristic(
            "php.request_variable_function",
            Severity::Critical,
            "the request names a function that is called ($_POST['f'](...))",
            text,
            m.start(),
            m.end() + 40,
        ));
    }
    if !tainted.is_empty() {
        for c in VAR_CALL.captures_iter(text) {
            if tainted.contains(&c[1].to_ascii_lowercase()) {
                if let Some(m) = c.get(0) {
                    hits.push(Hit::heuristic(
                        "php.tainted_variable_function",
                        Severity::Critical,
                        "a variable holding request input is called as a function",
                        text,
                        m.start(),
                        m.end() + 40,
                    ));
                }
                break;
            }
        }
    }

    for m in INCLUDE_SINK.find_iter(text) {
        let end = text[m.end()..]
            .find([';', '\n'])
            .map_or(text.len(), |e| m.end() + e);
        let stmt = &text[m.end()..end.min(m.end() + 200)];
        if SOURCE.is_match(stmt) {
            hits.push(Hit::heuristic(
                "php.request_include",
                Severity::High,
                "a file named by the request is included (remote/local file inclusion)",
                text,
                m.start(),
                end,
            ));
            break;
        }
    }

    if let Some(m) = BACKTICK_REQUEST.find(text) {
        hits.push(Hit::heuristic(
            "php.request_backtick",
            Severity::Critical,
            "request input inside a backtick shell command",
            text,
            m.start(),
            m.end(),
        ));
    }

    if let Some(m) = EXTRACT_REQUEST.find_iter(text).find(|m| {
        let open = text[m.start()..]
            .find('(')
            .map_or(m.end(), |o| m.start() + o + 1);
        let args = call_args(text, open);
        !m.as_str().to_ascii_lowercase().starts_with("parse_str") || !args.contains(',')
    }) {
        hits.push(Hit::heuristic(
            "php.extract_request",
            Severity::Medium,
            "request variables imported into the local scope (extract/parse_str), a common \
             way to hide the function name",
            text,
            m.start(),
            m.end() + 40,
        ));
    }

    if let Some(m) = EVAL_DECODED.find(text) {
        if !is_method_or_definition(text, m.start()) {
            hits.push(Hit::heuristic(
                "php.eval_decoded",
                Severity::High,
                "decoded data is executed (eval/assert of base64_decode, gzinflate, str_rot13 …)",
                text,
                m.start(),
                m.end() + 60,
            ));
        }
    }
    if let Some(m) = DECODE_CHAIN.find(text) {
        hits.push(Hit::heuristic(
            "php.decode_chain",
            Severity::Medium,
            "nested decoders (e.g. gzinflate(base64_decode(…))) unpack hidden code",
            text,
            m.start(),
            m.end() + 60,
        ));
    }

    for m in CONCAT_LITERALS.find_iter(text) {
        let joined: String = LITERAL_PIECE
            .captures_iter(m.as_str())
            .map(|c| c[1].to_string())
            .collect();
        if let Some(name) = names_sink(&joined) {
            hits.push(Hit::heuristic(
                "php.concatenated_function_name",
                Severity::High,
                &format!("the name of {name}() is assembled from string pieces"),
                text,
                m.start(),
                m.end(),
            ));
            break;
        }
    }

    for c in SIMPLE_TRANSFORM.captures_iter(text) {
        let func = c[1].to_ascii_lowercase();
        let decoded = match func.as_str() {
            "str_rot13" => rot13(&c[2]),
            "strrev" => c[2].chars().rev().collect(),
            _ => {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD
                    .decode(c[2].as_bytes())
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .unwrap_or_default()
            }
        };
        if let (Some(name), Some(m)) = (names_sink(&decoded), c.get(0)) {
            hits.push(Hit::heuristic(
                "php.encoded_function_name",
                Severity::High,
                &format!("the name of {name}() is hidden with {func}()"),
                text,
                m.start(),
                m.end(),
            ));
            break;
        }
    }

    if let Some(m) = CHR_RUN.find(text) {
        let decoded: String = CHR_NUM
            .captures_iter(m.as_str())
            .filter_map(|c| c[1].parse::<u8>().ok())
            .map(char::from)
            .collect();
        let lower = decoded.to_ascii_lowercase();
        let names = SINK_NAMES.iter().any(|n| lower.contains(n)) || lower.contains("$_");
        hits.push(Hit::heuristic(
            "php.chr_concatenation",
            if names { Severity::High } else { Severity::Low },
            "a string is spelled out with chr() calls",
            text,
            m.start(),
            m.end(),
        ));
    }

    for m in HEX_LITERAL.find_iter(text) {
        let decoded = unescape_php(m.as_str());
        let lower = decoded.to_ascii_lowercase();
        if SINK_NAMES.iter().any(|n| lower.contains(n)) || lower.contains("$_") {
            hits.push(Hit::heuristic(
                "php.hex_escaped_code",
                Severity::High,
                "a function name or request variable is hidden in \\x/octal escapes",
                text,
                m.start(),
                m.end(),
            ));
            break;
        }
    }

    if let Some(m) = CALLBACK_LITERAL_SINK.find(text) {
        hits.push(Hit::heuristic(
            "php.callback_to_sink",
            Severity::High,
            "an execution function (assert, system …) is registered as a callback",
            text,
            m.start(),
            m.end() + 40,
        ));
    }
    for m in LAST_ARG_CALLBACK.find_iter(text) {
        let args = call_args(text, m.end());
        let last = args.rsplit(',').next().unwrap_or("");
        if starts_with_source(last) || starts_with_tainted(last, &tainted) {
            hits.push(Hit::heuristic(
                "php.request_callback",
                Severity::Critical,
                "a function named by the request is used as a comparison callback",
                text,
                m.start(),
                m.end() + args.len() + 1,
            ));
            break;
        }
        if is_request_input(args, &tainted) {
            hits.push(Hit::heuristic(
                "php.callback_family_with_request",
                Severity::High,
                "an array_*_u* comparison-callback function is fed request input (a known way to \
                 hide a call)",
                text,
                m.start(),
                m.end() + args.len() + 1,
            ));
            break;
        }
    }
    if let Some(m) = VAR_CREATE_FUNCTION.find_iter(text).find(|m| {
        // `$f = $g('', $code); … $f();` — the result is called later.
        let before = text[..m.start()].trim_end();
        let Some(eq) = before.strip_suffix('=') else {
            return false;
        };
        let var: String = eq
            .trim_end()
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        !var.is_empty() && text[m.end()..].contains(&format!("${var}("))
    }) {
        hits.push(Hit::heuristic(
            "php.variable_create_function",
            Severity::High,
            "a variable function is called with create_function's signature (\"\", code)",
            text,
            m.start(),
            m.end() + 60,
        ));
    }
    if let Some(m) = OBFUSCATED_INCLUDE.find(text) {
        hits.push(Hit::heuristic(
            "php.obfuscated_include",
            Severity::High,
            "include/require of a path hidden in \\x escapes",
            text,
            m.start(),
            m.end() + 40,
        ));
    } else if let Some(m) = INCLUDE_ODD_EXT.find(text) {
        hits.push(Hit::heuristic(
            "php.include_non_code",
            Severity::Medium,
            "include/require of an image, icon or text file (PHP hidden in a non-code file)",
            text,
            m.start(),
            m.end(),
        ));
    }
    if let Some(m) = HIDDEN_BY_WHITESPACE.find(text) {
        hits.push(Hit::heuristic(
            "php.code_hidden_by_whitespace",
            Severity::Medium,
            "code pushed off-screen by hundreds of spaces after <?php",
            text,
            m.end().saturating_sub(1),
            m.end() + 80,
        ));
    }
    if let Some(m) = HEX_BLOB.find(text) {
        hits.push(Hit::heuristic(
            "php.hex_escaped_blob",
            Severity::Low,
            "a long string written entirely in \\x escapes",
            text,
            m.start(),
            m.start() + 80,
        ));
    }
    let non_ascii_vars = NON_ASCII_VAR.find_iter(text).take(5).count();
    if non_ascii_vars >= 5 {
        if let Some(m) = NON_ASCII_VAR.find(text) {
            hits.push(Hit::heuristic(
                "php.non_printable_identifiers",
                Severity::Medium,
                "variables named with non-ASCII bytes (an obfuscator's signature)",
                text,
                m.start(),
                m.end() + 40,
            ));
        }
    }

    more_obfuscation(text, &direct, hits);
    assorted_tricks(text, hits);
    preg_replace_e(text, &tainted, hits);
}

fn more_obfuscation(text: &str, tainted: &HashSet<String>, hits: &mut Vec<Hit>) {
    if let Some(m) = VAR_CALL_ON_REQUEST.find(text) {
        hits.push(Hit::heuristic(
            "php.variable_function_on_request",
            Severity::Critical,
            "a variable function is called with request input ($f($_POST['x']))",
            text,
            m.start(),
            m.end() + 40,
        ));
    }
    if let Some(m) = SUPERGLOBAL_VARVAR.find(text) {
        if text.contains("$$") || text.contains("${") {
            hits.push(Hit::heuristic(
                "php.superglobal_variable_variables",
                Severity::High,
                "request superglobals are walked by name into variable variables ($$k = $v)",
                text,
                m.start(),
                m.end() + 40,
            ));
        }
    }
    for c in STR_REPLACE_LITERAL.captures_iter(text) {
        let (needle, hay) = match (c.get(1), c.get(2), c.get(3), c.get(4)) {
            (Some(n), Some(h), _, _) | (_, _, Some(n), Some(h)) => (n.as_str(), h.as_str()),
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
    for m in CHAR_CHAIN.find_iter(text) {
        let joined: String = LITERAL_SHORT
            .captures_iter(m.as_str())
            .map(|c| c[1].to_string())
            .collect();
        let lower = joined.to_ascii_lowercase();
        let names = SINK_NAMES
            .iter()
            .any(|n| lower.contains(n) || (n.len() > 4 && lower.contains(&n[1..])));
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
    if let Some(m) = BARE_SINK_ARG.find(text) {
        hits.push(Hit::heuristic(
            "php.sink_passed_as_name",
            Severity::High,
            "an execution function is passed by bare name as an argument (later called dynamically)",
            text,
            m.start(),
            m.end() + 40,
        ));
    }
    if let Some(m) = DECODED_REQUEST.find(text) {
        hits.push(Hit::heuristic(
            "php.decoded_request_input",
            Severity::Medium,
            "request input is decoded (base64/gzip/rot13) — payload smuggling",
            text,
            m.start(),
            m.end() + 40,
        ));
    }
    let has_source = SOURCE.is_match(text);
    if let Some(x) = XOR_LOOP.find(text) {
        if has_source && DYNAMIC_EXEC.is_match(text) {
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
        if let Some(m) = EVAL_ANY.find_iter(text).find(|m| {
            let open = m.end();
            let args = call_args(text, open);
            let a = args.trim_start();
            // eval of a constant string is odd but harmless; of anything computed, not.
            !(a.starts_with('\'') && a.trim_end().ends_with('\'') && !a.contains('$'))
        }) {
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
    if let Some(m) = REQUEST_DB_CONNECT.find(text) {
        hits.push(Hit::heuristic(
            "php.request_db_connect",
            Severity::High,
            "a database connection is opened with credentials from the request (database dump tool)",
            text,
            m.start(),
            m.end(),
        ));
    }
    if let Some(m) = REFLECTION_TRICK.find(text) {
        if has_source && (text.contains("$$") || VAR_CALL.is_match(text)) {
            hits.push(Hit::heuristic(
                "php.reflection_hidden_name",
                Severity::High,
                "a function name is fetched through reflection (doc comments, constants) and called",
                text,
                m.start(),
                m.end() + 40,
            ));
        }
    }
    if let Some(m) = UNDERSCORE_CALL.find(text) {
        hits.push(Hit::heuristic(
            "php.obfuscated_variable_function",
            Severity::High,
            "a function is called through an underscore-only variable or a $GLOBALS index ($_($__), $GLOBALS[49](…))",
            text,
            m.start(),
            m.end() + 40,
        ));
    }
    for m in FILE_ACCESS.find_iter(text) {
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
        if let Some(m) = EXEC_VARIABLE.find_iter(text).find(|m| {
            let name_start = m.start()
                + text[m.start()..]
                    .find(|c: char| c.is_ascii_alphabetic())
                    .unwrap_or(0);
            !is_method_or_definition(text, name_start)
        }) {
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

/// True when `piece` is a strict prefix or suffix (≥ 3 letters) of an execution function name.
fn is_partial_sink(piece: &str) -> bool {
    let p: String = piece
        .chars()
        .filter(|c| c.is_ascii_alphabetic() || *c == '_')
        .collect();
    let p = p.to_ascii_lowercase();
    p.len() >= 3
        && [
            "assert",
            "eval",
            "system",
            "create_function",
            "shell_exec",
            "passthru",
            "base64_decode",
        ]
        .iter()
        .any(|n| p.len() < n.len() && (n.starts_with(&p) || n.ends_with(&p)))
}

fn callback_and_literal_tricks(text: &str, hits: &mut Vec<Hit>) {
    // A callback-taking function given an execution function's name in any argument, written
    // plainly or with escapes ("ass\x65rt").
    for m in CALLBACK_SINK
        .find_iter(text)
        .chain(LAST_ARG_CALLBACK.find_iter(text))
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

fn assorted_tricks(text: &str, hits: &mut Vec<Hit>) {
    callback_and_literal_tricks(text, hits);
    if let Some(m) = MB_EREG_E.find(text) {
        hits.push(Hit::heuristic(
            "php.preg_replace_e",
            Severity::High,
            "mb_ereg_replace with the 'e' option evaluates the replacement as PHP code",
            text,
            m.start(),
            m.end(),
        ));
    }
    if let Some(m) = CREATE_FUNCTION.find(text) {
        let args = call_args(text, m.end());
        let decoded_or_request = DECODED_CODE.is_match(args) || SOURCE.is_match(args);
        hits.push(Hit::heuristic(
            "php.create_function",
            if decoded_or_request {
                Severity::High
            } else {
                Severity::Medium
            },
            "create_function() (removed in PHP 8) builds code from a string at run time",
            text,
            m.start(),
            m.end() + args.len() + 1,
        ));
    }
    if let Some(m) = SINK_LITERAL_ASSIGN.find(text) {
        hits.push(Hit::heuristic(
            "php.sink_name_in_variable",
            Severity::High,
            "an execution function's name is stored in a variable (to be called later)",
            text,
            m.start(),
            m.end(),
        ));
    }
    if let Some(c) = PARTIAL_PIECE.captures_iter(text).find(|c| {
        c.get(1)
            .or_else(|| c.get(2))
            .is_some_and(|p| is_partial_sink(p.as_str()))
    }) {
        if let Some(m) = c.get(0) {
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
}

static DECODED_CODE: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r"(?i)base64_decode|gzinflate|gzuncompress|str_rot13|strrev|hex2bin|\$_")
        .expect("static regex")
});

static LITERAL_SHORT: LazyLock<Regex> =
    LazyLock::new(|| crate::fastre::new(r#"["']([^"'\n]{1,2})["']"#).expect("static regex"));

fn preg_replace_e(text: &str, tainted: &HashSet<String>, hits: &mut Vec<Hit>) {
    for c in PREG_E.captures_iter(text) {
        let (Some(whole), Some(q)) = (c.get(0), c.get(1)) else {
            continue;
        };
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
                Severity::High
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Vec<String> {
        let mut hits = Vec::new();
        analyse(text, &mut hits);
        hits.into_iter().map(|h| h.rule).collect()
    }

    #[test]
    fn one_liners() {
        assert!(rules("<?php @eval($_POST['c']);?>").contains(&"php.request_to_exec".into()));
        assert!(rules("<?php $a=$_GET['x']; assert($a);").contains(&"php.request_to_exec".into()));
        assert!(rules("<?php $_POST['f']($_POST['c']);")
            .contains(&"php.request_variable_function".into()));
        assert!(rules("<?php call_user_func_array($_POST['f'], array(1));")
            .contains(&"php.request_callback".into()));
        assert!(rules("<?php $f='as'.'se'.'rt'; $f($x);")
            .contains(&"php.concatenated_function_name".into()));
        assert!(rules("<?php eval(gzinflate(base64_decode('abc')));")
            .contains(&"php.eval_decoded".into()));
        assert!(rules("<?php preg_replace('/.*/e', $_REQUEST['x'], '');")
            .contains(&"php.preg_replace_e".into()));
        assert!(rules("<?php $f=str_rot13('nffreg'); $f($_POST[1]);")
            .contains(&"php.encoded_function_name".into()));
        assert!(
            rules("<?php $x=\"\\x61\\x73\\x73\\x65\\x72\\x74\"; $x($_POST[1]);")
                .contains(&"php.hex_escaped_code".into())
        );
        assert!(rules("<?php include($_GET['page']);").contains(&"php.request_include".into()));
        assert!(rules("<?php echo `ls $_GET[d]`;").contains(&"php.request_backtick".into()));
    }

    #[test]
    fn benign_code_is_quiet() {
        let benign = "<?php $db->exec($sql); $_POST = array_map('stripslashes', $_POST);\n\
            function system($x) {} $pdo::exec($q); preg_replace('/a/i', 'b', $_GET['q']);\n\
            $name = sanitize($_GET['n']); include __DIR__ . '/x.php'; echo base64_decode($s);";
        let r = rules(benign);
        assert!(r.is_empty(), "{r:?}");
    }

    #[test]
    fn hostile_input_does_not_panic() {
        for s in [
            "eval(",
            "preg_replace('",
            "preg_replace(\"\u{e9}",
            "\"\\x",
            "chr(1).chr(",
            "$",
        ] {
            let _ = rules(s);
        }
    }
}
