//! Where the web servers write their logs, read from their own configuration.
//!
//! Web logs are the first thing a responder needs after a webshell, and they are often not under
//! /var/log: panels such as BaoTa put them in /www/wwwlogs, source builds in
//! /usr/local/nginx/logs, and every virtual host may name its own file. So the collector reads
//! nginx (`access_log`, `error_log`), Apache (`ErrorLog`, `CustomLog`, `TransferLog`,
//! `ServerRoot`, `${APACHE_LOG_DIR}` from `envvars`), lighttpd (`server.errorlog`,
//! `accesslog.filename`) and Caddy (`output file`) configuration and turns every log path into a
//! pattern (variables become `*`) whose rotations are collected too.
//!
//! The parsers are pure functions over the configuration bytes; [`find_web_logs`] reads the files
//! through [`Root`].

use std::path::Path;

use huoyan_core::root::WalkOptions;
use huoyan_core::{Gap, Root};

use crate::rules::WebRules;

/// Largest configuration file parsed (bigger files are not configuration).
const MAX_CONFIG: u64 = 1024 * 1024;

/// Which server a configuration file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// nginx / OpenResty / Tengine.
    Nginx,
    /// Apache httpd.
    Apache,
    /// lighttpd.
    Lighttpd,
    /// Caddy.
    Caddy,
}

impl Flavor {
    /// Guesses the flavor from the configuration path.
    pub fn from_path(path: &str) -> Option<Self> {
        let p = path.to_ascii_lowercase();
        if p.contains("nginx") || p.contains("openresty") || p.contains("tengine") {
            Some(Flavor::Nginx)
        } else if p.contains("apache") || p.contains("httpd") {
            Some(Flavor::Apache)
        } else if p.contains("lighttpd") {
            Some(Flavor::Lighttpd)
        } else if p.contains("caddy") {
            Some(Flavor::Caddy)
        } else {
            None
        }
    }
}

fn strip_comments(data: &[u8]) -> String {
    let text = String::from_utf8_lossy(data);
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_quote: Option<char> = None;
        for c in line.chars() {
            match (c, in_quote) {
                ('#', None) => break,
                ('"' | '\'', None) => in_quote = Some(c),
                (q, Some(open)) if q == open => in_quote = None,
                _ => {}
            }
            out.push(c);
        }
        out.push('\n');
    }
    out
}

/// Splits a directive into words, honouring double and single quotes.
fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut started = false;
    for c in s.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                started = true;
            }
            None if c.is_whitespace() => {
                if started {
                    out.push(std::mem::take(&mut cur));
                    started = false;
                }
            }
            None => {
                cur.push(c);
                started = true;
            }
        }
    }
    if started {
        out.push(cur);
    }
    out
}

/// Log paths named by an nginx configuration (as written: may be relative or hold variables).
pub fn parse_nginx(data: &[u8]) -> Vec<String> {
    let text = strip_comments(data);
    let mut out = Vec::new();
    for stmt in text.split([';', '{', '}']) {
        let w = words(stmt);
        if let [directive, path, ..] = w.as_slice() {
            if (directive == "access_log" || directive == "error_log") && usable(path) {
                out.push(path.clone());
            }
        }
    }
    out
}

/// Log paths and the ServerRoot named by an Apache configuration.
pub fn parse_apache(data: &[u8]) -> (Vec<String>, Option<String>) {
    let text = strip_comments(data);
    let mut logs = Vec::new();
    let mut server_root = None;
    for line in text.lines() {
        let w = words(line);
        let [directive, arg, ..] = w.as_slice() else {
            continue;
        };
        match directive.to_ascii_lowercase().as_str() {
            "errorlog" | "customlog" | "transferlog" | "globallog" => {
                if let Some(piped) = arg.strip_prefix('|') {
                    // `|/usr/bin/rotatelogs /var/log/x.%Y 86400`: the first absolute path after
                    // the program is the log file.
                    let inner = words(piped.trim_start_matches('|'));
                    if let Some(p) = inner.iter().skip(1).find(|p| p.starts_with('/')) {
                        logs.push(p.clone());
                    }
                } else if usable(arg) {
                    logs.push(arg.clone());
                }
            }
            "serverroot" => server_root = Some(arg.clone()),
            _ => {}
        }
    }
    (logs, server_root)
}

