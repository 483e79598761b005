//! One test binary for the crate (links once): each module below is one former tests/*.rs file.

#![allow(clippy::disallowed_methods)]

mod atime;
mod bundle_fixture;
mod common;
mod image_loop;
mod live_recovery;
