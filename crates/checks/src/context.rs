//! The context every check runs in: which root, the live /proc (if any), the time window, and
//! artifacts read once and shared by all checks (accounts, …).

use std::path::PathBuf;
use std::sync::OnceLock;

use huoyan_artifacts::users::UserDb;
use huoyan_core::{Gap, GapReason, ProcFs, Root, Timestamp, Window};
use huoyan_snapshot::collect::Scene;

/// Default look-back for "recent" when the responder gave no `--since`.
pub const DEFAULT_RECENT_DAYS: i64 = 30;

/// Shared inputs of a scan.
#[derive(Debug)]
pub struct Context {
    /// The filesystem being examined.
    pub root: Root,
    /// The live kernel's /proc, only when examining the running host.
    pub proc_fs: Option<ProcFs>,
    /// The responder's window of interest.
    pub window: Window,
    /// "Now" for this run (fixed once so all checks agree).
    pub now: Timestamp,
    /// Extra YARA rule directories given with `--rules`.
    pub rule_dirs: Vec<PathBuf>,
    /// Extra web roots given with `--web-root`.
    pub web_roots: Vec<PathBuf>,
    /// How many packaged files `integrity.package_files` re-hashes (every one unless the caller
    /// asks for the quick pass).
    pub package_depth: huoyan_integrity::Depth,
    /// The action journal of the run, when it keeps one (triage): a check that acts on the host
    /// (`rootkit.preload_hidden` starts the host's own `ls`) records it there.
    pub journal: Option<std::sync::Arc<huoyan_core::ActionJournal>>,
    users: OnceLock<(UserDb, Vec<Gap>)>,
    scene: OnceLock<Result<Scene, Gap>>,
}

impl Context {
    /// A context for `root`. /proc is attached only when the root is the live host.
    pub fn new(root: Root, window: Window) -> Self {
        let proc_fs = if root.is_host() { ProcFs::live() } else { None };
        Context {
            root,
            proc_fs,
            window,
            now: huoyan_core::time::now(),
            rule_dirs: Vec::new(),
            web_roots: Vec::new(),
            package_depth: huoyan_integrity::Depth::Every,
            journal: None,
            users: OnceLock::new(),
            scene: OnceLock::new(),
        }
    }

    /// The recent file times the scan's set-id walk gathered, for the timeline to reuse; `None`
    /// when no check of this context walked (the timeline then walks itself).
    pub fn walked_times(&self) -> Option<std::sync::Arc<huoyan_core::walked::WalkedTimes>> {
        crate::persistence::privileged_walk::cached(self)?
            .handed_on
            .clone()
    }

    /// The live scene (processes, open files, sockets, interfaces), captured once on first use
    /// and shared by every live check. `None` on an image; `Err` with the reason when /proc could
    /// not be read.
    pub fn scene(&self) -> Option<Result<&Scene, &Gap>> {
        if let Some(given) = self.scene.get() {
            return Some(given.as_ref());
        }
        let proc_fs = self.proc_fs.as_ref()?;
        Some(
            self.scene
                .get_or_init(|| {
                    huoyan_snapshot::collect::collect(
                        proc_fs,
                        &self.root,
                        self.now,
                        &huoyan_snapshot::CaptureOptions::default(),
                    )
                    .map_err(|e| Gap::new("checks.scene", GapReason::Error, e.to_string()))
                })
                .as_ref(),
        )
    }

    /// Uses an already captured scene (a replay, or a test) instead of reading /proc.
    pub fn set_scene(&mut self, scene: Scene) {
        self.scene = OnceLock::from(Ok(scene));
    }

    /// True when live checks can run: /proc is there, or a scene was given.
    pub fn has_live_view(&self) -> bool {
        self.proc_fs.is_some() || self.scene.get().is_some()
    }

    /// Accounts of the root (read once).
    pub fn users(&self) -> &UserDb {
        &self.users_and_gaps().0
    }

    /// Gaps met while reading the accounts.
    pub fn user_gaps(&self) -> &[Gap] {
        &self.users_and_gaps().1
    }

    fn users_and_gaps(&self) -> &(UserDb, Vec<Gap>) {
        self.users.get_or_init(|| {
            let (db, errors) = UserDb::read(&self.root);
            let gaps = errors
                .iter()
                .map(|e| Gap::from_error("artifacts.users", e))
                .collect();
            (db, gaps)
        })
    }

    /// Start of "recent": `--since`, or [`DEFAULT_RECENT_DAYS`] before now.
    pub fn recent_since(&self) -> Timestamp {
        self.window.since.unwrap_or_else(|| {
            huoyan_core::time::from_unix(self.now.as_second() - DEFAULT_RECENT_DAYS * 86_400, 0)
                .unwrap_or(self.now)
        })
    }
}
