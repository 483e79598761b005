//! The regular expressions of the PHP heuristics (compiled once, on first use).

use std::sync::LazyLock;

use regex::Regex;

use crate::fastre::CiRegex;

/// Characters that may not precede a function name for it to count as a plain call: a word
/// character (checked by the search), `->`/`::` (a method), `$` (a variable). The patterns
/// searched with it had a `(?:^|[^\w>:$])` prefix.
pub(super) const CALL_NOT_AFTER: &[u8] = b">:$";

/// [`CALL_NOT_AFTER`] for [`VAR_CALL`], which also skips `{$x}(` inside strings.
pub(super) const VAR_CALL_NOT_AFTER: &[u8] = b">:${";

pub(super) static SOURCE: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(
        r#"(?i)\$_(?:GET|POST|REQUEST|COOKIE|FILES)\b|\$_SERVER\s*\[\s*['"]HTTP_|\$HTTP_(?:GET|POST|COOKIE|RAW_POST)_(?:VARS|DATA)|getallheaders\s*\(|php://input|\$GLOBALS\s*\[\s*['"]_(?:GET|POST|REQUEST|COOKIE)|getenv\s*\(\s*['"]HTTP_"#,
    )
    .expect("static regex")
});

/// [`SOURCE`] for short slices of the original text (call arguments).
pub(super) static SOURCE_IN_SLICE: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(
        r#"(?i)\$_(?:GET|POST|REQUEST|COOKIE|FILES)\b|\$_SERVER\s*\[\s*['"]HTTP_|\$HTTP_(?:GET|POST|COOKIE|RAW_POST)_(?:VARS|DATA)|getallheaders\s*\(|php://input|\$GLOBALS\s*\[\s*['"]_(?:GET|POST|REQUEST|COOKIE)|getenv\s*\(\s*['"]HTTP_"#,
    )
    .expect("static regex")
});

/// `$name = ` / `$name[…] .= ` — the head of an assignment; the value (up to 300 characters
/// before the next `;`) is cut by [`super::taint::assignments`] (a `{0,300}` repetition in the
/// pattern made the lazy DFA rebuild its states all over every file).
pub(super) const TAINT_ASSIGN: &str =
    r#"(?i)\$([a-z_][a-z0-9_]*)\s*(?:\[[^\]]{0,40}\]\s*)?\.?=\s*"#;

pub(super) static EXEC_SINK: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(
        r"(?i)\b(eval|assert|system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec|create_function)\s*\(",
    )
    .expect("static regex")
});

pub(super) static CALLBACK_SINK: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(
        r"(?i)\b(call_user_func|call_user_func_array|array_map|array_filter|array_walk|array_walk_recursive|usort|uasort|uksort|register_shutdown_function|register_tick_function|forward_static_call|forward_static_call_array|iterator_apply|ob_start|array_reduce|set_error_handler|set_exception_handler)\s*\(",
    )
    .expect("static regex")
});

pub(super) static INCLUDE_SINK: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r"(?i)\b(include|require|include_once|require_once)\b\s*\(?")
        .expect("static regex")
});

pub(super) static REQUEST_VAR_CALL: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)\$_(?:GET|POST|REQUEST|COOKIE|SERVER)\s*\[[^\]]{0,60}\]\s*\("#)
        .expect("static regex")
});

/// `$f(`, `${f}[0](`: searched from the `(` (see `anchored::var_call_starts`).
pub(super) const VAR_CALL: &str = r"(?i)\$\{?([a-z_][a-z0-9_]*)\}?\s*(?:\[[^\]]{0,40}\]\s*)?\(";

pub(super) static EVAL_DECODED: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(
        r"(?i)\b(eval|assert|create_function|system|exec|shell_exec|passthru)\s*\(\s*@?\s*(?:\$\w+\s*\(\s*)?(base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|strrev|hex2bin|convert_uudecode|rawurldecode|urldecode|pack|hexdec)\s*\(",
    )
    .expect("static regex")
});

pub(super) static DECODE_CHAIN: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(
        r"(?i)\b(gzinflate|gzuncompress|gzdecode|str_rot13|strrev|convert_uudecode)\s*\(\s*@?\s*(base64_decode|str_rot13|gzinflate|strrev|gzuncompress|hex2bin|convert_uudecode)\s*\(",
    )
    .expect("static regex")
});

pub(super) static LITERAL_PIECE: LazyLock<Regex> =
    LazyLock::new(|| crate::fastre::new(r#"["']([A-Za-z0-9_]*)["']"#).expect("static regex"));

pub(super) static SIMPLE_TRANSFORM: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(
        r#"(?i)\b(str_rot13|strrev|base64_decode)\s*\(\s*["']([A-Za-z0-9+/=_]{3,40})["']\s*\)"#,
    )
    .expect("static regex")
});

