//! Web server logs: parsing access and error lines, decoding URLs, classifying attacks,
//! per-IP statistics, and reading rotated/compressed files through the root.

pub mod analysis;
pub mod classify;
pub mod errorlog;
pub mod parse;
pub mod reader;
pub mod stats;
pub mod urldecode;
pub mod verdict;

pub use classify::AttackClass;
pub use parse::AccessRecord;
