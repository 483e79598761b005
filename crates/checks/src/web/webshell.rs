//! `web.webshell` — webshells in the web roots (deep), with file hunting and the upload/use
//! correlation against the access logs.
//!
//! **What it looks at:** every server-side script, image, `.user.ini` and `.htaccess` under the
//! web roots, read through the root with a size cap and decoded (GBK, UTF-16), matched with
//! huoyan's own YARA rules, the responder's `--rules`, and language-aware heuristics; then files
//! by place (upload directories), hiddenness and time around each webshell; then the requests
//! that reached a flagged file after it was written.
//!
//! **Why an attacker leaves this trace:** a webshell is how most web intrusions keep access: a
//! one-liner (`<?php @eval($_POST['x']);?>`), a Behinder/Godzilla JSP, or a full file manager.
//!
//! **Example:** `/var/www/html/uploads/x.php — php.request_to_exec: @eval($_POST['pass'])`, then
//! `203.0.113.66 requested /var/www/html/uploads/x.php at 2025-01-01T10:05:00Z (POST 200), after
//! the file was written at 2025-01-01T10:04:12Z`.
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1505.003 (Server Software Component: Web Shell), T1190, T1105.

use huoyan_core::{CheckInfo, Outcome};

use crate::registry::Check;
use crate::Context;

/// The further ids this check reports under.
static EMITS: &[&CheckInfo] = &[
    &huoyan_web::report::CONFIG_TRICK,
    &huoyan_web::report::FILES,
    &huoyan_web::report::WEBSHELL_USE,
];

/// See the module documentation.
pub struct WebshellCheck;

impl Check for WebshellCheck {
    fn info(&self) -> &'static CheckInfo {
        &huoyan_web::report::WEBSHELL
    }

    fn emits(&self) -> &'static [&'static CheckInfo] {
        EMITS
    }

    fn deep(&self) -> bool {
        true
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let mut opts = super::base_options(ctx);
        opts.scan_files = true;
        opts.hunt_files = true;
        opts.read_logs = true;
        opts.report_log_findings = false;
        let (o, _) = huoyan_web::analyse(&ctx.root, ctx.users(), &opts);
        out.merge(o);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use huoyan_core::{Root, Severity, Window};

    fn run_on(file: &str, content: &str) -> Outcome {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("var/www/html").join(file);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, content).expect("w");
        let ctx = Context::new(Root::new(dir.path()).expect("root"), Window::default());
        let mut out = Outcome::default();
        WebshellCheck.run(&ctx, &mut out);
        out
    }

    #[test]
    fn one_liner_is_critical() {
        let out = run_on("x.php", "<?php @eval($_POST['pass']);?>");
        assert!(out
            .findings
            .iter()
            .any(|f| f.check_id == "web.webshell" && f.severity == Severity::Critical));
    }

    fn run_in(dir: &std::path::Path) -> Outcome {
        let ctx = Context::new(Root::new(dir).expect("root"), Window::default());
        let mut out = Outcome::default();
        WebshellCheck.run(&ctx, &mut out);
        out
    }

    fn write(dir: &std::path::Path, path: &str, body: &[u8]) {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, body).expect("w");
    }

    #[test]
    fn webshell_in_wordpress_uploads_is_critical_and_hunted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let shell = "/var/www/html/wp-content/uploads/2026/11/x.php";
        write(dir.path(), &shell[1..], b"<?php system($_GET['cmd']);");
        write(
            dir.path(),
            "var/www/html/index.php",
            b"<?php require 'wp-blog-header.php';",
        );
        let out = run_in(dir.path());
        assert!(out.findings.iter().any(|f| f.check_id == "web.webshell"
            && f.severity == Severity::Critical
            && f.paths == vec![shell.to_string()]));
        assert!(out.findings.iter().any(|f| f.check_id == "web.files"
            && f.severity == Severity::High
            && f.summary.contains("upload directory")));
    }

    #[test]
    fn unchanged_package_file_is_not_a_webshell() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        // Code a heuristic dislikes (request input reaching shell_exec through a function),
        // shipped by a package under a cache-named directory, unchanged.
        let code = b"<?php function run($c) { return shell_exec($c); }\necho run($_GET['c']);\n";
        let owned = "var/www/html/includes/libs/objectcache/BagOStuff.php";
        let changed = "var/www/html/includes/cache/LinkCache.php";
        write(d, owned, code);
        write(d, changed, code);
        let md5: String = huoyan_web::packages::md5_of(code)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        write(
            d,
            "var/lib/dpkg/info/mediawiki.md5sums",
            format!("{md5}  {owned}\n{}  {changed}\n", "0".repeat(32)).as_bytes(),
        );
        write(
            d,
            "var/lib/dpkg/status",
            b"Package: mediawiki\nStatus: install ok installed\nVersion: 1:1.39\n\n",
        );
        let out = run_in(d);
        let flagged: Vec<&str> = out
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Low)
            .flat_map(|f| f.paths.iter().map(String::as_str))
            .collect();
        assert!(!flagged.contains(&&format!("/{owned}")[..]), "{flagged:?}");
        // The package's file with other bytes is judged on its content.
        assert!(out.findings.iter().any(|f| f.check_id == "web.webshell"
            && f.severity == Severity::Critical
            && f.paths == vec![format!("/{changed}")]));
    }

    #[test]
    fn plain_page_is_quiet() {
        let out = run_on(
            "index.php",
            "<?php echo 'hello ' . htmlspecialchars($_GET['n'] ?? '');",
        );
        assert!(out.findings.iter().all(|f| f.check_id != "web.webshell"));
    }
}
