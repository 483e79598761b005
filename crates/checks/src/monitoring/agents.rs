//! `monitoring.agents` — host-based monitoring (HIDS, EDR, audit): installed? running?
//!
//! **What it looks at:** for OSSEC/Wazuh (`/var/ossec`), auditd, AIDE, osquery, Falco,
//! CrowdStrike Falcon, SentinelOne, Elastic Agent/Endpoint, Qualys Cloud Agent, Tenable Nessus
//! Agent, Microsoft Defender for Endpoint, Trend Micro Deep Security, Sysmon for Linux, Aliyun
//! Aegis (AliYunDun), Tencent Cloud YunJing and Huawei HostGuard: installation traces (program
//! files, through the root) and, on a live host, running processes (each process's `comm` and
//! the name of its `exe` link, from the live scene read once from /proc and shared with the
//! process checks). Installed but not running is a finding (medium evidence: someone stopped
//! it, or an administrator disabled it); the installed/absent inventory is hardening context.
//!
//! **Why an attacker leaves this trace:** stopping the agent before acting is standard tradecraft
//! (`systemctl stop auditd`, `kill -9` on the EDR, `/etc/init.d/aegis stop` — cryptomining
//! scripts ship uninstallers for Aliyun and Tencent agents). A stopped agent also means the
//! telemetry the responder hoped for ends at that moment.
//!
//! **Example:** `wazuh` installed (`/var/ossec/bin/wazuh-agentd`) but no `wazuh-agentd` process.
//!
//! **Calibration:** posture: every finding is of kind `hardening` (listed in its own section,
//! never raises the verdict or the exit code; docs/PRECISION.md).
//!
//! **ATT&CK:** T1562.001 (Impair Defenses: Disable or Modify Tools).

use std::collections::HashSet;

use huoyan_artifacts::proc::LinkTarget;
use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct MonitoringAgents;

static INFO: CheckInfo = CheckInfo {
    id: "monitoring.agents",
    title: "Host monitoring (HIDS/EDR/audit) state",
    title_zh: "主机监控（HIDS/EDR/审计）状态",
    mitre: &["T1562.001"],
    remediation: "For an agent that is installed but not running: find when and how it stopped \
                  (its own logs, journal, auth log for systemctl/kill), keep those logs, restart \
                  it and tell its console owners so they know there is a telemetry gap.",
    remediation_zh: "对已安装但未运行的代理：查明其停止的时间和方式（代理自身日志、journal、认证日志中的 \
                     systemctl/kill 记录），保存这些日志，重新启动代理，并通知其管理方该时段存在监控数据缺口。",
};

/// One product: name, files that show it is installed, process names (as in comm, at most 15
/// bytes), and whether it is a daemon at all.
struct Agent {
    name: &'static str,
    files: &'static [&'static str],
    processes: &'static [&'static str],
    daemon: bool,
}

