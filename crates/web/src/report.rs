//! Turning the web analysis into findings: one [`CheckInfo`] per kind of observation, shared by
//! `huoyan web` and the `web` checks of `huoyan scan`.

use std::collections::HashSet;
use std::path::PathBuf;

use huoyan_artifacts::users::UserDb;
use huoyan_core::{CheckInfo, Gap, GapReason, Outcome, Root, Severity, Window};
use serde_json::json;

use crate::correlate;
use crate::estate::{self, WebEstate};
use crate::hunt;
use crate::logs::analysis::{analyse_logs, LogAnalysis};
use crate::packages::PackageFiles;
use crate::scanner::{self, FileVerdict, ScanOptions, ScanStats};
use crate::yara::RuleSet;

/// `web.estate`: what was examined.
pub static ESTATE: CheckInfo = CheckInfo {
    id: "web.estate",
    title: "Web estate (document roots, logs, web users)",
    title_zh: "Web 资产（站点目录、日志、Web 运行账号）",
    mitre: &["T1505.003"],
    remediation: "Review that every listed root and log is expected; unknown roots may be attacker staging areas.",
    remediation_zh: "核对列出的站点目录和日志是否都在预期之内；陌生目录可能是攻击者的落脚点。",
};

/// `web.webshell`: a file matched a YARA rule or a heuristic.
pub static WEBSHELL: CheckInfo = CheckInfo {
    id: "web.webshell",
    title: "Webshell or malicious server-side code",
    title_zh: "发现 Webshell 或恶意服务端代码",
    mitre: &["T1505.003", "T1059"],
    remediation: "Preserve the file (copy with hashes) before removing it; find how it arrived (upload form, \
                  vulnerable plugin) in the access logs around its mtime; rotate credentials the web \
                  application can read (database, API keys).",
    remediation_zh: "先保全文件（复制并记录哈希）再删除；根据其修改时间在访问日志中查找植入途径（上传点、漏洞插件）；\
                     更换 Web 应用可读取的凭据（数据库、API 密钥）。",
};

/// `web.config_trick`: PHP execution smuggled through configuration.
pub static CONFIG_TRICK: CheckInfo = CheckInfo {
    id: "web.config_trick",
    title: "PHP execution smuggled through configuration (auto_prepend_file, handler mapping)",
    title_zh: "通过配置植入 PHP 执行（auto_prepend_file、处理器映射）",
    mitre: &["T1505.003", "T1546"],
    remediation: "Remove the directive, inspect the file it points to, and check who changed the config (ctime, package \
                  verification).",
    remediation_zh: "删除该配置项，检查其指向的文件，并确认配置被谁修改（ctime、软件包校验）。",
};

/// `web.files`: suspicious files by place, owner and time.
pub static FILES: CheckInfo = CheckInfo {
    id: "web.files",
    title: "Suspicious file in a web root (upload directory, hidden, web-user written, near a webshell)",
    title_zh: "Web 目录中的可疑文件（上传目录、隐藏文件、Web 账号写入、与 Webshell 同时出现）",
    mitre: &["T1505.003", "T1105"],
    remediation: "Open the file, compare it with the application's release, and remove what does not belong; \
                  make upload directories non-executable.",
    remediation_zh: "查看文件内容并与应用原始版本比对，删除不属于应用的文件；禁止上传目录执行脚本。",
};

/// `web.attack`: attacks seen in the access logs, per source IP.
pub static ATTACK: CheckInfo = CheckInfo {
    id: "web.attack",
    title: "Web attacks from one source address (access log)",
    title_zh: "来自同一源地址的 Web 攻击（访问日志）",
    mitre: &["T1190", "T1595.002"],
    remediation: "Check whether any of these requests succeeded (status 200 on an exploit, new files after them); \
                  block the address at the edge; patch the targeted component.",
    remediation_zh: "核实这些请求是否成功（利用请求返回 200、其后出现新文件）；在边界封禁该地址；修补被攻击的组件。",
};

