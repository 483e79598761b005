//! The error every artifact parser returns on input it cannot make sense of.

/// Malformed input. Parsers return this instead of panicking on hostile bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The input ended before a complete record.
    #[error("truncated {what}: need {need} bytes, have {have}")]
    Truncated {
        /// What was being parsed.
        what: &'static str,
        /// Bytes needed.
        need: usize,
        /// Bytes available.
        have: usize,
    },
    /// A field had an impossible value.
    #[error("malformed {what}: {detail}")]
    Malformed {
        /// What was being parsed.
        what: &'static str,
        /// Details.
        detail: String,
    },
}

impl ParseError {
    /// Shorthand for a malformed-field error.
    pub fn malformed(what: &'static str, detail: impl Into<String>) -> Self {
        ParseError::Malformed {
            what,
            detail: detail.into(),
        }
    }
}
