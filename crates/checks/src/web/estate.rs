//! `web.estate` — the web estate, and PHP execution smuggled in through configuration.
//!
//! **What it looks at:** nginx, Apache, Tomcat and PHP-FPM configs under the root (includes
//! followed), php.ini files, and the usual default web roots and log directories.
//!
//! **Why an attacker leaves this trace:** `auto_prepend_file` in php.ini or a pool makes every
//! PHP request run the attacker's file first; an `AddType`/`AddHandler` line maps PHP onto `.jpg`
//! or `.txt` so an uploaded "image" executes.
//!
//! **Example:** `/etc/php/8.2/fpm/php.ini sets auto_prepend_file = /var/www/html/uploads/.a.jpg`.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1505.003 (Server Software Component: Web Shell), T1546 (Event Triggered Execution).

use huoyan_core::{CheckInfo, Outcome};

use crate::registry::Check;
use crate::Context;

/// The further ids this check reports under.
static EMITS: &[&CheckInfo] = &[&huoyan_web::report::CONFIG_TRICK];

/// See the module documentation.
pub struct WebEstateCheck;

impl Check for WebEstateCheck {
    fn info(&self) -> &'static CheckInfo {
        &huoyan_web::report::ESTATE
    }

    fn emits(&self) -> &'static [&'static CheckInfo] {
        EMITS
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let mut opts = super::base_options(ctx);
        opts.report_estate = true;
        let (o, _) = huoyan_web::analyse(&ctx.root, ctx.users(), &opts);
        out.merge(o);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use huoyan_core::{Root, Severity, Window};

    #[test]
    fn prepend_in_php_ini_is_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("etc/php/8.2/fpm")).expect("mkdir");
        std::fs::write(
            dir.path().join("etc/php/8.2/fpm/php.ini"),
            "[PHP]\nauto_prepend_file = /var/www/html/uploads/.a.jpg\n",
        )
        .expect("w");
        let ctx = Context::new(Root::new(dir.path()).expect("root"), Window::default());
        let mut out = Outcome::default();
        WebEstateCheck.run(&ctx, &mut out);
        assert!(out
            .findings
            .iter()
            .any(|f| f.check_id == "web.config_trick" && f.severity == Severity::High));
    }

    #[test]
    fn stock_php_ini_is_quiet() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("etc/php/8.2/fpm")).expect("mkdir");
        std::fs::write(
            dir.path().join("etc/php/8.2/fpm/php.ini"),
            "[PHP]\nauto_prepend_file =\nauto_append_file =\n",
        )
        .expect("w");
        let ctx = Context::new(Root::new(dir.path()).expect("root"), Window::default());
        let mut out = Outcome::default();
        WebEstateCheck.run(&ctx, &mut out);
        assert!(out.findings.iter().all(|f| f.check_id == "web.estate"));
    }
}
