//! `logs.mtime_before_content` — a log whose last line is newer than the file's modification
//! time.
//!
//! **What it looks at:** each syslog file's newest line time against its mtime (five minutes of
//! tolerance). Lines without a year are dated relative to the mtime, so this is exact for
//! RFC 3339 timestamps (Debian 13, rsyslog high precision) and catches up to a day for the
//! classic format.
//!
//! **Why an attacker leaves this trace:** after editing a log, intruders reset its times with
//! `touch -r` or `touch -d` so the change does not stand out, but the content they left is newer.
//!
//! **Example:** `/var/log/auth.log was last modified 2026-11-20 06:25:01 but its newest line is
//! from 2026-11-27 03:41:02`.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1070.006 (Indicator Removal: Timestomp), T1070.002.

use huoyan_core::{CheckInfo, Outcome, Severity};
use huoyan_logs::tamper::mtime_before_content;
use serde_json::json;

use super::common::{data, short, ts};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct MtimeBeforeContent;

static INFO: CheckInfo = CheckInfo {
    id: "logs.mtime_before_content",
    title: "Log modified time older than its last line",
    title_zh: "日志修改时间早于其最后一行",
    mitre: &["T1070.006", "T1070.002"],
    remediation: "The file's times were reset after it was written: treat its content as edited, \
                  compare with the journal and remote logs, and check the inode change time \
                  (ctime), which touch cannot set.",
    remediation_zh: "文件写入后其时间被重置：视其内容已被篡改，与 journal 和远程日志比对，并检查\
                     touch 无法伪造的 inode 变更时间（ctime）。",
};

impl Check for MtimeBeforeContent {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let data = data(ctx);
        for (f, latest) in mtime_before_content(&data) {
            out.add(
                INFO.finding(
                    Severity::High,
                    format!(
                        "{} was last modified {} but its newest line is from {}",
                        f.path,
                        short(f.mtime),
                        short(Some(latest))
                    ),
                )
                .path(f.path.clone())
                .at(Some(latest))
                .evidence(json!({ "mtime": ts(f.mtime), "newest_line": ts(Some(latest)) })),
            );
        }
    }
}
