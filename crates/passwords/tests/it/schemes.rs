//! Each scheme: libxcrypt's hashes verify with the right password and not with a wrong one; the
//! project's own hashing reproduces libxcrypt's strings; fresh hashes from python's `crypt` (when
//! the interpreter has it) verify too.

use huoyan_passwords::{classify, HashState, Scheme, Target};

use crate::{STRONG, VECTORS};

fn target(hash: &str) -> Target {
    let HashState::Hash(scheme) = classify(hash) else {
        panic!("not a hash: {hash}");
    };
    Target::prepare(scheme, hash).expect("testable")
}

#[test]
fn every_scheme_verifies_libxcrypt_hashes() {
    let mut schemes = Vec::new();
    for (password, hash) in VECTORS.iter().chain(STRONG) {
        let t = target(hash);
        assert!(t.matches(password.as_bytes()), "{hash}");
        assert!(!t.matches(b"not-the-password"), "{hash}");
        schemes.push(t.scheme());
    }
    for s in [
        Scheme::Sha512Crypt,
        Scheme::Sha256Crypt,
        Scheme::Md5Crypt,
        Scheme::Bcrypt,
        Scheme::Yescrypt,
        Scheme::Des,
    ] {
        assert!(schemes.contains(&s), "{s:?} has no vector");
    }
}

#[test]
#[allow(deprecated)]
fn des_uses_eight_characters_like_crypt() {
    // crypt(3) DES ignores everything after the 8th character.
    let t = target("xOG7MZAw998Cc");
    assert!(t.matches(b"qwe123"));
    let long = target(&pwhash::unix_crypt::hash_with("ab", "password").expect("des"));
    assert!(long.matches(b"password-and-more"));
}

#[test]
#[allow(deprecated)] // md5crypt and DES are what is being audited, not used to store passwords.
fn own_hashing_reproduces_libxcrypt() {
    // The project's own md5crypt and DES (pwhash) write libxcrypt's strings byte for byte; the
    // other schemes are checked by verification against libxcrypt's hashes above and below.
    assert_eq!(
        pwhash::md5_crypt::hash_with("$1$Qm4Rt7Yz", "P@ssw0rd").expect("md5"),
        VECTORS[3].1
    );
    assert_eq!(
        pwhash::unix_crypt::hash_with("xO", "qwe123").expect("des"),
        VECTORS[5].1
    );
}

/// Tiny deterministic generator for fresh passwords and salts (no test-only crates needed).
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn fresh_hashes_from_python_crypt_verify() {
    let probe = std::process::Command::new("python3")
        .args(["-W", "ignore", "-c", "import crypt"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("python3 with the crypt module is not available: cross-check skipped");
        return;
    }
    const ALPHABET: &[u8] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut state = 0x9e37_79b9_7f4a_7c15u64
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
    let word = |len: usize, state: &mut u64| -> String {
        (0..len)
            .map(|_| ALPHABET[(next(state) % 64) as usize] as char)
            .collect()
    };
    for prefix in ["$6$", "$5$", "$1$", "$2b$05$", "$y$j9T$", ""] {
        let password = word(10, &mut state);
        let salt = match prefix {
            "$2b$05$" => format!("{prefix}{}.", word(21, &mut state)),
            "" => word(2, &mut state),
            _ => format!("{prefix}{}", word(8, &mut state)),
        };
        let out = std::process::Command::new("python3")
            .args([
                "-W",
                "ignore",
                "-c",
                "import crypt,sys; print(crypt.crypt(sys.argv[1], sys.argv[2]))",
                &password,
                &salt,
            ])
            .output()
            .expect("python3");
        let hash = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let t = target(&hash);
        assert!(t.matches(password.as_bytes()), "{password} {hash}");
        assert!(!t.matches(format!("{password}x").as_bytes()) || prefix.is_empty());
    }
}
