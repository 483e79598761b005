//! Detection rate of the webshell scanner on real third-party corpora (figures printed):
//! tennc/webshell (≥ 90 % per language), benign web applications (≤ 0.5 % above low),
//! php-malware-finder's labelled samples (every one detected), signature-base rules (load and run).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use huoyan_core::{Root, Severity};
use huoyan_web::lang::Lang;
use huoyan_web::scanner::{scan_bytes, scan_tree, FileRole, ScanOptions};
use huoyan_web::yara::RuleSet;

/// The tune split (first SHA-256 byte < 0x80) of benign_apps.rs; the rest is the holdout.
fn is_tune(sha256_hex: &str) -> bool {
    u8::from_str_radix(sha256_hex.get(..2).unwrap_or("ff"), 16).is_ok_and(|b| b < 0x80)
}

fn tennc_lang(l: &str) -> Option<Lang> {
    Some(match l {
        "php" => Lang::Php,
        "jsp" => Lang::Jsp,
        "asp" => Lang::Asp,
        "aspx" => Lang::Aspx,
        _ => return None,
    })
}

#[test]
fn tennc_webshells_detected_per_language() {
    let dir = huoyan_testkit::corpus("webshells-tennc").join("webshells-tennc");
    let manifest = std::fs::read_to_string(dir.join("manifest.tsv")).expect("manifest");
    let rules = RuleSet::load(true, &[]);
    let mut scanner = rules.scanner();
    let mut seen = HashSet::new();
    let mut totals: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    // (split, lang) → (flagged at medium+, total): the tune/holdout split of benign_apps.rs.
    let mut medium: BTreeMap<(&str, &str), (usize, usize)> = BTreeMap::new();
    let mut missed = Vec::new();
    for line in manifest.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 7 {
            continue;
        }
        let Some(lang) = tennc_lang(f[3]) else {
            continue;
        };
        if !seen.insert(f[0].to_string()) {
            continue; // exact duplicates count once
        }
        let path = dir.join("files").join(f[6]);
        let data = std::fs::read(&path).expect("sample");
        let (hits, _, _, _) =
            scan_bytes(&mut scanner, Path::new(f[6]), &data, FileRole::Code(lang));
        let key = if f[3].starts_with("asp") {
            "asp/aspx"
        } else {
            f[3]
        };
        let e = totals.entry(key).or_default();
        e.1 += 1;
        let split = if is_tune(f[0]) { "tune" } else { "holdout" };
        for s in [split, "all"] {
            let m = medium.entry((s, key)).or_default();
            m.1 += 1;
            if hits.iter().any(|h| h.severity >= Severity::Medium) {
                m.0 += 1;
            }
        }
        if hits.is_empty() {
            missed.push(format!("{}\t{}", f[3], f[6]));
        } else {
            e.0 += 1;
        }
    }
    if std::env::var_os("HUOYAN_SHOW_MISSES").is_some() {
        for m in &missed {
            println!("missed\t{m}");
        }
    }
    for (lang, (hit, total)) in &totals {
        let rate = *hit as f64 / *total as f64 * 100.0;
        println!("tennc {lang}: {hit}/{total} unique samples flagged = {rate:.1} %");
    }
    for ((split, lang), (hit, total)) in &medium {
        let rate = *hit as f64 / *total as f64 * 100.0;
        println!("tennc {split} {lang}: {hit}/{total} flagged at medium+ = {rate:.1} %");
    }
    for (lang, (hit, total)) in &totals {
        assert!(
            *hit as f64 / *total as f64 >= 0.90,
            "{lang}: only {hit}/{total} flagged"
        );
    }
}

#[test]
fn benign_web_apps_rarely_flagged_above_low() {
    let dir = huoyan_testkit::corpus("benign-web").join("benign-webapps");
    let root = Root::new(&dir).expect("root");
    let rules = RuleSet::load(true, &[]);
    let (verdicts, stats, _gaps) = scan_tree(
        &root,
        &[PathBuf::from("/")],
        &rules,
        &ScanOptions::default(),
        false,
    );
    let above_low: Vec<_> = verdicts
        .iter()
        .filter(|v| v.severity > Severity::Low)
        .collect();
    for v in &above_low {
        let rules: Vec<_> = v
            .hits
            .iter()
            .map(|h| format!("{}:{}", h.rule, h.excerpt))
            .collect();
        println!("benign flagged {} {:?} {}", v.severity, rules, v.path);
    }
    let rate = above_low.len() as f64 / stats.files_scanned.max(1) as f64 * 100.0;
    println!(
        "benign-web: {} of {} scanned files flagged above low = {rate:.2} % ({} with any hit)",
        above_low.len(),
        stats.files_scanned,
        stats.files_flagged
    );
    assert!(stats.files_scanned > 1000);
    assert!(rate <= 0.5, "{rate:.2} % of benign files flagged above low");
}

