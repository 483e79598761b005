//! Heuristics shared by every language: CGI scripts that run request input, and long encoded
//! blobs.
//!
//! Perl/Python/shell CGI and ColdFusion shells read the query (`param()`, `cgi.FieldStorage`,
//! `QUERY_STRING`, `#form.x#`) and pass it to `system`/`exec`/`popen`/`cfexecute`. Packed shells of
//! any language carry kilobytes of base64 or hex: a long run of such characters with high entropy
//! is worth a look even when nothing else fires (low severity alone; the YARA rules and the
//! other heuristics decide when it is really bad).

use std::sync::LazyLock;

use huoyan_core::Severity;
use regex::Regex;

use crate::fastre::{CiRegex, Lowered};

use super::{entropy, Hit};
use crate::lang::Lang;

/// Request input of a CGI script. Not `$ENV{PATH}` or standard input in general: command-line
/// scripts (pollers, mail helpers) shipped beside web applications set PATH and read stdin.
static CGI_SOURCE: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r#"(?i)\bparam\s*\(|cgi\.fieldstorage|query_string|request\.(?:args|form|values)|\$ENV\{\s*['"]?(?:HTTP_|REQUEST_|CONTENT_|PATH_INFO)|#(?:form|url)\.\w+#|getvalue\s*\(|read\s*\(\s*STDIN\s*,"#)
        .expect("static regex")
});
static CGI_EXEC: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r#"(?i)\b(?:system|exec|popen|subprocess|os\.system|os\.popen|commands\.getoutput|qx|spawn)\s*[\(\{\[/ ]|`[^`\n]*\$|<cfexecute|createobject\s*\(\s*"java"\s*,\s*"java\.lang\.runtime"|\bopen\s*\([^)]*\|"#)
        .expect("static regex")
});

/// CGI / ColdFusion: request input and command execution in one script.
pub fn analyse_cgi(text: &str, hits: &mut Vec<Hit>) {
    if let (Some(src), Some(m)) = (CGI_SOURCE.find(text), CGI_EXEC.find(text)) {
        let _ = src;
        hits.push(Hit::heuristic(
            "cgi.request_to_exec",
            Severity::High,
            "a CGI script reads request parameters and runs commands",
            text,
            m.start(),
            m.end() + 60,
        ));
    }
}

static VOCABULARY: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r"(?i)web\s?shell|木马|提权|大马|小马|一句话|后门|脱裤|免杀|过狗|hacked\s+by|backdoor|shell\s+v\d|r00t|priv8|bypass\s+(?:waf|safedog|disable_functions)|拿站")
        .expect("static regex")
});

/// Words webshell authors put in their titles and banners (English and Chinese: webshell,
/// 木马 trojan, 提权 privilege escalation, 大马/小马 big/small horse, 一句话 one-liner, 后门
/// backdoor, 脱裤 database dump, 免杀 AV evasion …). Medium alone: a page that calls itself a
/// webshell is one.
pub fn analyse_vocabulary(text: &str, hits: &mut Vec<Hit>) {
    let lowered = text.to_ascii_lowercase();
    if let Some(m) = VOCABULARY
        .find_iter(Lowered::new(&lowered))
        .find(|m| !is_place_name(&lowered, m.start(), m.end()))
    {
        hits.push(Hit::heuristic(
            "generic.webshell_vocabulary",
            Severity::Medium,
            "the file describes itself with webshell vocabulary",
            text,
            m.start().saturating_sub(20),
            m.end() + 40,
        ));
    }
}

/// 大马 is also a place: the start of 大马士革 (Damascus) and, alone in a string, Malaysia
/// (locale and time-zone tables of every framework list both).
fn is_place_name(text: &str, start: usize, end: usize) -> bool {
    let word = &text[start..end];
    if word != "大马" {
        return false;
    }
    let after = &text[end..];
    let before = &text[..start];
    after.starts_with('士') || (before.ends_with(['\'', '"']) && after.starts_with(['\'', '"']))
}

