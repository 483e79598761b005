//! Package-manager logs: `/var/log/dpkg.log`, `/var/log/apt/history.log`, `/var/log/yum.log`
//! and `/var/log/dnf.rpm.log`.
//!
//! Attackers install tools (gcc, nmap, masscan, socat) and sometimes downgrade or reinstall a
//! package to slip in a trojaned binary. The package logs date those actions to the second, which
//! places them on the attack timeline next to logins and shell commands. These logs carry local
//! time without a zone; the caller supplies the zone (the root's own /etc/localtime, see
//! `huoyan_core::time::root_timezone`).

use huoyan_core::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

/// One package action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageEvent {
    /// When (converted with the given zone offset).
    pub time: Timestamp,
    /// Which log it came from (`dpkg`, `apt`, `yum`, `dnf`).
    pub source: &'static str,
    /// install, upgrade, remove, purge, erase, reinstall, downgrade, `status installed` …
    pub action: String,
    /// Package name (with architecture for dpkg).
    pub package: String,
    /// Version after the action, when logged.
    pub version: String,
    /// The command line that caused it (apt `Commandline:`), when logged.
    pub command: Option<String>,
    /// The user who ran it (apt `Requested-By:`), when logged.
    pub requested_by: Option<String>,
    /// 1-based line number.
    pub line: usize,
}

fn local_to_utc(date: &str, time: &str, tz: &TimeZone) -> Option<Timestamp> {
    let dt = jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", format!("{date} {time}")).ok()?;
    tz.to_ambiguous_timestamp(dt).compatible().ok()
}

/// Parses dpkg.log: `2026-11-27 02:20:11 install socat:amd64 <none> 1.7.4.4-2`.
pub fn parse_dpkg_log(data: &[u8], tz: &TimeZone) -> Vec<PackageEvent> {
    let mut out = Vec::new();
    for (i, raw) in data.split(|&b| b == b'\n').enumerate() {
        let line = huoyan_core::text::bytes_to_string(raw);
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 5 {
            continue;
        }
        let action = f[2];
        if !matches!(
            action,
            "install" | "upgrade" | "remove" | "purge" | "trigproc"
        ) {
            continue;
        }
        if action == "trigproc" {
            continue;
        }
        let Some(time) = local_to_utc(f[0], f[1], tz) else {
            continue;
        };
        out.push(PackageEvent {
            time,
            source: "dpkg",
            action: action.to_string(),
            package: f[3].to_string(),
            version: f.get(5).copied().unwrap_or(f[4]).to_string(),
            command: None,
            requested_by: None,
            line: i + 1,
        });
    }
    out
}

