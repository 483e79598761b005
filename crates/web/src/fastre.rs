//! Regex construction for the detectors: `\b`, `\w`, `\s` and `\d` outside character classes
//! are made ASCII-only (`(?-u:\b)` …). Unicode word boundaries cannot run in the lazy DFA and
//! push every search on non-ASCII text (GBK/UTF-16 shells, minified libraries) onto the slow
//! engines; the tokens these patterns look for (function names, variables) are ASCII anyway.
//!
//! Case-insensitive detectors are compiled as [`CiRegex`]: the pattern is lower-cased and run on
//! the ASCII-lower-cased text ([`Lowered`], same byte offsets as the original). `(?i)` turns
//! `eval|assert|system…` into hundreds of case variants, too many for the engine's SIMD literal
//! prefilter, so every such search walked the whole file in the DFA; lower-cased literals keep
//! the prefilter, which skips straight to the few places worth a look.

use std::ops::Range;

use regex::{Captures, Match, Regex};

/// Rewrites `pattern` as described above.
pub fn ascii_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars().peekable();
    let mut class_depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(n) = chars.next() else {
                    out.push('\\');
                    break;
                };
                if class_depth == 0 && matches!(n, 'b' | 'w' | 's' | 'd' | 'B') {
                    out.push_str("(?-u:\\");
                    out.push(n);
                    out.push(')');
                } else {
                    out.push('\\');
                    out.push(n);
                }
            }
            '[' => {
                class_depth += 1;
                out.push(c);
                // A leading `]` or `^]` is a literal inside the class.
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push(']');
                    chars.next();
                }
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Compiles `pattern` with ASCII word classes.
pub fn new(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&ascii_classes(pattern))
}

/// Text whose ASCII letters are lower-cased; byte offsets equal the original's.
#[derive(Debug, Clone, Copy)]
pub struct Lowered<'h>(&'h str);

impl<'h> Lowered<'h> {
    /// Wraps text the caller lower-cased with [`str::to_ascii_lowercase`].
    pub fn new(lowered: &'h str) -> Lowered<'h> {
        debug_assert!(!lowered.bytes().take(4096).any(|b| b.is_ascii_uppercase()));
        Lowered(lowered)
    }

    /// The lowered text.
    pub fn as_str(&self) -> &'h str {
        self.0
    }

    /// The same range of the lowered text (for a slice check on a sub-span).
    pub fn slice(&self, range: Range<usize>) -> Lowered<'h> {
        Lowered(self.0.get(range).unwrap_or(""))
    }

    /// True when `needle` (lower-case) occurs.
    pub fn contains(&self, needle: &str) -> bool {
        memchr::memmem::find(self.0.as_bytes(), needle.as_bytes()).is_some()
    }
}

/// A case-insensitive pattern searched on [`Lowered`] text.
#[derive(Debug, Clone)]
pub struct CiRegex(Regex);

impl CiRegex {
    /// Compiles `pattern` (with or without a leading `(?i)`) for lowered text.
    pub fn new(pattern: &str) -> Result<CiRegex, regex::Error> {
        new(&lowercase_pattern(pattern)).map(CiRegex)
    }

    /// First match.
    pub fn find<'h>(&self, hay: Lowered<'h>) -> Option<Match<'h>> {
        self.0.find(hay.0)
    }

    /// True on any match.
    pub fn is_match(&self, hay: Lowered<'_>) -> bool {
        self.0.is_match(hay.0)
    }

    /// The first match at or after `start` (look-around sees the whole text).
    pub fn captures_at<'h>(&self, hay: Lowered<'h>, start: usize) -> Option<Captures<'h>> {
        self.0.captures_at(hay.0, start)
    }

    /// Every match, left to right.
    pub fn find_iter<'r, 'h>(&'r self, hay: Lowered<'h>) -> regex::Matches<'r, 'h> {
        self.0.find_iter(hay.0)
    }

    /// Every match with its groups (group text is lower-cased: take ranges into the original
    /// when case matters).
    pub fn captures_iter<'r, 'h>(&'r self, hay: Lowered<'h>) -> regex::CaptureMatches<'r, 'h> {
        self.0.captures_iter(hay.0)
    }

    /// Matches of this pattern that a leading `(?:^|[^\w<not_after>])` would accept: at the
    /// start of the text or after a character that is neither a word character nor one of
    /// `not_after`. Each comes with the start the prefixed pattern reports (on that preceding
    /// character). Same matches, in the same order, as the prefixed pattern, which the engine
    /// cannot prefilter (its first byte can be almost anything).
    pub fn captures_not_after<'r, 'h>(
        &'r self,
        hay: Lowered<'h>,
        not_after: &'static [u8],
    ) -> NotAfter<'r, 'h> {
        NotAfter {
            re: &self.0,
            hay: hay.0,
            not_after,
            pos: 0,
            last_end: 0,
        }
    }
}

