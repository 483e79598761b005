//! `logs.log_silence` — a hole in a log far longer than its normal rhythm.
//!
//! **What it looks at:** the time between consecutive lines of every syslog file and journal
//! file; a silence of six hours or more that is also twenty times the gap 99 % of the file's
//! lines stay under (medium: the host may have been down); or a silence of an hour or more,
//! ten times that gap, the only one of its size in the file, while other logs kept being
//! written (high: the host was up and logging, this log's lines are gone).
//!
//! **Why an attacker leaves this trace:** deleting the lines of an intrusion (`sed -i '/1.2.3.4/d'`)
//! or stopping the logger while working leaves a stretch where a busy log says nothing.
//!
//! **Example:** `/var/log/auth.log: no line between 02:10:55 and 04:31:09 (2 h 20 min) although
//! 99 % of its lines follow the previous within 64 s (line 18,220)`.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1070.002 (Clear Linux or Mac System Logs), T1562.006 (Indicator Blocking).

use huoyan_core::{CheckInfo, Outcome, Severity};
use huoyan_logs::tamper::silences;
use serde_json::json;

use super::common::{data, short, ts};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct LogSilence;

static INFO: CheckInfo = CheckInfo {
    id: "logs.log_silence",
    title: "Unusual silence in a log",
    title_zh: "日志出现异常空白时段",
    mitre: &["T1070.002", "T1562.006"],
    remediation: "Check whether the host was down then (wtmp reboot records, journal boots); if \
                  not, lines were removed or logging stopped: compare with a remote copy and with \
                  the journal for that period.",
    remediation_zh: "确认该时段主机是否停机（wtmp 重启记录、journal 启动记录）；若未停机，则日志\
                     行被删除或日志服务被停止：与远程副本及该时段的 journal 比对。",
};

impl Check for LogSilence {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let data = data(ctx);
        for found in silences(&data) {
            let (f, s, p99) = (found.file, found.silence, found.p99_gap);
            let h = s.secs() / 3600;
            let m = (s.secs() % 3600) / 60;
            // Other logs kept being written: lines were removed from this one (or it alone was
            // stopped) while the host was up. Without that, the host may simply have been down.
            let logins = if found.logins_inside.is_empty() {
                String::new()
            } else {
                format!(
                    "; wtmp records logins inside it that this log does not show: {}",
                    found
                        .logins_inside
                        .iter()
                        .take(5)
                        .map(|(u, h, t)| format!("{u} from {h} at {}", short(Some(*t))))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let (severity, elsewhere) = if found.others.is_empty() && logins.is_empty() {
                (Severity::Medium, String::new())
            } else if found.others.is_empty() {
                (Severity::High, String::new())
            } else {
                (
                    Severity::High,
                    format!(
                        ", while {} kept being written",
                        found
                            .others
                            .iter()
                            .take(3)
                            .map(|(p, min)| format!("{p} ({min} min with lines)"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            };
            let mut f = INFO
                .finding(
                    severity,
                    format!(
                        "{}: no line between {} and {} ({h} h {m} min) although 99 % of its lines \
                         follow the previous within {p99} s (line {}){elsewhere}{logins}",
                        f.path,
                        short(Some(s.from)),
                        short(Some(s.to)),
                        s.line
                    ),
                )
                .path(f.path.clone())
                .at(Some(s.from))
                .evidence(json!({
                    "from": ts(Some(s.from)),
                    "to": ts(Some(s.to)),
                    "seconds": s.secs(),
                    "p99_gap_seconds": p99,
                    "line_after": s.line,
                    "lines": f.rhythm.lines,
                    "written_elsewhere": found.others,
                    "wtmp_logins_inside": found.logins_inside.iter().map(|(u, h, t)| json!({
                        "user": u, "from": h, "time": ts(Some(*t)),
                    })).collect::<Vec<_>>(),
                }));
            for (u, h, _) in found.logins_inside.iter().take(5) {
                f = f.user(u.clone());
                if h.parse::<std::net::IpAddr>().is_ok() {
                    f = f.source(h.clone());
                }
            }
            out.add(f);
        }
    }
}
