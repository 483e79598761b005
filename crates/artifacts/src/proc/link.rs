//! Targets of the magic links `/proc/PID/exe`, `/proc/PID/cwd`, `/proc/PID/root` and
//! `/proc/PID/fd/N`.
//!
//! The kernel writes what the link points at as text: a path (with ` (deleted)` appended when the
//! file was unlinked), `socket:[INODE]`, `pipe:[INODE]`, `anon_inode:[eventfd]`, or
//! `/memfd:NAME (deleted)` for an in-memory file. A deleted or memfd executable is the signature
//! of fileless malware; a deleted file held open is how a wiped log or dropped tool survives.

use serde::Serialize;

use huoyan_core::text::bytes_to_string;

const DELETED_SUFFIX: &[u8] = b" (deleted)";

/// What one magic link points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LinkTarget {
    /// A filesystem object (regular file, directory, device …).
    Path {
        /// The path as the kernel prints it, without the ` (deleted)` suffix.
        path: String,
        /// The file was unlinked while open.
        deleted: bool,
        /// An anonymous in-memory file created with memfd_create.
        memfd: bool,
    },
    /// A socket; look the inode up in /proc/net/*.
    Socket {
        /// Socket inode.
        inode: u64,
    },
    /// A pipe.
    Pipe {
        /// Pipe inode.
        inode: u64,
    },
    /// An anonymous inode (`anon_inode:[eventfd]`, `anon_inode:bpf-prog` …).
    AnonInode {
        /// The kind the kernel names.
        kind: String,
    },
    /// Anything else (`net:[4026531840]`, unknown forms).
    Other {
        /// The text as read.
        text: String,
    },
}

impl LinkTarget {
    /// True when the target is a deleted file (memfd files always count as deleted).
    pub fn is_deleted(&self) -> bool {
        matches!(self, LinkTarget::Path { deleted: true, .. })
    }

    /// The socket inode, if this is a socket.
    pub fn socket_inode(&self) -> Option<u64> {
        match self {
            LinkTarget::Socket { inode } => Some(*inode),
            _ => None,
        }
    }

    /// A short display form, as lsof would print the NAME column.
    pub fn display(&self) -> String {
        match self {
            LinkTarget::Path { path, deleted, .. } => {
                if *deleted {
                    format!("{path} (deleted)")
                } else {
                    path.clone()
                }
            }
            LinkTarget::Socket { inode } => format!("socket:[{inode}]"),
            LinkTarget::Pipe { inode } => format!("pipe:[{inode}]"),
            LinkTarget::AnonInode { kind } => format!("anon_inode:{kind}"),
            LinkTarget::Other { text } => text.clone(),
        }
    }
}

fn bracketed_inode(rest: &[u8]) -> Option<u64> {
    let inner = rest.strip_prefix(b"[")?.strip_suffix(b"]")?;
    std::str::from_utf8(inner).ok()?.parse().ok()
}

/// Classifies the text of a magic link.
pub fn parse(text: &[u8]) -> LinkTarget {
    if let Some(rest) = text.strip_prefix(b"socket:") {
        if let Some(inode) = bracketed_inode(rest) {
            return LinkTarget::Socket { inode };
        }
    }
    if let Some(rest) = text.strip_prefix(b"pipe:") {
        if let Some(inode) = bracketed_inode(rest) {
            return LinkTarget::Pipe { inode };
        }
    }
    if let Some(rest) = text.strip_prefix(b"anon_inode:") {
        return LinkTarget::AnonInode {
            kind: bytes_to_string(rest),
        };
    }
    if text.starts_with(b"/") {
        // A file whose real name ends in " (deleted)" is indistinguishable here; the reader
        // confirms with the link count (stat_target nlink == 0).
        let (path, deleted) = match text.strip_suffix(DELETED_SUFFIX) {
            Some(p) => (p, true),
            None => (text, false),
        };
        let memfd = path.starts_with(b"/memfd:");
        return LinkTarget::Path {
            path: bytes_to_string(path),
            deleted: deleted || memfd,
            memfd,
        };
    }
    LinkTarget::Other {
        text: bytes_to_string(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_kernel_forms() {
        assert_eq!(
            parse(b"/usr/bin/bash"),
            LinkTarget::Path {
                path: "/usr/bin/bash".into(),
                deleted: false,
                memfd: false
            }
        );
        assert!(parse(b"/tmp/x (deleted)").is_deleted());
        let m = parse(b"/memfd:payload (deleted)");
        assert!(matches!(
            m,
            LinkTarget::Path {
                memfd: true,
                deleted: true,
                ..
            }
        ));
        assert_eq!(parse(b"socket:[19242]").socket_inode(), Some(19242));
        assert_eq!(parse(b"pipe:[7]"), LinkTarget::Pipe { inode: 7 });
        assert_eq!(
            parse(b"anon_inode:[eventfd]"),
            LinkTarget::AnonInode {
                kind: "[eventfd]".into()
            }
        );
    }

    #[test]
    fn garbage_and_truncated_forms() {
        assert!(matches!(parse(b"socket:[12"), LinkTarget::Other { .. }));
        assert!(matches!(parse(b"socket:[x]"), LinkTarget::Other { .. }));
        assert!(matches!(parse(b""), LinkTarget::Other { .. }));
        assert!(matches!(parse(b"\xff\x00"), LinkTarget::Other { .. }));
        assert_eq!(
            parse(b"/a\nb\x1b (deleted)").display(),
            "/a\nb\x1b (deleted)"
        );
    }
}