impl CiRegex {
    /// [`CiRegex::captures_not_after`] without the groups: the spans the prefixed pattern reports.
    pub fn find_iter_not_after<'r, 'h>(
        &'r self,
        hay: Lowered<'h>,
        not_after: &'static [u8],
    ) -> impl Iterator<Item = Span> + use<'r, 'h> {
        self.captures_not_after(hay, not_after)
            .filter_map(|(start, c)| {
                c.get(0).map(|m| Span {
                    start,
                    end: m.end(),
                })
            })
    }

    /// The first span of [`CiRegex::find_iter_not_after`].
    pub fn find_not_after(&self, hay: Lowered<'_>, not_after: &'static [u8]) -> Option<Span> {
        self.find_iter_not_after(hay, not_after).next()
    }
}

/// A match's byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    start: usize,
    end: usize,
}

impl Span {
    /// The span `start..end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// Start offset.
    pub fn start(&self) -> usize {
        self.start
    }

    /// End offset (exclusive).
    pub fn end(&self) -> usize {
        self.end
    }
}

/// Iterator of [`CiRegex::captures_not_after`]: (reported start, groups).
pub struct NotAfter<'r, 'h> {
    re: &'r Regex,
    hay: &'h str,
    not_after: &'static [u8],
    pos: usize,
    last_end: usize,
}

impl<'h> Iterator for NotAfter<'_, 'h> {
    type Item = (usize, Captures<'h>);

    fn next(&mut self) -> Option<(usize, Captures<'h>)> {
        while self.pos <= self.hay.len() {
            let caps = self.re.captures_at(self.hay, self.pos)?;
            let whole = caps.get(0)?;
            let q = whole.start();
            let accepted = start_not_after(self.hay, q, self.not_after, self.last_end);
            match accepted {
                Some(start) => {
                    self.pos = whole.end().max(q + 1);
                    self.last_end = whole.end();
                    while self.pos < self.hay.len() && !self.hay.is_char_boundary(self.pos) {
                        self.pos += 1;
                    }
                    return Some((start, caps));
                }
                None => {
                    self.pos = q + self.hay[q..].chars().next().map_or(1, char::len_utf8);
                }
            }
        }
        None
    }
}

/// A pattern tried only at chosen start positions ("does a match start exactly here?"). For
/// patterns whose first byte is frequent (`$`, a quote), a search of the whole text walks the
/// file in the DFA; the callers instead find the few places a match can start from a rarer byte
/// inside it (the `^` of an XOR, the `.` joining two literals, a superglobal) and ask here.
/// Every match the unanchored pattern reports starts at one of those places, so trying them in
/// order yields the same matches.
#[derive(Debug, Clone)]
pub struct StartsAt(regex_automata::meta::Regex);

impl StartsAt {
    /// Compiles `pattern` with ASCII word classes (see [`ascii_classes`]).
    pub fn new(pattern: &str) -> Result<StartsAt, Box<regex_automata::meta::BuildError>> {
        regex_automata::meta::Regex::new(&ascii_classes(pattern))
            .map(StartsAt)
            .map_err(Box::new)
    }

