//! Access-log lines: Apache/nginx `combined` and `common`, `vhost_combined`, nginx's default
//! (which is `combined`), Tomcat's `AccessLogValve` default (`common`), and JSON-per-line
//! (`log_format … escape=json`, Caddy-style, ingestion pipelines).
//!
//! Every field is attacker-controlled (the request line, referer and user agent verbatim; even
//! the "IP" can be a forged token in odd formats), so the parser is tolerant: it never panics,
//! keeps what it could read, and returns `None` only when no client address or time can be
//! found.

use huoyan_core::Timestamp;
use serde::Serialize;

/// One request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessRecord {
    /// Client address (as logged; may be an X-Forwarded-For value).
    pub ip: String,
    /// Request time (UTC).
    pub time: Option<Timestamp>,
    /// Method (`GET`, `POST`; empty for garbage request lines).
    pub method: String,
    /// Request target as logged (still URL-encoded).
    pub target: String,
    /// Protocol (`HTTP/1.1`).
    pub protocol: String,
    /// Status code.
    pub status: Option<u16>,
    /// Response size.
    pub bytes: Option<u64>,
    /// Referer.
    pub referer: String,
    /// User agent.
    pub user_agent: String,
    /// Authenticated user (`-` when none).
    pub user: String,
    /// Virtual host, when the format carries it.
    pub vhost: Option<String>,
}

impl AccessRecord {
    /// The path part of the target (before `?`), still encoded.
    pub fn path(&self) -> &str {
        self.target.split(['?', '#']).next().unwrap_or("")
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Month number (1-12) from an English abbreviation.
pub fn month_number(m: &str) -> Option<i8> {
    MONTHS
        .iter()
        .position(|x| x.eq_ignore_ascii_case(m))
        .map(|i| i as i8 + 1)
}

/// Parses `05/Mar/2007:14:39:21 +0100` (zone optional: UTC assumed).
pub fn parse_clf_time(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    let (dt, zone) = match s.split_once(' ') {
        Some((a, b)) => (a, b.trim()),
        None => (s, ""),
    };
    let mut parts = dt.splitn(3, '/');
    let day: i8 = parts.next()?.parse().ok()?;
    let month = month_number(parts.next()?)?;
    let rest = parts.next()?;
    let mut hms = rest.split(':');
    let year: i16 = hms.next()?.parse().ok()?;
    let hour: i8 = hms.next()?.parse().ok()?;
    let min: i8 = hms.next()?.parse().ok()?;
    let sec: i8 = hms
        .next()
        .map(|x| x.split('.').next().unwrap_or("0"))
        .unwrap_or("0")
        .parse()
        .ok()?;
    let civil = jiff::civil::DateTime::new(year, month, day, hour, min, sec, 0).ok()?;
    let offset_secs = parse_offset(zone).unwrap_or(0);
    let offset = jiff::tz::Offset::from_seconds(offset_secs).ok()?;
    offset.to_timestamp(civil).ok()
}

fn parse_offset(z: &str) -> Option<i32> {
    let z = z.trim();
    if z.len() < 5 {
        return None;
    }
    let sign = match z.as_bytes()[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = z[1..].chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() != 4 {
        return None;
    }
    let h: i32 = digits[..2].parse().ok()?;
    let m: i32 = digits[2..].parse().ok()?;
    Some(sign * (h * 3600 + m * 60))
}

/// True when `s` looks like an IPv4 or IPv6 address (optionally with a port).
pub fn looks_like_ip(s: &str) -> bool {
    let s = s.trim_start_matches('[');
    let host = s.split(']').next().unwrap_or(s);
    if host.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    if let Some((h, p)) = host.rsplit_once(':') {
        return h.parse::<std::net::Ipv4Addr>().is_ok() && p.parse::<u16>().is_ok();
    }
    false
}

/// Reads a `"…"` field starting at `s[0] == '"'`; returns (unescaped content, rest).
fn quoted(s: &str) -> Option<(String, &str)> {
    let body = s.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, n)) = chars.next() {
                    match n {
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        other => {
                            out.push('\\');
                            out.push(other);
                        }
                    }
                }
            }
            '"' => return Some((out, &body[i + 1..])),
            c => out.push(c),
        }
    }
    Some((out, ""))
}

