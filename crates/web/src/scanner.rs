//! The webshell scanner: walks the web roots through the [`Root`], reads every candidate file
//! (size-capped), decodes it, and runs the YARA rules and the heuristics, in parallel.
//!
//! Candidates are server-side code (`.php`, `.jsp`, `.aspx` … see [`crate::lang`]), images and
//! other "inert" uploads (PHP smuggled after an image header), `.user.ini`/`.htaccess`, and files
//! with unknown extensions whose content looks like code. Static assets (`.js`, `.css`, fonts,
//! maps) are skipped: no server executes them. Every verdict keeps the rule or heuristic that
//! fired and a sanitised excerpt.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use huoyan_core::{
    root::{WalkControl, WalkEntry, WalkOptions},
    FileKind, Gap, GapReason, Root, Severity, Timestamp,
};
use rayon::prelude::*;
use serde::Serialize;

use crate::heuristics::{self, tricks, Hit};
use crate::lang::Lang;
use crate::textdecode::{self, SourceEncoding};
use crate::yara::{FileVars, RuleScanner, RuleSet};

/// Files larger than this are scanned only up to it (webshells are small; packed ones rarely
/// exceed a few MB).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 8 * 1024 * 1024;

/// Extensions never executed by a web server and too common to be worth reading.
const STATIC_EXTENSIONS: &[&str] = &[
    "js",
    "mjs",
    "css",
    "scss",
    "less",
    "map",
    "svg",
    "woff",
    "woff2",
    "ttf",
    "eot",
    "otf",
    "json",
    "md",
    "mo",
    "po",
    "pot",
    "twig",
    "gz",
    "xz",
    "bz2",
    "br",
    "lock",
    "dist",
    "xml",
    "yml",
    "yaml",
    "neon",
    "class",
    "jar",
    "war",
    "so",
    "swf",
    "mp4",
    "webm",
    "ogg",
    "wav",
    "flac",
    "rst",
    "csv",
    "sql",
    "properties",
    "tld",
    "html",
    "htm",
    "scssc",
    "stub",
    "tpl",
    "ico",
];

/// How a file is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRole {
    /// Server-side code in a known language.
    Code(Lang),
    /// Image or other non-code upload.
    Inert,
    /// `.user.ini` / `.htaccess`.
    ServerConfig,
    /// Unknown extension: sniff the content.
    Unknown,
}

/// The role of a path, or `None` to skip it.
pub fn role_of(path: &Path) -> Option<FileRole> {
    let name = path
        .file_name()?
        .to_str()
        .unwrap_or("")
        .to_ascii_lowercase();
    if name == ".user.ini" || name == ".htaccess" || name == "php.ini" {
        return Some(FileRole::ServerConfig);
    }
    let ext = match name.rsplit_once('.') {
        Some((_, e)) => e.to_string(),
        None => String::new(),
    };
    if let Some(lang) = Lang::from_extension(&ext) {
        return Some(FileRole::Code(lang));
    }
    // Double extensions (shell.php.jpg, x.php.txt): PHP mis-configured to run them.
    if name.contains(".php.") || name.contains(".jsp.") || name.contains(".asp.") {
        return Some(FileRole::Code(
            Lang::from_path(Path::new(
                name.split_once('.')
                    .map_or("", |(_, r)| r.split('.').next().unwrap_or("")),
            ))
            .unwrap_or(Lang::Php),
        ));
    }
    if tricks::INERT_EXTENSIONS.contains(&ext.as_str()) {
        return Some(FileRole::Inert);
    }
    if STATIC_EXTENSIONS.contains(&ext.as_str()) {
        return None;
    }
    Some(FileRole::Unknown)
}

/// Scan options.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Per-file read cap.
    pub max_file_size: u64,
    /// Maximum number of files scanned per run.
    pub max_files: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            max_files: 2_000_000,
        }
    }
}

/// The verdict on one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileVerdict {
    /// Logical path.
    pub path: String,
    /// Language (from extension or content).
    pub lang: Option<Lang>,
    /// Encoding the text was decoded from.
    pub encoding: SourceEncoding,
    /// Size on disk.
    pub size: u64,
    /// SHA-256 of the bytes read.
    pub sha256: String,
    /// Owner uid.
    pub uid: u32,
    /// Modification time.
    pub mtime: Option<Timestamp>,
    /// Inode change time.
    pub ctime: Option<Timestamp>,
    /// Everything that fired.
    pub hits: Vec<Hit>,
    /// Worst severity among the hits.
    pub severity: Severity,
    /// True when only the first `max_file_size` bytes were scanned.
    pub truncated: bool,
}

