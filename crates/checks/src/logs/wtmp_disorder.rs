//! `logs.wtmp_disorder` — wtmp records out of time order while the authentication log ran on.
//!
//! **What it looks at:** consecutive records of `/var/log/wtmp` and its rotations: a record more
//! than five minutes earlier than the one before it, with no boot, run-level or clock-change
//! record at or just before it (what a reboot with a wrong hardware clock or `date -s` writes),
//! while the authentication log records logins inside the span the two times enclose — so the
//! host was up and logging in order through that span.
//!
//! **Why an attacker leaves this trace:** wtmp is only ever appended in time order. Tools that
//! edit it (`utmpdump` round trips, wtmp cleaners that rewrite a login's time or move records)
//! leave records out of place; `last` then shows a history that never happened.
//!
//! **Example:** `/var/log/wtmp offset 7,680: record of root at 2026-11-27 01:10:00 follows one at
//! 2026-11-27 03:08:18 (2 h earlier), and the authentication log has 1 login in between: root
//! from 203.0.113.50 at 03:08:18`.
//!
//! **Calibration:** medium: the file was rewritten or the clock stepped without a trace; which
//! one needs a look at the records around it. A step of more than a day is also reported by
//! `logs.login_records`. Role `activity`.
//!
//! **ATT&CK:** T1070.002 (Clear Linux or Mac System Logs).

use huoyan_core::{CheckInfo, Outcome, Severity};
use huoyan_logs::disagree::wtmp_disorder;
use serde_json::json;

use super::common::{data, short, ts};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct WtmpDisorder;

static INFO: CheckInfo = CheckInfo {
    id: "logs.wtmp_disorder",
    title: "wtmp records out of time order",
    title_zh: "wtmp 记录时间顺序错乱",
    mitre: &["T1070.002"],
    remediation: "Keep a copy of wtmp; compare the records around the offset with the \
                  authentication log and the journal for that span, and look for the tool that \
                  rewrote the file (utmpdump, wtmp cleaners in shell history or /tmp).",
    remediation_zh: "保留 wtmp 副本；将该偏移附近的记录与同一时段的认证日志和 journal 对照，\
                     并查找改写该文件的工具（utmpdump、命令历史或 /tmp 中的 wtmp 清理工具）。",
};

impl Check for WtmpDisorder {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let data = data(ctx);
        for d in wtmp_disorder(&data) {
            let back = d.previous.as_second() - d.time.as_second();
            let who = if d.user.is_empty() {
                "record".to_string()
            } else {
                format!("record of {}", d.user)
            };
            let inside: Vec<String> = d
                .logins_inside
                .iter()
                .map(|(u, s, t)| {
                    if s.is_empty() {
                        format!("{u} at {}", short(Some(*t)))
                    } else {
                        format!("{u} from {s} at {}", short(Some(*t)))
                    }
                })
                .collect();
            let mut f = INFO
                .finding(
                    Severity::Medium,
                    format!(
                        "{} offset {}: {who} at {} follows one at {} ({} s earlier), and the \
                         authentication log has {} login(s) in between: {}",
                        d.path,
                        d.offset,
                        short(Some(d.time)),
                        short(Some(d.previous)),
                        back,
                        d.logins_inside.len(),
                        inside.join("; ")
                    ),
                )
                .path(d.path.clone())
                .at(Some(d.time))
                .evidence(json!({
                    "offset": d.offset,
                    "time": ts(Some(d.time)),
                    "previous": ts(Some(d.previous)),
                    "seconds_back": back,
                    "logins_inside": d.logins_inside.iter().map(|(u, s, t)| json!({
                        "user": u, "source": s, "time": ts(Some(*t)),
                    })).collect::<Vec<_>>(),
                }));
            if !d.user.is_empty() {
                f = f.user(d.user.clone());
            }
            for (u, s, _) in &d.logins_inside {
                f = f.user(u.clone()).source(s.clone());
            }
            out.add(f);
        }
    }
}
