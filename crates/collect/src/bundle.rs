//! `collect`: builds the evidence bundle `<hostname>-<UTC time>.tar.zst` in the output directory.
//!
//! Order of work: the live snapshot first (the scene changes by the second), then the scan (its
//! findings name the attacker's files), the plan, the safety checks (output outside the
//! evidence, free space), then the members in priority order, and last the lists, the custody
//! record, the journal and the manifest. The bundle is written under a temporary name and
//! renamed only when complete and synced, so a half-written file never looks like evidence; its
//! SHA-256 goes to `<bundle>.sha256` (sha256sum format) and the action journal stays beside it.

use std::fs::File;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use huoyan_artifacts::users::UserDb;
use huoyan_core::time::format_utc;
use huoyan_core::{ActionJournal, Gap, GapReason, ProcFs, Root, Timestamp};

use crate::error::CollectError;
use crate::hostinfo::{file_safe, HostIdentity};
use crate::manifest::{jsonl, Counts, Custody, ManifestEntry, Skipped, CUSTODY, JOURNAL, MANIFEST};
use crate::plan::{self, PlanInputs};
use crate::rules::Rules;
use crate::store::{internal_entry, store, StoreCtx};
use crate::writer::{BundleWriter, Format, HeaderMeta};

/// Something that can take the live snapshot into a directory (the `huoyan snapshot` engine).
/// Its files become the first members of the bundle, under `snapshot/`.
pub trait SnapshotSource {
    /// Writes the snapshot into `out_dir` (empty, created by the caller); returns a one-line
    /// summary for the journal.
    fn capture(&self, out_dir: &Path, journal: &ActionJournal) -> Result<String, String>;
}

impl<F> SnapshotSource for F
where
    F: Fn(&Path, &ActionJournal) -> Result<String, String>,
{
    fn capture(&self, out_dir: &Path, journal: &ActionJournal) -> Result<String, String> {
        self(out_dir, journal)
    }
}

/// What the responder asked for.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    /// Output directory (created if missing; must lie outside every collected tree).
    pub out_dir: PathBuf,
    /// Bundle compression.
    pub format: Format,
    /// `--since`: older logs are skipped (configuration is always taken).
    pub since: Option<Timestamp>,
    /// `--max-size`: cap on the evidence bytes stored (uncompressed).
    pub max_size: Option<u64>,
    /// Store private key content too.
    pub include_private_keys: bool,
    /// Recover deleted-but-open files from /proc (live hosts).
    pub recover: bool,
    /// Recover deleted-but-open files only from these processes (empty: all).
    pub recover_pids: Vec<u32>,
    /// The collection plan.
    pub rules: Rules,
    /// The full command line, for the custody record.
    pub command_line: Vec<String>,
    /// A snapshot already taken (e.g. by `triage`) to include first, instead of taking one.
    pub snapshot_dir: Option<PathBuf>,
    /// Findings of the scan the caller ran (`triage`'s scan phase, `huoyan collect`): stored as
    /// `scan/findings.jsonl`, and the files they name are collected as "flagged". `None`: no
    /// scan, no flagged files.
    pub findings: Option<Vec<huoyan_core::Finding>>,
}

impl CollectOptions {
    /// Defaults for an output directory: zstd, built-in plan, no findings.
    pub fn new(out_dir: impl Into<PathBuf>) -> Self {
        CollectOptions {
            out_dir: out_dir.into(),
            format: Format::TarZst,
            since: None,
            max_size: None,
            include_private_keys: false,
            recover: true,
            recover_pids: Vec::new(),
            rules: Rules::builtin(),
            command_line: std::env::args_os()
                .map(|a| huoyan_core::text::bytes_to_string(a.as_bytes()))
                .collect(),
            snapshot_dir: None,
            findings: None,
        }
    }
}

/// What a collection produced.
#[derive(Debug, Clone)]
pub struct CollectSummary {
    /// The bundle.
    pub bundle: PathBuf,
    /// `<bundle>.sha256`.
    pub sidecar: PathBuf,
    /// The action journal beside the bundle.
    pub journal: PathBuf,
    /// SHA-256 of the bundle file.
    pub sha256: String,
    /// Bundle size in bytes.
    pub size: u64,
    /// Counts of what went in.
    pub counts: Counts,
    /// Everything that could not be collected.
    pub gaps: Vec<Gap>,
    /// Files left out.
    pub skipped: Vec<Skipped>,
}

