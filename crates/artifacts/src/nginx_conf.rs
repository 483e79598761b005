//! nginx configuration: `/etc/nginx/nginx.conf` and every file it `include`s.
//!
//! The responder needs to know where the web content lives (`root`, `alias`), where requests are
//! logged (`access_log`, `error_log`) and as whom the workers run (`user`), because webshells are
//! hunted in those directories and the attacker's requests are read from those logs. The parser
//! tokenises nginx's block syntax (words, quoted strings, `;`, `{`, `}`, `#` comments) and
//! returns a flat list of directives with the block path they sit in; [`read_tree`] follows
//! `include` globs through a [`Root`] so an image's config is read, not the analyst's.

use std::path::{Path, PathBuf};

use huoyan_core::{Root, RootError};

use crate::config_glob;

/// At most this many files are read for one config tree (include loops, hostile trees).
pub const MAX_CONFIG_FILES: usize = 512;

/// One directive (`name arg arg;` or `name arg { … }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Directive name (`root`, `access_log` …).
    pub name: String,
    /// Arguments with quotes removed.
    pub args: Vec<String>,
    /// Enclosing blocks, outermost first (`["http", "server", "location"]`).
    pub context: Vec<String>,
    /// 1-based line number.
    pub line: usize,
    /// File it came from (filled by [`read_tree`]).
    pub file: Option<PathBuf>,
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Semicolon,
    Open,
    Close,
}

fn tokenize(data: &[u8]) -> Vec<(Token, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    while i < data.len() {
        let c = data[i];
        match c {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            b'#' => {
                while i < data.len() && data[i] != b'\n' {
                    i += 1;
                }
            }
            b';' => {
                out.push((Token::Semicolon, line));
                i += 1;
            }
            b'{' => {
                out.push((Token::Open, line));
                i += 1;
            }
            b'}' => {
                out.push((Token::Close, line));
                i += 1;
            }
            b'"' | b'\'' => {
                let quote = c;
                let start_line = line;
                i += 1;
                let mut word = Vec::new();
                while i < data.len() && data[i] != quote {
                    if data[i] == b'\\' && i + 1 < data.len() {
                        i += 1;
                    }
                    if data[i] == b'\n' {
                        line += 1;
                    }
                    word.push(data[i]);
                    i += 1;
                }
                i += 1;
                out.push((
                    Token::Word(String::from_utf8_lossy(&word).into_owned()),
                    start_line,
                ));
            }
            _ => {
                let start = i;
                while i < data.len()
                    && !matches!(data[i], b' ' | b'\t' | b'\r' | b'\n' | b';' | b'{' | b'}')
                {
                    i += 1;
                }
                out.push((
                    Token::Word(String::from_utf8_lossy(&data[start..i]).into_owned()),
                    line,
                ));
            }
        }
    }
    out
}

/// Parses one nginx config file into its directives (block openers included, e.g. `server`).
/// Unbalanced braces and garbage never panic: extra `}` are ignored, an unterminated directive
/// at the end is dropped.
pub fn parse(data: &[u8]) -> Vec<Directive> {
    let mut out = Vec::new();
    let mut context: Vec<String> = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut first_line = 0;
    for (tok, line) in tokenize(data) {
        match tok {
            Token::Word(w) => {
                if words.is_empty() {
                    first_line = line;
                }
                words.push(w);
            }
            Token::Semicolon | Token::Open => {
                if !words.is_empty() {
                    let name = words.remove(0);
                    out.push(Directive {
                        name: name.clone(),
                        args: std::mem::take(&mut words),
                        context: context.clone(),
                        line: first_line,
                        file: None,
                    });
                    if tok == Token::Open {
                        context.push(name);
                    }
                } else if tok == Token::Open {
                    context.push(String::new());
                }
            }
            Token::Close => {
                words.clear();
                context.pop();
            }
        }
    }
    out
}

/// Reads `entry` (normally `/etc/nginx/nginx.conf`) and every file reached through `include`,
/// inlining included directives in order with the includer's context prepended. Relative
/// include paths are relative to the directory of `entry` (nginx's prefix/conf dir).
pub fn read_tree(root: &Root, entry: &Path) -> (Vec<Directive>, Vec<RootError>) {
    let conf_dir = entry.parent().unwrap_or(Path::new("/")).to_path_buf();
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut files_read = 0usize;
    read_one(
        root,
        entry,
        &conf_dir,
        &[],
        &mut out,
        &mut errors,
        &mut files_read,
    );
    (out, errors)
}

