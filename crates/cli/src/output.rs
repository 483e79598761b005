//! Printing findings and gaps: JSON Lines for machines, a coloured table for people.
//!
//! Every string that came from the host is attacker-controlled; the table passes each one through
//! [`huoyan_core::text::sanitize`]. JSON output is escaped by the serialiser and stays valid
//! whatever the bytes. Colour is used only on a terminal and never when `NO_COLOR` is set.

use std::io::{IsTerminal, Write};

use anyhow::Result;
use huoyan_core::text::{sanitize, truncate_chars};
use huoyan_core::{Finding, Gap, Outcome, Severity};

use huoyan_report::suppress::Suppressed;

use crate::common::Format;

/// Writes one JSON object per line: findings (`"record":"finding"`), then gaps (`"record":"gap"`).
pub fn write_jsonl(out: &mut dyn Write, outcome: &Outcome) -> Result<()> {
    huoyan_core::jsonl::write_records(out, &outcome.findings, &outcome.gaps)?;
    Ok(())
}

/// True when colour may be used on stdout.
pub fn use_colour() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

fn paint(colour: bool, code: &str, text: &str) -> String {
    if colour {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn severity_code(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "1;97;41",
        Severity::High => "1;31",
        Severity::Medium => "33",
        Severity::Low => "36",
        Severity::Info => "2",
    }
}

/// Renders one finding as table rows (used by scan, logs, web …).
pub fn render_finding(f: &Finding, colour: bool) -> String {
    let mut s = String::new();
    let sev = format!("{:<8}", f.severity.as_str().to_uppercase());
    s.push_str(&format!(
        "{} {}  {}\n",
        paint(colour, severity_code(f.severity), &sev),
        paint(colour, "1", &sanitize(&f.check_id)),
        sanitize(&f.title)
    ));
    s.push_str(&format!(
        "         {}\n",
        truncate_chars(&sanitize(&f.summary), 400)
    ));
    let mut where_ = Vec::new();
    if let Some(t) = f.time {
        where_.push(format!("time {}", huoyan_core::time::format_utc(t)));
    }
    if !f.paths.is_empty() {
        where_.push(format!("paths {}", sanitize(&f.paths.join(", "))));
    }
    if !f.pids.is_empty() {
        let pids: Vec<String> = f.pids.iter().map(|p| p.to_string()).collect();
        where_.push(format!("pids {}", pids.join(", ")));
    }
    if !f.users.is_empty() {
        where_.push(format!("users {}", sanitize(&f.users.join(", "))));
    }
    if !f.ips.is_empty() {
        where_.push(format!("ips {}", sanitize(&f.ips.join(", "))));
    }
    if !f.hosts.is_empty() {
        where_.push(format!("hosts {}", sanitize(&f.hosts.join(", "))));
    }
    if !where_.is_empty() {
        s.push_str(&format!(
            "         {}\n",
            paint(colour, "2", &truncate_chars(&where_.join(" · "), 400))
        ));
    }
    if !f.mitre.is_empty() {
        s.push_str(&format!(
            "         {} {}\n",
            paint(colour, "2", "ATT&CK"),
            f.mitre.join(", ")
        ));
    }
    s.push_str(&format!(
        "         {} {}\n",
        paint(colour, "32", "fix:"),
        sanitize(&f.remediation)
    ));
    s
}

/// Renders one gap as a line.
pub fn render_gap(g: &Gap) -> String {
    format!(
        "  - {} {}{}: {}\n",
        sanitize(&g.area),
        serde_json::to_value(g.reason)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default(),
        g.path
            .as_deref()
            .map(|p| format!(" {}", sanitize(p)))
            .unwrap_or_default(),
        sanitize(&g.detail)
    )
}

/// How many low or info findings of one check the table shows before folding the rest into a
/// count (background noise must not bury the findings that matter).
const FOLD_AFTER: usize = 5;

/// Writes only the findings at or above `min` (and every gap) as JSON Lines.
pub fn write_jsonl_filtered(
    out: &mut dyn Write,
    outcome: &Outcome,
    min: Option<Severity>,
) -> Result<()> {
    match min {
        None => write_jsonl(out, outcome),
        Some(min) => {
            let kept = Outcome {
                findings: outcome
                    .findings
                    .iter()
                    .filter(|f| f.severity >= min)
                    .cloned()
                    .collect(),
                gaps: outcome.gaps.clone(),
            };
            write_jsonl(out, &kept)
        }
    }
}

/// The counts line: evidence by severity, then hardening.
pub fn counts_line(findings: &[Finding]) -> String {
    let count = |s: Severity| {
        findings
            .iter()
            .filter(|f| f.is_evidence() && f.severity == s)
            .count()
    };
    format!(
        "evidence: {} critical, {} high, {} medium, {} low, {} info; hardening: {} (does not affect the verdict)",
        count(Severity::Critical),
        count(Severity::High),
        count(Severity::Medium),
        count(Severity::Low),
        count(Severity::Info),
        findings.iter().filter(|f| !f.is_evidence()).count()
    )
}

/// The most frequent entities (addresses, users, paths) of a group of findings.
fn top_entities(group: &[&Finding]) -> String {
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for f in group {
        for e in f.ips.iter().chain(&f.hosts).chain(&f.users).chain(&f.paths) {
            *counts.entry(e.as_str()).or_default() += 1;
        }
    }
    let mut v: Vec<(&str, usize)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v.iter()
        .take(5)
        .map(|(e, n)| format!("{} ({n})", sanitize(e)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes the findings as a table: evidence ranked by how much of the attack each carries (low
/// and info findings of one check folded after a few), then hardening in its own section.
pub fn write_table(
    out: &mut dyn Write,
    findings: &[Finding],
    min: Option<Severity>,
    colour: bool,
) -> Result<()> {
    let order = huoyan_report::rank::ranked(findings);
    let shown = |f: &Finding| min.is_none_or(|m| f.severity >= m);
    let mut per_check: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut folded: std::collections::BTreeMap<&str, Vec<&Finding>> = Default::default();
    for &i in &order {
        let f = &findings[i];
        if !f.is_evidence() || !shown(f) {
            continue;
        }
        if f.severity <= Severity::Low {
            let n = per_check.entry(f.check_id.as_str()).or_default();
            *n += 1;
            if *n > FOLD_AFTER {
                folded.entry(f.check_id.as_str()).or_default().push(f);
                continue;
            }
        }
        out.write_all(render_finding(f, colour).as_bytes())?;
        out.write_all(b"\n")?;
    }
    for (check, group) in &folded {
        writeln!(
            out,
            "… {} more low/info finding(s) of {}; most named: {}\n",
            group.len(),
            sanitize(check),
            top_entities(group)
        )?;
    }
    let hardening: Vec<&Finding> = order
        .iter()
        .map(|&i| &findings[i])
        .filter(|f| !f.is_evidence() && shown(f))
        .collect();
    if !hardening.is_empty() {
        writeln!(
            out,
            "{} ({}): weak settings, not evidence of an attack; they do not affect the verdict",
            paint(colour, "1", "Hardening"),
            hardening.len()
        )?;
        for f in hardening {
            writeln!(
                out,
                "  - {:<8} {}  {}",
                f.severity.as_str(),
                sanitize(&f.check_id),
                truncate_chars(&sanitize(&f.summary), 200)
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// Prints an outcome to stdout as JSON Lines or as a ranked table with a summary line.
pub fn print_outcome(outcome: &Outcome, format: Format, min: Option<Severity>) -> Result<()> {
    let stdout = std::io::stdout();
    // Block-buffered: stdout's own line buffering would search every write for a newline and
    // make one system call per finding.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let shown: Vec<Finding> = outcome
        .findings
        .iter()
        .filter(|f| min.is_none_or(|m| f.severity >= m))
        .cloned()
        .collect();
    match format {
        Format::Table => {}
        Format::Jsonl => {
            write_jsonl_filtered(&mut out, outcome, min)?;
            out.flush()?;
            return Ok(());
        }
        Format::Csv => {
            huoyan_report::export::write_csv(&mut out, &shown)?;
            out.flush()?;
            return Ok(());
        }
        Format::Sarif => {
            huoyan_report::export::write_sarif(&mut out, &shown, env!("CARGO_PKG_VERSION"))?;
            out.flush()?;
            return Ok(());
        }
    }
    let colour = use_colour();
    write_table(&mut out, &outcome.findings, min, colour)?;
    if !outcome.gaps.is_empty() {
        writeln!(out, "Not examined ({}):", outcome.gaps.len())?;
        for g in &outcome.gaps {
            out.write_all(render_gap(g).as_bytes())?;
        }
    }
    writeln!(
        out,
        "{} findings ({}); {} not examined",
        outcome.findings.len(),
        counts_line(&outcome.findings),
        outcome.gaps.len()
    )?;
    out.flush()?;
    Ok(())
}

/// Lists the findings `--ignore` took out: one JSON line each (`"record": "suppressed"`) or a
/// short section after the table. CSV and SARIF carry only the findings that count.
pub fn print_suppressed(suppressed: &[Suppressed], format: Format) -> Result<()> {
    if suppressed.is_empty() {
        return Ok(());
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match format {
        Format::Jsonl => {
            for s in suppressed {
                let line = serde_json::json!({
                    "record": "suppressed",
                    "finding": s.finding,
                    "entry": s.entry,
                    "source": s.source,
                });
                huoyan_core::jsonl::to_writer(&mut out, &line)?;
                writeln!(out)?;
            }
        }
        Format::Table => {
            writeln!(out, "Suppressed by --ignore ({}):", suppressed.len())?;
            for s in suppressed {
                writeln!(
                    out,
                    "  - {} {} {} — {}",
                    s.finding.severity.as_str(),
                    sanitize(&s.finding.check_id),
                    truncate_chars(&sanitize(&s.finding.summary), 200),
                    sanitize(&s.entry.reason)
                )?;
            }
        }
        Format::Csv | Format::Sarif => {}
    }
    out.flush()?;
    Ok(())
}
