//! Shared by the sshd_config checks: reading the configuration once per check and turning a
//! directive into a finding with its file, line and Match context.

use huoyan_artifacts::sshd_config::{self, Directive, SshdConfig};
use huoyan_core::{CheckInfo, Finding, Outcome, Severity};
use serde_json::json;

use crate::Context;

/// Reads sshd's configuration; `None` when sshd is not configured on this root (no main file),
/// with unreadable files recorded as gaps.
pub(crate) fn load(ctx: &Context, info: &CheckInfo, out: &mut Outcome) -> Option<SshdConfig> {
    match sshd_config::read(&ctx.root) {
        Ok((cfg, errors)) => {
            for e in &errors {
                out.gap_from(info.id, e, false);
            }
            Some(cfg)
        }
        Err(e) => {
            out.gap_from(info.id, &e, true);
            None
        }
    }
}

/// A finding about one directive.
pub(crate) fn directive_finding(
    info: &CheckInfo,
    severity: Severity,
    d: &Directive,
    what: &str,
) -> Finding {
    let scope = d
        .match_criteria
        .as_deref()
        .map(|m| format!(" inside `Match {m}`"))
        .unwrap_or_default();
    info.finding(
        severity,
        format!(
            "{what}: `{} {}`{scope} at {}",
            d.keyword,
            d.args.join(" "),
            d.location()
        ),
    )
    .path(d.file.clone())
    .evidence(json!({
        "file": d.file,
        "line": d.line,
        "keyword": d.keyword,
        "args": d.args,
        "match": d.match_criteria,
    }))
}

/// A finding about a default value (no directive sets the keyword).
pub(crate) fn default_finding(
    info: &CheckInfo,
    severity: Severity,
    keyword: &str,
    default: &str,
    what: &str,
) -> Finding {
    info.finding(
        severity,
        format!(
            "{what}: `{keyword}` is not set, so sshd's default `{default}` applies ({})",
            sshd_config::MAIN_CONFIG
        ),
    )
    .path(sshd_config::MAIN_CONFIG)
    .evidence(json!({"keyword": keyword, "default": default}))
}
