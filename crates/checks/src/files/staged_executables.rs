//! `files.staged_executables` — programs, scripts and miner configurations staged in the
//! world-writable places of the root (`/tmp`, `/var/tmp`, `/dev/shm`), found by their content,
//! on a live host and on an image alike.
//!
//! **What it looks at:** every regular file below `/tmp`, `/var/tmp`, `/dev/shm` and `/run/shm`
//! (symlinks never followed, one filesystem, depth and count capped with a gap): the first bytes
//! (ELF magic, `#!` interpreter line), and for small JSON or text files the keys of a miner's
//! configuration (`pools` with `url`/`user`, `stratum+tcp://`, `donate-level`, `randomx`).
//! Each finding carries the file's SHA-256, size, owner and times.
//!
//! **Why an attacker leaves this trace:** a downloaded implant, a miner and its `config.json`, or a
//! dropper script are written where any user may write, often into a hidden directory
//! (`/tmp/.ICE-unix/.x/`, `/var/tmp/.cache/`). On an image there is no process to point at them,
//! so the file itself must be recognised.
//!
//! **Severity:** a miner's configuration, or a program with mining strings in a hidden place, is
//! critical; a program with mining strings elsewhere, or any ELF program in a hidden directory or
//! under a hidden name, is high (the responder's own copy of huoyan, which carries detection
//! strings, is recognised by its hash and left out); an ELF elsewhere in these places
//! is medium (installers and build tools unpack there too); a script in a hidden place is medium
//! and elsewhere low. A directory holding a whole unpacked OS tree (a chroot, a build root or a
//! container store: it has `etc/` and `usr/bin/`) is one low finding, not one per file.
//!
//! **Example:** `/var/tmp/.cache/kworker: ELF program in a hidden directory of a world-writable
//! place; mining strings (xmrig, stratum+tcp)`.
//!
//! **ATT&CK:** T1105 (Ingress Tool Transfer), T1564.001 (Hidden Files and Directories), T1496
//! (Resource Hijacking).

use std::io::Read;
use std::path::{Path, PathBuf};

use huoyan_core::root::{WalkControl, WalkOptions};
use huoyan_core::{CheckInfo, FileKind, Gap, GapReason, Outcome, Root, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct StagedExecutables;

static INFO: CheckInfo = CheckInfo {
    id: "files.staged_executables",
    title: "Program, script or miner staged in a world-writable place",
    title_zh: "全局可写目录中存放的程序、脚本或挖矿配置",
    mitre: &["T1105", "T1564.001", "T1496"],
    remediation: "Copy the file out with its hash before anything else (huoyan collect keeps it), \
                  find the process that ran it and how it arrived (shell histories, web and auth \
                  logs around its times), then remove it and whatever starts it (cron, services).",
    remediation_zh: "先连同哈希值取证保存该文件（huoyan collect 会收集），查明运行它的进程以及它\
                     如何落地（对照其时间查看命令历史、Web 与认证日志），再删除它及其启动项\
                     （计划任务、服务）。",
};

/// The world-writable places examined.
const PLACES: &[&str] = &["/tmp", "/var/tmp", "/dev/shm", "/run/shm"];

/// Deepest level examined below a place.
const MAX_DEPTH: usize = 12;

/// Most entries examined below one place.
const MAX_ENTRIES: usize = 50_000;

/// Bytes read from the start of each file to recognise it.
const HEAD_BYTES: usize = 4096;

/// Most bytes searched for mining strings in one program.
const MINER_SCAN_BYTES: u64 = 16 << 20;

/// Most findings of one place before the rest are counted in one line.
const MAX_FINDINGS_PER_PLACE: usize = 50;

/// Words of a miner's configuration or binary (lower case).
const MINER_WORDS: &[&[u8]] = &[
    b"stratum+tcp://",
    b"stratum+ssl://",
    b"stratum2+tcp://",
    b"xmrig",
    b"randomx",
    b"cryptonight",
    b"donate-level",
    b"nicehash",
    b"minexmr",
    b"supportxmr",
    b"nanopool",
    b"c3pool",
];

impl Check for StagedExecutables {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        for place in PLACES {
            examine_place(&ctx.root, Path::new(place), out);
        }
    }
}

/// What a staged file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Content {
    Elf,
    Script,
    MinerConfig,
}

