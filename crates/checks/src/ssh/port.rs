//! `ssh.port` — sshd listens on a non-standard or additional port.
//!
//! **What it looks at:** every global `Port` and every `ListenAddress` that carries its own port
//! (`0.0.0.0:2222`, `[::]:443`), plus `Port`s hidden in `Match` blocks (sshd rejects those, which
//! is itself odd).
//!
//! **Why an attacker leaves this trace:** a second `Port` (443, 8080, 53) gives the attacker an
//! SSH door that firewall rules for 22 and the responder's `ss -tlnp | grep :22` both miss. A
//! single moved port is common hardening and reported low; an extra port next to 22 is medium.
//!
//! **Example:** `port 22` and `port 8443` at `/etc/ssh/sshd_config.d/zz.conf:1`.
//!
//! **Calibration:** posture: every finding is of kind `hardening` (listed in its own section,
//! never raises the verdict or the exit code; docs/PRECISION.md).
//!
//! **ATT&CK:** T1021.004 (Remote Services: SSH), T1571 (Non-Standard Port).

use huoyan_core::{CheckInfo, Outcome, Severity};

use super::config_source::{directive_finding, judged, load};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct NonStandardPort;

static INFO: CheckInfo = CheckInfo {
    id: "ssh.port",
    title: "sshd listens on a non-standard or extra port",
    title_zh: "sshd 监听非标准端口或额外端口",
    mitre: &["T1021.004", "T1571"],
    remediation: "Confirm the port with the administrators; remove unexplained Port or \
                  ListenAddress lines, reload sshd and check the live listeners and firewall.",
    remediation_zh: "向管理员确认端口用途；删除无法解释的 Port 或 ListenAddress 配置，\
                     重新加载 sshd，并核对实际监听端口与防火墙规则。",
};

fn listen_port(addr: &str) -> Option<&str> {
    if let Some(rest) = addr.strip_prefix('[') {
        return rest.split_once("]:").map(|(_, p)| p);
    }
    if addr.matches(':').count() == 1 {
        return addr.split_once(':').map(|(_, p)| p);
    }
    None
}

impl Check for NonStandardPort {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let Some(cfg) = load(ctx, &INFO, out) else {
            return;
        };
        let ports = cfg.all_global("port");
        let mut distinct: Vec<String> = ports
            .iter()
            .filter_map(|d| d.args.first().cloned())
            .collect();
        for d in cfg.all_global("listenaddress") {
            if let Some(p) = d.args.first().and_then(|a| listen_port(a)) {
                distinct.push(p.to_string());
            }
        }
        distinct.sort();
        distinct.dedup();
        let several = distinct.len() > 1;
        for d in &ports {
            if d.value_lower() == "22" {
                continue;
            }
            let (severity, what) = if several {
                (
                    Severity::Medium,
                    format!("sshd listens on several ports ({})", distinct.join(", ")),
                )
            } else {
                (
                    Severity::Low,
                    "sshd listens on a non-standard port".to_string(),
                )
            };
            out.add(judged(
                ctx,
                directive_finding(&INFO, severity, d, &what),
                d,
                None,
            ));
        }
        for d in cfg.all_global("listenaddress") {
            if let Some(p) = d
                .args
                .first()
                .and_then(|a| listen_port(a))
                .filter(|p| *p != "22")
            {
                let f = directive_finding(
                    &INFO,
                    if several {
                        Severity::Medium
                    } else {
                        Severity::Low
                    },
                    d,
                    &format!("sshd listens on port {p} through ListenAddress"),
                );
                out.add(judged(ctx, f, d, None));
            }
        }
        for d in cfg.in_match("port") {
            let f = directive_finding(
                &INFO,
                Severity::Medium,
                d,
                "a Port line sits inside a Match block",
            );
            out.add(judged(ctx, f, d, None));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::testing::{root_with, run_default};
    use crate::ssh::testing::DEBIAN_SSHD_CONFIG;

    #[test]
    fn extra_port_is_medium() {
        let dir = root_with(&[
            ("/etc/ssh/sshd_config", DEBIAN_SSHD_CONFIG),
            (
                "/etc/ssh/sshd_config.d/zz.conf",
                "Port 22\nPort 8443\nListenAddress [::]:2222\n",
            ),
        ]);
        let out = run_default(&NonStandardPort, dir.path());
        assert_eq!(out.findings.len(), 2, "{:#?}", out.findings);
        assert!(out.findings.iter().all(|f| f.severity == Severity::Medium));
    }

    #[test]
    fn default_port_is_quiet() {
        let dir = root_with(&[("/etc/ssh/sshd_config", DEBIAN_SSHD_CONFIG)]);
        assert!(run_default(&NonStandardPort, dir.path())
            .findings
            .is_empty());
        let dir = root_with(&[("/etc/ssh/sshd_config", "Port 22\nListenAddress 0.0.0.0\n")]);
        assert!(run_default(&NonStandardPort, dir.path())
            .findings
            .is_empty());
    }
}
