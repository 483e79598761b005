//! Who is collecting: the collector part of the chain-of-custody record.
//!
//! Investigators later need to know which account ran huoyan, through which login (sudo from
//! whom, SSH from which address), so the responder's session can be told apart from the
//! attacker's in the very logs the bundle holds.

use huoyan_artifacts::users::parse_passwd;
use huoyan_core::Root;

use crate::manifest::Collector;

/// Environment variables that say who is behind the session (values escaped).
const IDENTITY_VARS: &[&str] = &[
    "SUDO_USER",
    "SUDO_UID",
    "LOGNAME",
    "USER",
    "SSH_CONNECTION",
    "SSH_TTY",
];

/// Describes the running process's identity.
pub fn collector() -> Collector {
    let uid = rustix::process::getuid().as_raw();
    let euid = rustix::process::geteuid().as_raw();
    // The responder's account lives on the machine huoyan runs on, whatever --root says. Only
    // its passwd is read: a name needs nothing else, and the host's shadow is none of the case's
    // business (issue 23: collect --root IMAGE used to read the host's shadow and group too).
    let (user, user_source) = host_user_name(uid);
    let environment = IDENTITY_VARS
        .iter()
        .filter_map(|name| {
            std::env::var_os(name).map(|v| {
                (
                    (*name).to_string(),
                    huoyan_core::text::bytes_to_string(std::os::unix::ffi::OsStrExt::as_bytes(
                        v.as_os_str(),
                    )),
                )
            })
        })
        .collect();
    Collector {
        uid,
        euid,
        user,
        user_source,
        environment,
    }
}

/// The host's passwd, read through the host root (capped, O_NOATIME, no special file).
const HOST_PASSWD: &str = "/etc/passwd";
const PASSWD_CAP: u64 = 8 << 20;

/// The name of `uid` from the host's `/etc/passwd` only, and where it came from.
pub fn host_user_name(uid: u32) -> (Option<String>, String) {
    match Root::host().read_capped(HOST_PASSWD, PASSWD_CAP) {
        Ok(c) => {
            let name = parse_passwd(&c.data)
                .into_iter()
                .find(|p| p.uid == Some(uid))
                .map(|p| p.name);
            let source = match &name {
                Some(_) => format!("{HOST_PASSWD} of the machine huoyan ran on"),
                None => format!("uid {uid} not in {HOST_PASSWD} of the machine huoyan ran on"),
            };
            (name, source)
        }
        Err(e) => (
            None,
            format!("{HOST_PASSWD} of the machine huoyan ran on: {e}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn knows_own_uid() {
        let c = super::collector();
        assert_eq!(c.uid, rustix::process::getuid().as_raw());
    }

    /// Issue 23 item 7: the name comes from the host's passwd and custody says so.
    #[test]
    fn the_name_comes_from_the_host_passwd_and_says_so() {
        let c = super::collector();
        assert!(c.user_source.contains("/etc/passwd"), "{}", c.user_source);
        if c.user.is_some() {
            assert!(c.user_source.contains("machine huoyan ran on"));
        }
    }
}
