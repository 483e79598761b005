//! ASP and ASP.NET heuristics.
//!
//! Classic ASP one-liners are `<%eval request("x")%>` / `<%execute request("x")%>`
//! (China Chopper's server side); full shells drive `WScript.Shell` or `Shell.Application`; many
//! are hidden with the Microsoft Script Encoder (`#@~^…^#~@`). ASP.NET shells call
//! `Process.Start`, JScript.NET `eval(Request.Item[…], "unsafe")`, or load an assembly from the
//! request body (`Assembly.Load(...)`: Behinder, Godzilla, AntSword's aspx agents).

use std::sync::LazyLock;

use huoyan_core::Severity;
use regex::Regex;

use crate::fastre::{CiRegex, Lowered};

use super::Hit;

static EVAL_REQUEST: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)\b(?:eval|execute|executeglobal)\b\s*\(?\s*(?:\w+\s*\(\s*)?request\b"#)
        .expect("static regex")
});
/// `x = request(…)`, `x = Trim(Session(…))`: searched only where a walk back from `request` or
/// `session` reaches an `=` (see [`request_assignments`]); its first byte is any letter.
const TAINT: &str = r#"(?i)\b([a-z_]\w*)\s*=\s*(?:trim\s*\(\s*|cstr\s*\(\s*|unescape\s*\(\s*)?(?:request|session)\b"#;
static TAINT_AT: LazyLock<crate::fastre::StartsAt> =
    LazyLock::new(|| crate::fastre::StartsAt::new_ci(TAINT).expect("static regex"));
/// `a = b` (end of statement): searched only from each `=` (see [`copies`]).
const COPY: &str = r#"(?im)\b([a-z_]\w*)\s*=\s*([a-z_]\w*)\s*(?:$|[:;])"#;
static COPY_AT: LazyLock<crate::fastre::StartsAt> =
    LazyLock::new(|| crate::fastre::StartsAt::new_ci(COPY).expect("static regex"));
