//! One test binary for the crate (links once): each module below is one former tests/*.rs file.

#![allow(clippy::disallowed_methods)]

mod revshells_corpus;
mod rule_examples;
