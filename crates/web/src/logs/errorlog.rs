//! Apache and nginx error logs: authentication failures, probes for scripts that do not exist,
//! malformed requests, shellshock attempts, ModSecurity blocks, rate limiting.
//!
//! Error logs hold what access logs do not: the reason a request failed. The client address is
//! taken from the server's own field (`[client IP:port]` on Apache — the first one, since the
//! message after it may quote attacker text; `, client: IP, server:` on nginx — the last one,
//! since an injected user name can carry a fake `client:` earlier on the line). Times are the
//! server's local time and are reported as UTC (error logs carry no zone).

use huoyan_core::Timestamp;
use serde::Serialize;

use super::parse::month_number;

/// What an error line says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorEvent {
    /// Wrong user or password, bad digest, realm/SNI mismatch.
    AuthFailure,
    /// Access refused by configuration.
    ClientDenied,
    /// A script that does not exist was requested (scanning for vulnerable software).
    ScriptNotFound,
    /// A file or directory that does not exist was requested.
    FileNotFound,
    /// Malformed request: invalid URI/method, URI too long, garbage after the protocol.
    InvalidRequest,
    /// Bash function-definition import (shellshock) seen by CGI.
    Shellshock,
    /// ModSecurity blocked or flagged the request.
    ModSecurity,
    /// Rate limiting or mod_evasive.
    RateLimited,
    /// TLS handshake garbage (scanners speaking the wrong protocol).
    TlsProbe,
    /// Anything else (upstream errors, notices).
    Other,
}

/// One error-log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorRecord {
    /// Client address, when the line names one.
    pub ip: Option<String>,
    /// Time (server local time, read as UTC).
    pub time: Option<Timestamp>,
    /// The message after the prefixes.
    pub message: String,
    /// The module/level tag (`auth_basic:error`, `error`).
    pub tag: String,
    /// What happened.
    pub event: ErrorEvent,
    /// The path the message names (not found / denied), if any.
    pub path: Option<String>,
}

/// Parses an Apache (`[Thu Jul 11 01:21:41 2013] [error] [client …] …`) or nginx
/// (`2012/04/09 11:53:29 [error] 2865#0: *1 …, client: …`) error line.
pub fn parse_line(line: &str) -> Option<ErrorRecord> {
    let line = line.trim_end_matches(['\r', '\n']);
    // Syslog-forwarded lines: "Feb 15 16:23:00 host httpd[22034]: [authz_core:error] …".
    if !line.starts_with('[') && line.as_bytes().get(4) != Some(&b'/') {
        if let Some(i) = line
            .find("]: [")
            .map(|i| i + 3)
            .or_else(|| line.find(": [").map(|i| i + 2))
        {
            return parse_line(&line[i..]);
        }
    }
    if line.starts_with('[') {
        parse_apache(line)
    } else if line.len() > 19 && line.as_bytes().get(4) == Some(&b'/') {
        parse_nginx(line)
    } else {
        None
    }
}

fn apache_time(s: &str) -> Option<Timestamp> {
    // "Thu Jul 11 01:21:41 2013" or with ".453232" microseconds.
    let mut it = s.split_whitespace();
    let _dow = it.next()?;
    let month = month_number(it.next()?)?;
    let day: i8 = it.next()?.parse().ok()?;
    let hms = it.next()?;
    let year: i16 = it.next()?.parse().ok()?;
    let mut p = hms.split(':');
    let h: i8 = p.next()?.parse().ok()?;
    let m: i8 = p.next()?.parse().ok()?;
    let sec: i8 = p.next()?.split('.').next()?.parse().ok()?;
    let dt = jiff::civil::DateTime::new(year, month, day, h, m, sec, 0).ok()?;
    jiff::tz::Offset::UTC.to_timestamp(dt).ok()
}

