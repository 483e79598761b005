//! `integrity.pam` — PAM modules no package installed or that differ from their package, and PAM
//! configuration that runs unusual code.
//!
//! **What it looks at:** every `*.so` in the PAM module directories (`/lib/security`,
//! `/lib/*/security`, `/usr/lib/security`, `/usr/lib/*/security`, `/lib64/security` …) against
//! the package database (ownership and digest); every rule of `/etc/pam.d/*` and `/etc/pam.conf`.
//!
//! **Why an attacker leaves this trace:** a PAM backdoor (a patched `pam_unix.so` with a master
//! password, or an extra module that logs passwords) is the quietest way to keep root: every
//! login path — sshd, su, sudo — runs it. So are configuration tricks: `auth sufficient
//! pam_permit.so` lets anyone in, `pam_exec.so` runs a script on every login (credential capture
//! with `expose_authtok`), and a module loaded from an absolute path outside the module
//! directories (`/tmp/.x/pam_x.so`) is code no package vouches for.
//!
//! **Example:** `/usr/lib/x86_64-linux-gnu/security/pam_unix2.so is a PAM module no package
//! owns` (critical); `/etc/pam.d/sshd line 4: pam_exec.so runs /dev/shm/.l expose_authtok`.
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1556.003 (Modify Authentication Process: Pluggable Authentication Modules).

use std::path::{Path, PathBuf};

use huoyan_core::{CheckInfo, FileKind, Outcome, Root, Severity};
use huoyan_integrity::PackageIndex;
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct PamIntegrity;

static INFO: CheckInfo = CheckInfo {
    id: "integrity.pam",
    title: "PAM module or configuration not from a package",
    title_zh: "PAM 模块或配置异常（非软件包提供）",
    mitre: &["T1556.003"],
    remediation: "Collect the module or configuration, compare with a clean host, restore the \
                  package's version (apt-get install --reinstall libpam-modules / dnf reinstall \
                  pam), and rotate every password typed on this host since the change.",
    remediation_zh:
        "取证保存该模块或配置，与干净主机比对，恢复软件包原版（apt-get install --reinstall \
                     libpam-modules / dnf reinstall pam），并更换自改动以来在本机输入过的所有密码。",
};

/// Parent directories whose `security/` subdirectories hold PAM modules.
const LIB_TOPS: &[&str] = &[
    "/lib",
    "/lib64",
    "/usr/lib",
    "/usr/lib64",
    "/lib32",
    "/usr/lib32",
];

/// Every PAM module directory present under the root.
pub fn pam_module_dirs(root: &Root) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for top in LIB_TOPS {
        let direct = Path::new(top).join("security");
        if root.stat(&direct).is_ok_and(|m| m.kind == FileKind::Dir) {
            dirs.push(direct);
        }
        if let Ok(entries) = root.read_dir(top) {
            for e in entries {
                let candidate = e.path.join("security");
                if e.kind == FileKind::Dir
                    && root.stat(&candidate).is_ok_and(|m| m.kind == FileKind::Dir)
                {
                    dirs.push(candidate);
                }
            }
        }
    }
    // merged-/usr roots list the same directory twice; keep the first of each real directory.
    let mut seen = std::collections::HashSet::new();
    dirs.retain(|d| root.resolve(d).is_ok_and(|h| seen.insert(h)));
    dirs
}

/// One rule of a PAM configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PamRule {
    /// 1-based line.
    pub line: usize,
    /// `auth`, `account`, `password`, `session` (leading `-` removed).
    pub kind: String,
    /// `required`, `sufficient`, `[success=1 default=ignore]` …
    pub control: String,
    /// Module name or path.
    pub module: String,
    /// Arguments.
    pub args: Vec<String>,
}

/// Parses a pam.d file (or pam.conf with `service_field = true`).
pub fn parse_pam_rules(data: &[u8], service_field: bool) -> Vec<PamRule> {
    let text = String::from_utf8_lossy(data);
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('@') {
            continue;
        }
        let mut rest = line;
        if service_field {
            match rest.split_once(char::is_whitespace) {
                Some((_, r)) => rest = r.trim_start(),
                None => continue,
            }
        }
        let Some((kind, r)) = rest.split_once(char::is_whitespace) else {
            continue;
        };
        let r = r.trim_start();
        let (control, r) = if r.starts_with('[') {
            match r.find(']') {
                Some(end) => (&r[..=end], &r[end + 1..]),
                None => continue,
            }
        } else {
            match r.split_once(char::is_whitespace) {
                Some(x) => x,
                None => continue,
            }
        };
        let mut words = r.split_whitespace();
        let Some(module) = words.next() else { continue };
        out.push(PamRule {
            line: i + 1,
            kind: kind.trim_start_matches('-').to_string(),
            control: control.to_string(),
            module: module.to_string(),
            args: words.map(str::to_string).collect(),
        });
    }
    out
}

