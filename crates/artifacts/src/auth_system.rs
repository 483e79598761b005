//! What PAM, su, sudo, the shadow account tools, dropbear and the audit log say, one message at
//! a time.
//!
//! Beside sshd these write the rest of the story a responder reconstructs from `auth.log` or the
//! journal: password guessing against other services (`pam_unix(vsftpd:auth): authentication
//! failure … rhost=`), who became root (`su`, `sudo … COMMAND=`), which accounts and groups were
//! created or changed (`useradd`, `usermod`, `groupadd`), whose password changed, and logins on
//! embedded systems running dropbear.
//!
//! pam_unix has written its lines in three shapes over the years, all read here:
//! `sshd[P]: pam_unix(sshd:auth): …` (Linux-PAM 0.99 and later: RHEL/CentOS 5 on, every Debian),
//! `sshd(pam_unix)[P]: …` (the module in the program name: RHEL/CentOS 4, Fedora Core) and
//! `pam_unix: …` / `(pam_unix) …`. The remote host (`rhost=`) is a host name when sshd resolved
//! the peer (`UseDNS yes`, the old default); it is kept as logged.

/// One classified non-sshd message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SysMsg<'a> {
    /// A PAM module refused a password (`pam_unix(SVC:auth): authentication failure; …`).
    PamFailure {
        /// The PAM service (`sshd`, `su`, `vsftpd` …) or the program.
        service: &'a str,
        /// `user=` (the target), or `ruser=` when no `user=` was logged.
        user: Option<&'a str>,
        /// `ruser=`: the requesting user (for su/sudo, who tried).
        ruser: Option<&'a str>,
        /// `rhost=`: the remote host, when any.
        rhost: Option<&'a str>,
    },
    /// `pam_unix(SVC:session): session opened for user U(uid=N) by A(uid=M)`.
    SessionOpened {
        /// PAM service.
        service: &'a str,
        /// User of the session.
        user: &'a str,
        /// Who opened it, when logged.
        by: Option<&'a str>,
    },
    /// `session closed for user U`.
    SessionClosed {
        /// PAM service.
        service: &'a str,
        /// User.
        user: &'a str,
    },
    /// su: `(to root) alice on pts/0` or `FAILED SU (to root) alice on pts/0`.
    Su {
        /// Who ran su.
        from: &'a str,
        /// Target account.
        to: &'a str,
        /// It worked.
        success: bool,
    },
    /// sudo: `alice : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/bash`, or a refusal.
    Sudo {
        /// Who ran sudo.
        user: &'a str,
        /// Target account (`USER=`).
        target: &'a str,
        /// The command, or the refusal reason.
        detail: &'a str,
        /// The command ran.
        success: bool,
    },
    /// An account or group was created, changed or deleted, or a password changed.
    Account {
        /// What happened.
        action: AccountAction,
        /// The account or group name.
        name: &'a str,
        /// The rest of the message (UID, group, shell …).
        detail: &'a str,
    },
    /// dropbear login attempt result.
    Dropbear {
        /// Target user (empty for nonexistent users).
        user: &'a str,
        /// Source address.
        host: &'a str,
        /// Accepted (`password`/`publickey`) or `None` for a failure.
        accepted: Option<&'static str>,
        /// The user does not exist.
        invalid: bool,
        /// A connection that ended before a login without a guess of its own
        /// (`Exit before auth`).
        probe: bool,
    },
}

/// Kinds of account changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountAction {
    /// `useradd`: new user.
    UserCreated,
    /// `usermod`: user changed (shell, uid, lock, group membership).
    UserModified,
    /// `userdel`.
    UserDeleted,
    /// `groupadd` / new group.
    GroupCreated,
    /// `groupmod`, members added or removed.
    GroupModified,
    /// `groupdel`.
    GroupDeleted,
    /// A password was changed (`passwd`, `chpasswd`, `usermod -p`).
    PasswordChanged,
}

