//! `huoyan collect`: pack the evidence into one hashed bundle, optionally upload it over SFTP.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use huoyan_collect::rules::Rules;
use huoyan_collect::{collect, CollectOptions, Format, SnapshotSource};
use huoyan_core::text::sanitize;
use huoyan_core::{ActionJournal, ProcFs};

use crate::common::RootArgs;

/// Arguments of `huoyan collect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub common: RootArgs,
    /// Output directory for the bundle (outside every collected tree, e.g. a USB stick).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Bundle format: tar.zst (default) or tar.gz (for old tools).
    #[arg(long, value_name = "FORMAT", default_value = "tar.zst")]
    pub format: String,
    /// Cap on the evidence stored (uncompressed), e.g. 500M or 4G; what does not fit is listed.
    #[arg(long, value_name = "SIZE")]
    pub max_size: Option<String>,
    /// Also store private key contents (by default only their type and encryption are listed).
    #[arg(long)]
    pub include_private_keys: bool,
    /// Do not run the scan (no findings, no flagged files in the bundle).
    #[arg(long)]
    pub no_scan: bool,
    /// Do not take the live snapshot first.
    #[arg(long)]
    pub no_snapshot: bool,
    /// Do not recover deleted-but-open files from /proc.
    #[arg(long)]
    pub no_recover: bool,
    /// Use this collection plan instead of the built-in rules/collect.toml.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Recover deleted-but-open files only from these processes (repeatable; default: all).
    #[arg(long = "recover-pid", value_name = "PID")]
    pub recover_pids: Vec<u32>,
    /// Upload the bundle to sftp://user@host[:port]/path when done.
    #[arg(long, value_name = "URL")]
    pub upload: Option<String>,
    /// Private key for the upload.
    #[arg(long, value_name = "FILE", requires = "upload")]
    pub identity: Option<PathBuf>,
    /// File holding the upload password, or the identity's passphrase when --identity is given
    /// (also read from $HUOYAN_SFTP_PASSWORD). Never put secrets on the command line: it is
    /// recorded in the custody record.
    #[arg(long, value_name = "FILE", requires = "upload")]
    pub password_file: Option<PathBuf>,
    /// Expected SHA256:… fingerprint of the server's host key.
    #[arg(long, value_name = "FINGERPRINT", requires = "upload")]
    pub host_key: Option<String>,
    /// known_hosts file to check the server's host key against.
    #[arg(
        long,
        value_name = "FILE",
        requires = "upload",
        conflicts_with = "host_key"
    )]
    pub known_hosts: Option<PathBuf>,
    /// Delete the local bundle after a verified upload.
    #[arg(long, requires = "upload")]
    pub no_keep: bool,
}