static EVAL_VAR: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)\b(?:eval|execute|executeglobal)\b\s*\(?\s*([a-z_]\w*)"#)
        .expect("static regex")
});
static SESSION_EXEC: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)\b(?:eval|execute|executeglobal)\b\s*\(?\s*session\s*\("#)
        .expect("static regex")
});
static EXEC_COMPUTED: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)(?:^|[\s:;(%>])(?:execute|executeglobal)\s*\(?\s*(?:\(\s*)?[a-z_]\w*\s*\("#)
        .expect("static regex")
});
static BINARY_READ_EXEC: LazyLock<CiRegex> =
    LazyLock::new(|| CiRegex::new(r#"(?i)request\s*\.\s*binaryread"#).expect("static regex"));
static ANY_EXEC: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r#"(?i)(?:^|[\s:;(%>])(?:execute|executeglobal|eval)\b\s*\(?"#)
        .expect("static regex")
});
static UTF7: LazyLock<CiRegex> =
    LazyLock::new(|| CiRegex::new(r#"(?i)@\s*codepage\s*=\s*65000"#).expect("static regex"));
static JSCRIPT_EVAL2: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r#"(?i)\beval\s*\(\s*[a-z_]\w*\s*,\s*(?:["'\\]|[a-z_]\w*\s*\))"#)
        .expect("static regex")
});
/// `"W"+"S"+"cr"+…` (comments allowed between): searched only from short literals (see
/// [`char_splits`]); its first byte, a quote, is everywhere.
const CHAR_SPLIT: &str =
    r#"(?:"[^"\n]{1,2}"\s*(?:/\*[^*]{0,20}\*/\s*)*\+\s*(?:/\*[^*]{0,20}\*/\s*)*){3,}"[^"\n]{1,2}""#;
static CHAR_SPLIT_AT: LazyLock<crate::fastre::StartsAt> =
    LazyLock::new(|| crate::fastre::StartsAt::new(CHAR_SPLIT).expect("static regex"));

/// The matches of `CHAR_SPLIT`, left to right: each starts at the opening quote of a literal of
/// one or two characters (no quote or newline).
fn char_splits(text: &str) -> Vec<crate::fastre::Span> {
    let starts: Vec<usize> = memchr::memchr_iter(b'"', text.as_bytes())
        .filter(|&q| {
            let mut chars = text[q + 1..].chars();
            match (chars.next(), chars.next(), chars.next()) {
                (Some(a), Some('"'), _) => a != '"' && a != '\n',
                (Some(a), Some(b), Some('"')) => a != '"' && a != '\n' && b != '"' && b != '\n',
                _ => false,
            }
        })
        .collect();
    CHAR_SPLIT_AT.iter_from(text, &starts).collect()
}
/// A file written from the request; its `(\w+)\s*\.\s*write` branch starts at any word, so it
/// is searched from its words instead (see [`request_file_writes`]).
const FSO_WRITE: &str = r#"(?i)createtextfile\s*\([^)]{0,80}request|(\w+)\s*\.\s*write\s*\(?[^\n]{0,40}request\s*[\.(]|\.saveas\s*\([^)]{0,120}(?:request|\.text)|savetofile\s*[^\n]{0,60}request"#;
static FSO_WRITE_AT: LazyLock<crate::fastre::StartsAt> =
    LazyLock::new(|| crate::fastre::StartsAt::new_ci(FSO_WRITE).expect("static regex"));

/// The matches of `FSO_WRITE`, left to right and non-overlapping, with group 1 (the object
/// before `.write`), like its `captures_iter`: candidates are `createtextfile`, `.saveas`,
/// `savetofile` and the word before each `.write`; a word that an earlier match ends inside
/// starts where that match ended, as a search from there would.
fn request_file_writes(
    lower: Lowered<'_>,
) -> Vec<(crate::fastre::Span, Option<crate::fastre::Span>)> {
    use crate::fastre::{skip_space_back, word_run_back, Span};
    let hay = lower.as_str();
    let b = hay.as_bytes();
    // (start, end of the word for the `.write` branch, else start)
    let mut starts: Vec<(usize, usize)> = Vec::new();
    for lit in [&b"createtextfile"[..], b".saveas", b"savetofile"] {
        starts.extend(memchr::memmem::find_iter(b, lit).map(|p| (p, p)));
    }
    for w in memchr::memmem::find_iter(b, b"write") {
        let j = skip_space_back(b, w);
        if j == 0 || b[j - 1] != b'.' {
            continue;
        }
        let k = skip_space_back(b, j - 1);
        let s = word_run_back(b, k);
        if s < k {
            starts.push((s, k));
        }
    }
    starts.sort_unstable();
    let mut caps = FSO_WRITE_AT.captures();
    let mut last_end = 0;
    let mut out = Vec::new();
    for (s, word_end) in starts {
        let s = if s < last_end && last_end < word_end {
            last_end
        } else {
            s
        };
        if s < last_end || !FSO_WRITE_AT.captures_at(hay, s, &mut caps) {
            continue;
        }
        if let Some(whole) = caps.get_group(0) {
            last_end = whole.end;
            let object = caps.get_group(1).map(|g| Span::new(g.start, g.end));
            out.push((Span::new(whole.start, whole.end), object));
        }
    }
    out
}
static REQUEST_SQL: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)xp_cmdshell|sp_oacreate|sp_makewebtask|(?:sqlconnection|oledbconnection|adodb\.connection)[\s\S]{0,400}(?:connectionstring|\.open)\s*[=(][^;\n]{0,120}(?:request|\.text\b)"#)
        .expect("static regex")
});

static WSHELL: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)wscript\.shell|shell\.application|wscript\.network"#).expect("static regex")
});
static ENCODED: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)#@~\^[A-Za-z0-9+/]{6}==|language\s*=\s*"?\s*(?:vbscript|jscript)\.encode"#)
        .expect("static regex")
});
static PROCESS: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)process\s*\.\s*start\s*\(|new\s+(?:system\.diagnostics\.)?processstartinfo\b|diagnostics\s*\.\s*process\b|new\s+process\s*\(\s*\)|\.startinfo\b"#)
        .expect("static regex")
});
static ASSEMBLY_LOAD: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)assembly\s*\.\s*load\s*\(|\.\s*createinstance\s*\(\s*"[a-z]{1,4}"|getmethod\s*\(\s*"load""#)
        .expect("static regex")
});
static REQUEST: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)\brequest\s*(?:\.\s*(?:item|form|querystring|binaryread|inputstream|params|cookies)|\[|\()"#)
        .expect("static regex")
});
static JSCRIPT_EVAL: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)eval\s*\([^;]{0,200}["']unsafe["']"#).expect("static regex")
});

