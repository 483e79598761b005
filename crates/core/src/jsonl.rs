//! The one JSON Lines shape of findings and gaps, wherever huoyan writes them: `--json` on the
//! terminal, the case folder's `findings.jsonl` and the evidence bundle's `scan/findings.jsonl`.
//! Each line is one object with `"record": "finding"` or `"record": "gap"` and the fields of
//! [`Finding`] or [`Gap`]; a reader tells them apart by `record` alone.
//!
//! It is also the one JSON encoder of every file huoyan writes ([`to_writer`], [`to_vec`],
//! [`to_vec_pretty`], [`to_string`]): serde_json escapes only U+0000–U+001F, so attacker text
//! would carry DEL, the C1 controls (U+0080–U+009F, CSI among them) and the bidi overrides raw
//! into a file a responder later `cat`s. Here every character [`crate::text::is_dangerous`]
//! names is written as a `\uXXXX` escape (valid JSON: a reader gets the same string back).

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};

use crate::{Finding, Gap};

#[derive(Serialize)]
struct Line<'a, T: Serialize> {
    record: &'static str,
    #[serde(flatten)]
    inner: &'a T,
}

fn line<T: Serialize>(out: &mut dyn Write, record: &'static str, inner: &T) -> io::Result<()> {
    to_writer(&mut *out, &Line { record, inner })?;
    out.write_all(b"\n")
}

/// A serde_json formatter that also escapes every dangerous character (see the module doc).
#[derive(Debug, Clone, Default)]
pub struct SafeFormatter<F>(F);

fn write_safe_fragment<W: ?Sized + Write>(writer: &mut W, fragment: &str) -> io::Result<()> {
    let mut start = 0;
    for (i, c) in fragment.char_indices() {
        if crate::text::is_dangerous(c) {
            writer.write_all(&fragment.as_bytes()[start..i])?;
            // Every dangerous character lies in the Basic Multilingual Plane: one escape.
            write!(writer, "\\u{:04x}", c as u32)?;
            start = i + c.len_utf8();
        }
    }
    writer.write_all(&fragment.as_bytes()[start..])
}

macro_rules! delegate {
    ($($name:ident),*) => {
        $(
            #[inline]
            fn $name<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
                self.0.$name(writer)
            }
        )*
    };
}

impl<F: Formatter> Formatter for SafeFormatter<F> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        write_safe_fragment(writer, fragment)
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    delegate!(
        begin_array,
        end_array,
        end_array_value,
        begin_object,
        end_object,
        end_object_key,
        begin_object_value,
        end_object_value
    );
}

/// Serialises `value` as compact JSON into `out`, dangerous characters escaped.
pub fn to_writer<W: ?Sized + Write, T: ?Sized + Serialize>(
    out: &mut W,
    value: &T,
) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, SafeFormatter(CompactFormatter));
    value.serialize(&mut ser).map_err(io::Error::other)
}

/// Serialises `value` as compact JSON, dangerous characters escaped.
pub fn to_vec<T: ?Sized + Serialize>(value: &T) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    to_writer(&mut out, value)?;
    Ok(out)
}

/// Serialises `value` as indented JSON, dangerous characters escaped.
pub fn to_vec_pretty<T: ?Sized + Serialize>(value: &T) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut ser =
        serde_json::Serializer::with_formatter(&mut out, SafeFormatter(PrettyFormatter::new()));
    value.serialize(&mut ser).map_err(io::Error::other)?;
    Ok(out)
}

/// Serialises `value` as a compact JSON string, dangerous characters escaped.
pub fn to_string<T: ?Sized + Serialize>(value: &T) -> io::Result<String> {
    let v = to_vec(value)?;
    String::from_utf8(v).map_err(io::Error::other)
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

    #[test]
    fn c1_and_bidi_controls_are_escaped() {
        let nasty = "a\u{7f}b\u{85}c\u{9b}31md\u{202e}e\u{2066}f\u{1b}g\u{2028}h 中";
        let text = to_string(&serde_json::json!({ "k": nasty, "l": [nasty] })).expect("json");
        assert!(
            !text.chars().any(crate::text::is_dangerous),
            "raw control in {text:?}"
        );
        assert!(text.contains("\\u0085") && text.contains("\\u202e") && text.contains('中'));
        let back: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(back["k"], nasty);
        let pretty = String::from_utf8(to_vec_pretty(&back).expect("pretty")).expect("utf8");
        assert!(!pretty
            .chars()
            .any(|c| c != '\n' && crate::text::is_dangerous(c)));
        assert!(pretty.contains("\n  "));
    }
}