/// Scan counters for the report and the benchmark.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanStats {
    /// Files read and scanned.
    pub files_scanned: usize,
    /// Bytes scanned.
    pub bytes_scanned: u64,
    /// Files with at least one hit.
    pub files_flagged: usize,
}

/// Scans one file's bytes. `role` decides which heuristics run; YARA runs on everything.
pub fn scan_bytes(
    scanner: &mut RuleScanner<'_>,
    path: &Path,
    data: &[u8],
    role: FileRole,
) -> (Vec<Hit>, Option<Lang>, SourceEncoding, Option<String>) {
    let (text, encoding) = textdecode::decode(data);
    let lang = match role {
        FileRole::Code(l) => Some(l),
        FileRole::Unknown => Lang::sniff(&text),
        // Binary images contain "<?" and "$_" by chance: only an explicit PHP tag counts.
        FileRole::Inert => crate::lang::php_tag(text.as_bytes()).map(|_| Lang::Php),
        FileRole::ServerConfig => None,
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = path
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| format!(".{e}"))
        .unwrap_or_default();
    let vars = FileVars {
        filename: &name,
        filepath: &dir,
        extension: &ext,
    };
    let mut hits = Vec::new();
    let mut error = None;
    match scanner.scan(data, &vars) {
        Ok(h) => hits.extend(h),
        Err(e) => error = Some(e),
    }
    // A second pass over the decoded text (GBK, UTF-16) can only add rule names to a verdict;
    // once the raw bytes gave a critical hit, nothing it finds can change the verdict.
    let settled = hits.iter().any(|h| h.severity == Severity::Critical);
    if encoding != SourceEncoding::Utf8 && !settled && !gbk_image_without_code(role, encoding, data)
    {
        if let Ok(h) = scanner.scan(text.as_bytes(), &vars) {
            for hit in h {
                if !hits.iter().any(|x| x.rule == hit.rule) {
                    hits.push(hit);
                }
            }
        }
    }
    match role {
        FileRole::ServerConfig => tricks::analyse_config(&text, &mut hits),
        FileRole::Inert => {
            let ext = name
                .rsplit_once('.')
                .map(|(_, e)| e.to_ascii_lowercase())
                .unwrap_or_default();
            tricks::analyse_inert(&text, &ext, &mut hits);
        }
        _ => {}
    }
    // Inert files get the code heuristics only when their content is code.
    if role != FileRole::Inert || (hits.is_empty() && lang.is_some()) {
        hits.extend(heuristics::analyse(lang, &text));
    }
    // A file whose content is another language than its extension says (an ASPX page saved as
    // .jsp, PHP in .inc) gets that language's heuristics too.
    if let FileRole::Code(declared) = role {
        if let Some(sniffed) = Lang::sniff(&text).filter(|l| *l != declared) {
            for h in heuristics::analyse(Some(sniffed), &text) {
                if !hits.iter().any(|x| x.rule == h.rule) {
                    hits.push(h);
                }
            }
        }
    }
    (hits, lang, encoding, error)
}

/// True for an image (or other inert upload) read as GBK that holds no code opening tag (`<?`,
/// `<%`, `<script`): its bytes are binary, a GBK reading of them is noise, and no PHP, ASP or
/// JSP engine can run code from it. The rules still see its raw bytes; only the second pass
/// over the decoded text is skipped (a third of all second passes on a typical web root, for
/// nothing). Images that carry a tag, and UTF-16 files, keep both passes.
fn gbk_image_without_code(role: FileRole, encoding: SourceEncoding, data: &[u8]) -> bool {
    role == FileRole::Inert
        && encoding == SourceEncoding::Gbk
        && memchr::memmem::find(data, b"<?").is_none()
        && memchr::memmem::find(data, b"<%").is_none()
        && !crate::lang::contains_ignore_case(data, b"<script")
}

