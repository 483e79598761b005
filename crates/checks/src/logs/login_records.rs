//! `logs.login_records` — wtmp, btmp or utmp records zeroed, cut out or out of order; wtmpdb
//! rows deleted.
//!
//! **What it looks at:** every record of `/var/log/wtmp`, `/var/log/btmp` (and their plain
//! rotations) and `/run/utmp`: records whose 384 (or 400) bytes are all zero, a file whose size
//! is not a whole number of records, times that jump back by more than a day, unknown record
//! types; holes in the row ids of `/var/lib/wtmpdb/wtmp.db`.
//!
//! **Why an attacker leaves this trace:** log cleaners (wtmpclean, utmp wipers in rootkits)
//! zero or cut out the intruder's own login records so `last` does not show them.
//!
//! **Example:** `/var/log/wtmp: record at offset 11,520 zeroed (all bytes 0)`.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1070.002 (Clear Linux or Mac System Logs).

use huoyan_core::{CheckInfo, Outcome, Severity};
use huoyan_logs::tamper::record_problems;
use serde_json::json;

use super::common::data;
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct LoginRecords;

static INFO: CheckInfo = CheckInfo {
    id: "logs.login_records",
    title: "Login records zeroed, cut or deleted",
    title_zh: "登录记录被清零、截断或删除",
    mitre: &["T1070.002"],
    remediation: "Keep a copy of the file as evidence; reconstruct logins from auth logs and the \
                  journal for the period around the damaged records, and look for the cleaning \
                  tool (recently modified binaries, shell history).",
    remediation_zh: "保留该文件副本作为证据；依据认证日志和 journal 重建受损记录前后的登录情况，\
                     并查找清理工具（近期修改的二进制文件、命令历史）。",
};

impl Check for LoginRecords {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let data = data(ctx);
        for p in record_problems(&data) {
            let severity = if p.what.contains("zeroed")
                || p.what.contains("deleted")
                || p.what.contains("cut")
            {
                Severity::High
            } else {
                Severity::Medium
            };
            out.add(
                INFO.finding(
                    severity,
                    format!("{}: {} (offset {})", p.path, p.what, p.offset),
                )
                .path(p.path.clone())
                .evidence(json!({ "offset": p.offset, "what": p.what })),
            );
        }
    }
}
