//! One test binary for the crate (links once): each module below is one former tests/*.rs file.

#![allow(clippy::disallowed_methods)]

mod debian_root;
mod deleted_open_live;
mod immutable_live;
mod integrity_acceptance;
mod login_disagreement;
mod logs_checks;
mod logs_dialects;
mod netns_sniffer_live;
mod preload_hidden_live;
mod preload_live;
