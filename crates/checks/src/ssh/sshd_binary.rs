//! `ssh.sshd_binary` — the sshd program is not an ELF executable.
//!
//! **What it looks at:** the first bytes of `/usr/sbin/sshd` (and `/usr/bin/sshd`, `/sbin/sshd`
//! where they exist as separate files) read through the root: a real sshd starts with the ELF
//! magic `\x7fELF`. Whether the ELF is the packaged one is the integrity checks' business.
//!
//! **Why an attacker leaves this trace:** a classic persistence trick renames the real daemon
//! and puts a shell or Perl script in its place that, for connections from a chosen source port
//! or with a magic string, spawns a root shell and otherwise `exec`s the original. The script is
//! tiny, survives reboots and leaves sshd working normally for everyone else.
//!
//! **Example:** `/usr/sbin/sshd` begins `#!/usr/bin/perl` (412 bytes).
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1554 (Compromise Host Software Binary), T1556 (Modify Authentication Process).

use std::io::Read;

use huoyan_core::{CheckInfo, FileKind, Outcome, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct SshdBinary;

static INFO: CheckInfo = CheckInfo {
    id: "ssh.sshd_binary",
    title: "sshd is not an ELF executable (wrapper script)",
    title_zh: "sshd 不是 ELF 可执行文件（疑似包装脚本后门）",
    mitre: &["T1554", "T1556"],
    remediation: "Keep the file as evidence, find the real daemon it executes (often renamed \
                  nearby), reinstall openssh-server from trusted media, and treat every SSH \
                  login since its change time as suspect.",
    remediation_zh: "保留该文件作为证据，找出它调用的真实守护进程（通常被改名放在附近），\
                     从可信介质重新安装 openssh-server，并将该文件修改时间之后的所有 SSH 登录视为可疑。",
};

const CANDIDATES: &[&str] = &["/usr/sbin/sshd", "/sbin/sshd", "/usr/bin/sshd"];

impl Check for SshdBinary {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let mut seen = Vec::new();
        let mut seen_links = Vec::new();
        for path in CANDIDATES {
            // No distribution ships sshd as a symlink (merged /usr links the directory, not the
            // file): a link here points at whatever really runs.
            if let (Ok(l), Ok(target)) = (ctx.root.lstat(path), ctx.root.read_link(path)) {
                let host = ctx.root.resolve_parent(path).ok();
                if l.kind == FileKind::Symlink && !seen_links.contains(&host) {
                    seen_links.push(host);
                    let target = target.display().to_string();
                    out.add(
                        INFO.finding(
                            Severity::High,
                            format!("{path} is a symbolic link to {target}"),
                        )
                        .path(*path)
                        .path(target.clone())
                        .at(l.mtime)
                        .evidence(json!({"path": path, "link_target": target})),
                    );
                }
            }
            // /sbin is a symlink to /usr/sbin on merged-/usr systems: examine each file once.
            let Ok(meta) = ctx.root.stat(path) else {
                continue;
            };
            if meta.kind != FileKind::File || seen.contains(&(meta.dev, meta.ino)) {
                continue;
            }
            seen.push((meta.dev, meta.ino));
            let mut head = [0u8; 512];
            let n = match ctx.root.open(path).and_then(|mut f| {
                f.read(&mut head)
                    .map_err(|e| huoyan_core::RootError::from_io(*path, e))
            }) {
                Ok(n) => n,
                Err(e) => {
                    out.gap_from(INFO.id, &e, true);
                    continue;
                }
            };
            let head = &head[..n];
            if head.starts_with(b"\x7fELF") {
                continue;
            }
            let script = head.starts_with(b"#!");
            let first_line = head.split(|&b| b == b'\n').next().unwrap_or(&[]);
            out.add(
                INFO.finding(
                    Severity::Critical,
                    format!(
                        "{path} is not an ELF executable{} ({} bytes)",
                        if script {
                            format!(
                                ": it is a script starting `{}`",
                                huoyan_core::text::bytes_to_string(first_line)
                            )
                        } else {
                            String::new()
                        },
                        meta.size
                    ),
                )
                .path(*path)
                .at(meta.mtime)
                .evidence(json!({
                    "path": path,
                    "size": meta.size,
                    "head": huoyan_core::text::bytes_to_string(&head[..head.len().min(256)]),
                    "mtime": meta.mtime.map(huoyan_core::time::format_utc),
                    "ctime": meta.ctime.map(huoyan_core::time::format_utc),
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
    fn flags_script_wrapper() {
        let dir = root_with(&[(
            "/usr/sbin/sshd",
            "#!/usr/bin/perl\nexec{'/usr/bin/sshd.orig'} '/usr/sbin/sshd',@ARGV;\n",
        )]);
        let out = run_default(&SshdBinary, dir.path());
        assert_eq!(out.findings.len(), 1);
        assert!(out.findings[0].summary.contains("#!/usr/bin/perl"));
    }

    #[test]
    fn flags_symlinked_sshd_but_not_merged_usr() {
        let dir = root_with(&[("/dev/shm/.s", "\x7fELF\x02")]);
        std::fs::create_dir_all(dir.path().join("usr/sbin")).expect("mkdir");
        std::os::unix::fs::symlink("/dev/shm/.s", dir.path().join("usr/sbin/sshd")).expect("ln");
        std::os::unix::fs::symlink("usr/sbin", dir.path().join("sbin")).expect("ln");
        let out = run_default(&SshdBinary, dir.path());
        assert_eq!(out.findings.len(), 1, "{:#?}", out.findings);
        assert!(out.findings[0].paths.contains(&"/dev/shm/.s".to_string()));
    }

    #[test]
    fn elf_and_absent_are_quiet() {
        let dir = root_with(&[("/usr/sbin/sshd", "\x7fELF\x02\x01\x01")]);
        assert!(run_default(&SshdBinary, dir.path()).findings.is_empty());
        let dir = root_with(&[]);
        assert!(run_default(&SshdBinary, dir.path()).findings.is_empty());
    }
}