fn examine_place(root: &Root, place: &Path, out: &mut Outcome) {
    match root.lstat(place) {
        Ok(meta) if meta.kind == FileKind::Dir => {}
        Ok(_) => return,
        Err(e) => {
            out.gap_from(INFO.id, &e, true);
            return;
        }
    }
    let opts = WalkOptions {
        max_depth: MAX_DEPTH,
        max_entries: MAX_ENTRIES,
        // The depth cap is reported below, as this check words it.
        report_depth_cap: false,
        ..WalkOptions::default()
    };
    let mut os_trees: Vec<PathBuf> = Vec::new();
    let mut files: Vec<huoyan_core::root::WalkEntry> = Vec::new();
    let mut errors: Vec<huoyan_core::RootError> = Vec::new();
    let mut depth_capped = false;
    let walked = root.walk(
        place,
        &opts,
        &mut |entry| {
            if entry.meta.kind == FileKind::Dir {
                if is_os_tree(root, &entry.path) {
                    os_trees.push(entry.path.clone());
                    return WalkControl::SkipDir;
                }
                if entry.depth + 1 >= MAX_DEPTH {
                    depth_capped = true;
                }
                return WalkControl::Continue;
            }
            if entry.meta.kind == FileKind::File && entry.meta.size > 0 {
                files.push(entry.clone());
            }
            WalkControl::Continue
        },
        &mut |e| errors.push(e),
    );
    if let Err(e) = walked {
        out.gap_from(INFO.id, &e, true);
        return;
    }
    for e in errors {
        out.gap(Gap::from_error(INFO.id, &e));
    }
    if depth_capped {
        out.gap(Gap {
            area: INFO.id.to_string(),
            path: Some(place.display().to_string()),
            reason: GapReason::Truncated,
            detail: format!("directories deeper than {MAX_DEPTH} levels were not examined"),
        });
    }
    for tree in &os_trees {
        out.add(
            INFO.finding(
                Severity::Low,
                format!(
                    "{}: an unpacked operating-system tree (chroot, build root or container \
                     store) in a world-writable place; its programs are not listed one by one",
                    tree.display()
                ),
            )
            .path(tree.display().to_string())
            .evidence(json!({"reason": "os_tree"})),
        );
    }
    let mut reported = 0usize;
    let mut left_out = 0usize;
    let mut own_exe = OwnExe::default();
    for entry in &files {
        let Some((content, miner_words)) = classify(root, entry) else {
            continue;
        };
        // The responder's own copy of huoyan (it carries detection strings) is not the attacker's.
        if content == Content::Elf && own_exe.is_copy(root, entry) {
            continue;
        }
        let hidden = is_hidden_below(&entry.path, place);
        let severity = match content {
            Content::MinerConfig => Severity::Critical,
            Content::Elf if !miner_words.is_empty() && hidden => Severity::Critical,
            Content::Elf if !miner_words.is_empty() || hidden => Severity::High,
            Content::Elf => Severity::Medium,
            Content::Script if !miner_words.is_empty() || hidden => Severity::Medium,
            Content::Script => Severity::Low,
        };
        if reported >= MAX_FINDINGS_PER_PLACE && severity < Severity::Critical {
            left_out += 1;
            continue;
        }
        reported += 1;
        out.add(finding_for(
            root,
            entry,
            content,
            hidden,
            &miner_words,
            severity,
        ));
    }
    if left_out > 0 {
        out.add(
            INFO.finding(
                Severity::Low,
                format!(
                    "{left_out} more program(s) or script(s) below {} (only the first \
                     {MAX_FINDINGS_PER_PLACE} are listed)",
                    place.display()
                ),
            )
            .path(place.display().to_string()),
        );
    }
}

fn finding_for(
    root: &Root,
    entry: &huoyan_core::root::WalkEntry,
    content: Content,
    hidden: bool,
    miner_words: &[String],
    severity: Severity,
) -> huoyan_core::Finding {
    let what = match content {
        Content::Elf => "ELF program",
        Content::Script => "script",
        Content::MinerConfig => "cryptocurrency miner configuration",
    };
    let mut summary = format!(
        "{}: {what}{} of a world-writable place",
        entry.path.display(),
        if hidden {
            " in a hidden directory or under a hidden name"
        } else {
            ""
        }
    );
    if !miner_words.is_empty() {
        summary.push_str(&format!("; mining strings ({})", miner_words.join(", ")));
    }
    let sha256 = root
        .open_walked(entry)
        .ok()
        .and_then(|f| huoyan_core::hash::sha256_reader(f).ok())
        .map(|(h, _)| h);
    INFO.finding(severity, summary)
        .path(entry.path.display().to_string())
        .at(entry.meta.mtime)
        .evidence(json!({
            "content": what,
            "hidden": hidden,
            "miner_strings": miner_words,
            "sha256": sha256,
            "size": entry.meta.size,
            "uid": entry.meta.uid,
            "mode": format!("{:o}", entry.meta.perm()),
            "mtime": entry.meta.mtime,
            "ctime": entry.meta.ctime,
        }))
}

