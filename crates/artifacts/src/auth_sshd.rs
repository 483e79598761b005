//! What one OpenSSH `sshd` log message says, without context.
//!
//! sshd writes a handful of message shapes for everything a responder cares about: wrong
//! passwords and keys, invalid users, refused users, pre-authentication disconnects of scanners,
//! accepted logins and its own restarts. The user name in these messages is chosen by the
//! attacker (it may contain spaces and even a fake `from 1.2.3.4 port 22 ssh2`), so the source is
//! taken from the *first* `from HOST [port N] [sshN]` that ends the message or is followed by
//! sshd's own `: …` suffix — the shape sshd itself writes — never from anywhere a name could be.

/// One sshd message, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SshdMsg<'a> {
    /// `Failed <method> for [invalid user ]U from H …`.
    Failed {
        /// password, publickey, keyboard-interactive, hostbased, none, unknown …
        method: &'a str,
        /// Target user.
        user: &'a str,
        /// `invalid user` was logged.
        invalid: bool,
        /// Source.
        host: &'a str,
    },
    /// A strong failure without method: invalid user, user not allowed, root refused, PAM
    /// error, maximum attempts, disconnect for a changed user.
    Refused {
        /// Target user, when logged.
        user: Option<&'a str>,
        /// Source.
        host: &'a str,
        /// The user does not exist.
        invalid: bool,
        /// Short reason (`invalid user`, `not allowed`, …).
        reason: &'static str,
    },
    /// "Too many authentication failures" without a source: the source comes from context.
    TooMany {
        /// Target user, when logged.
        user: Option<&'a str>,
    },
    /// A pre-authentication disconnect, reset or protocol failure with a known source.
    Probe {
        /// Source.
        host: &'a str,
        /// User being authenticated, when logged.
        user: Option<&'a str>,
        /// Whether sshd marked it `[preauth]` or it is a protocol failure (a scanner).
        preauth: bool,
    },
    /// A protocol failure with no source in the line (kex failures, resets).
    ProbeNoHost,
    /// `Connection from H port P …` or the `Remote: H-P` of the SSH audit patch: remembers the
    /// source of this sshd process.
    ConnectionFrom {
        /// Source.
        host: &'a str,
    },
    /// `Failed publickey` (legitimate clients try several keys): a failure only if no key is
    /// accepted in the end.
    FailedKey {
        /// Target user.
        user: &'a str,
        /// Source.
        host: &'a str,
        /// `invalid user` was logged.
        invalid: bool,
    },
    /// `Accepted <method> for U from H …`.
    Accepted {
        /// password, publickey, keyboard-interactive/pam, gssapi-with-mic …
        method: &'a str,
        /// User.
        user: &'a str,
        /// Source.
        host: &'a str,
    },
    /// `Server listening on …`: sshd (re)started.
    Started,
    /// `Received SIGHUP; restarting.`: configuration reloaded.
    Reloaded,
    /// `Received signal 15; terminating.`: sshd stopped.
    Stopped,
}

/// Strips the prefixes some systems put before sshd's text (`error: `, `fatal: `, Solaris
/// `[ID 800047 auth.info] `, a kernel-style `kernel:[ 970.69]: `).
pub fn strip_noise(mut m: &str) -> &str {
    // Most messages start with none of the prefixes: one byte tells.
    if !matches!(m.as_bytes().first(), Some(b'e' | b'f' | b'd' | b'[' | b'k')) {
        return m;
    }
    loop {
        let before = m.len();
        for p in ["error: ", "fatal: ", "debug1: "] {
            if let Some(r) = m.strip_prefix(p) {
                m = r;
            }
        }
        if m.starts_with("[ID ") {
            if let Some(end) = m.find("] ") {
                m = &m[end + 2..];
            }
        }
        if let Some(r) = m.strip_prefix("kernel:") {
            let r = r.trim_start();
            if let Some(r) = r.strip_prefix('[') {
                if let Some(end) = r.find(']') {
                    m = r[end + 1..].trim_start_matches(':').trim_start();
                }
            }
        }
        if m.len() == before {
            return m;
        }
    }
}

