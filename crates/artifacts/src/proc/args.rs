//! `/proc/PID/cmdline` and `/proc/PID/environ`: the argument vector and the environment.
//!
//! Both live under `/proc/PID/` (live only) as NUL-separated byte strings the process itself
//! controls: malware rewrites its argv to look like `[kworker/0:1]`, and puts newlines or ANSI
//! escapes in it to break the responder's table. The environment reveals `LD_PRELOAD` /
//! `LD_LIBRARY_PATH` injection and `HISTFILE=/dev/null` (history suppression), so those keys are
//! kept; the rest of the environment (which may hold secrets) is not copied.

use std::collections::BTreeMap;

use huoyan_core::text::bytes_to_string;

/// Environment keys the snapshot keeps: library injection and history evasion.
pub const INTERESTING_ENV: &[&str] = &[
    "LD_PRELOAD",
    "LD_LIBRARY_PATH",
    "LD_AUDIT",
    "HISTFILE",
    "HISTSIZE",
    "HISTCONTROL",
    "SSH_CONNECTION",
];

/// Splits a NUL-separated argument vector. Invalid UTF-8 is kept as `\xNN`; an empty input (a
/// kernel thread, or a zombie) gives no arguments. A process that overwrote its argv area without
/// NULs gives a single argument.
pub fn parse_cmdline(data: &[u8]) -> Vec<String> {
    let trimmed = data.strip_suffix(b"\0").unwrap_or(data);
    if trimmed.is_empty() {
        return Vec::new();
    }
    trimmed.split(|&b| b == 0).map(bytes_to_string).collect()
}

/// Picks the `keys` out of a NUL-separated `KEY=value` environment block. Entries without `=`
/// are ignored; the last occurrence of a key wins (as for getenv on most libcs, the first wins;
/// both are kept as `KEY`, `KEY#2` when they differ, since a duplicate is itself suspicious).
pub fn parse_environ(data: &[u8], keys: &[&str]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in data.split(|&b| b == 0) {
        let Some(eq) = memchr::memchr(b'=', entry) else {
            continue;
        };
        let Ok(key) = std::str::from_utf8(&entry[..eq]) else {
            continue;
        };
        if !keys.contains(&key) {
            continue;
        }
        let value = bytes_to_string(&entry[eq + 1..]);
        match out.get(key) {
            None => {
                out.insert(key.to_string(), value);
            }
            Some(old) if *old == value => {}
            Some(_) => {
                let mut n = 2;
                while out.contains_key(&format!("{key}#{n}")) {
                    n += 1;
                }
                out.insert(format!("{key}#{n}"), value);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmdline_splits_and_keeps_hostile_bytes() {
        assert_eq!(
            parse_cmdline(b"/usr/bin/python3\0-m\0http.server\0"),
            vec!["/usr/bin/python3", "-m", "http.server"]
        );
        assert_eq!(parse_cmdline(b"x\ny\x1b[2J\0"), vec!["x\ny\x1b[2J"]);
        assert_eq!(parse_cmdline(b"a\xff\0"), vec!["a\\xff"]);
        assert!(parse_cmdline(b"").is_empty());
        // Truncated (no final NUL) and a rewritten argv (spaces, no NULs).
        assert_eq!(parse_cmdline(b"/bin/sle"), vec!["/bin/sle"]);
        assert_eq!(parse_cmdline(b"[kworker/0:1] x"), vec!["[kworker/0:1] x"]);
    }

    #[test]
    fn environ_keeps_only_interesting_keys() {
        let env = parse_environ(
            b"PATH=/bin\0LD_PRELOAD=/tmp/.x.so\0HISTFILE=/dev/null\0SECRET=pw\0garbage\0\xff=1\0",
            INTERESTING_ENV,
        );
        assert_eq!(
            env.get("LD_PRELOAD").map(String::as_str),
            Some("/tmp/.x.so")
        );
        assert_eq!(env.get("HISTFILE").map(String::as_str), Some("/dev/null"));
        assert!(!env.contains_key("SECRET") && !env.contains_key("PATH"));
        let dup = parse_environ(b"LD_PRELOAD=a\0LD_PRELOAD=b\0", INTERESTING_ENV);
        assert_eq!(dup.get("LD_PRELOAD#2").map(String::as_str), Some("b"));
        assert!(parse_environ(b"LD_PRELO", INTERESTING_ENV).is_empty());
    }
}