/// Log paths named by a lighttpd configuration.
pub fn parse_lighttpd(data: &[u8]) -> Vec<String> {
    let text = strip_comments(data);
    let mut out = Vec::new();
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key == "server.errorlog" || key == "accesslog.filename" {
            if let Some(path) = words(value.trim()).into_iter().next() {
                if usable(&path) {
                    out.push(path);
                }
            }
        }
    }
    out
}

/// Log paths named by a Caddyfile (`output file PATH`).
pub fn parse_caddy(data: &[u8]) -> Vec<String> {
    let text = strip_comments(data);
    let mut out = Vec::new();
    for line in text.lines() {
        if let [output, file, path, ..] = words(line).as_slice() {
            if output == "output" && file == "file" && usable(path) {
                out.push(path.clone());
            }
        }
    }
    out
}

/// `export NAME=value` pairs of Apache's `envvars` file (Debian's ${APACHE_LOG_DIR}).
pub fn parse_envvars(data: &[u8]) -> Vec<(String, String)> {
    let text = strip_comments(data);
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let line = line.strip_prefix("export ").unwrap_or(line);
        if let Some((name, value)) = line.split_once('=') {
            let name = name.trim();
            if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                let value = words(value).into_iter().next().unwrap_or_default();
                out.push((name.to_string(), value.replace("$SUFFIX", "")));
            }
        }
    }
    out
}

fn usable(path: &str) -> bool {
    !path.is_empty()
        && path != "off"
        && !path.starts_with("syslog:")
        && !path.starts_with("memory:")
        && !path.starts_with("/dev/")
        && !path.starts_with("stderr")
        && !path.starts_with("stdout")
}

/// Turns a configured log path into an absolute glob pattern: `${VAR}` expanded from `vars`,
/// nginx `$variables` and strftime `%x` become `*`, relative paths are joined to `base`. The
/// pattern ends with `*` so rotations (`.1`, `.2.gz`, `-20261128`) come along.
pub fn to_pattern(path: &str, vars: &[(String, String)], base: &str) -> Option<String> {
    let mut expanded = path.to_string();
    for (name, value) in vars {
        expanded = expanded.replace(&format!("${{{name}}}"), value);
    }
    let mut out = String::new();
    let mut chars = expanded.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => {
                if chars.peek() == Some(&'{') {
                    for n in chars.by_ref() {
                        if n == '}' {
                            break;
                        }
                    }
                } else {
                    while chars
                        .peek()
                        .is_some_and(|n| n.is_ascii_alphanumeric() || *n == '_')
                    {
                        chars.next();
                    }
                }
                out.push('*');
            }
            '%' => {
                chars.next();
                out.push('*');
            }
            _ => out.push(c),
        }
    }
    let absolute = if out.starts_with('/') {
        out
    } else {
        format!("{}/{}", base.trim_end_matches('/'), out)
    };
    // `..` could climb out of the log directory: such a configured path is ignored.
    if absolute.split('/').any(|c| c == "..") {
        return None;
    }
    let mut pattern = String::with_capacity(absolute.len() + 1);
    for c in absolute.chars().chain(std::iter::once('*')) {
        if !(c == '*' && pattern.ends_with('*')) {
            pattern.push(c);
        }
    }
    Some(pattern)
}