/// Parses apt's history.log (blocks of `Start-Date:`, `Commandline:`, `Requested-By:`,
/// `Install:`/`Upgrade:`/`Remove:`/`Purge:`/`Reinstall:`/`Downgrade:`, `End-Date:`).
pub fn parse_apt_history(data: &[u8], tz: &TimeZone) -> Vec<PackageEvent> {
    let mut out = Vec::new();
    let mut start: Option<Timestamp> = None;
    let mut command: Option<String> = None;
    let mut requested_by: Option<String> = None;
    for (i, raw) in data.split(|&b| b == b'\n').enumerate() {
        let line = huoyan_core::text::bytes_to_string(raw);
        let Some((key, value)) = line.split_once(": ") else {
            continue;
        };
        match key {
            "Start-Date" => {
                let mut parts = value.split_whitespace();
                start = match (parts.next(), parts.next()) {
                    (Some(d), Some(t)) => local_to_utc(d, t, tz),
                    _ => None,
                };
                command = None;
                requested_by = None;
            }
            "Commandline" => command = Some(value.to_string()),
            "Requested-By" => requested_by = Some(value.to_string()),
            "Install" | "Upgrade" | "Remove" | "Purge" | "Reinstall" | "Downgrade" => {
                let Some(time) = start else { continue };
                for (package, version) in split_apt_packages(value) {
                    out.push(PackageEvent {
                        time,
                        source: "apt",
                        action: key.to_ascii_lowercase(),
                        package,
                        version,
                        command: command.clone(),
                        requested_by: requested_by.clone(),
                        line: i + 1,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// `gcc-12:amd64 (12.2.0-14, automatic), make:amd64 (4.3-4.1)` → (name, version) pairs.
fn split_apt_packages(value: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    for c in value.chars() {
        match c {
            '(' => {
                depth += 1;
                current.push(c);
            }
            ')' => {
                depth = depth.saturating_sub(1);
                current.push(c);
            }
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut current));
            }
            _ => current.push(c),
        }
    }
    out.push(current);
    out.into_iter()
        .filter_map(|item| {
            let item = item.trim();
            if item.is_empty() {
                return None;
            }
            let (name, rest) = item.split_once(" (").unwrap_or((item, ""));
            let version = rest
                .trim_end_matches(')')
                .split(", ")
                .next()
                .unwrap_or("")
                .to_string();
            Some((name.to_string(), version))
        })
        .collect()
}

/// Parses yum.log (`Nov 27 02:20:11 Installed: socat-1.7.3.2-2.el7.x86_64`, year given) and
/// dnf.rpm.log (`2026-11-27T02:20:11+0000 SUBDEBUG Installed: socat-1.7.4.1-5.el9.x86_64`).
pub fn parse_yum_log(data: &[u8], year: i16, tz: &TimeZone) -> Vec<PackageEvent> {
    let mut out = Vec::new();
    for (i, raw) in data.split(|&b| b == b'\n').enumerate() {
        let line = huoyan_core::text::bytes_to_string(raw);
        let (time, rest, source) = if line.len() > 25 && line.as_bytes().get(10) == Some(&b'T') {
            let (stamp, rest) = line.split_once(' ').unwrap_or((&line, ""));
            let t = jiff::Timestamp::strptime("%Y-%m-%dT%H:%M:%S%z", stamp).ok();
            (t, rest.to_string(), "dnf")
        } else {
            let head: String = line.chars().take(15).collect();
            let t = jiff::civil::DateTime::strptime("%Y %b %d %H:%M:%S", format!("{year} {head}"))
                .ok()
                .and_then(|dt| tz.to_ambiguous_timestamp(dt).compatible().ok());
            (t, line.chars().skip(16).collect(), "yum")
        };
        let Some(time) = time else { continue };
        for action in [
            "Installed",
            "Updated",
            "Erased",
            "Upgraded",
            "Reinstalled",
            "Downgraded",
        ] {
            if let Some(idx) = rest.find(&format!("{action}: ")) {
                let pkg = rest[idx + action.len() + 2..].trim().to_string();
                out.push(PackageEvent {
                    time,
                    source,
                    action: action.to_ascii_lowercase(),
                    package: pkg.clone(),
                    version: String::new(),
                    command: None,
                    requested_by: None,
                    line: i + 1,
                });
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg_log() {
        let log = b"2026-11-27 02:20:11 startup archives unpack\n\
2026-11-27 02:20:11 install socat:amd64 <none> 1.7.4.4-2\n\
2026-11-27 02:20:12 status installed socat:amd64 1.7.4.4-2\n\
garbage\n";
        let ev = parse_dpkg_log(log, &TimeZone::UTC);
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].package, "socat:amd64");
        assert_eq!(ev[0].version, "1.7.4.4-2");
        assert_eq!(ev[0].time.to_string(), "2026-11-27T02:20:11Z");
    }

    #[test]
    fn apt_history() {
        let log = b"\nStart-Date: 2026-11-27  02:20:09\nCommandline: apt-get install -y gcc make\nRequested-By: bob (1000)\nInstall: gcc-12:amd64 (12.2.0-14, automatic), make:amd64 (4.3-4.1)\nEnd-Date: 2026-11-27  02:20:30\n";
        let ev = parse_apt_history(log, &TimeZone::fixed(jiff::tz::offset(1)));
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[1].package, "make:amd64");
        assert_eq!(ev[1].version, "4.3-4.1");
        assert_eq!(ev[0].requested_by.as_deref(), Some("bob (1000)"));
        assert_eq!(ev[0].time.to_string(), "2026-11-27T01:20:09Z");
    }

    #[test]
    fn yum_and_dnf() {
        let ev = parse_yum_log(
            b"Nov 27 02:20:11 Installed: socat-1.7.3.2-2.el7.x86_64\n",
            2026,
            &TimeZone::UTC,
        );
        assert_eq!(ev[0].package, "socat-1.7.3.2-2.el7.x86_64");
        let ev = parse_yum_log(
            b"2026-11-27T02:20:11+0000 SUBDEBUG Installed: socat-1.7.4.1-5.el9.x86_64\n",
            2026,
            &TimeZone::UTC,
        );
        assert_eq!(ev[0].source, "dnf");
    }
}
