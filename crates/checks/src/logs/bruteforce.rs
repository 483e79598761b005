//! `logs.bruteforce` — password guessing against SSH and other PAM services.
//!
//! **What it looks at:** every failure in the root's auth logs (auth.log, secure, messages and
//! their rotations, the systemd journal; the audit log or btmp when nothing else has any),
//! counted per source address, per /24 and per target user.
//!
//! **Why an attacker leaves this trace:** guessing passwords is how most Linux servers are
//! broken into; every wrong password or invalid user is logged by sshd or PAM with its source.
//!
//! **Example:** `203.0.113.50: 1,204 failures (root 950, admin 120 …) from 2026-11-27 02:14:09
//! to 2026-11-27 03:40:51, 31 invalid users`.
//!
//! **ATT&CK:** T1110.001 (Brute Force: Password Guessing), T1110.003 (Password Spraying).

use huoyan_core::{CheckInfo, Gap, GapReason, Outcome, Severity};
use huoyan_logs::bruteforce::{attacks, targeted_users, Scope, MIN_FAILURES};
use serde_json::json;

use super::common::{data, short, ts};
use crate::registry::{Area, Check};
use crate::Context;

/// See the module documentation.
pub struct BruteForce;

static INFO: CheckInfo = CheckInfo {
    id: "logs.bruteforce",
    title: "Password guessing (brute force)",
    title_zh: "口令暴力破解",
    mitre: &["T1110.001", "T1110.003"],
    remediation: "Block the source (firewall, fail2ban), disable password authentication for SSH \
                  (PasswordAuthentication no, keys only), forbid root login, and check whether \
                  any login from this source succeeded (logs.bruteforce_success).",
    remediation_zh: "封禁来源地址（防火墙、fail2ban），关闭 SSH 口令认证（PasswordAuthentication \
                     no，仅用密钥），禁止 root 登录，并检查该来源是否有成功登录\
                     （logs.bruteforce_success）。",
};

impl Check for BruteForce {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn area(&self) -> Area {
        Area::Logs
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let data = data(ctx);
        for g in &data.gaps {
            out.gap(g.clone());
        }
        let has_auth_source = data.files.iter().any(|f| {
            matches!(
                f.kind,
                huoyan_logs::SourceKind::Syslog | huoyan_logs::SourceKind::Journal
            )
        });
        if !has_auth_source {
            out.gap(Gap::new(
                INFO.id,
                GapReason::Absent,
                "no auth.log, secure, messages, syslog or systemd journal found: authentication \
                 failures could not be counted",
            ));
        }
        for a in attacks(&data) {
            let t = &a.tally;
            let severity = if t.failures >= 1000 {
                Severity::High
            } else {
                Severity::Medium
            };
            let mut users: Vec<(&String, &u64)> = t.names.iter().collect();
            users.sort_by(|x, y| y.1.cmp(x.1));
            let top: Vec<String> = users
                .iter()
                .take(5)
                .map(|(u, n)| format!("{u} {n}"))
                .collect();
            let what = match a.scope {
                Scope::Source => "",
                Scope::Network => " (distributed over several addresses of this network)",
            };
            let mut f = INFO
                .finding(
                    severity,
                    format!(
                        "{}{what}: {} authentication failures ({}) from {} to {}, {} for invalid \
                         users, {} against root",
                        a.key,
                        t.failures,
                        top.join(", "),
                        short(t.first),
                        short(t.last),
                        t.invalid_users,
                        t.root_attempts
                    ),
                )
                .ip(a.key.clone())
                .at(t.first)
                .evidence(json!({
                    "scope": a.scope,
                    "failures": t.failures,
                    "probes": t.probes,
                    "invalid_users": t.invalid_users,
                    "root_attempts": t.root_attempts,
                    "first": ts(t.first),
                    "last": ts(t.last),
                    if a.scope == Scope::Source { "users" } else { "sources" }: t.names,
                    "more_names": t.names_overflow,
                    "services": t.services,
                }));
            for (u, _) in users.iter().take(5) {
                if a.scope == Scope::Source {
                    f = f.user((*u).clone());
                }
            }
            out.add(f);
        }
        for (user, t) in targeted_users(&data) {
            let sources = t.names.len() as u64 + t.names_overflow;
            let weak_each = t.names.keys().all(|s| {
                data.failures
                    .by_source
                    .get(s)
                    .is_none_or(|x| x.failures < MIN_FAILURES)
            });
            if sources >= 5 && weak_each {
                out.add(
                    INFO.finding(
                        Severity::Medium,
                        format!(
                            "user {user:?} targeted by {sources} sources ({} failures, each source \
                             below the brute-force threshold) from {} to {}",
                            t.failures,
                            short(t.first),
                            short(t.last)
                        ),
                    )
                    .user(user.clone())
                    .at(t.first)
                    .evidence(json!({
                        "failures": t.failures,
                        "sources": t.names,
                        "first": ts(t.first),
                        "last": ts(t.last),
                    })),
                );
            }
        }
    }
}