/// Reads the web configuration of a root and returns (configuration files, log patterns, gaps).
pub fn find_web_logs(root: &Root, rules: &WebRules) -> (Vec<String>, Vec<String>, Vec<Gap>) {
    let mut configs: Vec<String> = Vec::new();
    let mut gaps = Vec::new();
    for top in &rules.configs {
        match root.stat(top) {
            Ok(meta) if meta.kind == huoyan_core::FileKind::Dir => {
                let opts = WalkOptions {
                    max_depth: 8,
                    same_device: true,
                    max_entries: 100_000,
                    names_only: false,
                    report_depth_cap: true,
                };
                let mut errors = Vec::new();
                match crate::dirwalk::walk(root, Path::new(top), &opts, &mut errors) {
                    Ok(entries) => configs.extend(
                        entries
                            .into_iter()
                            .filter(|e| {
                                e.meta.kind == huoyan_core::FileKind::File
                                    && e.meta.size <= MAX_CONFIG
                            })
                            .map(|e| e.path.display().to_string()),
                    ),
                    Err(e) => errors.push(e),
                }
                gaps.extend(errors.iter().map(|e| Gap::from_error("collect.web", e)));
            }
            Ok(_) => configs.push(top.clone()),
            Err(e) if e.is_not_found() => {}
            Err(e) => gaps.push(Gap::from_error("collect.web", &e)),
        }
    }
    let mut vars: Vec<(String, String)> = Vec::new();
    for envvars in ["/etc/apache2/envvars", "/etc/sysconfig/httpd"] {
        if let Ok(data) = root.read_capped(envvars, MAX_CONFIG) {
            vars.extend(parse_envvars(&data.data));
        }
    }
    let mut patterns = Vec::new();
    for config in &configs {
        let Some(flavor) = Flavor::from_path(config) else {
            continue;
        };
        let data = match root.read_capped(config, MAX_CONFIG) {
            Ok(c) => c.data,
            Err(e) => {
                gaps.push(Gap::from_error("collect.web", &e));
                continue;
            }
        };
        // Relative log paths are relative to the server's prefix: the directory above `conf/`
        // for source builds, the configuration directory itself for distribution packages.
        let config_dir = Path::new(config)
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "/".into());
        let prefix = config_dir
            .strip_suffix("/conf")
            .map(str::to_string)
            .unwrap_or_else(|| config_dir.clone());
        let (logs, base) = match flavor {
            Flavor::Nginx => (parse_nginx(&data), prefix),
            Flavor::Apache => {
                let (logs, server_root) = parse_apache(&data);
                (logs, server_root.unwrap_or(prefix))
            }
            Flavor::Lighttpd => (parse_lighttpd(&data), prefix),
            Flavor::Caddy => (parse_caddy(&data), prefix),
        };
        for log in logs {
            if let Some(p) = to_pattern(&log, &vars, &base) {
                if !patterns.contains(&p) {
                    patterns.push(p);
                }
            }
        }
    }
    // The web area's parsers follow the include trees from the main configuration files
    // (conf.d/*.conf, sites-enabled/*, IncludeOptional …), which catches configuration kept
    // outside the directories listed in the plan.
    let add = |log: &str, base: &str, patterns: &mut Vec<String>| {
        if log.starts_with('|') || !usable(log) {
            return;
        }
        if let Some(p) = to_pattern(log, &vars, base) {
            if !patterns.contains(&p) {
                patterns.push(p);
            }
        }
    };
    for entry in NGINX_MAIN {
        if !root.exists(entry) {
            continue;
        }
        let (directives, errors) = huoyan_artifacts::nginx_conf::read_tree(root, Path::new(entry));
        gaps.extend(errors.iter().map(|e| Gap::from_error("collect.web", e)));
        let facts = huoyan_artifacts::nginx_conf::facts(&directives);
        let base = server_prefix(entry);
        for log in facts.access_logs.iter().chain(&facts.error_logs) {
            add(log, &base, &mut patterns);
        }
    }
    for entry in APACHE_MAIN {
        if !root.exists(entry) {
            continue;
        }
        let (directives, errors) = huoyan_artifacts::apache_conf::read_tree(root, Path::new(entry));
        gaps.extend(errors.iter().map(|e| Gap::from_error("collect.web", e)));
        let facts = huoyan_artifacts::apache_conf::facts(&directives);
        let base = server_prefix(entry);
        for log in facts.access_logs.iter().chain(&facts.error_logs) {
            add(log, &base, &mut patterns);
        }
    }
    (configs, patterns, gaps)
}

/// Main nginx configuration files of distribution packages, source builds and panels.
const NGINX_MAIN: &[&str] = &[
    "/etc/nginx/nginx.conf",
    "/usr/local/nginx/conf/nginx.conf",
    "/usr/local/openresty/nginx/conf/nginx.conf",
    "/www/server/nginx/conf/nginx.conf",
];

/// Main Apache configuration files.
const APACHE_MAIN: &[&str] = &[
    "/etc/apache2/apache2.conf",
    "/etc/httpd/conf/httpd.conf",
    "/usr/local/apache2/conf/httpd.conf",
    "/www/server/apache/conf/httpd.conf",
];

