//! Printing findings and gaps: JSON Lines for machines, a coloured table for people.
//!
//! Every string that came from the host is attacker-controlled; the table passes each one through
//! [`huoyan_core::text::sanitize`]. JSON output is escaped by the serialiser and stays valid
//! whatever the bytes. Colour is used only on a terminal and never when `NO_COLOR` is set.

use std::io::{IsTerminal, Write};

use anyhow::Result;
use huoyan_core::text::{sanitize, truncate_chars};
use huoyan_core::{Finding, Gap, Outcome, Severity};
use serde::Serialize;

#[derive(Serialize)]
struct Line<'a, T: Serialize> {
    record: &'static str,
    #[serde(flatten)]
    inner: &'a T,
}

/// Writes one JSON object per line: findings (`"record":"finding"`), then gaps (`"record":"gap"`).
pub fn write_jsonl(out: &mut dyn Write, outcome: &Outcome) -> Result<()> {
    for f in &outcome.findings {
        serde_json::to_writer(
            &mut *out,
            &Line {
                record: "finding",
                inner: f,
            },
        )?;
        out.write_all(b"\n")?;
    }
    for g in &outcome.gaps {
        serde_json::to_writer(
            &mut *out,
            &Line {
                record: "gap",
                inner: g,
            },
        )?;
        out.write_all(b"\n")?;
    }
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

/// Prints an outcome to stdout as JSON Lines or as a table with a summary line.
pub fn print_outcome(outcome: &Outcome, json: bool) -> Result<()> {
    let stdout = std::io::stdout();
    // Block-buffered: stdout's own line buffering would search every write for a newline and
    // make one system call per finding.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    if json {
        write_jsonl(&mut out, outcome)?;
        out.flush()?;
        return Ok(());
    }
    let colour = use_colour();
    for f in &outcome.findings {
        out.write_all(render_finding(f, colour).as_bytes())?;
        out.write_all(b"\n")?;
    }
    if !outcome.gaps.is_empty() {
        writeln!(out, "Not examined ({}):", outcome.gaps.len())?;
        for g in &outcome.gaps {
            out.write_all(render_gap(g).as_bytes())?;
        }
    }
    let count = |s: Severity| outcome.findings.iter().filter(|f| f.severity == s).count();
    writeln!(
        out,
        "{} findings: {} critical, {} high, {} medium, {} low, {} info; {} not examined",
        outcome.findings.len(),
        count(Severity::Critical),
        count(Severity::High),
        count(Severity::Medium),
        count(Severity::Low),
        count(Severity::Info),
        outcome.gaps.len()
    )?;
    out.flush()?;
    Ok(())
}
