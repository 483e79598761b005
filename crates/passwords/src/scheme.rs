//! Hash schemes of `crypt(3)` as `/etc/shadow` holds them, and testing one candidate against a
//! hash.
//!
//! A shadow field is attacker-controlled text: it is classified without trusting it, its cost
//! parameters are read before any hashing and hashes whose cost would take more memory or time
//! than an audit can afford are refused ([`Target::prepare`]), so a planted
//! `$y$jFT$…` (gigabytes of yescrypt memory) or `$6$rounds=999999999$…` cannot stall a triage.

use serde::Serialize;

/// The hash scheme of a shadow field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scheme {
    /// `$6$`
    Sha512Crypt,
    /// `$5$`
    Sha256Crypt,
    /// `$1$`
    Md5Crypt,
    /// `$2a$`, `$2b$`, `$2y$`
    Bcrypt,
    /// `$y$`
    Yescrypt,
    /// 13 characters of traditional DES crypt.
    Des,
    /// `$gy$`
    GostYescrypt,
    /// `$7$`
    Scrypt,
    /// Any other `$id$`.
    Unknown,
}

impl Scheme {
    /// The name used in output.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Sha512Crypt => "sha512crypt",
            Scheme::Sha256Crypt => "sha256crypt",
            Scheme::Md5Crypt => "md5crypt",
            Scheme::Bcrypt => "bcrypt",
            Scheme::Yescrypt => "yescrypt",
            Scheme::Des => "des",
            Scheme::GostYescrypt => "gost-yescrypt",
            Scheme::Scrypt => "scrypt",
            Scheme::Unknown => "unknown",
        }
    }

    /// True when huoyan can test candidates against this scheme.
    pub fn testable(self) -> bool {
        !matches!(
            self,
            Scheme::GostYescrypt | Scheme::Scrypt | Scheme::Unknown
        )
    }
}

/// What a shadow hash field says about the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashState {
    /// Empty: no password is needed (reported by `accounts.empty_password`).
    Empty,
    /// `!`, `*`, `!!`, `!$6$…`: password login is locked.
    Locked,
    /// A hash in a scheme.
    Hash(Scheme),
}

const CRYPT64: &[u8] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn is_crypt64(s: &str) -> bool {
    s.bytes().all(|b| CRYPT64.contains(&b))
}

/// Classifies a shadow (or passwd) hash field.
pub fn classify(field: &str) -> HashState {
    if field.is_empty() {
        return HashState::Empty;
    }
    if field.starts_with(['!', '*']) {
        return HashState::Locked;
    }
    let scheme = if field.starts_with("$6$") {
        Scheme::Sha512Crypt
    } else if field.starts_with("$5$") {
        Scheme::Sha256Crypt
    } else if field.starts_with("$1$") {
        Scheme::Md5Crypt
    } else if ["$2a$", "$2b$", "$2y$"]
        .iter()
        .any(|p| field.starts_with(p))
    {
        Scheme::Bcrypt
    } else if field.starts_with("$y$") {
        Scheme::Yescrypt
    } else if field.starts_with("$gy$") {
        Scheme::GostYescrypt
    } else if field.starts_with("$7$") {
        Scheme::Scrypt
    } else if field.len() == 13 && is_crypt64(field) {
        Scheme::Des
    } else if field.starts_with('$') {
        Scheme::Unknown
    } else {
        // Anything else (`x`, `NP`, `LK`, one character) can match no password: crypt() never
        // produces it, so login with a password is impossible.
        return HashState::Locked;
    };
    HashState::Hash(scheme)
}

/// Largest yescrypt memory (N·r·128 bytes) tested: 64 MiB (Debian's default `j9T` uses 16 MiB).
pub const MAX_YESCRYPT_MEMORY: u64 = 64 << 20;
/// Most passes over that memory per attempt (p·(t+1); Debian writes 1).
pub const MAX_YESCRYPT_WORK: u64 = 4;
/// Largest SHA-crypt `rounds=` tested (the default is 5,000).
pub const MAX_SHA_ROUNDS: u64 = 1_000_000;
/// Largest bcrypt cost tested (2^14 rounds; 10–12 is usual).
pub const MAX_BCRYPT_COST: u32 = 14;

