//! Storing one planned file in the bundle: open it safely, inspect private keys, stream it into
//! its member, and build its manifest entry with the metadata taken before reading.
//!
//! Evidence files are opened through [`Root`] (or, for deleted-but-open files, through
//! [`ProcFs::open_target`]), never with a plain path open; a file that cannot be opened becomes a
//! gap; a file that changes while it is read is stored up to the size it had when planned and
//! noted in its manifest entry.

use std::fs::File;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;

use huoyan_artifacts::users::UserDb;
use huoyan_core::root::read_capped_from;
use huoyan_core::time::format_utc;
use huoyan_core::{ActionJournal, Gap, Meta, ProcFs, Root, Timestamp};

use crate::manifest::{Counts, ManifestEntry, Recovered};
use crate::plan::{Planned, Source};
use crate::writer::{BundleWriter, HeaderMeta};

/// A manifest entry for a member huoyan wrote itself (lists, custody, snapshot files).
pub(crate) fn internal_entry(member: &str, sha256: &str, size: u64) -> ManifestEntry {
    ManifestEntry {
        member: Some(member.to_string()),
        category: "huoyan".into(),
        path: member.to_string(),
        kind: "file".into(),
        size,
        mode: "0100400".into(),
        uid: 0,
        owner: None,
        gid: 0,
        group: None,
        mtime: None,
        ctime: None,
        atime: None,
        btime: None,
        inode: 0,
        sha256: Some(sha256.to_string()),
        link_target: None,
        note: None,
        recovered: None,
        private_key: None,
        frame: None,
    }
}

/// What storing needs besides the planned file.
pub(crate) struct StoreCtx<'a> {
    pub root: &'a Root,
    pub proc_fs: Option<&'a ProcFs>,
    pub users: &'a UserDb,
    pub include_keys: bool,
    pub journal: &'a ActionJournal,
}

fn entry_for(ctx: &StoreCtx<'_>, p: &Planned) -> ManifestEntry {
    let m = &p.meta;
    let t = |t: Option<Timestamp>| t.map(format_utc);
    ManifestEntry {
        member: None,
        category: p.category.clone(),
        path: p.path.clone(),
        kind: format!("{:?}", m.kind).to_ascii_lowercase(),
        size: m.size,
        mode: format!("{:07o}", m.mode),
        uid: m.uid,
        owner: ctx.users.user_name(m.uid).map(str::to_string),
        gid: m.gid,
        group: ctx.users.group_name(m.gid).map(str::to_string),
        mtime: t(m.mtime),
        ctime: t(m.ctime),
        atime: t(m.atime),
        btime: t(m.btime),
        inode: m.ino,
        sha256: None,
        link_target: p.link_target.clone(),
        note: None,
        recovered: None,
        private_key: None,
        frame: None,
    }
}

/// Largest file inspected as a possible private key.
const KEY_CAP: u64 = 1024 * 1024;

fn open_source(ctx: &StoreCtx<'_>, p: &Planned) -> Result<File, huoyan_core::RootError> {
    match &p.source {
        Source::Named(path) => ctx.root.open(path),
        Source::Walked(entry) => ctx.root.open_walked(entry),
        Source::Deleted(d) => match ctx.proc_fs {
            Some(proc_fs) => proc_fs.open_target(&d.proc_link()),
            None => Err(huoyan_core::RootError::NotFound {
                path: d.proc_link(),
            }),
        },
        Source::MetadataOnly => Err(huoyan_core::RootError::NotFound {
            path: p.path.clone(),
        }),
    }
}

/// Stores one planned file; returns its manifest entry, or `None` when it became a gap.
pub(crate) fn store(
    ctx: &StoreCtx<'_>,
    writer: &mut BundleWriter,
    p: &Planned,
    gaps: &mut Vec<Gap>,
    counts: &mut Counts,
) -> std::io::Result<Option<ManifestEntry>> {
    let mut entry = entry_for(ctx, p);
    if let Source::Deleted(d) = &p.source {
        entry.recovered = Some(Recovered {
            pid: d.pid,
            fd: d.fd,
            comm: d.comm.clone(),
            link: d.link.clone(),
        });
    }
    if matches!(p.source, Source::MetadataOnly) {
        counts.metadata_only += 1;
        return Ok(Some(entry));
    }
    let area = format!("collect.{}", p.category);
    let mut file = match open_source(ctx, p) {
        Ok(f) => f,
        Err(e) => {
            gaps.push(Gap::from_error(area, &e));
            return Ok(None);
        }
    };
    ctx.journal
        .record("read", &p.path, format!("{} bytes", p.meta.size));
    if p.key_candidate && p.meta.size <= KEY_CAP {
        let data = match read_capped_from(file, KEY_CAP, &p.path) {
            Ok(c) => c.data,
            Err(e) => {
                gaps.push(Gap::from_error(area, &e));
                return Ok(None);
            }
        };
        entry.private_key = crate::keys::classify(&data);
        if entry.private_key.is_some() && !ctx.include_keys {
            entry.sha256 = Some(huoyan_core::hash::sha256_bytes(&data));
            entry.note =
                Some("private key: content not stored (use --include-private-keys)".into());
            counts.metadata_only += 1;
            return Ok(Some(entry));
        }
        return finish_store(writer, p, entry, &data[..], counts);
    }
    let before = file.metadata().ok().map(|m| Meta::from_std(&m));
    let stored_entry = finish_store(writer, p, entry, &mut file, counts)?;
    Ok(stored_entry.map(|mut e| {
        let after = file.metadata().ok().map(|m| Meta::from_std(&m));
        if let (Some(b), Some(a)) = (before, after) {
            if (b.size, b.mtime) != (a.size, a.mtime) && e.note.is_none() {
                e.note = Some(format!(
                    "changed while being read (size {} -> {}); the first {} bytes are stored",
                    b.size, a.size, p.meta.size
                ));
            }
        }
        if e.recovered.is_some() {
            counts.recovered += 1;
        }
        e
    }))
}

fn finish_store(
    writer: &mut BundleWriter,
    p: &Planned,
    mut entry: ManifestEntry,
    source: impl Read,
    counts: &mut Counts,
) -> std::io::Result<Option<ManifestEntry>> {
    let member = p.member.as_os_str().as_bytes();
    let member_text = huoyan_core::text::bytes_to_string(member);
    let mtime = p
        .meta
        .mtime
        .and_then(|t| u64::try_from(t.as_second()).ok())
        .unwrap_or(0);
    let stored = writer.add_reader(&p.member, p.meta.size, HeaderMeta { mtime }, source)?;
    if let Some(err) = stored.error {
        entry.note = Some(format!(
            "only {} of {} bytes could be read ({err}); the rest is zero-filled",
            stored.read, stored.size
        ));
    }
    entry.member = Some(member_text);
    entry.sha256 = Some(stored.sha256);
    entry.frame = stored.frame;
    counts.stored += 1;
    counts.stored_bytes += stored.size;
    Ok(Some(entry))
}
