//! The web estate: which directories a server publishes, which logs it writes, and as whom it
//! runs — read from the host's own configs (nginx, Apache, Tomcat, PHP-FPM) plus `--web-root`.
//!
//! Everything else in this crate starts here: the webshell scan walks [`WebEstate::roots`], the
//! file hunt looks for files owned by [`WebEstate::web_users`], and the access-log analysis reads
//! [`WebEstate::logs`]. The usual default locations (Debian, Red Hat, BT-Panel 宝塔 `/www/wwwroot`,
//! LNMP `/home/wwwroot`) are added when they exist, because configs on a hacked box can be
//! missing, edited or in an unusual place.

use std::path::{Path, PathBuf};

use huoyan_artifacts::{apache_conf, config_glob, nginx_conf, php_fpm, tomcat};
use huoyan_core::{FileKind, Gap, Root};
use serde::Serialize;

/// Where a web root came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebRoot {
    /// Logical path inside the root.
    pub path: PathBuf,
    /// Config file (or `--web-root`, `default`) that named it.
    pub source: String,
}

/// What kind of log a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LogKind {
    /// One request per line.
    Access,
    /// Server error log.
    Error,
}

/// A log file (or the base name of a rotated set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogSource {
    /// Logical path.
    pub path: PathBuf,
    /// Access or error log.
    pub kind: LogKind,
    /// Config file that named it, or `default`.
    pub source: String,
}

/// The whole estate.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WebEstate {
    /// Content directories (deduplicated; nested ones folded into their parent).
    pub roots: Vec<WebRoot>,
    /// Log files (rotations are found by [`crate::logs::reader`]).
    pub logs: Vec<LogSource>,
    /// Users the web server and PHP run as.
    pub web_users: Vec<String>,
    /// Files with `auto_prepend_file` set in a pool or php.ini: (config, target).
    pub prepend_settings: Vec<(String, String)>,
    /// Handler mappings of PHP onto other extensions found in server configs.
    pub handler_tricks: Vec<(String, String)>,
    /// What could not be read.
    #[serde(skip)]
    pub gaps: Vec<Gap>,
}

const NGINX_CONFS: &[&str] = &[
    "/etc/nginx/nginx.conf",
    "/usr/local/nginx/conf/nginx.conf",
    "/www/server/nginx/conf/nginx.conf",
    "/usr/local/openresty/nginx/conf/nginx.conf",
];
const APACHE_CONFS: &[&str] = &[
    "/etc/apache2/apache2.conf",
    "/etc/httpd/conf/httpd.conf",
    "/usr/local/apache2/conf/httpd.conf",
    "/www/server/apache/conf/httpd.conf",
];
const TOMCAT_BASES: &[&str] = &[
    "/var/lib/tomcat*",
    "/etc/tomcat*",
    "/opt/tomcat*",
    "/usr/share/tomcat*",
    "/usr/local/tomcat*",
    "/opt/apache-tomcat*",
];
const FPM_POOLS: &[&str] = &[
    "/etc/php/*/fpm/pool.d/*.conf",
    "/etc/php-fpm.d/*.conf",
    "/etc/php/*/fpm/php-fpm.conf",
    "/etc/php-fpm.conf",
    "/www/server/php/*/etc/php-fpm.conf",
];
const PHP_INIS: &[&str] = &[
    "/etc/php/*/fpm/php.ini",
    "/etc/php/*/apache2/php.ini",
    "/etc/php/*/cgi/php.ini",
    "/etc/php.ini",
    "/www/server/php/*/etc/php.ini",
    "/usr/local/php/etc/php.ini",
];
const DEFAULT_ROOTS: &[&str] = &[
    "/var/www",
    "/srv/www",
    "/srv/http",
    "/usr/share/nginx/html",
    "/www/wwwroot",
    "/home/wwwroot",
    "/data/wwwroot",
    "/opt/lampp/htdocs",
    "/home/*/public_html",
];
const DEFAULT_LOG_DIRS: &[&str] = &[
    "/var/log/nginx",
    "/var/log/apache2",
    "/var/log/httpd",
    "/usr/local/nginx/logs",
    "/www/wwwlogs",
    "/home/wwwlogs",
    "/var/log/tomcat*",
    "/opt/tomcat*/logs",
];
/// Account names web servers and PHP commonly run as.
pub const DEFAULT_WEB_USERS: &[&str] = &[
    "www-data", "nginx", "apache", "httpd", "www", "nobody", "http", "tomcat", "tomcat9",
    "tomcat10", "php-fpm", "lighttpd", "wwwrun",
];

impl WebEstate {
    fn add_root(&mut self, path: PathBuf, source: &str) {
        if !self.roots.iter().any(|r| r.path == path) {
            self.roots.push(WebRoot {
                path,
                source: source.to_string(),
            });
        }
    }

