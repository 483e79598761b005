//! The ruleset programmed over netlink is the one the kernel holds: Debian's `nft` lists it back
//! inside a throwaway network namespace, rule for rule.

mod common;

use common::{can_run_live, Netns};
use huoyan_contain::policy::{Allowance, Policy};
use huoyan_contain::{nft, ruleset};

fn policy(allows: &[&str]) -> Policy {
    let mut p = Policy::default();
    for a in allows {
        p.add(Allowance::parse(a).unwrap());
    }
    p
}

#[test]
fn applied_ruleset_lists_back_identically() {
    if !can_run_live() {
        return;
    }
    let ns = Netns::new("rs");
    let rs = ruleset::build(&policy(&[
        "10.9.0.3",
        "10.1.0.0/16:443",
        "[fd00::7]:22",
        "fd00:1::/48",
    ]));
    let expected = rs.to_nft();
    let rs2 = rs.clone();
    ns.run(move || nft::apply(&rs2)).expect("apply");
    let listed = ns.ruleset();
    let norm = |s: &str| {
        s.lines()
            .map(|l| l.trim().replace("counter packets 0 bytes 0", "counter"))
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        norm(&listed),
        norm(&expected),
        "listed:\n{listed}\nexpected:\n{expected}"
    );
    // Applying again replaces the table atomically (no duplicate rules).
    let rs3 = rs.clone();
    ns.run(move || nft::apply(&rs3)).expect("re-apply");
    assert_eq!(norm(&ns.ruleset()), norm(&expected));
    assert!(ns.run(nft::table_exists).expect("exists"));
    let tables = ns.run(nft::list_tables).expect("tables");
    assert!(tables
        .iter()
        .any(|t| t.family == "inet" && t.name == "huoyan"));
    let counters = ns.run(nft::counters).expect("counters");
    assert_eq!(counters.len(), 3);
    ns.run(nft::delete_table).expect("delete");
    assert!(!ns.run(nft::table_exists).expect("exists"));
    ns.run(nft::delete_table).expect("delete twice is fine");
    assert_eq!(ns.ruleset().trim(), "");
}