/// `web.error_log`: hostile events in the error logs, per source IP.
pub static ERRORS: CheckInfo = CheckInfo {
    id: "web.error_log",
    title: "Hostile events in the web server error log (auth failures, probes, exploits)",
    title_zh: "Web 服务器错误日志中的敌意事件（认证失败、探测、利用）",
    mitre: &["T1110", "T1595.002"],
    remediation:
        "Correlate with the access log; block persistent sources; protect authenticated areas with \
                  rate limiting.",
    remediation_zh: "与访问日志关联分析；封禁持续攻击的源地址；对认证区域启用限速。",
};

/// `web.webshell_use`: a flagged file requested after it was written.
pub static WEBSHELL_USE: CheckInfo = CheckInfo {
    id: "web.webshell_use",
    title: "Webshell uploaded and used: requests to a flagged file after it was written",
    title_zh: "Webshell 被上传并使用：文件写入后出现对其的请求",
    mitre: &["T1505.003", "T1190", "T1105"],
    remediation: "Treat the host as compromised: isolate it, preserve the webshell and logs, block the IP, and \
                  review everything the web user could reach after the first use time.",
    remediation_zh: "按已失陷处理：隔离主机，保全 Webshell 与日志，封禁该 IP，并排查首次使用时间之后 Web 账号可访问的一切。",
};

/// Every CheckInfo of this crate.
pub static ALL_INFOS: &[&CheckInfo] = &[
    &ESTATE,
    &WEBSHELL,
    &CONFIG_TRICK,
    &FILES,
    &ATTACK,
    &ERRORS,
    &WEBSHELL_USE,
];

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct WebOptions {
    /// Extra web roots (`--web-root`).
    pub web_roots: Vec<PathBuf>,
    /// Extra YARA rule directories (`--rules`).
    pub rule_dirs: Vec<PathBuf>,
    /// The responder's window.
    pub window: Window,
    /// Hunt files in the whole root, not only the web roots (`--all`).
    pub all: bool,
    /// Run the webshell scan.
    pub scan_files: bool,
    /// Read the logs.
    pub read_logs: bool,
    /// Hunt files by place/owner/time.
    pub hunt_files: bool,
    /// Report per-IP attack and error-log findings (off when only the correlation is wanted).
    pub report_log_findings: bool,
    /// Report the estate as an info finding, and config tricks.
    pub report_estate: bool,
}

impl WebOptions {
    /// Everything on.
    pub fn full(window: Window) -> Self {
        WebOptions {
            window,
            scan_files: true,
            read_logs: true,
            hunt_files: true,
            report_log_findings: true,
            report_estate: true,
            ..WebOptions::default()
        }
    }
}

/// Counters of a run (printed by `huoyan web`).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct WebSummary {
    /// Scan counters.
    pub scan: ScanStats,
    /// YARA rules compiled.
    pub rules: usize,
    /// Rule files skipped.
    pub rule_files_skipped: usize,
    /// Log lines read.
    pub log_lines: u64,
    /// Distinct client IPs.
    pub ips: usize,
}