    fn add_log(&mut self, path: PathBuf, kind: LogKind, source: &str) {
        if !self.logs.iter().any(|l| l.path == path) {
            self.logs.push(LogSource {
                path,
                kind,
                source: source.to_string(),
            });
        }
    }

    fn add_user(&mut self, user: &str) {
        let user = user.trim_matches(['"', ';']).to_string();
        if !user.is_empty() && !self.web_users.contains(&user) {
            self.web_users.push(user);
        }
    }
}

fn expand(root: &Root, pattern: &str, estate: &mut WebEstate) -> Vec<PathBuf> {
    if !pattern.contains(['*', '?', '[']) {
        return vec![PathBuf::from(pattern)];
    }
    // Expand directories too: config_glob returns files and directory contents, so expand the
    // parent pattern and keep the matches of the last component.
    let p = Path::new(pattern);
    let (Some(parent), Some(last)) = (p.parent(), p.file_name()) else {
        return Vec::new();
    };
    let parents: Vec<PathBuf> = if parent.to_string_lossy().contains(['*', '?', '[']) {
        expand(root, &parent.to_string_lossy(), estate)
    } else {
        vec![parent.to_path_buf()]
    };
    let mut out = Vec::new();
    for dir in parents {
        match root.read_dir(&dir) {
            Ok(entries) => {
                use std::os::unix::ffi::OsStrExt;
                for e in entries {
                    if config_glob::wildcard_match(last.as_encoded_bytes(), e.name.as_bytes()) {
                        out.push(e.path);
                    }
                }
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => estate.gaps.push(Gap::from_error("web.estate", &e)),
        }
    }
    out
}

fn is_dir(root: &Root, p: &Path) -> bool {
    matches!(root.stat(p), Ok(m) if m.kind == FileKind::Dir)
}

/// Discovers the estate. `extra_roots` come from `--web-root`.
pub fn discover(root: &Root, extra_roots: &[PathBuf]) -> WebEstate {
    let mut estate = WebEstate::default();
    for r in extra_roots {
        estate.add_root(r.clone(), "--web-root");
    }
    for conf in NGINX_CONFS {
        let conf = Path::new(conf);
        if root.stat(conf).is_err() {
            continue;
        }
        let (directives, errors) = nginx_conf::read_tree(root, conf);
        for e in errors.iter().filter(|e| !e.is_not_found()) {
            estate.gaps.push(Gap::from_error("web.estate", e));
        }
        let facts = nginx_conf::facts(&directives);
        let src = conf.display().to_string();
        for d in facts.content_dirs {
            estate.add_root(
                config_glob::absolutize(Path::new("/usr/share/nginx"), &d),
                &src,
            );
        }
        for l in facts.access_logs {
            estate.add_log(
                config_glob::absolutize(Path::new("/var/log/nginx"), &l),
                LogKind::Access,
                &src,
            );
        }
        for l in facts.error_logs {
            estate.add_log(
                config_glob::absolutize(Path::new("/var/log/nginx"), &l),
                LogKind::Error,
                &src,
            );
        }
        if let Some(u) = facts.user {
            estate.add_user(&u);
        }
    }
    for conf in APACHE_CONFS {
        let conf = Path::new(conf);
        if root.stat(conf).is_err() {
            continue;
        }
        let (directives, errors) = apache_conf::read_tree(root, conf);
        for e in errors.iter().filter(|e| !e.is_not_found()) {
            estate.gaps.push(Gap::from_error("web.estate", e));
        }
        let facts = apache_conf::facts(&directives);
        let base = conf.parent().unwrap_or(Path::new("/"));
        let src = conf.display().to_string();
        for d in facts.content_dirs {
            estate.add_root(config_glob::absolutize(base, &d), &src);
        }
        for l in facts.access_logs {
            estate.add_log(config_glob::absolutize(base, &l), LogKind::Access, &src);
        }
        for l in facts.error_logs {
            estate.add_log(config_glob::absolutize(base, &l), LogKind::Error, &src);
        }
        if let Some(u) = facts.user {
            estate.add_user(&u);
        }
        for h in facts.php_handler_lines {
            estate.handler_tricks.push((src.clone(), h));
        }
    }
    for pattern in TOMCAT_BASES {
        for base in expand(root, pattern, &mut estate) {
            let server_xml = base.join("conf/server.xml");
            let alt = base.join("server.xml");
            let file = if root.stat(&server_xml).is_ok() {
                server_xml
            } else if root.stat(&alt).is_ok() {
                alt
            } else {
                continue;
            };
            let data = match root.read_capped(&file, 4 * 1024 * 1024) {
                Ok(c) => c.data,
                Err(e) => {
                    estate.gaps.push(Gap::from_error("web.estate", &e));
                    continue;
                }
            };
            let facts = tomcat::facts(&tomcat::parse_elements(&data));
            let src = file.display().to_string();
            for a in facts.app_bases.iter().chain(facts.doc_bases.iter()) {
                estate.add_root(config_glob::absolutize(&base, a), &src);
            }
            for (dir, _prefix) in facts.access_logs {
                let d = config_glob::absolutize(&base, &dir);
                estate.add_log(d, LogKind::Access, &src);
            }
            estate.add_user("tomcat");
        }
    }
    for pattern in FPM_POOLS {
        for file in expand(root, pattern, &mut estate) {
            let Ok(c) = root.read_capped(&file, 1024 * 1024) else {
                continue;
            };
            let src = file.display().to_string();
            for pool in php_fpm::pools(&php_fpm::parse(&c.data)) {
                if let Some(u) = &pool.user {
                    estate.add_user(u);
                }
                if let Some(d) = &pool.chdir {
                    if d != "/" {
                        estate.add_root(PathBuf::from(d), &src);
                    }
                }
                if let Some(l) = &pool.access_log {
                    estate.add_log(PathBuf::from(l), LogKind::Access, &src);
                }
                for p in pool.prepend_files {
                    estate.prepend_settings.push((src.clone(), p));
                }
            }
        }
    }
    for pattern in PHP_INIS {
        for file in expand(root, pattern, &mut estate) {
            let Ok(c) = root.read_capped(&file, 4 * 1024 * 1024) else {
                continue;
            };
            for e in php_fpm::parse(&c.data) {
                if php_fpm::is_prepend_key(&e.key) && !e.value.is_empty() && e.value != "none" {
                    estate
                        .prepend_settings
                        .push((file.display().to_string(), e.value));
                }
            }
        }
    }
    for pattern in DEFAULT_ROOTS {
        for dir in expand(root, pattern, &mut estate) {
            if is_dir(root, &dir) {
                estate.add_root(dir, "default");
            }
        }
    }
    for pattern in DEFAULT_LOG_DIRS {
        for dir in expand(root, pattern, &mut estate) {
            let Ok(entries) = root.read_dir(&dir) else {
                continue;
            };
            for e in entries {
                if e.kind != FileKind::File {
                    continue;
                }
                let name = e.name.to_string_lossy().to_ascii_lowercase();
                let kind = if name.contains("error") {
                    LogKind::Error
                } else if name.contains("access") || name.ends_with(".log") {
                    LogKind::Access
                } else {
                    continue;
                };
                // Rotations are picked up by the reader from the base name.
                let base = crate::logs::reader::rotation_base(&e.path);
                estate.add_log(base, kind, "default");
            }
        }
    }
    for u in DEFAULT_WEB_USERS {
        estate.add_user(u);
    }
    fold_nested(&mut estate.roots);
    estate
}

/// Drops roots inside other roots (the walk covers them) and roots that do not exist.
fn fold_nested(roots: &mut Vec<WebRoot>) {
    roots.sort_by(|a, b| a.path.cmp(&b.path));
    let mut kept: Vec<WebRoot> = Vec::new();
    for r in roots.drain(..) {
        if kept.iter().any(|k| r.path.starts_with(&k.path)) {
            continue;
        }
        kept.push(r);
    }
    *roots = kept;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nginx_apache_and_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path();
        for d in [
            "etc/nginx/sites-enabled",
            "srv/shop/public",
            "var/www/html",
            "var/log/nginx",
        ] {
            std::fs::create_dir_all(p.join(d)).expect("mkdir");
        }
        std::fs::write(
            p.join("etc/nginx/nginx.conf"),
            "user nginx;\nhttp { include sites-enabled/*; }",
        )
        .expect("w");
        std::fs::write(
            p.join("etc/nginx/sites-enabled/shop"),
            "server { root /srv/shop/public; access_log /var/log/nginx/shop.access.log; }",
        )
        .expect("w");
        std::fs::write(p.join("var/log/nginx/access.log.2.gz"), b"").expect("w");
        let root = Root::new(p).expect("root");
        let e = discover(&root, &[PathBuf::from("/opt/app")]);
        let roots: Vec<_> = e
            .roots
            .iter()
            .map(|r| r.path.display().to_string())
            .collect();
        assert!(roots.contains(&"/srv/shop/public".to_string()), "{roots:?}");
        assert!(roots.contains(&"/var/www".to_string()), "{roots:?}");
        assert!(roots.contains(&"/opt/app".to_string()));
        assert!(!roots.contains(&"/var/www/html".to_string()));
        assert!(e.web_users.contains(&"nginx".to_string()));
        let logs: Vec<_> = e
            .logs
            .iter()
            .map(|l| l.path.display().to_string())
            .collect();
        assert!(logs.contains(&"/var/log/nginx/shop.access.log".to_string()));
        assert!(
            logs.contains(&"/var/log/nginx/access.log".to_string()),
            "{logs:?}"
        );
    }
}
