//! Shared by the sshd_config checks: reading the configuration once per check and turning a
//! directive into a finding with its file, line and Match context, and deciding whether it is
//! evidence or hardening ([`judged`]): sshd settings are posture unless something says an
//! intruder made them.

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
    .at(d.file_mtime)
    .evidence(json!({
        "file": d.file,
        "line": d.line,
        "keyword": d.keyword,
        "args": d.args,
        "match": d.match_criteria,
        "file_mtime": d.file_mtime.map(huoyan_core::time::format_utc),
    }))
}

/// Signs that an intruder wrote a directive: its file changed inside the window of interest.
pub(crate) fn intrusion_signs(ctx: &Context, d: &Directive) -> Vec<String> {
    match ctx.root.stat(&d.file) {
        Ok(meta) if crate::persistence::changed_within_window(ctx, &meta) => vec![format!(
            "{} changed inside the window (mtime {}, ctime {})",
            d.file,
            meta.mtime
                .map(huoyan_core::time::format_short)
                .unwrap_or_default(),
            meta.ctime
                .map(huoyan_core::time::format_short)
                .unwrap_or_default()
        )],
        _ => Vec::new(),
    }
}

/// Decides whether a finding about an sshd setting is evidence or hardening. A setting is a
/// weakness of the host (hardening) unless something says an intruder made it: it points at a
/// writable or hidden place (`planted`, with the reason), or, for a medium-or-worse setting,
/// its file changed inside the window. The signs go into the evidence.
pub(crate) fn judged(
    ctx: &Context,
    mut f: Finding,
    d: &Directive,
    planted: Option<&str>,
) -> Finding {
    let mut signs: Vec<String> = planted.map(str::to_string).into_iter().collect();
    if f.severity >= Severity::Medium {
        signs.extend(intrusion_signs(ctx, d));
    }
    if let Some(obj) = f.evidence.as_object_mut() {
        obj.insert("signs_of_intrusion".into(), json!(signs));
    }
    if signs.is_empty() {
        f.hardening()
    } else {
        f
    }
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
    .hardening()
}