/// Headroom beyond the planned bytes: snapshot, lists, manifest, archive overhead.
const HEADROOM: u64 = 64 * 1024 * 1024;

/// Collects the evidence of `root` into a bundle in `opts.out_dir`.
pub fn collect(
    root: &Root,
    proc_fs: Option<&ProcFs>,
    opts: &CollectOptions,
    snapshot: Option<&dyn SnapshotSource>,
) -> Result<CollectSummary, CollectError> {
    let started = huoyan_core::time::now();
    std::fs::create_dir_all(&opts.out_dir).map_err(|e| CollectError::write(&opts.out_dir, e))?;
    let out_dir =
        std::fs::canonicalize(&opts.out_dir).map_err(|e| CollectError::write(&opts.out_dir, e))?;
    let host = HostIdentity::read(root, proc_fs);
    let stamp = started.strftime("%Y%m%dT%H%M%SZ").to_string();
    let name = format!(
        "{}-{stamp}.{}",
        file_safe(&host.hostname),
        opts.format.extension()
    );
    let bundle_path = out_dir.join(&name);
    let partial = out_dir.join(format!(".{name}.partial"));
    let journal_path = out_dir.join(format!("{name}.journal.jsonl"));
    if bundle_path.exists() {
        return Err(CollectError::Invalid(format!(
            "{} already exists; not overwriting evidence",
            bundle_path.display()
        )));
    }
    let journal =
        ActionJournal::to_file(&journal_path).map_err(|e| CollectError::write(&journal_path, e))?;
    journal.record("start", "collect", opts.command_line.join(" "));
    let names = Names {
        out_dir,
        name,
        bundle: bundle_path,
        partial,
        journal: journal_path,
    };
    let result = build_bundle(
        root, proc_fs, opts, snapshot, &journal, &names, host, started,
    );
    if let Err(e) = &result {
        journal.record("error", "collect", e.to_string());
        if names.partial.exists() {
            // An incomplete bundle must never pass for evidence.
            let _ = std::fs::remove_file(&names.partial);
            journal.record(
                "delete",
                names.partial.display().to_string(),
                "incomplete bundle",
            );
        }
    }
    result
}

/// The file names of one collection.
struct Names {
    out_dir: PathBuf,
    name: String,
    bundle: PathBuf,
    partial: PathBuf,
    journal: PathBuf,
}

