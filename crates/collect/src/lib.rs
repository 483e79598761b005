//! huoyan-collect: the evidence bundle.
//!
//! Phase 6 of a response is to get the evidence off the compromised host before the attacker —
//! or a well-meaning colleague — destroys it. This crate builds one compressed, hashed,
//! self-describing bundle: the live snapshot, logs (including web logs wherever their
//! configuration puts them), every user's histories, persistence files, accounts, SSH material,
//! the files the scan flagged and the scan's findings, and the deleted files that processes
//! still hold open. Every file is listed in a manifest with its metadata as it was before
//! reading and its SHA-256; a custody record and the action journal travel inside the bundle.
//!
//! - [`rules`]: the collection plan as data (`rules/collect.toml`).
//! - [`plan`]: the concrete file list, in priority order, with `--since`/`--max-size`.
//! - [`recover`]: deleted-but-open files from /proc.
//! - [`webconf`]: web log locations from nginx/Apache/lighttpd/Caddy configuration.
//! - [`keys`]: private key type and encryption, without keeping the secret.
//! - [`writer`]: the tar.zst / tar.gz writer with one frame per member.
//! - [`bundle`]: the collection itself ([`bundle::collect`]).
//! - [`verify`]: re-hashing a bundle ([`verify::verify`]).
//! - [`image`]: a block-device image with on-the-fly hashing and bad-sector handling.
//! - [`space`]: free space and size arguments.
//! - [`dirwalk`]: sorted directory listings and walks through [`huoyan_core::Root`].
#![cfg_attr(test, allow(clippy::disallowed_methods))]
#![deny(missing_docs)]

pub mod bundle;
pub mod custody;
pub mod dirwalk;
pub mod error;
pub mod glob;
pub mod hostinfo;
pub mod image;
pub mod keys;
pub mod manifest;
pub mod plan;
pub mod recover;
pub mod rules;
pub mod space;
mod store;
pub mod verify;
pub mod webconf;
pub mod writer;

pub use bundle::{collect, CollectOptions, CollectSummary, SnapshotSource};
pub use error::CollectError;
pub use verify::{verify, VerifyReport};
pub use writer::Format;
