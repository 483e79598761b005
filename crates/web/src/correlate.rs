//! Correlation: requests to a file the scanner flagged, after that file appeared.
//!
//! A webshell's mtime is when it was written (the upload); the first request to it afterwards
//! (typically a POST answered 200) is the attacker using it, from the attacker's address. The
//! same address's requests shortly before the mtime (the exploited form, the upload POST) complete
//! the story. This turns two weak observations into one critical, actionable finding.

use huoyan_core::Timestamp;
use serde::Serialize;

use crate::logs::parse::AccessRecord;

/// Seconds before the mtime in which the same IP's requests count as "the upload".
pub const UPLOAD_LOOKBACK_SECS: i64 = 3600;
/// Tolerance for clock skew between the file system and the log (seconds).
pub const SKEW_SECS: i64 = 2;

/// One chained observation.
#[derive(Debug, Clone, Serialize)]
pub struct Chain {
    /// The flagged file (logical path).
    pub file: String,
    /// The URL path that reached it.
    pub url_path: String,
    /// Its modification time (written/uploaded).
    pub file_mtime: Timestamp,
    /// Attacker IP.
    pub ip: String,
    /// First request to the file after the mtime.
    pub first_use: Timestamp,
    /// Its method and status.
    pub first_use_method: String,
    /// Status of that request.
    pub first_use_status: Option<u16>,
    /// Total requests from this IP to the file after the mtime.
    pub uses: usize,
    /// POSTs among them.
    pub posts: usize,
    /// The same IP's last request before the mtime within the look-back (likely the upload).
    pub upload_request: Option<(Timestamp, String, String)>,
}

/// True when a decoded URL path can address `file` under one of the web roots.
pub fn url_matches_file(url_path: &str, file: &str, roots: &[String]) -> bool {
    let url = url_path.trim_end_matches('/');
    if url.is_empty() {
        return false;
    }
    for r in roots {
        if let Some(rel) = file.strip_prefix(r.trim_end_matches('/')) {
            if rel.ends_with(url) || url.ends_with(rel) {
                return true;
            }
            // Document root one level down (/var/www + html/…).
            if let Some(idx) = rel[1.min(rel.len())..].find('/') {
                let deeper = &rel[idx + 1..];
                if deeper == url {
                    return true;
                }
            }
        }
    }
    file.ends_with(url) && url.matches('/').count() >= 1
}

/// Builds the chains for one flagged file from the requests that named it.
pub fn chains_for(
    file: &str,
    mtime: Timestamp,
    roots: &[String],
    requests: &[(AccessRecord, String)],
    all_requests_by_ip: &dyn Fn(&str) -> Vec<(Timestamp, String, String)>,
) -> Vec<Chain> {
    let mut by_ip: std::collections::BTreeMap<String, Vec<&(AccessRecord, String)>> =
        std::collections::BTreeMap::new();
    for r in requests {
        let Some(t) = r.0.time else { continue };
        if t.as_second() + SKEW_SECS < mtime.as_second() {
            continue;
        }
        if !url_matches_file(&r.1, file, roots) {
            continue;
        }
        by_ip.entry(r.0.ip.clone()).or_default().push(r);
    }
    let mut out = Vec::new();
    for (ip, mut reqs) in by_ip {
        reqs.sort_by_key(|r| r.0.time);
        let Some(first) = reqs.first() else { continue };
        let Some(first_time) = first.0.time else {
            continue;
        };
        let upload = all_requests_by_ip(&ip)
            .into_iter()
            .filter(|(t, _, _)| {
                t.as_second() <= mtime.as_second() + SKEW_SECS
                    && t.as_second() >= mtime.as_second() - UPLOAD_LOOKBACK_SECS
            })
            .max_by_key(|(t, _, _)| *t);
        out.push(Chain {
            file: file.to_string(),
            url_path: first.1.clone(),
            file_mtime: mtime,
            ip,
            first_use: first_time,
            first_use_method: first.0.method.clone(),
            first_use_status: first.0.status,
            uses: reqs.len(),
            posts: reqs.iter().filter(|r| r.0.method == "POST").count(),
            upload_request: upload,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_mapping() {
        let roots = vec!["/var/www".to_string()];
        assert!(url_matches_file(
            "/uploads/x.php",
            "/var/www/html/uploads/x.php",
            &roots
        ));
        assert!(url_matches_file(
            "/html/uploads/x.php",
            "/var/www/html/uploads/x.php",
            &roots
        ));
        assert!(!url_matches_file(
            "/other/x.php",
            "/var/www/html/uploads/x.php",
            &roots
        ));
        assert!(!url_matches_file(
            "/",
            "/var/www/html/uploads/x.php",
            &roots
        ));
    }
}
