//! huoyan-web: web forensics.
//!
//! Most servers are entered through the web application. This crate finds the web estate from
//! the host's own configs ([`estate`]), scans it for webshells with YARA rules and
//! language-aware heuristics ([`scanner`], [`yara`], [`heuristics`]), hunts files by owner, time
//! and place ([`hunt`]), reads the access and error logs for attacks ([`logs`]), and ties a
//! flagged file to the requests that used it ([`correlate`]). [`report`] turns all of it into
//! findings; `huoyan web` and the `web` checks of `huoyan scan` both call [`analyse`].

#![cfg_attr(test, allow(clippy::disallowed_methods))]

pub mod correlate;
pub mod estate;
pub mod fastre;
pub mod heuristics;
pub mod hunt;
pub mod lang;
pub mod logs;
pub mod packages;
pub mod report;
pub mod scanner;
pub mod textdecode;
pub mod walk;
pub mod yara;

pub use report::{analyse, WebOptions};
