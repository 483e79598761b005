//! Turning a web file's bytes into text the detectors can read.
//!
//! Webshells from Chinese kits are often saved in GBK, ASP shells in UTF-16 (with or without a
//! byte-order mark), and a signature written in ASCII never matches `e\0v\0a\0l\0`. Every file is
//! therefore decoded once: UTF-8 when valid, UTF-16 when a BOM or the NUL pattern says so, GBK
//! otherwise (GBK decodes any ASCII unchanged, so nothing is lost for Latin-1-ish files). The
//! decoded text feeds the heuristics and a second YARA pass when it differs from the raw bytes.

use std::borrow::Cow;

/// Which encoding the text was decoded from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceEncoding {
    /// Valid UTF-8 (or plain ASCII).
    Utf8,
    /// UTF-16 little endian.
    Utf16Le,
    /// UTF-16 big endian.
    Utf16Be,
    /// GBK / GB18030.
    Gbk,
}

/// Decodes `data`; borrowed when it is already UTF-8.
pub fn decode(data: &[u8]) -> (Cow<'_, str>, SourceEncoding) {
    if let Some(rest) = data.strip_prefix(b"\xef\xbb\xbf") {
        if let Ok(s) = std::str::from_utf8(rest) {
            return (Cow::Borrowed(s), SourceEncoding::Utf8);
        }
    }
    if data.starts_with(b"\xff\xfe") {
        return (utf16(&data[2..], true), SourceEncoding::Utf16Le);
    }
    if data.starts_with(b"\xfe\xff") {
        return (utf16(&data[2..], false), SourceEncoding::Utf16Be);
    }
    if let Some(le) = utf16_without_bom(data) {
        return if le {
            (utf16(data, true), SourceEncoding::Utf16Le)
        } else {
            (utf16(data, false), SourceEncoding::Utf16Be)
        };
    }
    match std::str::from_utf8(data) {
        Ok(s) => (Cow::Borrowed(s), SourceEncoding::Utf8),
        Err(_) => {
            let (text, _, _) = encoding_rs::GBK.decode(data);
            (Cow::Owned(text.into_owned()), SourceEncoding::Gbk)
        }
    }
}

/// Detects BOM-less UTF-16 text: most odd (LE) or even (BE) bytes in the first 512 are NUL
/// while the others are printable ASCII. Returns `Some(true)` for little endian.
fn utf16_without_bom(data: &[u8]) -> Option<bool> {
    let sample = &data[..data.len().min(512) & !1];
    if sample.len() < 8 {
        return None;
    }
    let pairs = sample.len() / 2;
    let (mut le, mut be) = (0usize, 0usize);
    for p in sample.chunks_exact(2) {
        if p[1] == 0 && p[0] != 0 {
            le += 1;
        } else if p[0] == 0 && p[1] != 0 {
            be += 1;
        }
    }
    if le * 10 >= pairs * 7 {
        Some(true)
    } else if be * 10 >= pairs * 7 {
        Some(false)
    } else {
        None
    }
}

fn utf16(data: &[u8], little: bool) -> Cow<'static, str> {
    let units = data.chunks_exact(2).map(|p| {
        if little {
            u16::from_le_bytes([p[0], p[1]])
        } else {
            u16::from_be_bytes([p[0], p[1]])
        }
    });
    Cow::Owned(
        char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_borrowed() {
        let (t, e) = decode(b"<?php eval($_POST[1]);");
        assert!(matches!(t, Cow::Borrowed(_)));
        assert_eq!(e, SourceEncoding::Utf8);
    }

    #[test]
    fn utf16_with_and_without_bom() {
        let le: Vec<u8> = "<%eval request(\"x\")%>"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let (t, e) = decode(&le);
        assert_eq!(e, SourceEncoding::Utf16Le);
        assert!(t.contains("eval request"));
        let mut bom = vec![0xfe, 0xff];
        bom.extend("<%eval x%>".encode_utf16().flat_map(|u| u.to_be_bytes()));
        let (t, e) = decode(&bom);
        assert_eq!(e, SourceEncoding::Utf16Be);
        assert!(t.contains("eval x"));
    }

    #[test]
    fn gbk() {
        let (bytes, _, _) = encoding_rs::GBK.encode("<?php // 后门 eval($_POST['a']);");
        let (t, e) = decode(&bytes);
        assert_eq!(e, SourceEncoding::Gbk);
        assert!(t.contains("后门"));
        let _ = decode(b"\xff");
        let _ = decode(b"\xfe\xff\x00");
    }
}
