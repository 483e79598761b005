//! `network.listener` — sockets listening on all interfaces, held by unexpected programs.
//!
//! **What it looks at:** TCP and UDP sockets bound to 0.0.0.0 or :: (every namespace), and the
//! processes holding them; well-known server daemons are expected, anything else is reported —
//! higher when the holder is a shell, an interpreter or runs from a temporary directory.
//!
//! **Why an attacker leaves this trace:** bind shells and backdoor daemons wait for the attacker
//! to come back; they listen on all interfaces on a port nobody asked for.
//!
//! **Example:** `python3 -c …` listening on 0.0.0.0:31337 as www-data.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1205 (Traffic Signaling), T1059 (Command and Scripting Interpreter).

use huoyan_artifacts::proc::LinkTarget;
use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct UnexpectedListener;

static INFO: CheckInfo = CheckInfo {
    id: "network.listener",
    title: "Unexpected program listening on all interfaces",
    title_zh: "非预期程序在所有网卡上监听端口",
    mitre: &["T1205", "T1059"],
    remediation: "Confirm the service is wanted; if not, stop it, block the port and find what \
                  started it.",
    remediation_zh: "确认该服务是否必要；若不是，停止它、封禁端口并追查启动来源。",
};

const EXPECTED: &[&str] = &[
    "sshd",
    "nginx",
    "apache2",
    "httpd",
    "mysqld",
    "mariadbd",
    "postgres",
    "redis-server",
    "memcached",
    "systemd-resolve",
    "systemd-resolved",
    "systemd",
    "chronyd",
    "ntpd",
    "named",
    "dnsmasq",
    "master",
    "exim4",
    "sendmail",
    "dockerd",
    "docker-proxy",
    "containerd",
    "kubelet",
    "node_exporter",
    "rpcbind",
    "rpc.statd",
    "avahi-daemon",
    "cupsd",
    "dhclient",
    "smbd",
    "nmbd",
    "vsftpd",
    "proftpd",
    "haproxy",
    "squid",
    "java",
    "mongod",
    "php-fpm",
    "php-fpm8.2",
    "zabbix_agentd",
    "snmpd",
    "rsyslogd",
    "systemd-network",
    "systemd-networkd",
    "NetworkManager",
    "dhcpcd",
];

impl Check for UnexpectedListener {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }
    fn live_only(&self) -> bool {
        true
    }
    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let Some(scene) = crate::process::scene(ctx, out) else {
            return;
        };
        for s in &scene.sockets.inet {
            let sock = &s.socket;
            if !sock.listening
                || !sock.local_ip.is_unspecified()
                || sock.proto.file().starts_with("raw")
            {
                continue;
            }
            for pid in &s.owners.pids {
                let Some(p) = scene.processes.iter().find(|p| p.pid == *pid) else {
                    continue;
                };
                if EXPECTED.contains(&p.comm.as_str()) || p.comm.starts_with("php-fpm") {
                    continue;
                }
                let exe = match &p.exe {
                    Some(LinkTarget::Path { path, .. }) => path.clone(),
                    _ => String::new(),
                };
                let bad = crate::process::is_interpreter(&p.comm)
                    || crate::process::is_writable_place(&exe)
                    || crate::process::in_hidden_dir(&exe)
                    || p.exe.as_ref().is_some_and(|e| e.is_deleted());
                out.add(
                    INFO.finding(
                        if bad { Severity::High } else { Severity::Low },
                        format!(
                            "{} port {} on all interfaces held by pid {} ({})",
                            sock.proto.file(),
                            sock.local_port,
                            p.pid,
                            p.command()
                        ),
                    )
                    .pid(p.pid)
                    .user(p.user_label())
                    .at(p.start_time)
                    .evidence(json!({"proto": sock.proto.file(), "port": sock.local_port, "exe": exe, "cmdline": p.cmdline, "net_ns": s.owners.net_ns})),
                );
            }
        }
    }
}
