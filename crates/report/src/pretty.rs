//! A finding's evidence for people: the JSON value written once, as indented `key: value`
//! lines, with the host's strings shown as they are (a multi-line string becomes indented
//! lines, never a literal `\n`). The output is plain text: the caller escapes it for HTML or
//! fences it for Markdown.

use serde_json::Value;

/// The evidence as indented lines, cut after about `max_chars` characters.
pub fn evidence_text(v: &Value, max_chars: usize) -> String {
    let mut out = String::new();
    write_value(v, 0, &mut out, max_chars);
    let out = out.trim_start_matches([' ', '\n']).trim_end_matches('\n');
    if out.chars().count() > max_chars {
        let mut cut: String = out.chars().take(max_chars).collect();
        cut.push_str("\n…");
        cut
    } else {
        out.to_string()
    }
}

fn pad(out: &mut String, indent: usize) {
    for _ in 0..indent {
        out.push_str("  ");
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::Null => Some("null".into()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.contains('\n') => Some(if s.is_empty() {
            "\"\"".into()
        } else {
            s.clone()
        }),
        Value::Array(a) if a.is_empty() => Some("[]".into()),
        Value::Object(o) if o.is_empty() => Some("{}".into()),
        _ => None,
    }
}

/// Writes `v` at `indent`; a value that fits on one line is written without a line break
/// before it (the caller wrote `key: ` or `- `).
fn write_value(v: &Value, indent: usize, out: &mut String, budget: usize) {
    if out.len() > budget.saturating_mul(4) {
        return;
    }
    if let Some(s) = scalar(v) {
        out.push(' ');
        out.push_str(&s);
        out.push('\n');
        return;
    }
    match v {
        Value::String(s) => {
            out.push_str(" |\n");
            for line in s.lines() {
                pad(out, indent + 1);
                out.push_str(line);
                out.push('\n');
            }
        }
        Value::Array(items) => {
            out.push('\n');
            for item in items {
                pad(out, indent);
                out.push('-');
                write_value(item, indent + 1, out, budget);
            }
        }
        Value::Object(map) => {
            out.push('\n');
            for (k, item) in map {
                pad(out, indent);
                out.push_str(k);
                out.push(':');
                write_value(item, indent + 1, out, budget);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn written_once_without_escaped_newlines() {
        let v = json!({"attacker": "203.0.113.7", "failures": 56, "lines": ["a", "b"],
            "script": "line one\nline two", "nested": {"k": true}});
        let t = evidence_text(&v, 4000);
        assert!(!t.contains("\\n"), "{t}");
        assert!(t.contains("attacker: 203.0.113.7"));
        assert!(t.contains("lines:\n  - a\n  - b"), "{t}");
        assert!(t.contains("    line two"), "{t}");
        assert!(t.contains("nested:\n  k: true"), "{t}");
    }

    #[test]
    fn long_evidence_is_cut() {
        let v = json!({"x": "y".repeat(10_000)});
        let t = evidence_text(&v, 100);
        assert!(t.chars().count() < 110);
        assert!(t.ends_with('…'));
    }
}
