//! Tests of the ASP heuristics and their finders.

use super::*;

fn rules(text: &str) -> Vec<String> {
    let mut hits = Vec::new();
    analyse(text, &mut hits);
    hits.into_iter().map(|h| h.rule).collect()
}

#[test]
fn shells() {
    assert!(rules("<%eval request(\"pass\")%>").contains(&"asp.request_to_eval".into()));
    assert!(rules("<% a=request(\"x\")\nexecute a %>").contains(&"asp.request_to_eval".into()));
    assert!(
        rules("<%@ Page Language=\"Jscript\"%><%eval(Request.Item[\"z\"],\"unsafe\");%>")
            .contains(&"aspx.unsafe_eval".into())
    );
    assert!(rules(
        "<% System.Reflection.Assembly.Load(Request.BinaryRead(Request.ContentLength)) %>"
    )
    .contains(&"aspx.assembly_load_shell".into()));
}

#[test]
fn benign() {
    assert!(rules("<% Response.Write(Request.QueryString(\"q\")) %>").is_empty());
}

fn reference_names(text: &str) -> Vec<String> {
    let re = CiRegex::new(TAINT).expect("re");
    let l = text.to_ascii_lowercase();
    re.captures_iter(Lowered::new(&l))
        .map(|c| c[1].to_string())
        .collect()
}

fn reference_copies(text: &str) -> Vec<(String, String)> {
    let re = CiRegex::new(COPY).expect("re");
    let l = text.to_ascii_lowercase();
    re.captures_iter(Lowered::new(&l))
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .collect()
}

#[test]
fn char_splits_match_the_pattern() {
    let re = crate::fastre::new(CHAR_SPLIT).expect("re");
    for text in [
        "x = \"W\"+\"S\"+ /* c */ \"cr\" +\"ip\"+\"t\"",
        "\"\"+\"a\"+\"b\"+\"c\"+\"d\" \"é\"+\"ab\"+\"\n\"+\"x\"+\"y\"+\"z\"",
        "\"abc\"+\"a\"+\"b\" \"\"\"+\"a\"+\"b\"+\"c\"",
    ] {
        let want: Vec<_> = re
            .find_iter(text)
            .map(|m| crate::fastre::Span::new(m.start(), m.end()))
            .collect();
        assert_eq!(char_splits(text), want, "{text}");
    }
}

fn reference_writes(text: &str) -> Vec<(usize, usize, Option<String>)> {
    let re = CiRegex::new(FSO_WRITE).expect("re");
    let l = text.to_ascii_lowercase();
    re.captures_iter(Lowered::new(&l))
        .map(|c| {
            let m = c.get(0).expect("whole");
            (m.start(), m.end(), c.get(1).map(|g| g.as_str().to_string()))
        })
        .collect()
}

fn writes(text: &str) -> Vec<(usize, usize, Option<String>)> {
    let l = text.to_ascii_lowercase();
    request_file_writes(Lowered::new(&l))
        .into_iter()
        .map(|(m, g)| {
            (
                m.start(),
                m.end(),
                g.map(|g| l[g.start()..g.end()].to_string()),
            )
        })
        .collect()
}

#[test]
fn request_file_writes_match_the_pattern() {
    for text in [
        "f.Write Request(\"x\") : Response.Write request.form(\"a\")",
        "set t = fso.CreateTextFile(request(\"p\")) : x.SaveAs (Request.Form(\"f\")) : s.SaveToFile request(1)",
        "a.write request.b.write request( savetofile.write request. requestfoo.write request(",
        "x . write (request.y) ;obj.saveas(txt.text)",
    ] {
        assert_eq!(writes(text), reference_writes(text), "{text}");
    }
}

#[test]
fn amp_chains_match_the_pattern() {
    let re = crate::fastre::new(AMP_CHAIN).expect("re");
    for text in [
        "x = \"WScr\" & \"ipt.Sh\" & \"ell\" : y = \"a\"&\"b\"",
        "\"\" & \"ab\" & \"cd\" & \"ef\" \"a&b\" & \"c\" & \"d\"",
        "\"toolongtoolongtoolong\" & \"x\" & \"y\" & \"z\"\n\"é\" & \"\n\" & \"q\" & \"r\"",
    ] {
        let want: Vec<_> = re
            .find_iter(text)
            .map(|m| crate::fastre::Span::new(m.start(), m.end()))
            .collect();
        assert_eq!(amp_chains(text), want, "{text}");
    }
}

#[test]
fn copies_match_the_pattern() {
    for text in [
        "a = b\nc=d : e = f; g == h\ni = j k\nl = 1m\n",
        "a = b = c\nx = y   \n z = w",
        "a = b\n = c;",
    ] {
        let l = text.to_ascii_lowercase();
        assert_eq!(copies(Lowered::new(&l)), reference_copies(text), "{text}");
    }
}

#[test]
fn request_assignments_match_the_pattern() {
    for text in [
        "x = Request(\"a\") : y=trim( request.form(\"b\")) : z = CStr (Session(\"c\"))",
        "1a = request : _b = unescape(request) : c == request : d = (request) : e = requests",
        "a = request = request : b = xtrim(request) : 名 = request",
    ] {
        let l = text.to_ascii_lowercase();
        assert_eq!(
            request_assignments(Lowered::new(&l)),
            reference_names(text),
            "{text}"
        );
    }
}

/// `HUOYAN_DIFF_DIR=… cargo test -p huoyan-web -- --ignored asp_same_as`
#[test]
#[ignore]
fn asp_same_as_the_pattern_over_a_tree() {
    let Ok(dir) = std::env::var("HUOYAN_DIFF_DIR") else {
        return;
    };
    let amp = crate::fastre::new(AMP_CHAIN).expect("re");
    let split = crate::fastre::new(CHAR_SPLIT).expect("re");
    let mut stack = vec![std::path::PathBuf::from(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let Ok(bytes) = std::fs::read(&p) else {
                continue;
            };
            let (text, _) = crate::textdecode::decode(&bytes);
            let l = text.to_ascii_lowercase();
            assert_eq!(
                request_assignments(Lowered::new(&l)),
                reference_names(&text),
                "{p:?}"
            );
            assert_eq!(copies(Lowered::new(&l)), reference_copies(&text), "{p:?}");
            let want: Vec<_> = amp
                .find_iter(&text)
                .map(|m| crate::fastre::Span::new(m.start(), m.end()))
                .collect();
            assert_eq!(amp_chains(&text), want, "{p:?}");
            let want: Vec<_> = split
                .find_iter(&text)
                .map(|m| crate::fastre::Span::new(m.start(), m.end()))
                .collect();
            assert_eq!(char_splits(&text), want, "{p:?}");
            assert_eq!(writes(&text), reference_writes(&text), "{p:?}");
        }
    }
}