/// Normalises an address as logged: `::ffff:1.2.3.4` → `1.2.3.4`.
pub fn normalise_host(h: &str) -> &str {
    let b = h.as_bytes();
    if !matches!(b.first(), Some(b'[' | b':')) && !matches!(b.last(), Some(b']')) {
        return h;
    }
    let h = h.trim_matches(|c| c == '[' || c == ']');
    match h.strip_prefix("::ffff:") {
        Some(v4) if v4.contains('.') => v4,
        _ => h,
    }
}

/// Finds the source in `... from HOST[ port N][ sshN]<end | ": …" | " [preauth]">`.
pub fn trailing_from(m: &str) -> Option<(usize, &str)> {
    let mut search = 0;
    // The next ` from `: found by walking the spaces, which is quicker than a substring search
    // in the short messages sshd writes.
    let next_from = |search: usize| -> Option<usize> {
        let b = m.as_bytes();
        let mut i = search;
        loop {
            i = crate::spaces::next_space(b, i)?;
            if b[i..].starts_with(b" from ") {
                return Some(i - search);
            }
            i += 1;
        }
    };
    while let Some(rel) = next_from(search) {
        let at = search + rel;
        let after = &m[at + 6..];
        let host_end = crate::spaces::word_len(after.as_bytes());
        let host = &after[..host_end];
        let mut rest = &after[host_end..];
        if let Some(r) = rest.strip_prefix(" port ") {
            let digits = r.bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0 {
                rest = &r[digits..];
            }
        }
        for p in [" ssh2", " ssh1"] {
            if let Some(r) = rest.strip_prefix(p) {
                rest = r;
            }
        }
        let colons = host.bytes().rev().take_while(|&c| c == b':').count();
        let host = &host[..host.len() - colons];
        if !host.is_empty()
            && (rest.is_empty() || rest.starts_with(": ") || rest.starts_with(" [preauth]"))
        {
            return Some((at, host));
        }
        search = at + 1;
    }
    None
}

/// `[authenticating user U |invalid user U ]HOST port P` as in "Connection closed by …": the
/// host is the token before the last ` port `, the user whatever comes between.
fn user_host_port(s: &str) -> Option<(Option<&str>, &str)> {
    let s = s.strip_suffix(" [preauth]").unwrap_or(s);
    // `… port <digits>` at the very end: the last ` port ` followed only by digits.
    let digits = s.bytes().rev().take_while(u8::is_ascii_digit).count();
    let body = s[..s.len() - digits].strip_suffix(" port ").unwrap_or(s);
    let host_start = body
        .as_bytes()
        .iter()
        .rposition(|&c| c == b' ')
        .map_or(0, |i| i + 1);
    let host = &body[host_start..];
    let lead = body[..host_start].trim_end();
    let user = lead
        .strip_prefix("authenticating user ")
        .or_else(|| lead.strip_prefix("invalid user "))
        .or_else(|| (lead == "invalid user").then_some(""));
    if host.is_empty() {
        return None;
    }
    Some((user, host))
}

fn failed(rest: &str) -> Option<(&str, &str, bool, &str)> {
    static FOR: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(" for "));
    // The method is one word: ` for ` is usually at the first space.
    let b = rest.as_bytes();
    let at = match crate::spaces::next_space(b, 0) {
        Some(sp) if b[sp..].starts_with(b" for ") => sp,
        _ => FOR.find(b)?,
    };
    let (method, rest) = (&rest[..at], &rest[at + 5..]);
    let (at, host) = trailing_from(rest)?;
    let who = &rest[..at];
    let (user, invalid) = match who.strip_prefix("invalid user ") {
        Some(u) => (u, true),
        None if who == "invalid user" => ("", true),
        None if who == "<invalid username>" => ("", true),
        None => (who, false),
    };
    Some((method, user, invalid, host))
}

