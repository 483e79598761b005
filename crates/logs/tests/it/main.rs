//! One test binary for the crate (links once): each module below is one former tests/*.rs file.

mod last_oracle;
mod rotations;
