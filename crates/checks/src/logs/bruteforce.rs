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
//! to 2026-11-27 03:40:51, 31 invalid users — then logged in: root (password) at 03:41:02`.
//!
//! **Noise or attack:** every Internet-facing SSH server is guessed at all day. Guessing that
//! was followed by a login from the same address or network (by any method: password, key,
//! wtmp session) is reported per attack, high, linked to the login (the login itself is
//! `logs.bruteforce_success`, critical). Guessing that never led to a login is one low finding
//! for the whole host, with the counts, the loudest sources and the most-tried users.
//!
//! **Calibration:** role `background` (internet noise that did not succeed: one low finding,
//! never the story's cause); what did succeed is its own finding (docs/PRECISION.md).
//!
//! **ATT&CK:** T1110.001 (Brute Force: Password Guessing), T1110.003 (Password Spraying).

use huoyan_core::{CheckInfo, Gap, GapReason, Outcome, Severity};
use huoyan_logs::bruteforce::{
    attacks, successes, targeted_users, Attack, Scope, Success, MIN_FAILURES,
};
use serde_json::json;

use super::common::{data, short, ts};
use crate::registry::Check;
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

/// Sources listed by name in the background-noise finding (all are in its evidence, capped).
const TOP_SOURCES: usize = 10;
/// Sources kept in the background-noise finding's evidence.
const MAX_LISTED_SOURCES: usize = 500;

fn top_names<'a>(
    names: impl IntoIterator<Item = (&'a String, &'a u64)>,
    n: usize,
) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = names.into_iter().map(|(k, c)| (k.clone(), *c)).collect();
    v.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    v.truncate(n);
    v
}

impl Check for BruteForce {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let data = data(ctx);
        for g in &data.gaps {
            out.gap(g.clone());
        }
        if data.failures.overflow > 0 {
            out.gap(Gap::new(
                INFO.id,
                GapReason::Truncated,
                format!(
                    "{} failures or probes from sources and users beyond the per-table cap of {} \
                     (the least active were dropped) are in the totals but not attributed to a \
                     source",
                    data.failures.overflow,
                    huoyan_logs::stats::MAX_KEYS
                ),
            ));
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
                "no auth.log, secure, messages, syslog or systemd journal read (absent, or not \
                 regular files): authentication failures could not be counted",
            ));
        }
        // Guessing that was followed by a login from the same place (by any method) is the
        // attack that worked: reported on its own, linked to the login. Guessing that never
        // led anywhere is the Internet's background noise: one low finding with the counts.
        let wins = successes(&data);
        let mut noise: Vec<Attack> = Vec::new();
        for a in attacks(&data) {
            let logins: Vec<&Success> = wins.iter().filter(|s| s.attacker == a.key).collect();
            if logins.is_empty() {
                noise.push(a);
            } else {
                out.add(attack_finding(&a, &logins));
            }
        }
        let won_users: Vec<&str> = wins
            .iter()
            .filter(|s| s.link == "targeted user")
            .filter_map(|s| s.user.as_deref())
            .collect();
        let mut spread_users = Vec::new();
        for (user, t) in targeted_users(&data) {
            let sources = t.names.len() as u64;
            let weak_each = t.names.keys().all(|s| {
                data.failures
                    .by_source
                    .get(s)
                    .is_none_or(|x| x.failures < MIN_FAILURES)
            });
            if !(sources >= 5 && weak_each) {
                continue;
            }
            if won_users.contains(&user.as_str()) {
                out.add(
                    INFO.finding(
                        Severity::High,
                        format!(
                            "user {user:?} targeted by {}{sources} sources ({} failures, each source \
                             below the brute-force threshold) from {} to {}, then a session opened \
                             for it (logs.bruteforce_success)",
                            if t.names_overflow > 0 { "at least " } else { "" },
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
            } else {
                spread_users.push((user, t));
            }
        }
        if let Some(f) = noise_finding(&noise, &spread_users) {
            out.add(f);
        }
    }
}

/// One attack that was followed by a login from the same address or network.
fn attack_finding(a: &Attack, logins: &[&Success]) -> huoyan_core::Finding {
    let t = &a.tally;
    let top: Vec<String> = top_names(&t.names, 5)
        .iter()
        .map(|(u, n)| format!("{u} {n}"))
        .collect();
    let what = match a.scope {
        Scope::Source => "",
        Scope::Network => " (distributed over several addresses of this network)",
    };
    let then: Vec<String> = logins
        .iter()
        .map(|s| {
            format!(
                "{} ({}) at {}",
                s.user.as_deref().unwrap_or("?"),
                s.method,
                short(s.time)
            )
        })
        .collect();
    let mut f = INFO
        .finding(
            Severity::High,
            format!(
                "{}{what}: {} authentication failures ({}) from {} to {}, {} for invalid users, {} \
                 against root — then logged in: {}",
                a.key,
                t.failures,
                top.join(", "),
                short(t.first),
                short(t.last),
                t.invalid_users,
                t.root_attempts,
                then.join("; ")
            ),
        )
        .source(a.key.clone())
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
            "logins_after": logins.iter().map(|s| json!({
                "user": s.user,
                "source": s.source,
                "method": s.method,
                "time": ts(s.time),
                "link": s.link,
                "logged_in": s.evidence_path,
            })).collect::<Vec<_>>(),
        }));
    if a.scope == Scope::Source {
        for (u, _) in top_names(&t.names, 5) {
            f = f.user(u);
        }
    }
    for s in logins {
        if let Some(u) = &s.user {
            f = f.user(u.clone());
        }
    }
    f
}

