//! One module per subcommand.

pub mod baseline;
pub mod scan;
pub mod snapshot;
pub mod verify_packages;
