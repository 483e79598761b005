//! The one JSON Lines shape of findings and gaps, wherever huoyan writes them: `--json` on the
//! terminal, the case folder's `findings.jsonl` and the evidence bundle's `scan/findings.jsonl`.
//! Each line is one object with `"record": "finding"` or `"record": "gap"` and the fields of
//! [`Finding`] or [`Gap`]; a reader tells them apart by `record` alone.

use std::io::{self, Write};

use serde::Serialize;

use crate::{Finding, Gap};

#[derive(Serialize)]
struct Line<'a, T: Serialize> {
    record: &'static str,
    #[serde(flatten)]
    inner: &'a T,
}

fn line<T: Serialize>(out: &mut dyn Write, record: &'static str, inner: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &Line { record, inner }).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

/// Writes the findings, then the gaps, one JSON object per line.
pub fn write_records<'a>(
    out: &mut dyn Write,
    findings: impl IntoIterator<Item = &'a Finding>,
    gaps: impl IntoIterator<Item = &'a Gap>,
) -> io::Result<()> {
    for f in findings {
        line(out, "finding", f)?;
    }
    for g in gaps {
        line(out, "gap", g)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CheckInfo, GapReason, Severity};

    #[test]
    fn every_line_says_what_it_is() {
        const INFO: CheckInfo = CheckInfo {
            id: "test.example",
            title: "t",
            title_zh: "t",
            mitre: &["T1059"],
            remediation: "r",
            remediation_zh: "r",
        };
        let f = INFO
            .finding(Severity::High, "line\nbreak \u{1b}[31m")
            .with_id();
        let g = Gap::new("test.example", GapReason::Absent, "no file");
        let mut buf = Vec::new();
        write_records(&mut buf, [&f], [&g]).expect("write");
        let text = String::from_utf8(buf).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "one object per line, newlines escaped");
        let a: serde_json::Value = serde_json::from_str(lines[0]).expect("json");
        let b: serde_json::Value = serde_json::from_str(lines[1]).expect("json");
        assert_eq!(a["record"], "finding");
        assert_eq!(a["check_id"], "test.example");
        assert_eq!(b["record"], "gap");
        assert_eq!(b["reason"], "absent");
    }
}