/// The guessing that never led to a login, as one finding: how much, from how many places,
/// against whom, and the loudest sources.
fn noise_finding(
    noise: &[Attack],
    spread_users: &[(String, huoyan_logs::stats::Tally)],
) -> Option<huoyan_core::Finding> {
    if noise.is_empty() && spread_users.is_empty() {
        return None;
    }
    let failures: u64 = noise.iter().map(|a| a.tally.failures).sum();
    let invalid: u64 = noise.iter().map(|a| a.tally.invalid_users).sum();
    let root: u64 = noise.iter().map(|a| a.tally.root_attempts).sum();
    let first = noise.iter().filter_map(|a| a.tally.first).min();
    let last = noise.iter().filter_map(|a| a.tally.last).max();
    let sources = noise.iter().filter(|a| a.scope == Scope::Source).count();
    let networks = noise.len() - sources;
    let mut users: std::collections::HashMap<String, u64> = Default::default();
    for a in noise.iter().filter(|a| a.scope == Scope::Source) {
        for (u, n) in &a.tally.names {
            *users.entry(u.clone()).or_default() += n;
        }
    }
    for (u, t) in spread_users {
        *users.entry(u.clone()).or_default() += t.failures;
    }
    let top_users = top_names(&users, 8);
    // `attacks` is sorted worst first.
    let loudest: Vec<String> = noise
        .iter()
        .take(TOP_SOURCES)
        .map(|a| format!("{} {}", a.key, a.tally.failures))
        .collect();
    let mut summary = format!(
        "password guessing that never led to a login (Internet background noise): {failures} \
         failures from {sources} address(es){} between {} and {}, {invalid} for invalid users, \
         {root} against root; loudest: {}; most tried: {}",
        if networks > 0 {
            format!(" and {networks} network(s)")
        } else {
            String::new()
        },
        short(first),
        short(last),
        loudest.join(", "),
        top_users
            .iter()
            .map(|(u, n)| format!("{u} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if !spread_users.is_empty() {
        summary.push_str(&format!(
            "; spread over many sources each below the threshold: {}",
            spread_users
                .iter()
                .map(|(u, t)| format!("{u} ({} sources)", t.names.len()))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut f = INFO
        .finding(Severity::Low, summary)
        .at(first)
        .evidence(json!({
            "failures": failures,
            "sources": sources,
            "networks": networks,
            "invalid_users": invalid,
            "root_attempts": root,
            "first": ts(first),
            "last": ts(last),
            "users": top_users,
            "attackers": noise.iter().take(MAX_LISTED_SOURCES).map(|a| json!({
                "key": a.key,
                "scope": a.scope,
                "failures": a.tally.failures,
                "first": ts(a.tally.first),
                "last": ts(a.tally.last),
                "top_users": if a.scope == Scope::Source { top_names(&a.tally.names, 3) } else { Vec::new() },
            })).collect::<Vec<_>>(),
            "attackers_truncated": noise.len() > MAX_LISTED_SOURCES,
            "spread_users": spread_users.iter().map(|(u, t)| json!({
                "user": u,
                "failures": t.failures,
                "sources": t.names.len(),
                "first": ts(t.first),
                "last": ts(t.last),
            })).collect::<Vec<_>>(),
        }))
        .remediation(
            "Nothing happened here: no login followed. Turn password authentication off for \
             SSH (keys only) or rate-limit it (fail2ban) so the noise stops.",
            "未发生实际入侵：这些猜测之后没有任何登录成功。建议关闭 SSH 口令认证（仅用密钥）或\
             限速（fail2ban），以消除此类噪声。",
        );
    for a in noise.iter().take(TOP_SOURCES) {
        f = f.source(a.key.clone());
    }
    Some(f)
}
