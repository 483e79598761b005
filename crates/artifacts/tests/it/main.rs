//! One test binary for the crate (links once): each module below is one former tests/*.rs file.

#![allow(clippy::disallowed_methods)]

mod journal_remote;
mod live_parsers_hostile;
mod login_records;
mod parsers_never_panic;
mod ssh_corpus;
