//! Is a file exactly what a package installed? Used by checks that read commands and settings
//! out of files: a package-owned file whose digest matches the package database (dpkg's
//! md5sums and conffile digests, rpm's file digests) holds the distribution's text, not an
//! intruder's, whatever odd commands it contains (`touch -d @0` in Debian's
//! `/etc/init.d/sudo`, `rm -rf` in a cron job that cleans a cache).

use std::path::Path;

use huoyan_core::Outcome;
use huoyan_integrity::PackageIndex;
use serde_json::json;

use crate::Context;

/// The package that installed `path` with exactly its current content, or `None` when no
/// package owns it, the database cannot be read, or the content differs (a modified conffile,
/// a replaced script).
pub(crate) fn unchanged_package(ctx: &Context, path: &str) -> Option<String> {
    let meta = ctx.root.stat(path).ok()?;
    if meta.kind != huoyan_core::FileKind::File {
        return None;
    }
    let index = PackageIndex::shared(&ctx.root);
    if !index.has_database() {
        return None;
    }
    let records = index.records_for(Path::new(path));
    let first = records.first()?;
    let (actual, _, _) =
        huoyan_integrity::verify::hash_file(&ctx.root, Path::new(path), first.expected.algo)
            .ok()?;
    records
        .iter()
        .find(|r| r.expected.hex == actual)
        .map(|r| r.package.clone())
}

/// Settles the findings a check added from `start` on: those whose every path is a file its
/// package installed unchanged are not an intruder's content. Findings that only say such a
/// file "changed recently" are dropped (the package manager changed it); command and setting
/// hits in it are kept as information, marked with the package, so nothing is hidden.
pub(crate) fn settle_packaged(ctx: &Context, out: &mut Outcome, start: usize) {
    if out.findings.len() <= start {
        return;
    }
    let mut cache: std::collections::HashMap<String, Option<String>> = Default::default();
    let mut kept = Vec::with_capacity(out.findings.len());
    for (i, mut f) in std::mem::take(&mut out.findings).into_iter().enumerate() {
        if i < start || f.paths.is_empty() {
            kept.push(f);
            continue;
        }
        let packages: Option<Vec<String>> = f
            .paths
            .iter()
            .map(|p| {
                cache
                    .entry(p.clone())
                    .or_insert_with(|| unchanged_package(ctx, p))
                    .clone()
            })
            .collect();
        let Some(packages) = packages else {
            kept.push(f);
            continue;
        };
        // `report_recent` findings (they carry `recent_since`): the package manager wrote it.
        if f.evidence.get("recent_since").is_some() {
            continue;
        }
        f.severity = huoyan_core::Severity::Info;
        f.summary = format!(
            "{} [as installed by package {}: not attacker content]",
            f.summary,
            packages.join(", ")
        );
        match f.evidence.as_object_mut() {
            Some(obj) => {
                obj.insert("packaged_unchanged".into(), json!(packages));
            }
            None => {
                f.evidence = json!({"detail": f.evidence, "packaged_unchanged": packages});
            }
        }
        // The id hashed the old summary; a new one is computed from the new text.
        f.id.clear();
        kept.push(f.with_id());
    }
    out.findings = kept;
}
