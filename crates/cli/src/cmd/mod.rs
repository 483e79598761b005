//! One module per subcommand.

pub mod logins;
pub mod logs;
pub mod scan;
pub mod snapshot;
