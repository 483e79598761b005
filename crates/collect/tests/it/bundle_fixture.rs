//! Acceptance: on a fixture root, the bundle holds every required category (checked file by
//! file), `verify` says intact, and flipping one byte makes it fail naming the member.

use crate::common;

use std::path::Path;

use huoyan_collect::rules::Rules;
use huoyan_collect::{collect, CollectError, CollectOptions, Format};
use huoyan_core::hash::sha256_bytes;
use huoyan_core::Root;

use common::{copy_fixture, keygen, manifest, members};

/// Every file the issue names, by category, as it lies in the fixture.
const REQUIRED: &[(&str, &[&str])] = &[
    (
        "accounts",
        &[
            "/etc/shadow",
            "/etc/group",
            "/etc/gshadow",
            "/etc/sudoers",
            "/etc/sudoers.d/90-backup",
        ],
    ),
    (
        "ssh",
        &[
            "/etc/ssh/sshd_config",
            "/root/.ssh/authorized_keys",
            "/home/alice/.ssh/authorized_keys",
            "/home/alice/.ssh/known_hosts",
            "/home/alice/.ssh/id_ed25519.pub",
        ],
    ),
    (
        "histories",
        &["/home/alice/.bash_history", "/root/.bash_history"],
    ),
    (
        "persistence",
        &[
            "/etc/crontab",
            "/etc/cron.d/sysupdate",
            "/etc/cron.daily/logrotate",
            "/var/spool/cron/crontabs/alice",
            "/var/spool/cron/atjobs/a0000101b4d2c1",
            "/etc/systemd/system/dbus-helper.service",
            "/etc/rc.local",
            "/etc/profile",
            "/etc/profile.d/zz-quiet.sh",
            "/home/alice/.bashrc",
        ],
    ),
    (
        "logs",
        &[
            "/var/log/auth.log",
            "/var/log/auth.log.1",
            "/var/log/auth.log.2.gz",
            "/var/log/syslog",
            "/var/log/wtmp",
            "/var/log/nginx/access.log",
            "/var/log/journal/3d1219c7c4c5404aaa1f6d2a48adfda4/system.journal",
        ],
    ),
    (
        "web-logs",
        &[
            "/www/wwwlogs/shop.log",
            "/www/wwwlogs/shop.log.1",
            "/www/wwwlogs/shop.error.log",
            "/srv/logs/intranet-access.log",
        ],
    ),
    (
        "web-config",
        &[
            "/etc/nginx/nginx.conf",
            "/etc/nginx/sites-enabled/shop",
            "/etc/apache2/apache2.conf",
        ],
    ),
];

fn options(out: &Path) -> CollectOptions {
    let mut opts = CollectOptions::new(out);
    opts.command_line = vec![
        "huoyan".into(),
        "collect".into(),
        "--root".into(),
        "fixture".into(),
    ];
    opts
}

fn prepare() -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, root) = copy_fixture("collect-root");
    keygen(&root.join("home/alice/.ssh/id_ed25519"), "ed25519", "");
    keygen(&root.join("root/.ssh/id_rsa"), "rsa", "correct horse");
    keygen(&root.join("etc/ssh/ssh_host_ed25519_key"), "ed25519", "");
    // Files that must never be opened or followed.
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        root.join("var/log/initctl"),
        rustix::fs::Mode::from_raw_mode(0o600),
    )
    .expect("fifo");
    std::os::unix::fs::symlink("/etc/shadow", root.join("var/log/shadow-link")).expect("symlink");
    (tmp, root)
}