/// Runs the web analysis on `root`.
pub fn analyse(root: &Root, users: &UserDb, opts: &WebOptions) -> (Outcome, WebSummary) {
    let mut out = Outcome::default();
    let mut summary = WebSummary::default();
    let estate = estate::discover(root, &opts.web_roots);
    for g in &estate.gaps {
        out.gap(g.clone());
    }
    if opts.report_estate {
        report_estate(&estate, &mut out);
    }
    let roots: Vec<PathBuf> = estate.roots.iter().map(|r| r.path.clone()).collect();
    let root_strings: Vec<String> = roots.iter().map(|p| p.display().to_string()).collect();

    // The hunt's view of the web roots comes from the scan's walk (one walk for both, beside
    // the rule compilation), not from a walk after the scan. With --all (the whole root) the
    // hunt stays a streaming walk after the scan, so memory does not grow with the disk.
    let scan_opts = ScanOptions::default();
    let hunt_in_roots = opts.hunt_files && !opts.all;
    let (scanned, hunt_walk) = if opts.scan_files && hunt_in_roots {
        // One walk serves both (crate::walk), beside the rule compilation.
        let (rules, walked) = rayon::join(
            || RuleSet::load(true, &opts.rule_dirs),
            || crate::walk::walk_web_roots(root, &roots, &scan_opts),
        );
        let scan = scanner::scan_collected(
            root,
            &walked.scan,
            walked.scan_gaps,
            &rules,
            &scan_opts,
            false,
        );
        (
            Some((rules.rule_count, rules.skipped, scan)),
            Some((walked.hunt, walked.hunt_gaps)),
        )
    } else {
        rayon::join(
            || {
                opts.scan_files.then(|| {
                    // The rules compile while the scan's walk runs.
                    let (rules, (files, walk_gaps)) = rayon::join(
                        || RuleSet::load(true, &opts.rule_dirs),
                        || {
                            let mut gaps = Vec::new();
                            let files = scanner::collect(root, &roots, &scan_opts, &mut gaps);
                            (files, gaps)
                        },
                    );
                    let scan =
                        scanner::scan_collected(root, &files, walk_gaps, &rules, &scan_opts, false);
                    (rules.rule_count, rules.skipped, scan)
                })
            },
            || hunt_in_roots.then(|| hunt::walk_files(root, &roots)),
        )
    };
    // The dpkg database: files of packages installed under the web roots, with their MD5.
    let package_dirs: Vec<PathBuf> = if opts.all {
        vec![PathBuf::from("/")]
    } else {
        roots.clone()
    };
    let (packages, package_gaps) = PackageFiles::read(root, &package_dirs);
    for g in package_gaps {
        out.gap(g);
    }
    let mut verdicts: Vec<FileVerdict> = Vec::new();
    if let Some((rule_count, skipped, (v, stats, gaps))) = scanned {
        summary.rules = rule_count;
        summary.rule_files_skipped = skipped.len();
        for s in &skipped {
            let mut g = Gap::new(
                "web.webshell",
                GapReason::Unsupported,
                format!("YARA rule file skipped: {}", s.detail),
            );
            g.path = Some(s.path.display().to_string());
            out.gap(g);
        }
        summary.scan = stats;
        for g in gaps {
            out.gap(g);
        }
        let (v, unchanged) = set_aside_package_files(root, &packages, v);
        for v in &v {
            report_verdict(v, users, &mut out);
        }
        report_unchanged_package_files(&unchanged, &mut out);
        verdicts = v;
    }

    let flagged: Vec<&FileVerdict> = verdicts
        .iter()
        .filter(|v| v.severity >= Severity::High)
        .collect();

    if opts.hunt_files {
        let web_uids: HashSet<u32> = estate
            .web_users
            .iter()
            .filter_map(|u| users.user(u).and_then(|e| e.uid))
            .collect();
        let times: Vec<(String, huoyan_core::Timestamp)> = flagged
            .iter()
            .filter_map(|v| v.mtime.map(|t| (v.path.clone(), t)))
            .collect();
        let ctx = hunt::HuntContext {
            web_uids,
            webshell_times: times,
            window: opts.window,
            packages: Some(&packages),
        };
        let (hits, gaps) = match hunt_walk {
            Some((files, gaps)) => (hunt::judge(root, &files, &ctx), gaps),
            None => hunt::hunt(root, &[PathBuf::from("/")], &ctx),
        };
        for g in gaps {
            out.gap(g);
        }
        report_hunt(&hits, users, &mut out);
    }

    if opts.read_logs && (opts.report_log_findings || !flagged.is_empty()) {
        let watched: HashSet<String> = flagged
            .iter()
            .filter_map(|v| v.path.rsplit('/').next().map(|b| b.to_ascii_lowercase()))
            .collect();
        // Correlation needs the requests before the window too (the upload), so logs are read
        // unbounded when there is something to correlate; the per-IP report applies the window.
        let (analysis, gaps) = analyse_logs(root, &estate.logs, &opts.window, &watched);
        for g in gaps {
            out.gap(g);
        }
        if analysis.ips.dropped > 0 {
            out.gap(Gap::new(
                "web.access_log",
                huoyan_core::GapReason::Truncated,
                format!(
                    "{} requests from addresses beyond the table cap of {} distinct sources \
                     (plus {} that sent attacks) were counted but not examined per source",
                    analysis.ips.dropped,
                    crate::logs::stats::MAX_IPS,
                    crate::logs::stats::MAX_ATTACKER_IPS_EXTRA
                ),
            ));
        }
        summary.log_lines = analysis.lines;
        summary.ips = analysis.ips.by_ip.len();
        if opts.report_log_findings {
            report_logs(&analysis, &mut out);
        }
        report_chains(&flagged, &root_strings, &analysis, &mut out);
    }
    out.sort();
    (out, summary)
}

