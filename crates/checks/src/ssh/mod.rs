//! Checks of the `ssh` area: sshd's configuration and binary, and the per-user SSH login hooks
//! (authorized keys, rc files), which report under the `persistence` area.

use crate::Check;

mod authorized_keys;
mod authorized_keys_config;
mod config_source;
mod empty_passwords;
mod gateway_ports;
mod password_auth;
mod permit_root_login;
mod port;
mod rc;
mod sshd_binary;
#[cfg(test)]
pub(crate) mod testing;

/// Every check of this area.
pub static ALL: &[&dyn Check] = &[
    &permit_root_login::PermitRootLogin,
    &password_auth::PasswordAuthentication,
    &empty_passwords::PermitEmptyPasswords,
    &authorized_keys_config::AuthorizedKeysConfig,
    &port::NonStandardPort,
    &gateway_ports::GatewayPorts,
    &sshd_binary::SshdBinary,
    &authorized_keys::AuthorizedKeys,
    &rc::SshRc,
];
