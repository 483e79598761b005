//! Whole audits: fixture shadow files with known weak and strong passwords.

use std::time::Duration;

use huoyan_passwords::{audit, Account, Config, NotTestedWhy, Origin, Scheme};

use crate::{STRONG, VECTORS};

fn account(name: &str, hash: &str) -> Account {
    Account {
        name: name.to_string(),
        hash: hash.to_string(),
        file: "/etc/shadow",
        line: 1,
        gecos: String::new(),
    }
}

#[test]
fn weak_passwords_are_found_with_their_origin() {
    let accounts = vec![
        account("root", VECTORS[0].1),
        account("alice", VECTORS[1].1),
        account("deploy", VECTORS[2].1),
        account("carol", VECTORS[3].1),
        account("dave", VECTORS[4].1),
        account("eve", VECTORS[5].1),
        account("daemon", "*"),
        account("ftp", "!!"),
        account("old", "!$6$Hy9cR2mQ$GyXT"),
        account("gost", "$gy$j9T$abc$def"),
    ];
    let config = Config {
        time_limit: Duration::from_secs(120),
        hostname: Some("web01.example.com".into()),
        ..Config::default()
    };
    let report = audit(&accounts, &config);
    let hit = |name: &str| {
        report
            .hits
            .iter()
            .find(|h| h.account == name)
            .unwrap_or_else(|| panic!("{name} not found: {report:#?}"))
    };
    assert!(matches!(hit("root").origin, Origin::BuiltIn { rank: 7 }));
    assert_eq!(hit("root").password, "admin123");
    assert_eq!(hit("alice").origin, Origin::UserName);
    assert_eq!(hit("alice").scheme, Scheme::Yescrypt);
    assert_eq!(hit("deploy").origin, Origin::HostName);
    assert!(matches!(hit("carol").origin, Origin::BuiltIn { .. }));
    assert_eq!(hit("dave").scheme, Scheme::Bcrypt);
    assert_eq!(hit("eve").scheme, Scheme::Des);
    assert_eq!(report.hits.len(), 6);
    assert_eq!(report.locked, vec!["daemon", "ftp", "old"]);
    assert_eq!(report.not_tested.len(), 1, "{:#?}", report.not_tested);
    assert!(matches!(
        report.not_tested[0].why,
        NotTestedWhy::Untestable(_)
    ));
    // The cleartext never reaches JSON.
    let json = serde_json::to_string(&report).expect("json");
    assert!(!json.contains("admin123"), "{json}");
}

#[test]
fn strong_passwords_are_not_found_and_reuse_is_reported() {
    let accounts = vec![
        account("root", STRONG[0].1),
        account("alice", STRONG[2].1),
        account("bob", STRONG[2].1),
        account("carol", STRONG[3].1),
    ];
    let config = Config {
        time_limit: Duration::from_secs(120),
        hostname: Some("web01".into()),
        ..Config::default()
    };
    let report = audit(&accounts, &config);
    assert!(report.hits.is_empty(), "{:#?}", report.hits);
    assert!(report.not_tested.is_empty(), "{:#?}", report.not_tested);
    assert_eq!(report.reused.len(), 1);
    assert_eq!(report.reused[0].accounts, vec!["alice", "bob"]);
    assert_eq!(report.reused[0].scheme, Scheme::Md5Crypt);
}

#[test]
fn the_budget_names_the_accounts_not_fully_tested() {
    let accounts = vec![account("root", STRONG[1].1), account("admin", STRONG[0].1)];
    let config = Config {
        time_limit: Duration::from_millis(300),
        ..Config::default()
    };
    let start = std::time::Instant::now();
    let report = audit(&accounts, &config);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    let root = report
        .not_tested
        .iter()
        .find(|n| n.account == "root")
        .expect("root not fully tested");
    let NotTestedWhy::TimeLimit { tested, total } = root.why else {
        panic!("{root:?}");
    };
    assert!(tested < total);
}

#[test]
#[allow(deprecated)]
fn wordlists_come_after_the_builtin_list() {
    let hash = pwhash::md5_crypt::hash_with("$1$abcdefgh", "correct horse").expect("md5");
    let accounts = vec![account("svc", &hash)];
    let config = Config {
        wordlists: vec![huoyan_passwords::Wordlist::parse(
            "mine.txt",
            b"first\ncorrect horse\n",
            100,
        )],
        ..Config::default()
    };
    let report = audit(&accounts, &config);
    assert_eq!(
        report.hits[0].origin,
        Origin::Wordlist {
            name: "mine.txt".into(),
            rank: 2
        }
    );
}
