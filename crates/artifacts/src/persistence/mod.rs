//! Persistence artifacts: everything on disk that makes a command run again later — at boot, at
//! login, on a schedule, when a device appears, when a package is installed.
//!
//! Read straight from the files (never through `crontab -l`, `systemctl` or `atq`, which an
//! attacker can replace and which do not work on a mounted image). Each submodule is a pure
//! parser over bytes: [`cron`] (crontabs, anacrontab), [`atjob`] (at spool files), [`systemd`]
//! (unit files and drop-ins), [`script`] (shell start-up files and scripts: logical lines,
//! aliases, assignments, traps), [`config`] (inittab, apt/dnf hooks, inetd/xinetd, udev rules,
//! modprobe `install` lines, /etc/environment), [`pam`] (PAM stacks). Finding the files is the
//! checks' job, through a `Root`.

pub mod atjob;
pub mod config;
pub mod cron;
pub mod pam;
pub mod script;
pub mod systemd;

/// A command found in a persistence file, with the line it came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CommandLine {
    /// 1-based line number where the command starts.
    pub line: usize,
    /// The command text.
    pub command: String,
}

pub(crate) fn lossy(bytes: &[u8]) -> String {
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod robustness {
    /// Deterministic pseudo-random bytes biased towards the characters the parsers care about.
    pub(crate) fn noise(seed: u64, len: usize) -> Vec<u8> {
        const ALPHABET: &[u8] = b"\n\n\\\"'{}[];:=#@ \t*/-|&$`\x83\xffaAz0";
        let mut x = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                ALPHABET[(x % ALPHABET.len() as u64) as usize]
            })
            .collect()
    }

    #[test]
    fn parsers_survive_noise() {
        for seed in 0..1500u64 {
            let data = noise(seed, (seed % 300) as usize);
            let _ = super::cron::parse_crontab(&data, seed % 2 == 0);
            let _ = super::cron::parse_anacrontab(&data);
            let _ = super::atjob::parse_at_job(&data);
            let _ = super::systemd::parse_unit(&data);
            let _ = super::script::rc_facts(&data);
            let _ = super::config::parse_apt_hooks(&data);
            let _ = super::config::parse_xinetd(&data);
            let _ = super::config::parse_udev_rules(&data);
            let _ = super::config::parse_inittab(&data);
            let _ = super::pam::parse_pam(&data, seed % 2 == 1);
            for kind in crate::history::HISTORY_FILES.iter().map(|(_, k)| *k) {
                let _ = crate::history::parse(kind, &data);
            }
        }
    }
}
