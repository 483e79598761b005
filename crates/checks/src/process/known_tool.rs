//! `process.known_tool` — processes named like known miners, bots, tunnels and attack tools.
//!
//! **What it looks at:** each process's comm, executable file name and argv[0], matched exactly
//! (case-insensitive) against `rules/process-names.tsv`.
//!
//! **Why an attacker leaves this trace:** many intrusions end in a miner (xmrig, kinsing,
//! kdevtmpfsi), a DDoS bot, or a tunnel to the internal network (frp, ngrok, EarthWorm) — often
//! under their default names.
//!
//! **Example:** pid 611 `kdevtmpfsi` as www-data.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1496 (Resource Hijacking), T1572 (Protocol Tunneling), T1046 (Network Service
//! Discovery).

use huoyan_artifacts::proc::LinkTarget;
use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct KnownToolName;

static INFO: CheckInfo = CheckInfo {
    id: "process.known_tool",
    title: "Process named like a known miner, bot, tunnel or attack tool",
    title_zh: "进程名与已知挖矿程序、僵尸程序、隧道或攻击工具相符",
    mitre: &["T1496", "T1572", "T1046"],
    remediation: "Verify the binary (hash it, compare with the package), collect it, stop the \
                  process and remove its persistence.",
    remediation_zh: "核实该程序（计算哈希并与软件包比对），提取样本，结束进程并清除其持久化。",
};

const NAMES: &str = include_str!("../../../../rules/process-names.tsv");

/// (name, category, severity, note) rows of the rule file.
fn rules() -> Vec<(&'static str, &'static str, Severity, &'static str)> {
    NAMES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut f = l.split('\t');
            let name = f.next()?;
            let category = f.next()?;
            let severity = Severity::parse(f.next()?)?;
            Some((name, category, severity, f.next().unwrap_or("")))
        })
        .collect()
}

impl Check for KnownToolName {
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
        let rules = rules();
        for p in super::examined(ctx, scene) {
            if p.kernel_thread {
                continue;
            }
            let exe_name = match &p.exe {
                Some(LinkTarget::Path { path, .. }) => super::base_name(path).to_string(),
                _ => String::new(),
            };
            let argv0 = p
                .cmdline
                .first()
                .map(|a| super::base_name(a).to_string())
                .unwrap_or_default();
            let names = [
                p.comm.to_ascii_lowercase(),
                exe_name.to_ascii_lowercase(),
                argv0.to_ascii_lowercase(),
            ];
            let Some((name, category, severity, note)) = rules
                .iter()
                .find(|(n, ..)| names.iter().any(|x| x == &n.to_ascii_lowercase()))
            else {
                continue;
            };
            out.add(
                INFO.finding(
                    *severity,
                    format!("pid {} ({}) matches {category} name {name:?}: {note}", p.pid, p.command()),
                )
                .pid(p.pid)
                .user(p.user_label())
                .at(p.start_time)
                .evidence(json!({"rule": name, "category": category, "comm": p.comm, "exe": exe_name, "cmdline": p.cmdline, "sha256": p.exe_sha256})),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rule_file_parses() {
        let rules = super::rules();
        assert!(rules.len() > 40);
        assert!(rules.iter().any(|r| r.0 == "xmrig"));
    }
}
