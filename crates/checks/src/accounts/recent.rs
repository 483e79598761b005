//! `accounts.recent` — accounts created or changed inside the window of interest.
//!
//! **What it looks at:** the last-password-change day of every `/etc/shadow` entry, and the birth
//! time (or, where the filesystem has none, the inode change time) of every home directory,
//! compared with `--since` (default: the last 30 days). Changes made on the day most accounts
//! were last changed (the installation day) are not reported: a fresh server is not an incident.
//!
//! **Why an attacker leaves this trace:** `useradd`/`adduser`, `passwd` and `chpasswd` all set
//! the shadow change day to today, and creating an account creates its home directory. An
//! account born during the intrusion window is the first thing to explain.
//!
//! **Example:** `sysadm` — shadow last change 2026-11-20, home `/home/sysadm` born
//! 2026-11-20T03:12:44Z.
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1136.001 (Create Account: Local Account), T1098 (Account Manipulation).

use std::collections::HashMap;

use huoyan_core::{CheckInfo, Outcome, Severity, Timestamp};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct RecentAccount;

static INFO: CheckInfo = CheckInfo {
    id: "accounts.recent",
    title: "Account created or changed recently",
    title_zh: "近期创建或修改的账号",
    mitre: &["T1136.001", "T1098"],
    remediation: "Ask the administrators whether they created or changed this account in that \
                  window; if not, lock it (usermod -L), keep its home directory as evidence and \
                  trace its logins (wtmp, auth logs) and processes.",
    remediation_zh:
        "向管理员确认该时间段内是否创建或修改过此账号；若没有，立即锁定（usermod -L），\
                     保留其家目录作为证据，并追查其登录记录（wtmp、认证日志）与进程。",
};

fn day_start(day: i64) -> Option<Timestamp> {
    huoyan_core::time::from_unix(day.checked_mul(86_400)?, 0)
}

impl Check for RecentAccount {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        for r in recent_accounts(ctx) {
            let severity = match (r.shadow_recent.is_some(), r.login_shell) {
                (true, true) => Severity::Medium,
                (true, false) => Severity::Low,
                (false, _) => Severity::Low,
            };
            let mut what = Vec::new();
            if let Some(t) = r.shadow_recent {
                what.push(format!("password last changed {}", t.strftime("%Y-%m-%d")));
            }
            if let Some(t) = r.home_recent {
                what.push(format!(
                    "home {} created/changed {}",
                    r.home,
                    huoyan_core::time::format_short(t)
                ));
            }
            let mut f = INFO
                .finding(
                    severity,
                    format!("account {:?}: {}", r.name, what.join("; ")),
                )
                .user(r.name.clone())
                .at(r.home_recent.or(r.shadow_recent))
                .evidence(r.evidence.clone());
            if r.shadow_recent.is_some() {
                f = f.path("/etc/shadow");
            }
            if r.home_recent.is_some() {
                f = f.path(r.home.clone());
            }
            out.add(f);
        }
    }
}

/// An account created or changed inside the window of interest.
#[derive(Debug, Clone)]
pub(crate) struct RecentAccountFacts {
    /// Account name.
    pub name: String,
    /// Home directory.
    pub home: String,
    /// Shadow change day, when inside the window (and not the installation day).
    pub shadow_recent: Option<Timestamp>,
    /// Home birth/change time, when inside the window.
    pub home_recent: Option<Timestamp>,
    /// Has a login shell.
    pub login_shell: bool,
    evidence: serde_json::Value,
}