/// `user=`, `ruser=` and `rhost=` of a PAM `k=v k=v` list (values end at a space), in one scan.
///
/// `user` and `ruser` are their first occurrences. A `ruser` or `user` value may contain a fake
/// ` rhost=`; the real one is the last ` rhost=` before the first ` user=` that follows the
/// first ` rhost=`.
fn pam_fields(s: &str) -> (Option<&str>, Option<&str>, Option<&str>) {
    let b = s.as_bytes();
    let value = |at: usize| -> Option<&str> {
        let v = &s[at..];
        let end = crate::spaces::word_len(v.as_bytes());
        (end > 0).then(|| &v[..end])
    };
    let (mut user, mut ruser, mut rhost) = (None, None, None);
    let mut rhost_closed = false;
    let mut i = 0;
    while let Some(space) = crate::spaces::next_space(b, i) {
        let at = space + 1;
        let rest = &b[at..];
        if rest.starts_with(b"user=") {
            if user.is_none() {
                user = Some(at + 5);
            }
            rhost_closed |= rhost.is_some();
        } else if rest.starts_with(b"ruser=") {
            if ruser.is_none() {
                ruser = Some(at + 6);
            }
        } else if rest.starts_with(b"rhost=") && !rhost_closed {
            rhost = Some(at + 6);
        }
        i = at;
    }
    (
        user.and_then(value),
        ruser.and_then(value),
        rhost.and_then(value),
    )
}

fn quoted<'a>(s: &'a str, after: &str) -> Option<&'a str> {
    let rest = &s[s.find(after)? + after.len()..];
    let rest = rest.strip_prefix('\'')?;
    Some(&rest[..rest.find('\'')?])
}

/// Splits a program name that carries its PAM module, as Linux-PAM before 0.99 wrote it
/// (RHEL/CentOS 4, `sshd(pam_unix)[2212]: authentication failure; …`): `("sshd", "pam_unix")`.
/// `None` for a plain program name.
pub fn module_ident(ident: &str) -> Option<(&str, &str)> {
    let inner = ident.strip_suffix(')')?;
    let (program, module) = inner.split_once('(')?;
    (!program.is_empty() && module.starts_with("pam_")).then_some((program, module))
}

fn pam<'a>(ident: &'a str, m: &'a str) -> Option<SysMsg<'a>> {
    let tail;
    let mut service = ident;
    if let Some((program, "pam_unix")) = module_ident(ident) {
        // The module is in the program name; the message is what pam_unix wrote.
        service = program;
        tail = m;
    } else if let Some(r) = m.strip_prefix("pam_unix(") {
        let close = r.bytes().position(|c| c == b')')?;
        let inside = &r[..close];
        if let Some(colon) = inside.bytes().position(|c| c == b':') {
            service = &inside[..colon];
        }
        let after = &r[close + 1..];
        let skip = after
            .bytes()
            .take_while(|&c| c == b':' || c == b' ')
            .count();
        tail = &after[skip..];
    } else if let Some(r) = m.strip_prefix("(pam_unix) ") {
        tail = r;
    } else if let Some(r) = m.strip_prefix("pam_unix: ") {
        tail = r;
    } else {
        return None;
    }
    if let Some(r) = tail.strip_prefix("authentication failure;") {
        let (user, ruser, rhost) = pam_fields(r);
        return Some(SysMsg::PamFailure {
            service,
            user: user.or(ruser),
            ruser,
            rhost,
        });
    }
    if let Some(r) = tail.strip_prefix("session opened for user ") {
        let (user, by) = match r.split_once(" by ") {
            Some((u, b)) => (u, Some(b)),
            None => (r, None),
        };
        let user = user.split('(').next().unwrap_or(user);
        let by = by
            .map(|b| b.split('(').next().unwrap_or(b))
            .filter(|b| !b.is_empty());
        return Some(SysMsg::SessionOpened { service, user, by });
    }
    if let Some(r) = tail.strip_prefix("session closed for user ") {
        let user = r.split('(').next().unwrap_or(r).trim_end();
        return Some(SysMsg::SessionClosed { service, user });
    }
    if let Some(r) = tail.strip_prefix("password changed for ") {
        return Some(SysMsg::Account {
            action: AccountAction::PasswordChanged,
            name: r.trim_end(),
            detail: service,
        });
    }
    None
}