const AGENTS: &[Agent] = &[
    Agent {
        name: "Wazuh/OSSEC",
        files: &[
            "/var/ossec/bin/wazuh-agentd",
            "/var/ossec/bin/ossec-agentd",
            "/var/ossec/bin/wazuh-control",
            "/var/ossec/bin/ossec-control",
        ],
        processes: &[
            "wazuh-agentd",
            "ossec-agentd",
            "wazuh-syscheckd",
            "ossec-syscheckd",
            "wazuh-remoted",
            "ossec-remoted",
            "wazuh-analysisd",
            "ossec-analysisd",
        ],
        daemon: true,
    },
    Agent {
        name: "auditd",
        files: &["/sbin/auditd", "/usr/sbin/auditd"],
        processes: &["auditd"],
        daemon: true,
    },
    Agent {
        name: "AIDE",
        files: &["/usr/bin/aide", "/usr/sbin/aide"],
        processes: &["aide"],
        daemon: false,
    },
    Agent {
        name: "osquery",
        files: &[
            "/usr/bin/osqueryd",
            "/opt/osquery/bin/osqueryd",
            "/usr/local/bin/osqueryd",
        ],
        processes: &["osqueryd"],
        daemon: true,
    },
    Agent {
        name: "Falco",
        files: &["/usr/bin/falco", "/usr/local/bin/falco"],
        processes: &["falco"],
        daemon: true,
    },
    Agent {
        name: "CrowdStrike Falcon",
        files: &["/opt/CrowdStrike/falcond", "/opt/CrowdStrike/falconctl"],
        processes: &["falcond", "falcon-sensor", "falcon-sensor-b"],
        daemon: true,
    },
    Agent {
        name: "SentinelOne",
        files: &[
            "/opt/sentinelone/bin/sentinelone-agent",
            "/opt/sentinelone/bin/sentinelctl",
        ],
        processes: &[
            "sentinelone-age",
            "s1-agent",
            "s1-orchestrator",
            "s1-network",
            "s1-scanner",
        ],
        daemon: true,
    },
    Agent {
        name: "Elastic Agent/Endpoint",
        files: &[
            "/opt/Elastic/Agent/elastic-agent",
            "/opt/Elastic/Endpoint/elastic-endpoint",
            "/usr/share/elastic-agent/bin/elastic-agent",
        ],
        processes: &["elastic-agent", "elastic-endpoin", "elastic-endpoint"],
        daemon: true,
    },
    Agent {
        name: "Qualys Cloud Agent",
        files: &["/usr/local/qualys/cloud-agent/bin/qualys-cloud-agent"],
        processes: &["qualys-cloud-ag"],
        daemon: true,
    },
    Agent {
        name: "Tenable Nessus Agent",
        files: &[
            "/opt/nessus_agent/sbin/nessusd",
            "/opt/nessus_agent/sbin/nessus-service",
        ],
        processes: &["nessusd", "nessus-service"],
        daemon: true,
    },
    Agent {
        name: "Microsoft Defender for Endpoint",
        files: &["/opt/microsoft/mdatp/sbin/wdavdaemon"],
        processes: &["wdavdaemon"],
        daemon: true,
    },
    Agent {
        name: "Trend Micro Deep Security",
        files: &["/opt/ds_agent/ds_agent"],
        processes: &["ds_agent"],
        daemon: true,
    },
    Agent {
        name: "Sysmon for Linux",
        files: &["/opt/sysmon/sysmon", "/usr/bin/sysmon"],
        processes: &["sysmon"],
        daemon: true,
    },
    Agent {
        name: "Aliyun Aegis (AliYunDun)",
        files: &[
            "/usr/local/aegis/aegis_client",
            "/usr/local/aegis/aegis_update/AliYunDunUpdate",
            "/usr/local/aegis/AliYunDun",
        ],
        processes: &[
            "AliYunDun",
            "AliYunDunUpdate",
            "AliYunDunMonito",
            "aegis_quartz",
        ],
        daemon: true,
    },
    Agent {
        name: "Tencent Cloud YunJing",
        files: &[
            "/usr/local/qcloud/YunJing/YDEyes/YDService",
            "/usr/local/qcloud/YunJing",
        ],
        processes: &["YDService", "YDLive", "YDEyes"],
        daemon: true,
    },
    Agent {
        name: "Huawei HostGuard (HSS)",
        files: &["/usr/local/hostguard/bin/hostguard"],
        processes: &["hostguard", "hostwatch"],
        daemon: true,
    },
];

/// Process names currently running (comm and exe base name, from the live scene the process
/// checks share), or `None` without a live view.
fn running_names(ctx: &Context, out: &mut Outcome) -> Option<HashSet<String>> {
    let scene = match ctx.scene()? {
        Ok(scene) => scene,
        Err(gap) => {
            out.gap(gap.clone());
            return None;
        }
    };
    let mut names = HashSet::new();
    for p in &scene.processes {
        names.insert(p.comm.clone());
        if let Some(LinkTarget::Path { path, .. }) = &p.exe {
            if let Some(base) = path.rsplit('/').next() {
                names.insert(base.to_string());
            }
        }
    }
    Some(names)
}

