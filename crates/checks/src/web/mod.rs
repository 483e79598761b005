//! Checks of the `web` area: the web estate and its configuration tricks, attacks in the access
//! and error logs, and (deep) the webshell scan with file hunting and upload/use correlation.
//! The engine lives in `huoyan-web`; these checks only choose what to run.

use crate::Check;

mod attack;
mod estate;
mod webshell;

/// Every check of this area.
pub static ALL: &[&dyn Check] = &[
    &estate::WebEstateCheck,
    &attack::WebAttackCheck,
    &webshell::WebshellCheck,
];

/// The options every web check starts from.
fn base_options(ctx: &crate::Context) -> huoyan_web::WebOptions {
    huoyan_web::WebOptions {
        web_roots: ctx.web_roots.clone(),
        rule_dirs: ctx.rule_dirs.clone(),
        window: ctx.window,
        ..huoyan_web::WebOptions::default()
    }
}
