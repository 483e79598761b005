//! The sudoers, sshd_config, authorized_keys, login.defs and file-capability parsers never
//! panic, whatever bytes they are given: pseudo-random inputs built from the characters that
//! matter to each grammar (quotes, commas, colons, backslashes, `=`, `#`, `%`, parentheses,
//! newlines, invalid UTF-8), plus every truncation of real lines.

use huoyan_artifacts::{authorized_keys, file_caps, login_defs, sshd_config, sudoers};

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

const ALPHABET: &[u8] = b"\"',:=#%\\()[]*?! \t\nabcALLNOPASSWD@includedir/etc\xff\xfe\xc3\x00-";

fn inputs() -> Vec<Vec<u8>> {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut out = Vec::new();
    for _ in 0..3000 {
        let len = (rng.next() % 120) as usize;
        out.push(
            (0..len)
                .map(|_| ALPHABET[(rng.next() % ALPHABET.len() as u64) as usize])
                .collect(),
        );
    }
    let real: &[&[u8]] = &[
        b"www-data ALL=(ALL:ALL) NOPASSWD: /usr/bin/find, PASSWD: /bin/ls : host2 = ALL\n",
        b"Defaults:%sudo env_keep += \"LD_PRELOAD\", !authenticate\n",
        b"Match User backup Address 10.0.0.0/8\n  AuthorizedKeysFile \"/etc/ssh/keys/%u\" %h/.ssh/k\n",
        b"command=\"/bin/sh -c \\\"x,y\\\"\",from=\"1.2.3.4\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 c\n",
        b"\x00\x00\x00\x03\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xe8\x03\x00\x00",
    ];
    for line in real {
        for cut in 0..=line.len() {
            out.push(line[..cut].to_vec());
        }
    }
    out
}

#[test]
fn parsers_survive_garbage() {
    for input in inputs() {
        let _ = sudoers::parse(&input);
        let _ = sshd_config::parse(&input);
        let _ = sshd_config::SshdConfig::from_single("/x", &input);
        let _ = authorized_keys::parse(&input);
        let _ = login_defs::parse(&input);
        let _ = file_caps::parse(&input);
        let _ = sshd_config::glob_match(&input, b"abc.conf");
        let text = String::from_utf8_lossy(&input);
        let _ = authorized_keys::expand_path(&text, "/home/a", "a", 1000);
        let _ = authorized_keys::parse_options(&text);
    }
}
