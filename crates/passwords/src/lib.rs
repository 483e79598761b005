//! huoyan-passwords: tests the password hashes of `/etc/shadow` (and hashes left in
//! `/etc/passwd`) against candidate passwords.
//!
//! **What it reads:** `/etc/passwd`, `/etc/shadow` and `/etc/hostname` under the examined root
//! (through [`huoyan_core::Root`], so `--root /mnt/image` works on an image), plus the
//! responder's own wordlists.
//!
//! **Why it matters to a responder:** a root password such as `admin123` is how many servers are
//! taken (SSH brute force succeeds on the first hundred guesses), and it stays a way back in until
//! it is changed. huoyan reads every scheme Linux writes — yescrypt (`$y$`), sha512crypt (`$6$`),
//! sha256crypt (`$5$`), bcrypt (`$2a$`/`$2b$`/`$2y$`), md5crypt (`$1$`) and DES — and tries a
//! compact built-in list (`rules/passwords/common.txt`) and words derived from the host itself
//! (user names, host name, GECOS, years) within a time budget. Locked accounts are never tested;
//! schemes it cannot test (gost-yescrypt, scrypt) and hashes whose cost parameters exceed what
//! one attempt may spend are reported, never skipped silently. The cleartext of a found password
//! is kept in memory for `huoyan passwords --reveal` only and never serialised.

#![cfg_attr(test, allow(clippy::disallowed_methods))]

pub mod audit;
pub mod candidates;
pub mod scheme;

pub use audit::{accounts_of, audit, Account, Config, Hit, NotTested, NotTestedWhy, Report, Reuse};
pub use candidates::{Origin, Wordlist};
pub use scheme::{classify, HashState, Scheme, Target, Untestable};

use huoyan_core::Root;

/// The host name for derived candidates: the root's `/etc/hostname` (first word of its first
/// line), `None` when absent or unreadable.
pub fn hostname(root: &Root) -> Option<String> {
    let data = root.read_capped("/etc/hostname", 4096).ok()?;
    let text = String::from_utf8_lossy(&data.data);
    let name = text.lines().next()?.split_whitespace().next()?.to_string();
    (!name.is_empty()).then_some(name)
}
