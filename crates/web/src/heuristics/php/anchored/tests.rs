//! Tests: each finder against the pattern it replaces.

use super::*;

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

#[test]
fn direct_taint_names_match_the_pattern() {
    let reference = crate::fastre::CiRegex::new(r#"(?im)(?:^|[;{}(])\s*@?\$([a-z_]\w*)\s*=\s*@?\s*(?:(?:trim|stripslashes|base64_decode|urldecode|rawurldecode|str_rot13|strrev|gzinflate|hex2bin)\s*\(\s*@?\s*)*\$_(?:GET|POST|REQUEST|COOKIE)\s*[\[;]"#).expect("re");
    for text in [
        "<?php $a = $_POST['x'];",
        "$a=$_GET;$b = $_POST['y'];",
        "x;\n  @$cmd = @ trim ( rawurldecode( @$_REQUEST [ 'c' ]));",
        "{$f = urldecode($_COOKIE['f']);}",
        "$x == $_GET['a']; $y .= $_GET['b']; $Z = $_GET['c']; $1 = $_GET['d'];",
        "foo($v = base64_decode(strrev($_POST['v'])));",
        "$a = xtrim($_GET['a']); $b = $_GETX['b'];",
        "$_GET = $_POST['q'];",
        "\n$a = \n$_GET\n[1]",
        "$a = $_POST['a'];$b = $_POST['b'];\n$c = $_POST['c'];",
    ] {
        let l = lower(text);
        let want: HashSet<String> = reference
            .captures_iter(Lowered::new(&l))
            .map(|c| c[1].to_string())
            .collect();
        assert_eq!(direct_taint_names(Lowered::new(&l)), want, "{text}");
    }
}

#[test]
fn partial_piece_matches_the_pattern() {
    let reference = crate::fastre::new(
        r#"(?:\$\w+\s*\.\s*["']([a-z_(]{3,12})["'])|(?:["']([a-z_(]{3,12})["']\s*\.\s*\$\w+)"#,
    )
    .expect("re");
    for text in [
        "$f = $a . 'sert'; $g = 'ass' . $b;",
        "$x.'abcdefghijklm'.$y . \"eva\".$z",
        "'a'.$b 'abc'.$c $d.\"xy\" $e . 'ab(c)'",
        "'x'. $y 'ert'.\n$v",
    ] {
        let want: Vec<_> = reference
            .captures_iter(text)
            .map(|c| {
                let p = c.get(1).or(c.get(2)).map_or("", |m| m.as_str());
                (c.get(0).map(|m| (m.start(), m.end())), p.to_string())
            })
            .collect();
        let mut got = Vec::new();
        let mut from = 0;
        // Collect every match by accepting none and restarting after each reported one.
        while let Some((m, p)) = partial_piece(&text[from..], |_| true) {
            got.push((Some((from + m.start(), from + m.end())), p.to_string()));
            from += m.end();
        }
        assert_eq!(got, want, "{text}");
    }
}

#[test]
fn chains_and_literals_match_the_patterns() {
    let chain = crate::fastre::new(
        r#"(?:["'][^"'\n]{1,2}["']\s*\.\s*(?:[^;.\n]{0,30}\.\s*)?){3,}["'][^"'\n]{1,2}["']"#,
    )
    .expect("re");
    for text in [
        "$f = 'a'.'s'.'s'.'e'.'r'.'t';",
        "$f = \"as\" . 'se' . $x . 'r' . \"t\"; 'é'.'.'.'x'.'yy'",
        "'\n'.'a'.'b'.'c' 'ab'.'cd'.'ef'.",
        "'.'.'.'.'.'.'.'",
    ] {
        let want: Vec<_> = chain
            .find_iter(text)
            .map(|m| Span::new(m.start(), m.end()))
            .collect();
        assert_eq!(char_chains(text), want, "{text}");
        let want: Vec<_> = CONCAT_LITERALS_RE
            .find_iter(text)
            .map(|m| Span::new(m.start(), m.end()))
            .collect();
        assert_eq!(concatenated_literals(text), want, "{text}");
    }
}

#[test]
fn xor_loop_matches_the_pattern() {
    let reference = crate::fastre::new(
        r"\$\w+\s*\[\s*\$\w+\s*\]\s*\^\s*\$\w+\s*\[|\bopenssl_decrypt\s*\(|\bmcrypt_decrypt\s*\(",
    )
    .expect("re");
    for text in [
        "for($i=0;$i<$n;$i++){$c .= $d[ $i ] ^ $k[$i % 16];}",
        "preg_match('/^a/', $x); xopenssl_decrypt( mcrypt_decrypt ($a)",
        "$a[$b]^ $c; $x[$y] ^$z[1]",
        "^^ $[$]^$[",
    ] {
        let want = reference.find(text).map(|m| Span::new(m.start(), m.end()));
        assert_eq!(xor_loop(text), want, "{text}");
    }
}

/// Every finder against its pattern over a directory of real PHP (run by hand:
/// `HUOYAN_DIFF_DIR=/tmp/corp cargo test -p huoyan-web --release -- --ignored same_as`).
#[test]
#[ignore]
fn same_as_the_patterns_over_a_tree() {
    let Ok(dir) = std::env::var("HUOYAN_DIFF_DIR") else {
        return;
    };
    let direct = crate::fastre::CiRegex::new(r#"(?im)(?:^|[;{}(])\s*@?\$([a-z_]\w*)\s*=\s*@?\s*(?:(?:trim|stripslashes|base64_decode|urldecode|rawurldecode|str_rot13|strrev|gzinflate|hex2bin)\s*\(\s*@?\s*)*\$_(?:GET|POST|REQUEST|COOKIE)\s*[\[;]"#).expect("re");
    let partial = crate::fastre::new(
        r#"(?:\$\w+\s*\.\s*["']([a-z_(]{3,12})["'])|(?:["']([a-z_(]{3,12})["']\s*\.\s*\$\w+)"#,
    )
    .expect("re");
    let chain = crate::fastre::new(
        r#"(?:["'][^"'\n]{1,2}["']\s*\.\s*(?:[^;.\n]{0,30}\.\s*)?){3,}["'][^"'\n]{1,2}["']"#,
    )
    .expect("re");
    let xor = crate::fastre::new(
        r"\$\w+\s*\[\s*\$\w+\s*\]\s*\^\s*\$\w+\s*\[|\bopenssl_decrypt\s*\(|\bmcrypt_decrypt\s*\(",
    )
    .expect("re");
    let var_call = crate::fastre::CiRegex::new(VAR_CALL_ON_REQUEST).expect("re");
    let non_ascii = crate::fastre::new(r"\$[^\x00-\x7f]{3,}").expect("re");
    let sink = crate::fastre::CiRegex::new(r#"(?i)=\s*["'](?:assert|eval|system|passthru|shell_exec|create_function|call_user_func|base64_decode|str_rot13|gzinflate)["']\s*;"#).expect("re");
    let underscore = crate::fastre::CiRegex::new(r"\$_{1,8}\s*\(").expect("re");
    let call = crate::fastre::CiRegex::new(super::super::patterns::VAR_CALL).expect("re");
    let assign = crate::fastre::CiRegex::new(super::super::patterns::TAINT_ASSIGN).expect("re");
    let mut stack = vec![std::path::PathBuf::from(dir)];
    let mut files = 0;
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
            let (decoded, _) = crate::textdecode::decode(&bytes);
            let text = super::super::strip_comments(&decoded).into_owned();
            assert_eq!(
                text,
                super::super::text::strip_comments_reference(&decoded),
                "{p:?}"
            );
            let l = lower(&text);
            files += 1;
            let want: HashSet<String> = direct
                .captures_iter(Lowered::new(&l))
                .map(|c| c[1].to_string())
                .collect();
            assert_eq!(direct_taint_names(Lowered::new(&l)), want, "{p:?}");
            let want = partial.captures_iter(&text).find_map(|c| {
                let piece = c.get(1).or(c.get(2))?;
                super::super::obfuscation::is_partial_sink(piece.as_str())
                    .then(|| c.get(0).map(|m| (m.start(), m.end())))
                    .flatten()
            });
            let got = partial_piece(&text, super::super::obfuscation::is_partial_sink)
                .map(|(m, _)| (m.start(), m.end()));
            assert_eq!(got, want, "{p:?}");
            let want: Vec<_> = chain
                .find_iter(&text)
                .map(|m| Span::new(m.start(), m.end()))
                .collect();
            assert_eq!(char_chains(&text), want, "{p:?}");
            let want: Vec<_> = CONCAT_LITERALS_RE
                .find_iter(&text)
                .map(|m| Span::new(m.start(), m.end()))
                .collect();
            assert_eq!(concatenated_literals(&text), want, "{p:?}");
            let want = xor.find(&text).map(|m| Span::new(m.start(), m.end()));
            assert_eq!(xor_loop(&text), want, "{p:?}");
            let want = var_call.find_not_after(Lowered::new(&l), b">:$");
            assert_eq!(var_call_on_request(Lowered::new(&l), b">:$"), want, "{p:?}");
            let want: Vec<_> = non_ascii
                .find_iter(&text)
                .map(|m| Span::new(m.start(), m.end()))
                .collect();
            assert_eq!(
                non_ascii_variables(&text).collect::<Vec<_>>(),
                want,
                "{p:?}"
            );
            let want = sink
                .find(Lowered::new(&l))
                .map(|m| Span::new(m.start(), m.end()));
            assert_eq!(sink_literal_assign(Lowered::new(&l)), want, "{p:?}");
            assert_eq!(
                underscore_call(Lowered::new(&l), b">:$"),
                underscore.find_not_after(Lowered::new(&l), b">:$"),
                "{p:?}"
            );
            let starts = var_call_starts(Lowered::new(&l));
            let want: Vec<_> = call
                .captures_not_after(Lowered::new(&l), b">:${")
                .map(|(s, c)| (s, c.get(0).map_or(0, |m| m.end())))
                .collect();
            let got: Vec<_> = VAR_CALL_AT
                .not_after_from(&l, &starts, b">:${")
                .map(|(s, w, _)| (s, w.end()))
                .collect();
            assert_eq!(got, want, "{p:?}");
            let starts = assignment_starts(Lowered::new(&l));
            let want: Vec<_> = assign
                .find_iter(Lowered::new(&l))
                .map(|m| (m.start(), m.end()))
                .collect();
            let got: Vec<_> = TAINT_ASSIGN_AT
                .iter_from(&l, &starts)
                .map(|m| (m.start(), m.end()))
                .collect();
            assert_eq!(got, want, "{p:?}");
        }
    }
    eprintln!("{files} files compared");
}

#[test]
fn var_call_on_request_matches_the_pattern() {
    let reference = crate::fastre::CiRegex::new(VAR_CALL_ON_REQUEST).expect("re");
    for text in [
        "$f($_POST['x']);",
        "x$f($_GET[1]); ->$g( @ $_REQUEST['a']) ${h}[ 'a' ][0] (getallheaders()) $k(file_get_contents('php://input'))",
        "$a['x]'](  $_server['c']) $b[]($_cookie) $c[[[]($_get) $_GET($_POST['z'])",
        "$1($_get['a']); é$z($_post['b']); ($y [ 'abc' ] ( $_get ))",
    ] {
        let l = lower(text);
        let want = reference.find_not_after(Lowered::new(&l), b">:$");
        assert_eq!(var_call_on_request(Lowered::new(&l), b">:$"), want, "{text}");
    }
}

#[test]
fn empty_string_arg_matches_the_pattern() {
    let re = crate::fastre::CiRegex::new(r#"(?:""|'')\s*,"#).expect("re");
    for text in [
        "f('', $x)",
        "f(\"\"  \n ,1)",
        "'' x,",
        "'x'',",
        "\"\"",
        "x = '';",
    ] {
        assert_eq!(
            has_empty_string_arg(Lowered::new(text)),
            re.is_match(Lowered::new(text)),
            "{text}"
        );
    }
}

#[test]
fn underscore_call_matches_the_pattern() {
    let re = crate::fastre::CiRegex::new(r"\$_{1,8}\s*\(").expect("re");
    for text in [
        "$_($__); x$_(1) $__ (2)",
        "->$_(1); $_________(2); $$_(3); ($_ \n (4)",
        "$_post['a']; $_",
        "é$_(1)",
    ] {
        let l = lower(text);
        assert_eq!(
            underscore_call(Lowered::new(&l), b">:$"),
            re.find_not_after(Lowered::new(&l), b">:$"),
            "{text}"
        );
    }
}

#[test]
fn small_finders_match_their_patterns() {
    let non_ascii = crate::fastre::new(r"\$[^\x00-\x7f]{3,}").expect("re");
    let sink = crate::fastre::CiRegex::new(r#"(?i)=\s*["'](?:assert|eval|system|passthru|shell_exec|create_function|call_user_func|base64_decode|str_rot13|gzinflate)["']\s*;"#).expect("re");
    for text in [
        "$ééé = 1; $éé; $\u{80}\u{81}\u{82}\u{83}x $$ééé",
        "$f = 'assert'; $g='eval' ; x \"system\";",
        "$a == 'eval';$b=\n'EVAL'\n;",
    ] {
        let want: Vec<_> = non_ascii
            .find_iter(text)
            .map(|m| Span::new(m.start(), m.end()))
            .collect();
        assert_eq!(
            non_ascii_variables(text).collect::<Vec<_>>(),
            want,
            "{text}"
        );
        let l = lower(text);
        let want = sink
            .find(Lowered::new(&l))
            .map(|m| Span::new(m.start(), m.end()));
        assert_eq!(sink_literal_assign(Lowered::new(&l)), want, "{text}");
    }
}

#[test]
fn variable_calls_and_assignments_match_the_patterns() {
    let call = crate::fastre::CiRegex::new(super::super::patterns::VAR_CALL).expect("re");
    let assign = crate::fastre::CiRegex::new(super::super::patterns::TAINT_ASSIGN).expect("re");
    for text in [
        "$f($x); ${g}(1); $h [ 'a' ] ( 2 ); $1(3); x$y(4); ->$z(5); {$w}(6) $a[b[c]](7)",
        "$a = 1; $b['x'] .= 2; $c == 3; $d.=4; $e [ 0 ] = 5; $_ = 6; $9 = 7; $é = 8",
        "$a[]($b) ${x(",
    ] {
        let l = lower(text);
        let starts = var_call_starts(Lowered::new(&l));
        let want: Vec<_> = call
            .captures_not_after(Lowered::new(&l), b">:${")
            .map(|(s, c)| (s, c.get(0).map(|m| m.end()), c[1].to_string()))
            .collect();
        let got: Vec<_> = VAR_CALL_AT
            .not_after_from(&l, &starts, b">:${")
            .map(|(s, w, g)| {
                (
                    s,
                    Some(w.end()),
                    g.map_or(String::new(), |g| l[g.start()..g.end()].to_string()),
                )
            })
            .collect();
        assert_eq!(got, want, "{text}");
        let starts = assignment_starts(Lowered::new(&l));
        let want: Vec<_> = call_free_assignments(&assign, &l);
        let got: Vec<_> = TAINT_ASSIGN_AT
            .iter_from(&l, &starts)
            .map(|m| (m.start(), m.end()))
            .collect();
        assert_eq!(got, want, "{text}");
    }
}

fn call_free_assignments(re: &crate::fastre::CiRegex, l: &str) -> Vec<(usize, usize)> {
    re.find_iter(Lowered::new(l))
        .map(|m| (m.start(), m.end()))
        .collect()
}
