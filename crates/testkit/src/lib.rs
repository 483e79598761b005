//! Test support: where the shared third-party corpora and the fixture roots are.
//!
//! Corpora (`../shared/corpora/*.tar.gz` beside the repository) are unpacked once into
//! `target/corpora` (or `$HUOYAN_CORPORA`). Tests that need them fail loudly when they are
//! missing: a detection-rate test that silently passes on no data is worse than none.

// Test support reads fixtures and corpora, not evidence.
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// Serialises corpus unpacking: the tests of one binary run in parallel threads, and two `tar`
/// processes writing one directory let a reader see files vanish and reappear.
static UNPACKING: Mutex<()> = Mutex::new(());

/// The workspace's top directory.
pub fn workspace() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| here.to_path_buf())
}

/// A fixture root under `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> PathBuf {
    workspace().join("tests/fixtures").join(name)
}

/// The directory of an unpacked corpus (e.g. `"revshells"`), unpacking it on first use.
///
/// # Panics
/// When the corpus archive cannot be found or unpacked: the test cannot mean anything then.
pub fn corpus(name: &str) -> PathBuf {
    let dest = std::env::var_os("HUOYAN_CORPORA")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/corpora"));
    let dir = dest.join(name);
    let marker = dest.join(format!(".{name}.unpacked"));
    if marker.exists() {
        return dir;
    }
    let _guard = UNPACKING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if marker.exists() {
        return dir;
    }
    let archive = workspace()
        .join("../shared/corpora")
        .join(format!("{name}.tar.gz"));
    assert!(
        archive.exists(),
        "corpus archive {} not found (expected ../shared/corpora beside the repository)",
        archive.display()
    );
    // Unpack beside the destination and rename, so a half-unpacked corpus (an interrupted run,
    // another test process) is never mistaken for a whole one.
    let partial = dest.join(format!(".{name}.partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&partial);
    std::fs::create_dir_all(&partial).expect("create corpus dir");
    let status = Command::new("tar")
        .arg("-xzf")
        .arg(&archive)
        .arg("-C")
        .arg(&partial)
        .status()
        .expect("run tar");
    assert!(status.success(), "unpacking {} failed", archive.display());
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::rename(&partial, &dir).expect("move the unpacked corpus into place");
    std::fs::write(&marker, b"").expect("write marker");
    dir
}

/// True when the tests run as root (namespaces, nftables, setpriv need it).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

/// Whether a test that needs `what` (root, a tool, a kernel feature) can run here. When it
/// cannot, the test prints why and returns early on a developer's machine — but under CI (`CI`
/// set; CI runs as root with every package of .ci/install-packages) it fails: a skipped test
/// there would be a silent pass.
pub fn require(available: bool, what: &str) -> bool {
    if available {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{what}: unavailable under CI, where every test must run"
    );
    eprintln!("skipped: {what}");
    false
}

/// [`require`] for root: namespaces, mounts, nftables, ptrace of other users' processes.
pub fn require_root(what: &str) -> bool {
    require(is_root(), what)
}

/// A command for a test to run (a helper process, a host tool to compare with). huoyan's own
/// code never runs host binaries; tests go through here so that stays easy to check.
pub fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    Command::new(program)
}