    /// Compiles a case-insensitive `pattern` for [`Lowered`] text (see [`CiRegex::new`]).
    pub fn new_ci(pattern: &str) -> Result<StartsAt, Box<regex_automata::meta::BuildError>> {
        StartsAt::new(&lowercase_pattern(pattern))
    }

    /// The match that starts exactly at `start` (look-around sees the whole text).
    pub fn at(&self, hay: &str, start: usize) -> Option<Span> {
        if start > hay.len() {
            return None;
        }
        let input = regex_automata::Input::new(hay)
            .range(start..)
            .anchored(regex_automata::Anchored::Yes);
        self.0.search(&input).map(|m| Span::new(m.start(), m.end()))
    }

    /// [`StartsAt::at`] with the groups (`caps` from [`StartsAt::captures`]).
    pub fn captures_at(
        &self,
        hay: &str,
        start: usize,
        caps: &mut regex_automata::util::captures::Captures,
    ) -> bool {
        if start > hay.len() {
            return false;
        }
        let input = regex_automata::Input::new(hay)
            .range(start..)
            .anchored(regex_automata::Anchored::Yes);
        self.0.search_captures(&input, caps);
        caps.is_match()
    }

    /// Storage for [`StartsAt::captures_at`].
    pub fn captures(&self) -> regex_automata::util::captures::Captures {
        self.0.create_captures()
    }

    /// [`CiRegex::captures_not_after`] when every match starts at one of `starts` (sorted
    /// ascending): the start the prefixed pattern reports, the whole match and group 1.
    pub fn not_after_from<'a>(
        &'a self,
        hay: &'a str,
        starts: &'a [usize],
        not_after: &'static [u8],
    ) -> impl Iterator<Item = (usize, Span, Option<Span>)> + 'a {
        let mut caps = self.captures();
        let mut pos = 0usize;
        let mut last_end = 0usize;
        starts.iter().filter_map(move |&q| {
            if q < pos || !self.captures_at(hay, q, &mut caps) {
                return None;
            }
            let whole = caps.get_group(0)?;
            match start_not_after(hay, q, not_after, last_end) {
                Some(start) => {
                    pos = whole.end.max(q + 1);
                    last_end = whole.end;
                    let group = caps.get_group(1).map(|g| Span::new(g.start, g.end));
                    Some((start, Span::new(start, whole.end), group))
                }
                None => {
                    pos = q + 1;
                    None
                }
            }
        })
    }

    /// Every non-overlapping match, left to right, whose start is among `starts` (sorted
    /// ascending; duplicates allowed): the matches of an unanchored search when every match
    /// starts at one of them.
    pub fn iter_from<'a>(
        &'a self,
        hay: &'a str,
        starts: &'a [usize],
    ) -> impl Iterator<Item = Span> + 'a {
        let mut last_end = 0usize;
        starts.iter().filter_map(move |&s| {
            if s < last_end {
                return None;
            }
            let m = self.at(hay, s)?;
            last_end = m.end().max(s + 1);
            Some(m)
        })
    }

    /// [`StartsAt::iter_from`] with group 1 of each match.
    pub fn captures_from<'a>(
        &'a self,
        hay: &'a str,
        starts: &'a [usize],
    ) -> impl Iterator<Item = (Span, Option<Span>)> + 'a {
        let mut caps = self.captures();
        let mut last_end = 0usize;
        starts.iter().filter_map(move |&s| {
            if s < last_end || !self.captures_at(hay, s, &mut caps) {
                return None;
            }
            let whole = caps.get_group(0)?;
            last_end = whole.end.max(s + 1);
            let group = caps.get_group(1).map(|g| Span::new(g.start, g.end));
            Some((Span::new(whole.start, whole.end), group))
        })
    }
}