fn report_estate(estate: &WebEstate, out: &mut Outcome) {
    let summary = format!(
        "{} web root(s), {} log source(s), web users: {}",
        estate.roots.len(),
        estate.logs.len(),
        estate.web_users.join(", ")
    );
    out.add(ESTATE.finding(Severity::Info, summary).evidence(json!({
        "roots": estate.roots,
        "logs": estate.logs,
        "web_users": estate.web_users,
    })));
    for (conf, target) in &estate.prepend_settings {
        out.add(
            CONFIG_TRICK
                .finding(
                    Severity::High,
                    format!("{conf} sets auto_prepend/append_file = {target}: every PHP request runs it first"),
                )
                .path(conf.clone())
                .path(target.clone())
                .evidence(json!({"config": conf, "target": target})),
        );
    }
    for (conf, line) in &estate.handler_tricks {
        let lower = line.to_ascii_lowercase();
        if lower.contains(".php")
            && !lower.contains(".jpg")
            && !lower.contains(".gif")
            && !lower.contains(".png")
            && !lower.contains(".txt")
        {
            continue;
        }
        out.add(
            CONFIG_TRICK
                .finding(Severity::High, format!("{conf}: {line}"))
                .path(conf.clone())
                .evidence(json!({"config": conf, "directive": line})),
        );
    }
}

/// True for a rule that names a known webshell family (or one the responder supplied): such a
/// hit stands even on a package's own file.
fn names_a_family(rule: &str) -> bool {
    rule.contains("known_family") || rule.starts_with("yara-user:")
}

/// Splits the verdicts into those to report and the package files that still match the MD5
/// their package recorded (whose hits are only heuristics and generic rules): a Debian
/// package's file, byte for byte, is not a webshell.
fn set_aside_package_files(
    root: &Root,
    packages: &PackageFiles,
    verdicts: Vec<FileVerdict>,
) -> (Vec<FileVerdict>, Vec<(FileVerdict, String)>) {
    if packages.is_empty() {
        return (verdicts, Vec::new());
    }
    let mut kept = Vec::new();
    let mut unchanged = Vec::new();
    for v in verdicts {
        let path = std::path::Path::new(&v.path);
        let family = v.hits.iter().any(|h| names_a_family(&h.rule));
        match (!family && packages.owner(path).is_some())
            .then(|| packages.unchanged(root, path))
            .flatten()
        {
            Some(pkg) => {
                let pkg = pkg.to_string();
                unchanged.push((v, pkg));
            }
            None => kept.push(v),
        }
    }
    (kept, unchanged)
}

/// One info finding that says how many heuristic hits were on unchanged package files.
fn report_unchanged_package_files(unchanged: &[(FileVerdict, String)], out: &mut Outcome) {
    if unchanged.is_empty() {
        return;
    }
    let listed: Vec<serde_json::Value> = unchanged
        .iter()
        .take(MAX_HUNT_FINDINGS_PER_REASON)
        .map(|(v, pkg)| {
            json!({
                "path": v.path,
                "package": pkg,
                "rules": v.hits.iter().map(|h| h.rule.as_str()).collect::<Vec<_>>(),
            })
        })
        .collect();
    out.add(
        WEBSHELL
            .finding(
                Severity::Info,
                format!(
                    "{} file(s) matched webshell heuristics but are unchanged files of Debian \
                     packages (MD5 as dpkg recorded it): not reported as webshells",
                    unchanged.len()
                ),
            )
            .evidence(json!({ "files": listed, "count": unchanged.len() })),
    );
}

