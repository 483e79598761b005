//! `persistence.file_caps` — file capabilities outside the expected set.
//!
//! **What it looks at:** the `security.capability` attribute of every executable regular file
//! in the shared walk (see `persistence.suid`), decoded from `struct vfs_cap_data`, compared
//! with `rules/file-caps-allowlist.txt` (which capabilities packages set on which programs).
//!
//! **Why an attacker leaves this trace:** `setcap cap_setuid+ep /usr/bin/python3` is a root
//! backdoor without a set-uid bit, invisible to `find -perm -4000` and to most checklists;
//! `cap_dac_read_search` on `tar` reads `/etc/shadow`, `cap_sys_ptrace` on `gdb` injects into
//! root processes. Severity: critical for root-equivalent capabilities on shells, interpreters
//! or files in drop places; high for root-equivalent capabilities elsewhere; medium for other
//! unexpected capabilities; low for network-only ones (`cap_net_raw`, `cap_net_bind_service`).
//!
//! **Example:** `/usr/bin/python3.11` has `cap_setuid=ep`.
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1548 (Abuse Elevation Control Mechanism), T1222.002 (File and Directory
//! Permissions Modification: Linux).

use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use super::privileged_walk::{
    self, container_store, dropper_place, is_shell_like, Allowlist, OsTrees,
};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct FileCapabilities;

static INFO: CheckInfo = CheckInfo {
    id: "persistence.file_caps",
    title: "File capability outside the expected set",
    title_zh: "存在预期之外的文件 capabilities",
    mitre: &["T1548", "T1222.002"],
    remediation: "Record the capability (getcap output is in the evidence) and the file's hash, \
                  then remove it (setcap -r FILE); check whether the program was replaced and \
                  who ran it since the change time.",
    remediation_zh:
        "记录该 capability（证据中已有 getcap 格式）与文件散列后移除（setcap -r 文件）；\
                     检查程序是否被替换，并排查修改时间之后谁执行过它。",
};

static ALLOWLIST: &str = include_str!("../../../../rules/file-caps-allowlist.txt");

const NETWORK_ONLY: &[&str] = &[
    "cap_net_raw",
    "cap_net_bind_service",
    "cap_net_admin",
    "cap_ipc_lock",
    "cap_sys_nice",
    "cap_wake_alarm",
    "cap_block_suspend",
];

impl Check for FileCapabilities {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let allow = Allowlist::parse(ALLOWLIST);
        let walk = privileged_walk::get(ctx);
        let mut trees = OsTrees::default();
        let mut grouped: std::collections::BTreeMap<String, Vec<serde_json::Value>> =
            std::collections::BTreeMap::new();
        for f in &walk.files {
            if f.caps_raw_malformed {
                out.add(
                    INFO.finding(
                        Severity::Medium,
                        format!("{} has a malformed security.capability attribute", f.path),
                    )
                    .path(f.path.clone())
                    .evidence(json!({"path": f.path})),
                );
                continue;
            }
            let Some(caps) = &f.caps else { continue };
            let allowed = allow.lookup(&f.path).unwrap_or(&[]);
            let extra = extra_in(caps, allowed);
            if extra.is_empty() {
                continue;
            }
            let dangerous = caps.dangerous();
            // Inside an unpacked OS tree, capabilities the tree's own programs carry (ping's
            // cap_net_raw …) are reported once for the tree; a root-equivalent capability on a
            // shell or interpreter there is still its own finding.
            if let Some((tree, inside)) = trees.tree_of(ctx, &f.path) {
                let inside_allowed = allow.lookup(&inside).unwrap_or(&[]);
                let own = extra_in(caps, inside_allowed).is_empty()
                    || dangerous.is_empty()
                    || !is_shell_like(&inside);
                if own {
                    grouped.entry(tree).or_default().push(json!({
                        "path": f.path,
                        "capabilities": caps.to_text(),
                    }));
                    continue;
                }
            }
            let severity = if container_store(&f.path) {
                Severity::Low
            } else if !dangerous.is_empty() && (is_shell_like(&f.path) || dropper_place(&f.path)) {
                Severity::Critical
            } else if !dangerous.is_empty() {
                Severity::High
            } else if dropper_place(&f.path) {
                Severity::Medium
            } else if extra.iter().all(|c| NETWORK_ONLY.contains(&c.as_str())) {
                Severity::Low
            } else {
                Severity::Medium
            };
            let m = &f.meta;
            out.add(
                INFO.finding(
                    severity,
                    format!(
                        "{} has capabilities {}{}",
                        f.path,
                        caps.to_text(),
                        if dangerous.is_empty() {
                            String::new()
                        } else {
                            format!(" (root-equivalent: {})", dangerous.join(", "))
                        }
                    ),
                )
                .path(f.path.clone())
                .at(m.ctime)
                .evidence(json!({
                    "path": f.path,
                    "capabilities": caps.to_text(),
                    "decoded": caps,
                    "unexpected": extra,
                    "mode": format!("{:04o}", m.perm()),
                    "uid": m.uid,
                    "size": m.size,
                    "mtime": m.mtime.map(huoyan_core::time::format_utc),
                    "ctime": m.ctime.map(huoyan_core::time::format_utc),
                })),
            );
        }
        for (tree, files) in grouped {
            super::suid::report_tree(&INFO, "programs with capabilities", &tree, files, out);
        }
    }
}

/// Capabilities of `caps` not in `allowed`.
fn extra_in<'a>(
    caps: &'a huoyan_artifacts::file_caps::FileCaps,
    allowed: &[String],
) -> Vec<&'a String> {
    caps.permitted
        .iter()
        .chain(&caps.inheritable)
        .filter(|c| !allowed.contains(c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::testing::{chmod, root_with, run_default};

    fn setcap(path: &std::path::Path, value: &[u8]) -> bool {
        rustix::fs::setxattr(
            path,
            "security.capability",
            value,
            rustix::fs::XattrFlags::empty(),
        )
        .is_ok()
    }

    fn rev2(permitted: u32) -> Vec<u8> {
        let mut v = Vec::new();
        for w in [0x0200_0001u32, permitted, 0, 0, 0] {
            v.extend_from_slice(&w.to_le_bytes());
        }
        v
    }

    #[test]
    fn flags_setuid_capability_on_interpreter() {
        let dir = root_with(&[
            ("/usr/bin/python3.11", "\x7fELF"),
            ("/usr/bin/ping", "\x7fELF"),
        ]);
        chmod(dir.path(), "/usr/bin/python3.11", 0o755);
        chmod(dir.path(), "/usr/bin/ping", 0o755);
        if !setcap(&dir.path().join("usr/bin/python3.11"), &rev2(1 << 7)) {
            eprintln!("skipping: cannot set security.capability here (needs root / CAP_SETFCAP)");
            return;
        }
        assert!(setcap(&dir.path().join("usr/bin/ping"), &rev2(1 << 13)));
        let out = run_default(&FileCapabilities, dir.path());
        assert_eq!(out.findings.len(), 1, "{:#?}", out.findings);
        assert_eq!(out.findings[0].severity, Severity::Critical);
        assert!(out.findings[0].summary.contains("cap_setuid=ep"));
    }

    #[test]
    fn no_caps_is_quiet() {
        let dir = root_with(&[("/usr/bin/ls", "\x7fELF")]);
        chmod(dir.path(), "/usr/bin/ls", 0o755);
        assert!(run_default(&FileCapabilities, dir.path())
            .findings
            .is_empty());
    }
}
