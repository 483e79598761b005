//! Netlink plumbing for nf_tables: message building, the `NETLINK_NETFILTER` socket, replies.
//!
//! huoyan programs the kernel firewall itself instead of running `nft` or `iptables`: on a
//! compromised host those binaries (or the libraries they load) may be trojaned to report a
//! ruleset that is not the one enforced. Everything here speaks the kernel's own protocol over a
//! raw netlink socket (rustix), with no libmnl/libnftnl:
//!
//! - a message is a `nlmsghdr` (length, type, flags, sequence, port id), then the nfnetlink
//!   `nfgenmsg` (address family, version 0, resource id), then netlink attributes (TLVs padded
//!   to 4 bytes; nested attributes carry `NLA_F_NESTED`);
//! - changes travel in one batch (`NFNL_MSG_BATCH_BEGIN` … `NFNL_MSG_BATCH_END`) that the kernel
//!   commits as one transaction or not at all;
//! - the kernel handles a message synchronously inside `sendto`, so all acknowledgements are
//!   queued on the socket when `sendto` returns.

use std::io;
use std::os::fd::OwnedFd;
use std::time::Duration;

use rustix::net::netlink::SocketAddrNetlink;
use rustix::net::{AddressFamily, RecvFlags, SendFlags, SocketType};

use crate::error::{ContainError, Result};

/// nfnetlink subsystem id of nf_tables.
pub const NFNL_SUBSYS_NFTABLES: u16 = 10;
/// Start of a batch (`NLMSG_MIN_TYPE`).
pub const NFNL_MSG_BATCH_BEGIN: u16 = 0x10;
/// End of a batch.
pub const NFNL_MSG_BATCH_END: u16 = 0x11;

/// `NLM_F_REQUEST`.
pub const NLM_F_REQUEST: u16 = 0x1;
/// `NLM_F_MULTI`: part of a multipart (dump) reply.
pub const NLM_F_MULTI: u16 = 0x2;
/// `NLM_F_ACK`.
pub const NLM_F_ACK: u16 = 0x4;
/// `NLM_F_DUMP` (`NLM_F_ROOT | NLM_F_MATCH`).
pub const NLM_F_DUMP: u16 = 0x300;
/// `NLM_F_CREATE`.
pub const NLM_F_CREATE: u16 = 0x400;
/// `NLM_F_APPEND`.
pub const NLM_F_APPEND: u16 = 0x800;

const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLA_F_NESTED: u16 = 0x8000;
const NLA_TYPE_MASK: u16 = 0x3fff;
const NLMSG_HDRLEN: usize = 16;
const NFGENMSG_LEN: usize = 4;

/// Builds one netlink message with an nfgenmsg header and attributes.
#[derive(Debug)]
pub struct MsgBuilder {
    buf: Vec<u8>,
    nests: Vec<usize>,
}

impl MsgBuilder {
    /// Starts a message of `msg_type` with `flags` for address `family`; `res_id` is the
    /// nfgenmsg resource id (the subsystem for batch markers, 0 otherwise).
    pub fn new(msg_type: u16, flags: u16, seq: u32, family: u8, res_id: u16) -> Self {
        let mut buf = Vec::with_capacity(256);
        buf.extend_from_slice(&0u32.to_ne_bytes()); // length, patched in finish()
        buf.extend_from_slice(&msg_type.to_ne_bytes());
        buf.extend_from_slice(&flags.to_ne_bytes());
        buf.extend_from_slice(&seq.to_ne_bytes());
        buf.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel fills it
        buf.push(family);
        buf.push(0); // NFNETLINK_V0
        buf.extend_from_slice(&res_id.to_be_bytes());
        MsgBuilder {
            buf,
            nests: Vec::new(),
        }
    }

    /// An nf_tables message (`NFNL_SUBSYS_NFTABLES << 8 | msg`).
    pub fn nft(msg: u16, flags: u16, seq: u32, family: u8) -> Self {
        Self::new((NFNL_SUBSYS_NFTABLES << 8) | msg, flags, seq, family, 0)
    }

