//! Apache httpd configuration: `/etc/apache2/apache2.conf` (Debian), `/etc/httpd/conf/httpd.conf`
//! (Red Hat) and everything they `Include`/`IncludeOptional`.
//!
//! Webshells are hunted under `DocumentRoot` and `Alias` targets, and attackers' requests are read
//! from the `CustomLog`/`TransferLog` files, so the responder needs those from the host's own
//! config, including every virtual host. Apache's syntax is line based: one directive per line,
//! `\` continues a line, `<Section arg>` … `</Section>` nest, `#` starts a comment at the start of
//! a line. `${VAR}` references are substituted from Debian's `/etc/apache2/envvars`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use huoyan_core::{Root, RootError};

use crate::config_glob;
use crate::nginx_conf::MAX_CONFIG_FILES;

/// One directive line (section openers appear as directives named `<VirtualHost` etc.).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Directive name as written (`DocumentRoot`).
    pub name: String,
    /// Arguments with quotes removed.
    pub args: Vec<String>,
    /// 1-based line number.
    pub line: usize,
    /// File it came from (filled by [`read_tree`]).
    pub file: Option<PathBuf>,
}

/// Splits a directive's arguments: whitespace separated, `"…"` quoted.
fn split_args(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_quote = false;
    let mut has = false;
    for c in s.chars() {
        match c {
            '"' => {
                in_quote = !in_quote;
                has = true;
            }
            c if c.is_whitespace() && !in_quote => {
                if has {
                    out.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            c => {
                cur.push(c);
                has = true;
            }
        }
    }
    if has {
        out.push(cur);
    }
    out
}

/// Parses one Apache config file. Variables are substituted from `vars`.
pub fn parse(data: &[u8], vars: &HashMap<String, String>) -> Vec<Directive> {
    let text = String::from_utf8_lossy(data);
    let mut out = Vec::new();
    let mut pending = String::new();
    let mut pending_line = 0;
    for (idx, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        if pending.is_empty() {
            pending_line = idx + 1;
        }
        if let Some(stripped) = line.strip_suffix('\\') {
            pending.push_str(stripped);
            pending.push(' ');
            continue;
        }
        pending.push_str(line);
        let full = std::mem::take(&mut pending);
        let trimmed = full.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let trimmed = trimmed.trim_end_matches('>');
        let substituted = substitute(trimmed, vars);
        let mut parts = split_args(&substituted);
        if parts.is_empty() {
            continue;
        }
        let name = parts.remove(0);
        out.push(Directive {
            name,
            args: parts,
            line: pending_line,
            file: None,
        });
    }
    out
}

fn substitute(s: &str, vars: &HashMap<String, String>) -> String {
    if !s.contains("${") {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                match vars.get(name) {
                    Some(v) => out.push_str(v),
                    None => {
                        out.push_str("${");
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Parses Debian's `envvars` shell fragment (`export APACHE_LOG_DIR=/var/log/apache2$SUFFIX`).
pub fn parse_envvars(data: &[u8]) -> HashMap<String, String> {
    let mut vars = HashMap::new();
    for line in String::from_utf8_lossy(data).lines() {
        let line = line.trim();
        let line = line.strip_prefix("export ").unwrap_or(line);
        if let Some((k, v)) = line.split_once('=') {
            if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !k.is_empty() {
                let v = v
                    .trim_matches('"')
                    .trim_matches('\'')
                    .replace("$SUFFIX", "");
                if !v.contains('$') {
                    vars.insert(k.to_string(), v);
                }
            }
        }
    }
    vars
}

/// Debian defaults for the variables its stock config uses, for when `envvars` is missing.
pub fn default_vars() -> HashMap<String, String> {
    let mut v = HashMap::new();
    v.insert("APACHE_LOG_DIR".into(), "/var/log/apache2".into());
    v.insert("APACHE_RUN_USER".into(), "www-data".into());
    v.insert("APACHE_RUN_GROUP".into(), "www-data".into());
    v
}

/// Reads `entry` and every included file. `ServerRoot` (default: the directory of the entry's
/// parent for `/etc/httpd/conf/httpd.conf`, else the entry's directory) anchors relative paths.
pub fn read_tree(root: &Root, entry: &Path) -> (Vec<Directive>, Vec<RootError>) {
    let mut vars = default_vars();
    let dir = entry.parent().unwrap_or(Path::new("/"));
    if let Ok(c) = root.read_capped(dir.join("envvars"), 1024 * 1024) {
        vars.extend(parse_envvars(&c.data));
    }
    let server_root = if dir.ends_with("conf") {
        dir.parent().unwrap_or(dir).to_path_buf()
    } else {
        dir.to_path_buf()
    };
    let mut state = TreeState {
        vars,
        server_root,
        out: Vec::new(),
        errors: Vec::new(),
        files_read: 0,
    };
    state.read_one(root, entry);
    (state.out, state.errors)
}

struct TreeState {
    vars: HashMap<String, String>,
    server_root: PathBuf,
    out: Vec<Directive>,
    errors: Vec<RootError>,
    files_read: usize,
}

impl TreeState {
    fn read_one(&mut self, root: &Root, file: &Path) {
        self.files_read += 1;
        if self.files_read > MAX_CONFIG_FILES {
            return;
        }
        let data = match root.read_capped(file, 4 * 1024 * 1024) {
            Ok(c) => c.data,
            Err(e) => {
                self.errors.push(e);
                return;
            }
        };
        for mut d in parse(&data, &self.vars) {
            d.file = Some(file.to_path_buf());
            let lower = d.name.to_ascii_lowercase();
            if lower == "serverroot" {
                if let Some(p) = d.args.first() {
                    self.server_root = PathBuf::from(p);
                }
            }
            if lower == "include" || lower == "includeoptional" {
                if let Some(p) = d.args.first() {
                    let pattern = config_glob::absolutize(&self.server_root, p);
                    let (files, errs) = config_glob::expand(root, &pattern);
                    self.errors.extend(errs);
                    for f in files {
                        self.read_one(root, &f);
                    }
                }
                continue;
            }
            self.out.push(d);
        }
    }
}

/// What a responder wants from an Apache config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApacheFacts {
    /// `DocumentRoot`, `Alias`/`ScriptAlias` targets and `<Directory>` paths.
    pub content_dirs: Vec<String>,
    /// `CustomLog`/`TransferLog` files (piped loggers excluded).
    pub access_logs: Vec<String>,
    /// `ErrorLog` files.
    pub error_logs: Vec<String>,
    /// `User`.
    pub user: Option<String>,
    /// Handler tricks: `AddType`/`AddHandler`/`SetHandler` mapping PHP onto other extensions.
    pub php_handler_lines: Vec<String>,
}

/// Extracts the facts from a directive list.
pub fn facts(directives: &[Directive]) -> ApacheFacts {
    let mut f = ApacheFacts::default();
    for d in directives {
        let lower = d.name.to_ascii_lowercase();
        let a0 = d.args.first().cloned();
        match (lower.as_str(), a0) {
            ("documentroot", Some(p)) => push(&mut f.content_dirs, p),
            ("alias" | "scriptalias" | "aliasmatch" | "scriptaliasmatch", _) => {
                if let Some(p) = d.args.get(1) {
                    push(&mut f.content_dirs, p.clone());
                }
            }
            ("customlog" | "transferlog", Some(p)) if !p.starts_with('|') => {
                push(&mut f.access_logs, p)
            }
            ("errorlog", Some(p)) if !p.starts_with('|') && !p.starts_with("syslog") => {
                push(&mut f.error_logs, p)
            }
            ("user", Some(u)) => f.user = Some(u),
            ("addtype" | "addhandler" | "sethandler", _) => {
                let joined = d.args.join(" ");
                if joined.to_ascii_lowercase().contains("php") {
                    f.php_handler_lines.push(format!("{} {}", d.name, joined));
                }
            }
            _ => {}
        }
    }
    f
}

fn push(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VHOST: &str = "<VirtualHost *:80>\n\tServerAdmin webmaster@localhost\n\
        \tDocumentRoot /var/www/html\n\tAlias /files \"/srv/up loads\"\n\
        \tErrorLog ${APACHE_LOG_DIR}/error.log\n\
        \tCustomLog ${APACHE_LOG_DIR}/access.log combined\n\
        \tCustomLog \"|/usr/bin/rotatelogs /x 86400\" common\n\
        # DocumentRoot /commented\n</VirtualHost>\n";

    #[test]
    fn parses_debian_vhost() {
        let f = facts(&parse(VHOST.as_bytes(), &default_vars()));
        assert_eq!(f.content_dirs, vec!["/var/www/html", "/srv/up loads"]);
        assert_eq!(f.access_logs, vec!["/var/log/apache2/access.log"]);
        assert_eq!(f.error_logs, vec!["/var/log/apache2/error.log"]);
    }

    #[test]
    fn continuation_and_garbage() {
        let d = parse(
            b"DocumentRoot \\\n  /a\n\xff\xfe\n${UNCLOSED\n",
            &HashMap::new(),
        );
        assert_eq!(facts(&d).content_dirs, vec!["/a"]);
        let _ = parse(b"\\", &HashMap::new());
    }

    #[test]
    fn envvars_and_includes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let etc = dir.path().join("etc/apache2");
        std::fs::create_dir_all(etc.join("sites-enabled")).expect("mkdir");
        std::fs::write(
            etc.join("envvars"),
            "export APACHE_RUN_USER=www-data\nexport APACHE_LOG_DIR=/var/log/apache2$SUFFIX\n",
        )
        .expect("w");
        std::fs::write(
            etc.join("apache2.conf"),
            "User ${APACHE_RUN_USER}\nIncludeOptional sites-enabled/*.conf\nInclude missing.conf\n",
        )
        .expect("w");
        std::fs::write(etc.join("sites-enabled/000-default.conf"), VHOST).expect("w");
        let root = Root::new(dir.path()).expect("root");
        let (d, errors) = read_tree(&root, Path::new("/etc/apache2/apache2.conf"));
        let f = facts(&d);
        assert_eq!(f.user.as_deref(), Some("www-data"));
        assert_eq!(f.content_dirs[0], "/var/www/html");
        assert!(errors.is_empty());
    }
}
