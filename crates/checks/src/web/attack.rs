//! `web.attack` — attacks in the web server's access and error logs, per source address.
//!
//! **What it looks at:** every access log (combined, common, vhost, JSON lines) and error log the
//! configs name plus the default log directories, rotations and `.gz` included, inside
//! `--since/--until`.
//!
//! **Why an attacker leaves this trace:** exploitation of a web application is a burst of
//! requests: scanners (sqlmap, nuclei, dirsearch …), injection payloads (SQLi, XSS, traversal,
//! command injection, Log4Shell, Struts, ThinkPHP …), then the webshell's own traffic.
//!
//! **How it weighs them:** injection classes are judged per parameter value, by its shape (a
//! URL, JSON, a token, plain text), so analytics beacons, OAuth redirects and search boxes stay
//! quiet. A source gets a finding of its own only when an exploit request was answered 2xx —
//! high when the source also behaves like an attacker (scan, tool agent, several classes),
//! medium otherwise. Failed scans, crawler claims and a lone odd request among normal traffic
//! are counted in ONE low finding with the top sources (see `huoyan_web::logs::verdict`).
//!
//! **Example:** `203.0.113.66: 412 requests (37 with attacks, 2 of them answered 2xx, 81% 4xx),
//! classes cmd_injection,path_traversal,scanner,sqli`; and `183 sources of background traffic,
//! none with a sign of success (…)`.
//!
//! **Calibration:** role `entry_point` (a candidate for the story's cause, chosen by what links
//! to it); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1190 (Exploit Public-Facing Application), T1595.002 (Vulnerability Scanning).

use huoyan_core::{CheckInfo, Outcome};

use crate::registry::Check;
use crate::Context;

/// The further ids this check reports under.
static EMITS: &[&CheckInfo] = &[&huoyan_web::report::ERRORS];

/// See the module documentation.
pub struct WebAttackCheck;

impl Check for WebAttackCheck {
    fn info(&self) -> &'static CheckInfo {
        &huoyan_web::report::ATTACK
    }

    fn emits(&self) -> &'static [&'static CheckInfo] {
        EMITS
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let mut opts = super::base_options(ctx);
        opts.read_logs = true;
        opts.report_log_findings = true;
        let (o, _) = huoyan_web::analyse(&ctx.root, ctx.users(), &opts);
        out.merge(o);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use huoyan_core::{Root, Window};

    fn run_on(log: &str) -> Outcome {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("var/log/nginx")).expect("mkdir");
        std::fs::write(dir.path().join("var/log/nginx/access.log"), log).expect("w");
        let ctx = Context::new(Root::new(dir.path()).expect("root"), Window::default());
        let mut out = Outcome::default();
        WebAttackCheck.run(&ctx, &mut out);
        out
    }

    #[test]
    fn sqli_burst_is_reported() {
        let out = run_on(
            "203.0.113.66 - - [01/Jan/2025:10:00:00 +0000] \"GET /item.php?id=1%27%20UNION%20SELECT%20user,password%20FROM%20users--%20- HTTP/1.1\" 200 512 \"-\" \"sqlmap/1.7\"\n",
        );
        let f = out
            .findings
            .iter()
            .find(|f| f.check_id == "web.attack")
            .expect("finding");
        assert_eq!(f.ips, vec!["203.0.113.66"]);
    }

    /// Failed scans from many addresses are one low finding, not one per address.
    #[test]
    fn failed_scans_are_one_background_finding() {
        let mut log = String::new();
        for i in 1..=40 {
            log.push_str(&format!(
                "192.0.2.{i} - - [01/Jan/2025:10:00:{:02} +0000] \"GET /?id=1%27%20OR%20%271%27=%271 HTTP/1.1\" 404 10 \"-\" \"Mozilla/5.0 zgrab/0.x\"\n",
                i % 60
            ));
        }
        let out = run_on(&log);
        let found: Vec<_> = out
            .findings
            .iter()
            .filter(|f| f.check_id == "web.attack")
            .collect();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, huoyan_core::Severity::Low);
        assert!(
            found[0].summary.starts_with("40 sources"),
            "{}",
            found[0].summary
        );
    }

    #[test]
    fn ordinary_traffic_is_quiet() {
        let out = run_on(
            "198.51.100.7 - - [01/Jan/2025:10:00:00 +0000] \"GET /index.php?page=2 HTTP/1.1\" 200 5120 \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\"\n",
        );
        assert!(out.findings.iter().all(|f| f.check_id != "web.attack"));
    }
}
