//! Which server-side language a web file is (or pretends not to be).
//!
//! The extension decides what the server executes (`.php`, `.jsp`, `.aspx` …), but an attacker
//! also hides code in `.jpg`, `.txt` or `.inc` files that an `include` or a handler trick runs.
//! So the language comes from the extension first and, for anything else, from the content: a
//! `<?php` tag, JSP directives, `<%@ Page Language=` and so on.

use std::path::Path;

/// Languages the scanner has heuristics for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// PHP (php, phtml, php3-8, pht, phar, inc).
    Php,
    /// Java Server Pages (jsp, jspx, jspf).
    Jsp,
    /// Classic ASP (VBScript/JScript).
    Asp,
    /// ASP.NET (aspx, ashx, asmx, ascx, cshtml, svc).
    Aspx,
    /// ColdFusion.
    Cfm,
    /// Python CGI.
    Python,
    /// Perl CGI.
    Perl,
    /// Shell CGI.
    Shell,
}

impl Lang {
    /// Short name.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Php => "php",
            Lang::Jsp => "jsp",
            Lang::Asp => "asp",
            Lang::Aspx => "aspx",
            Lang::Cfm => "cfm",
            Lang::Python => "python",
            Lang::Perl => "perl",
            Lang::Shell => "shell",
        }
    }

    /// Language from an extension (lower-cased, without the dot).
    pub fn from_extension(ext: &str) -> Option<Lang> {
        Some(match ext {
            "php" | "phtml" | "php3" | "php4" | "php5" | "php7" | "php8" | "pht" | "phps"
            | "phar" | "inc" | "shtml" => Lang::Php,
            "jsp" | "jspx" | "jspf" | "jhtml" => Lang::Jsp,
            "asp" | "asa" | "cer" | "cdx" => Lang::Asp,
            "aspx" | "ashx" | "asmx" | "ascx" | "cshtml" | "svc" | "soap" => Lang::Aspx,
            "cfm" | "cfml" | "cfc" => Lang::Cfm,
            "py" => Lang::Python,
            "pl" | "pm" => Lang::Perl,
            "cgi" | "sh" => Lang::Shell,
            _ => return None,
        })
    }

    /// Language from a path's extension.
    pub fn from_path(path: &Path) -> Option<Lang> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Lang::from_extension(&ext)
    }

    /// Language from content (first 64 KiB looked at), for files whose extension says nothing.
    pub fn sniff(text: &str) -> Option<Lang> {
        let head = match text.char_indices().nth(65_536) {
            Some((i, _)) => &text[..i],
            None => text,
        };
        let lower = head.to_ascii_lowercase();
        if lower.contains("<?php") || lower.contains("<?=") {
            return Some(Lang::Php);
        }
        if lower.contains("<%@ page") && (lower.contains("import=") || lower.contains("java")) {
            return Some(Lang::Jsp);
        }
        if lower.contains("<jsp:") || lower.contains("java.io.") || lower.contains("java.lang.") {
            return Some(Lang::Jsp);
        }
        if lower.contains("<%@ page language=\"c#\"")
            || lower.contains("<%@ page language=\"jscript\"")
            || lower.contains("<%@ webhandler")
            || lower.contains("runat=\"server\"")
            || lower.contains("system.diagnostics")
        {
            return Some(Lang::Aspx);
        }
        if lower.contains("<%") && (lower.contains("request") || lower.contains("server.")) {
            return Some(Lang::Asp);
        }
        if lower.contains("<cf") {
            return Some(Lang::Cfm);
        }
        if lower.starts_with("#!") {
            let first = lower.lines().next().unwrap_or("");
            if first.contains("perl") {
                return Some(Lang::Perl);
            }
            if first.contains("python") {
                return Some(Lang::Python);
            }
            if first.contains("sh") {
                return Some(Lang::Shell);
            }
        }
        if lower.contains("<?") && (lower.contains("$_") || lower.contains("eval(")) {
            return Some(Lang::Php);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_extension_and_content() {
        assert_eq!(Lang::from_path(Path::new("/a/B.PHP5")), Some(Lang::Php));
        assert_eq!(Lang::from_path(Path::new("/a/x.ashx")), Some(Lang::Aspx));
        assert_eq!(Lang::from_path(Path::new("/a/x.jpg")), None);
        assert_eq!(Lang::sniff("GIF89a<?php eval($_POST[1]);"), Some(Lang::Php));
        assert_eq!(
            Lang::sniff("<%@ Page Language=\"C#\" %><% x %>"),
            Some(Lang::Aspx)
        );
        assert_eq!(
            Lang::sniff("<%@ page import=\"java.io.*\"%>"),
            Some(Lang::Jsp)
        );
        assert_eq!(Lang::sniff("hello world"), None);
    }
}
