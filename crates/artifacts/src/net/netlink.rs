//! Route netlink (`NETLINK_ROUTE`) framing shared by the dumps huoyan asks the live kernel for:
//! addresses (`RTM_GETADDR`, [`super::addr`]) and links (`RTM_GETLINK`, [`super::netns`]).
//!
//! The reply bytes come from the kernel of a host that may be compromised: every length is checked
//! against the bytes present, a malformed message is an error, never a panic or an endless loop.

use crate::ParseError;

/// Size of `struct nlmsghdr`.
pub(crate) const NLMSG_HDR: usize = 16;
const NLMSG_ERROR: u16 = 2;
/// End of a dump.
pub(crate) const NLMSG_DONE: u16 = 3;
/// `NLM_F_REQUEST | NLM_F_DUMP`.
const DUMP_FLAGS: u16 = 0x0001 | 0x0300;
/// Datagrams read for one dump at most (a broken reply cannot make huoyan loop).
const MAX_DATAGRAMS: usize = 256;

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

/// The native-endian `u16` at `at`, if the bytes are there.
pub(crate) fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

/// The native-endian `u32` at `at`, if the bytes are there.
pub(crate) fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// Walks the messages of one reply datagram, handing each message of another type than
/// `NLMSG_DONE`/`NLMSG_ERROR` to `on_message(type, payload)`. Returns whether the dump is
/// complete (an `NLMSG_DONE` was seen); a kernel error or a truncated message is an error.
pub(crate) fn walk_messages(
    data: &[u8],
    what: &'static str,
    mut on_message: impl FnMut(u16, &[u8]) -> Result<(), ParseError>,
) -> Result<bool, ParseError> {
    let mut at = 0;
    while at + NLMSG_HDR <= data.len() {
        let len = u32_at(data, at).unwrap_or(0) as usize;
        let kind = u16_at(data, at + 4).unwrap_or(0);
        if len < NLMSG_HDR || len > data.len() - at {
            return Err(ParseError::Truncated {
                what,
                need: at.saturating_add(len.max(NLMSG_HDR)),
                have: data.len(),
            });
        }
        let msg = &data[at + NLMSG_HDR..at + len];
        match kind {
            NLMSG_DONE => return Ok(true),
            NLMSG_ERROR => {
                let code = u32_at(msg, 0).map(|c| c as i32).unwrap_or(0);
                if code != 0 {
                    return Err(ParseError::malformed(what, format!("kernel error {code}")));
                }
            }
            _ => on_message(kind, msg)?,
        }
        at += align4(len);
    }
    Ok(false)
}

/// Walks the attributes (`struct rtattr`) of `msg` from `start`, handing each to
/// `on_attribute(type, payload)` (type without the nested/byte-order flag bits).
pub(crate) fn walk_attributes(
    msg: &[u8],
    start: usize,
    what: &'static str,
    mut on_attribute: impl FnMut(u16, &[u8]),
) -> Result<(), ParseError> {
    let mut a = start;
    while a + 4 <= msg.len() {
        let alen = usize::from(u16_at(msg, a).unwrap_or(0));
        let akind = u16_at(msg, a + 2).unwrap_or(0) & 0x3fff;
        if alen < 4 || alen > msg.len() - a {
            return Err(ParseError::malformed(what, "attribute overruns message"));
        }
        on_attribute(akind, &msg[a + 4..a + alen]);
        a += align4(alen);
    }
    Ok(())
}

/// Sends one dump request of `request` type with a zeroed family header of `header_len` bytes
/// (`AF_UNSPEC`: every family) on a route netlink socket of the calling thread's network
/// namespace, and parses the reply datagrams with `parse` until the dump is complete, keeping at
/// most `cap` items.
pub(crate) fn dump<T>(
    request: u16,
    header_len: usize,
    cap: usize,
    parse: impl Fn(&[u8]) -> Result<(Vec<T>, bool), ParseError>,
) -> std::io::Result<Vec<T>> {
    use rustix::net::{
        netlink, recv, sendto, socket, AddressFamily, RecvFlags, SendFlags, SocketType,
    };
    let fd = socket(AddressFamily::NETLINK, SocketType::RAW, None)?;
    let total = NLMSG_HDR + header_len;
    let mut req = Vec::with_capacity(total);
    req.extend_from_slice(&(total as u32).to_ne_bytes());
    req.extend_from_slice(&request.to_ne_bytes());
    req.extend_from_slice(&DUMP_FLAGS.to_ne_bytes());
    req.extend_from_slice(&1u32.to_ne_bytes()); // seq
    req.extend_from_slice(&0u32.to_ne_bytes()); // pid: the kernel assigns it
    req.resize(total, 0); // the family header, AF_UNSPEC
    sendto(
        &fd,
        &req,
        SendFlags::empty(),
        &netlink::SocketAddrNetlink::new(0, 0),
    )?;
    let mut all = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    for _ in 0..MAX_DATAGRAMS {
        let (n, _) = recv(&fd, &mut buf[..], RecvFlags::empty())?;
        if n == 0 {
            break;
        }
        let (items, done) = parse(&buf[..n.min(buf.len())])
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
        all.extend(items);
        all.truncate(cap);
        if done {
            break;
        }
    }
    Ok(all)
}