pub(super) static CHR_RUN: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r"(?i)(?:chr\s*\(\s*\d{1,3}\s*\)\s*\.\s*){5,}chr\s*\(\s*\d{1,3}\s*\)")
        .expect("static regex")
});

pub(super) static CHR_NUM: LazyLock<Regex> =
    LazyLock::new(|| crate::fastre::new(r"(?i)chr\s*\(\s*(\d{1,3})\s*\)").expect("static regex"));

pub(super) static HEX_LITERAL: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)"(?:[^"\\]|\\.){0,20}(?:\\x[0-9a-f]{2}|\\[0-7]{3}){4,}(?:[^"\\]|\\.)*""#)
        .expect("static regex")
});

pub(super) static PREG_E: LazyLock<CiRegex> =
    LazyLock::new(|| CiRegex::new(r#"(?i)\bpreg_replace\s*\(\s*(["'])"#).expect("static regex"));

pub(super) static BACKTICK_REQUEST: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r"(?i)`[^`\n]{0,80}\$_(?:GET|POST|REQUEST|COOKIE)[^`\n]{0,80}`")
        .expect("static regex")
});

pub(super) static CALLBACK_LITERAL_SINK: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)\b(?:register_shutdown_function|register_tick_function|call_user_func|call_user_func_array|array_map|array_walk|array_filter|usort|uasort|uksort|ob_start|set_error_handler|iterator_apply|forward_static_call)\s*\(\s*["'](?:assert|eval|system|exec|shell_exec|passthru|popen|proc_open|create_function|pcntl_exec)["']"#)
        .expect("static regex")
});

pub(super) static LAST_ARG_CALLBACK: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r"(?i)\b(?:array_diff_ukey|array_diff_uassoc|array_intersect_ukey|array_intersect_uassoc|array_udiff|array_udiff_assoc|array_udiff_uassoc|array_uintersect|array_uintersect_assoc|array_uintersect_uassoc)\s*\(")
        .expect("static regex")
});

pub(super) static VAR_CREATE_FUNCTION: LazyLock<CiRegex> =
    LazyLock::new(|| CiRegex::new(r#"\$[A-Za-z_]\w*\s*\(\s*(?:""|'')\s*,"#).expect("static regex"));

pub(super) static OBFUSCATED_INCLUDE: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)\b(?:include|require)(?:_once)?\s*\(?\s*["'](?:[^"'\\]{0,3}\\(?:x[0-9a-f]{2}|[0-7]{3})){4,}"#)
        .expect("static regex")
});

pub(super) static INCLUDE_ODD_EXT: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)\b(?:include|require)(?:_once)?\s*\(?\s*["'][^"'\n]{0,200}\.(?:ico|png|jpe?g|gif|txt|bmp)["']"#)
        .expect("static regex")
});

pub(super) static HIDDEN_BY_WHITESPACE: LazyLock<Regex> =
    LazyLock::new(|| crate::fastre::new(r"<\?php[ \t]{150,}\S").expect("static regex"));

pub(super) static HEX_BLOB: LazyLock<CiRegex> =
    LazyLock::new(|| CiRegex::new(r#"(?i)"(?:\\x[0-9a-f]{1,2}){64,}"#).expect("static regex"));

pub(super) static SUPERGLOBAL_VARVAR: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)array\s*\(\s*["']_(?:POST|GET|REQUEST|COOKIE)["']|\$\{\s*["']_(?:POST|GET|REQUEST|COOKIE)["']\s*\}|\$\{\s*\$_(?:POST|GET|REQUEST|COOKIE)"#)
        .expect("static regex")
});

pub(super) static STR_REPLACE_LITERAL: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)str_ireplace\s*\(\s*["']([^"']{1,6})["']\s*,\s*["']{2}\s*,\s*["']([^"']{3,80})["']\s*\)|str_replace\s*\(\s*["']([^"']{1,6})["']\s*,\s*["']{2}\s*,\s*["']([^"']{3,80})["']\s*\)"#)
        .expect("static regex")
});

/// `(assert)`, `, eval,`: the leading `[(,]\s*` is checked in code by
/// `obfuscation::bare_sink_arg` (a `(`/`,` first byte gives the engine nothing to skip to).
pub(super) static BARE_SINK_ARG: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r"(?i)(?:assert|eval|system|passthru|shell_exec|create_function)\s*[),]")
        .expect("static regex")
});

pub(super) static DECODED_REQUEST: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)\b(?:base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|strrev|hex2bin|convert_uudecode)\s*\(\s*@?\s*(?:\$_(?:POST|GET|REQUEST|COOKIE)|\$_SERVER\s*\[\s*["']HTTP_)"#)
        .expect("static regex")
});

pub(super) static DYNAMIC_EXEC: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r"(?i)\b(?:eval|assert|create_function|call_user_func(?:_array)?)\s*\(|\binclude\s*\(?\s*\$|->\s*__invoke|\bnew\s+\$\w+")
        .expect("static regex")
});