#[test]
fn php_malware_finder_samples_all_detected() {
    let dir = huoyan_testkit::corpus("php-malware-finder").join("php-malware-finder");
    let tests = std::fs::read_to_string(dir.join("tests.sh")).expect("tests.sh");
    let mut samples: Vec<String> = tests
        .lines()
        .filter_map(|l| l.strip_prefix("run_test "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect();
    samples.sort();
    samples.dedup();
    let rules = RuleSet::load(true, &[]);
    let mut scanner = rules.scanner();
    let mut missed = Vec::new();
    for s in &samples {
        let data = std::fs::read(dir.join("data/samples").join(s)).expect("sample");
        let (hits, _, _, _) =
            scan_bytes(&mut scanner, Path::new(s), &data, FileRole::Code(Lang::Php));
        let names: Vec<_> = hits.iter().map(|h| h.rule.as_str()).collect();
        println!("pmf {s}: {names:?}");
        if hits.is_empty() {
            missed.push(s.clone());
        }
    }
    println!(
        "php-malware-finder: {}/{} expected samples detected",
        samples.len() - missed.len(),
        samples.len()
    );
    assert!(missed.is_empty(), "missed: {missed:?}");
}

#[test]
fn signature_base_rules_load_and_run() {
    let dir = huoyan_testkit::corpus("yara-reference").join("signature-base/yara");
    let rules = RuleSet::load(false, std::slice::from_ref(&dir));
    let total = huoyan_web::yara::rule_files(&dir).len();
    println!(
        "signature-base: {} of {total} rule files loaded ({} rules), {} skipped",
        rules.files_loaded,
        rules.rule_count,
        rules.skipped.len()
    );
    for s in rules.skipped.iter().take(10) {
        println!("  skipped {}: {}", s.path.display(), s.detail);
    }
    assert!(
        rules.files_loaded * 10 >= total * 8,
        "too many rule files skipped"
    );
    assert!(rules.rule_count > 1000);
    // Run them on a China Chopper one-liner: the set must execute, and its webshell rules fire.
    let mut scanner = rules.scanner();
    let hits = scanner
        .scan(
            b"<?php @eval($_POST['chopper']);?>",
            &huoyan_web::yara::FileVars {
                filename: "x.php",
                filepath: "/var/www",
                extension: ".php",
            },
        )
        .expect("scan");
    println!(
        "signature-base hits on a one-liner: {:?}",
        hits.iter().map(|h| &h.rule).collect::<Vec<_>>()
    );
    assert!(!hits.is_empty());
}

#[test]
fn webshells_extra_detected() {
    // for-just-we/webshell_sample, deduplicated against tennc and php-malware-finder; labels are
    // the collector's ("mostly malicious": a few files are fragments of ordinary code).
    let dir = huoyan_testkit::corpus("webshells-extra").join("webshells-extra/php-for-just-we");
    let rules = RuleSet::load(true, &[]);
    let mut scanner = rules.scanner();
    // split → (any hit, medium+, high+, total)
    let mut by_split: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("webshells-extra")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in &entries {
        let data = std::fs::read(path).expect("sample");
        let sha = huoyan_core::hash::sha256_bytes(&data);
        let (hits, _, _, _) = scan_bytes(&mut scanner, path, &data, FileRole::Code(Lang::Php));
        let worst = hits.iter().map(|h| h.severity).max();
        let split = if is_tune(&sha) { "tune" } else { "holdout" };
        for s in [split, "all"] {
            let c = by_split.entry(s).or_default();
            c[3] += 1;
            c[0] += usize::from(worst.is_some());
            c[1] += usize::from(worst >= Some(Severity::Medium));
            c[2] += usize::from(worst >= Some(Severity::High));
        }
    }
    for (split, [any, medium, high, total]) in &by_split {
        let pct = |n: &usize| *n as f64 / (*total).max(1) as f64 * 100.0;
        println!(
            "webshells-extra {split}: {total} files; flagged {any} ({:.1} %), medium+ {medium} ({:.1} %), high+ {high} ({:.1} %)",
            pct(any),
            pct(medium),
            pct(high)
        );
    }
    let [_, medium, _, total] = by_split["all"];
    assert!(total > 5000);
    assert!(
        medium * 100 >= total * 30,
        "only {medium}/{total} at medium+"
    );
}