/// Collects candidate files under the given logical directories.
pub fn collect(
    root: &Root,
    dirs: &[PathBuf],
    opts: &ScanOptions,
    gaps: &mut Vec<Gap>,
) -> Vec<(WalkEntry, FileRole)> {
    let mut files = Vec::new();
    let walk_opts = WalkOptions::default();
    for dir in dirs {
        let mut visit = |e: &WalkEntry| {
            if files.len() >= opts.max_files {
                return WalkControl::Stop;
            }
            if e.meta.kind == FileKind::Dir {
                let n = e.path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if n == ".git" || n == "node_modules" || n == ".svn" {
                    return WalkControl::SkipDir;
                }
            }
            if e.meta.kind == FileKind::File {
                if let Some(role) = role_of(&e.path) {
                    files.push((e.clone(), role));
                }
            }
            WalkControl::Continue
        };
        let mut on_error = |err: huoyan_core::RootError| {
            gaps.push(Gap::from_error("web.webshell", &err));
        };
        if let Err(e) = root.walk(dir, &walk_opts, &mut visit, &mut on_error) {
            if !e.is_not_found() {
                gaps.push(Gap::from_error("web.webshell", &e));
            }
        }
    }
    files
}

/// Scans every candidate under `dirs` in parallel. Returns the verdicts of flagged files (all
/// files when `keep_clean` is set), the counters, and the gaps.
pub fn scan_tree(
    root: &Root,
    dirs: &[PathBuf],
    rules: &RuleSet,
    opts: &ScanOptions,
    keep_clean: bool,
) -> (Vec<FileVerdict>, ScanStats, Vec<Gap>) {
    let mut gaps = Vec::new();
    let files = collect(root, dirs, opts, &mut gaps);
    scan_collected(root, &files, gaps, rules, opts, keep_clean)
}

/// [`scan_tree`] over files [`collect`] already found (so the walk can run beside the rule
/// compilation); `gaps` are the walk's.
pub fn scan_collected(
    root: &Root,
    files: &[(WalkEntry, FileRole)],
    mut gaps: Vec<Gap>,
    rules: &RuleSet,
    opts: &ScanOptions,
    keep_clean: bool,
) -> (Vec<FileVerdict>, ScanStats, Vec<Gap>) {
    // One YARA scanner per worker (creating one is not free), and a shared queue of files,
    // largest first, so no worker is left with a big file at the end while the others idle.
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(files[i].0.meta.size));
    let next = AtomicUsize::new(0);
    let workers = rayon::current_num_threads().clamp(1, files.len().max(1));
    let mut results: Vec<(usize, ScanResult)> = (0..workers)
        .into_par_iter()
        .flat_map_iter(|_| {
            let mut scanner = rules.scanner();
            let mut done = Vec::new();
            while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                let (entry, role) = &files[i];
                done.push((
                    i,
                    scan_entry(root, &mut scanner, entry, *role, opts, keep_clean),
                ));
            }
            done
        })
        .collect();
    results.sort_unstable_by_key(|(i, _)| *i);
    let results = results.into_iter().map(|(_, r)| r);
    let mut stats = ScanStats::default();
    let mut verdicts = Vec::new();
    for (v, bytes, gap) in results {
        if let Some(g) = gap {
            gaps.push(g);
            continue;
        }
        stats.files_scanned += 1;
        stats.bytes_scanned += bytes;
        if let Some(v) = v {
            if !v.hits.is_empty() {
                stats.files_flagged += 1;
            }
            verdicts.push(v);
        }
    }
    verdicts.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.path.cmp(&b.path)));
    (verdicts, stats, gaps)
}

/// [`huoyan_core::root::read_capped_from`] with the buffer sized from the walk's file size up front (one
/// allocation instead of a doubling series of copies); the file may have changed size since,
/// so the read still goes to the end or the cap.
fn read_capped_sized(
    file: std::fs::File,
    cap: u64,
    size: u64,
    shown: &str,
) -> Result<huoyan_core::root::Capped, huoyan_core::RootError> {
    use std::io::Read as _;
    let expected = usize::try_from(size.min(cap)).unwrap_or(0);
    let mut data = Vec::with_capacity(expected.saturating_add(1));
    file.take(cap.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|e| huoyan_core::RootError::from_io(shown, e))?;
    let truncated = data.len() as u64 > cap;
    if truncated {
        data.truncate(usize::try_from(cap).unwrap_or(usize::MAX));
    }
    Ok(huoyan_core::root::Capped { data, truncated })
}

/// A file's verdict (when kept), the bytes read, and what could not be done.
type ScanResult = (Option<FileVerdict>, u64, Option<Gap>);

