//! One module per subcommand.

pub mod scan;
pub mod snapshot;
pub mod web;
