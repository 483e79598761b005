//! One test binary for the crate (links once): each module below is one former tests/*.rs file.

#![allow(clippy::disallowed_methods)]

mod benign_apps;
mod common;
mod log_corpora;
mod log_modern_traffic;
mod log_precision;
mod log_throughput;
mod web_upload_chain;
mod webshell_corpora;