/// Runs the collection.
#[allow(clippy::disallowed_methods)] // the responder's collection plan
pub fn run(args: &Args) -> Result<ExitCode> {
    let root = args.common.open_root()?;
    let window = args.common.window()?;
    let mut opts = CollectOptions::new(&args.out);
    opts.format = Format::parse(&args.format)
        .with_context(|| format!("unknown format {:?} (tar.zst or tar.gz)", args.format))?;
    opts.since = window.since;
    opts.max_size = args
        .max_size
        .as_deref()
        .map(huoyan_collect::space::parse_size)
        .transpose()?;
    opts.include_private_keys = args.include_private_keys;
    opts.recover = !args.no_recover;
    opts.recover_pids = args.recover_pids.clone();
    if let Some(plan) = &args.plan {
        let text = std::fs::read_to_string(plan)
            .with_context(|| format!("cannot read plan {}", plan.display()))?;
        opts.rules = Rules::parse(&text)?;
    }
    // Validate the upload settings before spending minutes on collection.
    let upload = upload_settings(args)?;
    if !args.no_scan {
        // The scan names the attacker's files (flagged) and its findings go into the bundle.
        // As in triage: deep checks too, package verification limited to what changed.
        let mut ctx = huoyan_checks::Context::new(root.clone(), window);
        ctx.package_depth = huoyan_checks::Depth::Changed;
        let outcome = huoyan_checks::run_checks(
            &ctx,
            &huoyan_checks::Selection {
                deep: true,
                ..huoyan_checks::Selection::default()
            },
        );
        opts.findings = Some(outcome.findings);
    }
    let proc_fs = if root.is_host() { ProcFs::live() } else { None };
    // The live snapshot is taken first and becomes the first members of the bundle.
    let snapshot = |dir: &Path, journal: &ActionJournal| -> Result<String, String> {
        let Some(proc_fs) = proc_fs.as_ref() else {
            return Err("no live /proc".into());
        };
        huoyan_snapshot::capture(proc_fs, &root, dir, journal)
            .map(|s| {
                format!(
                    "{} processes, {} sockets, {} open files",
                    s.processes,
                    s.inet_sockets + s.other_sockets,
                    s.open_files
                )
            })
            .map_err(|e| e.to_string())
    };
    let source: Option<&dyn SnapshotSource> = if args.no_snapshot {
        None
    } else {
        Some(&snapshot)
    };
    let summary = collect(&root, proc_fs.as_ref(), &opts, source)?;
    println!(
        "bundle   {}",
        sanitize(&summary.bundle.display().to_string())
    );
    println!("sha256   {}", summary.sha256);
    println!("size     {} bytes", summary.size);
    println!(
        "stored   {} files ({} bytes), {} recovered from /proc, {} metadata only, {} findings",
        summary.counts.stored,
        summary.counts.stored_bytes,
        summary.counts.recovered,
        summary.counts.metadata_only,
        summary.counts.findings
    );
    println!(
        "skipped  {} (listed in skipped.jsonl)   gaps {} (gaps.jsonl)",
        summary.skipped.len(),
        summary.gaps.len()
    );
    println!(
        "journal  {}",
        sanitize(&summary.journal.display().to_string())
    );
    if let Some((target, upload_opts)) = upload {
        let journal = ActionJournal::to_file(&summary.journal)
            .with_context(|| format!("cannot append to {}", summary.journal.display()))?;
        let mut progress = crate::cmd::image::Progress::new("upload");
        let report = huoyan_upload::upload(
            &summary.bundle,
            &target,
            &upload_opts,
            &journal,
            &mut |d, t| progress.show(d, t),
        )?;
        progress.done();
        huoyan_upload::upload(
            &summary.sidecar,
            &target,
            &upload_opts,
            &journal,
            &mut |_, _| {},
        )?;
        // The journal cannot record its own upload while it is being sent (it would grow under
        // the size check): that upload is recorded once it is complete.
        let sent = huoyan_upload::upload(
            &summary.journal,
            &target,
            &upload_opts,
            &ActionJournal::in_memory(),
            &mut |_, _| {},
        )?;
        journal.record(
            "upload",
            &sent.remote_path,
            format!("journal, {} bytes, remote size verified", sent.bytes),
        );
        println!(
            "uploaded {} ({} bytes, remote size verified, host key {})",
            sanitize(&report.remote_path),
            report.bytes,
            report.host_key
        );
        if args.no_keep {
            std::fs::remove_file(&summary.bundle)?;
            journal.record(
                "delete",
                summary.bundle.display().to_string(),
                "--no-keep after verified upload",
            );
            println!("deleted local bundle (--no-keep); sidecar and journal kept");
        }
    }
    Ok(ExitCode::from(crate::exit::CLEAN))
}

#[allow(clippy::disallowed_methods)] // the responder's password and known_hosts files
fn upload_settings(
    args: &Args,
) -> Result<Option<(huoyan_upload::SftpTarget, huoyan_upload::UploadOptions)>> {
    let Some(url) = args.upload.as_deref() else {
        return Ok(None);
    };
    let target = huoyan_upload::parse_url(url)?;
    let secret = match &args.password_file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?
                .trim_end_matches(['\r', '\n'])
                .to_string(),
        ),
        None => std::env::var("HUOYAN_SFTP_PASSWORD").ok(),
    };
    let auth = match (&args.identity, secret) {
        (Some(path), passphrase) => huoyan_upload::Auth::Key {
            path: path.clone(),
            passphrase,
        },
        (None, Some(password)) => huoyan_upload::Auth::Password(password),
        (None, None) => bail!(
            "--upload needs --identity FILE or a password (--password-file or $HUOYAN_SFTP_PASSWORD)"
        ),
    };
    let host_key = match (&args.host_key, &args.known_hosts) {
        (Some(fp), _) => huoyan_upload::HostKeyPolicy::Fingerprint(fp.clone()),
        (None, Some(path)) => huoyan_upload::HostKeyPolicy::KnownHosts(path.clone()),
        (None, None) => huoyan_upload::HostKeyPolicy::RecordOnly,
    };
    Ok(Some((
        target,
        huoyan_upload::UploadOptions { auth, host_key },
    )))
}
