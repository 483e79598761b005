//! YARA matching with the `yara-x` engine: the project's own rules (`rules/yara/*.yar`, compiled
//! into the binary) plus the responder's rule directories (`--rules DIR`).
//!
//! Rules are compiled once per run and shared by all scanning threads (each thread has its own
//! `Scanner`). A user file that does not compile under yara-x (unsupported module, syntax only
//! libyara accepts) is skipped and reported, never fatal: the rest of the set still runs. The
//! externals LOKI/THOR rule sets use (`filename`, `filepath`, `extension`, `filetype`, `owner`)
//! are defined so those rules compile, and set per file when scanning.
//!
//! Built without the `yara` feature, [`RuleSet`] compiles nothing and reports that as a gap; the
//! heuristics still run.

use std::path::{Path, PathBuf};

use huoyan_core::Severity;

use crate::heuristics::{Engine, Hit};

/// The project's own rule files, embedded at build time.
pub const BUILTIN_RULES: &[(&str, &str)] = &[
    ("php.yar", include_str!("../../../rules/yara/php.yar")),
    ("jsp.yar", include_str!("../../../rules/yara/jsp.yar")),
    ("asp.yar", include_str!("../../../rules/yara/asp.yar")),
    ("misc.yar", include_str!("../../../rules/yara/misc.yar")),
];

/// Per-file values for the LOKI/THOR externals.
#[derive(Debug, Clone, Default)]
pub struct FileVars<'a> {
    /// File name.
    pub filename: &'a str,
    /// Directory path.
    pub filepath: &'a str,
    /// Extension with the dot (`.php`).
    pub extension: &'a str,
}

/// A rule file that could not be used.
#[derive(Debug, Clone)]
pub struct RuleLoadError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub detail: String,
}

/// Compiled rules.
pub struct RuleSet {
    #[cfg(feature = "yara")]
    rules: yara_x::Rules,
    /// Number of rules compiled (own + user).
    pub rule_count: usize,
    /// Files loaded.
    pub files_loaded: usize,
    /// Files skipped, with the reason.
    pub skipped: Vec<RuleLoadError>,
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet")
            .field("rule_count", &self.rule_count)
            .field("files_loaded", &self.files_loaded)
            .field("skipped", &self.skipped.len())
            .finish()
    }
}

/// Lists `.yar`/`.yara` files under a directory (recursively, sorted). Rule directories are the
/// responder's own input, so they are read from the analyst's filesystem, not through the root.
#[allow(clippy::disallowed_methods)] // the responder's own YARA rule folders
pub fn rule_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    if dir.is_file() {
        return vec![dir.to_path_buf()];
    }
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(p),
                Ok(t) if t.is_file() => {
                    if matches!(
                        p.extension().and_then(|x| x.to_str()),
                        Some("yar") | Some("yara")
                    ) {
                        out.push(p);
                    }
                }
                _ => {}
            }
        }
    }
    out.sort();
    out
}

impl RuleSet {
    /// Compiles the built-in rules (unless `builtin` is false) and every rule file under
    /// `user_dirs`.
    #[allow(clippy::disallowed_methods)] // the responder's own YARA rule folders
    pub fn load(builtin: bool, user_dirs: &[PathBuf]) -> RuleSet {
        let mut skipped = Vec::new();
        let mut sources: Vec<(PathBuf, String, bool)> = Vec::new();
        if builtin {
            for (name, src) in BUILTIN_RULES {
                sources.push((
                    PathBuf::from(format!("builtin:{name}")),
                    src.to_string(),
                    true,
                ));
            }
        }
        for dir in user_dirs {
            let files = rule_files(dir);
            if files.is_empty() {
                skipped.push(RuleLoadError {
                    path: dir.clone(),
                    detail: "no .yar/.yara files found".into(),
                });
            }
            for f in files {
                match std::fs::read(&f) {
                    Ok(bytes) => sources.push((
                        f.clone(),
                        String::from_utf8_lossy(&bytes).into_owned(),
                        false,
                    )),
                    Err(e) => skipped.push(RuleLoadError {
                        path: f,
                        detail: e.to_string(),
                    }),
                }
            }
        }
        Self::compile(sources, skipped)
    }

