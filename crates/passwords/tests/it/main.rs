//! Integration tests of huoyan-passwords: every scheme against hashes made by libxcrypt (python's
//! `crypt`), and whole audits on fixture roots.

#![allow(clippy::disallowed_methods)]

mod audit;
mod schemes;

/// Fixture hashes made with python3's `crypt` (libxcrypt) — password, hash.
pub const VECTORS: &[(&str, &str)] = &[
    ("admin123", "$6$Hy9cR2mQ$GyXT4XqigOvoyd87kkjgdZrLTOo8FxpAVOoMVHzfN1Hj0cYPXy5f1/mGTr1dIyD55jQbWI0Uhio0XMRc7OhOr/"),
    ("alice@123", "$y$j9T$LdJMENpBABJJ3hIHjB1Bi.$nrFRfauCUHlagt9EpIlrPQzX.Za4O6N22jUGDE2KPV3"),
    ("web01@2024", "$5$Wq8Zt3Lx$Y7EbOQ6Tyei9d8rWJXuozPqKltafsTNmCQ953zjzd0C"),
    ("P@ssw0rd", "$1$Qm4Rt7Yz$ymbZVNVQ.L7HpCJMoq/6x0"),
    ("toor", "$2b$05$CCCCCCCCCCCCCCCCCCCCC.2YD8owBh3YtDGOo62LF70B5/eEdQAVK"),
    ("qwe123", "xOG7MZAw998Cc"),
    ("zhangsan", "$2y$05$XXXXXXXXXXXXXXXXXXXXXOaeDwYdS3f5KxwFN7hMw3KdbzVKpbtBm"),
];

/// Strong random passwords and their libxcrypt hashes.
pub const STRONG: &[(&str, &str)] = &[
    ("Kq7#vTz9!pWm2Lr8", "$6$Tn3bV8xQ$LBFpZSKI3j0MoRrJ7rzGC5J74IBRiO4hgI9Lr1sDtEBxONOS6K5KvDhnrt37ILN382jzg.l886pz3Spf6KtoM1"),
    ("Xf4@Rk9s$Lm2Qw7e", "$y$j9T$F5dC1pQb0Jx.Zk7Lw3Hn9/$siiQ.NwRAkGpccckF7FhHy7R54WKNvmee4ZoRpasxu4"),
    ("H8s!mZ2q#Nc5Tv1y", "$1$Pz8Lk3Vb$/V78b65ApAao8twFa0Icn1"),
    ("Bx3$Tq8zMv6!Wp2r", "$2b$05$DDDDDDDDDDDDDDDDDDDDDOsz/fhR1BByS5WvZygbfJIz1Om5jVtN2"),
];
