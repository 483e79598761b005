//! How bad a change to a system file is, by what the file is.
//!
//! The rules (issue 6): the commands attackers replace to hide themselves (`sshd`, `ps`, `ls`,
//! `netstat`, `ss`, `top`, `lsof`, `find`, `login`, `su`, `sudo`), PAM modules, libc and the
//! dynamic loader, and kernel modules are **critical** when changed; any other binary or shared
//! library is **high**; configuration files are reported on their own at **low/info** (a changed
//! config is normal, a changed binary is not).

use std::path::Path;

use huoyan_core::Severity;
use serde::Serialize;

/// Commands whose replacement hides an attacker or steals credentials.
pub const CRITICAL_COMMANDS: &[&str] = &[
    "sshd", "ps", "ls", "netstat", "ss", "top", "lsof", "find", "login", "su", "sudo",
];

/// Directories holding commands.
pub const BIN_DIRS: &[&str] = &[
    "/bin",
    "/sbin",
    "/usr/bin",
    "/usr/sbin",
    "/usr/local/bin",
    "/usr/local/sbin",
];

/// What a file is, as far as severity goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileClass {
    /// One of [`CRITICAL_COMMANDS`] in a command directory.
    CriticalCommand,
    /// A PAM module (`…/security/*.so`).
    PamModule,
    /// libc or the dynamic loader.
    LibcOrLoader,
    /// A kernel module or kernel image.
    Kernel,
    /// Any other file in a command directory.
    Binary,
    /// A shared library.
    Library,
    /// Another file under a library directory (scripts, data of libraries).
    LibraryData,
    /// A file under /etc.
    Config,
    /// Anything else (documentation, data).
    Other,
}

impl FileClass {
    /// True for the classes whose change is critical.
    pub fn is_critical(self) -> bool {
        matches!(
            self,
            FileClass::CriticalCommand
                | FileClass::PamModule
                | FileClass::LibcOrLoader
                | FileClass::Kernel
        )
    }

    /// True when the file is expected to be an ELF executable or library.
    pub fn expects_elf(self) -> bool {
        matches!(
            self,
            FileClass::CriticalCommand | FileClass::PamModule | FileClass::LibcOrLoader
        )
    }
}

/// True when `dir` (a logical directory) is a command directory.
pub fn is_bin_dir(dir: &Path) -> bool {
    BIN_DIRS.iter().any(|d| dir == Path::new(d))
}

/// True when the path lies under a library directory (`/lib*`, `/usr/lib*`, `/usr/local/lib*`).
pub fn in_lib_dir(path: &Path) -> bool {
    let s = path.as_os_str().as_encoded_bytes();
    s.starts_with(b"/lib") || s.starts_with(b"/usr/lib") || s.starts_with(b"/usr/local/lib")
}

/// True for `x.so`, `x.so.6`, `x.so.1.2.3`.
pub fn is_shared_object_name(name: &str) -> bool {
    name.ends_with(".so") || name.contains(".so.")
}

/// Classifies a logical path.
pub fn classify(path: &Path) -> FileClass {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = path.parent().unwrap_or(Path::new("/"));
    if is_bin_dir(parent) {
        return if CRITICAL_COMMANDS.contains(&name.as_str()) {
            FileClass::CriticalCommand
        } else {
            FileClass::Binary
        };
    }
    let text = path.to_string_lossy();
    if huoyan_artifacts::modules::is_module_file(name.as_bytes())
        || text.starts_with("/boot/vmlinuz")
    {
        return FileClass::Kernel;
    }
    if is_shared_object_name(&name) {
        if text.contains("/security/") && in_lib_dir(path) {
            return FileClass::PamModule;
        }
        if is_libc_or_loader(&name) {
            return FileClass::LibcOrLoader;
        }
        return FileClass::Library;
    }
    if in_lib_dir(path) {
        if is_libc_or_loader(&name) {
            return FileClass::LibcOrLoader;
        }
        return FileClass::LibraryData;
    }
    if text.starts_with("/etc/") {
        return FileClass::Config;
    }
    FileClass::Other
}

fn is_libc_or_loader(name: &str) -> bool {
    name.starts_with("libc.so")
        || (name.starts_with("libc-") && name.ends_with(".so"))
        || name.starts_with("ld-linux")
        || name.starts_with("ld64.so")
        || name.starts_with("ld-musl")
        || (name.starts_with("ld-") && name.ends_with(".so"))
        || name == "ld.so"
}

