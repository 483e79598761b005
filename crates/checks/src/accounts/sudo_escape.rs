//! Does a sudo command give its user a shell? GTFOBins-style facts about programs run through
//! sudo, judged with the arguments the rule allows.
//!
//! A sudoers command without arguments allows any arguments; `""` allows none; fixed arguments
//! allow exactly those (wildcards `*`, `?`, `[` widen them again). Some programs give a shell
//! whatever their arguments (editors, pagers, `su`, `git`'s pager and hooks); others only with
//! arguments that the rule may or may not allow (`find -exec`, `tar --checkpoint-action`,
//! `env /bin/sh`, an interpreter with inline code); a program with fixed harmless arguments
//! (`systemctl reload nginx`, `cp /a /b`) does not.

/// Why a command escapes to a shell, or `None` when it does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Escape {
    /// Human reason, English.
    pub reason: String,
}

/// Programs that give a shell whatever arguments they are given (interactive commands, pagers,
/// editors, programs that run code from files the caller controls).
const ALWAYS: &[&str] = &[
    "vi",
    "vim",
    "vim.basic",
    "vim.tiny",
    "vim.nox",
    "vim.gtk3",
    "view",
    "rvim",
    "nvim",
    "ex",
    "nano",
    "pico",
    "rnano",
    "ed",
    "red",
    "emacs",
    "joe",
    "jed",
    "mc",
    "less",
    "more",
    "pg",
    "most",
    "man",
    "su",
    "sudo",
    "ftp",
    "tftp",
    "gdb",
    "script",
    "git",
    "visudo",
    "vipw",
    "vigr",
    "crontab",
    "mysql",
    "psql",
    "sqlite3",
    "top",
    "htop",
    "screen",
    "tmux",
    "lftp",
    "irb",
    // read their recipe from the caller's current directory
    "make",
    "npm",
    "yarn",
    "composer",
];

/// Shells and interpreters: they escape unless they are pinned to a fixed script that only
/// root can change.
const INTERPRETERS: &[&str] = &[
    "sh", "bash", "dash", "zsh", "ksh", "mksh", "csh", "tcsh", "fish", "ash", "busybox", "python",
    "python2", "python3", "perl", "ruby", "lua", "php", "node", "nodejs", "awk", "gawk", "mawk",
    "nawk", "tclsh", "wish", "expect", "rlwrap", "java", "jjs", "pwsh",
];

/// Programs that run another program named in their arguments.
const WRAPPERS: &[&str] = &[
    "env",
    "xargs",
    "timeout",
    "nice",
    "ionice",
    "nohup",
    "stdbuf",
    "taskset",
    "chroot",
    "flock",
    "watch",
    "setsid",
    "strace",
    "ltrace",
    "valgrind",
    "time",
    "unshare",
    "nsenter",
    "run-parts",
    "start-stop-daemon",
    "runuser",
    "chrt",
    "setarch",
    "cpulimit",
    "doas",
    "firejail",
    "capsh",
    "dbus-launch",
    "pkexec",
];