fn read_one(
    root: &Root,
    file: &Path,
    conf_dir: &Path,
    outer: &[String],
    out: &mut Vec<Directive>,
    errors: &mut Vec<RootError>,
    files_read: &mut usize,
) {
    *files_read += 1;
    if *files_read > MAX_CONFIG_FILES {
        return;
    }
    let data = match root.read_capped(file, 4 * 1024 * 1024) {
        Ok(c) => c.data,
        Err(e) => {
            errors.push(e);
            return;
        }
    };
    for mut d in parse(&data) {
        let mut ctx = outer.to_vec();
        ctx.extend(d.context.iter().cloned());
        d.context = ctx;
        d.file = Some(file.to_path_buf());
        if d.name == "include" {
            if let Some(pattern) = d.args.first() {
                let pattern = config_glob::absolutize(conf_dir, pattern);
                let (files, errs) = config_glob::expand(root, &pattern);
                errors.extend(errs);
                for f in files {
                    read_one(root, &f, conf_dir, &d.context, out, errors, files_read);
                }
            }
            continue;
        }
        out.push(d);
    }
}

/// What a responder wants from an nginx config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NginxFacts {
    /// Document roots (`root`) and `alias` targets.
    pub content_dirs: Vec<String>,
    /// `access_log` paths (`off` and `syslog:` excluded).
    pub access_logs: Vec<String>,
    /// `error_log` paths.
    pub error_logs: Vec<String>,
    /// The `user` workers run as.
    pub user: Option<String>,
}

/// Extracts the facts from a directive list.
pub fn facts(directives: &[Directive]) -> NginxFacts {
    let mut f = NginxFacts::default();
    for d in directives {
        let first = d.args.first().cloned();
        match (d.name.as_str(), first) {
            ("root" | "alias", Some(p)) => push(&mut f.content_dirs, p),
            ("access_log", Some(p)) if is_file_target(&p) => push(&mut f.access_logs, p),
            ("error_log", Some(p)) if is_file_target(&p) => push(&mut f.error_logs, p),
            ("user", Some(u)) => f.user = Some(u),
            _ => {}
        }
    }
    f
}

fn is_file_target(p: &str) -> bool {
    p != "off" && !p.starts_with("syslog:") && !p.starts_with("memory:") && p != "stderr"
}

fn push(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBIAN_SITE: &str = r#"
user www-data;
http {
    access_log /var/log/nginx/access.log;
    error_log /var/log/nginx/error.log;
    server {
        listen 80 default_server;
        root /var/www/html;   # comment ; { }
        index index.html index.php;
        location /static/ { alias "/srv/static files/"; }
        location ~ \.php$ {
            include snippets/fastcgi-php.conf;
            fastcgi_pass unix:/run/php/php8.2-fpm.sock;
        }
        access_log off;
    }
}
"#;

    #[test]
    fn parses_debian_site() {
        let d = parse(DEBIAN_SITE.as_bytes());
        let f = facts(&d);
        assert_eq!(f.user.as_deref(), Some("www-data"));
        assert_eq!(f.content_dirs, vec!["/var/www/html", "/srv/static files/"]);
        assert_eq!(f.access_logs, vec!["/var/log/nginx/access.log"]);
        let root = d.iter().find(|x| x.name == "root").expect("root");
        assert_eq!(root.context, vec!["http", "server"]);
        assert_eq!(root.line, 8);
    }

    #[test]
    fn garbage_and_truncation_do_not_panic() {
        for input in [
            &b"}}}} root"[..],
            b"server { root \"/x",
            b"\xff\xfe{;;}",
            b"",
        ] {
            let _ = facts(&parse(input));
        }
        let d = parse(b"http { server { root /a;");
        assert_eq!(facts(&d).content_dirs, vec!["/a"]);
    }

    #[test]
    fn follows_includes_in_root() {
        let dir = tempfile::tempdir().expect("tempdir");
        let etc = dir.path().join("etc/nginx");
        std::fs::create_dir_all(etc.join("sites-enabled")).expect("mkdir");
        std::fs::write(
            etc.join("nginx.conf"),
            "http { include /etc/nginx/sites-enabled/*; include loop.conf; }",
        )
        .expect("w");
        std::fs::write(etc.join("loop.conf"), "include loop.conf;").expect("w");
        std::fs::write(
            etc.join("sites-enabled/shop"),
            "server { root /srv/shop; access_log /var/log/nginx/shop.log combined; }",
        )
        .expect("w");
        let root = Root::new(dir.path()).expect("root");
        let (d, _) = read_tree(&root, Path::new("/etc/nginx/nginx.conf"));
        let f = facts(&d);
        assert_eq!(f.content_dirs, vec!["/srv/shop"]);
        assert_eq!(f.access_logs, vec!["/var/log/nginx/shop.log"]);
    }
}
