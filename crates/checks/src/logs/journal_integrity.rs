//! `logs.journal_integrity` — journal files that do not parse, or whose entries break sequence.
//!
//! **What it looks at:** every `*.journal` under `/var/log/journal` and `/run/log/journal`: the
//! header against the file size (a cut file), each object's type, size and bounds, the chain of
//! entry arrays, entry sequence numbers (going back, or a run missing), and the entry count the
//! header claims.
//!
//! **Why an attacker leaves this trace:** editing a binary journal to drop entries, or cutting
//! its tail, breaks its structure; `journalctl` silently skips what it cannot read.
//!
//! **Example:** `/var/log/journal/…/system.journal: sequence numbers 8,812..8,939 missing (at
//! offset 4,415,880)`.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1070.002 (Clear Linux or Mac System Logs).

use huoyan_core::{CheckInfo, Outcome, Severity};
use huoyan_logs::tamper::broken_journals;
use serde_json::json;

use super::common::data;
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct JournalIntegrity;

static INFO: CheckInfo = CheckInfo {
    id: "logs.journal_integrity",
    title: "Journal file corrupted or with broken sequence",
    title_zh: "journal 文件损坏或序列不连续",
    mitre: &["T1070.002"],
    remediation: "Preserve the file; a journal still being written (the live system.journal) can \
                  show a torn tail after a crash, anything else means the file was edited or cut. \
                  Compare with rotated journals and remote logs for the missing range.",
    remediation_zh: "保全该文件；正在写入的 journal（当前 system.journal）在崩溃后尾部可能不完整，\
                     其他情况说明文件被编辑或截断。就缺失区间与已轮转的 journal 及远程日志比对。",
};

impl Check for JournalIntegrity {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let data = data(ctx);
        for f in broken_journals(&data) {
            let (severity, what) = match (&f.error, &f.journal) {
                (Some(e), _) => (Severity::High, format!("cannot be read: {e}")),
                (None, Some(j)) => (
                    Severity::Medium,
                    format!(
                        "{} problem(s), first: {} (offset {})",
                        j.problems.len(),
                        j.problems.first().map(|p| p.what.as_str()).unwrap_or(""),
                        j.problems.first().map(|p| p.offset).unwrap_or(0)
                    ),
                ),
                (None, None) => continue,
            };
            out.add(
                INFO.finding(severity, format!("{}: {what}", f.path))
                    .path(f.path.clone())
                    .evidence(json!({
                        "error": f.error,
                        "size": f.size,
                        "header": f.journal.as_ref().map(|j| &j.header),
                        "problems": f.journal.as_ref().map(|j| &j.problems),
                    })),
            );
        }
    }
}
