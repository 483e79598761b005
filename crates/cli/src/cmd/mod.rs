//! One module per subcommand.

pub mod contain;
pub mod process;
pub mod scan;
pub mod snapshot;
