//! Persistence artifacts: everything on disk that makes a command run again later — at boot, at
//! login, on a schedule, when a device appears, when a package is installed.
//!
//! Read straight from the files (never through `crontab -l`, `systemctl` or `atq`, which an
//! attacker can replace and which do not work on a mounted image). Each submodule is a pure
//! parser over bytes: [`cron`] (crontabs, anacrontab), [`atjob`] (at spool files), [`systemd`]
//! (unit files and drop-ins), [`script`] (shell start-up files and scripts: logical lines,
//! aliases, assignments, traps), [`config`] (inittab, apt/dnf hooks, inetd/xinetd, udev rules,
//! modprobe `install` lines, /etc/environment). Finding the files is the checks' job, through a
//! `Root`.

pub mod atjob;
pub mod config;
pub mod cron;
pub mod script;
pub mod systemd;

/// A command found in a persistence file, with the line it came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CommandLine {
    /// 1-based line number where the command starts.
    pub line: usize,
    /// The command text.
    pub command: String,
}

pub(crate) fn lossy(bytes: &[u8]) -> String {
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    String::from_utf8_lossy(bytes).into_owned()
}
