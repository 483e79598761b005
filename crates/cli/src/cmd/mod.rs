//! One module per subcommand.

pub mod collect;
pub mod image;
pub mod scan;
pub mod snapshot;
pub mod verify;