fn parse_apache(line: &str) -> Option<ErrorRecord> {
    let close = line.find(']')?;
    let time = apache_time(&line[1..close]);
    let mut rest = line[close + 1..].trim_start();
    let mut tag = String::new();
    let mut ip = None;
    // Bracketed prefixes: [level] [pid …] [client …] — stop at the first non-bracket text.
    while rest.starts_with('[') {
        let Some(end) = rest.find(']') else { break };
        let inner = &rest[1..end];
        if let Some(c) = inner.strip_prefix("client ") {
            if ip.is_none() {
                ip = Some(strip_port(c.trim()));
            }
        } else if tag.is_empty() && !inner.starts_with("pid ") {
            tag = inner.to_string();
        }
        rest = rest[end + 1..].trim_start();
        if ip.is_some() && !rest.starts_with("[client ") {
            break;
        }
    }
    let message = rest.to_string();
    let (event, path) = classify_message(&message, &tag);
    Some(ErrorRecord {
        ip,
        time,
        message,
        tag,
        event,
        path,
    })
}

fn strip_port(s: &str) -> String {
    if let Some(inner) = s.strip_prefix('[') {
        return inner.split(']').next().unwrap_or(inner).to_string();
    }
    if s.matches(':').count() == 1 {
        return s.split(':').next().unwrap_or(s).to_string();
    }
    s.to_string()
}

fn parse_nginx(line: &str) -> Option<ErrorRecord> {
    let date = line.get(..19)?;
    let (d, t) = date.split_once(' ')?;
    let mut dp = d.split('/');
    let year: i16 = dp.next()?.parse().ok()?;
    let month: i8 = dp.next()?.parse().ok()?;
    let day: i8 = dp.next()?.parse().ok()?;
    let mut tp = t.split(':');
    let h: i8 = tp.next()?.parse().ok()?;
    let m: i8 = tp.next()?.parse().ok()?;
    let s: i8 = tp.next()?.parse().ok()?;
    let time = jiff::civil::DateTime::new(year, month, day, h, m, s, 0)
        .ok()
        .and_then(|dt| jiff::tz::Offset::UTC.to_timestamp(dt).ok());
    let rest = line.get(19..)?.trim_start();
    let tag = rest
        .strip_prefix('[')
        .and_then(|r| r.split(']').next())
        .unwrap_or("")
        .to_string();
    let after_tag = rest.split_once("] ").map_or(rest, |(_, r)| r);
    // "2865#0: *66647 message"
    let message = after_tag
        .split_once(": ")
        .map_or(after_tag, |(_, m)| m)
        .trim_start();
    let message = match message.strip_prefix('*') {
        Some(m) => m.split_once(' ').map_or(m, |(_, r)| r),
        None => message,
    };
    let ip = message.rmatch_indices(", client: ").find_map(|(i, pat)| {
        let tail = &message[i + pat.len()..];
        let end = tail.find(',').unwrap_or(tail.len());
        let cand = tail[..end].trim();
        super::parse::looks_like_ip(cand).then(|| cand.to_string())
    });
    let (event, path) = classify_message(message, &tag);
    Some(ErrorRecord {
        ip,
        time,
        message: message.to_string(),
        tag,
        event,
        path,
    })
}

fn after<'a>(msg: &'a str, marker: &str) -> Option<&'a str> {
    msg.find(marker).map(|i| &msg[i + marker.len()..])
}

fn first_token(s: &str) -> String {
    s.trim()
        .trim_start_matches(['\'', '"'])
        .split(['\'', '"', ',', ' '])
        .next()
        .unwrap_or("")
        .to_string()
}

