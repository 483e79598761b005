//! Test data for the ssh checks.

/// Debian 12's stock /etc/ssh/sshd_config (openssh-server 1:9.2p1-2, from
/// /usr/share/openssh/sshd_config; BSD licence, see /usr/share/doc/openssh-server/copyright).
pub(crate) const DEBIAN_SSHD_CONFIG: &str =
    include_str!("../../../../tests/fixtures/scan-ssh-clean/etc/ssh/sshd_config");
