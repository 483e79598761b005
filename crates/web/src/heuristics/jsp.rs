//! JSP heuristics: command execution and in-memory class loading driven by the request.
//!
//! Classic JSP shells call `Runtime.getRuntime().exec(request.getParameter("cmd"))` or build a
//! `ProcessBuilder`. Behinder (冰蝎) and Godzilla (哥斯拉) instead decrypt the request body (AES,
//! XOR) and turn it into a class with a custom `ClassLoader.defineClass`, so the file itself
//! holds no command at all: the combination of class definition from bytes, a cipher or base64,
//! and the request/session is the tell. Script engines (`ScriptEngineManager.eval`) and
//! reflection on `Runtime` are the other routes.

use std::sync::LazyLock;

use crate::fastre::{CiRegex, Lowered};
use huoyan_core::Severity;

use super::Hit;

static EXEC: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r"(?i)getruntime\s*\(\s*\)\s*(?:\.\s*exec\s*\(|,\s*\x22exec\x22)|new\s+processbuilder\s*\(|processimpl|unixprocess|forkandexec|\bruntime\s*\.\s*exec\s*\(")
        .expect("static regex")
});
static REQUEST: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r"(?i)request\s*\.\s*(?:getparameter|getinputstream|getreader|getheader|getquerystring|getparametervalues|getparametermap)|\bparam\s*\.|pagecontext")
        .expect("static regex")
});
static DEFINE_CLASS: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r"(?i)\bdefineclass\b|extends\s+classloader|new\s+(?:java\.net\.)?urlclassloader|\bclassloader\b[^;]{0,80}\bdefine")
        .expect("static regex")
});
static CRYPTO_OR_B64: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)cipher\s*\.\s*getinstance|"aes"|base64decoder|base64\s*\.\s*getdecoder|decodebuffer|\bx\s*\(\s*[a-z_]+\s*,\s*(?:true|false)\s*\)"#)
        .expect("static regex")
});
static SCRIPT_ENGINE: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r"(?i)scriptenginemanager[^;]{0,200};[\s\S]{0,400}\.eval\s*\(")
        .expect("static regex")
});
static REFLECT_RUNTIME: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)class\s*\.\s*forname\s*\(\s*"java\.lang\.(?:runtime|processbuilder)"|getmethod\s*\(\s*"exec""#)
        .expect("static regex")
});
static CMD_SHELL: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r#"(?i)"(?:/bin/(?:ba)?sh|cmd(?:\.exe)?)"\s*,\s*"(?:-c|/c)""#)
        .expect("static regex")
});
static FILE_WRITE: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(
        r"(?i)new\s+(?:java\.io\.)?fileoutputstream\s*\([^;]{0,200}request\s*\.\s*getparameter",
    )
    .expect("static regex")
});

/// `x = … request.getParameter`: searched only from each `request` back to the `=` before it
/// (see [`parameter_vars`]); its first byte is any letter.
const JTAINT: &str = r"(?i)\b([a-z_]\w*)\s*=\s*[^;=]{0,120}request\s*\.\s*getparameter";
static JTAINT_AT: LazyLock<crate::fastre::StartsAt> =
    LazyLock::new(|| crate::fastre::StartsAt::new_ci(JTAINT).expect("static regex"));

/// The names `JTAINT` captures, left to right and non-overlapping. A match holds no `;` or `=`
/// between its `=` and `request`, and at most 120 characters after the blanks that follow the
/// `=`: so it starts at the name before the nearest `=` back from a `request`, if any.
fn parameter_vars(lower: Lowered<'_>) -> Vec<String> {
    use crate::fastre::{is_space, skip_space_back, word_run_back};
    let hay = lower.as_str();
    let b = hay.as_bytes();
    let mut starts = Vec::new();
    for token in memchr::memmem::find_iter(b, b"request") {
        let mut counted = 0;
        let mut eq = None;
        for (i, c) in hay[..token].char_indices().rev() {
            if c == ';' {
                break;
            }
            if c == '=' {
                eq = Some(i);
                break;
            }
            if counted < 120 {
                counted += 1;
            } else if !(c.is_ascii() && is_space(c as u8)) {
                break;
            }
        }
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
    JTAINT_AT
        .captures_from(hay, &starts)
        .filter_map(|(_, name)| name.map(|n| hay[n.start()..n.end()].to_string()))
        .collect()
}
static JFILE_SINK: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r"(?i)new\s+(?:java\.io\.)?(?:fileoutputstream|filewriter|printwriter|randomaccessfile|fileinputstream|file)\s*\(\s*([a-z_]\w*)\s*[,)+.]|new\s+(?:java\.io\.)?(?:fileoutputstream|filewriter|fileinputstream|file)\s*\(\s*request\s*\.\s*getparameter")
        .expect("static regex")
});
static BYTE_ARRAY_STRING: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r"(?i)new\s+string\s*\(\s*new\s+byte\s*\[\s*\]\s*\{([\d\s,]{6,})\}")
        .expect("static regex")
});
static JDB: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r"(?i)drivermanager\s*\.\s*getconnection\s*\(").expect("static regex")
});
static JUPLOAD: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r"(?i)multipart/form-data|getcontenttype\s*\(|boundary").expect("static regex")
});
static MEMSHELL: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r"(?i)\baddendpoint\s*\(|serverendpointconfig|\bstandardcontext\b|applicationfilterconfig|\bfilterdef\b|\bfiltermap\b|addservletmapping|\baddfilter\s*\(|\bregisterservlet|getdeclaredconstructors\s*\(\s*\)")
        .expect("static regex")
});

