//! PHP-FPM pools (`/etc/php/*/fpm/pool.d/*.conf`, `/etc/php-fpm.d/*.conf`) and `php.ini`.
//!
//! A pool names the user PHP runs as (the owner of files a webshell drops), its working
//! directory, and per-pool overrides; both pools and php.ini can carry `auto_prepend_file` /
//! `auto_append_file`, a favourite persistence trick: every PHP request first runs the attacker's
//! file. The format is INI: `[section]`, `key = value`, `;` or `#` comments.

/// One `key = value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniEntry {
    /// Section (`www`, `PHP`), empty before the first header.
    pub section: String,
    /// Key as written (`php_admin_value[auto_prepend_file]`).
    pub key: String,
    /// Value with surrounding quotes removed.
    pub value: String,
    /// 1-based line number.
    pub line: usize,
}

/// Parses INI bytes (php.ini, FPM pools, `.user.ini`). Garbage lines are skipped.
pub fn parse(data: &[u8]) -> Vec<IniEntry> {
    let text = String::from_utf8_lossy(data);
    let mut section = String::new();
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        if line.starts_with('[') && line.ends_with(']') && line.len() >= 2 {
            section = line[1..line.len() - 1].trim().to_string();
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            let v = v.trim();
            let v = v.split(" ;").next().unwrap_or(v).trim();
            out.push(IniEntry {
                section: section.clone(),
                key: k.trim().to_string(),
                value: v.trim_matches('"').trim_matches('\'').to_string(),
                line: i + 1,
            });
        }
    }
    out
}

/// One pool's facts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pool {
    /// Pool name (section).
    pub name: String,
    /// `user`.
    pub user: Option<String>,
    /// `chdir`.
    pub chdir: Option<String>,
    /// `access.log`.
    pub access_log: Option<String>,
    /// `auto_prepend_file`/`auto_append_file` overrides set in the pool.
    pub prepend_files: Vec<String>,
}

/// Groups pool entries by section.
pub fn pools(entries: &[IniEntry]) -> Vec<Pool> {
    let mut out: Vec<Pool> = Vec::new();
    for e in entries {
        if e.section.is_empty() || e.section.eq_ignore_ascii_case("global") {
            continue;
        }
        if out.last().is_none_or(|p| p.name != e.section) {
            out.push(Pool {
                name: e.section.clone(),
                ..Pool::default()
            });
        }
        let Some(pool) = out.last_mut() else { continue };
        match e.key.as_str() {
            "user" => pool.user = Some(e.value.clone()),
            "chdir" => pool.chdir = Some(e.value.clone()),
            "access.log" => pool.access_log = Some(e.value.clone()),
            k if is_prepend_key(k) && !e.value.is_empty() => {
                pool.prepend_files.push(e.value.clone())
            }
            _ => {}
        }
    }
    out
}

/// True for `auto_prepend_file`, `auto_append_file` and their `php_value[…]` forms.
pub fn is_prepend_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains("auto_prepend_file") || k.contains("auto_append_file")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_debian_pool() {
        let data = b"[www]\nuser = www-data\ngroup = www-data\nlisten = /run/php/php8.2-fpm.sock\n\
            ;chdir = /var/www\nphp_admin_value[auto_prepend_file] = /tmp/.x.php\n";
        let p = pools(&parse(data));
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].user.as_deref(), Some("www-data"));
        assert_eq!(p[0].chdir, None);
        assert_eq!(p[0].prepend_files, vec!["/tmp/.x.php"]);
    }

    #[test]
    fn garbage() {
        assert!(pools(&parse(b"\xff\xfe[\n=\n[x]\n=\n")).len() <= 1);
        assert!(parse(b"").is_empty());
    }
}
