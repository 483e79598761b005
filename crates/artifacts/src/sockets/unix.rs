//! `/proc/net/unix`: Unix domain sockets.
//!
//! Local IPC endpoints: a backdoor listening on `/tmp/.x` or an abstract name (`@...`), a
//! process talking to the docker socket. Columns: kernel address, refcount, protocol, flags
//! (`00010000` = listening), type (1 stream, 2 dgram, 5 seqpacket), state, inode, optional path.

use serde::Serialize;

use crate::ParseError;

/// One Unix socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnixSocket {
    /// `STREAM`, `DGRAM`, `SEQPACKET` or the number.
    pub kind: String,
    /// `UNCONNECTED`, `CONNECTING`, `CONNECTED`, `DISCONNECTING`, `LISTENING`.
    pub state: String,
    /// True when it accepts connections.
    pub listening: bool,
    /// Socket inode.
    pub inode: u64,
    /// Bound path (`@name` for the abstract namespace), if any.
    pub path: Option<String>,
}

const ACCEPTCON: u32 = 0x0001_0000;

/// Parses `/proc/net/unix`.
pub fn parse(data: &[u8]) -> Result<Vec<UnixSocket>, ParseError> {
    let what = "/proc/net/unix";
    let mut lines = data.split(|&b| b == b'\n');
    let header = lines
        .next()
        .ok_or_else(|| ParseError::malformed(what, "empty"))?;
    if !header.starts_with(b"Num") {
        return Err(ParseError::malformed(what, "no header line"));
    }
    let mut out = Vec::new();
    for line in lines {
        if line.is_empty() {
            continue;
        }
        // Seven fixed columns, then the path (which may contain spaces).
        let mut rest = line;
        let mut cols: Vec<&[u8]> = Vec::with_capacity(7);
        while cols.len() < 7 {
            let trimmed = trim_start(rest);
            if trimmed.is_empty() {
                break;
            }
            let end = trimmed
                .iter()
                .position(|&b| b == b' ')
                .unwrap_or(trimmed.len());
            cols.push(&trimmed[..end]);
            rest = &trimmed[end..];
        }
        if cols.len() < 7 {
            return Err(ParseError::Truncated {
                what,
                need: 7,
                have: cols.len(),
            });
        }
        let text = |b: &[u8]| std::str::from_utf8(b).ok().map(str::to_string);
        let hex = |b: &[u8]| text(b).and_then(|s| u32::from_str_radix(&s, 16).ok());
        let bad = |why: &str| ParseError::malformed(what, why.to_string());
        let flags = hex(cols[3]).ok_or_else(|| bad("flags"))?;
        let kind_code = hex(cols[4]).ok_or_else(|| bad("type"))?;
        let state_code = hex(cols[5]).ok_or_else(|| bad("state"))?;
        let inode = text(cols[6])
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("inode"))?;
        let path = trim_start(rest);
        let listening = flags & ACCEPTCON != 0;
        out.push(UnixSocket {
            kind: match kind_code {
                1 => "STREAM".into(),
                2 => "DGRAM".into(),
                5 => "SEQPACKET".into(),
                n => n.to_string(),
            },
            state: if listening {
                "LISTENING".into()
            } else {
                match state_code {
                    1 => "UNCONNECTED".into(),
                    2 => "CONNECTING".into(),
                    3 => "CONNECTED".into(),
                    4 => "DISCONNECTING".into(),
                    n => n.to_string(),
                }
            },
            listening,
            inode,
            path: (!path.is_empty()).then(|| huoyan_core::text::bytes_to_string(path)),
        });
    }
    Ok(out)
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|&&c| c == b' ').count();
    &b[n..]
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[u8] = b"Num       RefCount Protocol Flags    Type St Inode Path\n\
0000000016afa5c0: 00000002 00000000 00010000 0001 01 16998 /run/dbus/system_bus_socket\n\
0000000041369950: 00000003 00000000 00000000 0001 03 16980\n\
00000000aaaa0000: 00000002 00000000 00010000 0001 01 17000 @/tmp/.X11 odd name\n";

    #[test]
    fn parses_real_lines() {
        let v = parse(SAMPLE).expect("unix");
        assert_eq!(v.len(), 3);
        assert!(v[0].listening);
        assert_eq!(v[0].path.as_deref(), Some("/run/dbus/system_bus_socket"));
        assert_eq!(v[1].state, "CONNECTED");
        assert_eq!(v[1].path, None);
        assert_eq!(v[2].path.as_deref(), Some("@/tmp/.X11 odd name"));
    }

    #[test]
    fn truncated_and_garbage_are_errors() {
        assert!(parse(&SAMPLE[..90]).is_err());
        assert!(parse(b"").is_err());
        assert!(parse(b"\xff\xfe").is_err());
        assert!(parse(b"Num x\n0: 1 2 zz 1 1 5\n").is_err());
    }
}
