//! One test binary for the crate (links once): each module below is one former tests/*.rs file.

#![allow(clippy::disallowed_methods)]

mod cli_surface;
mod collect_cli;
mod contain_lab;
mod contain_live;
mod hostile;
mod integrity_cli;
mod passwords;
mod precision_registry;
mod process_live;
mod report_layout;
mod scan_accounts_ssh_host;
mod scan_fixtures;
mod scan_live;
mod server_gate;
mod snapshot_cli;
mod triage;