/// Parses one line in any supported format.
pub fn parse_line(line: &str) -> Option<AccessRecord> {
    let line = line.trim_end_matches(['\r', '\n']);
    let trimmed = line.trim_start();
    if trimmed.starts_with('{') {
        return parse_json(trimmed);
    }
    parse_clf(line)
}

fn parse_clf(line: &str) -> Option<AccessRecord> {
    let open = line.find('[')?;
    let close = open + line[open..].find(']')?;
    let head: Vec<&str> = line[..open].split_whitespace().collect();
    let time = parse_clf_time(&line[open + 1..close]);
    let (vhost, ip_idx) = match head.first() {
        Some(first) if !looks_like_ip(first) && head.get(1).is_some_and(|s| looks_like_ip(s)) => {
            (Some(first.to_string()), 1)
        }
        _ => (None, 0),
    };
    let ip = head.get(ip_idx)?.to_string();
    if !looks_like_ip(&ip) && ip.contains(['"', '[']) {
        return None;
    }
    let user = head.get(ip_idx + 2).unwrap_or(&"-").to_string();
    let mut rest = line[close + 1..].trim_start();
    let mut vhost = vhost;
    if !rest.starts_with('"') {
        // Formats with the host after the time (`] example.com "GET …`).
        if let Some(q) = rest.find('"') {
            let host = rest[..q].trim();
            if !host.is_empty() && vhost.is_none() {
                vhost = Some(host.to_string());
            }
            rest = &rest[q..];
        }
    }
    let (request, after) = quoted(rest).unwrap_or_default();
    let mut fields = after.split_whitespace();
    let status = fields.next().and_then(|s| s.parse().ok());
    let bytes = fields.next().and_then(|s| s.parse().ok());
    let after_nums = after
        .trim_start()
        .splitn(3, char::is_whitespace)
        .nth(2)
        .unwrap_or("")
        .trim_start();
    let (referer, after_ref) = quoted(after_nums).unwrap_or_default();
    let (user_agent, _) = quoted(after_ref.trim_start()).unwrap_or_default();
    let (method, target, protocol) = split_request(&request);
    Some(AccessRecord {
        ip,
        time,
        method,
        target,
        protocol,
        status,
        bytes,
        referer,
        user_agent,
        user,
        vhost,
    })
}

/// Splits `GET /x HTTP/1.1`; a garbage request line becomes the target with an empty method.
pub fn split_request(request: &str) -> (String, String, String) {
    let mut parts = request.splitn(3, ' ');
    let a = parts.next().unwrap_or("");
    let b = parts.next();
    let c = parts.next();
    let is_method = !a.is_empty() && a.len() <= 16 && a.bytes().all(|x| x.is_ascii_uppercase());
    match (is_method, b) {
        (true, Some(target)) => (
            a.to_string(),
            target.to_string(),
            c.unwrap_or("").to_string(),
        ),
        _ => (String::new(), request.to_string(), String::new()),
    }
}

