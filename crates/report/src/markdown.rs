//! The report as Markdown. All host text is escaped: control characters made visible, Markdown
//! syntax characters backslash-escaped, so an attacker's file name cannot inject links or tables.

use std::fmt::Write;

use huoyan_core::text::sanitize;
use huoyan_core::Severity;

use crate::i18n::words;
use crate::story::Story;
use crate::{prevention, Case, Lang};

/// Escapes text for Markdown.
pub fn md(s: &str) -> String {
    let s = sanitize(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn time(t: Option<huoyan_core::Timestamp>, lang: Lang) -> String {
    t.map(huoyan_core::time::format_short)
        .unwrap_or_else(|| words(lang).unknown_time.to_string())
}

/// Renders the Markdown report.
pub fn render(case: &Case, story: &Story, lang: Lang) -> String {
    let w = words(lang);
    let verdict = case.verdict();
    let mut s = String::new();
    let _ = writeln!(s, "# {} — {}\n", w.title, md(&case.info.hostname));
    let _ = writeln!(s, "## {}\n", w.summary);
    let _ = writeln!(s, "- **{}:** {}", w.verdict, verdict.label(lang));
    let mut host = md(if case.info.hostname.trim().is_empty() {
        w.no_hostname
    } else {
        &case.info.hostname
    });
    if !case.info.machine_id.trim().is_empty() {
        let _ = write!(host, " ({} {})", w.machine_id, md(&case.info.machine_id));
    }
    if !case.info.root.trim().is_empty() {
        let _ = write!(host, " · {} `{}`", w.root, md(&case.info.root));
    }
    let _ = writeln!(
        s,
        "- **{}:** {} · {}",
        w.host,
        host,
        if case.info.live {
            w.live_host
        } else {
            w.disk_image
        }
    );
    let _ = writeln!(
        s,
        "- **{}:** {} · huoyan {}",
        w.generated,
        case.info
            .finished
            .map(huoyan_core::time::format_utc)
            .unwrap_or_default(),
        md(&case.info.huoyan_version)
    );
    let count = |sev: Severity| case.evidence().filter(|f| f.severity == sev).count();
    let _ = writeln!(
        s,
        "- **{}:** {} {} · {} {} · {} {} · {} {} · {} {} · {} {}",
        w.counts,
        count(Severity::Critical),
        lang.severity(Severity::Critical),
        count(Severity::High),
        lang.severity(Severity::High),
        count(Severity::Medium),
        lang.severity(Severity::Medium),
        count(Severity::Low),
        lang.severity(Severity::Low),
        count(Severity::Info),
        lang.severity(Severity::Info),
        case.hardening().count(),
        w.hardening_count
    );
    let missing = case.info.coverage.missing();
    if verdict == crate::Verdict::Inconclusive && !missing.is_empty() {
        let items: Vec<&str> = missing.iter().map(|(en, zh)| lang.pick(en, zh)).collect();
        let _ = writeln!(s, "- **{}:** {}", w.inconclusive_why, md(&items.join(", ")));
    }
    let _ = writeln!(
        s,
        "- **{}:** {} ({} {})\n",
        w.cause,
        md(lang.pick(&story.root_cause.text, &story.root_cause.text_zh)),
        w.confidence,
        story.root_cause.confidence.label(lang)
    );

    let _ = writeln!(s, "### {}\n", w.attack_flow);
    let flow = crate::summary::flow(story);
    if flow.is_empty() {
        let _ = writeln!(s, "{}\n", w.no_steps);
    }
    for (i, item) in flow.iter().enumerate() {
        let step = item.first;
        let more = if item.count > 1 {
            format!(" (+{} {})", item.count - 1, w.same_check)
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "{}. {} [{}] **{}** — {}{}",
            i + 1,
            time(step.time, lang),
            lang.severity(item.worst),
            md(lang.pick(&step.title, &step.title_zh)),
            md(&huoyan_core::text::truncate_chars(&step.summary, 160)),
            more
        );
    }
    let _ = writeln!(s, "\n### {}\n", w.do_now);
    let order = crate::rank::ranked(&case.findings);
    let todo = crate::summary::actions(case, &order, lang);
    if todo.is_empty() {
        let _ = writeln!(s, "{}", w.nothing_to_do);
    }
    for (i, r) in todo.iter().take(6).enumerate() {
        let _ = writeln!(s, "{}. {}", i + 1, md(r));
    }
    if todo.len() > 6 {
        let _ = writeln!(s, "{}", lang.and_more(todo.len() - 6));
    }
    s.push('\n');

    let _ = writeln!(s, "## {}\n", w.cause);
    let _ = writeln!(
        s,
        "{}\n\n{}: **{}** · {}: {}\n",
        md(lang.pick(&story.root_cause.text, &story.root_cause.text_zh)),
        w.confidence,
        story.root_cause.confidence.label(lang),
        w.evidence,
        md(&story.root_cause.evidence.join(", "))
    );
    if !story.open_entries.is_empty() {
        let _ = writeln!(s, "### {}\n", w.open_entries);
        for e in &story.open_entries {
            let title = lang.pick(&e.title, &e.title_zh);
            let _ = writeln!(s, "- **{}** — {}", md(title), md(&e.summary));
        }
        s.push('\n');
    }

    let _ = writeln!(s, "## {}\n", w.timeline);
    let _ = writeln!(
        s,
        "| # | {} | {} | {} | {} |",
        w.time, w.tactic, w.step, w.evidence
    );
    let _ = writeln!(s, "|---|---|---|---|---|");
    for (i, step) in story.steps.iter().enumerate() {
        let tactic = step
            .tactic
            .map(|t| crate::tactics::name(t, lang))
            .unwrap_or("—");
        let title = lang.pick(&step.title, &step.title_zh);
        let when = if step.time_source == "finding" || step.time.is_none() {
            time(step.time, lang)
        } else {
            format!("{} ({})", time(step.time, lang), md(&step.time_source))
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | **{}** — {} | {} |",
            i + 1,
            when,
            tactic,
            md(title),
            md(&huoyan_core::text::truncate_chars(&step.summary, 300)),
            md(&step.evidence.join("; "))
        );
    }
    s.push('\n');

    let _ = writeln!(s, "## {}\n", w.scope);
    let list = |v: Vec<String>| {
        if v.is_empty() {
            w.none.to_string()
        } else {
            md(&v.join(", "))
        }
    };
    let _ = writeln!(
        s,
        "- **{}:** {}",
        w.users,
        list(story.scope.users.iter().cloned().collect())
    );
    let _ = writeln!(
        s,
        "- **{}:** {}",
        w.files,
        list(story.scope.paths.iter().cloned().collect())
    );
    let _ = writeln!(
        s,
        "- **{}:** {}",
        w.processes,
        list(story.scope.pids.iter().map(|p| p.to_string()).collect())
    );
    let _ = writeln!(
        s,
        "- **{}:** {}\n",
        w.addresses,
        list(story.scope.ips.iter().cloned().collect())
    );

    let _ = writeln!(s, "## {}\n", w.findings);
    for f in case.evidence() {
        let sev = lang.pick(f.severity.as_str(), f.severity.as_zh());
        let _ = writeln!(
            s,
            "### [{}] {} (`{}`)\n",
            sev,
            md(lang.title(f)),
            md(&f.check_id)
        );
        let _ = writeln!(s, "{}\n", md(&f.summary));
        if let Some(t) = f.time {
            let _ = writeln!(s, "- {}: {}", w.time, huoyan_core::time::format_utc(t));
        }
        if !f.paths.is_empty() {
            let _ = writeln!(s, "- {}: {}", w.files, md(&f.paths.join(", ")));
        }
        if !f.users.is_empty() {
            let _ = writeln!(s, "- {}: {}", w.users, md(&f.users.join(", ")));
        }
        if !f.ips.is_empty() || !f.hosts.is_empty() {
            let all: Vec<&str> = f.ips.iter().chain(&f.hosts).map(String::as_str).collect();
            let _ = writeln!(s, "- {}: {}", w.addresses, md(&all.join(", ")));
        }
        if !f.pids.is_empty() {
            let pids: Vec<String> = f.pids.iter().map(|p| p.to_string()).collect();
            let _ = writeln!(s, "- {}: {}", w.processes, pids.join(", "));
        }
        if !f.mitre.is_empty() {
            let _ = writeln!(s, "- ATT&CK: {}", md(&f.mitre.join(", ")));
        }
        let _ = writeln!(s, "- {}: {}", w.remediation, md(lang.remediation(f)));
        let _ = writeln!(s, "- id: `{}`", md(&f.id));
        if !f.evidence.is_null() {
            let text = crate::pretty::evidence_text(&f.evidence, 2000);
            let text: Vec<String> = text
                .split('\n')
                .map(|l| sanitize(&l.replace('\t', "    ")).into_owned())
                .collect();
            let text = text.join("\n");
            let fence = "`".repeat(longest_backtick_run(&text).max(2) + 1);
            let _ = writeln!(s, "\n{fence}text\n{text}\n{fence}");
        }
        s.push('\n');
    }

    let _ = writeln!(s, "## {}\n\n{}\n", w.hardening, w.hardening_note);
    let mut any_hardening = false;
    for f in case.hardening() {
        any_hardening = true;
        let _ = writeln!(
            s,
            "- [{}] **{}** (`{}`) — {} — {}: {}",
            lang.pick(f.severity.as_str(), f.severity.as_zh()),
            md(lang.title(f)),
            md(&f.check_id),
            md(&huoyan_core::text::truncate_chars(&f.summary, 300)),
            w.remediation,
            md(lang.remediation(f))
        );
    }
    if !any_hardening {
        let _ = writeln!(s, "{}", w.none);
    }
    s.push('\n');

    if !case.suppressed.is_empty() {
        let _ = writeln!(s, "## {}\n\n{}\n", w.suppressed, w.suppressed_note);
        for x in &case.suppressed {
            let f = &x.finding;
            let _ = writeln!(
                s,
                "- [{}] `{}` — {} — *{}* ({})",
                lang.pick(f.severity.as_str(), f.severity.as_zh()),
                md(&f.check_id),
                md(&huoyan_core::text::truncate_chars(&f.summary, 300)),
                md(&x.entry.reason),
                md(&x.source)
            );
        }
        s.push('\n');
    }

    let _ = writeln!(s, "## {}\n", w.handling);
    let _ = writeln!(s, "### {}\n", w.responder_notes);
    let mut any_note = false;
    for n in case.journal.iter().filter(|j| j.action == "note") {
        any_note = true;
        let _ = writeln!(
            s,
            "- {} — {}: {}",
            huoyan_core::time::format_utc(n.time),
            md(&n.target),
            md(&n.detail)
        );
    }
    if !any_note {
        let _ = writeln!(s, "{}", w.none);
    }
    let _ = writeln!(s, "\n### {}\n", w.huoyan_actions);
    if case.journal.is_empty() {
        let _ = writeln!(s, "{}\n", w.none);
    } else {
        let _ = writeln!(s, "| {} | {} | {} |", w.time, w.action, w.target);
        let _ = writeln!(s, "|---|---|---|");
        for j in &case.journal {
            let _ = writeln!(
                s,
                "| {} | {} | {} {} |",
                huoyan_core::time::format_utc(j.time),
                md(&j.action),
                md(&j.target),
                md(&j.detail)
            );
        }
        s.push('\n');
    }

    let _ = writeln!(s, "## {}\n", w.prevention);
    for r in prevention::recommendations(&case.findings, lang) {
        let _ = writeln!(s, "- {r}");
    }
    s.push('\n');

    let _ = writeln!(s, "## {}\n", w.not_examined);
    if case.gaps.is_empty() {
        let _ = writeln!(s, "{}", w.none);
    }
    for g in &case.gaps {
        let _ = writeln!(
            s,
            "- `{}` {}: {}",
            md(&g.area),
            md(g.path.as_deref().unwrap_or("")),
            md(&g.detail)
        );
    }
    s
}

fn longest_backtick_run(s: &str) -> usize {
    let mut best = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}