/// Security-relevant configuration: a change there deserves a look even though configs change.
pub fn is_sensitive_config(path: &Path) -> bool {
    let s = path.to_string_lossy();
    [
        "/etc/pam.d/",
        "/etc/security/",
        "/etc/ssh/",
        "/etc/sudoers",
        "/etc/ld.so.preload",
        "/etc/ld.so.conf",
        "/etc/crontab",
        "/etc/cron.",
        "/etc/passwd",
        "/etc/shadow",
        "/etc/group",
        "/etc/profile",
        "/etc/bash.bashrc",
        "/etc/rc.local",
        "/etc/init.d/",
        "/etc/systemd/",
        "/etc/modprobe.d/",
        "/etc/modules",
    ]
    .iter()
    .any(|p| s.starts_with(p))
}

/// Severity of a file whose content no longer matches its record (package or baseline).
pub fn severity_modified(class: FileClass, conffile: bool, path: &Path) -> Severity {
    if conffile {
        return if is_sensitive_config(path) {
            Severity::Low
        } else {
            Severity::Info
        };
    }
    match class {
        c if c.is_critical() => Severity::Critical,
        FileClass::Binary | FileClass::Library => Severity::High,
        FileClass::LibraryData => Severity::Medium,
        FileClass::Config if is_sensitive_config(path) => Severity::Medium,
        _ => Severity::Low,
    }
}

/// Severity of a file that should be there and is not.
pub fn severity_missing(class: FileClass, conffile: bool) -> Severity {
    if conffile {
        return Severity::Info;
    }
    match class {
        c if c.is_critical() => Severity::Medium,
        FileClass::Binary | FileClass::Library => Severity::Low,
        _ => Severity::Info,
    }
}

/// Severity of a file that appeared (baseline) or that no package owns (ELF in a system dir).
pub fn severity_added(class: FileClass, path: &Path) -> Severity {
    match class {
        c if c.is_critical() => Severity::Critical,
        FileClass::Binary | FileClass::Library => Severity::High,
        FileClass::LibraryData => Severity::Low,
        FileClass::Config if is_sensitive_config(path) => Severity::Medium,
        _ => Severity::Low,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_the_issue() {
        let c = |p: &str| classify(Path::new(p));
        assert_eq!(c("/usr/bin/ps"), FileClass::CriticalCommand);
        assert_eq!(c("/usr/sbin/sshd"), FileClass::CriticalCommand);
        assert_eq!(c("/bin/ls"), FileClass::CriticalCommand);
        assert_eq!(c("/usr/bin/tar"), FileClass::Binary);
        assert_eq!(
            c("/lib/x86_64-linux-gnu/security/pam_unix.so"),
            FileClass::PamModule
        );
        assert_eq!(
            c("/usr/lib/x86_64-linux-gnu/libc.so.6"),
            FileClass::LibcOrLoader
        );
        assert_eq!(
            c("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
            FileClass::LibcOrLoader
        );
        assert_eq!(
            c("/lib/modules/6.1.0-9-amd64/kernel/fs/fat/vfat.ko"),
            FileClass::Kernel
        );
        assert_eq!(
            c("/usr/lib/x86_64-linux-gnu/libz.so.1.2.13"),
            FileClass::Library
        );
        assert_eq!(
            c("/usr/lib/python3/dist-packages/x.py"),
            FileClass::LibraryData
        );
        assert_eq!(c("/etc/ssh/sshd_config"), FileClass::Config);
        assert_eq!(c("/usr/share/doc/x/changelog.gz"), FileClass::Other);
    }

    #[test]
    fn severities() {
        let p = Path::new("/usr/bin/ps");
        assert_eq!(
            severity_modified(FileClass::CriticalCommand, false, p),
            Severity::Critical
        );
        assert_eq!(
            severity_modified(FileClass::Binary, false, Path::new("/usr/bin/tar")),
            Severity::High
        );
        assert_eq!(
            severity_modified(FileClass::Config, true, Path::new("/etc/pam.d/sshd")),
            Severity::Low
        );
        assert_eq!(
            severity_modified(FileClass::Config, true, Path::new("/etc/adduser.conf")),
            Severity::Info
        );
    }
}