#[test]
fn bundle_holds_every_category_and_verifies() {
    let (tmp, root_dir) = prepare();
    let root = Root::new(&root_dir).expect("root");
    let out = tmp.path().join("case");
    let mut opts = options(&out);
    opts.findings = Some(common::scan(&root));
    let summary = collect(&root, None, &opts, None).expect("collect");
    let name = summary
        .bundle
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(name.ends_with(".tar.zst"), "{name}");
    assert!(name.starts_with("unknown-host-") || !name.contains('/'));
    let members = members(&summary.bundle);
    let manifest = manifest(&members);

    for (category, paths) in REQUIRED {
        for path in *paths {
            let original = std::fs::read(root_dir.join(&path[1..])).expect("fixture file");
            let member = format!("files{path}");
            let stored = members
                .get(&member)
                .unwrap_or_else(|| panic!("{category}: {path} missing from the bundle"));
            assert_eq!(stored, &original, "{path} differs");
            let entry = manifest
                .get(*path)
                .unwrap_or_else(|| panic!("{path} not in manifest"));
            assert_eq!(
                entry.sha256.as_deref(),
                Some(sha256_bytes(&original).as_str())
            );
            assert_eq!(entry.member.as_deref(), Some(member.as_str()));
            assert_eq!(entry.size, original.len() as u64);
            assert!(entry.mtime.is_some() && entry.atime.is_some() && entry.ctime.is_some());
            assert!(entry.mode.starts_with("0100"), "{path} mode {}", entry.mode);
        }
    }
    // /etc/passwd is stored under the "flagged" category: the scan found the uid-0 `toor`.
    let passwd = manifest.get("/etc/passwd").expect("passwd");
    assert_eq!(passwd.category, "flagged");
    assert!(members.contains_key("files/etc/passwd"));
    let findings = String::from_utf8(members["scan/findings.jsonl"].clone()).expect("utf8");
    assert!(findings.contains("toor"), "{findings}");

    // Private keys: listed with type and encryption, content kept out.
    let alice_key = manifest
        .get("/home/alice/.ssh/id_ed25519")
        .expect("alice key");
    let info = alice_key.private_key.as_ref().expect("key info");
    assert_eq!(
        (info.key_type.as_str(), info.encrypted),
        ("ssh-ed25519", Some(false))
    );
    assert!(alice_key.member.is_none());
    assert!(!members.contains_key("files/home/alice/.ssh/id_ed25519"));
    let root_key = manifest.get("/root/.ssh/id_rsa").expect("root key");
    let info = root_key.private_key.as_ref().expect("key info");
    assert_eq!(
        (info.key_type.as_str(), info.encrypted),
        ("ssh-rsa", Some(true))
    );
    assert!(manifest.contains_key("/etc/ssh/ssh_host_ed25519_key"));
    assert!(!members.contains_key("files/etc/ssh/ssh_host_ed25519_key"));

    // Special files are listed, never opened; symlinks are recorded, never followed.
    let skipped = String::from_utf8(members["skipped.jsonl"].clone()).expect("utf8");
    assert!(
        skipped.contains("/var/log/initctl") && skipped.contains("FIFO"),
        "{skipped}"
    );
    let link = manifest.get("/var/log/shadow-link").expect("symlink entry");
    assert_eq!(link.link_target.as_deref(), Some("/etc/shadow"));
    assert!(link.member.is_none());

    // Custody, journal, gaps.
    let custody: serde_json::Value =
        serde_json::from_slice(&members["custody.json"]).expect("custody");
    assert_eq!(custody["command_line"][1], "collect");
    assert_eq!(custody["huoyan_version"], huoyan_core::VERSION);
    assert_eq!(custody["host"]["machine_id"], serde_json::Value::Null);
    assert!(custody["collector"]["uid"].is_number());
    assert!(custody["started"]
        .as_str()
        .is_some_and(|s| s.ends_with('Z')));
    let journal = String::from_utf8(members["journal.jsonl"].clone()).expect("utf8");
    assert!(journal.contains("\"action\":\"read\"") && journal.contains("/etc/shadow"));
    assert!(summary.journal.exists(), "journal beside the bundle");
    let gaps = String::from_utf8(members["gaps.jsonl"].clone()).expect("utf8");
    assert!(
        gaps.contains("live_only"),
        "recovery on an image is a gap: {gaps}"
    );

    // Sidecar and verify.
    let sidecar = std::fs::read_to_string(&summary.sidecar).expect("sidecar");
    assert_eq!(sidecar, format!("{}  {name}\n", summary.sha256));
    let report = huoyan_collect::verify(&summary.bundle).expect("verify");
    assert!(report.intact(), "{:?}", report.first_problem());
    assert_eq!(report.members, members.len());
    assert!(!out.join(format!(".{name}.partial")).exists());
}