/// Accounts created or changed inside the window (see the module documentation); other checks
/// use it to tell a rule written for a new account from an old one.
pub(crate) fn recent_accounts(ctx: &Context) -> Vec<RecentAccountFacts> {
    let mut found = Vec::new();
    let since = ctx.recent_since();
    let until = ctx.window.until.unwrap_or(ctx.now);
    let db = ctx.users();
    // The installation day: the change day shared by most entries, when it is a clear
    // majority of at least five accounts.
    let mut days: HashMap<i64, usize> = HashMap::new();
    for s in &db.shadow {
        if let Some(d) = s.last_change_day {
            *days.entry(d).or_default() += 1;
        }
    }
    let install_day = days
        .iter()
        .max_by_key(|(d, n)| (**n, **d))
        .filter(|(_, n)| **n >= 5 && **n * 2 > db.shadow.len())
        .map(|(d, _)| *d);

    for p in &db.passwd {
        let shadow_day = db
            .shadow_of(&p.name)
            .and_then(|s| s.last_change_day)
            .filter(|d| *d > 0 && Some(*d) != install_day);
        let shadow_time = shadow_day.and_then(day_start);
        // A change day is a whole day: count it if any part of it is inside the window.
        let shadow_recent = shadow_time
            .filter(|t| t.as_second() + 86_400 > since.as_second())
            .filter(|t| *t <= until);
        let home_meta = if p.home.starts_with('/') && p.home != "/" {
            ctx.root.lstat(&p.home).ok()
        } else {
            None
        };
        // A birth or change time the whole system shares (an image copied or restored) dates
        // the copy, not the account.
        let band = crate::persistence::bulk_ctime_band(ctx);
        let outside = |t: &Timestamp| !band.is_some_and(|(lo, hi)| *t >= lo && *t <= hi);
        let home_time = home_meta
            .as_ref()
            .and_then(|m| m.btime.filter(outside).or(m.ctime.filter(outside)));
        let home_recent = home_time.filter(|t| *t >= since && *t <= until);
        // Home directories shared with the system (/bin, /usr/sbin, /var/…) change for
        // reasons of their own.
        let own_home = home_meta
            .as_ref()
            .is_some_and(|m| p.uid.is_some_and(|u| u == m.uid));
        let home_recent = home_recent.filter(|_| own_home);
        if shadow_recent.is_none() && home_recent.is_none() {
            continue;
        }
        found.push(RecentAccountFacts {
            name: p.name.clone(),
            home: p.home.clone(),
            shadow_recent,
            home_recent,
            login_shell: p.has_login_shell(),
            evidence: json!({
                "uid": p.uid,
                "shadow_last_change_day": shadow_day,
                "shadow_last_change": shadow_time.map(huoyan_core::time::format_utc),
                "home": p.home,
                "home_btime": home_meta.as_ref().and_then(|m| m.btime).map(huoyan_core::time::format_utc),
                "home_ctime": home_meta.as_ref().and_then(|m| m.ctime).map(huoyan_core::time::format_utc),
                "since": huoyan_core::time::format_utc(since),
                "login_shell": p.has_login_shell(),
            }),
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::testing::{root_with, run, run_default};
    use huoyan_core::Window;

    fn today() -> i64 {
        huoyan_core::time::now().as_second() / 86_400
    }

    #[test]
    fn flags_recent_shadow_change_but_not_install_day() {
        let passwd = "root:x:0:0::/root:/bin/bash\na:x:1:1::/nonexistent:/usr/sbin/nologin\n\
b:x:2:2::/nonexistent:/usr/sbin/nologin\nc:x:3:3::/nonexistent:/usr/sbin/nologin\n\
d:x:4:4::/nonexistent:/usr/sbin/nologin\nsysadm:x:1001:1001::/nonexistent:/bin/bash\n";
        let old = today() - 400;
        let mut shadow = String::new();
        for n in ["root", "a", "b", "c", "d"] {
            shadow.push_str(&format!("{n}:*:{old}:0:99999:7:::\n"));
        }
        shadow.push_str(&format!("sysadm:$y$x$y:{}:0:99999:7:::\n", today() - 2));
        let dir = root_with(&[("/etc/passwd", passwd), ("/etc/shadow", &shadow)]);
        let out = run_default(&RecentAccount, dir.path());
        assert_eq!(out.findings.len(), 1, "{:?}", out.findings);
        assert_eq!(out.findings[0].users, vec!["sysadm"]);
        assert_eq!(out.findings[0].severity, Severity::Medium);
    }

    #[test]
    fn home_born_when_the_whole_image_was_copied_is_not_recent() {
        let passwd = "root:x:0:0::/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n";
        let shadow = format!(
            "root:*:{d}:0:99999:7:::\nalice:$y$a$b:{d}:0:99999:7:::\n",
            d = today() - 100
        );
        let mut files: Vec<(String, String)> = vec![
            ("/etc/passwd".into(), passwd.into()),
            ("/etc/shadow".into(), shadow),
            ("/home/alice/.profile".into(), String::new()),
        ];
        // A copied image: everything got its birth and change time in the same minute.
        for i in 0..60 {
            files.push((format!("/etc/f{i}"), String::new()));
        }
        let borrowed: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_str()))
            .collect();
        let dir = root_with(&borrowed);
        let uid = std::fs::metadata(dir.path().join("home/alice"))
            .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
            .unwrap_or(0);
        if uid != 1000 {
            // the home must belong to alice for the check to look at it: rewrite passwd
            let passwd = format!(
                "root:x:0:0::/root:/bin/bash\nalice:x:{uid}:{uid}::/home/alice:/bin/bash\n"
            );
            std::fs::write(dir.path().join("etc/passwd"), passwd).expect("write");
        }
        assert!(run_default(&RecentAccount, dir.path()).findings.is_empty());
        // Without the rest of the image, the same fresh home is a lead.
        for i in 0..60 {
            std::fs::remove_file(dir.path().join(format!("etc/f{i}"))).expect("rm");
        }
        assert_eq!(run_default(&RecentAccount, dir.path()).findings.len(), 1);
    }

    #[test]
    fn since_moves_the_window_and_fresh_install_is_quiet() {
        let passwd = "root:x:0:0::/root:/bin/bash\nalice:x:1000:1000::/nonexistent:/bin/bash\n";
        let shadow = format!(
            "root:*:{d}:0:99999:7:::\nalice:$y$a$b:{d}:0:99999:7:::\n",
            d = today() - 100
        );
        let dir = root_with(&[("/etc/passwd", passwd), ("/etc/shadow", &shadow)]);
        assert!(run_default(&RecentAccount, dir.path()).findings.is_empty());
        let since = huoyan_core::time::from_unix((today() - 200) * 86_400, 0);
        let out = run(&RecentAccount, dir.path(), Window { since, until: None });
        assert_eq!(out.findings.len(), 2);
    }
}