fn account<'a>(ident: &str, m: &'a str) -> Option<SysMsg<'a>> {
    use AccountAction::*;
    if let Some(r) = m.strip_prefix("new user: name=") {
        let name = r.split(',').next()?;
        return Some(SysMsg::Account {
            action: UserCreated,
            name,
            detail: m,
        });
    }
    if let Some(r) = m
        .strip_prefix("new group: name=")
        .or_else(|| m.strip_prefix("group added to /etc/group: name="))
    {
        let name = r.split(',').next()?;
        return Some(SysMsg::Account {
            action: GroupCreated,
            name,
            detail: m,
        });
    }
    if m.contains(" shadow group '") {
        // gshadow twin of the group message just before it.
        return None;
    }
    if m.starts_with("add '") || m.starts_with("delete '") && m.contains("' from ") {
        let name = quoted(
            m,
            if m.starts_with("add") {
                "add "
            } else {
                "delete "
            },
        )?;
        return Some(SysMsg::Account {
            action: GroupModified,
            name,
            detail: m,
        });
    }
    if m.starts_with("change user '") {
        let name = quoted(m, "change user ")?;
        let action = if m.contains("' password") {
            PasswordChanged
        } else {
            UserModified
        };
        return Some(SysMsg::Account {
            action,
            name,
            detail: m,
        });
    }
    if m.starts_with("lock user '") || m.starts_with("unlock user '") {
        let name = quoted(m, "user ")?;
        return Some(SysMsg::Account {
            action: UserModified,
            name,
            detail: m,
        });
    }
    if m.starts_with("delete user '") {
        let name = quoted(m, "delete user ")?;
        return Some(SysMsg::Account {
            action: UserDeleted,
            name,
            detail: m,
        });
    }
    if m.starts_with("group '") && m.ends_with(" removed") || m.starts_with("removed group '") {
        let name = quoted(m, "group ")?;
        return Some(SysMsg::Account {
            action: GroupDeleted,
            name,
            detail: m,
        });
    }
    if let Some(r) = m.strip_prefix("group changed in /etc/group (group ") {
        let name = r.split('/').next()?;
        return Some(SysMsg::Account {
            action: GroupModified,
            name,
            detail: m,
        });
    }
    if ident == "passwd" || ident == "chpasswd" {
        if let Some(name) = quoted(m, "password for ") {
            if m.contains(" changed") {
                return Some(SysMsg::Account {
                    action: PasswordChanged,
                    name,
                    detail: m,
                });
            }
        }
    }
    None
}

fn su(m: &str) -> Option<SysMsg<'_>> {
    let (success, r) = match m.strip_prefix("FAILED SU ") {
        Some(r) => (false, r),
        None => (true, m),
    };
    let r = r.strip_prefix("(to ")?;
    let (to, rest) = r.split_once(") ")?;
    let from = rest.split(" on ").next().unwrap_or(rest);
    Some(SysMsg::Su { from, to, success })
}

fn sudo(m: &str) -> Option<SysMsg<'_>> {
    let m = m.trim_start();
    let (user, rest) = m.split_once(" : ")?;
    let target = rest
        .split(" ; ")
        .find_map(|f| f.strip_prefix("USER="))
        .unwrap_or("root");
    let command = rest.split(" ; ").find_map(|f| f.strip_prefix("COMMAND="));
    let first = rest.split(" ; ").next().unwrap_or("");
    let success = !first.contains("incorrect password")
        && !first.contains("NOT in sudoers")
        && !first.contains("not allowed")
        && !first.contains("authentication failure");
    if !success {
        return Some(SysMsg::Sudo {
            user,
            target,
            detail: first,
            success,
        });
    }
    Some(SysMsg::Sudo {
        user,
        target,
        detail: command?,
        success,
    })
}

/// A dropbear peer as it logs it (`svr_ses.addrstring`): `192.0.2.7:50022`, `[2001:db8::7]:50022`
/// or `2001:db8::7:50022`, without the port.
fn dropbear_addr(hp: &str) -> &str {
    // `… from 192.0.2.7:50022, extra auth required`: the address is one word.
    let hp = hp.trim_start();
    let hp = &hp[..hp.find([' ', ',']).unwrap_or(hp.len())];
    if let Some(r) = hp.strip_prefix('[') {
        return r.split(']').next().unwrap_or(r);
    }
    match hp.rsplit_once(':') {
        Some((h, port))
            if !h.is_empty() && !port.is_empty() && port.bytes().all(|c| c.is_ascii_digit()) =>
        {
            h
        }
        _ => hp,
    }
}

