//! `logs.log_shrunk` — a log emptied, or much smaller than its last rotation.
//!
//! **What it looks at:** each syslog family (auth.log, secure, messages, syslog): the live file
//! against its first rotation (`.1`, `.1.gz`, `-YYYYMMDD`): emptied, far smaller, or starting
//! long after the rotation ends (an hour or more, ten times the pair's typical gap) while other
//! logs were written — its beginning removed (high).
//!
//! **Why an attacker leaves this trace:** `> /var/log/auth.log` or `truncate -s0` is the
//! quickest way to erase failed and accepted logins; the rotation beside it still shows how big
//! the file normally is.
//!
//! **Example:** `/var/log/auth.log is empty (0 bytes, modified 03:55) while auth.log.1 holds
//! 48,113,220 bytes`.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1070.002 (Indicator Removal: Clear Linux or Mac System Logs).

use huoyan_core::{CheckInfo, Finding, Outcome, Severity};
use huoyan_logs::tamper::shrunk;
use serde_json::json;

use super::common::{data, short, ts};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct LogShrunk;

static INFO: CheckInfo = CheckInfo {
    id: "logs.log_shrunk",
    title: "Log emptied or much smaller than its rotation",
    title_zh: "日志被清空或远小于其轮转文件",
    mitre: &["T1070.002"],
    remediation: "Check whether logrotate ran just before (then it is normal); otherwise the log \
                  was wiped: recover it from the journal, a remote syslog server or the disk \
                  (unallocated blocks), and find who had root at its modification time.",
    remediation_zh: "先确认是否刚执行过 logrotate（若是则属正常）；否则日志已被清除：从 journal、\
                     远程 syslog 服务器或磁盘未分配空间恢复，并查明其修改时间点谁拥有 root 权限。",
};

impl Check for LogShrunk {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let data = data(ctx);
        for s in shrunk(&data) {
            if let Some(h) = &s.head_missing {
                out.add(head_missing(&s, h));
                if !s.empty
                    && s.file
                        .size
                        .saturating_mul(huoyan_logs::tamper::SHRINK_RATIO)
                        >= s.sibling.size
                {
                    continue;
                }
            }
            // Rotated less than an hour before the live file was last written: normal.
            let fresh = match (s.sibling.mtime, s.file.mtime) {
                (Some(rot), Some(live)) => live.as_second() - rot.as_second() < 3600,
                _ => false,
            };
            let severity = match (s.empty, fresh) {
                (true, false) => Severity::High,
                (false, false) => Severity::Medium,
                (_, true) => Severity::Low,
            };
            let state = if s.empty {
                "is empty".to_string()
            } else {
                format!("holds only {} bytes", s.file.size)
            };
            out.add(
                INFO.finding(
                    severity,
                    format!(
                        "{} {state} (modified {}) while {} holds {} bytes{}",
                        s.file.path,
                        short(s.file.mtime),
                        s.sibling.path,
                        s.sibling.size,
                        if s.sibling.compressed {
                            " compressed"
                        } else {
                            ""
                        }
                    ),
                )
                .path(s.file.path.clone())
                .path(s.sibling.path.clone())
                .at(s.file.mtime)
                .evidence(json!({
                    "file": s.file.path,
                    "size": s.file.size,
                    "mtime": ts(s.file.mtime),
                    "sibling": s.sibling.path,
                    "sibling_size": s.sibling.size,
                    "sibling_lines": s.sibling.rhythm.lines,
                    "sibling_mtime": ts(s.sibling.mtime),
                    "rotated_within_the_hour": fresh,
                })),
            );
        }
    }
}

/// The live log starts long after its rotation ends while other logs were written: its
/// beginning was removed (emptied, then written again).
fn head_missing(s: &huoyan_logs::tamper::Shrunk<'_>, h: &huoyan_logs::tamper::Hole) -> Finding {
    let hours = h.secs() / 3600;
    INFO.finding(
        Severity::High,
        format!(
            "{} begins at {} but {} ends at {} ({hours} h without a line, although 99 % of its \
             lines follow the previous within {} s) while {} kept being written: the beginning \
             of the log was removed",
            s.file.path,
            short(Some(h.to)),
            s.sibling.path,
            short(Some(h.from)),
            h.p99_gap,
            h.others
                .iter()
                .take(3)
                .map(|(p, min)| format!("{p} ({min} min with lines)"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
    .path(s.file.path.clone())
    .path(s.sibling.path.clone())
    .at(Some(h.to))
    .evidence(json!({
        "file": s.file.path,
        "size": s.file.size,
        "mtime": ts(s.file.mtime),
        "first_line": ts(Some(h.to)),
        "sibling": s.sibling.path,
        "sibling_last_line": ts(Some(h.from)),
        "p99_gap_seconds": h.p99_gap,
        "written_elsewhere": h.others,
    }))
}
