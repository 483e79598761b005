//! huoyan-artifacts: one module per artifact huoyan reads.
//!
//! Every module keeps a pure `parse(&[u8])` (or streaming) function, testable on fixture bytes and
//! fuzzable, separate from the reader that finds the bytes through a [`huoyan_core::Root`] (files)
//! or [`huoyan_core::ProcFs`] (live kernel state). Parsers never panic on hostile input: they
//! return an error or skip the malformed record.

pub mod apache_conf;
pub mod config_glob;
pub mod error;
pub mod nginx_conf;
pub mod php_fpm;
pub mod tomcat;
pub mod users;
pub mod utmp;

pub use error::ParseError;