static JSOCKET: LazyLock<CiRegex> =
    LazyLock::new(|| CiRegex::new(r"(?i)new\s+(?:java\.net\.)?socket\s*\(").expect("static regex"));

static RUNTIME_VAR: LazyLock<CiRegex> = LazyLock::new(|| {
    CiRegex::new(r"(?i)=\s*runtime\s*\.\s*getruntime\s*\(\s*\)\s*;[\s\S]{0,2000}?\.\s*exec\s*\(")
        .expect("static regex")
});

/// Runs the JSP heuristics.
pub fn analyse(text: &str, hits: &mut Vec<Hit>) {
    let lowered = text.to_ascii_lowercase();
    let lower = Lowered::new(&lowered);
    // `RUNTIME_VAR` (a 2,000-character window) only where it can match and matters.
    if let Some(m) = (lower.contains("getruntime") && !EXEC.is_match(lower))
        .then(|| RUNTIME_VAR.find(lower))
        .flatten()
    {
        hits.push(Hit::heuristic(
            "jsp.exec",
            Severity::High,
            "a JSP keeps the Runtime in a variable and runs commands with it",
            text,
            m.start(),
            m.start() + 120,
        ));
    }
    let tainted = parameter_vars(lower);
    for c in JFILE_SINK.captures_iter(lower) {
        if c.get(1)
            .is_none_or(|v| tainted.contains(&v.as_str().to_ascii_lowercase()))
        {
            if let Some(m) = c.get(0) {
                hits.push(Hit::heuristic(
                    "jsp.request_file_write",
                    Severity::High,
                    "a JSP opens a file whose path comes from the request (file manager / uploader)",
                    text,
                    m.start(),
                    m.end() + 40,
                ));
            }
            break;
        }
    }
    for c in BYTE_ARRAY_STRING.captures_iter(lower) {
        let decoded: String = c[1]
            .split(',')
            .filter_map(|n| n.trim().parse::<u8>().ok())
            .map(char::from)
            .collect();
        let lower = decoded.to_ascii_lowercase();
        if [
            "runtime",
            "exec",
            "processbuilder",
            "/bin/",
            "cmd.exe",
            "getruntime",
            "start",
        ]
        .iter()
        .any(|w| lower.contains(w))
        {
            if let Some(m) = c.get(0) {
                hits.push(Hit::heuristic(
                    "jsp.byte_array_strings",
                    Severity::High,
                    &format!(
                        "class or method names hidden in byte arrays (decodes to {:?})",
                        decoded.chars().take(40).collect::<String>()
                    ),
                    text,
                    m.start(),
                    m.end(),
                ));
            }
            break;
        }
    }
    if let Some(m) = JDB.find(lower) {
        let args = &text[m.end()..text.len().min(m.end() + 200)];
        let from_request = args.to_ascii_lowercase().contains("request.getparameter")
            || tainted
                .iter()
                .any(|t| args.to_ascii_lowercase().contains(t.as_str()));
        if from_request {
            hits.push(Hit::heuristic(
                "jsp.request_db_connect",
                Severity::High,
                "a JDBC connection is opened with a URL/credentials from the request (database dump tool)",
                text,
                m.start(),
                m.end() + 60,
            ));
        }
    }
    if lower.contains("fileoutputstream") && JUPLOAD.is_match(lower) {
        if let Some(m) = REQUEST.find(lower) {
            hits.push(Hit::heuristic(
                "jsp.upload_handler",
                Severity::Medium,
                "a JSP parses multipart uploads itself and writes files (stand-alone uploader)",
                text,
                m.start(),
                m.end() + 40,
            ));
        }
    }
    if let Some(m) = MEMSHELL.find(lower) {
        hits.push(Hit::heuristic(
            "jsp.memory_shell",
            Severity::High,
            "a JSP registers servlets, filters or endpoints at run time or builds objects by \
             reflection (memory-shell injection)",
            text,
            m.start(),
            m.end() + 40,
        ));
    }
    if let Some(m) = JSOCKET.find(lower) {
        if REQUEST.is_match(lower) && !EXEC.is_match(lower) {
            hits.push(Hit::heuristic(
                "jsp.network_tool",
                Severity::Medium,
                "a JSP opens sockets on request (port scanner / proxy)",
                text,
                m.start(),
                m.end() + 40,
            ));
        }
        if EXEC.is_match(lower) {
            hits.push(Hit::heuristic(
                "jsp.reverse_shell",
                Severity::Critical,
                "a JSP opens a socket and runs a process (reverse/bind shell)",
                text,
                m.start(),
                m.end() + 40,
            ));
        }
    }
    let request = REQUEST.find(lower);
    if let Some(m) = EXEC.find(lower) {
        let (rule, severity, what) = if request.is_some() {
            (
                "jsp.request_to_exec",
                Severity::Critical,
                "a JSP runs operating-system commands and reads the request",
            )
        } else {
            (
                "jsp.exec",
                Severity::High,
                "a JSP runs operating-system commands (Runtime.exec / ProcessBuilder)",
            )
        };
        hits.push(Hit::heuristic(
            rule,
            severity,
            what,
            text,
            m.start(),
            m.end() + 80,
        ));
    }
    if let Some(m) = DEFINE_CLASS.find(lower) {
        if CRYPTO_OR_B64.is_match(lower) || request.is_some() {
            hits.push(Hit::heuristic(
                "jsp.class_loader_shell",
                Severity::Critical,
                "a JSP defines classes from request bytes with a custom ClassLoader \
                 (Behinder/Godzilla pattern)",
                text,
                m.start(),
                m.end() + 80,
            ));
        }
    }
    if let Some(m) = SCRIPT_ENGINE.find(lower) {
        hits.push(Hit::heuristic(
            "jsp.script_engine_eval",
            Severity::High,
            "a JSP evaluates script code through ScriptEngineManager",
            text,
            m.start(),
            m.start() + 120,
        ));
    }
    if let Some(m) = REFLECT_RUNTIME.find(lower) {
        hits.push(Hit::heuristic(
            "jsp.reflective_exec",
            Severity::High,
            "a JSP reaches Runtime/ProcessBuilder through reflection",
            text,
            m.start(),
            m.end() + 40,
        ));
    }
    if let Some(m) = CMD_SHELL.find(lower) {
        hits.push(Hit::heuristic(
            "jsp.shell_invocation",
            Severity::High,
            "a JSP starts a shell with -c or cmd /c",
            text,
            m.start(),
            m.end() + 40,
        ));
    }
    if let Some(m) = FILE_WRITE.find(lower) {
        hits.push(Hit::heuristic(
            "jsp.request_file_write",
            Severity::High,
            "a JSP writes a file whose name or content comes from the request (uploader)",
            text,
            m.start(),
            m.end(),
        ));
    }
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
    fn shells() {
        assert!(
            rules("<% Runtime.getRuntime().exec(request.getParameter(\"c\")); %>")
                .contains(&"jsp.request_to_exec".into())
        );
        assert!(rules(
            "<%! class U extends ClassLoader{ Class g(byte[] b){return super.defineClass(b,0,b.length);}}%>\
             <% Cipher c=Cipher.getInstance(\"AES\"); %>"
        )
        .contains(&"jsp.class_loader_shell".into()));
    }

    #[test]
    fn benign_jsp() {
        assert!(
            rules("<%= request.getParameter(\"name\") %> <jsp:include page=\"x.jsp\"/>").is_empty()
        );
    }

    fn reference_vars(text: &str) -> Vec<String> {
        let re = CiRegex::new(JTAINT).expect("re");
        let l = text.to_ascii_lowercase();
        re.captures_iter(Lowered::new(&l))
            .map(|c| c[1].to_string())
            .collect()
    }

    #[test]
    fn parameter_vars_match_the_pattern() {
        let long = format!("a = {}request.getParameter(\"x\")", "x".repeat(121));
        let blanks = format!("b =   \n  {}request.getParameter(\"x\")", "y".repeat(120));
        for text in [
            "String cmd = request.getParameter(\"c\"); x=1; String f=new String(request.getParameter(\"f\"));",
            "a = b + request . getParameter(1) + request.getParameter(2); c == request.getParameter(3);",
            "1x = request.getParameter(1); y = ré request.getParameter(2); z = request.getHeader(3)",
            long.as_str(),
            blanks.as_str(),
        ] {
            let l = text.to_ascii_lowercase();
            assert_eq!(parameter_vars(Lowered::new(&l)), reference_vars(text), "{text}");
        }
    }

    /// `HUOYAN_DIFF_DIR=… cargo test -p huoyan-web -- --ignored jsp_same_as`
    #[test]
    #[ignore]
    fn jsp_same_as_the_pattern_over_a_tree() {
        let Ok(dir) = std::env::var("HUOYAN_DIFF_DIR") else {
            return;
        };
        let mut stack = vec![std::path::PathBuf::from(dir)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("dir").flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let Ok(bytes) = std::fs::read(&p) else {
                    continue;
                };
                let (text, _) = crate::textdecode::decode(&bytes);
                let l = text.to_ascii_lowercase();
                assert_eq!(
                    parameter_vars(Lowered::new(&l)),
                    reference_vars(&text),
                    "{p:?}"
                );
            }
        }
    }
}