/// The peer at the end of `… from ADDR:PORT` (the last ` from `: the user name before it is
/// quoted and chosen by the client).
fn host_port(s: &str) -> Option<&str> {
    let at = s.rfind(" from ")?;
    let h = dropbear_addr(&s[at + 6..]);
    (!h.is_empty()).then_some(h)
}

/// `Exit before auth from <ADDR:PORT>: [(user 'U', N fails): ]REASON`: the connection ended
/// before a login. Each wrong password was logged on its own line already, so this is a probe,
/// except `Max auth tries reached` for a user that does not exist (`user 'is invalid'`), whose
/// guesses dropbear does not log one by one.
fn dropbear_exit(m: &str) -> Option<SysMsg<'_>> {
    let r = m.strip_prefix("Exit before auth from <")?;
    let close = r.find('>')?;
    let host = crate::auth_sshd::normalise_host(dropbear_addr(&r[..close]));
    if host.is_empty() {
        return None;
    }
    let rest = r[close + 1..].strip_prefix(": ").unwrap_or(&r[close + 1..]);
    let (user, reason) = match rest.strip_prefix("(user '") {
        Some(u) => match u.find(" fails): ") {
            Some(end) => (
                u[..end].rsplit_once("', ").map(|(name, _)| name),
                &u[end + 9..],
            ),
            None => (None, rest),
        },
        None => (None, rest),
    };
    let invalid = reason.starts_with("Max auth tries reached") && reason.ends_with("'is invalid'");
    Some(SysMsg::Dropbear {
        user: user.unwrap_or(""),
        host,
        accepted: None,
        invalid,
        probe: !invalid,
    })
}

fn dropbear(m: &str) -> Option<SysMsg<'_>> {
    let lower_first = m.get(..1)?.to_ascii_lowercase();
    let rest = &m[1..];
    let norm = crate::auth_sshd::normalise_host;
    match (lower_first.as_str(), rest) {
        ("b", r)
            if r.starts_with("ad password attempt for '")
                || r.starts_with("ad PAM password attempt for '") =>
        {
            Some(SysMsg::Dropbear {
                user: quoted(m, "attempt for ")?,
                host: norm(host_port(m)?),
                accepted: None,
                invalid: false,
                probe: false,
            })
        }
        ("t", r) if r.starts_with("oo-long password attempt for '") => Some(SysMsg::Dropbear {
            user: quoted(m, "attempt for ")?,
            host: norm(host_port(m)?),
            accepted: None,
            invalid: false,
            probe: false,
        }),
        ("l", r) if r.starts_with("ogin attempt for nonexistent user") => Some(SysMsg::Dropbear {
            user: quoted(m, "nonexistent user ").unwrap_or(""),
            host: norm(host_port(m)?),
            accepted: None,
            invalid: true,
            probe: false,
        }),
        ("e", r) if r.starts_with("xit before auth from <") => dropbear_exit(m),
        ("p", r) if r.starts_with("assword auth succeeded for '") => Some(SysMsg::Dropbear {
            user: quoted(m, "succeeded for ")?,
            host: norm(host_port(m)?),
            accepted: Some("password"),
            invalid: false,
            probe: false,
        }),
        ("p", r) if r.starts_with("ubkey auth succeeded for '") => Some(SysMsg::Dropbear {
            user: quoted(m, "succeeded for ")?,
            host: norm(host_port(m)?),
            accepted: Some("publickey"),
            invalid: false,
            probe: false,
        }),
        _ => None,
    }
}

/// Classifies a message of program `ident` (anything but sshd's own messages).
pub fn classify<'a>(ident: &'a str, m: &'a str) -> Option<SysMsg<'a>> {
    if let Some(p) = pam(ident, m) {
        return Some(p);
    }
    match ident {
        "su" => su(m),
        "sudo" => sudo(m),
        "dropbear" => dropbear(m),
        "useradd" | "usermod" | "userdel" | "groupadd" | "groupmod" | "groupdel" | "adduser"
        | "passwd" | "chpasswd" | "gpasswd" | "deluser" | "addgroup" | "delgroup" => {
            account(ident, m)
        }
        _ => None,
    }
}

