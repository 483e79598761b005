//! Acceptance tests of issue 6 on a real Debian root (debootstrap, cached): package verification,
//! baselines, and the rootkit checks' clean and planted cases.

use crate::debian_root;

use std::path::Path;

use huoyan_checks::{run_checks, Context, Selection};
use huoyan_core::{Root, Severity, Window};
use huoyan_integrity::baseline;

fn offline_ctx(dir: &Path) -> Context {
    let mut ctx = Context::new(Root::new(dir).expect("root"), Window::default());
    ctx.proc_fs = None;
    ctx
}

#[test]
fn untouched_debian_root_has_no_modified_binary() {
    let copy = debian_root::copy();
    let root = Root::new(copy.path()).expect("root");
    let (report, outcome) = huoyan_integrity::verify_all(&root);
    assert!(
        report.files_checked > 1000,
        "{} files",
        report.files_checked
    );
    let binaries: Vec<_> = report.problems.iter().filter(|p| !p.conffile).collect();
    assert!(binaries.is_empty(), "{binaries:?}");
    assert!(outcome.findings.iter().all(|f| f.severity <= Severity::Low));
    println!(
        "verified {} files of {} packages, {} conffile differences",
        report.files_checked,
        report.packages,
        report.problems.len()
    );
}

#[test]
fn replaced_ps_is_the_one_critical_file() {
    let copy = debian_root::copy();
    let other_elf = std::fs::read(copy.path().join("usr/bin/true")).expect("true");
    debian_root::replace(copy.path(), "/usr/bin/ps", &other_elf);
    let root = Root::new(copy.path()).expect("root");
    let (report, outcome) = huoyan_integrity::verify_all(&root);
    let binaries: Vec<_> = report.problems.iter().filter(|p| !p.conffile).collect();
    assert_eq!(binaries.len(), 1, "{binaries:?}");
    assert_eq!(binaries[0].path, Path::new("/usr/bin/ps"));
    assert_eq!(binaries[0].severity, Severity::Critical);
    let critical: Vec<_> = outcome
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Critical)
        .collect();
    assert_eq!(critical.len(), 1);
    assert_eq!(critical[0].paths, vec!["/usr/bin/ps"]);
    assert_eq!(critical[0].check_id, "integrity.package_files");
}

#[test]
fn scan_integrity_area_on_replaced_ps_via_registry() {
    let copy = debian_root::copy();
    debian_root::replace(
        copy.path(),
        "/usr/bin/ps",
        b"#!/bin/sh\nexec /usr/bin/.ps \"$@\" | grep -v 4242\n",
    );
    let ctx = offline_ctx(copy.path());
    let outcome = run_checks(
        &ctx,
        &Selection {
            only: vec!["integrity".into()],
            skip: vec![],
            deep: true,
        },
    );
    let critical: Vec<(&str, &Vec<String>)> = outcome
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Critical)
        .map(|f| (f.check_id.as_str(), &f.paths))
        .collect();
    assert!(critical.contains(&("integrity.package_files", &vec!["/usr/bin/ps".to_string()])));
    assert!(critical.contains(&("integrity.script_for_elf", &vec!["/usr/bin/ps".to_string()])));
    assert_eq!(critical.len(), 2, "{critical:?}");
}

#[test]
fn baseline_reports_exactly_changed_added_removed() {
    let copy = debian_root::copy();
    let root = Root::new(copy.path()).expect("root");
    let mut gaps = Vec::new();
    let b = baseline::create(&root, &mut gaps);
    assert!(b.entries.len() > 1000);
    let file = copy.path().join("../").join(format!(
        "baseline-{}.json.zst",
        copy.path()
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
    ));
    let _ = std::fs::remove_file(&file);
    baseline::write(&b, &file).expect("write");
    let b = baseline::read(&file).expect("read back");
    let _ = std::fs::remove_file(&file);

    let libz = &debian_root::zlib_library(copy.path());
    let mut changed = std::fs::read(copy.path().join(libz.trim_start_matches('/'))).expect("libz");
    changed.extend_from_slice(b"implant");
    debian_root::replace(copy.path(), libz, &changed);
    let elf = std::fs::read(copy.path().join("usr/bin/true")).expect("true");
    debian_root::replace(copy.path(), "/usr/bin/kworkerd", &elf);
    std::fs::remove_file(copy.path().join("usr/bin/wall")).expect("remove wall");

    let mut outcome = baseline::compare(&b, &root);
    outcome.sort();
    let mut got: Vec<(String, String)> = outcome
        .findings
        .iter()
        .map(|f| {
            (
                f.paths.join(","),
                f.evidence["change"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("/usr/bin/kworkerd".to_string(), "added".to_string()),
            ("/usr/bin/wall".to_string(), "removed".to_string()),
            (libz.clone(), "changed".to_string()),
        ],
        "{:#?}",
        outcome.findings
    );
    let sev = |p: &str| {
        outcome
            .findings
            .iter()
            .find(|f| f.paths[0] == p)
            .map(|f| f.severity)
    };
    assert_eq!(sev(libz), Some(Severity::High));
    assert_eq!(sev("/usr/bin/kworkerd"), Some(Severity::High));
}

fn rootkit_scan(dir: &Path) -> huoyan_core::Outcome {
    run_checks(
        &offline_ctx(dir),
        &Selection {
            only: vec!["rootkit".into()],
            skip: vec![],
            deep: true,
        },
    )
}

#[test]
fn clean_debian_root_has_no_rootkit_finding() {
    let copy = debian_root::copy();
    let outcome = rootkit_scan(copy.path());
    assert!(outcome.findings.is_empty(), "{:#?}", outcome.findings);
}

#[test]
fn planted_rootkit_paths_are_each_flagged() {
    let copy = debian_root::copy();
    let b = copy.path();
    // Known rootkit paths (facts from rkhunter's definitions, see rules/rootkit/known_files.tsv).
    let planted_dirs = ["usr/lib/libsh", "lib/.libgh-gh", "usr/doc/kern"];
    let planted_files = ["usr/bin/sshd2", "usr/bin/xfss", "lib/.sso"];
    for d in planted_dirs {
        std::fs::create_dir_all(b.join(d)).expect("mkdir");
    }
    for f in planted_files {
        let p = b.join(f);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, b"planted").expect("write");
    }
    let outcome = rootkit_scan(b);
    let flagged: Vec<&str> = outcome
        .findings
        .iter()
        .filter(|f| f.check_id == "rootkit.known_files")
        .flat_map(|f| f.paths.iter().map(String::as_str))
        .collect();
    for p in planted_dirs.iter().chain(planted_files.iter()) {
        let logical = format!("/{p}");
        assert!(
            flagged
                .iter()
                .any(|f| *f == logical || logical.starts_with(&format!("{f}/"))),
            "{logical} not flagged; flagged: {flagged:?}"
        );
    }
}
