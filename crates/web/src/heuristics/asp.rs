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

use super::Hit;

static EVAL_REQUEST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b(?:eval|execute|executeglobal)\b\s*\(?\s*(?:\w+\s*\(\s*)?request\b"#)
        .expect("static regex")
});
static TAINT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b([a-z_]\w*)\s*=\s*(?:trim\s*\(\s*|cstr\s*\(\s*)?request\b"#)
        .expect("static regex")
});
static EVAL_VAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b(?:eval|execute|executeglobal)\b\s*\(?\s*([a-z_]\w*)"#)
        .expect("static regex")
});
static WSHELL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)wscript\.shell|shell\.application|wscript\.network"#).expect("static regex")
});
static ENCODED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"#@~\^[A-Za-z0-9+/]{6}==@#@&"#).expect("static regex"));
static PROCESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)process\s*\.\s*start\s*\(|new\s+(?:system\.diagnostics\.)?processstartinfo\b|diagnostics\s*\.\s*process\b"#)
        .expect("static regex")
});
static ASSEMBLY_LOAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)assembly\s*\.\s*load\s*\(|\.\s*createinstance\s*\(\s*"[a-z]""#)
        .expect("static regex")
});
static REQUEST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\brequest\s*(?:\.\s*(?:item|form|querystring|binaryread|inputstream|params|cookies)|\[|\()"#)
        .expect("static regex")
});
static JSCRIPT_EVAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)eval\s*\([^;]{0,200}["']unsafe["']"#).expect("static regex")
});

/// Runs the ASP/ASP.NET heuristics.
pub fn analyse(text: &str, hits: &mut Vec<Hit>) {
    if let Some(m) = EVAL_REQUEST.find(text) {
        hits.push(Hit::heuristic(
            "asp.request_to_eval",
            Severity::Critical,
            "request input is evaluated as script (eval/execute request(...))",
            text,
            m.start(),
            m.end() + 40,
        ));
    } else {
        let tainted: Vec<String> = TAINT
            .captures_iter(text)
            .map(|c| c[1].to_ascii_lowercase())
            .collect();
        if !tainted.is_empty() {
            for c in EVAL_VAR.captures_iter(text) {
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
    if let Some(m) = JSCRIPT_EVAL.find(text) {
        hits.push(Hit::heuristic(
            "aspx.unsafe_eval",
            Severity::Critical,
            "JScript.NET eval(..., \"unsafe\") runs arbitrary code",
            text,
            m.start(),
            m.end(),
        ));
    }
    if let Some(m) = WSHELL.find(text) {
        hits.push(Hit::heuristic(
            "asp.wscript_shell",
            Severity::High,
            "the page drives WScript.Shell / Shell.Application (command execution)",
            text,
            m.start(),
            m.end() + 60,
        ));
    }
    if let Some(m) = ENCODED.find(text) {
        hits.push(Hit::heuristic(
            "asp.script_encoder",
            Severity::High,
            "the page is hidden with the Microsoft Script Encoder (#@~^)",
            text,
            m.start(),
            m.end() + 40,
        ));
    }
    let request = REQUEST.is_match(text);
    if let Some(m) = PROCESS.find(text) {
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
    if let Some(m) = ASSEMBLY_LOAD.find(text) {
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
mod tests {
    use super::*;

    fn rules(text: &str) -> Vec<String> {
        let mut hits = Vec::new();
        analyse(text, &mut hits);
        hits.into_iter().map(|h| h.rule).collect()
    }

    #[test]
    fn shells() {
        assert!(rules("<%eval request(\"pass\")%>").contains(&"asp.request_to_eval".into()));
        assert!(rules("<% a=request(\"x\")\nexecute a %>").contains(&"asp.request_to_eval".into()));
        assert!(
            rules("<%@ Page Language=\"Jscript\"%><%eval(Request.Item[\"z\"],\"unsafe\");%>")
                .contains(&"aspx.unsafe_eval".into())
        );
        assert!(rules(
            "<% System.Reflection.Assembly.Load(Request.BinaryRead(Request.ContentLength)) %>"
        )
        .contains(&"aspx.assembly_load_shell".into()));
    }

    #[test]
    fn benign() {
        assert!(rules("<% Response.Write(Request.QueryString(\"q\")) %>").is_empty());
    }
}