impl Check for MonitoringAgents {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let running = running_names(ctx, out);
        let mut installed_any = false;
        for agent in AGENTS {
            let found: Vec<&str> = agent
                .files
                .iter()
                .copied()
                .filter(|f| ctx.root.exists(f))
                .collect();
            let live: Vec<&str> = match &running {
                Some(names) => agent
                    .processes
                    .iter()
                    .copied()
                    .filter(|p| names.contains(*p))
                    .collect(),
                None => Vec::new(),
            };
            if found.is_empty() && live.is_empty() {
                continue;
            }
            installed_any = true;
            let (severity, state) = match (&running, live.is_empty(), agent.daemon) {
                (_, _, false) => (
                    Severity::Info,
                    "installed (runs from cron, not as a daemon)".to_string(),
                ),
                (None, _, true) => (
                    Severity::Info,
                    "installed; whether it runs cannot be seen on an image".to_string(),
                ),
                (Some(_), false, true) => (
                    Severity::Info,
                    format!("installed and running ({})", live.join(", ")),
                ),
                // Not running is not proof that someone stopped it (admins disable agents too):
                // medium, needs a human look.
                (Some(_), true, true) => {
                    (Severity::Medium, "installed but NOT running".to_string())
                }
            };
            let mut f = INFO
                .finding(severity, format!("{}: {state}", agent.name))
                .evidence(json!({
                    "agent": agent.name,
                    "installed_files": found,
                    "running_processes": live,
                    "live_host": running.is_some(),
                }));
            for p in &found {
                f = f.path(*p);
            }
            if severity == Severity::Info {
                f = f
                    .remediation(
                        "Nothing to fix; use this agent's telemetry for the investigation.",
                        "无需处理；可利用该代理的监控数据辅助调查。",
                    )
                    .hardening();
            }
            out.add(f);
        }
        if !installed_any {
            let names: Vec<&str> = AGENTS.iter().map(|a| a.name).collect();
            out.add(
                INFO.finding(Severity::Info, "no host monitoring found (HIDS, EDR, auditd, AIDE): the investigation must rely on the host's own logs")
                    .evidence(json!({"looked_for": names}))
                    .remediation(
                        "Nothing to fix now; after recovery, deploy auditd rules and a HIDS/EDR.",
                        "当前无需处理；恢复后建议部署 auditd 规则与 HIDS/EDR。",
                    )
                    .hardening(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::testing::{root_with, run_default};
    use huoyan_artifacts::proc::Process;
    use huoyan_core::{ProcFs, Root, Window};
    use huoyan_snapshot::collect::Scene;

    fn ctx_with_processes(root: &std::path::Path, comms: &[&str]) -> Context {
        let mut ctx = Context::new(Root::new(root).expect("root"), Window::default());
        let processes = comms
            .iter()
            .enumerate()
            .map(|(i, c)| Process {
                pid: i as u32 + 1,
                comm: c.to_string(),
                ..Process::default()
            })
            .collect();
        ctx.set_scene(Scene {
            processes,
            ..Scene::default()
        });
        ctx
    }

    #[test]
    fn installed_not_running_is_medium_evidence_on_live_view() {
        let dir = root_with(&[("/var/ossec/bin/wazuh-agentd", "\x7fELF")]);
        let ctx = ctx_with_processes(dir.path(), &["systemd"]);
        let mut out = Outcome::default();
        MonitoringAgents.run(&ctx, &mut out);
        assert_eq!(out.findings.len(), 1, "{:#?}", out.findings);
        assert_eq!(out.findings[0].severity, Severity::Medium);
        assert!(out.findings[0].is_evidence());
        assert!(out.findings[0].summary.contains("Wazuh"));
    }

    #[test]
    fn running_is_info_and_absent_is_info() {
        let dir = root_with(&[("/usr/sbin/auditd", "\x7fELF")]);
        let ctx = ctx_with_processes(dir.path(), &["systemd", "auditd"]);
        let mut out = Outcome::default();
        MonitoringAgents.run(&ctx, &mut out);
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].severity, Severity::Info);
        let empty = root_with(&[]);
        let out = run_default(&MonitoringAgents, empty.path());
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].severity, Severity::Info);
        assert!(!out.findings[0].is_evidence());
    }

    /// Live: a real process named `falco` (a copy of sleep) counts as Falco running; Wazuh's
    /// files without a process count as installed but stopped. The root is a temporary
    /// directory, the process view is the real /proc.
    #[test]
    fn live_running_and_stopped_agents() {
        let Some(proc_fs) = ProcFs::live() else {
            eprintln!("skipped: no /proc");
            return;
        };
        let bin = tempfile::tempdir().expect("tempdir");
        let fake = bin.path().join("falco");
        std::fs::copy("/bin/sleep", &fake).expect("copy sleep");
        let mut child = huoyan_testkit::command(&fake)
            .arg("30")
            .spawn()
            .expect("spawn");
        let dir = root_with(&[
            ("/usr/bin/falco", "\x7fELF"),
            ("/var/ossec/bin/wazuh-agentd", "\x7fELF"),
        ]);
        let mut ctx = Context::new(Root::new(dir.path()).expect("root"), Window::default());
        ctx.proc_fs = Some(proc_fs);
        let mut out = Outcome::default();
        MonitoringAgents.run(&ctx, &mut out);
        let _ = child.kill();
        let _ = child.wait();
        let falco = out
            .findings
            .iter()
            .find(|f| f.summary.starts_with("Falco"))
            .expect("falco");
        assert_eq!(falco.severity, Severity::Info, "{}", falco.summary);
        assert!(falco.summary.contains("running"));
        let wazuh = out
            .findings
            .iter()
            .find(|f| f.summary.starts_with("Wazuh"))
            .expect("wazuh");
        assert_eq!(wazuh.severity, Severity::Medium);
    }
}