fn flip_and_verify(bundle: &Path, at: usize) -> huoyan_collect::VerifyReport {
    let dir = bundle.parent().expect("dir");
    let ext = if bundle.to_string_lossy().ends_with(".tar.gz") {
        "tar.gz"
    } else {
        "tar.zst"
    };
    let copy = dir.join(format!("flipped-{at}.{ext}"));
    let mut data = std::fs::read(bundle).expect("read");
    data[at] ^= 0x01;
    std::fs::write(&copy, &data).expect("write");
    let sidecar = huoyan_collect::bundle::sidecar_path(&copy);
    std::fs::copy(huoyan_collect::bundle::sidecar_path(bundle), &sidecar).expect("sidecar");
    let report = huoyan_collect::verify(&copy).expect("verify runs");
    std::fs::remove_file(&copy).expect("rm");
    std::fs::remove_file(&sidecar).expect("rm");
    report
}

#[test]
fn flipped_byte_is_named() {
    for format in [Format::TarZst, Format::TarGz] {
        let (tmp, root_dir) = prepare();
        let root = Root::new(&root_dir).expect("root");
        let mut opts = options(&tmp.path().join("case"));
        opts.format = format;
        let summary = collect(&root, None, &opts, None).expect("collect");
        assert!(huoyan_collect::verify(&summary.bundle)
            .expect("verify")
            .intact());
        let all = members(&summary.bundle);
        // A flip inside one member's frame names exactly that member.
        let auth = manifest(&all)
            .get("/var/log/auth.log")
            .and_then(|e| e.frame.clone())
            .expect("auth.log frame");
        let at = usize::try_from(auth.offset + auth.length / 2).expect("offset");
        let report = flip_and_verify(&summary.bundle, at);
        let problem = report.problem.expect("problem");
        assert_eq!(problem.member.as_deref(), Some("files/var/log/auth.log"));
        let names: Vec<String> = all.into_keys().collect();
        let len = std::fs::metadata(&summary.bundle).expect("meta").len() as usize;
        // Every 13th byte, across headers (PAX records included), data and checksums of all
        // frames: a damaged header must never be blamed under the damaged name it decodes to.
        // HUOYAN_FLIP_STEP=1 flips every byte (slow; for a thorough local run).
        let step = std::env::var("HUOYAN_FLIP_STEP")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(13);
        for at in (0..len).step_by(step) {
            let report = flip_and_verify(&summary.bundle, at);
            assert!(!report.intact(), "{format:?}: flip at {at} not detected");
            let problem = report.problem.expect("member-level problem");
            let member = problem.member.expect("a member is named");
            assert!(
                names.iter().any(|n| member.contains(n.as_str()))
                    || member.contains("first member"),
                "{format:?}: flip at {at} named {member:?}: {}",
                problem.detail
            );
        }
    }
}

/// The manifest's own frame comes last and no manifest entry describes it: a flip anywhere in it
/// must still be caught and blamed on the manifest (or the end-of-archive marker), never on a
/// member the damaged manifest happens to misdescribe.
#[test]
fn every_byte_of_the_manifest_frame_is_caught() {
    for format in [Format::TarZst, Format::TarGz] {
        let (tmp, root_dir) = prepare();
        let root = Root::new(&root_dir).expect("root");
        let mut opts = options(&tmp.path().join("case"));
        opts.format = format;
        let summary = collect(&root, None, &opts, None).expect("collect");
        let all = members(&summary.bundle);
        let listed_end = manifest(&all)
            .values()
            .filter_map(|e| e.frame.as_ref())
            .map(|f| f.offset + f.length)
            .max()
            .expect("framed members");
        let len = std::fs::metadata(&summary.bundle).expect("meta").len();
        assert!(listed_end < len, "the manifest frame follows the members");
        let names: Vec<String> = all.into_keys().collect();
        for at in listed_end..len {
            let report = flip_and_verify(&summary.bundle, usize::try_from(at).expect("offset"));
            assert!(!report.intact(), "{format:?}: flip at {at} not detected");
            let member = report
                .problem
                .and_then(|p| p.member)
                .expect("a member is named");
            assert!(
                member.contains("manifest") || !names.contains(&member),
                "{format:?}: flip at {at} in the manifest frame blamed {member:?}"
            );
        }
    }
}

