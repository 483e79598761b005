//! A case folder: what `huoyan triage` leaves behind and `huoyan report` reads.
//!
//! ```text
//! case.json              host identity, command, start/end, verdict
//! findings.jsonl         findings and gaps ("record": "finding" | "gap")
//! timeline/events.jsonl  the super timeline (huoyan's own event form)
//! timeline/timesketch.jsonl, timeline/timesketch.csv, timeline/ecs.jsonl   exports
//! journal.jsonl          the action journal
//! snapshot/              the live scene (live hosts only)
//! evidence/              the hashed evidence bundle
//! report.en.md, report.en.html, report.zh.md, report.zh.html
//! ```

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use huoyan_core::journal::JournalEntry;
use huoyan_core::{Finding, Gap, Timestamp};
use huoyan_timeline::Event;
use serde::{Deserialize, Serialize};

/// Facts about the run and the host, stored as `case.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CaseInfo {
    /// Host name (from the root's /etc/hostname or the live kernel).
    pub hostname: String,
    /// /etc/machine-id.
    pub machine_id: String,
    /// Kernel release (live only).
    pub kernel: String,
    /// The root examined.
    pub root: String,
    /// True when the running host was examined (not an image).
    pub live: bool,
    /// huoyan version.
    pub huoyan_version: String,
    /// The full command line.
    pub command: Vec<String>,
    /// Who ran it (uid).
    pub uid: u32,
    /// Start of the run.
    pub started: Option<Timestamp>,
    /// End of the run.
    pub finished: Option<Timestamp>,
    /// Window of interest.
    pub window: huoyan_core::Window,
    /// Whether the artifacts the verdict rests on could be read.
    #[serde(default)]
    pub coverage: crate::verdict::Coverage,
}

/// Everything a report is made from.
#[derive(Debug, Clone, Default)]
pub struct Case {
    /// The folder.
    pub dir: PathBuf,
    /// Facts about the run.
    pub info: CaseInfo,
    /// Findings.
    pub findings: Vec<Finding>,
    /// Gaps.
    pub gaps: Vec<Gap>,
    /// Timeline events.
    pub events: Vec<Event>,
    /// Action journal.
    pub journal: Vec<JournalEntry>,
    /// Findings the responder accepted (`--ignore FILE`), with their reasons: out of the
    /// verdict, listed in the report.
    pub suppressed: Vec<crate::suppress::Suppressed>,
}

impl Case {
    /// The verdict of this case (evidence findings, given what could be examined).
    pub fn verdict(&self) -> crate::Verdict {
        crate::Verdict::of(&self.findings, &self.info.coverage)
    }

    /// The findings that are evidence of an attacker's action.
    pub fn evidence(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.is_evidence())
    }

    /// The hardening findings (posture), which never raise the verdict.
    pub fn hardening(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| !f.is_evidence())
    }
}

/// Why a case folder could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A file was not valid JSON.
    #[error("{path} line {line}: {source}")]
    Json {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// The error.
        #[source]
        source: serde_json::Error,
    },
}

#[derive(Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
enum Record {
    Finding(Box<Finding>),
    Gap(Gap),
}

/// Most bytes read from `case.json`.
const MAX_CASE_JSON: u64 = 16 << 20;
/// Longest JSON line kept from a case file; longer ones are skipped with a gap.
pub const MAX_JSONL_LINE: usize = 16 << 20;

impl Case {
    /// Reads a case folder. Missing optional files (timeline, journal) are treated as empty. A
    /// line that is not valid JSON (or too long) is skipped and recorded as a gap; a FIFO or a
    /// device in place of a file is an error, never a blocked read.
    pub fn load(dir: &Path) -> Result<Self, CaseError> {
        let info_path = dir.join("case.json");
        let io_err = |source| CaseError::Io {
            path: info_path.display().to_string(),
            source,
        };
        let info: CaseInfo = match huoyan_core::outfile::open_regular(&info_path) {
            Ok(file) => {
                let mut data = Vec::new();
                file.take(MAX_CASE_JSON)
                    .read_to_end(&mut data)
                    .map_err(io_err)?;
                serde_json::from_slice(&data).map_err(|source| CaseError::Json {
                    path: info_path.display().to_string(),
                    line: 1,
                    source,
                })?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => CaseInfo::default(),
            Err(source) => return Err(io_err(source)),
        };
        let mut case = Case {
            dir: dir.to_path_buf(),
            info,
            ..Case::default()
        };
        let mut gaps = Vec::new();
        for record in read_jsonl::<Record>(&dir.join("findings.jsonl"), true, &mut gaps)? {
            match record {
                Record::Finding(f) => case.findings.push(*f),
                Record::Gap(g) => case.gaps.push(g),
            }
        }
        case.events = read_jsonl(&dir.join("timeline/events.jsonl"), false, &mut gaps)?;
        case.journal = read_jsonl(&dir.join("journal.jsonl"), false, &mut gaps)?;
        case.suppressed = read_jsonl(&dir.join("suppressed.jsonl"), false, &mut gaps)?;
        case.gaps.extend(gaps);
        Ok(case)
    }
}

#[allow(clippy::disallowed_methods)] // a case folder huoyan wrote, not evidence
fn read_jsonl<T: for<'de> Deserialize<'de>>(
    path: &Path,
    required: bool,
    gaps: &mut Vec<Gap>,
) -> Result<Vec<T>, CaseError> {
    let shown = path.display().to_string();
    let file = match huoyan_core::outfile::open_regular(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return Ok(Vec::new()),
        Err(source) => {
            return Err(CaseError::Io {
                path: shown,
                source,
            })
        }
    };
    let io_err = |source| CaseError::Io {
        path: shown.clone(),
        source,
    };
    let mut reader = std::io::BufReader::new(file);
    let mut out = Vec::new();
    let mut buf = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    let mut skipped_count = 0usize;
    let mut line_no = 0usize;
    loop {
        line_no += 1;
        buf.clear();
        let n = (&mut reader)
            .take(MAX_JSONL_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(io_err)?;
        if n == 0 {
            break;
        }
        if buf.len() > MAX_JSONL_LINE && !buf.ends_with(b"\n") {
            // Over the cap: skip to the end of the line, in bounded steps.
            loop {
                buf.clear();
                let m = (&mut reader)
                    .take(1 << 20)
                    .read_until(b'\n', &mut buf)
                    .map_err(io_err)?;
                if m == 0 || buf.ends_with(b"\n") {
                    break;
                }
            }
            skipped_count += 1;
            if skipped.len() < 5 {
                skipped.push(format!(
                    "line {line_no}: longer than {MAX_JSONL_LINE} bytes"
                ));
            }
            continue;
        }
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice(&buf) {
            Ok(v) => out.push(v),
            Err(e) => {
                skipped_count += 1;
                if skipped.len() < 5 {
                    skipped.push(format!("line {line_no}: {e}"));
                }
            }
        }
    }
    if skipped_count > 0 {
        gaps.push(Gap {
            area: "report.case".into(),
            path: Some(shown),
            reason: huoyan_core::GapReason::Malformed,
            detail: format!(
                "{skipped_count} line(s) skipped (not a valid record): {}",
                huoyan_core::text::sanitize(&skipped.join("; "))
            ),
        });
    }
    Ok(out)
}
