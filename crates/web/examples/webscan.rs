//! Developer tool: scan files with huoyan's webshell engine and print what fired.
//!
//! `webscan tennc MANIFEST_DIR` — unique php/jsp/asp/aspx samples of the tennc corpus, misses printed;
//! `webscan tree DIR [RULE_DIR…]` — scan a directory tree like `huoyan web` does, print the
//! flagged files and the throughput.

#![allow(clippy::disallowed_methods)] // an example reading files named on its command line

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use huoyan_core::Root;
use huoyan_web::lang::Lang;
use huoyan_web::scanner::{scan_bytes, scan_tree, FileRole, ScanOptions};
use huoyan_web::yara::RuleSet;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("tennc") => tennc(Path::new(&args[2])),
        Some("tree") => tree(Path::new(&args[2]), &args[3..]),
        _ => eprintln!("usage: webscan tennc DIR | webscan tree DIR [RULES…]"),
    }
}

fn tennc(dir: &Path) {
    let manifest = std::fs::read_to_string(dir.join("manifest.tsv")).expect("manifest");
    let rules = RuleSet::load(true, &[]);
    let mut scanner = rules.scanner();
    let mut seen = HashSet::new();
    let mut totals: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for line in manifest.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let lang = match f.get(3).copied() {
            Some("php") => Lang::Php,
            Some("jsp") => Lang::Jsp,
            Some("asp") => Lang::Asp,
            Some("aspx") => Lang::Aspx,
            _ => continue,
        };
        if !seen.insert(f[0].to_string()) {
            continue;
        }
        let data = std::fs::read(dir.join("files").join(f[6])).expect("read");
        let (hits, _, _, _) =
            scan_bytes(&mut scanner, Path::new(f[6]), &data, FileRole::Code(lang));
        let e = totals.entry(f[3].to_string()).or_default();
        e.1 += 1;
        if hits.is_empty() {
            println!("MISS\t{}\t{}", f[3], f[6]);
        } else {
            e.0 += 1;
            let names: Vec<_> = hits.iter().map(|h| h.rule.as_str()).collect();
            println!("HIT\t{}\t{}\t{}", f[3], f[6], names.join(","));
        }
    }
    for (l, (h, t)) in totals {
        println!("RATE\t{l}\t{h}/{t}\t{:.1}%", h as f64 * 100.0 / t as f64);
    }
}

fn tree(dir: &Path, rule_dirs: &[String]) {
    let started = std::time::Instant::now();
    let dirs: Vec<PathBuf> = rule_dirs.iter().map(PathBuf::from).collect();
    let rules = RuleSet::load(dirs.is_empty(), &dirs);
    let compiled = started.elapsed();
    let root = Root::new(dir).expect("root");
    let t = std::time::Instant::now();
    let (verdicts, stats, _gaps) = scan_tree(
        &root,
        &[PathBuf::from("/")],
        &rules,
        &ScanOptions::default(),
        false,
    );
    let secs = t.elapsed().as_secs_f64();
    for v in &verdicts {
        let names: Vec<_> = v
            .hits
            .iter()
            .map(|h| format!("{}:{}", h.rule, h.excerpt))
            .collect();
        println!("FLAG\t{}\t{}\t{}", v.severity, v.path, names.join(" | "));
    }
    println!(
        "STATS\trules={}\tcompile={:.2}s\tfiles={}\tbytes={}\tflagged={}\tscan={secs:.2}s\tfiles/s={:.0}\tMB/s={:.1}",
        rules.rule_count,
        compiled.as_secs_f64(),
        stats.files_scanned,
        stats.bytes_scanned,
        stats.files_flagged,
        stats.files_scanned as f64 / secs,
        stats.bytes_scanned as f64 / 1e6 / secs
    );
}
