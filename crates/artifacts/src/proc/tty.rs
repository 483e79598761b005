//! Decoding the controlling terminal number (`tty_nr` of `/proc/PID/stat`) to a name.
//!
//! `ps` shows `pts/3` or `tty1`; the kernel gives an encoded device number. Knowing which
//! terminal a process runs on ties it to a login session (utmp) and tells an interactive
//! attacker's shell from a daemon.

/// Major and minor of an encoded Linux device number (`new_encode_dev` layout).
pub fn split_dev(dev: u32) -> (u32, u32) {
    let major = (dev >> 8) & 0xfff;
    let minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
    (major, minor)
}

/// The terminal name for `tty_nr`, without `/dev/` (`None` when the process has no terminal).
pub fn name(tty_nr: u32) -> Option<String> {
    if tty_nr == 0 {
        return None;
    }
    let (major, minor) = split_dev(tty_nr);
    Some(match major {
        136..=143 => format!("pts/{}", (major - 136) * 256 + minor),
        4 if minor < 64 => format!("tty{minor}"),
        4 => format!("ttyS{}", minor - 64),
        5 if minor == 0 => "tty".to_string(),
        5 if minor == 1 => "console".to_string(),
        5 if minor == 2 => "ptmx".to_string(),
        204 if minor >= 64 => format!("ttyAMA{}", minor - 64),
        _ => format!("?({major},{minor})"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_common_terminals() {
        assert_eq!(name(0), None);
        assert_eq!(name(34816).as_deref(), Some("pts/0"));
        assert_eq!(name(34819).as_deref(), Some("pts/3"));
        assert_eq!(name(1025).as_deref(), Some("tty1"));
        assert_eq!(name(1088).as_deref(), Some("ttyS0"));
        assert_eq!(name(1281).as_deref(), Some("console"));
        // pts/300: major 137, minor 44
        assert_eq!(name((137 << 8) | 44).as_deref(), Some("pts/300"));
        assert!(name(u32::MAX).is_some());
    }
}