static EVAL_DECODED: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)\beval\s*\(\s*(?:system\.text\.encoding|encoding\.|convert\s*\.\s*frombase64string|unescape\s*\(|decode\w*\s*\()|executestatement\s*\(|msscriptcontrol|[:=]\s*eval\s*[,;}]"#)
        .expect("static regex")
});
static FSO_OBJECT: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)scripting\.filesystemobject|adodb\.stream"#).expect("static regex")
});
static FSO_CALL: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)\.(?:createtextfile|opentextfile|savetofile|copyfile|movefile|deletefile|deletefolder|getfolder)\s*\(?\s*([a-z_]\w*)"#)
        .expect("static regex")
});
static NET_FILE_OPS: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)file\s*\.\s*(?:delete|writeallbytes|writealltext|copy|move)\s*\(|directory\s*\.\s*(?:getfiles|getdirectories|delete)\s*\(|postedfile\s*\.\s*saveas|response\s*\.\s*(?:writefile|transmitfile)\s*\(|new\s+(?:system\.net\.sockets\.)?(?:socket|tcpclient)\s*\("#)
        .expect("static regex")
});

/// Blanks `/* … */` comments (JScript, C#), keeping offsets; shells sprinkle them between tokens.
fn strip_block_comments(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("/*") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = text.as_bytes().to_vec();
    let mut i = 0;
    while let Some(p) = memchr::memmem::find(&out[i..], b"/*") {
        let start = i + p;
        let end =
            memchr::memmem::find(&out[start + 2..], b"*/").map_or(out.len(), |e| start + 2 + e + 2);
        for b in &mut out[start..end] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
        i = end;
        if i >= out.len() {
            break;
        }
    }
    match String::from_utf8(out) {
        Ok(s) => std::borrow::Cow::Owned(s),
        Err(_) => std::borrow::Cow::Borrowed(text),
    }
}

/// `"WScr" & "ipt.Sh" & "ell"`: searched only from literals followed by `&` (see
/// [`amp_chains`]); its first byte, a quote, is everywhere.
const AMP_CHAIN: &str = r#"(?:"[^"\n]{1,12}"\s*&\s*){2,}"[^"\n]{1,12}""#;
static AMP_CHAIN_AT: LazyLock<crate::fastre::StartsAt> =
    LazyLock::new(|| crate::fastre::StartsAt::new(AMP_CHAIN).expect("static regex"));

/// The matches of `AMP_CHAIN`, left to right: each starts at the opening quote of a literal
/// of 1..=12 characters (no quote or newline) that is followed by blanks and `&`.
fn amp_chains(text: &str) -> Vec<crate::fastre::Span> {
    let b = text.as_bytes();
    let mut starts: Vec<usize> = memchr::memchr_iter(b'&', b)
        .filter_map(|a| {
            let close = crate::fastre::skip_space_back(b, a).checked_sub(1)?;
            if b[close] != b'"' {
                return None;
            }
            text[..close]
                .char_indices()
                .rev()
                .take(13)
                .take_while(|&(_, c)| c != '\n')
                .find(|&(_, c)| c == '"')
                .map(|(i, _)| i)
        })
        .collect();
    starts.sort_unstable();
    AMP_CHAIN_AT.iter_from(text, &starts).collect()
}
static TOOL_TELLS: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)scripttimeout\s*=\s*9{5,}|import\s+namespace\s*=\s*"(?:system\.diagnostics|microsoft\.win32|system\.net\.sockets|system\.runtime\.interopservices|system\.serviceprocess)"|\bstrreverse\s*\([\s\S]{0,400}\b(?:execute|eval)\b"#)
        .expect("static regex")
});
static CONTROL_FILE_OPS: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)(?:file\s*\.\s*(?:delete|writeallbytes|writealltext|copy|move)|directory\s*\.\s*(?:getfiles|getdirectories|delete|createdirectory)|\.saveas)\s*\([^;]{0,120}\.text\b"#)
        .expect("static regex")
});

