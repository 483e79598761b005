//! `ssh.gateway_ports` — sshd lets remote forwardings listen on every interface.
//!
//! **What it looks at:** `GatewayPorts` (default `no`) globally and in `Match` blocks, and
//! `PermitTunnel` (default `no`), which allows layer-2/3 tunnel devices over SSH.
//!
//! **Why an attacker leaves this trace:** with `GatewayPorts yes` a `ssh -R 0.0.0.0:3389:…`
//! from the attacker's machine publishes an internal service on this host's public address — a
//! pivot that needs no tool on the server. `PermitTunnel yes` gives them a full VPN (`ssh -w`).
//!
//! **Example:** `gatewayports yes` at `/etc/ssh/sshd_config:92`.
//!
//! **Calibration:** posture: every finding is of kind `hardening` (listed in its own section,
//! never raises the verdict or the exit code; docs/PRECISION.md).
//!
//! **ATT&CK:** T1572 (Protocol Tunneling), T1090 (Proxy).

use huoyan_core::{CheckInfo, Outcome, Severity};

use super::config_source::{directive_finding, judged, load};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct GatewayPorts;

static INFO: CheckInfo = CheckInfo {
    id: "ssh.gateway_ports",
    title: "sshd allows public port forwarding or tunnels",
    title_zh: "sshd 允许公开端口转发或隧道",
    mitre: &["T1572", "T1090"],
    remediation: "Set `GatewayPorts no` and `PermitTunnel no` unless documented, reload sshd, \
                  and check live listeners owned by sshd for forwarded ports.",
    remediation_zh: "如无书面依据，设置 `GatewayPorts no` 与 `PermitTunnel no` 并重新加载 sshd，\
                     同时检查由 sshd 持有的监听端口中是否存在转发端口。",
};

impl Check for GatewayPorts {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let Some(cfg) = load(ctx, &INFO, out) else {
            return;
        };
        for (keyword, bad, what) in [
            (
                "gatewayports",
                &["yes", "clientspecified"][..],
                "remote forwardings may listen on all interfaces",
            ),
            (
                "permittunnel",
                &["yes", "point-to-point", "ethernet"][..],
                "tunnel devices over SSH are allowed",
            ),
        ] {
            let candidates = cfg.global(keyword).into_iter().chain(cfg.in_match(keyword));
            for d in candidates {
                if bad.contains(&d.value_lower().as_str()) {
                    out.add(judged(
                        ctx,
                        directive_finding(&INFO, Severity::Medium, d, what),
                        d,
                        None,
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::testing::{root_with, run_default};
    use crate::ssh::testing::DEBIAN_SSHD_CONFIG;

    #[test]
    fn flags_gateway_ports() {
        let cfg = DEBIAN_SSHD_CONFIG.replace("#GatewayPorts no", "GatewayPorts yes");
        let dir = root_with(&[("/etc/ssh/sshd_config", &cfg)]);
        let out = run_default(&GatewayPorts, dir.path());
        assert_eq!(out.findings.len(), 1);
        assert!(out.findings[0].summary.contains("gatewayports yes"));
    }

    #[test]
    fn debian_default_is_quiet() {
        let dir = root_with(&[("/etc/ssh/sshd_config", DEBIAN_SSHD_CONFIG)]);
        assert!(run_default(&GatewayPorts, dir.path()).findings.is_empty());
    }
}