/// The running huoyan executable, to recognise the responder's own copy of it.
#[derive(Default)]
struct OwnExe {
    loaded: bool,
    size: u64,
    sha256: Option<String>,
}

impl OwnExe {
    #[allow(clippy::disallowed_methods)] // huoyan's own executable, not evidence
    fn is_copy(&mut self, root: &Root, entry: &huoyan_core::root::WalkEntry) -> bool {
        if !self.loaded {
            self.loaded = true;
            if let Ok(file) = std::fs::File::open("/proc/self/exe") {
                if let Ok((hash, size)) = huoyan_core::hash::sha256_reader(file) {
                    self.size = size;
                    self.sha256 = Some(hash);
                }
            }
        }
        let Some(own) = &self.sha256 else {
            return false;
        };
        entry.meta.size == self.size
            && root
                .open_walked(entry)
                .ok()
                .and_then(|f| huoyan_core::hash::sha256_reader(f).ok())
                .is_some_and(|(h, _)| &h == own)
    }
}

/// Recognises a file by its first bytes; returns what it is and the mining words it holds.
fn classify(root: &Root, entry: &huoyan_core::root::WalkEntry) -> Option<(Content, Vec<String>)> {
    let file = root.open_walked(entry).ok()?;
    let mut head = Vec::with_capacity(HEAD_BYTES);
    file.take(HEAD_BYTES as u64).read_to_end(&mut head).ok()?;
    if head.starts_with(b"\x7fELF") {
        let words = root
            .open_walked(entry)
            .ok()
            .map(|f| miner_words_in(f.take(MINER_SCAN_BYTES)))
            .unwrap_or_default();
        return Some((Content::Elf, words));
    }
    if head.starts_with(b"#!") {
        return Some((Content::Script, miner_words_in(&head[..])));
    }
    if entry.meta.size <= 1 << 20 && looks_like_text(&head) {
        let data = root
            .read_capped(&entry.path, 1 << 20)
            .ok()
            .map(|c| c.data)
            .unwrap_or_default();
        if is_miner_config(&data) {
            return Some((Content::MinerConfig, miner_words_in(&data[..])));
        }
    }
    None
}

/// True for a miner's configuration: a `pools` list with a URL or user, or a stratum URL next to
/// a wallet-like user, or an xmrig `donate-level`.
pub(crate) fn is_miner_config(data: &[u8]) -> bool {
    let lower = data.to_ascii_lowercase();
    let has = |w: &[u8]| memchr::memmem::find(&lower, w).is_some();
    let stratum = has(b"stratum+tcp://") || has(b"stratum+ssl://") || has(b"stratum2+tcp://");
    let pools = has(b"\"pools\"") && (has(b"\"url\"") || has(b"\"user\""));
    let xmrig = has(b"\"donate-level\"") || has(b"\"randomx\"") || has(b"\"cpu\"") && pools;
    (pools && (stratum || xmrig || has(b"\"pass\""))) || (stratum && has(b"\"user\""))
}

/// The mining words a stream holds (read in blocks, bounded by the caller).
fn miner_words_in(mut reader: impl Read) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut window = std::mem::take(&mut carry);
        window.extend_from_slice(&buf[..n]);
        window.make_ascii_lowercase();
        for w in MINER_WORDS {
            let word = String::from_utf8_lossy(w)
                .trim_end_matches("://")
                .to_string();
            if !found.contains(&word) && memchr::memmem::find(&window, w).is_some() {
                found.push(word);
            }
        }
        let keep = window.len().min(32);
        carry = window[window.len() - keep..].to_vec();
    }
    found
}

fn looks_like_text(head: &[u8]) -> bool {
    !head.is_empty() && !head.contains(&0)
}