#[test]
fn max_size_skips_and_lists() {
    let (tmp, root_dir) = prepare();
    let root = Root::new(&root_dir).expect("root");
    let mut opts = options(&tmp.path().join("case"));
    opts.max_size = Some(2000);
    let summary = collect(&root, None, &opts, None).expect("collect");
    assert!(
        summary.counts.stored_bytes <= 2000 + 64 * 1024,
        "evidence bytes bounded"
    );
    let evidence: u64 = members(&summary.bundle)
        .iter()
        .filter(|(n, _)| n.starts_with("files/"))
        .map(|(_, d)| d.len() as u64)
        .sum();
    assert!(evidence <= 2000, "{evidence}");
    assert!(summary
        .skipped
        .iter()
        .any(|s| s.reason.contains("--max-size")));
    assert!(huoyan_collect::verify(&summary.bundle)
        .expect("verify")
        .intact());
}

#[test]
fn since_skips_old_logs_but_keeps_configuration() {
    let (tmp, root_dir) = prepare();
    let root = Root::new(&root_dir).expect("root");
    let mut opts = options(&tmp.path().join("case"));
    opts.since = Some(huoyan_core::time::now() + jiff::SignedDuration::from_hours(24));
    let summary = collect(&root, None, &opts, None).expect("collect");
    let m = members(&summary.bundle);
    assert!(m.contains_key("files/etc/shadow"));
    assert!(!m.contains_key("files/var/log/auth.log"));
    assert!(summary
        .skipped
        .iter()
        .any(|s| s.path == "/var/log/auth.log" && s.reason.contains("--since")));
}

#[test]
fn output_inside_collected_tree_is_refused() {
    let (_tmp, root_dir) = prepare();
    let root = Root::new(&root_dir).expect("root");
    let out = root_dir.join("var/log/case");
    match collect(&root, None, &options(&out), None) {
        Err(CollectError::OutputInsideEvidence { tree, .. }) => assert_eq!(tree, "/var/log"),
        other => panic!("expected refusal, got {other:?}"),
    }
    let leftovers: Vec<_> = std::fs::read_dir(&out).expect("dir").collect();
    assert!(
        leftovers.iter().all(|e| {
            let n = e.as_ref().expect("entry").file_name();
            n.to_string_lossy().ends_with(".journal.jsonl")
        }),
        "nothing but the journal may be written"
    );
}

#[test]
fn private_keys_only_on_request_and_custom_plan() {
    let (tmp, root_dir) = prepare();
    let root = Root::new(&root_dir).expect("root");
    let mut opts = options(&tmp.path().join("case"));
    opts.include_private_keys = true;
    opts.rules = Rules::parse(
        "[[location]]\ncategory = \"ssh\"\nhome = [\".ssh\"]\n\
[ssh]\nhome = [\".ssh\"]\npublic_names = [\"authorized_keys\", \"known_hosts\"]\npublic_suffixes = [\".pub\"]\n",
    )
    .expect("plan");
    let summary = collect(&root, None, &opts, None).expect("collect");
    let m = members(&summary.bundle);
    let original = std::fs::read(root_dir.join("home/alice/.ssh/id_ed25519")).expect("key");
    assert_eq!(m.get("files/home/alice/.ssh/id_ed25519"), Some(&original));
    assert!(
        !m.contains_key("files/etc/shadow"),
        "custom plan replaces the built-in one"
    );
    assert!(!m.contains_key("scan/findings.jsonl"));
}