/// Why a hash cannot be tested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Untestable {
    /// No implementation for this scheme.
    #[error("scheme {0} is not testable by huoyan")]
    Scheme(&'static str),
    /// The field does not parse as its scheme.
    #[error("malformed {0} hash")]
    Malformed(&'static str),
    /// Its cost parameters exceed what an audit spends on one attempt.
    #[error("{0}")]
    TooCostly(String),
}

/// A hash ready to be tested: scheme known, format and cost checked.
#[derive(Debug, Clone)]
pub struct Target {
    scheme: Scheme,
    hash: String,
}

impl Target {
    /// Checks the field's format and cost; `Err` says why it cannot be tested.
    pub fn prepare(scheme: Scheme, hash: &str) -> Result<Target, Untestable> {
        let name = scheme.name();
        let parts: Vec<&str> = hash.split('$').collect();
        match scheme {
            Scheme::GostYescrypt | Scheme::Scrypt | Scheme::Unknown => {
                return Err(Untestable::Scheme(name))
            }
            Scheme::Sha512Crypt | Scheme::Sha256Crypt => {
                let want = if scheme == Scheme::Sha512Crypt {
                    86
                } else {
                    43
                };
                let ok = (4..=5).contains(&parts.len())
                    && parts
                        .last()
                        .is_some_and(|h| h.len() == want && is_crypt64(h));
                if !ok {
                    return Err(Untestable::Malformed(name));
                }
                if let Some(r) = parts[2].strip_prefix("rounds=") {
                    let rounds: u64 = r.parse().map_err(|_| Untestable::Malformed(name))?;
                    if rounds > MAX_SHA_ROUNDS {
                        return Err(Untestable::TooCostly(format!(
                            "{name} with rounds={rounds} (more than {MAX_SHA_ROUNDS} per attempt)"
                        )));
                    }
                }
            }
            Scheme::Md5Crypt => {
                if parts.len() != 4
                    || parts[2].len() > 8
                    || !parts[2].bytes().all(|b| b.is_ascii_graphic())
                    || parts[3].len() != 22
                    || !is_crypt64(parts[3])
                {
                    return Err(Untestable::Malformed(name));
                }
            }
            Scheme::Bcrypt => {
                let cost: u32 = match parts.get(2) {
                    Some(c) if parts.len() == 4 && c.len() == 2 => {
                        c.parse().map_err(|_| Untestable::Malformed(name))?
                    }
                    _ => return Err(Untestable::Malformed(name)),
                };
                if cost > MAX_BCRYPT_COST {
                    return Err(Untestable::TooCostly(format!(
                        "bcrypt cost {cost} (more than {MAX_BCRYPT_COST})"
                    )));
                }
                if parts[3].len() != 53 {
                    return Err(Untestable::Malformed(name));
                }
            }
            Scheme::Yescrypt => {
                if parts.len() != 5 || parts[4].len() != 43 || !is_crypt64(parts[4]) {
                    return Err(Untestable::Malformed(name));
                }
                let (memory, work) = yescrypt_cost(parts[2]).ok_or(Untestable::Malformed(name))?;
                if work > MAX_YESCRYPT_WORK {
                    return Err(Untestable::TooCostly(format!(
                        "yescrypt parameters {:?} ask for {work} passes (p·(t+1); more than \
                         {MAX_YESCRYPT_WORK})",
                        parts[2]
                    )));
                }
                if memory > MAX_YESCRYPT_MEMORY {
                    return Err(Untestable::TooCostly(format!(
                        "yescrypt parameters {:?} need {} MiB per attempt (more than {} MiB)",
                        parts[2],
                        memory >> 20,
                        MAX_YESCRYPT_MEMORY >> 20
                    )));
                }
            }
            Scheme::Des => {}
        }
        Ok(Target {
            scheme,
            hash: hash.to_string(),
        })
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// True when `candidate` is the password of this hash. Malformed hashes that slipped past
    /// [`Target::prepare`] simply match nothing.
    pub fn matches(&self, candidate: &[u8]) -> bool {
        use sha_crypt::PasswordVerifier as _;
        match self.scheme {
            Scheme::Sha512Crypt | Scheme::Sha256Crypt => sha_crypt::ShaCrypt::default()
                .verify_password(candidate, self.hash.as_str())
                .is_ok(),
            Scheme::Yescrypt => yescrypt::PasswordVerifier::verify_password(
                &yescrypt::Yescrypt::default(),
                candidate,
                self.hash.as_str(),
            )
            .is_ok(),
            Scheme::Bcrypt => bcrypt::verify(candidate, &self.hash).unwrap_or(false),
            Scheme::Md5Crypt => pwhash::md5_crypt::verify(candidate, &self.hash),
            Scheme::Des => des_matches(candidate, &self.hash),
            Scheme::GostYescrypt | Scheme::Scrypt | Scheme::Unknown => false,
        }
    }
}

/// Traditional DES crypt uses only the first 8 characters, 7 bits each; pwhash compares the
/// whole string.
fn des_matches(candidate: &[u8], hash: &str) -> bool {
    // pwhash refuses (does not panic on) non-ASCII input; crypt() drops the 8th bit.
    let clipped: Vec<u8> = candidate.iter().take(8).map(|b| b & 0x7f).collect();
    if clipped.contains(&0) {
        return false;
    }
    pwhash::unix_crypt::verify(clipped, hash)
}

/// Cost of one yescrypt attempt from its parameter field (`j9T`): memory N·r·128 bytes, and the
/// number of passes over it, p·(t+1).
fn yescrypt_cost(params: &str) -> Option<(u64, u64)> {
    let bytes = params.as_bytes();
    let (_flavor, pos) = decode64_uint32(bytes, 0, 0)?;
    let (nlog2, pos) = decode64_uint32(bytes, pos, 1)?;
    let (r, mut pos) = decode64_uint32(bytes, pos, 1)?;
    if nlog2 > 40 {
        return None;
    }
    let (mut p, mut t) = (1u64, 0u64);
    if pos < bytes.len() {
        let (have, next) = decode64_uint32(bytes, pos, 1)?;
        pos = next;
        if have & 0x01 != 0 {
            let (v, next) = decode64_uint32(bytes, pos, 2)?;
            (p, pos) = (u64::from(v), next);
        }
        if have & 0x02 != 0 {
            let (v, _) = decode64_uint32(bytes, pos, 1)?;
            t = u64::from(v);
        }
    }
    let memory = (1u64 << nlog2)
        .checked_mul(u64::from(r))?
        .checked_mul(128)?;
    Some((memory, p.checked_mul(t + 1)?))
}

/// yescrypt's variable-width number encoding (after its reference implementation).
fn decode64_uint32(src: &[u8], mut pos: usize, min: u32) -> Option<(u32, usize)> {
    let value = |b: u8| CRYPT64.iter().position(|&c| c == b).map(|v| v as u32);
    let n = value(*src.get(pos)?)?;
    pos += 1;
    let (mut start, mut end, mut chars, mut bits) = (0u32, 47u32, 1u32, 0u32);
    let mut dst = min;
    while n > end {
        dst = dst.checked_add((end + 1 - start).checked_shl(bits)?)?;
        start = end + 1;
        end = start + (62 - end) / 2;
        chars += 1;
        bits += 6;
    }
    dst = dst.checked_add((n - start).checked_shl(bits)?)?;
    while chars > 1 {
        chars -= 1;
        if bits < 6 {
            return None;
        }
        let c = value(*src.get(pos)?)?;
        pos += 1;
        bits -= 6;
        dst = dst.checked_add(c.checked_shl(bits)?)?;
    }
    Some((dst, pos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_fields() {
        assert_eq!(classify(""), HashState::Empty);
        for locked in ["!", "*", "!!", "!$6$a$b", "x", "NP"] {
            assert_eq!(classify(locked), HashState::Locked, "{locked}");
        }
        assert_eq!(classify("$y$j9T$a$b"), HashState::Hash(Scheme::Yescrypt));
        assert_eq!(classify("abcdefghijklm"), HashState::Hash(Scheme::Des));
        assert_eq!(classify("$2y$10$x"), HashState::Hash(Scheme::Bcrypt));
        assert_eq!(classify("$gy$x"), HashState::Hash(Scheme::GostYescrypt));
    }

    #[test]
    fn yescrypt_cost_is_read_before_hashing() {
        assert_eq!(yescrypt_cost("j9T"), Some((16 << 20, 1)));
        let planted = "$y$jFT$abcdefghijklmnopqrstuv$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";
        assert!(matches!(
            Target::prepare(Scheme::Yescrypt, planted),
            Err(Untestable::TooCostly(_))
        ));
        assert!(Target::prepare(Scheme::Yescrypt, "$y$").is_err());
        // `.` = have 1 (p follows), `9` = p 13: 13 passes over the memory.
        assert_eq!(yescrypt_cost("j9T.9").map(|c| c.1), Some(13));
        assert!(yescrypt_cost("j9T.").is_none());
        assert!(Target::prepare(Scheme::Yescrypt, "$y$\u{7f}\u{7f}$a$b").is_err());
    }

    #[test]
    fn costly_and_malformed_fields_are_refused() {
        assert!(matches!(
            Target::prepare(
                Scheme::Sha512Crypt,
                &format!("$6$rounds=999999999$salt${}", "a".repeat(86))
            ),
            Err(Untestable::TooCostly(_))
        ));
        assert!(matches!(
            Target::prepare(
                Scheme::Bcrypt,
                "$2b$31$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyzABCDE"
            ),
            Err(Untestable::TooCostly(_))
        ));
        assert!(Target::prepare(Scheme::Md5Crypt, "$1$salt$short").is_err());
        assert!(Target::prepare(Scheme::Scrypt, "$7$whatever").is_err());
        assert!(Target::prepare(Scheme::Sha512Crypt, "$6$salt$not-base64!!").is_err());
        // A field of the right shape but junk content never panics and matches nothing.
        let junk = format!("$6$salt${}", "z".repeat(86));
        let t = Target::prepare(Scheme::Sha512Crypt, &junk).expect("shape");
        assert!(!t.matches(b"x"));
    }
}
