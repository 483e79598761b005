//! Test support shared by the access-log tests: which attack classes each web-payloads file
//! (PayloadsAllTheThings class names) may be classified as.

#![allow(dead_code)]

use huoyan_web::logs::classify::AttackClass;

/// The classes a payload of the corpus class `class` counts as detected in (None: not scored).
pub fn expected(class: &str) -> Option<&'static [AttackClass]> {
    Some(match class {
        "sqli" => &[AttackClass::Sqli],
        "xss" => &[AttackClass::Xss],
        "path_traversal" => &[AttackClass::PathTraversal],
        "cmd_injection" => &[AttackClass::CmdInjection],
        // Traversal is how most local file inclusion is done; the lfi_rfi lists mix both.
        "lfi_rfi" => &[
            AttackClass::Lfi,
            AttackClass::Rfi,
            AttackClass::PathTraversal,
        ],
        "log4shell" => &[AttackClass::Log4Shell],
        "ssti" => &[AttackClass::Ssti],
        "xxe" => &[AttackClass::Xxe],
        _ => return None,
    })
}