#[allow(clippy::too_many_arguments)]
fn build_bundle(
    root: &Root,
    proc_fs: Option<&ProcFs>,
    opts: &CollectOptions,
    snapshot: Option<&dyn SnapshotSource>,
    journal: &ActionJournal,
    names: &Names,
    host: HostIdentity,
    started: Timestamp,
) -> Result<CollectSummary, CollectError> {
    let Names {
        out_dir,
        name,
        bundle: bundle_path,
        partial,
        journal: journal_path,
    } = names;
    let mut gaps: Vec<Gap> = Vec::new();

    // The snapshot goes first: processes and connections change while we read files.
    let staging = out_dir.join(format!(".{name}.snapshot"));
    let snapshot_taken = match &opts.snapshot_dir {
        Some(dir) => Some(dir.clone()),
        None => take_snapshot(root, proc_fs, snapshot, &staging, journal, &mut gaps),
    };

    // The scan names the attacker's files.
    // The scan that names the attacker's files is the caller's (triage's scan phase, or `huoyan
    // collect` running it first): the bundler only stores what it is given.
    let findings = opts.findings.clone().unwrap_or_default();
    let include_findings = opts.findings.is_some();
    if include_findings {
        journal.record(
            "scan",
            "findings",
            format!("{} findings given by the caller", findings.len()),
        );
    }
    let (users, user_errors) = UserDb::read(root);
    gaps.extend(
        user_errors
            .iter()
            .map(|e| Gap::from_error("collect.users", e)),
    );

    let deleted = match proc_fs {
        _ if !opts.recover => Vec::new(),
        Some(proc_fs) => {
            let (mut found, g) = crate::recover::find_deleted_open(proc_fs, &[std::process::id()]);
            gaps.extend(g);
            if !opts.recover_pids.is_empty() {
                found.retain(|d| opts.recover_pids.contains(&d.pid));
            }
            found
        }
        None => {
            gaps.push(Gap::new(
                "collect.recover",
                GapReason::LiveOnly,
                "deleted-but-open files can only be recovered from the live host's /proc",
            ));
            Vec::new()
        }
    };
    let inputs = PlanInputs {
        flagged: findings
            .iter()
            .flat_map(|f| f.paths.iter().cloned())
            .collect(),
        deleted,
        since: opts.since,
        homes: users.homes(),
    };
    let mut plan = plan::build(root, &opts.rules, inputs);
    crate::space::ensure_outside(out_dir, &plan.trees)?;
    let planned_bytes = plan::apply_budget(&mut plan, opts.max_size);
    let available = crate::space::ensure_space(out_dir, planned_bytes.saturating_add(HEADROOM))?;
    journal.record(
        "plan",
        name.clone(),
        format!(
            "{} files, {planned_bytes} bytes planned, {} skipped, {available} bytes free",
            plan.files.len(),
            plan.skipped.len()
        ),
    );
    gaps.append(&mut plan.gaps);

    let file =
        huoyan_core::outfile::create_new(partial).map_err(|e| CollectError::write(partial, e))?;
    journal.record(
        "write",
        partial.display().to_string(),
        "bundle (temporary name)",
    );
    let mut writer = BundleWriter::new(file, opts.format);
    let mut manifest: Vec<ManifestEntry> = Vec::new();
    let mut counts = Counts::default();
    let werr = |e| CollectError::write(partial, e);
    let now_secs = u64::try_from(started.as_second()).unwrap_or(0);

    if let Some(dir) = snapshot_taken {
        add_snapshot(&mut writer, &dir, now_secs, &mut manifest, &mut counts).map_err(werr)?;
        if opts.snapshot_dir.is_none() {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    let ctx = StoreCtx {
        root,
        proc_fs,
        users: &users,
        include_keys: opts.include_private_keys,
        journal,
    };
    for planned in &plan.files {
        if let Some(entry) =
            store(&ctx, &mut writer, planned, &mut gaps, &mut counts).map_err(werr)?
        {
            manifest.push(entry);
        }
    }
    let add_list =
        |w: &mut BundleWriter, manifest: &mut Vec<ManifestEntry>, member: &str, data: Vec<u8>| {
            let stored = w.add_bytes(member, &data, now_secs)?;
            let mut entry = internal_entry(member, &stored.sha256, stored.size);
            entry.frame = stored.frame;
            manifest.push(entry);
            Ok::<(), std::io::Error>(())
        };
    if include_findings {
        counts.findings = findings.len();
        add_list(&mut writer, &mut manifest, "scan/findings.jsonl", {
            // The same record shape as the case folder's findings.jsonl.
            let mut buf = Vec::new();
            huoyan_core::jsonl::write_records(&mut buf, &findings, &[]).map_err(werr)?;
            buf
        })
        .map_err(werr)?;
    }
    counts.skipped = plan.skipped.len();
    counts.gaps = gaps.len();
    add_list(
        &mut writer,
        &mut manifest,
        "skipped.jsonl",
        jsonl(&plan.skipped),
    )
    .map_err(werr)?;
    add_list(&mut writer, &mut manifest, "gaps.jsonl", jsonl(&gaps)).map_err(werr)?;
    let custody = Custody {
        huoyan_version: huoyan_core::VERSION.to_string(),
        command_line: opts.command_line.clone(),
        collector: crate::custody::collector(),
        host,
        root: root.base().display().to_string(),
        started: format_utc(started),
        finished: format_utc(huoyan_core::time::now()),
        bundle: name.clone(),
        counts: counts.clone(),
    };
    let custody_json = huoyan_core::jsonl::to_vec_pretty(&custody).unwrap_or_default();
    add_list(&mut writer, &mut manifest, CUSTODY, custody_json).map_err(werr)?;
    journal.record("write", MANIFEST, format!("{} entries", manifest.len() + 1));
    add_list(
        &mut writer,
        &mut manifest,
        JOURNAL,
        jsonl(&journal.entries()),
    )
    .map_err(werr)?;
    writer
        .add_bytes(MANIFEST, &jsonl(&manifest), now_secs)
        .map_err(werr)?;
    let (sha256, size) = writer.finish().map_err(werr)?;
    std::fs::rename(partial, bundle_path).map_err(|e| CollectError::write(bundle_path, e))?;
    journal.record(
        "rename",
        bundle_path.display().to_string(),
        "bundle complete",
    );
    let sidecar = sidecar_path(bundle_path);
    huoyan_core::outfile::create_new(&sidecar)
        .and_then(|mut f| {
            std::io::Write::write_all(&mut f, format!("{sha256}  {name}\n").as_bytes())
        })
        .map_err(|e| CollectError::write(&sidecar, e))?;
    journal.record(
        "write",
        sidecar.display().to_string(),
        format!("sha256 {sha256}"),
    );
    journal.record("end", "collect", format!("{size} bytes"));
    Ok(CollectSummary {
        bundle: bundle_path.clone(),
        sidecar,
        journal: journal_path.clone(),
        sha256,
        size,
        counts,
        gaps,
        skipped: plan.skipped,
    })
}

/// `<bundle>.sha256`.
pub fn sidecar_path(bundle: &Path) -> PathBuf {
    let mut s = bundle.as_os_str().to_os_string();
    s.push(".sha256");
    PathBuf::from(s)
}

fn take_snapshot(
    root: &Root,
    proc_fs: Option<&ProcFs>,
    snapshot: Option<&dyn SnapshotSource>,
    staging: &Path,
    journal: &ActionJournal,
    gaps: &mut Vec<Gap>,
) -> Option<PathBuf> {
    let Some(source) = snapshot else {
        gaps.push(Gap::new(
            "collect.snapshot",
            GapReason::Unsupported,
            "no live snapshot engine in this build",
        ));
        return None;
    };
    if proc_fs.is_none() || !root.is_host() {
        gaps.push(Gap::new(
            "collect.snapshot",
            GapReason::LiveOnly,
            "the live snapshot needs the running host's /proc",
        ));
        return None;
    }
    if let Err(e) = std::fs::create_dir(staging) {
        gaps.push(Gap::new(
            "collect.snapshot",
            GapReason::Error,
            e.to_string(),
        ));
        return None;
    }
    journal.record("snapshot", staging.display().to_string(), "live snapshot");
    match source.capture(staging, journal) {
        Ok(summary) => {
            journal.record("snapshot", "done", summary);
            Some(staging.to_path_buf())
        }
        Err(e) => {
            gaps.push(Gap::new("collect.snapshot", GapReason::Error, e));
            let _ = std::fs::remove_dir_all(staging);
            None
        }
    }
}

/// Adds the snapshot directory (huoyan's own output, not evidence) under `snapshot/`.
#[allow(clippy::disallowed_methods)] // the snapshot huoyan took, not evidence
fn add_snapshot(
    writer: &mut BundleWriter,
    dir: &Path,
    mtime: u64,
    manifest: &mut Vec<ManifestEntry>,
    counts: &mut Counts,
) -> std::io::Result<()> {
    let mut stack = vec![dir.to_path_buf()];
    let mut files = Vec::new();
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)? {
            let e = e?;
            let ft = e.file_type()?;
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_file() {
                files.push(e.path());
            }
        }
    }
    files.sort();
    for path in files {
        let rel = path.strip_prefix(dir).unwrap_or(&path);
        let member = Path::new("snapshot").join(rel);
        let file = File::open(&path)?;
        let size = file.metadata()?.len();
        let stored = writer.add_reader(&member, size, HeaderMeta { mtime }, file)?;
        let mut entry = internal_entry(&member.display().to_string(), &stored.sha256, size);
        entry.category = "snapshot".into();
        entry.frame = stored.frame;
        manifest.push(entry);
        counts.stored += 1;
        counts.stored_bytes += size;
    }
    Ok(())
}
