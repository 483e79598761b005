//! login.defs: shadow-utils' settings (`/etc/login.defs`), of which huoyan needs the uid ranges.
//!
//! Whether an account is a "system" account (no interactive login expected) or a person depends
//! on `UID_MIN`/`SYS_UID_MAX` here — 1000 on Debian and RHEL, 500 on old RHEL, anything an
//! administrator chose. A system account with a login shell or a password hash is a favourite
//! hiding place for a backdoor login, so the boundary must come from the host's own file.

use serde::Serialize;

/// The settings huoyan uses, with the defaults shadow-utils applies when absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LoginDefs {
    /// Lowest uid of ordinary users (`UID_MIN`, default 1000).
    pub uid_min: u32,
    /// Highest uid of ordinary users (`UID_MAX`, default 60000).
    pub uid_max: u32,
    /// Lowest gid of ordinary groups (`GID_MIN`, default 1000).
    pub gid_min: u32,
}

impl Default for LoginDefs {
    fn default() -> Self {
        LoginDefs {
            uid_min: 1000,
            uid_max: 60000,
            gid_min: 1000,
        }
    }
}

/// Parses `/etc/login.defs` (`NAME value` lines, `#` comments).
pub fn parse(data: &[u8]) -> LoginDefs {
    let mut defs = LoginDefs::default();
    let text = huoyan_core::text::bytes_to_string(data);
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        let (Some(key), Some(value)) = (parts.next(), parts.next()) else {
            continue;
        };
        let Ok(value) = value.parse::<u32>() else {
            continue;
        };
        match key {
            "UID_MIN" => defs.uid_min = value,
            "UID_MAX" => defs.uid_max = value,
            "GID_MIN" => defs.gid_min = value,
            _ => {}
        }
    }
    defs
}

/// Reads the root's `/etc/login.defs`, falling back to the defaults when absent or unreadable.
pub fn read(root: &huoyan_core::Root) -> LoginDefs {
    root.read("/etc/login.defs")
        .map(|d| parse(&d))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_values_and_defaults() {
        let d = parse(b"# UID_MIN 5\nUID_MIN\t\t\t  500\nUID_MAX 60000\nGID_MIN junk\n\xff\n");
        assert_eq!(d.uid_min, 500);
        assert_eq!(d.gid_min, 1000);
        assert_eq!(parse(b""), LoginDefs::default());
    }
}
