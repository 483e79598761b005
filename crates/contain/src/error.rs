//! Errors of the containment crate, each worded so a responder knows what to do next.

use std::io;

/// Why a containment or process action failed.
#[derive(Debug, thiserror::Error)]
pub enum ContainError {
    /// Firewall and signal actions need root (CAP_NET_ADMIN / CAP_KILL).
    #[error("{action} needs root (CAP_NET_ADMIN): run huoyan as root")]
    NotRoot {
        /// What was attempted.
        action: String,
    },
    /// The kernel has no nf_tables (module missing or blacklisted).
    #[error("nftables is not available in this kernel ({detail}): load the nf_tables module (modprobe nf_tables) or contain at another layer (cloud security group, switch ACL)")]
    NftUnavailable {
        /// Errno or message from the kernel.
        detail: String,
    },
    /// The kernel refused the batch; nothing was changed (the batch is atomic).
    #[error("the kernel refused the ruleset ({op}: {source}); nothing was changed")]
    Netlink {
        /// Which message failed.
        op: String,
        /// The errno.
        #[source]
        source: io::Error,
    },
    /// A malformed netlink reply.
    #[error("malformed netlink reply: {0}")]
    BadReply(String),
    /// An `--allow` value that cannot be parsed.
    #[error("cannot parse --allow {value:?}: {reason} (expected ADDR, ADDR/PREFIX, ADDR:PORT or [IPV6]:PORT)")]
    BadAllow {
        /// The value given.
        value: String,
        /// Why.
        reason: String,
    },
    /// The plan would lock out the responder or would contain nothing.
    #[error("refusing: {0}")]
    Unsafe(String),
    /// State file problems.
    #[error("state file {path}: {source}")]
    State {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// A process action failed.
    #[error("process {pid}: {detail}")]
    Process {
        /// The pid.
        pid: u32,
        /// What went wrong.
        detail: String,
    },
    /// Output directory problems.
    #[error("{path}: {source}")]
    Io {
        /// The path involved.
        path: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

impl ContainError {
    /// Wraps an io error with the path it concerns.
    pub fn io(path: impl std::fmt::Display, source: io::Error) -> Self {
        ContainError::Io {
            path: path.to_string(),
            source,
        }
    }
}

/// Result alias.
pub type Result<T, E = ContainError> = std::result::Result<T, E>;