    /// A raw attribute.
    pub fn attr(&mut self, ty: u16, data: &[u8]) -> &mut Self {
        let len = 4 + data.len();
        self.buf
            .extend_from_slice(&u16::try_from(len).unwrap_or(u16::MAX).to_ne_bytes());
        self.buf.extend_from_slice(&ty.to_ne_bytes());
        self.buf.extend_from_slice(data);
        self.pad();
        self
    }

    /// A NUL-terminated string attribute.
    pub fn attr_str(&mut self, ty: u16, s: &str) -> &mut Self {
        let mut data = s.as_bytes().to_vec();
        data.push(0);
        self.attr(ty, &data)
    }

    /// A big-endian u32 attribute (nf_tables sends numbers in network order).
    pub fn attr_be32(&mut self, ty: u16, v: u32) -> &mut Self {
        self.attr(ty, &v.to_be_bytes())
    }

    /// A big-endian u64 attribute.
    pub fn attr_be64(&mut self, ty: u16, v: u64) -> &mut Self {
        self.attr(ty, &v.to_be_bytes())
    }

    /// Opens a nested attribute; close it with [`MsgBuilder::end_nest`].
    pub fn begin_nest(&mut self, ty: u16) -> &mut Self {
        self.nests.push(self.buf.len());
        self.buf.extend_from_slice(&0u16.to_ne_bytes());
        self.buf
            .extend_from_slice(&(ty | NLA_F_NESTED).to_ne_bytes());
        self
    }

    /// Closes the innermost nested attribute.
    pub fn end_nest(&mut self) -> &mut Self {
        if let Some(start) = self.nests.pop() {
            let len = u16::try_from(self.buf.len() - start).unwrap_or(u16::MAX);
            self.buf[start..start + 2].copy_from_slice(&len.to_ne_bytes());
        }
        self
    }

    fn pad(&mut self) {
        while !self.buf.len().is_multiple_of(4) {
            self.buf.push(0);
        }
    }

    /// The finished message bytes.
    pub fn finish(mut self) -> Vec<u8> {
        while !self.nests.is_empty() {
            self.end_nest();
        }
        let len = u32::try_from(self.buf.len()).unwrap_or(u32::MAX);
        self.buf[0..4].copy_from_slice(&len.to_ne_bytes());
        self.buf
    }
}

/// One message received from the kernel.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Message type.
    pub msg_type: u16,
    /// Flags.
    pub flags: u16,
    /// Sequence number it answers.
    pub seq: u32,
    /// Payload after the nlmsghdr (for nf_tables messages: nfgenmsg then attributes).
    pub payload: Vec<u8>,
}

impl Reply {
    /// For an `NLMSG_ERROR` message: the errno (0 is an acknowledgement).
    pub fn error_code(&self) -> Option<i32> {
        if self.msg_type != NLMSG_ERROR {
            return None;
        }
        let bytes: [u8; 4] = self.payload.get(0..4)?.try_into().ok()?;
        Some(-i32::from_ne_bytes(bytes))
    }

    /// The nf_tables message number (`NFT_MSG_*`) of a data message.
    pub fn nft_msg(&self) -> Option<u16> {
        (self.msg_type >> 8 == NFNL_SUBSYS_NFTABLES).then_some(self.msg_type & 0xff)
    }

    /// The attributes after the nfgenmsg header.
    pub fn attrs(&self) -> Vec<Attr<'_>> {
        parse_attrs(self.payload.get(NFGENMSG_LEN..).unwrap_or(&[]))
    }

    /// The nfgenmsg address family.
    pub fn family(&self) -> u8 {
        self.payload.first().copied().unwrap_or(0)
    }
}

/// One parsed attribute.
#[derive(Debug, Clone, Copy)]
pub struct Attr<'a> {
    /// Type without the nested/byte-order flags.
    pub ty: u16,
    /// Value bytes.
    pub data: &'a [u8],
}

