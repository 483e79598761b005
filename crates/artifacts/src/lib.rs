//! huoyan-artifacts: one module per artifact huoyan reads.
//!
//! Every module keeps a pure `parse(&[u8])` (or streaming) function, testable on fixture bytes and
//! fuzzable, separate from the reader that finds the bytes through a [`huoyan_core::Root`] (files)
//! or [`huoyan_core::ProcFs`] (live kernel state). Parsers never panic on hostile input: they
//! return an error or skip the malformed record.

#![cfg_attr(test, allow(clippy::disallowed_methods))]

pub mod apache_conf;
pub mod auth;
pub mod auth_event;
pub mod auth_sshd;
pub mod auth_system;
pub mod authorized_keys;
pub mod config_glob;
pub mod dpkg;
pub mod elf;
pub mod error;
pub mod file_caps;
pub mod history;
pub mod journal;
pub mod lastlog;
pub mod lines;
pub mod logfamily;
pub mod login_defs;
pub mod logins;
pub mod modules;
pub mod net;
pub mod nginx_conf;
pub mod persistence;
pub mod php_fpm;
pub mod pkglog;
pub mod proc;
pub mod rpm;
pub mod sockets;
pub mod spaces;
pub mod sshd_config;
pub mod sudoers;
pub mod syslog;
pub mod system;
pub mod tomcat;
pub mod users;
pub mod utmp;
pub mod wtmpdb;

pub use error::ParseError;
