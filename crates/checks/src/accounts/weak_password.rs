//! `accounts.weak_password` — account passwords that a common guess opens: in huoyan's built-in
//! list of server passwords, or derived from the user name, host name or GECOS field.
//!
//! **What it looks at:** every usable hash in `/etc/shadow` (and hashes left in `/etc/passwd`),
//! tested by `huoyan-passwords` against the built-in list (`rules/passwords/common.txt`) and
//! words derived from the host (`root123`, `web01@2024`, …) within a 20-second budget;
//! `/etc/passwd` for the shell; `/etc/ssh/sshd_config` (with its includes and Match blocks) for
//! whether sshd accepts passwords. Locked accounts (`!`, `*`) are never tested; empty hashes are
//! `accounts.empty_password`'s. Accounts the budget did not cover, schemes huoyan cannot test
//! (gost-yescrypt, scrypt) and hashes with exorbitant cost parameters are gaps. Several accounts
//! sharing one hash string are reported too.
//!
//! **Why it matters:** guessing a weak password over SSH is the commonest way into a Linux server
//! (the bots try exactly such lists), and until the password is changed the door stays open for
//! the attacker and the next one. A weak password is also what an intruder sets on a backdoor
//! account so it is easy to remember. The finding never shows the password: it says where it was
//! found ("in the built-in list at rank 7"); `huoyan passwords --reveal` shows it on request.
//!
//! **Severity:** critical for a weak password on an account that can log in (a login shell, not
//! locked) when sshd accepts passwords (the effective `PasswordAuthentication`, default `yes`, or
//! a `Match` block turning it on), and for root whatever sshd says (`su`, the console); high for
//! other accounts with a login shell; info for accounts that cannot log in (no shell) and for
//! reused hashes between accounts that are not weak.
//!
//! **Calibration:** a weak password is an exposure, not an act: the findings are of kind
//! `hardening` (role `hardening`), listed at the top of the report's hardening section by their
//! severity, and they never raise the verdict — a clean server with a weak root password says "no
//! evidence found" and "change this password now". When an attacker did walk through it, the
//! evidence is `logs.bruteforce_success` (critical) on the same account (docs/PRECISION.md). The
//! check is `deep`: `scan` runs it only with `--deep`, `triage` always.
//!
//! **Example:** `account "root" (login shell /bin/bash) has a weak sha512crypt password: in the
//! built-in list at rank 7; sshd accepts passwords`.
//!
//! **ATT&CK:** T1110.001 (Brute Force: Password Guessing), T1078 (Valid Accounts).

use huoyan_artifacts::sshd_config;
use huoyan_core::{CheckInfo, GapReason, Outcome, Severity};
use huoyan_passwords::{accounts_of, audit, Config, NotTestedWhy, Report};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct WeakPassword;

static INFO: CheckInfo = CheckInfo {
    id: "accounts.weak_password",
    title: "Account with a weak (guessable) password",
    title_zh: "账号使用弱口令（可被猜中的密码）",
    mitre: &["T1110.001", "T1078"],
    remediation: "Change the password now to a long random one (passwd), or lock the account \
                  (passwd -l) if it needs none; prefer SSH keys with `PasswordAuthentication \
                  no`; then check wtmp and the auth log for logins to this account, and run \
                  `huoyan passwords` for the full audit.",
    remediation_zh: "立即将该账号密码改为足够长的随机密码（passwd），不需要密码的账号直接锁定\
                     （passwd -l）；优先使用 SSH 密钥并设置 `PasswordAuthentication no`；\
                     然后排查 wtmp 与认证日志中该账号的登录记录，并运行 `huoyan passwords` \
                     做完整检测。",
};