/// The names `TAINT` captures, left to right and non-overlapping: every match ends at a
/// `request`/`session` and starts at the name before the `=` a walk back from it reaches.
fn request_assignments(lower: Lowered<'_>) -> Vec<String> {
    use crate::fastre::{skip_space_back, word_run_back};
    let hay = lower.as_str();
    let b = hay.as_bytes();
    let mut starts = Vec::new();
    for token in
        memchr::memmem::find_iter(b, b"request").chain(memchr::memmem::find_iter(b, b"session"))
    {
        let j = skip_space_back(b, token);
        let eq = if j > 0 && b[j - 1] == b'(' {
            let k = skip_space_back(b, j - 1);
            ["trim", "cstr", "unescape"]
                .iter()
                .filter(|w| b[..k].ends_with(w.as_bytes()))
                .map(|w| skip_space_back(b, k - w.len()))
                .find(|&e| e > 0 && b[e - 1] == b'=')
                .map(|e| e - 1)
        } else {
            (j > 0 && b[j - 1] == b'=').then(|| j - 1)
        };
        if let Some(eq) = eq {
            let end = skip_space_back(b, eq);
            let start = word_run_back(b, end);
            if start < end {
                starts.push(start);
            }
        }
    }
    starts.sort_unstable();
    starts.dedup();
    TAINT_AT
        .captures_from(hay, &starts)
        .filter_map(|(_, name)| name.map(|n| hay[n.start()..n.end()].to_string()))
        .collect()
}

/// The (to, from) pairs `COPY` captures, left to right and non-overlapping: every match starts
/// at the name right before an `=`.
fn copies(lower: Lowered<'_>) -> Vec<(String, String)> {
    use crate::fastre::{skip_space_back, word_run_back};
    let hay = lower.as_str();
    let b = hay.as_bytes();
    let mut caps = COPY_AT.captures();
    let mut last_end = 0;
    let mut out = Vec::new();
    for eq in memchr::memchr_iter(b'=', b) {
        let end = skip_space_back(b, eq);
        let start = word_run_back(b, end);
        if start == end || start < last_end || !COPY_AT.captures_at(hay, start, &mut caps) {
            continue;
        }
        if let (Some(whole), Some(to), Some(from)) =
            (caps.get_group(0), caps.get_group(1), caps.get_group(2))
        {
            last_end = whole.end;
            out.push((hay[to.range()].to_string(), hay[from.range()].to_string()));
        }
    }
    out
}

