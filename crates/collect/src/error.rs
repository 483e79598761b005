//! Errors of the collector: what stops a collection or a verification outright.
//!
//! Most problems while collecting are *not* errors: an unreadable file becomes a gap in the
//! bundle and the collection goes on. These are the few conditions that make a bundle
//! impossible or untrustworthy (no space, output inside the evidence, unwritable output).

use std::path::PathBuf;

/// Why a collection, verification or image could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// The collection plan (rules/collect.toml or --plan) could not be understood.
    #[error("collection plan: {0}")]
    Plan(String),
    /// The output directory lies inside a tree that is being collected.
    #[error("output directory {out} lies inside the collected tree {tree}: choose a directory outside the evidence (e.g. a USB stick or /root/case)")]
    OutputInsideEvidence {
        /// The output directory.
        out: PathBuf,
        /// The collected tree it lies in.
        tree: String,
    },
    /// Not enough free space for the bundle.
    #[error("not enough free space in {dir}: {needed} bytes may be needed, {available} available (use --max-size or another --out)")]
    NoSpace {
        /// The output directory.
        dir: PathBuf,
        /// Upper bound of what the bundle needs.
        needed: u64,
        /// Free bytes for an unprivileged writer.
        available: u64,
    },
    /// Writing the bundle failed.
    #[error("{path}: {source}")]
    Write {
        /// What was being written.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// Reading a bundle or device failed.
    #[error("{path}: {source}")]
    Read {
        /// What was being read.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The snapshot hook failed.
    #[error("live snapshot: {0}")]
    Snapshot(String),
    /// Invalid argument (size, device, path).
    #[error("{0}")]
    Invalid(String),
}

impl CollectError {
    /// A write error on `path`.
    pub fn write(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        CollectError::Write {
            path: path.into(),
            source,
        }
    }

    /// A read error on `path`.
    pub fn read(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        CollectError::Read {
            path: path.into(),
            source,
        }
    }
}
