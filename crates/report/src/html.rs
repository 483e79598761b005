//! The report as one self-contained HTML file: inline CSS and an inline SVG time chart, no
//! scripts, no external requests, so it opens offline and cannot phone home. Every piece of host
//! text is HTML-escaped (and control characters made visible) before it is written.
//!
//! The page is built to be read in five minutes: a one-screen summary on top (verdict, cause,
//! the attack in at most eight steps, what is still open, what to do now), a table of contents,
//! then the sections. Findings are grouped by check and each is a closed `<details>`; tables
//! have fixed layouts and every long string wraps, so nothing scrolls sideways at 1,280 px.
//! Printed, every `<details>` opens, the contents sidebar goes and each section starts a page.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use huoyan_core::text::{sanitize, truncate_chars};
use huoyan_core::time::format_short;
use huoyan_core::{Finding, Severity};

use crate::i18n::{words, Words};
use crate::rank::ranked;
use crate::story::{Step, Story};
use crate::tactics::Tactic;
use crate::{prevention, Case, Lang, Verdict};

/// Escapes text for HTML content and attribute values. A line break in one-line text shows as
/// `↵` (multi-line text goes through [`esc_lines`]).
pub fn esc(s: &str) -> String {
    let s = if s.contains('\n') {
        std::borrow::Cow::Owned(s.replace('\n', "↵"))
    } else {
        std::borrow::Cow::Borrowed(s)
    };
    let s = sanitize(&s);
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

/// Escapes multi-line text for a `<pre>`: line breaks stay line breaks, tabs become spaces,
/// every other control character is made visible.
pub fn esc_lines(s: &str) -> String {
    s.split('\n')
        .map(|line| esc(&line.replace('\t', "    ")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A fragment id made only of `[A-Za-z0-9_.-]` (finding ids come from a file on disk).
fn anchor(prefix: &str, s: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + s.len());
    out.push_str(prefix);
    out.extend(s.chars().map(|c| {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
            c
        } else {
            '-'
        }
    }));
    out
}

const CSS: &str = "*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,'Segoe UI','Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:0;color:#1d2430;line-height:1.45;background:#fff}
.layout{display:grid;grid-template-columns:14em minmax(0,1fr);gap:2em;max-width:86em;margin:0 auto;padding:0 1em}
nav.toc{position:sticky;top:0;align-self:start;max-height:100vh;overflow-y:auto;padding:1em 0;font-size:.88em}
nav.toc ul{list-style:none;padding-left:0;margin:.2em 0}nav.toc ul ul{padding-left:1em}nav.toc li{margin:.15em 0}
nav.toc a{color:#1d4f91;text-decoration:none}nav.toc a:hover{text-decoration:underline}
main{min-width:0;padding-bottom:3em}
h1{font-size:1.45em;border-bottom:3px solid #b3261e;padding-bottom:.15em;margin:.5em 0 .15em}
h2{margin-top:1.6em;border-bottom:1px solid #ccd;padding-bottom:.2em}h3{margin:1.2em 0 .4em;font-size:1.05em}h2 .muted,h3 .muted{font-weight:400;font-size:.9em}
p,li,td,th,dd,dt,summary,code,pre,h1,h2,h3,a{overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;table-layout:fixed;font-size:.9em}
th,td{border:1px solid #d5d9e0;padding:.3em .45em;vertical-align:top;text-align:left}th{background:#f1f3f7}
.facts{font-size:.88em;margin:.2em 0 .8em}
.summary{border:2px solid #d5d9e0;border-radius:8px;padding:.3em 1.1em .6em;margin-top:.6em;font-size:.93em;line-height:1.35}
.summary h2{margin:.3em 0 .4em;font-size:1.25em}.summary h3{margin:.55em 0 .15em;font-size:1em}.summary p{margin:.35em 0}.summary a{color:inherit}.summary ol,.summary ul{margin:.2em 0;padding-left:1.6em}
.summary li{margin:.1em 0}li.nomark{list-style:none}.cause{font-size:1.02em}
.verdict{display:inline-block;padding:.25em .8em;border-radius:4px;color:#fff;font-weight:700}
.compromised{background:#b3261e}.suspicious{background:#c77700}.no_evidence_found{background:#2e7d32}.inconclusive{background:#546e7a}
.sev{display:inline-block;min-width:4.6em;padding:0 .35em;border-radius:3px;font-size:.8em;font-weight:700;color:#fff;text-align:center}
.critical{background:#7b1010}.high{background:#c62828}.medium{background:#ef8f00}.low{background:#1e88e5}.info{background:#78909c}
details{border:1px solid #d5d9e0;border-radius:5px;margin:.3em 0;padding:.2em .6em}
details>summary{cursor:pointer}details[open]>summary{margin-bottom:.3em}
details.more{border-style:dashed}details.ids{border:0;padding:0;margin:0}
dl{display:grid;grid-template-columns:9em minmax(0,1fr);gap:.1em .8em;margin:.3em 0}dt{font-weight:600;color:#3d4756}dd{margin:0}
pre{background:#f6f8fa;padding:.5em;font-size:.82em;white-space:pre-wrap;overflow-wrap:anywhere;margin:.3em 0}
code{font-size:.9em}.muted{color:#5c6675}small{font-size:.82em;line-height:1.3;display:inline-block}#timeline table{font-size:.86em;line-height:1.35}svg{max-width:100%;height:auto}svg text{font-size:11px;fill:#1d2430}
@media (max-width:60em){.layout{grid-template-columns:minmax(0,1fr)}nav.toc{position:static;max-height:none}}
@media print{body{font-size:10pt}.layout{display:block;max-width:none;padding:0}nav.toc{display:none}
main>section{break-before:page}main>section.summary{break-before:auto}
details{border:0;padding:0}details::details-content{content-visibility:visible;display:block}
details>summary{list-style:none;font-weight:600}details>summary::-webkit-details-marker{display:none}
tr,details.finding,li{break-inside:avoid}a{color:inherit;text-decoration:none}}";

fn sev_colour(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#7b1010",
        Severity::High => "#c62828",
        Severity::Medium => "#ef8f00",
        Severity::Low => "#1e88e5",
        Severity::Info => "#78909c",
    }
}

fn badge(sev: Severity, lang: Lang) -> String {
    format!(
        "<span class=\"sev {}\">{}</span>",
        sev.as_str(),
        esc(lang.severity(sev))
    )
}

/// A list joined with commas, cut after `max` items.
fn joined(items: &[String], max: usize, lang: Lang) -> String {
    let mut out = items
        .iter()
        .take(max)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > max {
        out.push(' ');
        out.push_str(&lang.and_more(items.len() - max));
    }
    out
}

/// Findings of one check, best first.
struct Group<'a> {
    check_id: &'a str,
    findings: Vec<&'a Finding>,
}

impl Group<'_> {
    fn worst(&self) -> Severity {
        self.findings
            .iter()
            .map(|f| f.severity)
            .max()
            .unwrap_or(Severity::Info)
    }
}

/// Groups findings by check: the worst check first, then the larger, then by id.
fn by_check<'a>(findings: &'a [Finding], order: &[usize], evidence: bool) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for &i in order {
        let Some(f) = findings.get(i) else { continue };
        if f.is_evidence() != evidence {
            continue;
        }
        let k = *index.entry(f.check_id.as_str()).or_insert_with(|| {
            groups.push(Group {
                check_id: &f.check_id,
                findings: Vec::new(),
            });
            groups.len() - 1
        });
        groups[k].findings.push(f);
    }
    groups.sort_by(|a, b| {
        b.worst()
            .cmp(&a.worst())
            .then(b.findings.len().cmp(&a.findings.len()))
            .then(a.check_id.cmp(b.check_id))
    });
    groups
}

/// The counts per severity of some findings, as badges ("2 critical 1 high").
fn sev_counts<'a>(findings: impl Iterator<Item = &'a Finding>, lang: Lang) -> String {
    let mut counts: BTreeMap<std::cmp::Reverse<Severity>, usize> = BTreeMap::new();
    for f in findings {
        *counts.entry(std::cmp::Reverse(f.severity)).or_default() += 1;
    }
    counts
        .iter()
        .map(|(sev, n)| {
            format!(
                "<span class=\"sev {}\">{} {}</span>",
                sev.0.as_str(),
                esc(lang.severity(sev.0)),
                n
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// At most this many entries of "still open".
const SUMMARY_ITEMS: usize = 6;
/// At most this many lines of "what to do now" (the rest is in each finding).
const ACTIONS: usize = 4;
/// Findings of one check shown before the rest is folded into one more `<details>`.
const SHOWN_PER_CHECK: usize = 6;

/// Renders the HTML report.
pub fn render(case: &Case, story: &Story, lang: Lang) -> String {
    let w = words(lang);
    let verdict = case.verdict();
    let order = ranked(&case.findings);
    let evidence_groups = by_check(&case.findings, &order, true);
    let hardening_groups = by_check(&case.findings, &order, false);
    let host = if case.info.hostname.trim().is_empty() {
        w.no_hostname
    } else {
        case.info.hostname.as_str()
    };
    let mut s = String::with_capacity(64 * 1024);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\
<title>{} — {}</title><style>{}</style></head><body>\n<div class=\"layout\">\n",
        lang.html_lang(),
        esc(w.title),
        esc(host),
        CSS
    );
    toc(
        &mut s,
        case,
        story,
        &evidence_groups,
        &hardening_groups,
        w,
        lang,
    );
    s.push_str("<main>\n");
    let _ = writeln!(s, "<h1>{} — {}</h1>", esc(w.title), esc(host));
    facts(&mut s, case, w);
    summary(&mut s, case, story, verdict, &order, w, lang);
    cause(&mut s, story, w, lang);
    timeline(&mut s, story, w, lang);
    scope(&mut s, story, w, lang);
    findings(&mut s, case, &evidence_groups, w, lang);
    hardening(&mut s, &hardening_groups, w, lang);
    suppressed(&mut s, case, w, lang);
    handling(&mut s, case, w, lang);
    let _ = writeln!(
        s,
        "<section id=\"prevention\"><h2>{}</h2><ul>",
        esc(w.prevention)
    );
    for r in prevention::recommendations(&case.findings, lang) {
        let _ = writeln!(s, "<li>{}</li>", esc(r));
    }
    s.push_str("</ul></section>\n");
    gaps(&mut s, case, w, lang);
    s.push_str("</main>\n</div></body></html>\n");
    s
}

fn toc(
    s: &mut String,
    case: &Case,
    story: &Story,
    evidence: &[Group],
    hardening: &[Group],
    w: &Words,
    lang: Lang,
) {
    let _ = write!(
        s,
        "<nav class=\"toc\" aria-label=\"{0}\"><b>{0}</b><ul>\
<li><a href=\"#summary\">{1}</a></li><li><a href=\"#cause\">{2}</a></li>\
<li><a href=\"#timeline\">{3}</a> <span class=\"muted\">({4})</span></li>\
<li><a href=\"#scope\">{5}</a></li>\
<li><a href=\"#findings\">{6}</a> <span class=\"muted\">({7})</span><ul>",
        esc(w.contents),
        esc(w.summary),
        esc(w.cause),
        esc(w.timeline),
        story.steps.len(),
        esc(w.scope),
        esc(w.findings),
        case.evidence().count(),
    );
    for g in evidence {
        let title = g.findings.first().map(|f| lang.title(f)).unwrap_or("");
        let _ = write!(
            s,
            "<li><a href=\"#{}\">{}</a> <span class=\"muted\">({})</span></li>",
            anchor("c-", g.check_id),
            esc(&truncate_chars(title, 60)),
            g.findings.len()
        );
    }
    let _ = write!(
        s,
        "</ul></li><li><a href=\"#hardening\">{}</a> <span class=\"muted\">({})</span></li>",
        esc(w.hardening),
        hardening.iter().map(|g| g.findings.len()).sum::<usize>()
    );
    if !case.suppressed.is_empty() {
        let _ = write!(
            s,
            "<li><a href=\"#suppressed\">{}</a> <span class=\"muted\">({})</span></li>",
            esc(w.suppressed),
            case.suppressed.len()
        );
    }
    let _ = writeln!(
        s,
        "<li><a href=\"#handling\">{}</a></li><li><a href=\"#prevention\">{}</a></li>\
<li><a href=\"#gaps\">{}</a> <span class=\"muted\">({})</span></li></ul></nav>",
        esc(w.handling),
        esc(w.prevention),
        esc(w.not_examined),
        case.gaps.len()
    );
}

/// One line of facts under the title; empty values are left out (never "()").
fn facts(s: &mut String, case: &Case, w: &Words) {
    let info = &case.info;
    let mut parts: Vec<String> = Vec::new();
    if !info.machine_id.trim().is_empty() {
        parts.push(format!(
            "{} <code>{}</code>",
            esc(w.machine_id),
            esc(&info.machine_id)
        ));
    }
    if !info.kernel.trim().is_empty() {
        parts.push(format!(
            "{} <code>{}</code>",
            esc(w.kernel),
            esc(&info.kernel)
        ));
    }
    if !info.root.trim().is_empty() {
        parts.push(format!("{} <code>{}</code>", esc(w.root), esc(&info.root)));
    }
    parts.push(esc(if info.live { w.live_host } else { w.disk_image }));
    if let Some(t) = info.finished {
        parts.push(format!(
            "{} {} UTC",
            esc(w.generated),
            esc(&format_short(t))
        ));
    }
    if !info.huoyan_version.trim().is_empty() {
        parts.push(format!("huoyan {}", esc(&info.huoyan_version)));
    }
    let _ = writeln!(s, "<p class=\"facts muted\">{}</p>", parts.join(" · "));
}

fn step_time(t: Option<huoyan_core::Timestamp>, w: &Words) -> String {
    t.map(format_short)
        .unwrap_or_else(|| w.unknown_time.to_string())
}

fn summary(
    s: &mut String,
    case: &Case,
    story: &Story,
    verdict: Verdict,
    order: &[usize],
    w: &Words,
    lang: Lang,
) {
    let _ = writeln!(
        s,
        "<section id=\"summary\" class=\"summary\"><h2>{}</h2>",
        esc(w.summary)
    );
    let _ = writeln!(
        s,
        "<p><span class=\"verdict {}\">{}: {}</span> &nbsp;{} <span class=\"muted\">· {} {}</span></p>",
        verdict.as_str(),
        esc(w.verdict),
        esc(verdict.label(lang)),
        sev_counts(case.evidence(), lang),
        case.hardening().count(),
        esc(w.hardening_count)
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
    let _ = writeln!(
        s,
        "<p class=\"cause\"><b>{}:</b> {} <span class=\"muted\">({} {})</span></p>",
        esc(w.cause),
        esc(&truncate_chars(
            lang.pick(&story.root_cause.text, &story.root_cause.text_zh),
            220
        )),
        esc(w.confidence),
        esc(story.root_cause.confidence.label(lang))
    );

    let _ = writeln!(s, "<h3>{}</h3>", esc(w.attack_flow));
    let items = crate::summary::flow(story);
    if items.is_empty() {
        let _ = writeln!(s, "<p>{}</p>", esc(w.no_steps));
    } else {
        s.push_str("<ol>");
        for item in &items {
            let step = item.first;
            let more = if item.count > 1 {
                format!(
                    " <span class=\"muted\">(+{} {})</span>",
                    item.count - 1,
                    esc(w.same_check)
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "<li><small class=\"muted\">{}</small> {} <a href=\"#{}\"><b>{}</b></a> — {}{}</li>",
                esc(&step_time(step.time, w)),
                badge(item.worst, lang),
                anchor("c-", &step.check_id),
                esc(lang.pick(&step.title, &step.title_zh)),
                esc(&truncate_chars(&step.summary, 64)),
                more
            );
        }
        s.push_str("</ol>\n");
    }

    if !story.open_entries.is_empty() {
        // One line: what is still in place, by check, each linked to its first finding.
        let mut seen: Vec<&Step> = Vec::new();
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for e in &story.open_entries {
            let n = counts.entry(e.check_id.as_str()).or_default();
            *n += 1;
            if *n == 1 {
                seen.push(e);
            }
        }
        let mut parts: Vec<String> = seen
            .iter()
            .take(SUMMARY_ITEMS + 2)
            .map(|e| {
                let n = counts.get(e.check_id.as_str()).copied().unwrap_or(1);
                format!(
                    "{} <a href=\"#{}\">{}</a>{}",
                    badge(e.severity, lang),
                    anchor("f-", &e.finding_id),
                    esc(lang.pick(&e.title, &e.title_zh)),
                    if n > 1 {
                        format!(" ×{n}")
                    } else {
                        String::new()
                    }
                )
            })
            .collect();
        if seen.len() > SUMMARY_ITEMS + 2 {
            parts.push(esc(&lang.and_more(seen.len() - SUMMARY_ITEMS - 2)));
        }
        let _ = writeln!(
            s,
            "<h3>{}</h3><p>{}</p>",
            esc(w.open_entries),
            parts.join(" · ")
        );
    }

    let _ = writeln!(s, "<h3>{}</h3>", esc(w.do_now));
    let todo = crate::summary::actions(case, order, lang);
    if todo.is_empty() {
        let _ = writeln!(s, "<p>{}</p>", esc(w.nothing_to_do));
    } else {
        s.push_str("<ol>");
        for r in todo.iter().take(ACTIONS) {
            let _ = writeln!(s, "<li>{}</li>", esc(&headline(r)));
        }
        if todo.len() > ACTIONS {
            let _ = writeln!(
                s,
                "<li class=\"muted nomark\">{} <a href=\"#findings\">→ {}</a></li>",
                esc(&lang.and_more(todo.len() - ACTIONS)),
                esc(w.findings)
            );
        }
        s.push_str("</ol>\n");
    }
    s.push_str("</section>\n");
}

/// Finding ids as links: the first `shown`, the rest in a closed `<details>`.
fn id_links_cut(ids: &[String], shown: usize, lang: Lang) -> String {
    if ids.len() <= shown {
        return id_links(ids);
    }
    format!(
        "{} <details class=\"ids\"><summary>{}</summary>{}</details>",
        id_links(&ids[..shown]),
        esc(&lang.and_more(ids.len() - shown)),
        id_links(&ids[shown..])
    )
}

/// The first clause of a remediation ("Treat the account as compromised"), or its first
/// 110 characters; the whole text is in each finding.
fn headline(r: &str) -> String {
    let cut = r
        .char_indices()
        .find(|&(i, c)| i >= 20 && matches!(c, ':' | '：' | ';' | '；' | '.' | '。'))
        .map(|(i, _)| i);
    match cut {
        Some(i) if r[..i].chars().count() <= 110 => format!("{}…", &r[..i]),
        _ => truncate_chars(r, 110).into_owned(),
    }
}

fn id_links(ids: &[String]) -> String {
    ids.iter()
        .map(|id| {
            format!(
                "<a href=\"#{}\"><code>{}</code></a>",
                anchor("f-", id),
                esc(id)
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn cause(s: &mut String, story: &Story, w: &Words, lang: Lang) {
    let _ = writeln!(s, "<section id=\"cause\"><h2>{}</h2>", esc(w.cause));
    let _ = writeln!(
        s,
        "<p>{}</p><p>{}: <b>{}</b></p>",
        esc(lang.pick(&story.root_cause.text, &story.root_cause.text_zh)),
        esc(w.confidence),
        esc(story.root_cause.confidence.label(lang)),
    );
    if !story.root_cause.evidence.is_empty() {
        let _ = writeln!(
            s,
            "<p>{}: {}</p>",
            esc(w.evidence),
            id_links_cut(&story.root_cause.evidence, 8, lang)
        );
    }
    s.push_str("</section>\n");
}

/// A step's supporting evidence other than its own finding id, labelled in the report's
/// language.
fn step_evidence(step: &Step, w: &Words) -> Vec<String> {
    step.evidence
        .iter()
        .filter(|e| !e.starts_with("finding "))
        .map(|e| {
            if let Some(p) = e.strip_prefix("file ") {
                return format!("{}: {}", w.files, p);
            }
            for (key, label) in [
                ("line: ", w.log_line),
                ("log_line: ", w.log_line),
                ("command: ", w.command),
                ("excerpt: ", w.excerpt),
                ("entry: ", w.entry),
                ("request: ", w.request),
            ] {
                if let Some(rest) = e.strip_prefix(key) {
                    return format!("{label}: {rest}");
                }
            }
            e.clone()
        })
        .collect()
}

fn timeline(s: &mut String, story: &Story, w: &Words, lang: Lang) {
    let _ = writeln!(
        s,
        "<section id=\"timeline\"><h2>{}</h2><p class=\"muted\">{}</p>",
        esc(w.timeline),
        esc(w.timeline_note)
    );
    s.push_str(&chart(&story.steps, lang));
    let _ = writeln!(
        s,
        "<table><colgroup><col style=\"width:2.6em\"><col style=\"width:9.5em\"><col style=\"width:7.5em\"><col><col style=\"width:26%\"></colgroup>\
<tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        esc(w.time),
        esc(w.tactic),
        esc(w.step),
        esc(w.evidence)
    );
    // Steps of the same check and severity on the same day (UTC) share a row, placed at the
    // first of them; steps without a time share one row per check and severity.
    let day = |t: Option<huoyan_core::Timestamp>| t.map(|t| t.as_second().div_euclid(86_400));
    let mut rows: Vec<Vec<&Step>> = Vec::new();
    let mut row_of: HashMap<(&str, Severity, Option<i64>), usize> = HashMap::new();
    for step in &story.steps {
        let key = (step.check_id.as_str(), step.severity, day(step.time));
        match row_of.get(&key) {
            Some(&k) => rows[k].push(step),
            None => {
                row_of.insert(key, rows.len());
                rows.push(vec![step]);
            }
        }
    }
    let mut n = 0;
    for run in rows {
        let Some(step) = run.first().copied() else {
            continue;
        };
        let last = run.last().copied().unwrap_or(step);
        n += 1;
        let mut when = step_time(step.time, w);
        let until = step_time(last.time, w);
        if run.len() > 1 && last.time.is_some() && until != when {
            when = format!("{when} – {until}");
        }
        if step.time.is_some() && step.time_source != "finding" && !step.time_source.is_empty() {
            let source = step
                .time_source
                .strip_prefix("mtime of ")
                .map(|p| format!("{} {p}", w.mtime_of))
                .unwrap_or_else(|| step.time_source.clone());
            when = format!("{when} <small class=\"muted\">({})</small>", esc(&source));
        } else {
            when = esc(&when);
        }
        let more = if run.len() > 1 {
            format!(
                "<br><span class=\"muted\">+{} {}</span>",
                run.len() - 1,
                esc(w.same_check)
            )
        } else {
            String::new()
        };
        let ids: Vec<String> = run.iter().map(|r| r.finding_id.clone()).collect();
        let ids_html = id_links_cut(&ids, 1, lang);
        let extra: Vec<String> = step_evidence(step, w)
            .iter()
            .take(1)
            .map(|e| format!("<br>{}", esc(&truncate_chars(e, 120))))
            .collect();
        let _ = writeln!(
            s,
            "<tr><td>{n}</td><td>{when}</td><td>{}</td><td>{} <b>{}</b><br>{}{more}</td><td><small>{ids_html}{}</small></td></tr>",
            esc(step.tactic.map(|t| crate::tactics::name(t, lang)).unwrap_or("—")),
            badge(step.severity, lang),
            esc(lang.pick(&step.title, &step.title_zh)),
            esc(&truncate_chars(&step.summary, 180)),
            extra.concat()
        );
    }
    s.push_str("</table></section>\n");
}

fn scope(s: &mut String, story: &Story, w: &Words, lang: Lang) {
    let _ = writeln!(
        s,
        "<section id=\"scope\"><h2>{}</h2><table><colgroup><col style=\"width:9em\"><col></colgroup>",
        esc(w.scope)
    );
    let rows: [(&str, Vec<String>); 4] = [
        (w.users, story.scope.users.iter().cloned().collect()),
        (w.files, story.scope.paths.iter().cloned().collect()),
        (
            w.processes,
            story.scope.pids.iter().map(|p| p.to_string()).collect(),
        ),
        (w.addresses, story.scope.ips.iter().cloned().collect()),
    ];
    for (label, items) in rows {
        let text = if items.is_empty() {
            w.none.to_string()
        } else {
            joined(&items, 40, lang)
        };
        let _ = writeln!(s, "<tr><th>{}</th><td>{}</td></tr>", esc(label), esc(&text));
    }
    s.push_str("</table></section>\n");
}

/// One finding as a closed `<details>`: its summary on the line, everything else inside.
fn finding(s: &mut String, f: &Finding, with_title: bool, w: &Words, lang: Lang) {
    let when = f
        .time
        .map(|t| format!("<span class=\"muted\">{}</span> ", esc(&format_short(t))))
        .unwrap_or_default();
    let title = if with_title {
        format!("<b>{}</b> — ", esc(lang.title(f)))
    } else {
        String::new()
    };
    let _ = writeln!(
        s,
        "<details class=\"finding\" id=\"{}\"><summary>{} {when}{title}{}</summary><dl>",
        anchor("f-", &f.id),
        badge(f.severity, lang),
        esc(&truncate_chars(&f.summary, 220))
    );
    if f.summary.chars().count() > 220 {
        let _ = writeln!(s, "<dt>{}</dt><dd>{}</dd>", esc(w.step), esc(&f.summary));
    }
    if let Some(t) = f.time {
        let _ = writeln!(
            s,
            "<dt>{}</dt><dd>{}</dd>",
            esc(w.time),
            esc(&huoyan_core::time::format_utc(t))
        );
    }
    let pids: Vec<String> = f.pids.iter().map(|p| p.to_string()).collect();
    // Sources named by host name (old auth logs) stand beside the addresses.
    let sources: Vec<String> = [f.ips.clone(), f.hosts.clone()].concat();
    for (label, items) in [
        (w.files, &f.paths),
        (w.users, &f.users),
        (w.addresses, &sources),
        (w.processes, &pids),
        ("ATT&CK", &f.mitre),
    ] {
        if !items.is_empty() {
            let _ = writeln!(
                s,
                "<dt>{}</dt><dd>{}</dd>",
                esc(label),
                esc(&joined(items, 30, lang))
            );
        }
    }
    let _ = writeln!(
        s,
        "<dt>{}</dt><dd>{}</dd><dt>{}</dt><dd><code>{}</code> · <code>{}</code></dd></dl>",
        esc(w.remediation),
        esc(lang.remediation(f)),
        esc(w.id),
        esc(&f.id),
        esc(&f.check_id)
    );
    if !f.evidence.is_null() {
        let text = crate::pretty::evidence_text(&f.evidence, 3000);
        let _ = writeln!(s, "<pre>{}</pre>", esc_lines(&text));
    }
    s.push_str("</details>\n");
}

fn findings(s: &mut String, case: &Case, groups: &[Group], w: &Words, lang: Lang) {
    let _ = writeln!(
        s,
        "<section id=\"findings\"><h2>{} <span class=\"muted\">({})</span></h2>",
        esc(w.findings),
        case.evidence().count()
    );
    if groups.is_empty() {
        let _ = writeln!(s, "<p>{}</p>", esc(w.none));
    }
    for g in groups {
        let title = g.findings.first().map(|f| lang.title(f)).unwrap_or("");
        let _ = writeln!(
            s,
            "<div class=\"check\" id=\"{}\"><h3>{} <code>{}</code> <span class=\"muted\">· {}</span> {}</h3>",
            anchor("c-", g.check_id),
            esc(title),
            esc(g.check_id),
            esc(&lang.findings(g.findings.len())),
            sev_counts(g.findings.iter().copied(), lang)
        );
        for f in g.findings.iter().take(SHOWN_PER_CHECK) {
            finding(s, f, false, w, lang);
        }
        if g.findings.len() > SHOWN_PER_CHECK {
            let _ = writeln!(
                s,
                "<details class=\"more\"><summary>+{} {}</summary>",
                g.findings.len() - SHOWN_PER_CHECK,
                esc(w.more_of_check)
            );
            for f in g.findings.iter().skip(SHOWN_PER_CHECK) {
                finding(s, f, false, w, lang);
            }
            s.push_str("</details>\n");
        }
        s.push_str("</div>\n");
    }
    s.push_str("</section>\n");
}

/// Posture, in its own section, never part of the verdict.
fn hardening(s: &mut String, groups: &[Group], w: &Words, lang: Lang) {
    let _ = writeln!(
        s,
        "<section id=\"hardening\"><h2>{}</h2><p class=\"muted\">{}</p>",
        esc(w.hardening),
        esc(w.hardening_note)
    );
    if groups.is_empty() {
        let _ = writeln!(s, "<p>{}</p>", esc(w.none));
    }
    for g in groups {
        for f in &g.findings {
            finding(s, f, true, w, lang);
        }
    }
    s.push_str("</section>\n");
}

/// What the responders accepted (--ignore), with their reasons: out of the verdict, in view.
fn suppressed(s: &mut String, case: &Case, w: &Words, lang: Lang) {
    if case.suppressed.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "<section id=\"suppressed\"><h2>{}</h2><p class=\"muted\">{}</p><ul>",
        esc(w.suppressed),
        esc(w.suppressed_note)
    );
    for x in &case.suppressed {
        let f = &x.finding;
        let _ = writeln!(
            s,
            "<li>{} <code>{}</code> — {}<br><span class=\"muted\">{} ({} {})</span></li>",
            badge(f.severity, lang),
            esc(&f.check_id),
            esc(&truncate_chars(&f.summary, 400)),
            esc(&x.entry.reason),
            esc(w.source),
            esc(&x.source)
        );
    }
    s.push_str("</ul></section>\n");
}

fn handling(s: &mut String, case: &Case, w: &Words, lang: Lang) {
    let _ = writeln!(s, "<section id=\"handling\"><h2>{}</h2>", esc(w.handling));
    // First what the people did (`huoyan case note`), then huoyan's own journal.
    let notes: Vec<&huoyan_core::journal::JournalEntry> =
        case.journal.iter().filter(|j| j.action == "note").collect();
    let _ = writeln!(s, "<h3>{}</h3>", esc(w.responder_notes));
    if notes.is_empty() {
        let _ = writeln!(s, "<p>{}</p>", esc(w.none));
    } else {
        s.push_str("<ul>");
        for n in &notes {
            let _ = writeln!(
                s,
                "<li><span class=\"muted\">{} — {}</span><br>{}</li>",
                esc(&format_short(n.time)),
                esc(&n.target),
                esc(&n.detail)
            );
        }
        s.push_str("</ul>\n");
    }
    let _ = writeln!(s, "<h3>{}</h3>", esc(w.huoyan_actions));
    if case.journal.is_empty() {
        let _ = writeln!(s, "<p>{}</p>", esc(w.none));
    } else {
        let _ = writeln!(
            s,
            "<table><colgroup><col style=\"width:11em\"><col style=\"width:22%\"><col></colgroup><tr><th>{}</th><th>{}</th><th>{}</th></tr>",
            esc(w.time),
            esc(w.action),
            esc(w.target)
        );
        const SHOWN: usize = 12;
        let row = |j: &huoyan_core::journal::JournalEntry| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{} <span class=\"muted\">{}</span></td></tr>\n",
                esc(&format_short(j.time)),
                esc(&j.action),
                esc(&j.target),
                esc(&truncate_chars(&j.detail, 300))
            )
        };
        for j in case.journal.iter().take(SHOWN) {
            s.push_str(&row(j));
        }
        s.push_str("</table>\n");
        if case.journal.len() > SHOWN {
            let _ = writeln!(
                s,
                "<details class=\"more\"><summary>{}</summary><table><colgroup><col style=\"width:11em\"><col style=\"width:22%\"><col></colgroup>",
                esc(&lang.and_more(case.journal.len() - SHOWN))
            );
            for j in case.journal.iter().skip(SHOWN) {
                s.push_str(&row(j));
            }
            s.push_str("</table></details>\n");
        }
    }
    s.push_str("</section>\n");
}

fn gaps(s: &mut String, case: &Case, w: &Words, lang: Lang) {
    let _ = writeln!(
        s,
        "<section id=\"gaps\"><h2>{} <span class=\"muted\">({})</span></h2>",
        esc(w.not_examined),
        case.gaps.len()
    );
    if case.gaps.is_empty() {
        let _ = writeln!(s, "<p>{}</p>", esc(w.none));
    } else {
        let row = |g: &huoyan_core::Gap| {
            format!(
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>\n",
                esc(&g.area),
                esc(g.path.as_deref().unwrap_or("")),
                esc(&truncate_chars(&g.detail, 300))
            )
        };
        let head = format!(
            "<table><colgroup><col style=\"width:16em\"><col style=\"width:25%\"><col></colgroup><tr><th>{}</th><th>{}</th><th>{}</th></tr>\n",
            esc(w.area),
            esc(w.path),
            esc(w.reason)
        );
        const SHOWN: usize = 15;
        s.push_str(&head);
        for g in case.gaps.iter().take(SHOWN) {
            s.push_str(&row(g));
        }
        s.push_str("</table>\n");
        if case.gaps.len() > SHOWN {
            let _ = writeln!(
                s,
                "<details class=\"more\"><summary>{}</summary>{}",
                esc(&lang.and_more(case.gaps.len() - SHOWN)),
                head
            );
            for g in case.gaps.iter().skip(SHOWN) {
                s.push_str(&row(g));
            }
            s.push_str("</table></details>\n");
        }
    }
    s.push_str("</section>\n");
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
            esc(&format_short(t)),
            esc(lang.pick(&step.title, &step.title_zh))
        );
    }
    // A real axis: four labelled ticks from the first to the last step.
    let axis_y = top + row_h * tactics.len() as f64;
    let _ = writeln!(
        s,
        "<line x1=\"{left}\" y1=\"{axis_y:.1}\" x2=\"{:.1}\" y2=\"{axis_y:.1}\" stroke=\"#8a94a3\"/>",
        width - 20.0
    );
    let ticks = 3;
    for k in 0..=ticks {
        let secs = first.as_second() + (last.as_second() - first.as_second()) * k / ticks;
        let Ok(t) = huoyan_core::Timestamp::from_second(secs) else {
            continue;
        };
        let x = x_of(t);
        let anchor = match k {
            0 => "start",
            k if k == ticks => "end",
            _ => "middle",
        };
        let _ = writeln!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{axis_y:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#8a94a3\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
            axis_y + 5.0,
            axis_y + 18.0,
            esc(&format_short(t))
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A clean host: every section is there, nothing to do, no empty brackets, no panic.
    #[test]
    fn renders_an_empty_case() {
        let case = Case::default();
        let story = crate::reconstruct(&case.findings, &case.events);
        for lang in [Lang::En, Lang::Zh] {
            let page = render(&case, &story, lang);
            assert!(page.contains("<section id=\"summary\""));
            assert!(page.contains(words(lang).nothing_to_do));
            assert!(page.contains(words(lang).no_hostname));
            assert!(!page.contains("()"), "{page}");
            assert!(!page.contains("<details"));
        }
    }

    /// Ids read from a case folder only ever become `[A-Za-z0-9_.-]` fragment ids.
    #[test]
    fn anchors_are_inert() {
        assert_eq!(
            anchor("f-", "web.webshell#ab\"><script>"),
            "f-web.webshell-ab---script-"
        );
    }

    #[test]
    fn pre_keeps_line_breaks_and_inline_text_marks_them() {
        assert_eq!(esc_lines("a\n<b>\tc\x1b"), "a\n&lt;b&gt;    c\\e");
        assert_eq!(esc("a\nb"), "a↵b");
    }

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(esc("<script>\x1b"), "&lt;script&gt;\\e");
        assert_eq!(esc("a\"b'c&"), "a&quot;b&#39;c&amp;");
    }
}
