//! One test binary for the crate (links once): each module below is one former tests/*.rs file.

mod journal_remote;
mod live_parsers_hostile;
mod login_records;
mod parsers_never_panic;
mod ssh_corpus;