/// Where the prefixed pattern `(?:^|[^\w<not_after>])…` would report a match that the bare
/// pattern finds at `q`: `Some(0)` at the start of the text, `Some(q - len)` after an acceptable
/// character at or after `last_end`, `None` when the character before rules it out.
pub fn start_not_after(hay: &str, q: usize, not_after: &[u8], last_end: usize) -> Option<usize> {
    if q == 0 {
        return Some(0);
    }
    let before = hay.get(..q)?.chars().next_back()?;
    let start = q - before.len_utf8();
    let is_word = if before.is_ascii() {
        before.is_ascii_alphanumeric() || before == '_'
    } else {
        // `\w` inside a class stays Unicode (see `ascii_classes`).
        UNICODE_WORD.is_match(before.encode_utf8(&mut [0u8; 4]))
    };
    let forbidden = before.is_ascii() && not_after.contains(&(before as u8));
    (!is_word && !forbidden && start >= last_end).then_some(start)
}

/// `(?-u:\s)`: the ASCII whitespace of the patterns' `\s`.
pub fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `(?-u:\w)`: an ASCII word byte.
pub fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The position after skipping whitespace backwards from `end` (exclusive).
pub fn skip_space_back(b: &[u8], mut end: usize) -> usize {
    while end > 0 && is_space(b[end - 1]) {
        end -= 1;
    }
    end
}

/// The start of the run of word bytes ending at `end` (== `end` when there is none).
pub fn word_run_back(b: &[u8], mut end: usize) -> usize {
    while end > 0 && is_word(b[end - 1]) {
        end -= 1;
    }
    end
}

static UNICODE_WORD: std::sync::LazyLock<Regex> =
    std::sync::LazyLock::new(|| Regex::new(r"^\w$").expect("static regex"));

/// Drops the `i` flag of a leading `(?i)`/`(?im)` and lower-cases every ASCII letter outside
/// escapes (`\S`, `\W`, `\D`, `\B` keep their meaning).
pub fn lowercase_pattern(pattern: &str) -> String {
    let rest = if let Some(r) = pattern.strip_prefix("(?i)") {
        r.to_string()
    } else if let Some(r) = pattern.strip_prefix("(?im)") {
        format!("(?m){r}")
    } else {
        pattern.to_string()
    };
    let mut out = String::with_capacity(rest.len());
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.push(c);
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_outside_classes_only() {
        assert_eq!(ascii_classes(r"\beval\s*\("), r"(?-u:\b)eval(?-u:\s)*\(");
        assert_eq!(ascii_classes(r"[^\w>]\\b"), r"[^\w>]\\b");
        assert_eq!(ascii_classes(r"[]\d]\d"), r"[]\d](?-u:\d)");
        assert!(new(r"(?i)\b(eval)\s*\(\s*\$_(?:GET|POST)\b")
            .expect("re")
            .is_match("EVAL( $_POST"));
        assert!(new(r"木马|\bshell\b").expect("re").is_match("木马"));
    }

    #[test]
    fn lowered_patterns() {
        assert_eq!(lowercase_pattern(r"(?i)\$_GET\S[A-Z]"), r"\$_get\S[a-z]");
        assert_eq!(lowercase_pattern(r"(?im)^X"), r"(?m)^x");
        let re = CiRegex::new(r"(?i)\bEVAL\s*\(").expect("re");
        let text = "x = EVAL ($a)";
        let lower = text.to_ascii_lowercase();
        let m = re.find(Lowered::new(&lower)).expect("match");
        assert_eq!(&text[m.range()], "EVAL (");
    }

    #[test]
    fn not_after_emulates_the_prefix() {
        let prefixed = new(r"(?:^|[^\w>:$])@?(?:eval|assert)\s*\(").expect("re");
        let bare = CiRegex::new(r"@?(?:eval|assert)\s*\(").expect("re");
        for text in [
            "eval(1)",
            "x@eval(1); ->eval(2) ::assert(3) $eval(4) (eval(5))",
            "aeval( é@assert (  eval(eval(",
            "@eval(",
            "é",
            "",
            "))eval(eval(",
        ] {
            let want: Vec<_> = prefixed.find_iter(text).map(|m| m.range()).collect();
            let got: Vec<_> = bare
                .captures_not_after(Lowered::new(text), b">:$")
                .filter_map(|(s, c)| c.get(0).map(|m| s..m.end()))
                .collect();
            assert_eq!(got, want, "{text}");
        }
    }
}