/// Runs the ASP/ASP.NET heuristics.
pub fn analyse(text: &str, hits: &mut Vec<Hit>) {
    let lowered = text.to_ascii_lowercase();
    let lower = Lowered::new(&lowered);
    for m in amp_chains(text) {
        let joined: String = text[m.start()..m.end()]
            .split('"')
            .enumerate()
            .filter(|(i, _)| i % 2 == 1)
            .map(|(_, p)| p)
            .collect::<String>()
            .to_ascii_lowercase();
        if [
            "scripting.filesystemobject",
            "wscript.shell",
            "shell.application",
            "adodb.stream",
            "execute",
            "eval",
            "request",
        ]
        .iter()
        .any(|w| joined.contains(w))
        {
            hits.push(Hit::heuristic(
                "asp.split_object_name",
                Severity::High,
                "an object or keyword name (FileSystemObject, WScript.Shell, Execute …) is assembled from string pieces",
                text,
                m.start(),
                m.end(),
            ));
            break;
        }
    }
    if let Some(m) = TOOL_TELLS.find(lower) {
        hits.push(Hit::heuristic(
            "asp.tool_tells",
            Severity::Medium,
            "hacking-tool tells: unlimited script timeout, process/registry/socket namespaces, reversed code executed",
            text,
            m.start(),
            m.end().min(m.start() + 160),
        ));
    }
    if let Some(m) = CONTROL_FILE_OPS.find(lower) {
        hits.push(Hit::heuristic(
            "aspx.control_file_ops",
            Severity::Medium,
            "an ASP.NET page deletes, writes or lists files named in its form fields (file manager)",
            text,
            m.start(),
            m.end(),
        ));
    }
    let stripped = strip_block_comments(text);
    let text: &str = &stripped;
    let lowered_stripped;
    let lower = if matches!(stripped, std::borrow::Cow::Borrowed(_)) {
        lower
    } else {
        lowered_stripped = text.to_ascii_lowercase();
        Lowered::new(&lowered_stripped)
    };
    // Each alternative holds one of these words; its `[:=]\s*eval` branch leaves the engine
    // nothing rare to skip to, so the words are looked for first.
    let eval_words = lower.contains("eval")
        || lower.contains("executestatement")
        || lower.contains("msscriptcontrol");
    if let Some(m) = eval_words.then(|| EVAL_DECODED.find(lower)).flatten() {
        hits.push(Hit::heuristic(
            "asp.eval_decoded",
            Severity::High,
            "decoded or script-control code is evaluated (eval of Encoding/Base64, ScriptControl)",
            text,
            m.start(),
            m.end() + 40,
        ));
    }
    // Variables assigned from the request or session (computed once, on first need).
    let mut request_vars: Option<Vec<String>> = None;
    let mut request_vars = || -> Vec<String> {
        request_vars
            .get_or_insert_with(|| request_assignments(lower))
            .clone()
    };
    if FSO_OBJECT.is_match(lower) {
        let tainted = request_vars();
        if let Some(c) = FSO_CALL.captures_iter(lower).find(|c| {
            tainted.contains(&c[1].to_ascii_lowercase()) || c[1].eq_ignore_ascii_case("request")
        }) {
            if let Some(m) = c.get(0) {
                hits.push(Hit::heuristic(
                    "asp.request_file_write",
                    Severity::High,
                    "the file system is driven by request parameters (file manager / uploader)",
                    text,
                    m.start(),
                    m.end() + 40,
                ));
            }
        }
    }
    if let Some(m) = NET_FILE_OPS.find(lower) {
        if REQUEST.is_match(lower) {
            hits.push(Hit::heuristic(
                "aspx.request_file_ops",
                Severity::Medium,
                "an ASP.NET page reads, writes or deletes files or opens sockets on request",
                text,
                m.start(),
                m.end() + 40,
            ));
        }
    }
    if let Some(m) = EVAL_REQUEST.find(lower) {
        hits.push(Hit::heuristic(
            "asp.request_to_eval",
            Severity::Critical,
            "request input is evaluated as script (eval/execute request(...))",
            text,
            m.start(),
            m.end() + 40,
        ));
    } else {
        let mut tainted = request_vars();
        // Copies (`a = b`) spread the taint twice over; with nothing tainted there is nothing to
        // spread.
        let copies: Vec<(String, String)> = if tainted.is_empty() {
            Vec::new()
        } else {
            copies(lower)
        };
        for _ in 0..2 {
            for (to, from) in &copies {
                if tainted.contains(from) && !tainted.contains(to) {
                    tainted.push(to.clone());
                }
            }
        }
        if !tainted.is_empty() {
            for c in EVAL_VAR.captures_iter(lower) {
                if tainted.contains(&c[1].to_ascii_lowercase()) {
                    if let Some(m) = c.get(0) {
                        hits.push(Hit::heuristic(
                            "asp.request_to_eval",
                            Severity::Critical,
                            "a variable holding request input is evaluated as script",
                            text,
                            m.start(),
                            m.end() + 40,
                        ));
                    }
                    break;
                }
            }
        }
    }
    if let Some(m) = SESSION_EXEC.find(lower) {
        hits.push(Hit::heuristic(
            "asp.session_to_eval",
            Severity::Critical,
            "session data (filled from the request) is executed",
            text,
            m.start(),
            m.end() + 40,
        ));
    }
    // Its first byte is a blank or punctuation: look for the word first.
    if let Some(m) = lower
        .contains("execute")
        .then(|| EXEC_COMPUTED.find(lower))
        .flatten()
    {
        hits.push(Hit::heuristic(
            "asp.execute_decoded",
            Severity::High,
            "Execute/ExecuteGlobal of a decoded or computed string",
            text,
            m.start(),
            m.end() + 40,
        ));
    }
    if BINARY_READ_EXEC.is_match(lower) {
        if let Some(m) = ANY_EXEC.find(text) {
            hits.push(Hit::heuristic(
                "asp.request_body_executed",
                Severity::Critical,
                "the raw request body is read and something is executed (Behinder ASP pattern)",
                text,
                m.start(),
                m.end() + 40,
            ));
        }
    }
    if let Some(m) = UTF7.find(lower) {
        hits.push(Hit::heuristic(
            "asp.utf7_codepage",
            Severity::High,
            "the page declares the UTF-7 code page to hide its code from filters",
            text,
            m.start(),
            m.end() + 60,
        ));
    }
    if let Some(m) = JSCRIPT_EVAL2.find(text) {
        hits.push(Hit::heuristic(
            "aspx.jscript_eval_unsafe",
            Severity::High,
            "JScript eval(code, flag): the two-argument form used to run code with the unsafe flag",
            text,
            m.start(),
            m.end() + 40,
        ));
    }
    for m in char_splits(text) {
        let joined: String = text[m.start()..m.end()]
            .split('"')
            .enumerate()
            .filter(|(i, _)| i % 2 == 1)
            .map(|(_, p)| p)
            .collect::<String>()
            .to_ascii_lowercase();
        if ["eval", "execute", "request", "wscript", "unsafe"]
            .iter()
            .any(|w| joined.contains(w))
        {
            hits.push(Hit::heuristic(
                "asp.char_split_code",
                Severity::High,
                "code (eval/Request …) spelled out in one- or two-character string pieces",
                text,
                m.start(),
                m.end(),
            ));
            break;
        }
    }
    if let Some((m, _)) = request_file_writes(lower).into_iter().find(|(_, object)| {
        object.is_none_or(|w| !lower.as_str()[w.start()..w.end()].eq_ignore_ascii_case("response"))
    }) {
        hits.push(Hit::heuristic(
            "asp.request_file_write",
            Severity::High,
            "a file is written with a name or content taken from the request (uploader)",
            text,
            m.start(),
            m.end(),
        ));
    }
    if let Some(m) = REQUEST_SQL.find(lower) {
        hits.push(Hit::heuristic(
            "asp.request_sql",
            Severity::High,
            "database access driven by the request or xp_cmdshell (SQL console / dump tool)",
            text,
            m.start(),
            m.start() + 120,
        ));
    }
    if let Some(m) = JSCRIPT_EVAL.find(lower) {
        hits.push(Hit::heuristic(
            "aspx.unsafe_eval",
            Severity::Critical,
            "JScript.NET eval(..., \"unsafe\") runs arbitrary code",
            text,
            m.start(),
            m.end(),
        ));
    }
    if let Some(m) = WSHELL.find(lower) {
        hits.push(Hit::heuristic(
            "asp.wscript_shell",
            Severity::High,
            "the page drives WScript.Shell / Shell.Application (command execution)",
            text,
            m.start(),
            m.end() + 60,
        ));
    }
    if let Some(m) = ENCODED.find(lower) {
        hits.push(Hit::heuristic(
            "asp.script_encoder",
            Severity::High,
            "the page is hidden with the Microsoft Script Encoder (#@~^)",
            text,
            m.start(),
            m.end() + 40,
        ));
    }
    let request = REQUEST.is_match(lower);
    if let Some(m) = PROCESS.find(lower) {
        hits.push(Hit::heuristic(
            if request {
                "aspx.request_to_process"
            } else {
                "aspx.process_start"
            },
            if request {
                Severity::Critical
            } else {
                Severity::High
            },
            "the page starts operating-system processes",
            text,
            m.start(),
            m.end() + 60,
        ));
    }
    if let Some(m) = ASSEMBLY_LOAD.find(lower) {
        if request {
            hits.push(Hit::heuristic(
                "aspx.assembly_load_shell",
                Severity::Critical,
                "the page loads a .NET assembly from request data (Behinder/Godzilla pattern)",
                text,
                m.start(),
                m.end() + 60,
            ));
        }
    }
}

#[cfg(test)]
mod tests;
