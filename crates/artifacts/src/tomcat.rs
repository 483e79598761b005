//! Apache Tomcat: `conf/server.xml` under `CATALINA_BASE` (Debian: `/var/lib/tomcat9`,
//! `/etc/tomcat9`; tarball installs: `/opt/tomcat`).
//!
//! JSP webshells (Behinder, Godzilla, "memory shells" dropped as WAR files) live in each
//! `<Host appBase="webapps">` and `<Context docBase="…">`; the requests that used them are in the
//! `AccessLogValve`'s files (`directory`, `prefix`, `suffix`). The parser reads only element
//! names and attributes with a small tolerant scanner: server.xml is hostile input too, and a
//! full XML parser buys nothing here (no entities are expanded, nothing is fetched).

/// One element's attributes, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// Element name (`Host`, `Context`, `Valve`).
    pub name: String,
    /// Attributes (name, value), entities `&amp; &lt; &gt; &quot; &apos;` decoded.
    pub attrs: Vec<(String, String)>,
}

impl Element {
    /// Attribute value by name.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Scans start tags (comments skipped).
pub fn parse_elements(data: &[u8]) -> Vec<Element> {
    let text = String::from_utf8_lossy(data);
    let mut out = Vec::new();
    let mut rest: &str = &text;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        if let Some(after) = rest.strip_prefix("!--") {
            match after.find("-->") {
                Some(end) => rest = &after[end + 3..],
                None => break,
            }
            continue;
        }
        if rest.starts_with('/') || rest.starts_with('?') || rest.starts_with('!') {
            continue;
        }
        let Some(end) = find_tag_end(rest) else { break };
        let tag = &rest[..end];
        rest = &rest[end..];
        let name_end = tag
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(tag.len());
        let name = tag[..name_end].to_string();
        out.push(Element {
            name,
            attrs: parse_attrs(&tag[name_end..]),
        });
    }
    out
}

fn find_tag_end(s: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

fn parse_attrs(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].trim().trim_start_matches('/').trim().to_string();
        let after = rest[eq + 1..].trim_start();
        let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            break;
        };
        let body = &after[1..];
        let Some(close) = body.find(q) else { break };
        out.push((
            key.rsplit(char::is_whitespace)
                .next()
                .unwrap_or("")
                .to_string(),
            decode_entities(&body[..close]),
        ));
        rest = &body[close + 1..];
    }
    out
}

fn decode_entities(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// What a responder wants from server.xml (paths as written: relative ones are relative to
/// `CATALINA_BASE`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TomcatFacts {
    /// `appBase` of every `<Host>`.
    pub app_bases: Vec<String>,
    /// `docBase` of every `<Context>`.
    pub doc_bases: Vec<String>,
    /// Access log directories with the file prefix (`logs`, `localhost_access_log`).
    pub access_logs: Vec<(String, String)>,
}

/// Extracts the facts.
pub fn facts(elements: &[Element]) -> TomcatFacts {
    let mut f = TomcatFacts::default();
    for e in elements {
        match e.name.as_str() {
            "Host" => f
                .app_bases
                .push(e.attr("appBase").unwrap_or("webapps").to_string()),
            "Context" => {
                if let Some(d) = e.attr("docBase") {
                    f.doc_bases.push(d.to_string());
                }
            }
            "Valve"
                if e.attr("className")
                    .is_some_and(|c| c.ends_with("AccessLogValve")) =>
            {
                f.access_logs.push((
                    e.attr("directory").unwrap_or("logs").to_string(),
                    e.attr("prefix").unwrap_or("access_log").to_string(),
                ));
            }
            _ => {}
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVER_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Server port="8005" shutdown="SHUTDOWN">
  <!-- <Host name="commented" appBase="nope"/> -->
  <Service name="Catalina">
    <Engine name="Catalina" defaultHost="localhost">
      <Host name="localhost"  appBase="webapps" unpackWARs="true" autoDeploy="true">
        <Context path="/shop" docBase="/srv/shop &amp; co"/>
        <Valve className="org.apache.catalina.valves.AccessLogValve" directory="logs"
               prefix="localhost_access_log" suffix=".txt"
               pattern="%h %l %u %t &quot;%r&quot; %s %b" />
      </Host>
    </Engine>
  </Service>
</Server>"#;

    #[test]
    fn parses_stock_server_xml() {
        let f = facts(&parse_elements(SERVER_XML.as_bytes()));
        assert_eq!(f.app_bases, vec!["webapps"]);
        assert_eq!(f.doc_bases, vec!["/srv/shop & co"]);
        assert_eq!(
            f.access_logs,
            vec![("logs".to_string(), "localhost_access_log".to_string())]
        );
    }

    #[test]
    fn garbage_does_not_panic() {
        for input in [
            &b"<Host appBase=\"x"[..],
            b"<<<>>>",
            b"<!-- ",
            b"\xff<\xfe a='",
        ] {
            let _ = facts(&parse_elements(input));
        }
    }
}
