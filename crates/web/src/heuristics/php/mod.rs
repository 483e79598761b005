//! PHP heuristics: request input reaching code execution, and the obfuscation around it.
//!
//! Sources are the request (`$_GET`, `$_POST`, `$_REQUEST`, `$_COOKIE`, `$_FILES`, `HTTP_*`
//! headers, `getallheaders()`, `php://input`) and variables assigned from it in the same file (one
//! level of taint, which is what one-liners and their "two-liner" variants use). Sinks are the
//! functions that execute code or commands, callbacks that call a request-chosen function,
//! variable functions, `preg_replace` with the `/e` modifier and `include` of request input.

mod anchored;
mod calls;
mod obfuscation;
mod patterns;
mod taint;
mod text;

use huoyan_core::Severity;

use super::Hit;
use crate::fastre::Lowered;
use obfuscation::*;
pub use patterns::SINK_NAMES;
use patterns::*;
use taint::*;
use text::*;
pub use text::{strip_comments, unescape_php};

/// Runs every PHP heuristic over `text` (comments blanked first).
pub fn analyse(text: &str, hits: &mut Vec<Hit>) {
    let stripped = strip_comments(text);
    let text: &str = &stripped;
    let lowered = text.to_ascii_lowercase();
    let lower = Lowered::new(&lowered);
    let tainted = tainted_vars(text, lower);
    // Where each variable is assigned (for flow: the last assignment before a use decides).
    let assigned = if tainted.is_empty() {
        Vec::new()
    } else {
        assignments(lower)
    };
    let direct = direct_tainted(lower);
    // The patterns below that name `$_GET`, `$_POST` … need one of these tokens to match.
    let request = mentions_request(lower);
    // Calls, backticks and variable names count in code only, not inside string literals.
    let code = CodeMap::new(text);

    for m in EXEC_SINK.captures_iter(lower) {
        let Some(whole) = m.get(0) else { continue };
        if is_method_or_definition(text, whole.start()) || !code.in_code(whole.start()) {
            continue;
        }
        let args = call_args(text, whole.end());
        if is_request_input_at(text, args, whole.start(), &assigned, &tainted) {
            let name = m[1].to_ascii_lowercase();
            let rule = if name == "create_function" {
                "php.request_to_create_function"
            } else {
                "php.request_to_exec"
            };
            hits.push(Hit::heuristic(
                rule,
                Severity::Critical,
                "request input reaches a code or command execution function",
                text,
                whole.start(),
                whole.end() + args.len() + 1,
            ));
            break;
        }
    }
    if !hits.iter().any(|h| h.rule == "php.request_to_exec") && request {
        let wrappers = calls::sink_wrappers(text, lower, &code);
        if let Some((start, end, name)) =
            calls::wrapper_called_with_request(text, lower, &code, &wrappers, &assigned, &tainted)
        {
            hits.push(Hit::heuristic(
                "php.request_to_exec",
                Severity::Critical,
                &format!(
                    "request input reaches a code or command execution function through {name}()"
                ),
                text,
                start,
                end,
            ));
        }
    }

    for m in CALLBACK_SINK.captures_iter(lower) {
        let Some(whole) = m.get(0) else { continue };
        if is_method_or_definition(text, whole.start()) || !code.in_code(whole.start()) {
            continue;
        }
        let args = call_args(text, whole.end());
        let callback = if m[1].eq_ignore_ascii_case("array_filter")
            || m[1].to_ascii_lowercase().starts_with("array_walk")
            || m[1].to_ascii_lowercase().starts_with('u')
            || m[1].eq_ignore_ascii_case("array_reduce")
            || m[1].eq_ignore_ascii_case("iterator_apply")
        {
            nth_arg(args, 1).unwrap_or("")
        } else {
            first_arg(args)
        };
        if starts_with_direct_source(callback) || starts_with_tainted(callback, &direct) {
            hits.push(Hit::heuristic(
                "php.request_callback",
                Severity::Critical,
                "a function named by the request is called through a callback",
                text,
                whole.start(),
                whole.end() + args.len() + 1,
            ));
            break;
        }
    }

    if let Some(m) = request
        .then(|| REQUEST_VAR_CALL.find_iter(lower))
        .into_iter()
        .flatten()
        .find(|m| code.in_code(m.start()))
    {
        hits.push(Hit::heuristic(
            "php.request_variable_function",
            Severity::Critical,
            "the request names a function that is called ($_POST['f'](...))",
            text,
            m.start(),
            m.end() + 40,
        ));
    }
    if !tainted.is_empty() {
        let starts = anchored::var_call_starts(lower);
        for (start, m, name) in
            anchored::VAR_CALL_AT.not_after_from(lower.as_str(), &starts, VAR_CALL_NOT_AFTER)
        {
            let name = name.map_or("", |g| &lower.as_str()[g.start()..g.end()]);
            if tainted.contains(name)
                && code.in_code(start)
                && tainted_at(text, &assigned, name, start, &tainted)
            {
                // A dispatcher that checks the name against a list first (`in_array($action,
                // $allowed)`) calls only functions of the application: a look, not evidence.
                let severity = if validated(lower, name) {
                    Severity::Medium
                } else {
                    Severity::Critical
                };
                hits.push(Hit::heuristic(
                    "php.tainted_variable_function",
                    severity,
                    "a variable holding request input is called as a function",
                    text,
                    start,
                    m.end() + 40,
                ));
                break;
            }
        }
    }

    if let Some((m, args)) = request
        .then(|| EMBEDDED_EVAL.find_iter(lower))
        .into_iter()
        .flatten()
        .filter(|m| code.in_code(m.start()))
        .map(|m| (m, call_args(text, m.end())))
        .find(|(_, args)| is_request_input(args, &tainted))
    {
        hits.push(Hit::heuristic(
            "php.request_to_exec",
            Severity::Critical,
            "request input is evaluated by an embedded interpreter (Perl, V8Js, Lua …)",
            text,
            m.start(),
            m.end() + args.len() + 1,
        ));
    }
    if let Some(m) = request
        .then(|| PAYLOAD_IN_STRING.find_iter(lower))
        .into_iter()
        .flatten()
        .find(|m| !code.in_code(m.start()))
    {
        hits.push(Hit::heuristic(
            "php.webshell_payload_string",
            Severity::High,
            "a string holds a webshell one-liner (written to a file or injected through SQL)",
            text,
            m.start(),
            m.end() + 40,
        ));
    }

    for m in INCLUDE_SINK.find_iter(lower) {
        if !code.in_code(m.start()) {
            continue;
        }
        let end = text[m.end()..]
            .find([';', '\n'])
            .map_or(text.len(), |e| m.end() + e);
        let stmt = &text[m.end()..end.min(m.end() + 200)];
        if SOURCE_IN_SLICE.is_match(stmt) {
            hits.push(Hit::heuristic(
                "php.request_include",
                Severity::High,
                "a file named by the request is included (remote/local file inclusion)",
                text,
                m.start(),
                end,
            ));
            break;
        }
    }

    if let Some(m) = request
        .then(|| BACKTICK_REQUEST.find_iter(lower))
        .into_iter()
        .flatten()
        .find(|m| code.in_code(m.start()))
    {
        hits.push(Hit::heuristic(
            "php.request_backtick",
            Severity::Critical,
            "request input inside a backtick shell command",
            text,
            m.start(),
            m.end(),
        ));
    }

    if let Some(m) = request
        .then(|| EXTRACT_REQUEST.find_iter(lower))
        .into_iter()
        .flatten()
        .find(|m| {
            if !code.in_code(m.start()) {
                return false;
            }
            let open = text[m.start()..]
                .find('(')
                .map_or(m.end(), |o| m.start() + o + 1);
            let args = call_args(text, open);
            !m.as_str().to_ascii_lowercase().starts_with("parse_str") || !args.contains(',')
        })
    {
        hits.push(Hit::heuristic(
            "php.extract_request",
            Severity::Medium,
            "request variables imported into the local scope (extract/parse_str), a common \
             way to hide the function name",
            text,
            m.start(),
            m.end() + 40,
        ));
    }

    if let Some(m) = EVAL_DECODED.find(lower) {
        if !is_method_or_definition(text, m.start()) && code.in_code(m.start()) {
            hits.push(Hit::heuristic(
                "php.eval_decoded",
                Severity::High,
                "decoded data is executed (eval/assert of base64_decode, gzinflate, str_rot13 …)",
                text,
                m.start(),
                m.end() + 60,
            ));
        }
    }
    if let Some(m) = DECODE_CHAIN.find(lower) {
        hits.push(Hit::heuristic(
            "php.decode_chain",
            Severity::Medium,
            "nested decoders (e.g. gzinflate(base64_decode(…))) unpack hidden code",
            text,
            m.start(),
            m.end() + 60,
        ));
    }

    for m in anchored::concatenated_literals(text) {
        let joined: String = LITERAL_PIECE
            .captures_iter(&text[m.start()..m.end()])
            .map(|c| c[1].to_string())
            .collect();
        if let Some(name) = names_sink(&joined) {
            hits.push(Hit::heuristic(
                "php.concatenated_function_name",
                Severity::High,
                &format!("the name of {name}() is assembled from string pieces"),
                text,
                m.start(),
                m.end(),
            ));
            break;
        }
    }

    for c in SIMPLE_TRANSFORM.captures_iter(lower) {
        let func = c[1].to_ascii_lowercase();
        // The argument's case matters: take it from the original text.
        let arg = c.get(2).map_or("", |g| &text[g.range()]);
        let decoded = match func.as_str() {
            "str_rot13" => rot13(arg),
            "strrev" => arg.chars().rev().collect(),
            _ => {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD
                    .decode(arg.as_bytes())
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .unwrap_or_default()
            }
        };
        if let (Some(name), Some(m)) = (names_sink(&decoded), c.get(0)) {
            hits.push(Hit::heuristic(
                "php.encoded_function_name",
                Severity::High,
                &format!("the name of {name}() is hidden with {func}()"),
                text,
                m.start(),
                m.end(),
            ));
            break;
        }
    }

    if let Some(m) = CHR_RUN.find(lower) {
        let decoded: String = CHR_NUM
            .captures_iter(m.as_str())
            .filter_map(|c| c[1].parse::<u8>().ok())
            .map(char::from)
            .collect();
        let lower = decoded.to_ascii_lowercase();
        let names = SINK_NAMES.iter().any(|n| lower.contains(n)) || lower.contains("$_");
        hits.push(Hit::heuristic(
            "php.chr_concatenation",
            if names { Severity::High } else { Severity::Low },
            "a string is spelled out with chr() calls",
            text,
            m.start(),
            m.end(),
        ));
    }

    let escapes = has_escape_codes(lower);
    for m in escapes
        .then(|| HEX_LITERAL.find_iter(lower))
        .into_iter()
        .flatten()
    {
        let decoded = unescape_php(m.as_str());
        let lower = decoded.to_ascii_lowercase();
        if SINK_NAMES.iter().any(|n| lower.contains(n)) || lower.contains("$_") {
            hits.push(Hit::heuristic(
                "php.hex_escaped_code",
                Severity::High,
                "a function name or request variable is hidden in \\x/octal escapes",
                text,
                m.start(),
                m.end(),
            ));
            break;
        }
    }

    if let Some(m) = CALLBACK_LITERAL_SINK.find(lower) {
        hits.push(Hit::heuristic(
            "php.callback_to_sink",
            Severity::High,
            "an execution function (assert, system …) is registered as a callback",
            text,
            m.start(),
            m.end() + 40,
        ));
    }
    for m in LAST_ARG_CALLBACK.find_iter(lower) {
        let args = call_args(text, m.end());
        let last = args.rsplit(',').next().unwrap_or("");
        if starts_with_source(last) || starts_with_tainted(last, &tainted) {
            hits.push(Hit::heuristic(
                "php.request_callback",
                Severity::Critical,
                "a function named by the request is used as a comparison callback",
                text,
                m.start(),
                m.end() + args.len() + 1,
            ));
            break;
        }
        if is_request_input(args, &tainted) {
            hits.push(Hit::heuristic(
                "php.callback_family_with_request",
                Severity::High,
                "an array_*_u* comparison-callback function is fed request input (a known way to \
                 hide a call)",
                text,
                m.start(),
                m.end() + args.len() + 1,
            ));
            break;
        }
    }
    if let Some(m) = anchored::has_empty_string_arg(lower)
        .then(|| VAR_CREATE_FUNCTION.find_iter_not_after(lower, CALL_NOT_AFTER))
        .into_iter()
        .flatten()
        .find(|m| {
            // `$f = $g('', $code); … $f();` — the result is called later.
            let before = text[..m.start()].trim_end();
            let Some(eq) = before.strip_suffix('=') else {
                return false;
            };
            let var: String = eq
                .trim_end()
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            !var.is_empty() && text[m.end()..].contains(&format!("${var}("))
        })
    {
        hits.push(Hit::heuristic(
            "php.variable_create_function",
            Severity::High,
            "a variable function is called with create_function's signature (\"\", code)",
            text,
            m.start(),
            m.end() + 60,
        ));
    }
    if let Some(m) = OBFUSCATED_INCLUDE.find(lower) {
        hits.push(Hit::heuristic(
            "php.obfuscated_include",
            Severity::High,
            "include/require of a path hidden in \\x escapes",
            text,
            m.start(),
            m.end() + 40,
        ));
    } else if let Some(m) = INCLUDE_ODD_EXT.find(lower) {
        hits.push(Hit::heuristic(
            "php.include_non_code",
            Severity::Medium,
            "include/require of an image, icon or text file (PHP hidden in a non-code file)",
            text,
            m.start(),
            m.end(),
        ));
    }
    if let Some(m) = HIDDEN_BY_WHITESPACE.find(text) {
        hits.push(Hit::heuristic(
            "php.code_hidden_by_whitespace",
            Severity::Medium,
            "code pushed off-screen by hundreds of spaces after <?php",
            text,
            m.end().saturating_sub(1),
            m.end() + 80,
        ));
    }
    if let Some(m) = (escapes && lower.contains("\"\\x"))
        .then(|| HEX_BLOB.find(lower))
        .flatten()
    {
        hits.push(Hit::heuristic(
            "php.hex_escaped_blob",
            Severity::Low,
            "a long string written entirely in \\x escapes",
            text,
            m.start(),
            m.start() + 80,
        ));
    }
    let non_ascii_vars = if text.is_ascii() {
        0
    } else {
        anchored::non_ascii_variables(text)
            .filter(|m| code.in_code(m.start()))
            .take(5)
            .count()
    };
    if non_ascii_vars >= 5 {
        if let Some(m) = anchored::non_ascii_variables(text).find(|m| code.in_code(m.start())) {
            hits.push(Hit::heuristic(
                "php.non_printable_identifiers",
                Severity::Medium,
                "variables named with non-ASCII bytes (an obfuscator's signature)",
                text,
                m.start(),
                m.end() + 40,
            ));
        }
    }

    more_obfuscation(text, lower, &direct, &code, hits);
    assorted_tricks(text, lower, &tainted, &code, hits);
    preg_replace_e(text, lower, &tainted, &code, hits);
}

