//! File capabilities: the `security.capability` extended attribute (`struct vfs_cap_data`).
//!
//! `setcap cap_setuid+ep /usr/bin/python3` gives any user a root shell without a SUID bit, so
//! `find -perm -4000` misses it; attackers use it precisely for that. The kernel stores the sets
//! in a little-endian structure: `magic_etc` (revision in the top byte, bit 0 = effective), then
//! one (revision 1) or two (revisions 2 and 3) pairs of 32-bit permitted/inheritable words,
//! and for revision 3 the namespace root uid. This module decodes those bytes; reading the
//! attribute (never following a symlink) is the caller's job.

use serde::Serialize;

const REVISION_MASK: u32 = 0xFF00_0000;
const REVISION_1: u32 = 0x0100_0000;
const REVISION_2: u32 = 0x0200_0000;
const REVISION_3: u32 = 0x0300_0000;
const FLAG_EFFECTIVE: u32 = 0x0000_0001;

/// Capability names by number (linux/capability.h).
pub const NAMES: &[&str] = &[
    "cap_chown",
    "cap_dac_override",
    "cap_dac_read_search",
    "cap_fowner",
    "cap_fsetid",
    "cap_kill",
    "cap_setgid",
    "cap_setuid",
    "cap_setpcap",
    "cap_linux_immutable",
    "cap_net_bind_service",
    "cap_net_broadcast",
    "cap_net_admin",
    "cap_net_raw",
    "cap_ipc_lock",
    "cap_ipc_owner",
    "cap_sys_module",
    "cap_sys_rawio",
    "cap_sys_chroot",
    "cap_sys_ptrace",
    "cap_sys_pacct",
    "cap_sys_admin",
    "cap_sys_boot",
    "cap_sys_nice",
    "cap_sys_resource",
    "cap_sys_time",
    "cap_sys_tty_config",
    "cap_mknod",
    "cap_lease",
    "cap_audit_write",
    "cap_audit_control",
    "cap_setfcap",
    "cap_mac_override",
    "cap_mac_admin",
    "cap_syslog",
    "cap_wake_alarm",
    "cap_block_suspend",
    "cap_audit_read",
    "cap_perfmon",
    "cap_bpf",
    "cap_checkpoint_restore",
];

/// Capabilities that hand out root (or the kernel) to whoever runs the file.
pub const ROOT_EQUIVALENT: &[&str] = &[
    "cap_setuid",
    "cap_setgid",
    "cap_sys_admin",
    "cap_sys_module",
    "cap_sys_ptrace",
    "cap_dac_override",
    "cap_dac_read_search",
    "cap_chown",
    "cap_fowner",
    "cap_setfcap",
    "cap_setpcap",
    "cap_sys_rawio",
    "cap_bpf",
];

/// Decoded file capabilities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileCaps {
    /// Structure revision (1, 2 or 3).
    pub revision: u8,
    /// Effective flag: the permitted set is raised on exec.
    pub effective: bool,
    /// Permitted capabilities (names; `cap_N` for unknown numbers).
    pub permitted: Vec<String>,
    /// Inheritable capabilities.
    pub inheritable: Vec<String>,
    /// Namespace root uid (revision 3 only).
    pub rootid: Option<u32>,
}

impl FileCaps {
    /// The capabilities as getcap prints them, e.g. `cap_net_raw=ep`.
    pub fn to_text(&self) -> String {
        let flags = if self.effective { "ep" } else { "p" };
        let mut parts: Vec<String> = Vec::new();
        if !self.permitted.is_empty() {
            parts.push(format!("{}={flags}", self.permitted.join(",")));
        }
        if !self.inheritable.is_empty() {
            parts.push(format!("{}+i", self.inheritable.join(",")));
        }
        parts.join(" ")
    }

    /// The root-equivalent capabilities among the permitted ones.
    pub fn dangerous(&self) -> Vec<&str> {
        self.permitted
            .iter()
            .map(String::as_str)
            .filter(|c| ROOT_EQUIVALENT.contains(c))
            .collect()
    }
}

fn names(low: u32, high: u32) -> Vec<String> {
    let bits = u64::from(low) | (u64::from(high) << 32);
    (0..64)
        .filter(|i| bits & (1u64 << i) != 0)
        .map(|i| {
            NAMES
                .get(i)
                .map(|s| s.to_string())
                .unwrap_or_else(|| format!("cap_{i}"))
        })
        .collect()
}

fn word(data: &[u8], idx: usize) -> Option<u32> {
    let b = data.get(idx * 4..idx * 4 + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Decodes the attribute value; `None` when it is malformed.
pub fn parse(data: &[u8]) -> Option<FileCaps> {
    let magic = word(data, 0)?;
    let effective = magic & FLAG_EFFECTIVE != 0;
    let (revision, pairs, rootid) = match magic & REVISION_MASK {
        REVISION_1 if data.len() >= 12 => (1, 1, None),
        REVISION_2 if data.len() >= 20 => (2, 2, None),
        REVISION_3 if data.len() >= 24 => (3, 2, word(data, 5)),
        _ => return None,
    };
    let (p0, i0) = (word(data, 1)?, word(data, 2)?);
    let (p1, i1) = if pairs == 2 {
        (word(data, 3)?, word(data, 4)?)
    } else {
        (0, 0)
    };
    Some(FileCaps {
        revision,
        effective,
        permitted: names(p0, p1),
        inheritable: names(i0, i1),
        rootid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_ping_style_rev2() {
        // What `setcap cap_net_raw+ep` writes: rev 2, effective, bit 13.
        let mut v = Vec::new();
        v.extend_from_slice(&(0x0200_0001u32).to_le_bytes());
        v.extend_from_slice(&(1u32 << 13).to_le_bytes());
        v.extend_from_slice(&0u32.to_le_bytes());
        v.extend_from_slice(&0u32.to_le_bytes());
        v.extend_from_slice(&0u32.to_le_bytes());
        let c = parse(&v).expect("caps");
        assert_eq!(c.permitted, vec!["cap_net_raw"]);
        assert!(c.effective);
        assert_eq!(c.to_text(), "cap_net_raw=ep");
        assert!(c.dangerous().is_empty());
    }

    #[test]
    fn decodes_rev3_high_bits_and_rejects_garbage() {
        let mut v = Vec::new();
        v.extend_from_slice(&(0x0300_0000u32).to_le_bytes());
        v.extend_from_slice(&(1u32 << 7).to_le_bytes());
        v.extend_from_slice(&0u32.to_le_bytes());
        v.extend_from_slice(&(1u32 << 7).to_le_bytes()); // cap 39 = bpf
        v.extend_from_slice(&0u32.to_le_bytes());
        v.extend_from_slice(&1000u32.to_le_bytes());
        let c = parse(&v).expect("caps");
        assert_eq!(c.permitted, vec!["cap_setuid", "cap_bpf"]);
        assert_eq!(c.rootid, Some(1000));
        assert_eq!(c.dangerous(), vec!["cap_setuid", "cap_bpf"]);
        assert!(parse(b"").is_none());
        assert!(parse(&[0xff; 7]).is_none());
        assert!(parse(&v[..10]).is_none());
    }
}