fn in_writable_place(path: &str) -> bool {
    [
        "/tmp/",
        "/var/tmp/",
        "/dev/shm/",
        "/home/",
        "/root/",
        "/run/user/",
    ]
    .iter()
    .any(|p| path.starts_with(p))
        || path.contains("/.")
}

impl Check for PamIntegrity {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let index = PackageIndex::shared(&ctx.root);
        let dirs = pam_module_dirs(&ctx.root);
        for dir in &dirs {
            check_module_dir(&ctx.root, &index, dir, out);
        }
        check_configs(&ctx.root, &dirs, out);
    }
}

fn check_module_dir(root: &Root, index: &PackageIndex, dir: &Path, out: &mut Outcome) {
    let entries = match root.read_dir(dir) {
        Ok(e) => e,
        Err(e) => return out.gap_from(INFO.id, &e, true),
    };
    for e in entries {
        if e.kind != FileKind::File || !e.name.as_encoded_bytes().ends_with(b".so") {
            continue;
        }
        let shown = e.path.display().to_string();
        if !index.has_database() {
            continue;
        }
        if !index.is_owned(&e.path) {
            let meta = root.lstat(&e.path).ok();
            out.add(
                INFO.finding(
                    Severity::Critical,
                    format!("{shown} is a PAM module that no package owns"),
                )
                .path(shown)
                .at(meta.as_ref().and_then(|m| m.ctime))
                .evidence(
                    json!({"module": e.path, "size": meta.as_ref().map(|m| m.size),
                    "mtime": meta.as_ref().and_then(|m| m.mtime)}),
                ),
            );
            continue;
        }
        let records = index.records_for(&e.path);
        let Some(first) = records.first() else {
            continue;
        };
        match huoyan_integrity::verify::hash_file(root, &e.path, first.expected.algo) {
            Ok((actual, _, _)) if !records.iter().any(|r| r.expected.hex == actual) => {
                out.add(
                    INFO.finding(
                        Severity::Critical,
                        format!("{shown} differs from package {}", first.package),
                    )
                    .path(shown)
                    .evidence(
                        json!({"package": first.package, "expected": first.expected.hex,
                        "actual": actual}),
                    ),
                );
            }
            Ok(_) => {}
            Err(err) => out.gap_from(INFO.id, &err, true),
        }
    }
}