fn parse_json(line: &str) -> Option<AccessRecord> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    let obj = v.as_object()?;
    let get = |keys: &[&str]| -> Option<String> {
        for k in keys {
            if let Some(x) = obj.get(*k) {
                match x {
                    serde_json::Value::String(s) => return Some(s.clone()),
                    serde_json::Value::Number(n) => return Some(n.to_string()),
                    _ => {}
                }
            }
        }
        None
    };
    let ip = get(&[
        "remote_addr",
        "client_ip",
        "clientip",
        "ip",
        "remote_ip",
        "client",
        "src_ip",
    ])?;
    let time_s = get(&[
        "time_local",
        "time_iso8601",
        "timestamp",
        "@timestamp",
        "time",
        "ts",
    ]);
    let time = time_s.as_deref().and_then(|t| {
        parse_clf_time(t)
            .or_else(|| t.parse::<Timestamp>().ok())
            .or_else(|| {
                t.parse::<f64>()
                    .ok()
                    .and_then(|f| Timestamp::from_second(f as i64).ok())
            })
    });
    let (mut method, mut target, mut protocol) = get(&["request"])
        .map(|r| split_request(&r))
        .unwrap_or_default();
    if let Some(m) = get(&["request_method", "method"]) {
        method = m;
    }
    if let Some(u) = get(&["request_uri", "uri", "url", "path"]) {
        if target.is_empty() {
            target = u;
            if let Some(q) = get(&["query_string", "args", "query"]) {
                if !q.is_empty() && !target.contains('?') {
                    target = format!("{target}?{q}");
                }
            }
        }
    }
    if let Some(p) = get(&["server_protocol", "protocol", "proto"]) {
        protocol = p;
    }
    Some(AccessRecord {
        ip,
        time,
        method,
        target,
        protocol,
        status: get(&["status", "status_code"]).and_then(|s| s.parse().ok()),
        bytes: get(&["body_bytes_sent", "bytes_sent", "bytes", "size"])
            .and_then(|s| s.parse().ok()),
        referer: get(&["http_referer", "referer", "referrer"]).unwrap_or_default(),
        user_agent: get(&["http_user_agent", "user_agent", "ua", "useragent"]).unwrap_or_default(),
        user: get(&["remote_user", "user"]).unwrap_or_else(|| "-".into()),
        vhost: get(&["host", "server_name", "vhost"]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined() {
        let r = parse_line(r#"203.0.113.9 - - [10/Oct/2024:13:55:36 +0200] "POST /up/x.php?a=1 HTTP/1.1" 200 2326 "http://ex/" "Mozilla/5.0 \"q\"""#).expect("parse");
        assert_eq!(r.ip, "203.0.113.9");
        assert_eq!(r.method, "POST");
        assert_eq!(r.path(), "/up/x.php");
        assert_eq!(r.status, Some(200));
        assert_eq!(r.user_agent, "Mozilla/5.0 \"q\"");
        assert_eq!(
            r.time.map(huoyan_core::time::format_utc).as_deref(),
            Some("2024-10-10T11:55:36.000000Z")
        );
    }

    #[test]
    fn common_vhost_and_odd() {
        let r = parse_line("shop.example:443 198.51.100.2 - bob [01/Jan/2024:00:00:01 +0000] \"GET / HTTP/1.0\" 404 -").expect("p");
        assert_eq!(r.vhost.as_deref(), Some("shop.example:443"));
        assert_eq!(r.user, "bob");
        assert_eq!(r.bytes, None);
        let r = parse_line(r#"66.249.66.1 - - - [31/Jan/2015:14:29:44 ] example.com "GET / HTTP/1.1" 200 814 "-" "Googlebot/2.1""#).expect("p");
        assert_eq!(r.ip, "66.249.66.1");
        assert_eq!(r.user_agent, "Googlebot/2.1");
        let r = parse_line(
            r#"12.34.56.78 - - [20/Jan/2015:19:53:28 +0100] "\x03\x00\x00/*" 400 47 "-" "-" "-""#,
        )
        .expect("p");
        assert_eq!(r.method, "");
        assert_eq!(r.status, Some(400));
    }

    #[test]
    fn json_lines() {
        let r = parse_line(r#"{"remote_addr":"192.0.2.5","time_iso8601":"2024-05-01T10:00:00+00:00","request":"GET /a?b=c HTTP/2.0","status":"200","http_user_agent":"curl/8"}"#).expect("p");
        assert_eq!(r.ip, "192.0.2.5");
        assert_eq!(r.target, "/a?b=c");
        assert!(r.time.is_some());
    }

    #[test]
    fn garbage() {
        for l in [
            "",
            "[",
            "]",
            "x [",
            "{",
            "{\"a\":1}",
            "1.2.3.4 - - [99/Foo/2020:99:99:99] \"",
            "\u{0}\u{ff}",
        ] {
            let _ = parse_line(l);
        }
    }
}
