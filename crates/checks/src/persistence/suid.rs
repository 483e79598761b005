//! `persistence.suid` — set-user-id and set-group-id files outside the expected set.
//!
//! **What it looks at:** every regular file with mode bit 04000 or 02000 found by the shared
//! walk of program and drop directories (`/bin /sbin /usr /lib* /opt /tmp /var/tmp /dev/shm
//! /home /root /srv /var/www /etc`, one filesystem each, symlinks never followed), compared with
//! `rules/suid-allowlist.txt` (what Debian/Ubuntu and RHEL packages ship set-id). Whether an
//! allowed path holds the packaged binary is the integrity checks' question.
//!
//! **Why an attacker leaves this trace:** `cp /bin/bash /tmp/.x; chmod 4755 /tmp/.x` is the
//! oldest root backdoor there is: any local user (the web server, after the next exploit) runs
//! `/tmp/.x -p` and is root. Variants copy `find`, `vim` or `python`, or hide the copy in a
//! dot-directory under `/usr/lib`. Severity: critical for set-id shells and interpreters and for
//! anything in /tmp, /dev/shm, home directories or hidden directories; medium for other unknown
//! set-uid files; low for unknown set-gid-only files.
//!
//! **Example:** `/var/tmp/.cache/bash` mode 4755 owner root, 1234376 bytes.
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1548.001 (Abuse Elevation Control Mechanism: Setuid and Setgid).

use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use super::privileged_walk::{
    self, container_store, dropper_place, is_shell_like, Allowlist, OsTrees,
};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct SetIdFiles;

static INFO: CheckInfo = CheckInfo {
    id: "persistence.suid",
    title: "Set-uid/set-gid file outside the expected set",
    title_zh: "存在预期之外的 SUID/SGID 文件",
    mitre: &["T1548.001"],
    remediation: "Keep a copy and its hash as evidence, then remove the bit (chmod u-s,g-s) or \
                  the file; compare it with the packaged program (dpkg -S / rpm -qf) and look \
                  for who ran it (process accounting, audit log, shell histories).",
    remediation_zh: "先保留副本及其散列作为证据，再去掉特权位（chmod u-s,g-s）或删除文件；\
                     与软件包中的程序比对（dpkg -S / rpm -qf），并排查谁执行过它（进程审计、审计日志、shell 历史）。",
};

static ALLOWLIST: &str = include_str!("../../../../rules/suid-allowlist.txt");

impl Check for SetIdFiles {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let allow = Allowlist::parse(ALLOWLIST);
        let walk = privileged_walk::get(ctx);
        for e in &walk.errors {
            out.gap_from(INFO.id, e, true);
        }
        let mut trees = OsTrees::default();
        let mut grouped: std::collections::BTreeMap<String, Vec<serde_json::Value>> =
            std::collections::BTreeMap::new();
        for f in &walk.files {
            let m = &f.meta;
            if !(m.is_setuid() || m.is_setgid()) {
                continue;
            }
            // Inside an unpacked OS tree (chroot, build root, image layer), the tree's own
            // set-id programs are reported once for the tree; a set-id shell or a world-writable
            // file there is still reported on its own.
            if let Some((tree, inside)) = trees.tree_of(ctx, &f.path) {
                let own = allow.lookup(&inside).is_some() || !is_shell_like(&inside);
                if own && !m.is_world_writable() {
                    grouped.entry(tree).or_default().push(json!({
                        "path": f.path,
                        "mode": format!("{:04o}", m.perm()),
                        "uid": m.uid,
                        "allowlisted_inside_tree": allow.lookup(&inside).is_some(),
                    }));
                    continue;
                }
            }
            let shell = is_shell_like(&f.path);
            let dropper = dropper_place(&f.path);
            let allowed = allow.lookup(&f.path).is_some();
            if allowed && !dropper && !m.is_world_writable() {
                continue;
            }
            let owner = ctx.users().user_label(m.uid);
            let bits = match (m.is_setuid(), m.is_setgid()) {
                (true, true) => "set-uid and set-gid",
                (true, false) => "set-uid",
                _ => "set-gid",
            };
            let in_store = container_store(&f.path);
            let severity = if in_store && !m.is_world_writable() {
                Severity::Low
            } else if shell || dropper || m.is_world_writable() {
                Severity::Critical
            } else if m.is_setuid() {
                Severity::Medium
            } else {
                Severity::Low
            };
            // A set-uid program a package installed, with the packaged content (dpkg records
            // no modes, so the bit itself cannot be checked): low, for the record.
            let package = (severity == Severity::Medium)
                .then(|| crate::integrity::packaged::unchanged_package(ctx, &f.path))
                .flatten();
            let severity = if package.is_some() {
                Severity::Low
            } else {
                severity
            };
            let why = if in_store {
                " — inside a rootless container image store (the image's own program)"
            } else if shell {
                " — a set-id shell or interpreter gives a root shell"
            } else if dropper {
                " — in a place where no packaged program lives"
            } else if m.is_world_writable() {
                " — and writable by every user"
            } else {
                ""
            };
            let why = match &package {
                Some(p) => format!("{why} — installed by package {p}, content unchanged"),
                None => why.to_string(),
            };
            out.add(
                INFO.finding(
                    severity,
                    format!(
                        "{} is {bits} (mode {:04o}, owner {owner}){why}",
                        f.path,
                        m.perm()
                    ),
                )
                .path(f.path.clone())
                .user(owner.clone())
                .at(m.ctime)
                .evidence(json!({
                    "path": f.path,
                    "mode": format!("{:04o}", m.perm()),
                    "uid": m.uid,
                    "gid": m.gid,
                    "size": m.size,
                    "mtime": m.mtime.map(huoyan_core::time::format_utc),
                    "ctime": m.ctime.map(huoyan_core::time::format_utc),
                    "allowlisted_path": allowed,
                    "package_unchanged": package,
                })),
            );
        }
        for (tree, files) in grouped {
            report_tree(&INFO, "set-id programs", &tree, files, out);
        }
    }
}

