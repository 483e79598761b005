//! PHP hidden where nobody looks for code: images, `.user.ini` and `.htaccess`.
//!
//! - An image (`.jpg`, `.png`, `.gif`, `.ico` …) that contains `<?php` or `<?=` is a shell
//!   waiting for an `include` or a handler trick (upload filters check the extension or the
//!   magic bytes, not the rest of the file).
//! - `.user.ini` (PHP-FPM/CGI per-directory ini) with `auto_prepend_file`/`auto_append_file`
//!   makes every PHP request in that tree run the named file first: a favourite persistence.
//! - `.htaccess` with `AddType`/`AddHandler`/`SetHandler` for PHP on another extension, or
//!   `php_value auto_prepend_file`, does the same for Apache.

use std::sync::LazyLock;

use huoyan_core::Severity;
use regex::Regex;

use super::Hit;

/// Extensions of image and other "inert" upload types.
pub const INERT_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "png", "gif", "bmp", "ico", "webp", "tif", "tiff", "txt", "pdf", "zip", "rar",
    "doc", "docx", "xls", "xlsx", "mp3", "mp4", "avi", "css", "log",
];

static SCRIPT_PHP: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r"(?i)<script\s+language\s*=\s*.?php").expect("static regex")
});

/// The first PHP opening tag that code follows ([`crate::lang::php_tag`]), or a
/// `<script language="php">` element.
fn php_open(text: &str) -> Option<(usize, usize)> {
    let tag = crate::lang::php_tag(text.as_bytes()).map(|i| (i, i + 5));
    let script = SCRIPT_PHP.find(text).map(|m| (m.start(), m.end()));
    match (tag, script) {
        (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
        (a, b) => a.or(b),
    }
}
static CODE_IN_INERT: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r"(?i)\b(?:eval|assert|system|exec|shell_exec|passthru|base64_decode|gzinflate|create_function|call_user_func)\s*\(|\$_(?:GET|POST|REQUEST|COOKIE)")
        .expect("static regex")
});
static INI_PREPEND: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(
        r"(?im)^\s*(?:php_value\s+|php_admin_value\s+)?(auto_(?:prepend|append)_file)\s*=?\s*(\S+)",
    )
    .expect("static regex")
});
static HANDLER: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(
        r"(?im)^\s*(?:AddType|AddHandler|SetHandler|ForceType)\s+[^\n]*(?:php|x-httpd)[^\n]*$",
    )
    .expect("static regex")
});
static HANDLER_BENIGN_EXT: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(
        r"(?i)^\s*\S+\s+\S+\s+(?:\.php\d?|\.phtml|\.phar)(?:\s+(?:\.php\d?|\.phtml|\.phar))*\s*$",
    )
    .expect("static regex")
});

/// Text formats where a `<?php` example is ordinary documentation unless real code follows.
const TEXT_EXTENSIONS: &[&str] = &["txt", "log", "css", "pdf", "doc", "docx"];

/// Analyses an image or other non-code upload for embedded PHP. `ext` is the lower-case
/// extension.
pub fn analyse_inert(text: &str, ext: &str, hits: &mut Vec<Hit>) {
    if let Some((open_start, open_end)) = php_open(text) {
        let code = CODE_IN_INERT.find_at(text, open_start);
        let textual = TEXT_EXTENSIONS.contains(&ext);
        let (severity, end) = match code {
            // Documentation and notes quote PHP; an image never does.
            Some(c) if textual => (Severity::Medium, c.end() + 40),
            Some(c) => (Severity::Critical, c.end() + 40),
            None if textual => return,
            None => (Severity::High, open_end + 60),
        };
        hits.push(Hit::heuristic(
            "trick.php_in_non_code_file",
            severity,
            "PHP code inside an image or other non-code file",
            text,
            open_start,
            end,
        ));
    }
}

/// Analyses `.user.ini`, `.htaccess` (and php.ini-like) content.
pub fn analyse_config(text: &str, hits: &mut Vec<Hit>) {
    for c in INI_PREPEND.captures_iter(text) {
        let Some(m) = c.get(0) else { continue };
        let target = c[2].trim_matches(['"', '\'']).to_ascii_lowercase();
        if target == "none" || target.is_empty() {
            continue;
        }
        hits.push(Hit::heuristic(
            "trick.auto_prepend_file",
            Severity::High,
            "auto_prepend_file/auto_append_file makes every PHP request run another file first",
            text,
            m.start(),
            m.end(),
        ));
    }
    for m in HANDLER.find_iter(text) {
        if HANDLER_BENIGN_EXT.is_match(m.as_str()) {
            continue;
        }
        hits.push(Hit::heuristic(
            "trick.php_handler_mapping",
            Severity::High,
            "PHP execution is mapped onto another extension or a whole directory",
            text,
            m.start(),
            m.end(),
        ));
        break;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_with_php() {
        let mut hits = Vec::new();
        analyse_inert(
            "GIF89a\x01\x02<?php @eval($_POST['x']);?>",
            "gif",
            &mut hits,
        );
        assert_eq!(hits[0].severity, Severity::Critical);
        let mut none = Vec::new();
        analyse_inert("\u{89}PNG\r\n binary", "png", &mut none);
        analyse_inert("docs: start with <?php and end with ?>", "txt", &mut none);
        // Compressed image data holds `<?=` by chance; a GBK reading makes letters of the rest.
        analyse_inert(
            "\u{89}PNG\r\n<?=@BAIBQC_DsE團淕疕蔍鶮5LlM琋鑀",
            "png",
            &mut none,
        );
        assert!(none.is_empty(), "{none:?}");
        let mut short = Vec::new();
        analyse_inert("\u{89}PNG\r\n\x00<?=`$_GET[1]`?>\x00", "png", &mut short);
        assert_eq!(short.len(), 1);
    }

    #[test]
    fn configs() {
        let mut hits = Vec::new();
        analyse_config(
            "auto_prepend_file = /var/www/html/uploads/a.jpg\n",
            &mut hits,
        );
        analyse_config("AddType application/x-httpd-php .jpg\n", &mut hits);
        assert_eq!(hits.len(), 2);
        let mut none = Vec::new();
        analyse_config(
            "AddType application/x-httpd-php .php\nauto_prepend_file = none\nRewriteEngine On\n",
            &mut none,
        );
        assert!(none.is_empty(), "{none:?}");
    }
}