impl<'a> Attr<'a> {
    /// A NUL-terminated string value.
    pub fn as_str(&self) -> String {
        let end = self
            .data
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(self.data.len());
        String::from_utf8_lossy(&self.data[..end]).into_owned()
    }

    /// A big-endian u32 value.
    pub fn as_be32(&self) -> Option<u32> {
        Some(u32::from_be_bytes(self.data.get(0..4)?.try_into().ok()?))
    }

    /// A big-endian u64 value.
    pub fn as_be64(&self) -> Option<u64> {
        Some(u64::from_be_bytes(self.data.get(0..8)?.try_into().ok()?))
    }

    /// The attributes nested inside this one.
    pub fn nested(&self) -> Vec<Attr<'a>> {
        parse_attrs(self.data)
    }
}

/// Parses a run of attributes; stops quietly at the first malformed one.
pub fn parse_attrs(mut data: &[u8]) -> Vec<Attr<'_>> {
    let mut out = Vec::new();
    while data.len() >= 4 {
        let len = usize::from(u16::from_ne_bytes([data[0], data[1]]));
        let ty = u16::from_ne_bytes([data[2], data[3]]) & NLA_TYPE_MASK;
        if len < 4 || len > data.len() {
            break;
        }
        out.push(Attr {
            ty,
            data: &data[4..len],
        });
        let advance = (len + 3) & !3;
        data = data.get(advance..).unwrap_or(&[]);
    }
    out
}

/// Splits a received buffer into messages; stops at the first malformed header.
pub fn parse_messages(mut data: &[u8]) -> Vec<Reply> {
    let mut out = Vec::new();
    while data.len() >= NLMSG_HDRLEN {
        let len = u32::from_ne_bytes([data[0], data[1], data[2], data[3]]) as usize;
        if len < NLMSG_HDRLEN || len > data.len() {
            break;
        }
        out.push(Reply {
            msg_type: u16::from_ne_bytes([data[4], data[5]]),
            flags: u16::from_ne_bytes([data[6], data[7]]),
            seq: u32::from_ne_bytes([data[8], data[9], data[10], data[11]]),
            payload: data[NLMSG_HDRLEN..len].to_vec(),
        });
        let advance = (len + 3) & !3;
        data = data.get(advance..).unwrap_or(&[]);
    }
    out
}

/// Whether an errno from the kernel means "nf_tables is not there".
fn means_unavailable(errno: i32) -> bool {
    matches!(
        errno,
        libc::EPROTONOSUPPORT | libc::EAFNOSUPPORT | libc::EOPNOTSUPP
    )
}

/// Maps a kernel errno for operation `op` to a responder-facing error.
pub fn kernel_error(op: &str, errno: i32) -> ContainError {
    if errno == libc::EPERM || errno == libc::EACCES {
        ContainError::NotRoot {
            action: op.to_string(),
        }
    } else if means_unavailable(errno) {
        ContainError::NftUnavailable {
            detail: io::Error::from_raw_os_error(errno).to_string(),
        }
    } else {
        ContainError::Netlink {
            op: op.to_string(),
            source: io::Error::from_raw_os_error(errno),
        }
    }
}

/// A `NETLINK_NETFILTER` socket bound to the current network namespace.
#[derive(Debug)]
pub struct NfSocket {
    fd: OwnedFd,
    seq: u32,
}