fn report_verdict(v: &FileVerdict, users: &UserDb, out: &mut Outcome) {
    let Some(top) = v.hits.iter().max_by_key(|h| h.severity) else {
        return;
    };
    let is_config = v.hits.iter().all(|h| {
        h.rule.starts_with("trick.auto_prepend") || h.rule.starts_with("trick.php_handler")
    });
    let info = if is_config { &CONFIG_TRICK } else { &WEBSHELL };
    let rules: Vec<&str> = v.hits.iter().map(|h| h.rule.as_str()).collect();
    let owner = users.user_label(v.uid);
    out.add(
        info.finding(
            v.severity,
            format!(
                "{} — {} ({}): {}",
                v.path, top.rule, top.description, top.excerpt
            ),
        )
        .path(v.path.clone())
        .user(owner.clone())
        .at(v.mtime)
        .evidence(json!({
            "rules": rules,
            "hits": v.hits,
            "lang": v.lang,
            "encoding": v.encoding,
            "sha256": v.sha256,
            "size": v.size,
            "owner": owner,
            "mtime": v.mtime,
            "ctime": v.ctime,
            "truncated": v.truncated,
        })),
    );
}

/// Individual findings per hunt reason before they are summarised.
const MAX_HUNT_FINDINGS_PER_REASON: usize = 50;

fn report_hunt(hits: &[hunt::HuntHit], users: &UserDb, out: &mut Outcome) {
    let mut per_reason: std::collections::HashMap<hunt::HuntReason, usize> = Default::default();
    for h in hits {
        let n = per_reason.entry(h.reason).or_default();
        *n += 1;
        if *n > MAX_HUNT_FINDINGS_PER_REASON {
            continue;
        }
        let owner = users.user_label(h.uid);
        out.add(
            FILES
                .finding(
                    h.reason.severity(),
                    format!("{}: {}", h.path, h.reason.describe()),
                )
                .path(h.path.clone())
                .user(owner.clone())
                .at(h.mtime)
                .evidence(json!({
                    "reason": h.reason,
                    "owner": owner,
                    "mode": format!("{:o}", h.mode & 0o7777),
                    "size": h.size,
                    "mtime": h.mtime,
                    "ctime": h.ctime,
                })),
        );
    }
    for (reason, n) in per_reason {
        if n > MAX_HUNT_FINDINGS_PER_REASON {
            out.add(FILES.finding(
                reason.severity(),
                format!(
                    "{} more files: {} (only the first {} are listed)",
                    n - MAX_HUNT_FINDINGS_PER_REASON,
                    reason.describe(),
                    MAX_HUNT_FINDINGS_PER_REASON
                ),
            ));
        }
    }
}

fn report_logs(a: &LogAnalysis, out: &mut Outcome) {
    // Per source, weighed (crate::logs::verdict): own findings for answered exploits (and
    // Shellshock in the error log), one background finding per log kind for the rest.
    for f in crate::logs::verdict::log_findings(a, &ATTACK, &ERRORS) {
        out.add(f);
    }
}

fn report_chains(flagged: &[&FileVerdict], roots: &[String], a: &LogAnalysis, out: &mut Outcome) {
    let posts_of = |ip: &str| a.posts.get(ip).cloned().unwrap_or_default();
    for v in flagged {
        let Some(mtime) = v.mtime else { continue };
        for c in correlate::chains_for(&v.path, mtime, roots, &a.watched, &posts_of) {
            let upload = c
                .upload_request
                .as_ref()
                .map(|(t, m, p)| {
                    format!(
                        "; just before, the same IP sent {m} {p} at {}",
                        huoyan_core::time::format_utc(*t)
                    )
                })
                .unwrap_or_default();
            out.add(
                WEBSHELL_USE
                    .finding(
                        Severity::Critical,
                        format!(
                            "{} requested {} ({}) at {} ({} {}), after the file was written at {}{}",
                            c.ip,
                            c.file,
                            c.url_path,
                            huoyan_core::time::format_utc(c.first_use),
                            c.first_use_method,
                            c.first_use_status.map(|s| s.to_string()).unwrap_or_default(),
                            huoyan_core::time::format_utc(c.file_mtime),
                            upload
                        ),
                    )
                    .ip(c.ip.clone())
                    .path(c.file.clone())
                    .at(Some(c.first_use))
                    .evidence(json!(c)),
            );
        }
    }
}