/// Whether sshd accepts passwords: `Some(where)` when it does (globally or in a Match block).
fn ssh_passwords(ctx: &Context, out: &mut Outcome) -> Option<String> {
    let cfg = match sshd_config::read(&ctx.root) {
        Ok((cfg, errors)) => {
            for e in &errors {
                out.gap_from(INFO.id, e, false);
            }
            cfg
        }
        Err(e) => {
            // No sshd configuration: no SSH password door to judge.
            out.gap_from(INFO.id, &e, true);
            return None;
        }
    };
    match cfg.global("passwordauthentication") {
        Some(d) if d.value_lower() == "yes" => return Some(d.location()),
        None => return Some("sshd's default PasswordAuthentication yes".to_string()),
        Some(_) => {}
    }
    cfg.in_match("passwordauthentication")
        .into_iter()
        .find(|d| d.value_lower() == "yes")
        .map(|d| {
            format!(
                "{} (Match {})",
                d.location(),
                d.match_criteria.as_deref().unwrap_or("")
            )
        })
}

impl Check for WeakPassword {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn deep(&self) -> bool {
        true
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let config = Config {
            hostname: huoyan_passwords::hostname(&ctx.root),
            ..Config::default()
        };
        run_with(ctx, &config, out);
    }
}

/// The check with the caller's configuration (`huoyan passwords`: wordlists, budget): findings
/// and gaps into `out`, and the audit's report (which holds the cleartexts, for `--reveal`).
pub fn run_with(ctx: &Context, config: &Config, out: &mut Outcome) -> Report {
    let db = ctx.users();
    let accounts = accounts_of(db);
    if accounts.is_empty() {
        return Report::default();
    }
    let report = audit(&accounts, config);
    let ssh = if report.hits.is_empty() {
        None
    } else {
        ssh_passwords(ctx, out)
    };
    for hit in &report.hits {
        let entry = db.user(&hit.account);
        let shell = entry.map(|p| p.shell.clone()).unwrap_or_default();
        let login = entry.is_some_and(|p| p.has_login_shell());
        let is_root = entry.is_some_and(|p| p.uid == Some(0)) || hit.account == "root";
        let (severity, why) = match (login, is_root, &ssh) {
            (true, _, Some(at)) => (
                Severity::Critical,
                format!("; sshd accepts passwords ({at})"),
            ),
            (true, true, None) => (
                Severity::Critical,
                "; uid 0 (su and the console take it)".to_string(),
            ),
            (true, false, None) => (Severity::High, String::new()),
            (false, _, _) => (
                Severity::Info,
                " (the account has no login shell)".to_string(),
            ),
        };
        out.add(
            INFO.finding(
                severity,
                format!(
                    "account {:?}{} has a weak {} password: {}{why}",
                    hit.account,
                    if login {
                        format!(" (login shell {shell})")
                    } else {
                        String::new()
                    },
                    hit.scheme.name(),
                    hit.origin.describe(),
                ),
            )
            .path(hit.file)
            .user(hit.account.clone())
            .evidence(json!({
                "file": hit.file,
                "line": hit.line,
                "scheme": hit.scheme.name(),
                "found": hit.origin,
                "found_zh": hit.origin.describe_zh(),
                "login_shell": login,
                "shell": shell,
                "uid0": is_root,
                "ssh_password_authentication": ssh,
            }))
            .hardening(),
        );
    }
    for reuse in &report.reused {
        let mut f = INFO
            .finding(
                Severity::Info,
                format!(
                    "accounts {} share one {} hash (the same password, set by copying the hash)",
                    reuse
                        .accounts
                        .iter()
                        .map(|a| format!("{a:?}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    reuse.scheme.name()
                ),
            )
            .path("/etc/shadow")
            .evidence(json!({"scheme": reuse.scheme.name(), "accounts": reuse.accounts}));
        for a in &reuse.accounts {
            f = f.user(a.clone());
        }
        out.add(f);
    }
    for nt in &report.not_tested {
        let (reason, detail) = match &nt.why {
            NotTestedWhy::TimeLimit { tested, total } => (
                GapReason::Truncated,
                format!(
                    "account {:?} ({}): {tested} of {total} candidate passwords tested within \
                     the {}-second budget (run `huoyan passwords` for the rest)",
                    nt.account,
                    nt.scheme.name(),
                    config.time_limit.as_secs()
                ),
            ),
            NotTestedWhy::Untestable(why) => (
                GapReason::Unsupported,
                format!("account {:?}: password not tested: {why}", nt.account),
            ),
        };
        out.gap(INFO.gap(Some("/etc/shadow".into()), reason, detail));
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::testing::{root_with, run_default};

    /// `admin123` (sha512crypt) and `P@ssw0rd` (md5crypt), made with python's crypt (libxcrypt).
    const ADMIN123: &str = "$6$Hy9cR2mQ$GyXT4XqigOvoyd87kkjgdZrLTOo8FxpAVOoMVHzfN1Hj0cYPXy5f1/mGTr1dIyD55jQbWI0Uhio0XMRc7OhOr/";
    const PASSW0RD: &str = "$1$Qm4Rt7Yz$ymbZVNVQ.L7HpCJMoq/6x0";
    /// Strong random passwords (sha512crypt, md5crypt).
    const STRONG_SHA: &str = "$6$Tn3bV8xQ$LBFpZSKI3j0MoRrJ7rzGC5J74IBRiO4hgI9Lr1sDtEBxONOS6K5KvDhnrt37ILN382jzg.l886pz3Spf6KtoM1";
    const STRONG_MD5: &str = "$1$Pz8Lk3Vb$/V78b65ApAao8twFa0Icn1";

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n\
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n\
svc:x:998:998::/srv:/usr/sbin/nologin\n";

    #[test]
    fn weak_root_password_is_critical() {
        let shadow = format!(
            "root:{ADMIN123}:19700:0:99999:7:::\ndaemon:*:19700:0:99999:7:::\n\
alice:{PASSW0RD}:19700:0:99999:7:::\nsvc:{PASSW0RD}:19700:0:99999:7:::\n"
        );
        let dir = root_with(&[
            ("/etc/passwd", PASSWD),
            ("/etc/shadow", &shadow),
            ("/etc/ssh/sshd_config", "PasswordAuthentication no\n"),
        ]);
        let out = run_default(&WeakPassword, dir.path());
        let of = |u: &str| {
            out.findings
                .iter()
                .find(|f| f.users == vec![u.to_string()])
                .unwrap_or_else(|| panic!("{u}: {:#?}", out.findings))
        };
        assert_eq!(of("root").severity, Severity::Critical);
        assert!(
            of("root").summary.contains("rank 7"),
            "{}",
            of("root").summary
        );
        assert_eq!(of("alice").severity, Severity::High);
        assert_eq!(of("svc").severity, Severity::Info);
        let text = serde_json::to_string(&out.findings).expect("json");
        assert!(
            !text.contains("admin123") && !text.contains("P@ssw0rd"),
            "{text}"
        );
        // alice and svc share a hash.
        assert!(out.findings.iter().any(|f| f.users.len() == 2));
    }

    #[test]
    fn ssh_password_authentication_makes_any_login_critical() {
        let shadow = format!("alice:{PASSW0RD}:19700:0:99999:7:::\n");
        let dir = root_with(&[
            ("/etc/passwd", PASSWD),
            ("/etc/shadow", &shadow),
            ("/etc/ssh/sshd_config", "Port 22\n"),
        ]);
        let out = run_default(&WeakPassword, dir.path());
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].severity, Severity::Critical);
        assert!(out.findings[0].summary.contains("sshd accepts passwords"));
    }

    #[test]
    fn strong_and_locked_accounts_stay_quiet() {
        let shadow = format!(
            "root:{STRONG_SHA}:19700:0:99999:7:::\ndaemon:*:19700:0:99999:7:::\n\
alice:{STRONG_MD5}:19700:0:99999:7:::\nsvc:!{ADMIN123}:19700:0:99999:7:::\n\
old:$gy$j9T$abc$def:19700:0:99999:7:::\n"
        );
        let dir = root_with(&[
            ("/etc/passwd", PASSWD),
            ("/etc/shadow", &shadow),
            ("/etc/ssh/sshd_config", "PasswordAuthentication yes\n"),
            ("/etc/hostname", "web01\n"),
        ]);
        let out = run_default(&WeakPassword, dir.path());
        assert!(out.findings.is_empty(), "{:#?}", out.findings);
        // The scheme huoyan cannot test is a gap, not silence.
        assert!(
            out.gaps.iter().any(|g| g.detail.contains("gost-yescrypt")),
            "{:#?}",
            out.gaps
        );
    }
}