    #[cfg(feature = "yara")]
    fn compile(sources: Vec<(PathBuf, String, bool)>, mut skipped: Vec<RuleLoadError>) -> RuleSet {
        let mut compiler = yara_x::Compiler::new();
        compiler.relaxed_re_syntax(true);
        compiler.switch_all_warnings(false);
        for g in ["filename", "filepath", "extension", "filetype", "owner"] {
            let _ = compiler.define_global(g, "");
        }
        let mut files_loaded = 0;
        for (i, (path, src, builtin)) in sources.iter().enumerate() {
            // One namespace per file: rule names repeat across third-party sets.
            let ns = if *builtin {
                "huoyan".to_string()
            } else {
                format!("user{i}")
            };
            compiler.new_namespace(&ns);
            // yara-x rejects the whole source on the first error; try the file as a whole and
            // skip it when it fails, so one bad file does not cost the others.
            match compiler.add_source(
                yara_x::SourceCode::from(src.as_str()).with_origin(path.display().to_string()),
            ) {
                Ok(_) => files_loaded += 1,
                Err(e) => skipped.push(RuleLoadError {
                    path: path.clone(),
                    detail: first_line(&e.to_string()),
                }),
            }
        }
        let rules = compiler.build();
        let rule_count = rules.iter().count();
        RuleSet {
            rules,
            rule_count,
            files_loaded,
            skipped,
        }
    }

    #[cfg(not(feature = "yara"))]
    fn compile(sources: Vec<(PathBuf, String, bool)>, mut skipped: Vec<RuleLoadError>) -> RuleSet {
        for (path, _, _) in sources {
            skipped.push(RuleLoadError {
                path,
                detail: "huoyan was built without the yara feature".into(),
            });
        }
        RuleSet {
            rule_count: 0,
            files_loaded: 0,
            skipped,
        }
    }

    /// A per-thread scanner over these rules.
    pub fn scanner(&self) -> RuleScanner<'_> {
        #[cfg(feature = "yara")]
        {
            let mut scanner = yara_x::Scanner::new(&self.rules);
            scanner.set_timeout(std::time::Duration::from_secs(20));
            scanner.max_matches_per_pattern(16);
            RuleScanner { scanner }
        }
        #[cfg(not(feature = "yara"))]
        {
            RuleScanner {
                _rules: std::marker::PhantomData,
            }
        }
    }
}

fn first_line(s: &str) -> String {
    let plain: String = s
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    plain.chars().take(300).collect()
}

/// Scans data with a [`RuleSet`] (one per thread).
pub struct RuleScanner<'r> {
    #[cfg(feature = "yara")]
    scanner: yara_x::Scanner<'r>,
    #[cfg(not(feature = "yara"))]
    _rules: std::marker::PhantomData<&'r ()>,
}

impl RuleScanner<'_> {
    /// Scans `data`; returns one hit per matching rule. Errors (timeouts) become `Err(text)`.
    #[cfg(feature = "yara")]
    pub fn scan(&mut self, data: &[u8], vars: &FileVars<'_>) -> Result<Vec<Hit>, String> {
        let _ = self.scanner.set_global("filename", vars.filename);
        let _ = self.scanner.set_global("filepath", vars.filepath);
        let _ = self.scanner.set_global("extension", vars.extension);
        let results = self.scanner.scan(data).map_err(|e| e.to_string())?;
        let mut hits = Vec::new();
        for rule in results.matching_rules() {
            let builtin = rule.namespace() == "huoyan";
            // Rules without a severity (most third-party sets) count as high: a YARA match on
            // a web file is worth looking at.
            let mut severity = Severity::High;
            let mut description = String::new();
            for (key, value) in rule.metadata() {
                match (key, value) {
                    ("severity", yara_x::MetaValue::String(s)) => {
                        if let Some(sev) = Severity::parse(s) {
                            severity = sev;
                        }
                    }
                    ("score", yara_x::MetaValue::Integer(n)) if !builtin => {
                        severity = match n {
                            n if n >= 75 => Severity::High,
                            n if n >= 50 => Severity::Medium,
                            _ => Severity::Low,
                        };
                    }
                    ("description", yara_x::MetaValue::String(s)) => {
                        description = s.chars().take(200).collect()
                    }
                    _ => {}
                }
            }
            let first = rule
                .patterns()
                .flat_map(|p| p.matches().map(|m| m.range()).collect::<Vec<_>>())
                .min_by_key(|r| r.start);
            let (offset, excerpt) = match first {
                Some(r) => {
                    let end = r.end.min(r.start + 160).min(data.len());
                    let text = String::from_utf8_lossy(&data[r.start.min(end)..end]);
                    (r.start, crate::heuristics::excerpt(&text, 0, text.len()))
                }
                None => (0, String::new()),
            };
            let rule_id = if builtin {
                format!("yara:{}", rule.identifier())
            } else {
                format!("yara-user:{}", rule.identifier())
            };
            hits.push(Hit {
                rule: rule_id,
                engine: Engine::Yara,
                severity,
                description,
                offset,
                excerpt,
            });
        }
        Ok(hits)
    }

    /// Without the yara feature nothing matches.
    #[cfg(not(feature = "yara"))]
    pub fn scan(&mut self, _data: &[u8], _vars: &FileVars<'_>) -> Result<Vec<Hit>, String> {
        Ok(Vec::new())
    }
}