/// Most files of one OS tree listed in its finding's evidence.
const MAX_TREE_FILES: usize = 50;

/// One finding for an unpacked OS tree's privileged files: low where trees are kept (image
/// stores, /opt, /srv, /var/lib), medium in a drop place (/tmp, home directories, hidden
/// directories) where someone unpacked a whole system.
pub(crate) fn report_tree(
    info: &huoyan_core::CheckInfo,
    what: &str,
    tree: &str,
    files: Vec<serde_json::Value>,
    out: &mut Outcome,
) {
    let dir = format!("{tree}/");
    let severity = if !container_store(&dir) && dropper_place(&dir) {
        Severity::Medium
    } else {
        Severity::Low
    };
    let sample: Vec<&str> = files
        .iter()
        .filter_map(|f| f["path"].as_str())
        .map(|p| p.strip_prefix(tree).unwrap_or(p))
        .take(5)
        .collect();
    out.add(
        info.finding(
            severity,
            format!(
                "{tree} is an unpacked operating-system tree (its own etc/, bin/ and package \
                 database) holding {} {what} (e.g. {}); they are the tree's, reported once",
                files.len(),
                sample.join(", ")
            ),
        )
        .path(tree.to_string())
        .evidence(json!({
            "tree": tree,
            "count": files.len(),
            "files": files.iter().take(MAX_TREE_FILES).collect::<Vec<_>>(),
            "files_truncated": files.len() > MAX_TREE_FILES,
        })),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::testing::{chmod, root_with, run_default};

    #[test]
    fn flags_suid_shell_copy_and_unknown() {
        let dir = root_with(&[
            ("/usr/bin/passwd", "\x7fELF"),
            ("/var/tmp/.cache/bash", "\x7fELF"),
            ("/usr/local/bin/helper", "\x7fELF"),
            ("/usr/bin/wall", "\x7fELF"),
        ]);
        chmod(dir.path(), "/usr/bin/passwd", 0o4755);
        chmod(dir.path(), "/var/tmp/.cache/bash", 0o4755);
        chmod(dir.path(), "/usr/local/bin/helper", 0o4755);
        chmod(dir.path(), "/usr/bin/wall", 0o2755);
        let out = run_default(&SetIdFiles, dir.path());
        assert_eq!(out.findings.len(), 2, "{:#?}", out.findings);
        let crit = out
            .findings
            .iter()
            .find(|f| f.severity == Severity::Critical)
            .expect("crit");
        assert_eq!(crit.paths, vec!["/var/tmp/.cache/bash"]);
        assert!(out
            .findings
            .iter()
            .any(|f| f.paths == vec!["/usr/local/bin/helper"] && f.severity == Severity::Medium));
    }

    #[test]
    fn rootless_container_layers_are_low() {
        let layer = "/home/dev/.local/share/containers/storage/overlay/abc/diff/usr/bin/su";
        let dir = root_with(&[(layer, "\x7fELF")]);
        chmod(dir.path(), layer, 0o4755);
        let out = run_default(&SetIdFiles, dir.path());
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].severity, Severity::Low);
    }

    #[test]
    fn os_tree_under_tmp_is_one_finding_but_a_shell_in_it_is_its_own() {
        let tree = "/tmp/chroot";
        let mut files = vec![
            (format!("{tree}/etc/os-release"), "ID=debian\n"),
            (format!("{tree}/var/lib/dpkg/status"), ""),
            (format!("{tree}/usr/bin/bash"), "\x7fELF"),
        ];
        let setid = [
            "su", "passwd", "chsh", "chfn", "mount", "umount", "newgrp", "gpasswd",
        ];
        for name in setid {
            files.push((format!("{tree}/usr/bin/{name}"), "\x7fELF"));
        }
        files.push((format!("{tree}/usr/lib/.x/python3"), "\x7fELF"));
        let borrowed: Vec<(&str, &str)> = files.iter().map(|(p, c)| (p.as_str(), *c)).collect();
        let dir = root_with(&borrowed);
        for name in setid {
            chmod(dir.path(), &format!("{tree}/usr/bin/{name}"), 0o4755);
        }
        chmod(dir.path(), &format!("{tree}/usr/lib/.x/python3"), 0o4755);
        let out = run_default(&SetIdFiles, dir.path());
        assert_eq!(out.findings.len(), 2, "{:#?}", out.findings);
        let grouped = out
            .findings
            .iter()
            .find(|f| f.paths == vec![tree])
            .expect("tree");
        assert_eq!(grouped.severity, Severity::Medium);
        assert_eq!(grouped.evidence["count"], setid.len());
        let shell = out
            .findings
            .iter()
            .find(|f| f.paths[0].ends_with("python3"))
            .expect("shell");
        assert_eq!(shell.severity, Severity::Critical);
    }

    #[test]
    fn packaged_set_uid_helper_is_low() {
        let helper = "/usr/lib/mysql/plugin/auth_pam_tool_dir/auth_pam_tool";
        let (md5, _, _) = huoyan_integrity::verify::hash_reader(
            &b"\x7fELF tool"[..],
            huoyan_integrity::packages::Algo::Md5,
        )
        .expect("md5");
        let md5sums = format!("{md5}  {}\n", helper.trim_start_matches('/'));
        let dir = root_with(&[
            (helper, "\x7fELF tool"),
            ("/usr/local/bin/helper", "\x7fELF other"),
            (
                "/var/lib/dpkg/status",
                "Package: mariadb-server\nStatus: install ok installed\nArchitecture: amd64\n\n",
            ),
            ("/var/lib/dpkg/info/mariadb-server.md5sums", &md5sums),
            (
                "/var/lib/dpkg/info/mariadb-server.list",
                &format!("{helper}\n"),
            ),
        ]);
        chmod(dir.path(), helper, 0o4755);
        chmod(dir.path(), "/usr/local/bin/helper", 0o4755);
        let out = run_default(&SetIdFiles, dir.path());
        let sev = |p: &str| {
            out.findings
                .iter()
                .find(|f| f.paths == vec![p])
                .map(|f| f.severity)
        };
        assert_eq!(sev(helper), Some(Severity::Low), "{:#?}", out.findings);
        assert_eq!(sev("/usr/local/bin/helper"), Some(Severity::Medium));
    }

    #[test]
    fn stock_set_is_quiet() {
        let dir = root_with(&[
            ("/usr/bin/su", "\x7fELF"),
            ("/usr/bin/crontab", "\x7fELF"),
            ("/usr/bin/ls", "\x7fELF"),
        ]);
        chmod(dir.path(), "/usr/bin/su", 0o4755);
        chmod(dir.path(), "/usr/bin/crontab", 0o2755);
        assert!(run_default(&SetIdFiles, dir.path()).findings.is_empty());
    }
}
