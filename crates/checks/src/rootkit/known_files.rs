//! `rootkit.known_files` — files, directories and kernel symbols of known rootkits.
//!
//! **What it looks at:** ~1,000 facts from `rules/rootkit/known_files.tsv` (built from rkhunter's
//! rootkit definitions, GPL-2+) and ~80 exact paths from `rules/rootkit/filename_iocs.tsv` (from
//! signature-base's filename IOCs, DRL 1.1; attribution in each file and in every finding's
//! evidence): each file or directory is looked up with
//! `lstat` under the root (never followed; `~/` is expanded for root and every `/home/*`; a glob
//! in the last component is matched against its directory listing), and each kernel symbol is
//! searched in the live `/proc/kallsyms`.
//!
//! **Why an attacker leaves this trace:** rootkit kits install to fixed places (`/dev/.lib`,
//! `/usr/lib/libsh`, `/etc/rc.d/rsha`) and kernel rootkits keep their own function names
//! (`hacked_getdents`, `h4x_tcp4_seq_show`); a kit's file list is a fingerprint.
//!
//! **Example:** `/usr/lib/libsh (dir) of SHV5 Rootkit is present`.
//!
//! **Calibration:** role `foothold` (a way back in: listed among the entries still open when
//! high); critical or high only for evidence that an attacker acted, medium for what needs a
//! look, low and info for context (docs/PRECISION.md).
//!
//! **ATT&CK:** T1014 (Rootkit), T1564.001 (Hidden Files and Directories).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use huoyan_core::{CheckInfo, FileKind, Gap, GapReason, Outcome, Root, Severity};
use serde_json::json;

use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct KnownRootkitFiles;

static INFO: CheckInfo = CheckInfo {
    id: "rootkit.known_files",
    title: "Known rootkit file, directory or kernel symbol present",
    title_zh: "发现已知 rootkit 的文件、目录或内核符号",
    mitre: &["T1014", "T1564.001"],
    remediation: "Treat the host as compromised: image memory and disk before touching anything, \
                  collect the named files, and rebuild the host from trusted media — a rootkit \
                  cannot be reliably cleaned in place.",
    remediation_zh:
        "按主机已失陷处理：先获取内存与磁盘镜像，再取证保存相关文件，并从可信介质重建主机——\
                     rootkit 无法可靠地就地清除。",
};

/// The rule data, compiled into the binary.
pub const RULES: &str = include_str!("../../../../rules/rootkit/known_files.tsv");
/// signature-base filename IOCs (exact paths with a score).
pub const IOC_RULES: &str = include_str!("../../../../rules/rootkit/filename_iocs.tsv");

const RKHUNTER_SOURCE: &str = "rkhunter rootkit definitions (GPL-2+)";
const IOC_SOURCE: &str = "Florian Roth, signature-base filename IOCs \
    (https://github.com/Neo23x0/signature-base), Detection Rule License 1.1 \
    (https://github.com/SigmaHQ/Detection-Rule-License)";

/// What a fact names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactKind {
    /// A regular file (or anything at that path).
    File,
    /// A directory.
    Dir,
    /// A kernel symbol.
    Ksym,
}

/// One fact of the rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// Rootkit name.
    pub rootkit: String,
    /// What it names.
    pub kind: FactKind,
    /// Path or symbol.
    pub value: String,
    /// The source's confidence score (signature-base), if any.
    pub score: Option<u32>,
}

/// Parses the rule file; lines that are not usable facts (shell expressions) are skipped.
pub fn parse_rules(text: &str) -> Vec<Fact> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut f = l.split('\t');
            let rootkit = f.next()?.to_string();
            let kind = match f.next()? {
                "file" => FactKind::File,
                "dir" => FactKind::Dir,
                "ksym" => FactKind::Ksym,
                _ => return None,
            };
            let value = f.next()?.trim().to_string();
            let score = f.next().and_then(|s| s.trim().parse().ok());
            let usable = match kind {
                FactKind::Ksym => !value.is_empty(),
                _ => {
                    (value.starts_with('/') || value.starts_with("~/"))
                        && !value.contains('$')
                        && !value.contains('`')
                }
            };
            usable.then_some(Fact {
                rootkit,
                kind,
                value,
                score,
            })
        })
        .collect()
}

fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Home directories to expand `~/` into.
fn homes(root: &Root) -> Vec<PathBuf> {
    let mut out = vec![PathBuf::from("/root")];
    if let Ok(entries) = root.read_dir("/home") {
        out.extend(
            entries
                .into_iter()
                .filter(|e| e.kind == FileKind::Dir)
                .map(|e| e.path),
        );
    }
    out
}

/// The concrete paths a fact's value stands for under the root.
fn candidates(root: &Root, value: &str, homes: &[PathBuf]) -> Vec<PathBuf> {
    let expanded: Vec<PathBuf> = match value.strip_prefix("~/") {
        Some(rest) => homes.iter().map(|h| h.join(rest)).collect(),
        None => vec![PathBuf::from(value)],
    };
    let mut out = Vec::new();
    for p in expanded {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let parent = p.parent().unwrap_or(Path::new("/"));
        if has_glob(&parent.to_string_lossy()) {
            continue;
        }
        if has_glob(&name) {
            if let Ok(entries) = root.read_dir(parent) {
                for e in entries {
                    if huoyan_artifacts::dpkg::glob_match(
                        name.as_bytes(),
                        e.name.as_encoded_bytes(),
                    ) {
                        out.push(e.path);
                    }
                }
            }
        } else {
            out.push(p);
        }
    }
    out
}

