//! One test binary for the crate (links once): each module below is one former tests/*.rs file.

#![allow(clippy::disallowed_methods)]

mod sftp_openssh;
