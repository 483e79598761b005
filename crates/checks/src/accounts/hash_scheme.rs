//! `accounts.hash_scheme` — password hashes in a weak scheme, or in a scheme the system's own
//! tools did not write.
//!
//! **What it looks at:** the scheme of every usable hash in `/etc/shadow` (and of hashes left
//! in `/etc/passwd`): DES (13 characters), MD5 (`$1$`), SHA-256 (`$5$`), SHA-512 (`$6$`), bcrypt
//! (`$2b$`…), yescrypt (`$y$`), scrypt (`$7$`), gost-yescrypt (`$gy$`). The scheme most hashes
//! share is what `passwd` writes on this system.
//!
//! **Why an attacker leaves this trace:** attackers set passwords by hand — `openssl passwd -1`,
//! `perl -e 'print crypt(…)'`, `usermod -p` with a hash made elsewhere — and those tools emit MD5
//! or DES, or at least not the yescrypt/SHA-512 the host's PAM produces. One `$1$` hash among
//! `$y$` hashes marks the account whose password was planted, and MD5/DES hashes crack in
//! minutes.
//!
//! **Example:** `toor` has an MD5 (`$1$`) hash while 3 other accounts use yescrypt (`$y$`).
//!
//! **Calibration:** posture: every finding is of kind `hardening` (listed in its own section,
//! never raises the verdict or the exit code; docs/PRECISION.md).
//!
//! **ATT&CK:** T1098 (Account Manipulation), T1136.001 (Create Account: Local Account).

use std::collections::HashMap;

use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct HashScheme;

static INFO: CheckInfo = CheckInfo {
    id: "accounts.hash_scheme",
    title: "Password hash in a weak or foreign scheme",
    title_zh: "密码散列算法过弱或与系统默认不一致",
    mitre: &["T1098", "T1136.001"],
    remediation: "Ask who set this password and how; reset it with passwd on the host (which \
                  uses the system's scheme) or lock the account, and check its logins.",
    remediation_zh:
        "确认是谁、以何种方式设置了该密码；在本机用 passwd 重新设置（使用系统默认算法）\
                     或锁定账号，并排查其登录记录。",
};

/// The scheme of a usable hash, `None` for locked or empty fields.
pub(crate) fn scheme(hash: &str) -> Option<&'static str> {
    let h = hash.trim_start_matches('!');
    if hash.starts_with(['!', '*']) || h.is_empty() {
        return None;
    }
    Some(match h {
        _ if h.starts_with("$1$") => "md5",
        _ if h.starts_with("$5$") => "sha256",
        _ if h.starts_with("$6$") => "sha512",
        _ if h.starts_with("$y$") => "yescrypt",
        _ if h.starts_with("$gy$") => "gost-yescrypt",
        _ if h.starts_with("$7$") => "scrypt",
        _ if h.starts_with("$2") => "bcrypt",
        _ if h.starts_with("$sha1$") => "sha1crypt",
        _ if h.starts_with("_") && h.len() == 20 => "bsdi-des",
        _ if h.len() == 13 && !h.starts_with('$') => "des",
        _ if h.starts_with('$') => "unknown",
        _ => return None,
    })
}

fn weak(s: &str) -> bool {
    matches!(s, "md5" | "des" | "bsdi-des" | "unknown")
}

impl Check for HashScheme {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let db = ctx.users();
        let mut hashes: Vec<(&str, &'static str, &'static str, usize)> = Vec::new();
        for s in &db.shadow {
            if let Some(sch) = scheme(&s.hash) {
                hashes.push((s.name.as_str(), sch, "/etc/shadow", s.line));
            }
        }
        for p in &db.passwd {
            if p.password != "x" {
                if let Some(sch) = scheme(&p.password) {
                    hashes.push((p.name.as_str(), sch, "/etc/passwd", p.line));
                }
            }
        }
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for (_, sch, _, _) in &hashes {
            *counts.entry(*sch).or_default() += 1;
        }
        // The system's scheme: a strict majority among at least three hashes.
        let usual = counts
            .iter()
            .max_by_key(|(s, n)| (**n, **s))
            .filter(|(_, n)| **n >= 3 && **n * 2 > hashes.len())
            .map(|(s, _)| *s);
        for (name, sch, file, line) in &hashes {
            // The odd one out (a scheme the system's tools did not write) is a sign the hash was
            // set by hand; a weak scheme the whole system shares is only a weakness.
            let odd = usual.is_some_and(|u| u != *sch);
            let (severity, why) = if weak(sch) {
                (
                    Severity::Medium,
                    format!("a weak {sch} hash (cracks quickly; typical of openssl passwd -1 or crypt())"),
                )
            } else if odd {
                (
                    Severity::Low,
                    format!(
                        "a {sch} hash while the system writes {}",
                        usual.unwrap_or("?")
                    ),
                )
            } else {
                continue;
            };
            let f = INFO.finding(
                severity,
                format!("account {name:?} has {why} ({file} line {line})"),
            );
            out.add(
                if odd { f } else { f.hardening() }
                    .path(*file)
                    .user(*name)
                    .evidence(json!({
                        "file": file,
                        "line": line,
                        "scheme": sch,
                        "system_scheme": usual,
                        "schemes": counts,
                    })),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::testing::{root_with, run_default};

    #[test]
    fn md5_among_yescrypt_is_flagged() {
        let shadow = "root:$y$j9T$a$b:19700:0:99999:7:::\nalice:$y$j9T$c$d:19700:0:99999:7:::\n\
bob:$y$j9T$e$f:19700:0:99999:7:::\ntoor:$1$abcdefgh$0123456789012345678901:19700:0:99999:7:::\n\
old:$6$s$h:19700:0:99999:7:::\ndaemon:*:19700:0:99999:7:::\n";
        let dir = root_with(&[
            ("/etc/shadow", shadow),
            ("/etc/passwd", "root:x:0:0::/root:/bin/bash\n"),
        ]);
        let out = run_default(&HashScheme, dir.path());
        assert_eq!(out.findings.len(), 2, "{:#?}", out.findings);
        let toor = out
            .findings
            .iter()
            .find(|f| f.users == vec!["toor"])
            .expect("toor");
        assert_eq!(toor.severity, Severity::Medium);
        let old = out
            .findings
            .iter()
            .find(|f| f.users == vec!["old"])
            .expect("old");
        assert_eq!(old.severity, Severity::Low);
        assert!(toor.is_evidence() && old.is_evidence());
    }

    #[test]
    fn weak_scheme_shared_by_all_is_hardening() {
        let shadow = "root:$1$aaaaaaaa$0123456789012345678901:1:0:99999:7:::\n\
alice:$1$bbbbbbbb$0123456789012345678901:1:0:99999:7:::\n\
bob:$1$cccccccc$0123456789012345678901:1:0:99999:7:::\n";
        let dir = root_with(&[("/etc/shadow", shadow)]);
        let out = run_default(&HashScheme, dir.path());
        assert_eq!(out.findings.len(), 3);
        assert!(out.findings.iter().all(|f| !f.is_evidence()));
    }

    #[test]
    fn uniform_strong_hashes_are_quiet() {
        let shadow = "root:$y$j9T$a$b:1:0:99999:7:::\nalice:$y$j9T$c$d:1:0:99999:7:::\nx:!:1::::::\ny:*:1::::::\n";
        let dir = root_with(&[("/etc/shadow", shadow)]);
        assert!(run_default(&HashScheme, dir.path()).findings.is_empty());
        assert_eq!(scheme("!$6$x$y"), None);
        assert_eq!(scheme("abcdefghijklm"), Some("des"));
    }
}