pub(super) static EVAL_ANY: LazyLock<CiRegex> =
    LazyLock::new(|| CiRegex::new(r"(?i)@?(?:eval|assert)\s*\(").expect("static regex"));

pub(super) static REQUEST_DB_CONNECT: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r"(?i)\b(?:mysql_connect|mysqli_connect|mysql_pconnect|new\s+mysqli|new\s+PDO|pg_connect|mssql_connect|oci_connect)\s*\(\s*[^;]{0,200}\$_(?:POST|GET|REQUEST|COOKIE)")
        .expect("static regex")
});

pub(super) static REFLECTION_TRICK: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r"(?i)getdoccomment\s*\(|->getconstant\s*\(|ReflectionFunction\s*\(\s*\$|->invokeArgs\s*\(\s*\$_(?:POST|GET|REQUEST)")
        .expect("static regex")
});

/// `$GLOBALS[49](…)`, `${'x'}(…)` (case-sensitive, on the original text).
pub(super) static GLOBALS_INDEX_CALL: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(
        r"\$GLOBALS\s*\[\s*\d+\s*\]\s*\(|\$\{\s*['\x22][^'\x22]{1,10}['\x22]\s*\}\s*\(",
    )
    .expect("static regex")
});

pub(super) static EXEC_VARIABLE: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r"(?i)@?(?:system|passthru|shell_exec|exec|popen|proc_open)\s*\(\s*\$\w+")
        .expect("static regex")
});

pub(super) static FILE_ACCESS: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r"(?i)@?(?:fopen|opendir|scandir|unlink|rmdir|readfile|file_get_contents|file_put_contents|highlight_file|show_source|copy|rename|chmod|fwrite|move_uploaded_file)\s*\(\s*")
        .expect("static regex")
});

pub(super) static MB_EREG_E: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)\bmb_e?regi?_replace\s*\([^;]{0,300},\s*["'][a-z]*e[a-z]*["']\s*\)"#)
        .expect("static regex")
});

pub(super) static CREATE_FUNCTION: LazyLock<CiRegex> =
    LazyLock::new(|| CiRegex::new(r"(?i)create_function\s*\(").expect("static regex"));

pub(super) static STRING_LITERAL: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r#""((?:[^"\\]|\\.){2,40})"|'([^'\\]{2,40})'"#).expect("static regex")
});

/// `$perl->eval(…)`, `$v8->executeString(…)`: an embedded interpreter's eval (Perl, V8Js, Lua).
pub(super) static EMBEDDED_EVAL: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r"(?i)->\s*(?:eval|executestring|evaluate)\s*\(").expect("static regex")
});

/// A webshell one-liner written inside a string (a dropper, or an SQL `INTO OUTFILE` payload).
pub(super) static PAYLOAD_IN_STRING: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r"(?i)<\?(?:php\b|=)?\s*@?\s*(?:eval|assert|system|passthru|shell_exec|exec|popen)\s*\(\s*@?\s*\\?\$_(?:GET|POST|REQUEST|COOKIE)\b")
        .expect("static regex")
});

pub(super) static EXTRACT_REQUEST: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r"(?i)\b(?:extract|parse_str|import_request_variables)\s*\(\s*\$_(?:GET|POST|REQUEST|COOKIE)")
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

pub(super) static WRAPPED_SOURCE: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r#"(?i)^\s*@?\s*(?:\(\s*string\s*\)\s*)?(?:(?:trim|stripslashes|base64_decode|urldecode|rawurldecode|str_rot13|strrev|gzinflate|gzuncompress|hex2bin|strval|implode|join|array_pop|array_shift|end|current|reset|file_get_contents|explode|substr|str_replace|unserialize|json_decode)\s*\(\s*@?\s*(?:["'][^"']*["']\s*,\s*){0,2})*(?:\$_(?:GET|POST|REQUEST|COOKIE|FILES)\b|\$_SERVER\s*\[\s*["'](?:HTTP_|QUERY_STRING|REQUEST_URI|PATH_INFO|ORIG_PATH_INFO|PATH_TRANSLATED|PHP_SELF)|getallheaders\s*\(|["']php://input|\$HTTP_)"#)
        .expect("static regex")
});

pub(super) static DECODED_CODE: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r"(?i)base64_decode|gzinflate|gzuncompress|str_rot13|strrev|hex2bin|\$_(?:GET|POST|REQUEST|COOKIE|SERVER|FILES)\b")
        .expect("static regex")
});

pub(super) static LITERAL_SHORT: LazyLock<Regex> =
    LazyLock::new(|| crate::fastre::new(r#"["']([^"'\n]{1,2})["']"#).expect("static regex"));
