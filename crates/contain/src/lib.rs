//! huoyan-contain: stop the attacker from using the server without locking the responder out,
//! and keep a malicious process's memory before killing it.
//!
//! - [`policy`], [`ruleset`], [`expr`], [`netlink`], [`nft`]: the isolation table `inet huoyan`,
//!   from `--allow` values to nf_tables bytecode sent over netlink (no `nft`/`iptables` binary).
//! - [`sockets`], [`session`]: current connections from /proc (what the rules would cut) and the
//!   caller's own SSH peer (allowed automatically).
//! - [`state`], [`watchdog`]: the record of an applied containment and the detached process that
//!   rolls it back unless the responder confirms in time; [`plan`] and [`lifecycle`] tie it
//!   together (dry run, apply, confirm, release, status).
//! - [`process`]: suspend, dump and kill one process.
#![cfg_attr(test, allow(clippy::disallowed_methods))]
#![deny(missing_docs)]

pub mod dns;
pub mod error;
pub mod expr;
pub mod lifecycle;
pub mod netlink;
pub mod nft;
pub mod plan;
pub mod policy;
pub mod process;
pub mod ruleset;
pub mod session;
pub mod sockets;
pub mod state;
pub mod watchdog;

pub use error::{ContainError, Result};