/// Programs that escape with particular arguments (GTFOBins): the program, and the argument
/// words that make it escape. With free arguments they always escape.
const WITH_ARGS: &[(&str, &[&str])] = &[
    (
        "find",
        &[
            "-exec", "-execdir", "-ok", "-okdir", "-fprintf", "-fprint", "-fls",
        ],
    ),
    (
        "tar",
        &[
            "--checkpoint-action",
            "--to-command",
            "--use-compress-program",
            "-I",
            "--rsh-command",
            "--rmt-command",
            "-F",
            "--info-script",
            "--new-volume-script",
        ],
    ),
    ("zip", &["-T", "-TT", "--unzip-command"]),
    ("rsync", &["-e", "--rsh", "--rsync-path"]),
    ("scp", &["-S", "-o"]),
    ("ssh", &["-o", "ProxyCommand", "LocalCommand", "-F"]),
    ("sed", &["e", "w", "-f"]),
    (
        "systemctl",
        &[
            "edit",
            "link",
            "enable",
            "set-environment",
            "import-environment",
        ],
    ),
    ("journalctl", &[]),
    ("apt", &["-o", "changelog"]),
    ("apt-get", &["-o", "changelog"]),
    ("dpkg", &["-i", "--install", "-l"]),
    ("yum", &["localinstall", "--enableplugin"]),
    ("dnf", &["localinstall"]),
    ("rpm", &["--eval", "-i", "--install"]),
    ("pip", &["-r", "-e", "."]),
    (
        "docker",
        &["run", "exec", "cp", "-v", "--privileged", "compose"],
    ),
    ("podman", &["run", "exec", "cp", "-v", "--privileged"]),
    ("kubectl", &["exec", "run", "cp"]),
    ("cp", &[]),
    ("mv", &[]),
    ("tee", &[]),
    ("dd", &[]),
    ("install", &[]),
    ("chmod", &[]),
    ("chown", &[]),
    ("ln", &[]),
    ("mount", &["-o", "--bind"]),
    ("tcpdump", &["-z", "-Z"]),
    ("nmap", &["--interactive", "--script"]),
    ("socat", &["exec", "system"]),
    ("nc", &["-e", "-c"]),
    ("ncat", &["-e", "-c", "--exec", "--sh-exec"]),
    ("openssl", &["-out", "enc"]),
    ("logrotate", &["-f", "--force"]),
    ("wget", &["-O", "--output-document", "-i"]),
    ("curl", &["-o", "--output", "-K", "file://"]),
    ("gcc", &["-wrapper"]),
    ("ansible-playbook", &[]),
    ("service", &[]),
    ("cpio", &["-p", "--to-command"]),
];

fn program_name(path: &str) -> &str {
    let base = path.rsplit('/').next().unwrap_or(path);
    // python3.11, perl5.36.0, php8.2, pip3, lua5.4 → their family
    for family in [
        "python", "perl", "php", "lua", "ruby", "pip", "node", "tclsh", "wish",
    ] {
        if let Some(rest) = base.strip_prefix(family) {
            if rest.chars().all(|c| c.is_ascii_digit() || c == '.') {
                return family;
            }
        }
    }
    base
}

fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Splits a sudoers command into the program and its argument words (`None`: any arguments).
fn split(command: &str) -> (&str, Option<Vec<&str>>) {
    let command = command.trim();
    let mut words = command.split_whitespace();
    let program = words.next().unwrap_or("");
    let args: Vec<&str> = words.collect();
    if args.is_empty() {
        (program, None)
    } else if args == [r#""""#] {
        (program, Some(Vec::new()))
    } else {
        (program, Some(args))
    }
}

