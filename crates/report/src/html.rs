//! The report as one self-contained HTML file: inline CSS and an inline SVG time chart, no
//! scripts, no external requests, so it opens offline and cannot phone home. Every piece of host
//! text is HTML-escaped (and control characters made visible) before it is written.

use std::fmt::Write;

use huoyan_core::text::sanitize;
use huoyan_core::Severity;

use crate::i18n::words;
use crate::story::{Step, Story};
use crate::tactics::Tactic;
use crate::{prevention, Case, Lang, Verdict};

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let s = sanitize(s);
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI','Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#1d2430;line-height:1.45}
h1{font-size:1.7em;border-bottom:3px solid #b3261e;padding-bottom:.3em}h2{margin-top:1.8em;border-bottom:1px solid #ccd;padding-bottom:.2em}
table{border-collapse:collapse;width:100%;font-size:.92em}th,td{border:1px solid #d5d9e0;padding:.35em .5em;vertical-align:top;text-align:left}th{background:#f1f3f7}
.verdict{display:inline-block;padding:.3em .8em;border-radius:4px;color:#fff;font-weight:700}
.compromised{background:#b3261e}.suspicious{background:#c77700}.no_evidence_found{background:#2e7d32}.inconclusive{background:#546e7a}
.sev{display:inline-block;min-width:5.5em;padding:.05em .4em;border-radius:3px;font-size:.85em;font-weight:700;color:#fff;text-align:center}
.critical{background:#7b1010}.high{background:#c62828}.medium{background:#ef8f00}.low{background:#1e88e5}.info{background:#78909c}
.finding{border:1px solid #d5d9e0;border-radius:6px;padding:.6em 1em;margin:.8em 0}
pre{background:#f6f8fa;padding:.6em;overflow:auto;font-size:.85em;white-space:pre-wrap;word-break:break-all}
code{font-size:.9em}.muted{color:#5c6675}svg text{font-size:11px;fill:#1d2430}";

fn sev_class(s: Severity) -> &'static str {
    s.as_str()
}

fn sev_colour(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#7b1010",
        Severity::High => "#c62828",
        Severity::Medium => "#ef8f00",
        Severity::Low => "#1e88e5",
        Severity::Info => "#78909c",
    }
}

/// Renders the HTML report.
pub fn render(case: &Case, story: &Story, lang: Lang) -> String {
    let w = words(lang);
    let verdict = case.verdict();
    let verdict_class = verdict.as_str();
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\
<title>{} — {}</title><style>{}</style></head><body>\n",
        lang.html_lang(),
        esc(w.title),
        esc(&case.info.hostname),
        CSS
    );
    let _ = writeln!(
        s,
        "<h1>{} — {}</h1>",
        esc(w.title),
        esc(&case.info.hostname)
    );

    // Summary.
    let _ = writeln!(s, "<h2 id=\"summary\">{}</h2>", esc(w.summary));
    let _ = writeln!(
        s,
        "<p><span class=\"verdict {verdict_class}\">{}: {}</span></p>",
        esc(w.verdict),
        esc(verdict.label(lang))
    );
    let count = |sev: Severity| case.evidence().filter(|f| f.severity == sev).count();
    let _ = writeln!(
        s,
        "<table><tr><th>{}</th><td>{} <span class=\"muted\">({})</span> · root <code>{}</code> · {}</td></tr>\
<tr><th>{}</th><td>{} · huoyan {}</td></tr>\
<tr><th>{}</th><td><span class=\"sev critical\">{} {}</span> <span class=\"sev high\">{} {}</span> <span class=\"sev medium\">{} {}</span> <span class=\"sev low\">{} {}</span> <span class=\"sev info\">{} {}</span> <span class=\"muted\">· {} {}</span></td></tr>\
<tr><th>{}</th><td>{} <span class=\"muted\">({} {})</span></td></tr></table>",
        esc(w.host),
        esc(&case.info.hostname),
        esc(&case.info.machine_id),
        esc(&case.info.root),
        esc(if case.info.live { lang.pick("live host", "在线主机") } else { lang.pick("disk image", "磁盘镜像") }),
        esc(w.generated),
        esc(&case.info.finished.map(huoyan_core::time::format_utc).unwrap_or_default()),
        esc(&case.info.huoyan_version),
        esc(w.counts),
        esc(lang.pick("critical", Severity::Critical.as_zh())),
        count(Severity::Critical),
        esc(lang.pick("high", Severity::High.as_zh())),
        count(Severity::High),
        esc(lang.pick("medium", Severity::Medium.as_zh())),
        count(Severity::Medium),
        esc(lang.pick("low", Severity::Low.as_zh())),
        count(Severity::Low),
        esc(lang.pick("info", Severity::Info.as_zh())),
        count(Severity::Info),
        case.hardening().count(),
        esc(w.hardening_count),
        esc(w.cause),
        esc(lang.pick(&story.root_cause.text, &story.root_cause.text_zh)),
        esc(w.confidence),
        esc(story.root_cause.confidence.label(lang)),
    );

    let missing = case.info.coverage.missing();
    if verdict == Verdict::Inconclusive && !missing.is_empty() {
        let items: Vec<&str> = missing.iter().map(|(en, zh)| lang.pick(en, zh)).collect();
        let _ = writeln!(
            s,
            "<p><b>{}:</b> {}</p>",
            esc(w.inconclusive_why),
            esc(&items.join(", "))
        );
    }

    // Cause.
    let _ = writeln!(s, "<h2 id=\"cause\">{}</h2>", esc(w.cause));
    let _ = writeln!(
        s,
        "<p>{}</p><p>{}: <b>{}</b> · {}: <code>{}</code></p>",
        esc(lang.pick(&story.root_cause.text, &story.root_cause.text_zh)),
        esc(w.confidence),
        esc(story.root_cause.confidence.label(lang)),
        esc(w.evidence),
        esc(&story.root_cause.evidence.join(", "))
    );
    if !story.open_entries.is_empty() {
        let _ = writeln!(s, "<h3>{}</h3><ul>", esc(w.open_entries));
        for e in &story.open_entries {
            let _ = writeln!(
                s,
                "<li><b>{}</b> — {}</li>",
                esc(lang.pick(&e.title, &e.title_zh)),
                esc(&e.summary)
            );
        }
        s.push_str("</ul>\n");
    }

    // Timeline.
    let _ = writeln!(s, "<h2 id=\"timeline\">{}</h2>", esc(w.timeline));
    s.push_str(&chart(&story.steps, lang));
    let _ = writeln!(
        s,
        "<table><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        esc(w.time),
        esc(w.tactic),
        esc(w.step),
        esc(w.evidence)
    );
    for (i, step) in story.steps.iter().enumerate() {
        let when = match step.time {
            Some(t) if step.time_source == "finding" => huoyan_core::time::format_short(t),
            Some(t) => format!(
                "{} ({})",
                huoyan_core::time::format_short(t),
                step.time_source
            ),
            None => w.unknown_time.to_string(),
        };
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><span class=\"sev {}\">{}</span> <b>{}</b><br>{}</td><td><small>{}</small></td></tr>",
            i + 1,
            esc(&when),
            esc(step.tactic.map(|t| crate::tactics::name(t, lang)).unwrap_or("—")),
            sev_class(step.severity),
            esc(lang.pick(step.severity.as_str(), step.severity.as_zh())),
            esc(lang.pick(&step.title, &step.title_zh)),
            esc(&huoyan_core::text::truncate_chars(&step.summary, 400)),
            esc(&step.evidence.join("; "))
        );
    }
    s.push_str("</table>\n");

    // Scope.
    let _ = writeln!(s, "<h2 id=\"scope\">{}</h2><table>", esc(w.scope));
    let row = |s: &mut String, label: &str, items: Vec<String>| {
        let text = if items.is_empty() {
            w.none.to_string()
        } else {
            items.join(", ")
        };
        let _ = writeln!(s, "<tr><th>{}</th><td>{}</td></tr>", esc(label), esc(&text));
    };
    row(&mut s, w.users, story.scope.users.iter().cloned().collect());
    row(&mut s, w.files, story.scope.paths.iter().cloned().collect());
    row(
        &mut s,
        w.processes,
        story.scope.pids.iter().map(|p| p.to_string()).collect(),
    );
    row(
        &mut s,
        w.addresses,
        story.scope.ips.iter().cloned().collect(),
    );
    s.push_str("</table>\n");

    // Findings.
    let _ = writeln!(s, "<h2 id=\"findings\">{}</h2>", esc(w.findings));
    for f in case.evidence() {
        let _ = writeln!(
            s,
            "<div class=\"finding\"><p><span class=\"sev {}\">{}</span> <b>{}</b> <code>{}</code></p><p>{}</p><ul>",
            sev_class(f.severity),
            esc(lang.pick(f.severity.as_str(), f.severity.as_zh())),
            esc(lang.title(f)),
            esc(&f.check_id),
            esc(&f.summary)
        );
        if let Some(t) = f.time {
            let _ = writeln!(
                s,
                "<li>{}: {}</li>",
                esc(w.time),
                esc(&huoyan_core::time::format_utc(t))
            );
        }
        for (label, items) in [
            (w.files, f.paths.clone()),
            (w.users, f.users.clone()),
            (w.addresses, [f.ips.clone(), f.hosts.clone()].concat()),
            (w.processes, f.pids.iter().map(|p| p.to_string()).collect()),
            ("ATT&CK", f.mitre.clone()),
        ] {
            if !items.is_empty() {
                let _ = writeln!(s, "<li>{}: {}</li>", esc(label), esc(&items.join(", ")));
            }
        }
        let _ = writeln!(
            s,
            "<li>{}: {}</li><li class=\"muted\">id {}</li></ul>",
            esc(w.remediation),
            esc(lang.remediation(f)),
            esc(&f.id)
        );
        if !f.evidence.is_null() {
            let text = serde_json::to_string_pretty(&f.evidence).unwrap_or_default();
            let _ = writeln!(
                s,
                "<pre>{}</pre>",
                esc(&huoyan_core::text::truncate_chars(&text, 4000))
            );
        }
        s.push_str("</div>\n");
    }

    // Hardening: posture, in its own section, never part of the verdict.
    let _ = writeln!(
        s,
        "<h2 id=\"hardening\">{}</h2><p class=\"muted\">{}</p>",
        esc(w.hardening),
        esc(w.hardening_note)
    );
    let mut any_hardening = false;
    for f in case.hardening() {
        if !any_hardening {
            s.push_str("<ul>");
            any_hardening = true;
        }
        let _ = writeln!(
            s,
            "<li><span class=\"sev {}\">{}</span> <b>{}</b> <code>{}</code> — {}<br><span class=\"muted\">{}: {}</span></li>",
            sev_class(f.severity),
            esc(lang.pick(f.severity.as_str(), f.severity.as_zh())),
            esc(lang.title(f)),
            esc(&f.check_id),
            esc(&huoyan_core::text::truncate_chars(&f.summary, 400)),
            esc(w.remediation),
            esc(lang.remediation(f))
        );
    }
    if any_hardening {
        s.push_str("</ul>\n");
    } else {
        let _ = writeln!(s, "<p>{}</p>", esc(w.none));
    }

    // What the responders accepted (--ignore), with their reasons: out of the verdict, in view.
    if !case.suppressed.is_empty() {
        let _ = writeln!(
            s,
            "<h2 id=\"suppressed\">{}</h2><p class=\"muted\">{}</p><ul>",
            esc(w.suppressed),
            esc(w.suppressed_note)
        );
        for x in &case.suppressed {
            let f = &x.finding;
            let _ = writeln!(
                s,
                "<li><span class=\"sev {}\">{}</span> <code>{}</code> — {}<br><span class=\"muted\">{} ({})</span></li>",
                sev_class(f.severity),
                esc(lang.pick(f.severity.as_str(), f.severity.as_zh())),
                esc(&f.check_id),
                esc(&huoyan_core::text::truncate_chars(&f.summary, 400)),
                esc(&x.entry.reason),
                esc(&x.source)
            );
        }
        s.push_str("</ul>\n");
    }

    // Handling record.
    let _ = writeln!(s, "<h2 id=\"handling\">{}</h2>", esc(w.handling));
    if case.journal.is_empty() {
        let _ = writeln!(s, "<p>{}</p>", esc(w.none));
    } else {
        let _ = writeln!(
            s,
            "<table><tr><th>{}</th><th>{}</th><th>{}</th></tr>",
            esc(w.time),
            esc(w.action),
            esc(w.target)
        );
        for j in &case.journal {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{} <span class=\"muted\">{}</span></td></tr>",
                esc(&huoyan_core::time::format_utc(j.time)),
                esc(&j.action),
                esc(&j.target),
                esc(&j.detail)
            );
        }
        s.push_str("</table>\n");
    }

    // Prevention.
    let _ = writeln!(s, "<h2 id=\"prevention\">{}</h2><ul>", esc(w.prevention));
    for r in prevention::recommendations(&case.findings, lang) {
        let _ = writeln!(s, "<li>{}</li>", esc(r));
    }
    s.push_str("</ul>\n");

    // Gaps.
    let _ = writeln!(s, "<h2 id=\"gaps\">{}</h2>", esc(w.not_examined));
    if case.gaps.is_empty() {
        let _ = writeln!(s, "<p>{}</p>", esc(w.none));
    } else {
        s.push_str("<ul>");
        for g in &case.gaps {
            let _ = writeln!(
                s,
                "<li><code>{}</code> {} — {}</li>",
                esc(&g.area),
                esc(g.path.as_deref().unwrap_or("")),
                esc(&g.detail)
            );
        }
        s.push_str("</ul>\n");
    }
    s.push_str("</body></html>\n");
    s
}

/// An SVG chart: one row per tactic, one dot per timed step, coloured by severity, with a
/// `<title>` tooltip (no script needed).
fn chart(steps: &[Step], lang: Lang) -> String {
    let timed: Vec<&Step> = steps.iter().filter(|s| s.time.is_some()).collect();
    let (Some(first), Some(last)) = (
        timed.iter().filter_map(|s| s.time).min(),
        timed.iter().filter_map(|s| s.time).max(),
    ) else {
        return String::new();
    };
    let mut tactics: Vec<Option<Tactic>> = timed.iter().map(|s| s.tactic).collect();
    tactics.sort();
    tactics.dedup();
    let left = 170.0;
    let width = 900.0;
    let row_h = 26.0;
    let top = 20.0;
    let height = top + row_h * tactics.len() as f64 + 40.0;
    let span = (last.as_second() - first.as_second()).max(1) as f64;
    let x_of = |t: huoyan_core::Timestamp| {
        left + (t.as_second() - first.as_second()) as f64 / span * (width - left - 20.0)
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\">",
        esc(words(lang).timeline)
    );
    for (row, tactic) in tactics.iter().enumerate() {
        let y = top + row_h * row as f64 + row_h / 2.0;
        let name = tactic.map(|t| crate::tactics::name(t, lang)).unwrap_or("—");
        let _ = writeln!(
            s,
            "<text x=\"4\" y=\"{:.1}\">{}</text><line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#e1e5eb\"/>",
            y + 4.0,
            esc(name),
            width - 10.0
        );
    }
    for step in &timed {
        let Some(t) = step.time else { continue };
        let row = tactics.iter().position(|x| *x == step.tactic).unwrap_or(0);
        let y = top + row_h * row as f64 + row_h / 2.0;
        let _ = writeln!(
            s,
            "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"6\" fill=\"{}\"><title>{} — {}</title></circle>",
            x_of(t),
            sev_colour(step.severity),
            esc(&huoyan_core::time::format_short(t)),
            esc(lang.pick(&step.title, &step.title_zh))
        );
    }
    let axis_y = top + row_h * tactics.len() as f64 + 18.0;
    let _ = writeln!(
        s,
        "<text x=\"{left}\" y=\"{axis_y:.1}\">{}</text><text x=\"{:.1}\" y=\"{axis_y:.1}\" text-anchor=\"end\">{}</text></svg>",
        esc(&huoyan_core::time::format_short(first)),
        width - 10.0,
        esc(&huoyan_core::time::format_short(last))
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(esc("<script>\x1b"), "&lt;script&gt;\\e");
        assert_eq!(esc("a\"b'c&"), "a&quot;b&#39;c&amp;");
    }
}