/// Classifies one sshd message (after [`strip_noise`]).
pub fn classify(m: &str) -> Option<SshdMsg<'_>> {
    let m = strip_noise(m);
    let preauth = m.ends_with("[preauth]");
    let first = m.as_bytes().first().copied()?;
    match first {
        b'F' => {
            if let Some(rest) = m.strip_prefix("Failed ") {
                let (method, user, invalid, host) = failed(rest)?;
                let host = normalise_host(host);
                if method == "publickey" {
                    return Some(SshdMsg::FailedKey {
                        user,
                        host,
                        invalid,
                    });
                }
                return Some(SshdMsg::Failed {
                    method,
                    user,
                    invalid,
                    host,
                });
            }
        }
        b'A' => {
            if let Some(rest) = m.strip_prefix("Accepted ") {
                let (method, user, _, host) = failed(rest)?;
                return Some(SshdMsg::Accepted {
                    method,
                    user,
                    host: normalise_host(host),
                });
            }
        }
        b'I' => {
            if let Some(rest) = m
                .strip_prefix("Invalid user")
                .or_else(|| m.strip_prefix("Illegal user"))
            {
                let (at, host) = trailing_from(rest)?;
                let user = rest[..at].strip_prefix(' ').unwrap_or(&rest[..at]);
                return Some(SshdMsg::Refused {
                    user: Some(user),
                    host: normalise_host(host),
                    invalid: true,
                    reason: "invalid user",
                });
            }
        }
        b'U' => {
            if let Some(rest) = m.strip_prefix("User ") {
                if let Some((who, _)) = rest.split_once(" not allowed because ") {
                    let (user, host) = who.split_once(" from ")?;
                    return Some(SshdMsg::Refused {
                        user: Some(user),
                        host: normalise_host(host),
                        invalid: false,
                        reason: "not allowed",
                    });
                }
            }
            if let Some(rest) = m.strip_prefix("Unable to negotiate with ") {
                let host = rest.split([' ', ':']).next()?;
                return Some(SshdMsg::Probe {
                    host: normalise_host(host),
                    user: None,
                    preauth: true,
                });
            }
            if m.starts_with("Unable to negotiate") {
                return Some(SshdMsg::ProbeNoHost);
            }
        }
        b'R' => {
            if let Some(rest) = m.strip_prefix("ROOT LOGIN REFUSED FROM ") {
                let host = rest.split(' ').next()?;
                return Some(SshdMsg::Refused {
                    user: Some("root"),
                    host: normalise_host(host),
                    invalid: false,
                    reason: "root login refused",
                });
            }
            if let Some(rest) = m.strip_prefix("Received disconnect from ") {
                let (host, after) = match rest.find(" port ") {
                    Some(p) => {
                        let a = &rest[p + 6..];
                        (
                            &rest[..p],
                            a.trim_start_matches(|c: char| c.is_ascii_digit()),
                        )
                    }
                    None => {
                        let i = rest.find(": ").unwrap_or(rest.len());
                        (&rest[..i], &rest[i..])
                    }
                };
                let code = after.trim_start_matches([':', ' ']);
                let code = &code[..code.bytes().take_while(u8::is_ascii_digit).count()];
                let auth_fail = m.contains("Auth fail") || code == "14";
                if (auth_fail || preauth) && !host.is_empty() {
                    return Some(SshdMsg::Probe {
                        host: normalise_host(host),
                        user: None,
                        preauth: true,
                    });
                }
                return None;
            }
            if m.starts_with("Received SIGHUP") {
                return Some(SshdMsg::Reloaded);
            }
            if m.starts_with("Received signal 15") {
                return Some(SshdMsg::Stopped);
            }
            if m.starts_with("Read from socket failed") && preauth {
                return Some(SshdMsg::ProbeNoHost);
            }
        }
        b'r' => {
            if let Some(rest) = m.strip_prefix("refused connect from ") {
                let host = match (rest.rfind('('), rest.rfind(')')) {
                    (Some(o), Some(c)) if c > o => &rest[o + 1..c],
                    _ => rest.split(' ').next()?,
                };
                return Some(SshdMsg::Refused {
                    user: None,
                    host: normalise_host(host),
                    invalid: false,
                    reason: "refused by tcp wrappers",
                });
            }
        }
        b'P' => {
            if let Some(rest) = m.strip_prefix("PAM: ") {
                let lower = rest.to_ascii_lowercase();
                if lower.starts_with("authentication failure for ")
                    || lower.starts_with("authentication error for ")
                    || lower.starts_with("user not known")
                {
                    let from = rest.rfind(" from ")?;
                    let host = rest[from + 6..].trim_end();
                    let host = host.split(" via ").next().unwrap_or(host);
                    let before = &rest[..from];
                    let user = before.rsplit(" for ").next().map(|u| {
                        u.strip_prefix("illegal user ")
                            .or_else(|| u.strip_prefix("invalid user "))
                            .unwrap_or(u)
                    });
                    return Some(SshdMsg::Refused {
                        user,
                        host: normalise_host(host),
                        invalid: lower.starts_with("user not known"),
                        reason: "PAM authentication failure",
                    });
                }
            }
        }
        b'D' => {
            if let Some(rest) = m.strip_prefix("Disconnecting: Too many authentication failures") {
                let user = rest
                    .strip_prefix(" for ")
                    .map(|u| u.strip_suffix(" [preauth]").unwrap_or(u))
                    .map(|u| u.strip_prefix("invalid user ").unwrap_or(u));
                return Some(SshdMsg::TooMany { user });
            }
            for p in [
                "Disconnecting invalid user ",
                "Disconnecting authenticating user ",
            ] {
                if let Some(rest) = m.strip_prefix(p) {
                    let head = rest.split(": ").next().unwrap_or(rest);
                    let (user_part, host) = {
                        let body = match head.rfind(" port ") {
                            Some(pp) => &head[..pp],
                            None => head,
                        };
                        let hs = body.rfind(' ').map(|i| i + 1).unwrap_or(0);
                        (body[..hs].trim_end(), &body[hs..])
                    };
                    return Some(SshdMsg::Refused {
                        user: Some(user_part),
                        host: normalise_host(host),
                        invalid: p.contains("invalid"),
                        reason: "disconnected during authentication",
                    });
                }
            }
            if let Some(rest) = m.strip_prefix("Disconnected from ") {
                if preauth {
                    let (user, host) = user_host_port(rest)?;
                    return Some(SshdMsg::Probe {
                        host: normalise_host(host),
                        user,
                        preauth: true,
                    });
                }
            }
            if let Some(rest) = m.strip_prefix("Did not receive identification string from ") {
                let host = rest.split(' ').next()?;
                return Some(SshdMsg::Probe {
                    host: normalise_host(host),
                    user: None,
                    preauth: true,
                });
            }
        }
        b'C' => {
            for p in ["Connection closed by ", "Connection reset by "] {
                if let Some(rest) = m.strip_prefix(p) {
                    if rest == "remote host" || rest.starts_with("peer") {
                        return None;
                    }
                    let (user, host) = user_host_port(rest)?;
                    return Some(SshdMsg::Probe {
                        host: normalise_host(host),
                        user,
                        preauth,
                    });
                }
            }
            if let Some(rest) = m.strip_prefix("Connection from ") {
                let host = rest.split(' ').next()?;
                return Some(SshdMsg::ConnectionFrom {
                    host: normalise_host(host),
                });
            }
        }
        b'B' => {
            if let Some(rest) = m.strip_prefix("Bad protocol version identification ") {
                let (_, host) = trailing_from(rest).or_else(|| {
                    let at = rest.rfind(" from ")?;
                    Some((at, rest[at + 6..].split(' ').next()?))
                })?;
                return Some(SshdMsg::Probe {
                    host: normalise_host(host),
                    user: None,
                    preauth: true,
                });
            }
        }
        b'b' => {
            if let Some(rest) = m.strip_prefix("banner exchange: Connection from ") {
                let host = rest.split(' ').next()?;
                return Some(SshdMsg::Probe {
                    host: normalise_host(host),
                    user: None,
                    preauth: true,
                });
            }
        }
        b'k' if m.starts_with("kex_exchange_identification: ") => {
            return Some(SshdMsg::ProbeNoHost);
        }
        b'm' => {
            if let Some(rest) = m.strip_prefix("maximum authentication attempts exceeded for ") {
                let (at, host) = trailing_from(rest)?;
                let who = &rest[..at];
                let (user, invalid) = match who.strip_prefix("invalid user ") {
                    Some(u) => (u, true),
                    None => (who, false),
                };
                return Some(SshdMsg::Refused {
                    user: Some(user),
                    host: normalise_host(host),
                    invalid,
                    reason: "maximum authentication attempts exceeded",
                });
            }
        }
        b'n' if m.starts_with("no matching ") && preauth => {
            return Some(SshdMsg::ProbeNoHost);
        }
        b'S' => {
            if m.starts_with("Server listening on ") {
                return Some(SshdMsg::Started);
            }
            if let Some(rest) = m.strip_prefix("SSH: Server;Ltype: ") {
                let remote = rest.split(';').find_map(|f| f.strip_prefix("Remote: "))?;
                let host = remote.rsplit_once('-').map(|(h, _)| h).unwrap_or(remote);
                return Some(SshdMsg::ConnectionFrom {
                    host: normalise_host(host),
                });
            }
        }
        _ => {}
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_resists_injection_in_user_names() {
        let m = "Failed password for invalid user test from 10.10.1.2 port 55555 ssh2 from 127.0.0.1 port 58946 ssh2";
        assert!(matches!(
            classify(m),
            Some(SshdMsg::Failed {
                host: "127.0.0.1",
                ..
            })
        ));
        let m = "Failed password for invalid user test from 127.0.0.1 port 58946 ssh2: from 10.10.1.2 port 55555 ssh2";
        assert!(matches!(
            classify(m),
            Some(SshdMsg::Failed {
                host: "127.0.0.1",
                ..
            })
        ));
        let m = "Failed password for invalid user from 10.10.1.1 from 127.0.0.1 port 58946 ssh2";
        assert!(matches!(
            classify(m),
            Some(SshdMsg::Failed {
                host: "127.0.0.1",
                invalid: true,
                ..
            })
        ));
    }

    #[test]
    fn common_shapes() {
        assert_eq!(
            classify(
                "Accepted publickey for bob from 198.51.100.4 port 50522 ssh2: ED25519 SHA256:x"
            ),
            Some(SshdMsg::Accepted {
                method: "publickey",
                user: "bob",
                host: "198.51.100.4"
            })
        );
        assert_eq!(
            classify("Invalid user  from 192.0.2.68 port 34916"),
            Some(SshdMsg::Refused {
                user: Some(""),
                host: "192.0.2.68",
                invalid: true,
                reason: "invalid user"
            })
        );
        assert!(matches!(
            classify(
                "Connection closed by authenticating user root 192.0.2.10 port 46038 [preauth]"
            ),
            Some(SshdMsg::Probe {
                host: "192.0.2.10",
                user: Some("root"),
                preauth: true
            })
        ));
        assert_eq!(
            classify("Received disconnect from 10.0.0.5 port 4444:11: disconnected by user"),
            None
        );
        assert_eq!(
            classify("Connection closed by 61.0.0.1").map(|_| ()),
            Some(())
        );
        assert_eq!(
            classify("Server listening on 0.0.0.0 port 22."),
            Some(SshdMsg::Started)
        );
    }

    #[test]
    fn garbage_is_ignored() {
        for m in [
            "",
            "F",
            "Failed ",
            "Failed x for",
            "Accepted for from",
            "Invalid user",
            "User  not allowed because ",
            "Received disconnect from ",
        ] {
            let _ = classify(m);
        }
    }
}
