//! Checks of a rendered HTML report that any test can run: its structure (read from the text,
//! no parser needed) and, when Chromium is installed, its layout measured in a headless
//! browser at 1,280 × 800 px. Shared with the cli's test of the real fixture case through
//! `#[path]`, so both test the same things.
//!
//! The report has no scripts (and a CSP that forbids them); to measure it, a copy is made with
//! the CSP removed and one script added that writes the page's sizes into an attribute, which
//! `--dump-dom` then shows. The report the user gets is never changed.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Width and height of one screen.
pub const SCREEN: (u32, u32) = (1280, 800);

/// The text of the `<section id="...">`, or "" when there is none.
pub fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let open = format!("<section id=\"{id}\"");
    let Some(start) = html.find(&open) else {
        return "";
    };
    let rest = &html[start..];
    let end = rest.find("</section>").unwrap_or(rest.len());
    &rest[..end]
}

/// Every `<tag ...>` start tag's text (attributes included).
fn start_tags<'a>(html: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}");
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = html[at..].find(&open) {
        let s = at + i;
        let after = html[s + open.len()..].chars().next();
        let end = html[s..].find('>').map(|e| s + e + 1).unwrap_or(html.len());
        if matches!(after, Some(' ' | '>')) {
            out.push(&html[s..end]);
        }
        at = end.max(s + 1);
    }
    out
}

/// The contents of every `<pre>`.
fn pres(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = html[at..].find("<pre>") {
        let s = at + i + 5;
        let e = html[s..]
            .find("</pre>")
            .map(|e| s + e)
            .unwrap_or(html.len());
        out.push(&html[s..e]);
        at = e;
    }
    out
}

/// What is wrong with the report's structure; empty when nothing is. `critical_ids` are the
/// (HTML-escaped) ids of the critical evidence findings.
pub fn structure_problems(html: &str, critical_ids: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    let summary = html.find("<section id=\"summary\"");
    let first_finding = html.find("<details class=\"finding\"");
    match (summary, first_finding) {
        (None, _) => problems.push("no summary section".to_string()),
        (Some(s), Some(f)) if s > f => problems.push("the summary comes after a finding".into()),
        _ => {}
    }
    let top = section(html, "summary");
    if !top.contains("class=\"cause\"") {
        problems.push("the summary has no cause".into());
    }
    if top.matches("<h3>").count() < 2 {
        problems.push("the summary has no attack flow or no actions".into());
    }
    let Some(toc_start) = html.find("<nav class=\"toc\"") else {
        problems.push("no table of contents".into());
        return problems;
    };
    let toc = &html[toc_start
        ..html[toc_start..]
            .find("</nav>")
            .map_or(html.len(), |e| toc_start + e)];
    for tag in start_tags(html, "section") {
        if let Some(id) = tag
            .split("id=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
        {
            if !toc.contains(&format!("href=\"#{id}\"")) {
                problems.push(format!("section {id} is not in the table of contents"));
            }
        }
    }
    for (i, pre) in pres(html).iter().enumerate() {
        if pre.contains("\\n") {
            problems.push(format!("<pre> number {} holds a literal \\n", i + 1));
        }
    }
    let timeline = section(html, "timeline");
    if timeline.is_empty() {
        problems.push("no timeline section".into());
    }
    for id in critical_ids {
        if !timeline.contains(id.as_str()) {
            problems.push(format!("critical finding {id} is not in the timeline"));
        }
    }
    let details = start_tags(html, "details");
    if details.is_empty() {
        problems.push("no <details> at all".into());
    }
    for d in details {
        if d.contains(" open") {
            problems.push(format!("a <details> is open by default: {d}"));
        }
    }
    for banned in [
        "<script", "<iframe", "<img", "<link", "<object", "<embed", "url(", "@import",
    ] {
        if html.to_ascii_lowercase().contains(banned) {
            problems.push(format!("the page holds {banned}"));
        }
    }
    for external in ["src=\"http", "href=\"http", "href=\"//", "src=\"//"] {
        if html.contains(external) {
            problems.push(format!("the page refers outside itself ({external})"));
        }
    }
    if let Some(h1) = html
        .split("<h1>")
        .nth(1)
        .and_then(|r| r.split("</p>").next())
    {
        if h1.contains("()") || h1.contains("( )") {
            problems.push("empty brackets in the header".into());
        }
    }
    if !html.contains("@media print") || !html.contains("details::details-content") {
        problems.push("no print CSS that opens the details".into());
    }
    if !html.contains("overflow-wrap:anywhere") {
        problems.push("long strings do not wrap".into());
    }
    problems
}

/// Chromium's command name, when it is installed.
pub fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Runs Chromium headless with `args`; its stdout, or None after 40 s or on failure.
fn run_chromium(browser: &Path, profile: &Path, args: &[String]) -> Option<String> {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-extensions",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--window-size={},{}", SCREEN.0, SCREEN.1))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
    reader.join().ok()
}

