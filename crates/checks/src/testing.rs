//! Test support shared by the checks' unit tests: a fixture root built in a temp dir from
//! (path, content) pairs, and one check run over it.

use huoyan_core::{Outcome, Root, Window};

use crate::{Check, Context};

/// Writes `files` under a fresh temp root and runs `check` on it. `--since` is set far in the
/// future so the fixture files, written just now, do not count as "recently changed".
pub(crate) fn run_on_files(check: &dyn Check, files: &[(&str, &str)]) -> Outcome {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, data) in files {
        let p = dir.path().join(path.trim_start_matches('/'));
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, data).expect("write");
    }
    let mut ctx = Context::new(Root::new(dir.path()).expect("root"), Window::default());
    ctx.window.since = huoyan_core::time::from_unix(4_000_000_000, 0);
    let mut out = Outcome::default();
    check.run(&ctx, &mut out);
    out
}
