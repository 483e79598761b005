//! One test binary for the crate (links once): each module below is one former tests/*.rs file.

mod changed_depth;
mod rpm_verify;