fn scan_entry(
    root: &Root,
    scanner: &mut RuleScanner<'_>,
    entry: &WalkEntry,
    role: FileRole,
    opts: &ScanOptions,
    keep_clean: bool,
) -> ScanResult {
    let shown = entry.path.display().to_string();
    let capped = match root
        .open_walked(entry)
        .and_then(|f| read_capped_sized(f, opts.max_file_size, entry.meta.size, &shown))
    {
        Ok(c) => c,
        Err(e) => return (None, 0, Some(Gap::from_error("web.webshell", &e))),
    };
    let (hits, lang, encoding, error) = scan_bytes(scanner, &entry.path, &capped.data, role);
    let bytes = capped.data.len() as u64;
    let gap = error.map(|e| {
        let mut g = Gap::new("web.webshell", GapReason::Error, format!("YARA: {e}"));
        g.path = Some(shown.clone());
        g
    });
    if hits.is_empty() && !keep_clean {
        return (None, bytes, gap.filter(|_| false));
    }
    let severity = hits.iter().map(|h| h.severity).max().unwrap_or_default();
    let verdict = FileVerdict {
        path: shown,
        lang,
        encoding,
        size: entry.meta.size,
        sha256: huoyan_core::hash::sha256_bytes(&capped.data),
        uid: entry.meta.uid,
        mtime: entry.meta.mtime,
        ctime: entry.meta.ctime,
        hits,
        severity,
        truncated: capped.truncated,
    };
    (Some(verdict), bytes, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles() {
        assert_eq!(
            role_of(Path::new("/a/x.php")),
            Some(FileRole::Code(Lang::Php))
        );
        assert_eq!(role_of(Path::new("/a/x.jpg")), Some(FileRole::Inert));
        assert_eq!(
            role_of(Path::new("/a/.user.ini")),
            Some(FileRole::ServerConfig)
        );
        assert_eq!(role_of(Path::new("/a/app.js")), None);
        assert_eq!(
            role_of(Path::new("/a/shell.php.jpg")),
            Some(FileRole::Code(Lang::Php))
        );
        assert_eq!(role_of(Path::new("/a/README")), Some(FileRole::Unknown));
    }

    #[test]
    fn decoded_pass_skipped_only_for_images_without_code() {
        let gif = b"GIF89a\xb0\xa1\xff\x00 plain";
        assert!(gbk_image_without_code(
            FileRole::Inert,
            SourceEncoding::Gbk,
            gif
        ));
        for tagged in [
            &b"GIF89a\xb0\xa1<?php x"[..],
            b"\xff\xd8<% x %>",
            b"\x89PNG<SCRIPT ",
        ] {
            assert!(!gbk_image_without_code(
                FileRole::Inert,
                SourceEncoding::Gbk,
                tagged
            ));
        }
        assert!(!gbk_image_without_code(
            FileRole::Code(Lang::Php),
            SourceEncoding::Gbk,
            gif
        ));
        assert!(!gbk_image_without_code(
            FileRole::Inert,
            SourceEncoding::Utf16Le,
            gif
        ));
    }

    #[test]
    fn scans_a_tree() {
        let dir = tempfile::tempdir().expect("tempdir");
        let w = dir.path().join("var/www/html/uploads");
        std::fs::create_dir_all(&w).expect("mkdir");
        std::fs::write(w.join("x.php"), "<?php @eval($_POST['pass']);?>").expect("w");
        std::fs::write(w.join("logo.gif"), "GIF89a<?php system($_GET['c']); ?>").expect("w");
        std::fs::write(w.join("ok.php"), "<?php echo 'hello';").expect("w");
        std::fs::write(w.join(".user.ini"), "auto_prepend_file=logo.gif\n").expect("w");
        let root = Root::new(dir.path()).expect("root");
        let rules = RuleSet::load(true, &[]);
        let (v, stats, _gaps) = scan_tree(
            &root,
            &[PathBuf::from("/var/www")],
            &rules,
            &ScanOptions::default(),
            false,
        );
        let paths: Vec<_> = v.iter().map(|v| v.path.as_str()).collect();
        assert_eq!(stats.files_scanned, 4);
        assert!(paths.contains(&"/var/www/html/uploads/x.php"), "{paths:?}");
        assert!(paths.contains(&"/var/www/html/uploads/logo.gif"));
        assert!(paths.contains(&"/var/www/html/uploads/.user.ini"));
        assert!(!paths.contains(&"/var/www/html/uploads/ok.php"));
    }
}