impl NfSocket {
    /// Opens the socket. `EPROTONOSUPPORT` here means the kernel has no nfnetlink.
    pub fn open() -> Result<Self> {
        let fd = rustix::net::socket_with(
            AddressFamily::NETLINK,
            SocketType::RAW,
            rustix::net::SocketFlags::CLOEXEC,
            Some(rustix::net::netlink::NETFILTER),
        )
        .map_err(|e| {
            let errno = e.raw_os_error();
            if means_unavailable(errno) {
                kernel_error("open netlink socket", errno)
            } else {
                ContainError::Netlink {
                    op: "open netlink socket".into(),
                    source: e.into(),
                }
            }
        })?;
        rustix::net::bind(&fd, &SocketAddrNetlink::new(0, 0)).map_err(|e| {
            ContainError::Netlink {
                op: "bind netlink socket".into(),
                source: e.into(),
            }
        })?;
        // A dump continues inside recv; never wait forever for a kernel that stopped answering.
        let _ = rustix::net::sockopt::set_socket_timeout(
            &fd,
            rustix::net::sockopt::Timeout::Recv,
            Some(Duration::from_secs(5)),
        );
        let seq = u32::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() & 0xffff)
                .unwrap_or(1),
        )
        .unwrap_or(1)
            << 12;
        Ok(NfSocket { fd, seq })
    }

    /// The next sequence number.
    pub fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    fn send(&self, bytes: &[u8], op: &str) -> Result<()> {
        rustix::net::sendto(
            &self.fd,
            bytes,
            SendFlags::empty(),
            &SocketAddrNetlink::new(0, 0),
        )
        .map_err(|e| {
            let errno = e.raw_os_error();
            if errno == libc::EPERM || means_unavailable(errno) {
                kernel_error(op, errno)
            } else {
                ContainError::Netlink {
                    op: op.into(),
                    source: e.into(),
                }
            }
        })?;
        Ok(())
    }

    fn recv(&self, nonblocking: bool) -> Result<Option<Vec<Reply>>> {
        let mut buf = vec![0u8; 256 * 1024];
        let flags = if nonblocking {
            RecvFlags::DONTWAIT
        } else {
            RecvFlags::empty()
        };
        match rustix::net::recv(&self.fd, &mut buf[..], flags) {
            Ok((n, _)) => Ok(Some(parse_messages(&buf[..n.min(buf.len())]))),
            Err(e) if e == rustix::io::Errno::AGAIN || e == rustix::io::Errno::WOULDBLOCK => {
                Ok(None)
            }
            Err(e) => Err(ContainError::Netlink {
                op: "receive".into(),
                source: e.into(),
            }),
        }
    }

    /// Sends `messages` wrapped in one batch and waits for every acknowledgement. Each message
    /// must carry `NLM_F_ACK`; `names` label them for error messages. The kernel applies all of
    /// them or none.
    pub fn batch(&mut self, messages: Vec<(u32, String, Vec<u8>)>) -> Result<()> {
        let begin_seq = self.next_seq();
        let mut bytes = MsgBuilder::new(
            NFNL_MSG_BATCH_BEGIN,
            NLM_F_REQUEST,
            begin_seq,
            0,
            NFNL_SUBSYS_NFTABLES,
        )
        .finish();
        for (_, _, msg) in &messages {
            bytes.extend_from_slice(msg);
        }
        let end_seq = self.next_seq();
        bytes.extend_from_slice(
            &MsgBuilder::new(
                NFNL_MSG_BATCH_END,
                NLM_F_REQUEST,
                end_seq,
                0,
                NFNL_SUBSYS_NFTABLES,
            )
            .finish(),
        );
        self.send(&bytes, "send batch")?;
        let mut pending: Vec<u32> = messages.iter().map(|(seq, _, _)| *seq).collect();
        let mut first_error: Option<ContainError> = None;
        while !pending.is_empty() && first_error.is_none() {
            let Some(replies) = self.recv(false)? else {
                break;
            };
            for reply in replies {
                let Some(code) = reply.error_code() else {
                    continue;
                };
                pending.retain(|&s| s != reply.seq);
                if code != 0 && first_error.is_none() {
                    let name = messages
                        .iter()
                        .find(|(s, _, _)| *s == reply.seq)
                        .map(|(_, n, _)| n.clone())
                        .unwrap_or_else(|| "batch".into());
                    first_error = Some(kernel_error(&name, code));
                }
            }
        }
        // Drain what else the kernel queued so the socket is clean for the next request.
        while let Ok(Some(_)) = self.recv(true) {}
        match first_error {
            Some(e) => Err(e),
            None if pending.is_empty() => Ok(()),
            None => Err(ContainError::BadReply(format!(
                "{} message(s) of the batch were never acknowledged",
                pending.len()
            ))),
        }
    }

    /// Sends one request (a get or a dump) and collects the data messages it produces, up to the
    /// acknowledgement or `NLMSG_DONE`. An error reply becomes `Err(errno)`.
    pub fn request(&mut self, msg: Vec<u8>, seq: u32, op: &str) -> Result<Result<Vec<Reply>, i32>> {
        self.send(&msg, op)?;
        let mut out = Vec::new();
        loop {
            let Some(replies) = self.recv(false)? else {
                return Err(ContainError::BadReply(format!("{op}: no answer")));
            };
            if replies.is_empty() {
                return Err(ContainError::BadReply(format!("{op}: empty answer")));
            }
            for reply in replies {
                if reply.seq != seq {
                    continue;
                }
                match reply.msg_type {
                    NLMSG_DONE => return Ok(Ok(out)),
                    NLMSG_ERROR => {
                        let code = reply.error_code().unwrap_or(libc::EIO);
                        return Ok(if code == 0 { Ok(out) } else { Err(code) });
                    }
                    // Data: a dump's parts (NLM_F_MULTI) end with NLMSG_DONE, a single answer
                    // with the acknowledgement we asked for.
                    _ => out.push(reply),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_padded_attributes_and_nests() {
        let mut m = MsgBuilder::nft(0, NLM_F_REQUEST, 7, 1);
        m.attr_str(1, "huoyan");
        m.begin_nest(4).attr_be32(1, 1).attr_be32(2, 5).end_nest();
        let bytes = m.finish();
        assert_eq!(bytes.len() % 4, 0);
        assert_eq!(
            u32::from_ne_bytes(bytes[0..4].try_into().unwrap()) as usize,
            bytes.len()
        );
        let msgs = parse_messages(&bytes);
        assert_eq!(msgs.len(), 1);
        assert_eq!(msgs[0].seq, 7);
        assert_eq!(msgs[0].nft_msg(), Some(0));
        let attrs = msgs[0].attrs();
        assert_eq!(attrs.len(), 2);
        assert_eq!(attrs[0].as_str(), "huoyan");
        let inner = attrs[1].nested();
        assert_eq!(inner[1].as_be32(), Some(5));
    }

    #[test]
    fn garbage_and_truncated_replies_do_not_panic() {
        assert!(parse_messages(&[1, 2, 3]).is_empty());
        assert!(parse_messages(&[0xff; 40]).is_empty());
        let mut m = MsgBuilder::nft(0, 0, 1, 1);
        m.attr_str(1, "x");
        let bytes = m.finish();
        for cut in 0..bytes.len() {
            let _ = parse_messages(&bytes[..cut]);
            let _ = parse_attrs(&bytes[..cut]);
        }
        let attrs = parse_attrs(&[8, 0, 1, 0, 1, 2]);
        assert!(attrs.is_empty());
    }

    #[test]
    fn kernel_errors_are_explained() {
        let e = kernel_error("apply", libc::EOPNOTSUPP).to_string();
        assert!(e.contains("nftables is not available"), "{e}");
        let e = kernel_error("apply", libc::EPERM).to_string();
        assert!(e.contains("needs root"), "{e}");
        let e = kernel_error("rule 3", libc::EINVAL).to_string();
        assert!(
            e.contains("nothing was changed") && e.contains("rule 3"),
            "{e}"
        );
    }

    #[test]
    fn error_code_reads_negative_errno() {
        let r = Reply {
            msg_type: NLMSG_ERROR,
            flags: 0,
            seq: 1,
            payload: (-libc::ENOENT).to_ne_bytes().to_vec(),
        };
        assert_eq!(r.error_code(), Some(libc::ENOENT));
    }
}
