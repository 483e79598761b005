//! The ruleset programmed over netlink is the one the kernel holds: Debian's `nft` lists it back
//! inside a throwaway network namespace, rule for rule.

use crate::common;

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

#[test]
fn a_refused_batch_changes_nothing() {
    use huoyan_contain::netlink::{MsgBuilder, NLM_F_ACK, NLM_F_CREATE, NLM_F_REQUEST};
    if !can_run_live() {
        return;
    }
    let ns = Netns::new("atomic");
    let first = ruleset::build(&policy(&["10.9.0.3"]));
    let f2 = first.clone();
    ns.run(move || nft::apply(&f2)).expect("apply");
    let before = ns.ruleset();
    // The next batch replaces the table but its last message names a chain that does not
    // exist: the kernel must refuse the whole batch.
    let second = ruleset::build(&policy(&["10.9.0.4"]));
    let result = ns.run(move || {
        let mut sock = nft::connect()?;
        let mut msgs = nft::apply_messages(&mut sock, &second);
        let seq = sock.next_seq();
        let mut bad = MsgBuilder::nft(
            6,
            NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE,
            seq,
            nft::NFPROTO_INET,
        );
        bad.attr_str(1, "huoyan").attr_str(2, "no-such-chain");
        msgs.push((seq, "bad rule".to_string(), bad.finish()));
        sock.batch(msgs)
    });
    let err = result.expect_err("kernel accepted a bad batch").to_string();
    assert!(
        err.contains("bad rule") && err.contains("nothing was changed"),
        "{err}"
    );
    assert_eq!(ns.ruleset(), before, "a refused batch left changes behind");
}
