//! systemd unit files and drop-ins (`*.service`, `*.timer`, `*.socket`, `*.path`,
//! `*.d/*.conf`).
//!
//! INI-like: `[Section]` headers, `Key=Value` lines, `#`/`;` comments, backslash continuation.
//! What matters to a responder is what a unit *runs* (`ExecStart=`, `ExecStartPre=`,
//! `ExecStartPost=`, `ExecReload=`, `ExecStop=`, `ExecStopPost=`, `ExecCondition=`), what it
//! loads (`Environment=LD_PRELOAD=…`, `EnvironmentFile=`), and when (`OnCalendar=`,
//! `OnBootSec=`, `WantedBy=`). [`exec_command`] strips the `@-:+!` prefixes from an `Exec*=`
//! value.

use serde::Serialize;

use super::lossy;

/// One `Key=Value` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Directive {
    /// 1-based line number where it starts.
    pub line: usize,
    /// Section name without brackets (`Service`, `Unit`, `Install`, `Timer` …).
    pub section: String,
    /// Key.
    pub key: String,
    /// Value (continuations joined).
    pub value: String,
}

/// Parses a unit or drop-in file.
pub fn parse_unit(data: &[u8]) -> Vec<Directive> {
    let mut out: Vec<Directive> = Vec::new();
    let mut section = String::new();
    let mut continuing = false;
    for (i, raw) in data.split(|&b| b == b'\n').enumerate() {
        let line = lossy(raw);
        let trimmed = line.trim();
        if continuing {
            if let Some(last) = out.last_mut() {
                last.value.push(' ');
                last.value.push_str(trimmed.trim_end_matches('\\').trim());
            }
            continuing = trimmed.ends_with('\\');
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            section = name.to_string();
            continue;
        }
        let Some((key, value)) = trimmed.split_once('=') else {
            continue;
        };
        continuing = value.ends_with('\\');
        out.push(Directive {
            line: i + 1,
            section: section.clone(),
            key: key.trim().to_string(),
            value: value.trim().trim_end_matches('\\').trim_end().to_string(),
        });
    }
    out
}

/// True for keys whose value is a command line.
pub fn is_exec_key(key: &str) -> bool {
    key.starts_with("Exec") && key != "ExecSearchPath" && key != "ExecPaths"
}

/// The command of an `Exec*=` value, without systemd's prefix characters (`@`, `-`, `:`, `+`,
/// `!`, `|`).
pub fn exec_command(value: &str) -> &str {
    value
        .trim_start_matches(['@', '-', ':', '+', '!', '|'])
        .trim_start()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CRON_SERVICE: &[u8] = b"[Unit]\nDescription=Regular background program processing daemon\nDocumentation=man:cron(8)\nAfter=remote-fs.target nss-user-lookup.target\n\n[Service]\nEnvironmentFile=-/etc/default/cron\nExecStart=/usr/sbin/cron -f -P $EXTRA_OPTS\nIgnoreSIGPIPE=false\nKillMode=process\nRestart=on-failure\nSyslogIdentifier=cron\n\n[Install]\nWantedBy=multi-user.target\n";

    #[test]
    fn parses_real_cron_service() {
        let d = parse_unit(CRON_SERVICE);
        let exec = d.iter().find(|d| d.key == "ExecStart").expect("exec");
        assert_eq!(exec.section, "Service");
        assert_eq!(exec.value, "/usr/sbin/cron -f -P $EXTRA_OPTS");
        assert_eq!(exec.line, 8);
        assert!(is_exec_key("ExecStartPre"));
        assert!(!is_exec_key("ExecSearchPath"));
        assert_eq!(exec_command("-+/bin/sh -c 'x'"), "/bin/sh -c 'x'");
    }

    #[test]
    fn continuation_and_garbage() {
        let d =
            parse_unit(b"[Service]\nExecStart=/bin/sh -c \\\n  'curl x | sh'\n[broken\n=\n\xff\n");
        assert_eq!(d[0].value, "/bin/sh -c 'curl x | sh'");
        let _ = parse_unit(b"ExecStart=\\");
    }
}