fn check_configs(root: &Root, module_dirs: &[PathBuf], out: &mut Outcome) {
    let mut files: Vec<(PathBuf, bool)> = Vec::new();
    if root.exists("/etc/pam.conf") {
        files.push((PathBuf::from("/etc/pam.conf"), true));
    }
    match root.read_dir("/etc/pam.d") {
        Ok(entries) => files.extend(
            entries
                .into_iter()
                .filter(|e| e.kind == FileKind::File)
                .map(|e| (e.path, false)),
        ),
        Err(e) => out.gap_from(INFO.id, &e, true),
    }
    for (file, service_field) in files {
        let data = match root.read_capped(&file, 1 << 20) {
            Ok(c) => c.data,
            Err(e) => {
                out.gap_from(INFO.id, &e, true);
                continue;
            }
        };
        let shown = file.display().to_string();
        for rule in parse_pam_rules(&data, service_field) {
            let where_ = format!("{shown} line {}", rule.line);
            let evidence = json!({"file": shown, "line": rule.line, "type": rule.kind,
                "control": rule.control, "module": rule.module, "args": rule.args});
            if rule.module.starts_with('/')
                && !module_dirs
                    .iter()
                    .any(|d| Path::new(&rule.module).starts_with(d))
            {
                let sev = if in_writable_place(&rule.module) {
                    Severity::Critical
                } else {
                    Severity::High
                };
                out.add(
                    INFO.finding(
                        sev,
                        format!(
                            "{where_}: module loaded from {} outside the PAM module directories",
                            rule.module
                        ),
                    )
                    .path(shown.clone())
                    .path(rule.module.clone())
                    .evidence(evidence.clone()),
                );
            }
            let base = rule.module.rsplit('/').next().unwrap_or(&rule.module);
            if base == "pam_permit.so" && rule.kind == "auth" && rule.control == "sufficient" {
                out.add(
                    INFO.finding(
                        Severity::Critical,
                        format!("{where_}: 'auth sufficient pam_permit.so' accepts any password"),
                    )
                    .path(shown.clone())
                    .evidence(evidence.clone()),
                );
            }
            if base == "pam_exec.so" {
                let program = rule
                    .args
                    .iter()
                    .find(|a| a.starts_with('/'))
                    .cloned()
                    .unwrap_or_default();
                let steals = rule.args.iter().any(|a| a == "expose_authtok");
                let sev = if in_writable_place(&program) || steals {
                    Severity::High
                } else {
                    Severity::Medium
                };
                out.add(
                    INFO.finding(
                        sev,
                        format!(
                            "{where_}: pam_exec.so runs {program}{}",
                            if steals {
                                " and hands it the password (expose_authtok)"
                            } else {
                                ""
                            }
                        ),
                    )
                    .path(shown.clone())
                    .path(program)
                    .evidence(evidence),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use huoyan_core::Window;

    // Debian 12's /etc/pam.d/common-auth (libpam-runtime), verbatim rules.
    const COMMON_AUTH: &str = "#\n# /etc/pam.d/common-auth\n#\n\
auth\t[success=1 default=ignore]\tpam_unix.so nullok\n\
auth\trequisite\t\t\tpam_deny.so\n\
auth\trequired\t\t\tpam_permit.so\n";

    fn setup(extra_sshd: &str, unowned_module: bool) -> Outcome {
        let dir = tempfile::tempdir().expect("tempdir");
        let b = dir.path();
        std::fs::create_dir_all(b.join("etc/pam.d")).expect("mkdir");
        std::fs::create_dir_all(b.join("usr/lib/x86_64-linux-gnu/security")).expect("mkdir");
        std::fs::create_dir_all(b.join("var/lib/dpkg/info")).expect("mkdir");
        std::fs::write(b.join("etc/pam.d/common-auth"), COMMON_AUTH).expect("w");
        std::fs::write(
            b.join("etc/pam.d/sshd"),
            format!("@include common-auth\naccount    required     pam_nologin.so\n{extra_sshd}"),
        )
        .expect("w");
        let module = b.join("usr/lib/x86_64-linux-gnu/security/pam_unix.so");
        std::fs::write(&module, b"\x7fELF module").expect("w");
        std::fs::write(
            b.join("var/lib/dpkg/status"),
            "Package: libpam-modules\nStatus: install ok installed\nArchitecture: amd64\n\n",
        )
        .expect("w");
        std::fs::write(
            b.join("var/lib/dpkg/info/libpam-modules:amd64.md5sums"),
            format!(
                "{}  usr/lib/x86_64-linux-gnu/security/pam_unix.so\n",
                "5b8d8a0b2a8a6f9a6c9c8d3d6f0f7a1e"
            ),
        )
        .expect("w");
        std::fs::write(
            b.join("var/lib/dpkg/info/libpam-modules:amd64.list"),
            "/usr/lib/x86_64-linux-gnu/security/pam_unix.so\n",
        )
        .expect("w");
        // Make the recorded digest right.
        let (md5, _, _) = huoyan_integrity::verify::hash_reader(
            &b"\x7fELF module"[..],
            huoyan_integrity::packages::Algo::Md5,
        )
        .expect("md5");
        std::fs::write(
            b.join("var/lib/dpkg/info/libpam-modules:amd64.md5sums"),
            format!("{md5}  usr/lib/x86_64-linux-gnu/security/pam_unix.so\n"),
        )
        .expect("w");
        if unowned_module {
            std::fs::write(
                b.join("usr/lib/x86_64-linux-gnu/security/pam_sshd_auth.so"),
                b"\x7fELF evil",
            )
            .expect("w");
        }
        let ctx = Context::new(Root::new(b).expect("root"), Window::default());
        let mut out = Outcome::default();
        PamIntegrity.run(&ctx, &mut out);
        out
    }

    #[test]
    fn flags_unowned_module_exec_and_permit() {
        let out = setup(
            "auth optional pam_exec.so quiet expose_authtok /dev/shm/.l\n\
             auth sufficient pam_permit.so\n\
             auth required /tmp/.x/pam_x.so\n",
            true,
        );
        let summaries: Vec<&str> = out.findings.iter().map(|f| f.summary.as_str()).collect();
        assert_eq!(out.findings.len(), 4, "{summaries:?}");
        assert!(summaries.iter().any(|s| s.contains("pam_sshd_auth.so")));
        assert!(summaries.iter().any(|s| s.contains("/dev/shm/.l")));
        assert!(summaries.iter().any(|s| s.contains("pam_permit")));
        assert!(summaries.iter().any(|s| s.contains("/tmp/.x/pam_x.so")));
    }

    #[test]
    fn debian_default_is_quiet() {
        let out = setup("", false);
        assert!(out.findings.is_empty(), "{:?}", out.findings);
    }

    #[test]
    fn parses_bracket_controls() {
        let r = parse_pam_rules(COMMON_AUTH.as_bytes(), false);
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].control, "[success=1 default=ignore]");
        assert_eq!(r[0].module, "pam_unix.so");
        assert_eq!(r[0].args, vec!["nullok"]);
    }
}