#[cfg(test)]
static GLUE: LazyLock<Regex> =
    LazyLock::new(|| crate::fastre::new(r#"["']\s*[.+]\s*["']"#).expect("static regex"));

/// `GLUE.replace_all(text, "")` by hand: a quote, blanks, `.` or `+`, blanks, a quote — every
/// such join removed, left to right (the pattern starts at a quote, which is everywhere).
fn remove_glue(text: &str) -> String {
    let b = text.as_bytes();
    let is_quote = |c: u8| c == b'"' || c == b'\'';
    let is_space = crate::fastre::is_space;
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while let Some(q) = memchr::memchr2(b'"', b'\'', &b[i..]).map(|o| i + o) {
        let mut j = q + 1;
        while j < b.len() && is_space(b[j]) {
            j += 1;
        }
        if j < b.len() && (b[j] == b'.' || b[j] == b'+') {
            j += 1;
            while j < b.len() && is_space(b[j]) {
                j += 1;
            }
            if j < b.len() && is_quote(b[j]) {
                out.push_str(&text[copied..q]);
                copied = j + 1;
                i = j + 1;
                continue;
            }
        }
        i = q + 1;
    }
    out.push_str(&text[copied..]);
    out
}

/// Minimum length of an encoded run worth reporting.
pub const MIN_ENCODED_RUN: usize = 1500;

/// Long base64/hex runs with high entropy.
pub fn analyse_encoded(text: &str, lang: Option<Lang>, hits: &mut Vec<Hit>) {
    if lang.is_none() {
        return;
    }
    // A run after joining is, in the original text, a stretch of encoding characters and glue
    // (quotes, whitespace, '.', '+'): without such a stretch of MIN_ENCODED_RUN bytes there is
    // nothing to find, and the join (a copy of the file) is skipped.
    if !has_run(text.as_bytes(), &B64_OR_GLUE, MIN_ENCODED_RUN) {
        return;
    }
    // Packers split the blob into quoted pieces glued with '.' or '+': join them first.
    let joined;
    let text = if text.contains("'.") || text.contains("\".") || text.contains("\"+") {
        joined = remove_glue(text);
        &joined[..]
    } else {
        text
    };
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut best: Option<(usize, usize)> = None;
    while i < bytes.len() {
        if is_b64(bytes[i]) {
            let start = i;
            while i < bytes.len() && (is_b64(bytes[i]) || bytes[i] == b'\\') {
                i += 1;
            }
            if i - start >= MIN_ENCODED_RUN && best.is_none_or(|(s, e)| e - s < i - start) {
                best = Some((start, i));
            }
        }
        i += 1;
    }
    if let Some((s, e)) = best {
        let run = &bytes[s..e];
        let h = entropy(run);
        // Base64 of compressed data sits near 6 bits per character; English-like text and
        // repeated padding are far lower.
        if h > 5.2 {
            hits.push(Hit::heuristic(
                "generic.long_encoded_string",
                Severity::Low,
                &format!(
                    "a {} character encoded string with entropy {h:.2} bits/char",
                    e - s
                ),
                text,
                s,
                s + 80,
            ));
        }
    }
}

fn is_b64(b: u8) -> bool {
    B64[usize::from(b)]
}

/// Base64 alphabet (with `=`) by byte.
static B64: [bool; 256] = byte_set(b"+/=");

/// [`B64`] plus what [`remove_glue`] removes: quotes, ASCII whitespace, `.` and `+`.
static B64_OR_GLUE: [bool; 256] = byte_set(b"+/=\\'\".\t\n\x0b\x0c\r ");

const fn byte_set(extra: &[u8]) -> [bool; 256] {
    let mut set = [false; 256];
    let mut b = 0;
    while b < 256 {
        set[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        set[extra[i] as usize] = true;
        i += 1;
    }
    set
}

/// True when `bytes` holds a run of at least `min` bytes in `set`. Such a run covers one of
/// the positions `min - 1, 2·min - 1, …`, so only the runs through those are measured.
fn has_run(bytes: &[u8], set: &[bool; 256], min: usize) -> bool {
    let inside = |i: usize| set[usize::from(bytes[i])];
    let mut probe = min.saturating_sub(1);
    while probe < bytes.len() {
        if inside(probe) {
            let mut start = probe;
            while start > 0 && inside(start - 1) {
                start -= 1;
            }
            let mut end = probe + 1;
            while end < bytes.len() && end - start < min && inside(end) {
                end += 1;
            }
            if end - start >= min {
                return true;
            }
        }
        probe += min.max(1);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgi() {
        let mut hits = Vec::new();
        analyse_cgi(
            "use CGI; my $c = param('cmd'); print `$c`; system($c);",
            &mut hits,
        );
        assert_eq!(hits.len(), 1);
        let mut none = Vec::new();
        analyse_cgi("print \"hello\";", &mut none);
        assert!(none.is_empty());
    }

    #[test]
    fn glue_removal_matches_the_pattern() {
        for text in [
            "'ab' . 'cd' + \"ef\"+'g'",
            "'' . '' . ''",
            "x'.'y\"+ \n \"z' . $a . 'é'",
            "'.",
            "",
        ] {
            assert_eq!(remove_glue(text), GLUE.replace_all(text, ""), "{text}");
        }
    }

    #[test]
    fn encoded() {
        use base64::Engine as _;
        let noise: Vec<u8> = (0..3000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        let blob = base64::engine::general_purpose::STANDARD.encode(noise);
        let mut hits = Vec::new();
        analyse_encoded(&format!("<?php $x='{blob}';"), Some(Lang::Php), &mut hits);
        assert_eq!(hits.len(), 1);
        let mut none = Vec::new();
        analyse_encoded(&"a".repeat(5000), Some(Lang::Php), &mut none);
        assert!(none.is_empty());
    }

    #[test]
    fn run_probe_is_exact() {
        let longest = |b: &[u8]| {
            let (mut best, mut run) = (0, 0);
            for &x in b {
                run = if B64_OR_GLUE[usize::from(x)] {
                    run + 1
                } else {
                    0
                };
                best = best.max(run);
            }
            best
        };
        for len in [0usize, 1, 5, 9, 10, 11, 25, 40] {
            for at in 0..30 {
                let mut t = vec![b';'; 60];
                for x in t.iter_mut().skip(at).take(len) {
                    *x = b'a';
                }
                assert_eq!(
                    has_run(&t, &B64_OR_GLUE, 10),
                    longest(&t) >= 10,
                    "{len} {at}"
                );
            }
        }
    }
}