/// A failed authentication from the Linux audit log (`type=USER_AUTH` or `USER_ERR` with
/// `res=failed`): (Unix time, account, address, executable).
pub fn audit_failure(line: &str) -> Option<(i64, Option<&str>, &str, &str)> {
    if !(line.starts_with("type=USER_AUTH ") || line.starts_with("type=USER_ERR ")) {
        return None;
    }
    if !line.contains("res=failed") {
        return None;
    }
    let stamp = &line[line.find("audit(")? + 6..];
    let secs: i64 = stamp.split(['.', ':']).next()?.parse().ok()?;
    let field = |k: &str| -> Option<&str> {
        let at = line.find(&format!(" {k}="))? + k.len() + 2;
        let v = &line[at..];
        let v = if let Some(q) = v.strip_prefix('"') {
            &q[..q.find('"')?]
        } else {
            v.split([' ', '\'']).next()?
        };
        (!v.is_empty() && v != "?").then_some(v)
    };
    let addr = field("addr").or_else(|| field("hostname"))?;
    let exe = field("exe").unwrap_or("");
    Some((secs, field("acct"), addr, exe))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pam_su_sudo_accounts() {
        assert_eq!(
            classify(
                "sshd",
                "pam_unix(sshd:session): session opened for user root(uid=0) by (uid=0)"
            ),
            Some(SysMsg::SessionOpened {
                service: "sshd",
                user: "root",
                by: None
            })
        );
        assert_eq!(
            classify("su", "(to root) alice on pts/1"),
            Some(SysMsg::Su {
                from: "alice",
                to: "root",
                success: true
            })
        );
        assert!(matches!(
            classify(
                "sudo",
                "   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/bash"
            ),
            Some(SysMsg::Sudo {
                user: "alice",
                target: "root",
                detail: "/usr/bin/bash",
                success: true
            })
        ));
        assert!(matches!(
            classify("useradd", "new user: name=backdoor, UID=0, GID=0, home=/root, shell=/bin/bash, from=/dev/pts/0"),
            Some(SysMsg::Account { action: AccountAction::UserCreated, name: "backdoor", .. })
        ));
        assert!(matches!(
            classify("vsftpd", "pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=an8767 rhost=www.google.com"),
            Some(SysMsg::PamFailure { service: "vsftpd", rhost: Some("www.google.com"), .. })
        ));
        assert!(matches!(
            classify("daemon", "pam_unix(auth): authentication failure; logname= uid=0 euid=0 tty=xxx ruser= rhost=192.0.2.2 user=test rhost=192.0.2.152"),
            Some(SysMsg::PamFailure { rhost: Some("192.0.2.2"), .. })
        ));
    }

    /// The one-scan field reader agrees with finding each field by substring search.
    #[test]
    fn pam_fields_agree_with_substring_search() {
        fn field<'a>(s: &'a str, pat: &str) -> Option<&'a str> {
            let v = &s[s.find(pat)? + pat.len()..];
            let v = v.split(' ').next().unwrap_or("");
            (!v.is_empty()).then_some(v)
        }
        fn rhost(s: &str) -> Option<&str> {
            let first = s.find(" rhost=")?;
            let cut = s[first..].find(" user=").map_or(s.len(), |i| first + i);
            let head = &s[..cut];
            let at = head.rfind(" rhost=")?;
            let v = head[at + 7..].split(' ').next().unwrap_or("");
            (!v.is_empty()).then_some(v)
        }
        let pieces = [
            " user=", " ruser=", " rhost=", "a", "b c", " ", "", "user=", "=x", " uid=0",
        ];
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..20_000 {
            let mut line = String::new();
            for _ in 0..(x % 9) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                line.push_str(pieces[(x % pieces.len() as u64) as usize]);
            }
            x = x.wrapping_add(1);
            let want = (
                field(&line, " user="),
                field(&line, " ruser="),
                rhost(&line),
            );
            assert_eq!(pam_fields(&line), want, "{line:?}");
        }
    }

    #[test]
    fn garbage() {
        for (i, m) in [
            ("su", "(to "),
            ("sudo", " : "),
            ("dropbear", "b"),
            ("x", "pam_unix("),
        ] {
            let _ = classify(i, m);
        }
        assert_eq!(audit_failure("type=USER_AUTH msg=audit("), None);
    }
}