/// True when the (lower-case) text checks `$name` against a list or a pattern:
/// `in_array($name, …)`, `array_key_exists($name, …)`, `isset($map[$name])`,
/// `preg_match('/^…$/', $name)`, `switch ($name)`.
fn validated(lower: Lowered<'_>, name: &str) -> bool {
    let hay = lower.as_str();
    let var = format!("${name}");
    let ends = |i: usize| {
        hay.as_bytes()
            .get(i + var.len())
            .is_none_or(|&c| !(c.is_ascii_alphanumeric() || c == b'_'))
    };
    hay.match_indices(&var).any(|(i, _)| {
        if !ends(i) {
            return false;
        }
        let before = hay[..i].trim_end();
        let before = before.strip_suffix('[').map_or(before, str::trim_end);
        [
            "in_array(",
            "array_key_exists(",
            "switch (",
            "switch(",
            "isset(",
        ]
        .iter()
        .any(|k| before.ends_with(k))
            || (before.ends_with(',') && {
                let b = window_before(hay, i, 120);
                b.rfind("preg_match").is_some_and(|p| !b[p..].contains(';'))
            })
            || {
                let b = window_before(hay, i, 60);
                b.rfind("isset(")
                    .is_some_and(|p| !b[p..].contains([')', ';']) && b[p..].contains('['))
            }
    })
}

