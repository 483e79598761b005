//! huoyan-contain: stop the attacker from using the server without locking the responder out,
//! and keep a malicious process's memory before killing it.
//!
//! - [`policy`], [`ruleset`], [`expr`], [`netlink`], [`nft`]: the isolation table `inet huoyan`,
//!   from `--allow` values to nf_tables bytecode sent over netlink (no `nft`/`iptables` binary).
//! - [`sockets`], [`session`]: current connections from /proc (what the rules would cut) and the
//!   caller's own SSH peer (allowed automatically).
//! - [`state`], [`watchdog`]: the record of an applied containment and the detached process that
//!   rolls it back unless the responder confirms in time.
//! - [`process`]: suspend, dump and kill one process.
#![deny(missing_docs)]

pub mod error;
pub mod expr;
pub mod netlink;
pub mod nft;
pub mod policy;
pub mod ruleset;

pub use error::{ContainError, Result};
