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

use std::io::BufRead;
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

impl Case {
    /// Reads a case folder. Missing optional files (timeline, journal) are treated as empty.
    #[allow(clippy::disallowed_methods)] // a case folder huoyan wrote, not evidence
    pub fn load(dir: &Path) -> Result<Self, CaseError> {
        let info_path = dir.join("case.json");
        let info: CaseInfo = match std::fs::read(&info_path) {
            Ok(data) => serde_json::from_slice(&data).map_err(|source| CaseError::Json {
                path: info_path.display().to_string(),
                line: 1,
                source,
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => CaseInfo::default(),
            Err(source) => {
                return Err(CaseError::Io {
                    path: info_path.display().to_string(),
                    source,
                })
            }
        };
        let mut case = Case {
            dir: dir.to_path_buf(),
            info,
            ..Case::default()
        };
        for record in read_jsonl::<Record>(&dir.join("findings.jsonl"), true)? {
            match record {
                Record::Finding(f) => case.findings.push(*f),
                Record::Gap(g) => case.gaps.push(g),
            }
        }
        case.events = read_jsonl(&dir.join("timeline/events.jsonl"), false)?;
        case.journal = read_jsonl(&dir.join("journal.jsonl"), false)?;
        case.suppressed = read_jsonl(&dir.join("suppressed.jsonl"), false)?;
        Ok(case)
    }
}

#[allow(clippy::disallowed_methods)] // a case folder huoyan wrote, not evidence
fn read_jsonl<T: for<'de> Deserialize<'de>>(
    path: &Path,
    required: bool,
) -> Result<Vec<T>, CaseError> {
    let shown = path.display().to_string();
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return Ok(Vec::new()),
        Err(source) => {
            return Err(CaseError::Io {
                path: shown,
                source,
            })
        }
    };
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|source| CaseError::Io {
            path: shown.clone(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(
            serde_json::from_str(&line).map_err(|source| CaseError::Json {
                path: shown.clone(),
                line: i + 1,
                source,
            })?,
        );
    }
    Ok(out)
}
