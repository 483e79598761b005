//! Host identity: hostname, machine id, boot id, kernel — recorded in every manifest, case and
//! custody record so evidence can be tied to the machine it came from.
//!
//! Read from the root's own files (`/etc/hostname`, `/etc/machine-id`), and on a live host from
//! the kernel (`/proc/sys/kernel/hostname`, `osrelease`, `random/boot_id`), which the attacker
//! cannot fake by editing a file.

use serde::{Deserialize, Serialize};

use crate::{ProcFs, Root};

/// Who the machine is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostIdentity {
    /// The kernel's hostname on a live host, else the root's /etc/hostname.
    pub hostname: String,
    /// /etc/machine-id.
    pub machine_id: String,
    /// The kernel's boot id (live only).
    pub boot_id: String,
    /// Kernel release (live only).
    pub kernel: String,
}

fn first_line(data: &[u8]) -> String {
    let text = crate::text::bytes_to_string(data);
    text.lines().next().unwrap_or("").trim().to_string()
}

impl HostIdentity {
    /// Reads the identity of `root`, using the live kernel's view when `proc_fs` is given.
    pub fn read(root: &Root, proc_fs: Option<&ProcFs>) -> Self {
        let from_root = |p: &str| {
            root.read_capped(p, 4096)
                .map(|c| first_line(&c.data))
                .unwrap_or_default()
        };
        let from_proc = |p: &str| {
            proc_fs
                .and_then(|pf| pf.read_capped(p, 4096).ok())
                .map(|c| first_line(&c.data))
                .unwrap_or_default()
        };
        let mut hostname = from_proc("sys/kernel/hostname");
        if hostname.is_empty() {
            hostname = from_root("/etc/hostname");
        }
        HostIdentity {
            hostname,
            machine_id: from_root("/etc/machine-id"),
            boot_id: from_proc("sys/kernel/random/boot_id"),
            kernel: from_proc("sys/kernel/osrelease"),
        }
    }

    /// A name safe to use in a file name (`[A-Za-z0-9._-]`, never empty).
    pub fn file_safe_name(&self) -> String {
        let cleaned: String = self
            .hostname
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .take(64)
            .collect();
        let cleaned = cleaned.trim_start_matches('.').to_string();
        if cleaned.is_empty() {
            "unknown-host".to_string()
        } else {
            cleaned
        }
    }
}

/// The effective user id of this process.
pub fn current_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_from_root_and_sanitises_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("etc")).expect("mkdir");
        std::fs::write(dir.path().join("etc/hostname"), "web01/../x\n").expect("write");
        std::fs::write(dir.path().join("etc/machine-id"), "abc123\n").expect("write");
        let id = HostIdentity::read(&Root::new(dir.path()).expect("root"), None);
        assert_eq!(id.hostname, "web01/../x");
        assert_eq!(id.machine_id, "abc123");
        assert_eq!(id.file_safe_name(), "web01_.._x");
    }
}
