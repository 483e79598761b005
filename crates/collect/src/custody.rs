//! Who is collecting: the collector part of the chain-of-custody record.
//!
//! Investigators later need to know which account ran huoyan, through which login (sudo from
//! whom, SSH from which address), so the responder's session can be told apart from the
//! attacker's in the very logs the bundle holds.

use huoyan_artifacts::users::UserDb;
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
    // The responder's account lives on the machine huoyan runs on, whatever --root says.
    let (db, _) = UserDb::read(&Root::host());
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
        user: db.user_name(uid).map(str::to_string),
        environment,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn knows_own_uid() {
        let c = super::collector();
        assert_eq!(c.uid, rustix::process::getuid().as_raw());
    }
}
