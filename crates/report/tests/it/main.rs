//! One test binary for the crate (links once): one module per file.

mod html_layout;
mod layout_check;
