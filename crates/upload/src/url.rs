//! Parsing `sftp://user@host:port/path` upload targets.
//!
//! The path is taken as written on the server: `sftp://u@h/srv/case/` is the absolute
//! directory /srv/case/; `sftp://u@h/~/case/` (or an empty path) is relative to the login
//! directory. IPv6 literals go in brackets. Passwords are never read from the URL (they would end
//! up in the custody record's command line): use `--password-file` or the environment.

use crate::UploadError;

/// Where to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SftpTarget {
    /// Login name.
    pub user: String,
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Remote path ("" = login directory).
    pub path: String,
}

/// Parses an `sftp://` URL.
pub fn parse_url(url: &str) -> Result<SftpTarget, UploadError> {
    let rest = url
        .strip_prefix("sftp://")
        .ok_or_else(|| UploadError::Url(format!("{url:?} does not start with sftp://")))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (user, hostport) = authority
        .rsplit_once('@')
        .ok_or_else(|| UploadError::Url("missing user@ before the host".into()))?;
    if user.is_empty() || user.contains(':') {
        return Err(UploadError::Url(
            "give a user name without password (use --password-file for passwords)".into(),
        ));
    }
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (h, after) = v6
            .split_once(']')
            .ok_or_else(|| UploadError::Url("unclosed [ in host".into()))?;
        (h.to_string(), after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (hostport.to_string(), None),
        }
    };
    if host.is_empty() {
        return Err(UploadError::Url("missing host".into()));
    }
    let port = match port {
        None | Some("") => 22,
        Some(p) => p
            .parse()
            .map_err(|_| UploadError::Url(format!("bad port {p:?}")))?,
    };
    let path = if let Some(home) = path.strip_prefix("/~/") {
        home.to_string()
    } else if path == "/~" {
        String::new()
    } else {
        path.to_string()
    };
    Ok(SftpTarget {
        user: user.to_string(),
        host,
        port,
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_url() {
        let t = parse_url("sftp://ir@10.0.0.5:2222/srv/cases/").expect("url");
        assert_eq!(
            t,
            SftpTarget {
                user: "ir".into(),
                host: "10.0.0.5".into(),
                port: 2222,
                path: "/srv/cases/".into()
            }
        );
    }

    #[test]
    fn defaults_home_and_ipv6() {
        let t = parse_url("sftp://ir@[::1]/~/case/").expect("url");
        assert_eq!(
            (t.host.as_str(), t.port, t.path.as_str()),
            ("::1", 22, "case/")
        );
        let t = parse_url("sftp://ir@host").expect("url");
        assert_eq!((t.port, t.path.as_str()), (22, ""));
    }

    #[test]
    fn rejects_bad_urls() {
        assert!(parse_url("scp://a@b/").is_err());
        assert!(parse_url("sftp://host/x").is_err());
        assert!(parse_url("sftp://a:secret@host/x").is_err());
        assert!(parse_url("sftp://a@host:99999/").is_err());
        assert!(parse_url("sftp://a@[::1/").is_err());
        assert!(parse_url("sftp://a@/x").is_err());
    }
}
