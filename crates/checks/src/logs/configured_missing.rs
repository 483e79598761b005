//! `logs.configured_missing` — logs the system is configured to write that are not there, and
//! journald told to throw logs away.
//!
//! **What it looks at:** file actions in `/etc/rsyslog.conf` and `/etc/rsyslog.d/*.conf`
//! (`auth,authpriv.* /var/log/auth.log`, `action(type="omfile" file="…")`), and `Storage=` in
//! `/etc/systemd/journald.conf` and its drop-ins.
//!
//! **Why an attacker leaves this trace:** deleting `/var/log/secure` outright, or setting
//! `Storage=none`, removes the record of logins instead of editing it.
//!
//! **Example:** `/etc/rsyslog.conf line 12 writes /var/log/auth.log, which does not exist
//! although it did (rotated copies remain: auth.log.1, auth.log.2.gz): deleted`.
//!
//! **Deleted or never written:** rsyslog creates a file on the first message of its facility,
//! so on a quiet VM `kern.log`, `mail.log` or `user.log` may never exist. A missing log is
//! evidence (high) only with signs that it existed: rotated copies beside it, or logrotate's
//! state naming it; otherwise it is information (hardening). `Storage=none|volatile` is a
//! setting: hardening unless its file changed inside the window.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1070.002 (Clear Linux or Mac System Logs), T1562.006 (Indicator Blocking).

use huoyan_core::{CheckInfo, Outcome, Severity};
use huoyan_logs::tamper::{configured_missing, journal_dir_missing, journald_storage};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct ConfiguredMissing;

static INFO: CheckInfo = CheckInfo {
    id: "logs.configured_missing",
    title: "Configured log missing or logging disabled",
    title_zh: "已配置的日志缺失或日志记录被关闭",
    mitre: &["T1070.002", "T1562.006"],
    remediation: "Restore logging (restart rsyslog, set journald Storage=persistent), recover the \
                  deleted file from the disk or a remote log server, and find who removed it.",
    remediation_zh: "恢复日志记录（重启 rsyslog，journald 设置 Storage=persistent），从磁盘或远程\
                     日志服务器恢复被删除的文件，并查明删除者。",
};

impl Check for ConfiguredMissing {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        for m in configured_missing(&ctx.root) {
            let f = if m.existed.is_empty() {
                // Never written is not deleted: rsyslog creates the file on the facility's
                // first message, and kern/mail/user often have none on a quiet VM.
                INFO.finding(
                    Severity::Info,
                    format!(
                        "{} line {} writes {}, which does not exist and shows no sign of ever \
                         having existed (no rotations, not in logrotate's state): nothing was \
                         logged to it yet",
                        m.config, m.line, m.path
                    ),
                )
                .hardening()
            } else {
                INFO.finding(
                    Severity::High,
                    format!(
                        "{} line {} writes {}, which does not exist although it did ({}): \
                         deleted",
                        m.config,
                        m.line,
                        m.path,
                        m.existed.join("; ")
                    ),
                )
            };
            out.add(
                f.path(m.path.clone())
                    .path(m.config.clone())
                    .evidence(json!({
                        "config": m.config,
                        "line": m.line,
                        "log": m.path,
                        "signs_it_existed": m.existed,
                    })),
            );
        }
        if let Some(conf) = journal_dir_missing(&ctx.root) {
            out.add(
                INFO.finding(
                    Severity::High,
                    format!("{conf} sets Storage=persistent but /var/log/journal does not exist"),
                )
                .path("/var/log/journal")
                .path(conf.clone())
                .evidence(json!({ "config": conf, "storage": "persistent" })),
            );
        }
        if let Some((conf, value)) = journald_storage(&ctx.root) {
            // A setting: evidence only when its file changed inside the window.
            let signs = crate::persistence::window_signs(ctx, &conf);
            let f = INFO
                .finding(
                    Severity::Medium,
                    format!("{conf} sets Storage={value}: the journal is not kept on disk"),
                )
                .path(conf.clone())
                .evidence(json!({ "config": conf, "storage": value, "signs_of_intrusion": signs }));
            out.add(if signs.is_empty() { f.hardening() } else { f });
        }
    }
}
