//! huoyan-timeline: the super timeline.
//!
//! A responder reconstructs an intrusion by putting everything on one time axis: logins, failed
//! logins, auth log lines, shell commands, package installs, file times, process starts and
//! findings. This crate defines the [`Event`], gathers events from the sources that exist under a
//! root (`sources/`), sorts them, and writes them as Timesketch-importable JSONL and CSV and as
//! ECS JSONL (`write.rs`).

#![cfg_attr(test, allow(clippy::disallowed_methods))]

pub mod event;
pub mod sources;
pub mod write;

pub use event::{Category, Event};
pub use sources::{collect, TimelineInput};