/// The page as Chromium lays it out at 1,280 px.
#[derive(Debug, Clone, Copy)]
pub struct Measure {
    /// Width of the laid-out document.
    pub scroll_width: i64,
    /// Width of the window's content area.
    pub client_width: i64,
    /// Height of the document, everything collapsed as it opens.
    pub scroll_height: i64,
    /// Top of the summary section.
    pub summary_top: i64,
    /// Top of the first finding.
    pub first_finding_top: i64,
    /// Bottom of the summary section.
    pub summary_bottom: i64,
}

const MEASURE: &str = "<script>(function(){var d=document.documentElement;\
var s=document.getElementById('summary');var f=document.querySelector('details.finding');\
document.body.setAttribute('data-measure',[d.scrollWidth,d.clientWidth,d.scrollHeight,\
s?Math.round(s.getBoundingClientRect().top):-1,f?Math.round(f.getBoundingClientRect().top):-1,\
s?Math.round(s.getBoundingClientRect().bottom):-1].join(','));})()</script>";

/// Renders the report in headless Chromium (when installed): measures it, saves a screenshot of
/// its first screen and a PDF print into `artifacts` as `<name>.png` and `<name>.pdf`, and
/// returns the measure and the number of printed pages (0 unless `print`). None when Chromium
/// is not installed.
pub fn measure(html: &str, artifacts: &Path, name: &str, print: bool) -> Option<(Measure, usize)> {
    let browser = chromium()?;
    std::fs::create_dir_all(artifacts).ok()?;
    let report = artifacts.join(format!("{name}.html"));
    std::fs::write(&report, html).ok()?;
    let probe = html
        .replace(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">",
            "",
        )
        .replace("</body>", &format!("{MEASURE}</body>"));
    let probe_path = artifacts.join(format!("{name}.measure.html"));
    std::fs::write(&probe_path, probe).ok()?;
    let profile = tempfile::tempdir().ok()?;
    let url = |p: &Path| format!("file://{}", p.display());
    let dom = run_chromium(
        &browser,
        profile.path(),
        &["--dump-dom".into(), url(&probe_path)],
    )
    .expect("chromium --dump-dom ran");
    let numbers: Vec<i64> = dom
        .split("data-measure=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the measuring script wrote its attribute")
        .split(',')
        .map(|n| n.parse().expect("a number"))
        .collect();
    let m = Measure {
        scroll_width: numbers[0],
        client_width: numbers[1],
        scroll_height: numbers[2],
        summary_top: numbers[3],
        first_finding_top: numbers[4],
        summary_bottom: numbers[5],
    };
    let png = artifacts.join(format!("{name}.png"));
    run_chromium(
        &browser,
        profile.path(),
        &[format!("--screenshot={}", png.display()), url(&report)],
    );
    if !print {
        return Some((m, 0));
    }
    let pdf = artifacts.join(format!("{name}.pdf"));
    run_chromium(
        &browser,
        profile.path(),
        &[format!("--print-to-pdf={}", pdf.display()), url(&report)],
    );
    let pages = std::fs::read(&pdf).map(|d| pdf_pages(&d)).unwrap_or(0);
    Some((m, pages))
}

/// Pages of a PDF: its `/Type /Page` objects (Chromium writes them uncompressed).
fn pdf_pages(data: &[u8]) -> usize {
    let needle = b"/Type /Page";
    data.windows(needle.len() + 1)
        .filter(|w| w.starts_with(needle) && w[needle.len()] != b's')
        .count()
}

/// What is wrong with the layout at 1,280 px.
pub fn layout_problems(m: &Measure) -> Vec<String> {
    let mut problems = Vec::new();
    if m.scroll_width > m.client_width {
        problems.push(format!(
            "horizontal scroll at {} px: the page is {} px wide in a {} px window",
            SCREEN.0, m.scroll_width, m.client_width
        ));
    }
    let screens = m.scroll_height as f64 / f64::from(SCREEN.1);
    if screens >= 25.0 {
        problems.push(format!(
            "the page is {} px tall ({screens:.1} screens) with everything collapsed",
            m.scroll_height
        ));
    }
    if m.summary_top < 0 || m.summary_top >= i64::from(SCREEN.1) / 2 {
        problems.push(format!(
            "the summary starts at {} px, not in the first half screen",
            m.summary_top
        ));
    }
    // The summary is the first screen: it may run a little past it (fonts differ between
    // machines), never a whole screen further.
    if m.summary_bottom > i64::from(SCREEN.1) * 5 / 4 {
        problems.push(format!(
            "the summary ends at {} px, well below the first screen",
            m.summary_bottom
        ));
    }
    if m.first_finding_top >= 0 && m.first_finding_top < m.summary_top {
        problems.push("a finding is above the summary".into());
    }
    problems
}
