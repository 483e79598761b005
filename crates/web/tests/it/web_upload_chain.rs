//! The fixture `tests/fixtures/web-upload`: an IP exploits a form, uploads x.php, then POSTs to
//! it. `huoyan web` must produce a chained finding naming the IP, the file and both times.

use std::path::Path;
use std::time::{Duration, SystemTime};

use huoyan_artifacts::users::UserDb;
use huoyan_core::{Root, Severity, Window};
use huoyan_web::WebOptions;

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let dest = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}

fn set_mtime(path: &Path, unix: u64) {
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .expect("open");
    f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(unix))
        .expect("set mtime");
}

#[test]
fn upload_then_use_is_chained() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&huoyan_testkit::fixture("web-upload"), dir.path());
    // 2025-03-14T10:02:10Z: the upload POST; the rest of the site is a week older.
    let upload = 1_741_946_530;
    for f in ["var/www/html/index.php", "var/www/html/upload.php"] {
        set_mtime(&dir.path().join(f), upload - 7 * 86_400);
    }
    set_mtime(&dir.path().join("var/www/html/uploads/x.php"), upload);
    let root = Root::new(dir.path()).expect("root");
    let (outcome, summary) = huoyan_web::analyse(
        &root,
        &UserDb::default(),
        &WebOptions::full(Window::default()),
    );
    for f in &outcome.findings {
        println!("{} {} {}", f.severity, f.check_id, f.summary);
    }
    println!("{summary:?}");
    let chain = outcome
        .findings
        .iter()
        .find(|f| f.check_id == "web.webshell_use")
        .expect("chained finding");
    assert_eq!(chain.severity, Severity::Critical);
    assert_eq!(chain.ips, vec!["203.0.113.66"]);
    assert!(chain
        .paths
        .contains(&"/var/www/html/uploads/x.php".to_string()));
    assert!(
        chain.summary.contains("2025-03-14T10:02:31"),
        "{}",
        chain.summary
    );
    assert!(
        chain.summary.contains("2025-03-14T10:02:10"),
        "{}",
        chain.summary
    );
    assert_eq!(chain.evidence["uses"], 3);
    // The other parts of the story are there too.
    assert!(outcome
        .findings
        .iter()
        .any(|f| f.check_id == "web.webshell" && f.paths[0].ends_with("uploads/x.php")));
    assert!(outcome
        .findings
        .iter()
        .any(|f| f.check_id == "web.attack" && f.ips == vec!["203.0.113.66"]));
    assert!(outcome
        .findings
        .iter()
        .any(|f| f.check_id == "web.files" && f.summary.contains("upload directory")));
    // The ordinary visitor is not an attacker.
    assert!(!outcome
        .findings
        .iter()
        .any(|f| f.ips.contains(&"198.51.100.20".to_string())));
}