/// Judges one sudoers command (not `ALL`, not an alias). `writable` says whether a path is a
/// file someone other than root can change (the command itself or a script it runs).
pub(crate) fn escape(command: &str, writable: &dyn Fn(&str) -> bool) -> Option<Escape> {
    let (program_path, args) = split(command);
    if program_path.is_empty() {
        return None;
    }
    let name = program_name(program_path);
    let say = |r: String| Some(Escape { reason: r });
    if has_wildcard(program_path) {
        return say(format!("the program path {program_path} is a wildcard"));
    }
    if program_path.starts_with('/') && writable(program_path) {
        return say(format!(
            "{program_path} can be changed by someone other than root"
        ));
    }
    if name == "sudoedit" {
        return None;
    }
    if ALWAYS.contains(&name) {
        return say(format!(
            "{name} runs a shell or an editor/pager with a shell escape whatever its arguments"
        ));
    }
    let free = args.is_none();
    let args = args.unwrap_or_default();
    let args = &args;
    let wildcard = args.iter().any(|a| has_wildcard(a));
    if INTERPRETERS.contains(&name) {
        if free {
            return say(format!("{name} with any arguments runs any code"));
        }
        if wildcard {
            return say(format!("{name} with wildcard arguments runs any code"));
        }
        let Some(first) = args.first() else {
            return say(format!(
                "{name} without arguments reads code from the terminal"
            ));
        };
        if first.starts_with('-') {
            return say(format!(
                "{name} {first}: code given on the command line or stdin"
            ));
        }
        if writable(first) || !first.starts_with('/') {
            return say(format!(
                "{name} runs {first}, a script someone other than root can change"
            ));
        }
        return None;
    }
    if WRAPPERS.contains(&name) {
        if free || wildcard {
            return say(format!("{name} runs any program it is given"));
        }
        // The wrapped program is the first word that is not an option or an assignment.
        let rest: Vec<&str> = args
            .iter()
            .copied()
            .skip_while(|a| a.starts_with('-') || a.contains('=') || a.parse::<f64>().is_ok())
            .collect();
        if rest.is_empty() {
            return None;
        }
        return escape(&rest.join(" "), writable).map(|e| Escape {
            reason: format!("{name} runs {}: {}", rest[0], e.reason),
        });
    }
    if let Some((_, words)) = WITH_ARGS.iter().find(|(p, _)| *p == name) {
        if free {
            return say(format!(
                "{name} with any arguments can run commands or overwrite files as root"
            ));
        }
        if wildcard {
            return say(format!(
                "{name} with wildcard arguments can run commands or overwrite files as root"
            ));
        }
        if let Some(w) = args.iter().find(|a| {
            words
                .iter()
                .any(|w| a == &w || a.starts_with(&format!("{w}=")) || a.contains(w) && w.len() > 6)
        }) {
            return say(format!("{name} {w} runs commands as root"));
        }
    }
    // Fixed arguments: a file among them that someone other than root can change is read or
    // written as root (a config, a script, a source to copy into a root-owned place).
    if let Some(a) = args.iter().find(|a| a.starts_with('/') && writable(a)) {
        return say(format!(
            "{name} is given {a}, which someone other than root can change"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(cmd: &str) -> Option<Escape> {
        escape(cmd, &|p: &str| {
            p.starts_with("/home/") || p.starts_with("/tmp/")
        })
    }

    #[test]
    fn fixed_service_commands_do_not_escape() {
        for cmd in [
            "/usr/bin/systemctl reload nginx",
            "/bin/systemctl restart php8.2-fpm.service",
            "/usr/sbin/service nginx reload",
            "/usr/sbin/logrotate /etc/logrotate.conf",
            "/usr/bin/cp /srv/app/release.tar /var/backups/",
            "/usr/bin/python3 /opt/tools/rotate.py",
            "/usr/bin/env PATH=/usr/bin /usr/sbin/nginx -t",
            "/usr/bin/tar -czf /var/backups/www.tgz /var/www",
            "/usr/sbin/nginx -t",
            "/usr/bin/journalctl -u nginx --no-pager",
            "/usr/bin/sudoedit /etc/nginx/nginx.conf",
        ] {
            assert_eq!(judge(cmd), None, "{cmd}");
        }
    }

    #[test]
    fn gtfobins_escapes() {
        for cmd in [
            "/usr/bin/vim /etc/hosts",
            "/usr/bin/less /var/log/syslog",
            "/usr/bin/find",
            "/usr/bin/find . -exec /bin/sh ;",
            "/usr/bin/tar",
            "/usr/bin/env",
            "/usr/bin/env /bin/bash",
            "/usr/bin/python3",
            "/usr/bin/python3 -c import os",
            "/usr/bin/python3.11 /home/deploy/x.py",
            "/bin/bash",
            "/usr/bin/systemctl",
            "/usr/bin/systemctl edit nginx",
            "/usr/bin/systemctl restart *",
            "/usr/bin/git pull",
            "/usr/bin/man ls",
            "/usr/bin/su -",
            "/home/deploy/bin/restart.sh",
            "/usr/bin/timeout 10 /bin/sh",
            "/usr/bin/docker run -v /:/mnt alpine",
            "/usr/bin/cp",
            "/usr/bin/rsync -e sh x y",
            // a wildcard in sudoers matches spaces too: `-name x -exec sh ; -name y.tmp`
            "/usr/bin/find /var/www -name *.tmp",
            "/usr/sbin/logrotate /home/deploy/lr.conf",
            "/usr/bin/npm run build",
        ] {
            assert!(judge(cmd).is_some(), "{cmd}");
        }
    }
}