fn classify_message(msg: &str, tag: &str) -> (ErrorEvent, Option<String>) {
    let lower = msg.to_ascii_lowercase();
    let tag_lower = tag.to_ascii_lowercase();
    if tag_lower.starts_with("evasive") || lower.contains("limiting requests") {
        return (ErrorEvent::RateLimited, None);
    }
    if lower.contains("modsecurity") {
        return (ErrorEvent::ModSecurity, None);
    }
    if lower.contains("ignoring function definition attempt")
        || lower.contains("error importing function definition")
    {
        return (ErrorEvent::Shellshock, None);
    }
    if lower.contains("ssl_do_handshake() failed") {
        return (ErrorEvent::TlsProbe, None);
    }
    if lower.contains("invalid uri in request")
        || lower.contains("uri too long")
        || lower.contains("erroneous characters after protocol string")
        || lower.contains("invalid method in request")
    {
        return (ErrorEvent::InvalidRequest, None);
    }
    if lower.contains("client denied by server configuration") {
        let p = after(msg, "configuration: ").map(first_token);
        return (ErrorEvent::ClientDenied, p);
    }
    if lower.contains("script not found or unable to stat")
        || lower.contains("primary script unknown")
    {
        let p = after(msg, "unable to stat: ")
            .map(first_token)
            .or_else(|| after(msg, "script '").map(first_token));
        return (ErrorEvent::ScriptNotFound, p);
    }
    if lower.contains("file does not exist") {
        return (
            ErrorEvent::FileNotFound,
            after(msg, "exist: ").map(first_token),
        );
    }
    if lower.contains("failed (2: no such file or directory)") || lower.contains("is not found (2:")
    {
        let p = msg.split('"').nth(1).map(str::to_string);
        return (ErrorEvent::FileNotFound, p);
    }
    let auth = [
        "user not found",
        " not found: /",
        "password mismatch",
        "authentication failure",
        "was not found in",
        "authorization of user",
        "authorization failure",
        "wrong authentication scheme",
        "realm mismatch",
        "unknown algorithm",
        "invalid qop",
        "user attempted time travel",
        "length is not",
        "provided via sni",
        "no hostname was provided via sni",
    ];
    if (lower.starts_with("user ") && lower.contains(" not found"))
        || auth.iter().any(|a| lower.contains(a))
    {
        return (ErrorEvent::AuthFailure, None);
    }
    (ErrorEvent::Other, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apache_forms() {
        let r = parse_line("[Sat Jul 20 21:37:32.266605 2013] [auth_basic:error] [pid 17512:tid 1] [client 127.0.0.1:51386] AH01618: user  not found: /basic/file/x.html").expect("p");
        assert_eq!(r.ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(r.event, ErrorEvent::AuthFailure);
        let r = parse_line("[Sat Jun 01 02:17:42 2013] [error] [client 192.168.33.1] File does not exist: /srv/http/site/[client 192.168.0.1] user root not found").expect("p");
        assert_eq!(r.ip.as_deref(), Some("192.168.33.1"));
        assert_eq!(r.event, ErrorEvent::FileNotFound);
        let r = parse_line("[Thu Jul 11 01:21:44 2013] [error] [client [2606:2800:220:1:248:1893:25c8:1946]:51548] x").expect("p");
        assert_eq!(r.ip.as_deref(), Some("2606:2800:220:1:248:1893:25c8:1946"));
    }

    #[test]
    fn nginx_forms() {
        let r = parse_line(r#"2014/04/03 22:20:40 [error] 30708#0: *3 user "test": password mismatch, client: 127.0.0.1, server: test, request: "GET / HTTP/1.1", host: "localhost:8443"": was not found in "/etc/nginx/.htpasswd", client: 192.0.2.2, server: , request: "GET / HTTP/1.1""#).expect("p");
        assert_eq!(r.ip.as_deref(), Some("192.0.2.2"));
        assert_eq!(r.event, ErrorEvent::AuthFailure);
        let r = parse_line(r#"2015/01/21 10:56:10 [error] 2833#0: *16336 open() "/var/www/site/cgi-bin/php4" failed (2: No such file or directory), client: 5.7.9.2, server: localhost"#).expect("p");
        assert_eq!(r.event, ErrorEvent::FileNotFound);
        assert_eq!(r.path.as_deref(), Some("/var/www/site/cgi-bin/php4"));
    }

    #[test]
    fn garbage() {
        for l in [
            "[",
            "[]",
            "2015/01/21 10:56:10",
            "2015/aa/bb cc:dd:ee [x",
            "\u{ff}",
        ] {
            let _ = parse_line(l);
        }
    }
}
