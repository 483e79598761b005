//! Text tables a responder reads at a glance: `ps auxww`, `pstree`, `netstat -anp`, `lsof`, `w`.
//!
//! The columns follow the classic tools so muscle memory works, with one rule they do not keep:
//! every cell that came from the host (command lines, paths, user names, hostnames) is escaped
//! with [`huoyan_core::text::sanitize`], so a newline cannot forge a row and an ANSI escape
//! cannot repaint the terminal when the file is `cat`-ed.

mod lsof;
mod netstat;
mod ps;
mod pstree;
mod w;

pub use lsof::lsof;
pub use netstat::netstat;
pub use ps::ps;
pub use pstree::pstree;
pub use w::w;

use huoyan_core::text::sanitize;

/// A left-aligned table; the last column is not padded (it holds long command lines).
pub(crate) struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    right: Vec<bool>,
}

impl Table {
    pub(crate) fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
            right: vec![false; header.len()],
        }
    }

    /// Right-aligns the given columns (numbers).
    pub(crate) fn right(mut self, cols: &[usize]) -> Self {
        for &c in cols {
            if let Some(r) = self.right.get_mut(c) {
                *r = true;
            }
        }
        self
    }

    /// Adds a row; every cell is sanitised here.
    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(
            cells
                .into_iter()
                .map(|c| sanitize(&c).into_owned())
                .collect(),
        );
    }

    pub(crate) fn render(&self) -> String {
        let n = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(n.saturating_sub(1)) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let mut out = String::new();
        for row in std::iter::once(&self.header).chain(self.rows.iter()) {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                if i + 1 == n {
                    line.push_str(cell);
                    break;
                }
                let pad = widths[i].saturating_sub(cell.chars().count());
                if self.right[i] {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    line.push_str(&" ".repeat(pad));
                }
                line.push(' ');
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// A header line for every table file: what it is and when it was taken.
pub(crate) fn banner(what: &str, scene: &crate::Scene) -> String {
    format!(
        "# huoyan {} snapshot: {what} (read from /proc, not from host binaries), taken {} UTC on {}\n",
        huoyan_core::VERSION,
        huoyan_core::time::format_short(scene.now),
        sanitize(scene.system.hostname.as_deref().unwrap_or("?"))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_escaped_and_aligned() {
        let mut t = Table::new(&["A", "CMD"]);
        t.row(vec!["x".into(), "evil\n\x1b[2Jfake row".into()]);
        t.row(vec!["longer".into(), "ok".into()]);
        let s = t.render();
        assert_eq!(s.lines().count(), 3);
        assert!(s.contains("evil\\n\\e[2Jfake row"));
        assert!(s.contains("x      evil"));
    }
}