/// The directory relative log paths are anchored to: above `conf/` for source builds, the
/// configuration directory for distribution packages.
fn server_prefix(main_config: &str) -> String {
    let dir = Path::new(main_config)
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "/".into());
    dir.strip_suffix("/conf").map(str::to_string).unwrap_or(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NGINX: &[u8] = b"user www-data;\nerror_log /var/log/nginx/error.log warn; # main\n\
http {\n  access_log /www/wwwlogs/site.log main;\n  access_log off;\n\
  access_log syslog:server=10.0.0.1;\n  server { access_log logs/$host.access.log; }\n}\n";

    #[test]
    fn nginx_directives() {
        assert_eq!(
            parse_nginx(NGINX),
            vec![
                "/var/log/nginx/error.log",
                "/www/wwwlogs/site.log",
                "logs/$host.access.log"
            ]
        );
    }

    #[test]
    fn apache_directives_and_envvars() {
        let conf = b"ServerRoot \"/etc/httpd\"\nErrorLog ${APACHE_LOG_DIR}/error.log\n\
CustomLog \"logs/access_log\" combined\n#CustomLog /hidden.log\n\
CustomLog \"|/usr/bin/rotatelogs /var/log/httpd/acc.%Y%m%d 86400\" common\n";
        let (logs, root) = parse_apache(conf);
        assert_eq!(root.as_deref(), Some("/etc/httpd"));
        assert_eq!(
            logs,
            vec![
                "${APACHE_LOG_DIR}/error.log",
                "logs/access_log",
                "/var/log/httpd/acc.%Y%m%d"
            ]
        );
        let vars = parse_envvars(b"export APACHE_LOG_DIR=/var/log/apache2$SUFFIX\n");
        assert_eq!(
            to_pattern(&logs[0], &vars, "/etc/httpd").as_deref(),
            Some("/var/log/apache2/error.log*")
        );
        assert_eq!(
            to_pattern(&logs[1], &vars, "/etc/httpd").as_deref(),
            Some("/etc/httpd/logs/access_log*")
        );
        assert_eq!(
            to_pattern(&logs[2], &vars, "/").as_deref(),
            Some("/var/log/httpd/acc.*")
        );
    }

    #[test]
    fn nginx_variables_become_wildcards() {
        assert_eq!(
            to_pattern("logs/$host.access.log", &[], "/usr/local/nginx").as_deref(),
            Some("/usr/local/nginx/logs/*.access.log*")
        );
        assert_eq!(to_pattern("/x/../etc/shadow", &[], "/"), None);
    }

    #[test]
    fn lighttpd_and_caddy() {
        assert_eq!(
            parse_lighttpd(b"server.errorlog = \"/var/log/lighttpd/error.log\"\n"),
            vec!["/var/log/lighttpd/error.log"]
        );
        assert_eq!(
            parse_caddy(b"log {\n  output file /var/log/caddy/a.log\n}\n"),
            vec!["/var/log/caddy/a.log"]
        );
    }

    #[test]
    fn includes_outside_the_config_dirs_are_followed() {
        let dir = tempfile::tempdir().expect("tmp");
        let write = |p: &str, data: &str| {
            let host = dir.path().join(p);
            std::fs::create_dir_all(host.parent().expect("parent")).expect("mkdir");
            std::fs::write(host, data).expect("write");
        };
        write(
            "etc/nginx/nginx.conf",
            "http {\n  include /opt/sites/*.conf;\n}\n",
        );
        write(
            "opt/sites/shop.conf",
            "server { access_log /data/logs/shop.log; }\n",
        );
        let root = Root::new(dir.path()).expect("root");
        let rules = WebRules {
            configs: vec!["/etc/nginx".into()],
        };
        let (configs, patterns, _gaps) = find_web_logs(&root, &rules);
        assert_eq!(configs, vec!["/etc/nginx/nginx.conf"]);
        assert!(
            patterns.contains(&"/data/logs/shop.log*".to_string()),
            "{patterns:?}"
        );
    }

    #[test]
    fn garbage_does_not_panic() {
        let junk: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
        let _ = parse_nginx(&junk);
        let _ = parse_apache(&junk);
        let _ = parse_lighttpd(&junk);
        let _ = parse_caddy(&junk);
        let _ = parse_envvars(&junk);
        assert!(parse_nginx(b"access_log \"unterminated").len() <= 1);
    }
}
