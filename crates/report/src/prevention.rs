//! Prevention recommendations derived from what was found: each family of findings maps to the
//! hardening that would have stopped or exposed it, plus the baseline every incident warrants.

use huoyan_core::{Finding, Severity};

use crate::Lang;

struct Advice {
    /// Check-id prefixes (or exact ids) that call for this advice.
    triggers: &'static [&'static str],
    en: &'static str,
    zh: &'static str,
}

const ADVICE: &[Advice] = &[
    Advice {
        triggers: &["logs.bruteforce", "logs.brute", "ssh.password", "ssh.permit_root", "ssh.empty"],
        en: "Disable SSH password login (PasswordAuthentication no, PermitRootLogin prohibit-password or no), use keys, restrict SSH to management addresses, and rate-limit or ban guessing sources (fail2ban).",
        zh: "禁用 SSH 口令登录（PasswordAuthentication no，PermitRootLogin prohibit-password 或 no），改用密钥，仅允许管理地址访问 SSH，并对猜测来源限速或封禁（fail2ban）。",
    },
    Advice {
        triggers: &["accounts.", "logs.account"],
        en: "Remove unauthorised accounts, rotate every password and SSH key that existed on this host, and review sudoers and privileged groups.",
        zh: "删除未授权账号，更换此主机上所有口令和 SSH 密钥，并复查 sudoers 与特权用户组。",
    },
    Advice {
        triggers: &["web."],
        en: "Patch the web application and its framework, remove webshells, make upload directories non-executable, run the web server with least privilege, and put a WAF in front.",
        zh: "修补 Web 应用及其框架，清除 webshell，上传目录禁止执行脚本，以最小权限运行 Web 服务，并部署 WAF。",
    },
    Advice {
        triggers: &["persistence.", "ssh.authorized", "ssh.keys"],
        en: "After cleaning, re-audit cron, systemd units, rc files and authorized_keys; watch them with file-integrity monitoring.",
        zh: "清理后重新审计 cron、systemd 单元、rc 文件和 authorized_keys，并以文件完整性监控持续监视。",
    },
    Advice {
        triggers: &["integrity.", "rootkit."],
        en: "Treat the system as untrustworthy: rebuild it from known-good media, restore data (not binaries) from backups, and keep a baseline of system binaries.",
        zh: "视该系统为不可信：用可信介质重建系统，仅从备份恢复数据（不恢复程序），并保存系统程序的基线。",
    },
    Advice {
        triggers: &["process.", "network."],
        en: "Filter egress traffic: servers should reach only the destinations they need; alert on new outbound connections and listening ports.",
        zh: "限制出站流量：服务器只允许访问必需的目的地址；对新的外连和监听端口告警。",
    },
    Advice {
        triggers: &["monitoring."],
        en: "Deploy and watch a HIDS (Wazuh/OSSEC, auditd with rules) and alert when an agent stops.",
        zh: "部署并监控主机入侵检测（Wazuh/OSSEC、带规则的 auditd），代理停止时告警。",
    },
    Advice {
        triggers: &["history.", "logs.tamper", "logs.wtmp", "logs.empty"],
        en: "Ship logs and shell histories to a central, append-only log server so local wiping cannot erase them.",
        zh: "将日志和命令历史实时发送到集中的、只追加的日志服务器，使本地清除无法抹掉证据。",
    },
];

const BASELINE_EN: &str = "Keep systems patched, keep offline backups, and rehearse this response.";
const BASELINE_ZH: &str = "及时打补丁，保留离线备份，并定期演练应急响应。";

/// The recommendations that apply to these findings, most relevant first.
pub fn recommendations(findings: &[Finding], lang: Lang) -> Vec<&'static str> {
    let mut out = Vec::new();
    for advice in ADVICE {
        let hit = findings.iter().any(|f| {
            f.severity >= Severity::Low && advice.triggers.iter().any(|t| f.check_id.starts_with(t))
        });
        if hit {
            out.push(lang.pick(advice.en, advice.zh));
        }
    }
    out.push(lang.pick(BASELINE_EN, BASELINE_ZH));
    out
}