/// True when a component below the place (a directory or the file itself) starts with a dot.
fn is_hidden_below(path: &Path, place: &Path) -> bool {
    path.strip_prefix(place).is_ok_and(|rest| {
        rest.components().any(|c| {
            c.as_os_str()
                .as_encoded_bytes()
                .first()
                .is_some_and(|b| *b == b'.')
        })
    })
}

/// True for a directory that holds a whole operating-system tree.
fn is_os_tree(root: &Root, dir: &Path) -> bool {
    let is_dir = |p: PathBuf| root.lstat(p).is_ok_and(|m| m.kind == FileKind::Dir);
    is_dir(dir.join("etc")) && (is_dir(dir.join("usr/bin")) || is_dir(dir.join("var/lib/dpkg")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use huoyan_core::Window;

    fn run(files: &[(&str, &[u8])]) -> Outcome {
        let dir = tempfile::tempdir().expect("tempdir");
        for (path, data) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, data).expect("write");
        }
        let ctx = Context::new(Root::new(dir.path()).expect("root"), Window::default());
        let mut out = Outcome::default();
        StagedExecutables.run(&ctx, &mut out);
        out
    }

    const XMRIG_CONFIG: &[u8] = br#"{"autosave": true, "cpu": {"enabled": true}, "donate-level": 0,
  "pools": [{"url": "pool.supportxmr.com:443", "user": "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A", "pass": "x", "tls": true}]}"#;

    #[test]
    fn finds_a_miner_and_an_implant_in_hidden_places() {
        let out = run(&[
            ("var/tmp/.cache/config.json", XMRIG_CONFIG),
            (
                "var/tmp/.cache/kworker",
                b"\x7fELF\x02\x01\x01 ... xmrig 6.21 randomx ...",
            ),
            ("tmp/.ICE-unix/.x/bd", b"\x7fELF\x02\x01\x01 plain implant"),
        ]);
        let sev = |p: &str| {
            out.findings
                .iter()
                .find(|f| f.paths.iter().any(|x| x == p))
                .map(|f| f.severity)
        };
        assert_eq!(sev("/var/tmp/.cache/config.json"), Some(Severity::Critical));
        assert_eq!(sev("/var/tmp/.cache/kworker"), Some(Severity::Critical));
        assert_eq!(sev("/tmp/.ICE-unix/.x/bd"), Some(Severity::High));
        let f = out
            .findings
            .iter()
            .find(|f| f.paths.iter().any(|x| x == "/tmp/.ICE-unix/.x/bd"))
            .expect("implant");
        assert_eq!(f.evidence["sha256"].as_str().map(str::len), Some(64));
    }

    #[test]
    fn ordinary_temporary_files_are_quiet() {
        let out = run(&[
            ("tmp/sess_abc", b"user|s:5:\"alice\";"),
            (
                "tmp/report.json",
                br#"{"rows": [{"url": "https://example.org", "user": "alice"}]}"#,
            ),
            ("tmp/systemd-private-x/tmp/cache.db", b"SQLite format 3\0"),
            ("var/tmp/install.sh", b"#!/bin/sh\necho installing\n"),
        ]);
        assert!(
            out.findings.iter().all(|f| f.severity <= Severity::Low),
            "{:?}",
            out.findings
        );
    }

    #[test]
    fn an_unpacked_os_tree_is_one_low_finding() {
        let mut files: Vec<(String, Vec<u8>)> = vec![(
            "tmp/chroot/etc/passwd".into(),
            b"root:x:0:0::/root:/bin/sh\n".to_vec(),
        )];
        for i in 0..20 {
            files.push((
                format!("tmp/chroot/usr/bin/tool{i}"),
                b"\x7fELF\x02".to_vec(),
            ));
        }
        let refs: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(p, d)| (p.as_str(), d.as_slice()))
            .collect();
        let out = run(&refs);
        assert_eq!(out.findings.len(), 1, "{:?}", out.findings);
        assert_eq!(out.findings[0].severity, Severity::Low);
    }

    #[test]
    fn miner_config_shapes() {
        assert!(is_miner_config(XMRIG_CONFIG));
        assert!(is_miner_config(
            br#"{"url":"stratum+tcp://xmr.pool:3333","user":"4Abc"}"#
        ));
        assert!(!is_miner_config(
            br#"{"pools": "swimming", "url": "https://example.org"}"#
        ));
        assert!(!is_miner_config(b"plain text mentioning pools"));
    }
}