impl Check for KnownRootkitFiles {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let mut facts = parse_rules(RULES);
        facts.extend(parse_rules(IOC_RULES));
        let homes = homes(&ctx.root);
        let mut reported = HashSet::new();
        for fact in facts.iter().filter(|f| f.kind != FactKind::Ksym) {
            for path in candidates(&ctx.root, &fact.value, &homes) {
                let Ok(meta) = ctx.root.lstat(&path) else {
                    continue;
                };
                if fact.kind == FactKind::Dir && meta.kind != FileKind::Dir {
                    continue;
                }
                if !reported.insert(path.clone()) {
                    continue;
                }
                let shown = path.display().to_string();
                let (severity, source) = match fact.score {
                    None => (Severity::High, RKHUNTER_SOURCE),
                    Some(s) if s >= 80 => (Severity::High, IOC_SOURCE),
                    Some(s) if s >= 65 => (Severity::Medium, IOC_SOURCE),
                    Some(_) => (Severity::Low, IOC_SOURCE),
                };
                out.add(
                    INFO.finding(
                        severity,
                        format!("{shown} ({}) of {} is present", meta.kind, fact.rootkit),
                    )
                    .path(shown)
                    .at(meta.ctime)
                    .evidence(json!({
                        "rootkit": fact.rootkit, "rule": fact.value, "kind": meta.kind,
                        "size": meta.size, "mtime": meta.mtime, "ctime": meta.ctime,
                        "score": fact.score, "source": source,
                    })),
                );
            }
        }
        check_ksyms(ctx, &facts, out);
    }
}

fn check_ksyms(ctx: &Context, facts: &[Fact], out: &mut Outcome) {
    let Some(proc_fs) = &ctx.proc_fs else {
        out.gap(Gap::new(
            INFO.id,
            GapReason::LiveOnly,
            "kernel symbols need the live /proc/kallsyms",
        ));
        return;
    };
    let data = match proc_fs.read_capped("kallsyms", 256 << 20) {
        Ok(c) => c.data,
        Err(e) => return out.gap(Gap::from_error(INFO.id, &e)),
    };
    let wanted: std::collections::HashMap<&str, &Fact> = facts
        .iter()
        .filter(|f| f.kind == FactKind::Ksym)
        .map(|f| (f.value.as_str(), f))
        .collect();
    for line in String::from_utf8_lossy(&data).lines() {
        let mut f = line.split_whitespace();
        let (_addr, _t, Some(sym)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        let module = f.next().unwrap_or("").trim_matches(['[', ']']);
        if let Some(fact) = wanted.get(sym) {
            out.add(
                INFO.finding(
                    Severity::Critical,
                    format!(
                        "kernel symbol {sym} of {} is loaded{}",
                        fact.rootkit,
                        if module.is_empty() {
                            String::new()
                        } else {
                            format!(" (module {module})")
                        }
                    ),
                )
                .evidence(json!({"symbol": sym, "module": module, "rootkit": fact.rootkit})),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use huoyan_core::Window;

    #[test]
    fn rules_parse_and_keep_attribution() {
        assert!(RULES.contains("rkhunter") && RULES.contains("GPL-2+"));
        let facts = parse_rules(RULES);
        assert!(facts.len() > 900, "{}", facts.len());
        assert!(facts
            .iter()
            .any(|f| f.kind == FactKind::Ksym && f.value == "hacked_getdents"));
        assert!(!facts.iter().any(|f| f.value.contains('`')));
    }

    fn run_on(dir: &Path) -> Outcome {
        let mut ctx = Context::new(Root::new(dir).expect("root"), Window::default());
        ctx.proc_fs = None;
        let mut out = Outcome::default();
        KnownRootkitFiles.run(&ctx, &mut out);
        out
    }

    #[test]
    fn flags_planted_paths_globs_and_homes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let b = dir.path();
        std::fs::create_dir_all(b.join("usr/lib/libsh")).expect("mkdir"); // SHV5
        std::fs::create_dir_all(b.join("tmp")).expect("mkdir");
        std::fs::write(b.join("tmp/ss0-123456-123456-123.sst"), b"x").expect("w"); // Mokes
        std::fs::create_dir_all(b.join("home/bob/.sssh")).expect("mkdir");
        std::fs::write(b.join("home/bob/.sssh/known_hosts"), b"x").expect("w"); // Portacelo
        let out = run_on(b);
        let paths: Vec<&str> = out
            .findings
            .iter()
            .flat_map(|f| f.paths.iter().map(String::as_str))
            .collect();
        assert!(paths.contains(&"/usr/lib/libsh"), "{paths:?}");
        assert!(
            paths.contains(&"/tmp/ss0-123456-123456-123.sst"),
            "{paths:?}"
        );
        assert!(paths.contains(&"/home/bob/.sssh/known_hosts"), "{paths:?}");
        assert_eq!(out.gaps.len(), 1, "kallsyms gap on an image");
    }

    #[test]
    fn signature_base_iocs_parse_with_attribution_and_match() {
        assert!(IOC_RULES.contains("signature-base") && IOC_RULES.contains("DRL"));
        let facts = parse_rules(IOC_RULES);
        assert!(facts.len() > 70, "{}", facts.len());
        assert!(facts.iter().all(|f| f.score.is_some()));
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("dev/shm")).expect("mkdir");
        std::fs::write(dir.path().join("dev/shm/kdumpflush"), b"x").expect("w");
        let out = run_on(dir.path());
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].severity, Severity::High);
        assert!(out.findings[0].evidence["source"]
            .as_str()
            .is_some_and(|s| s.contains("Detection Rule License")));
    }

    #[test]
    fn empty_root_is_quiet() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("usr/lib")).expect("mkdir");
        assert!(run_on(dir.path()).findings.is_empty());
    }
}