/// At most `n` bytes of `hay` before `end` (from a character boundary).
fn window_before(hay: &str, end: usize, n: usize) -> &str {
    let mut start = end.saturating_sub(n);
    while start > 0 && !hay.is_char_boundary(start) {
        start -= 1;
    }
    &hay[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Vec<String> {
        let mut hits = Vec::new();
        analyse(text, &mut hits);
        hits.into_iter().map(|h| h.rule).collect()
    }

    #[test]
    fn one_liners() {
        assert!(rules("<?php @eval($_POST['c']);?>").contains(&"php.request_to_exec".into()));
        assert!(rules("<?php $a=$_GET['x']; assert($a);").contains(&"php.request_to_exec".into()));
        assert!(rules("<?php $_POST['f']($_POST['c']);")
            .contains(&"php.request_variable_function".into()));
        assert!(rules("<?php call_user_func_array($_POST['f'], array(1));")
            .contains(&"php.request_callback".into()));
        assert!(rules("<?php $f='as'.'se'.'rt'; $f($x);")
            .contains(&"php.concatenated_function_name".into()));
        assert!(rules("<?php eval(gzinflate(base64_decode('abc')));")
            .contains(&"php.eval_decoded".into()));
        assert!(rules("<?php preg_replace('/.*/e', $_REQUEST['x'], '');")
            .contains(&"php.preg_replace_e".into()));
        assert!(rules("<?php $f=str_rot13('nffreg'); $f($_POST[1]);")
            .contains(&"php.encoded_function_name".into()));
        assert!(
            rules("<?php $x=\"\\x61\\x73\\x73\\x65\\x72\\x74\"; $x($_POST[1]);")
                .contains(&"php.hex_escaped_code".into())
        );
        assert!(rules("<?php include($_GET['page']);").contains(&"php.request_include".into()));
        assert!(rules("<?php echo `ls $_GET[d]`;").contains(&"php.request_backtick".into()));
    }

    #[test]
    fn benign_code_is_quiet() {
        let benign = "<?php $db->exec($sql); $_POST = array_map('stripslashes', $_POST);\n\
            function system($x) {} $pdo::exec($q); preg_replace('/a/i', 'b', $_GET['q']);\n\
            $name = sanitize($_GET['n']); include __DIR__ . '/x.php'; echo base64_decode($s);";
        let r = rules(benign);
        assert!(r.is_empty(), "{r:?}");
    }

    fn worst(text: &str) -> Option<Severity> {
        let mut hits = Vec::new();
        analyse(text, &mut hits);
        hits.into_iter().map(|h| h.severity).max()
    }

    #[test]
    fn dynamic_calls_without_request_input_are_not_evidence() {
        // A function name kept in a variable, a callback from code: ordinary PHP.
        for benign in [
            "<?php $fn = 'strtolower'; echo $fn($x);",
            "<?php $cb = [$this, 'render']; call_user_func($callback, $args); $f = $map[$k]; $f($v);",
            "<?php array_filter( explode( '/', $_SERVER['PHP_SELF'] ) );",
            "<?php $env = $_SERVER; proc_open($cmd, $spec, $pipes, null, $env);",
            "<?php $rev = $_SERVER['argv'][2]; exec('svnlook log ' . escapeshellarg($rev));",
            "<?php $this->source = 'System'; $type = \"system\";",
            "<?php $sql = \"SELECT `id` FROM t WHERE x='\" . $_REQUEST['q'] . \"'\";",
            "<?php $q = \"$row[partition_by]($row[partition])\" . $_GET['x']; $u = $_POST['u'];",
        ] {
            assert!(worst(benign) < Some(Severity::Medium), "{benign}: {:?}", rules(benign));
        }
        // A sink's name called without request input: a look, not evidence.
        assert_eq!(
            worst("<?php $f = 'system'; $f($x);"),
            Some(Severity::Medium)
        );
        // The same with request input: evidence.
        assert_eq!(
            worst("<?php $f = 'system'; $f($_GET['c']);"),
            Some(Severity::Critical)
        );
        assert!(
            worst("<?php $i['w'] = 'assert'; $a[] = $i; $a[0]['w']($_POST['x']);")
                >= Some(Severity::High)
        );
    }

    #[test]
    fn the_last_assignment_before_a_call_decides() {
        let reassigned =
            "<?php $f = $_GET['f']; echo $f;\n$f = function ($x) { return $x; };\n$f(1);\n\
            $c = $_POST['c']; $c = 'uptime'; system($c);";
        assert!(
            worst(reassigned) < Some(Severity::Medium),
            "{:?}",
            rules(reassigned)
        );
        let shell =
            "<?php $f = 'x'; $f = $_GET['f']; $f($_GET['a']); $c = $_POST['c']; system($c);";
        assert_eq!(worst(shell), Some(Severity::Critical));
        // /e without request input: code of the PHP 5 era, a look; with it, evidence.
        assert_eq!(
            worst("<?php $s = preg_replace('/(\\d+)/e', 'chr($1)', $s);"),
            Some(Severity::Medium)
        );
    }

    #[test]
    fn escaped_or_checked_request_input_is_not_evidence() {
        let escaped = "<?php $h = $_GET['host']; exec('ping -c 1 ' . escapeshellarg($h), $out);\n\
            system('ls ' . escapeshellarg($_GET['d'])); passthru('id ' . (int) $_GET['n']);";
        assert!(
            worst(escaped) < Some(Severity::High),
            "{:?}",
            rules(escaped)
        );
        for shell in [
            "<?php system(escapeshellarg($_GET['c']));",
            "<?php system(escapeshellcmd($_GET['c']));",
        ] {
            assert_eq!(worst(shell), Some(Severity::Critical), "{shell}");
        }
        let dispatch = "<?php $a = $_GET['action']; if (in_array($a, $allowed)) { $a(); }";
        assert_eq!(worst(dispatch), Some(Severity::Medium));
        let shell = "<?php $a = $_GET['f']; $a($_GET['x']);";
        assert_eq!(worst(shell), Some(Severity::Critical));
    }

    #[test]
    fn request_input_through_a_function_of_the_file() {
        let shell = "<?php function exe($s_c){ $s_c = $s_c.\" 2>&1\"; ob_start(); @system($s_c);\n\
            return ob_get_clean(); }\nif(isset($_REQUEST['cmd'])){ $s_cmd = base64_decode($_REQUEST['cmd']);\n\
            echo exe($s_cmd); }";
        assert!(
            rules(shell).contains(&"php.request_to_exec".into()),
            "{:?}",
            rules(shell)
        );
        assert_eq!(worst(shell), Some(Severity::Critical));
        let benign = "<?php function run($c){ return shell_exec($c); }\n\
            echo run('uptime'); $n = $_GET['n']; echo htmlspecialchars($n);\n\
            function calc($e) { return eval('return ' . $e . ';'); }\n\
            calc(str_replace('{}', '$_REQUEST[\"'.$field.'\"]', $expression));";
        assert!(
            worst(benign) < Some(Severity::Medium),
            "{:?}",
            rules(benign)
        );
    }

    #[test]
    fn code_inside_strings_is_not_code() {
        let benign = "<?php $msg = 'create_function() is deprecated'; \
            $h = \"<?php system(\\$x); ?>\"; echo \"`{$_GET['a']}`\";";
        assert!(
            worst(benign) < Some(Severity::Medium),
            "{:?}",
            rules(benign)
        );
        // …but a webshell one-liner inside a string (a dropper, an SQL INTO OUTFILE payload) is.
        let dropper =
            "<?php $sql = \"SELECT '<? system(\\$_GET[c]); ?>' INTO OUTFILE '/var/www/x.php'\";";
        assert!(rules(dropper).contains(&"php.webshell_payload_string".into()));
        let perl = "<?php $perl = new Perl(); $perl->eval(\"system('\" . $_GET['cmd'] . \"')\");";
        assert_eq!(worst(perl), Some(Severity::Critical));
    }

    #[test]
    fn hostile_input_does_not_panic() {
        for s in [
            "eval(",
            "preg_replace('",
            "preg_replace(\"\u{e9}",
            "\"\\x",
            "chr(1).chr(",
            "$",
        ] {
            let _ = rules(s);
        }
    }
}
