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
//! **Example:** `/etc/rsyslog.conf line 12 writes /var/log/auth.log, which does not exist`.
//!
//! **ATT&CK:** T1070.002 (Clear Linux or Mac System Logs), T1562.006 (Indicator Blocking).

use huoyan_core::{CheckInfo, Outcome, Severity};
use huoyan_logs::tamper::{configured_missing, journald_storage};
use serde_json::json;

use crate::registry::{Area, Check};
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

    fn area(&self) -> Area {
        Area::Logs
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        for (conf, line, path) in configured_missing(&ctx.root) {
            out.add(
                INFO.finding(
                    Severity::High,
                    format!("{conf} line {line} writes {path}, which does not exist"),
                )
                .path(path.clone())
                .path(conf.clone())
                .evidence(json!({ "config": conf, "line": line, "log": path })),
            );
        }
        if let Some((conf, value)) = journald_storage(&ctx.root) {
            out.add(
                INFO.finding(
                    Severity::Medium,
                    format!("{conf} sets Storage={value}: the journal is not kept on disk"),
                )
                .path(conf.clone())
                .evidence(json!({ "config": conf, "storage": value })),
            );
        }
    }
}
