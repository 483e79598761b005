//! One test binary for the crate (links once): one module per file.

#![allow(clippy::disallowed_methods)]

mod html_layout;
mod layout_check;
