//! Where timeline events come from. Each source reads through the root (or the live /proc) and
//! records what it could not read as a gap; events from other crates (auth logs, web access
//! logs, shell histories) are handed in ready-made through [`TimelineInput::extra`].

use huoyan_core::{Finding, Gap, ProcFs, Root, Window};

use crate::Event;

mod auth;
mod files;
mod history;
mod logins;
mod packages;
mod processes;

/// Everything the timeline is built from.
pub struct TimelineInput<'a> {
    /// The filesystem.
    pub root: &'a Root,
    /// The live /proc, when examining the running host.
    pub proc_fs: Option<&'a ProcFs>,
    /// The window of interest; file times are taken only inside it (default: the last 30 days).
    pub window: Window,
    /// Findings to place on the timeline (those with a time) and whose files get MACB events.
    pub findings: &'a [Finding],
    /// Events produced elsewhere (auth/syslog/journal, web access, shell history …).
    pub extra: Vec<Event>,
    /// File times another walk of this run already gathered (the scan's set-id walk): the
    /// directories it covered are not walked again.
    pub walked: Option<&'a huoyan_core::walked::WalkedTimes>,
}

/// Gathers, filters to the window and sorts all events.
pub fn collect(input: TimelineInput<'_>) -> (Vec<Event>, Vec<Gap>) {
    // File times (the big walk) and the log-like sources are independent: read side by side.
    let ((mut events, mut gaps), (file_events, file_gaps)) = rayon::join(
        || {
            let mut events = Vec::new();
            let mut gaps = Vec::new();
            let tz = huoyan_core::time::root_timezone(input.root);
            logins::collect(input.root, &mut events, &mut gaps);
            auth::collect(input.root, input.window, &mut events, &mut gaps);
            let (users, user_errors) = huoyan_artifacts::users::UserDb::read(input.root);
            gaps.extend(
                user_errors
                    .iter()
                    .filter(|e| !e.is_not_found())
                    .map(|e| Gap::from_error("timeline.users", e)),
            );
            history::collect(input.root, &users, &mut events, &mut gaps);
            packages::collect(input.root, &tz, &mut events, &mut gaps);
            (events, gaps)
        },
        || {
            let mut events = Vec::new();
            let mut gaps = Vec::new();
            files::collect(
                input.root,
                &input.window,
                input.findings,
                input.walked,
                &mut events,
                &mut gaps,
            );
            (events, gaps)
        },
    );
    events.extend(file_events);
    gaps.extend(file_gaps);
    if let Some(proc_fs) = input.proc_fs {
        processes::collect(proc_fs, input.root, &mut events, &mut gaps);
    }
    events.extend(input.findings.iter().filter_map(Event::from_finding));
    events.extend(input.extra);
    let window = input.window;
    events.retain(|e| e.source == "file" || window.contains(Some(e.time)));
    events.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.source.cmp(&b.source)));
    (events, gaps)
}

/// Reads a log and its rotations (`name`, `name.1`, `name.N.gz`), oldest first, decompressing
/// `.gz` with a size cap. Missing files are skipped silently; other errors become gaps.
pub(crate) fn read_rotated(
    root: &Root,
    path: &str,
    area: &str,
    gaps: &mut Vec<Gap>,
) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for n in (1..=9).rev() {
        for candidate in [format!("{path}.{n}.gz"), format!("{path}.{n}")] {
            if let Some(data) = read_maybe_gz(root, &candidate, area, gaps) {
                out.push(data);
            }
        }
    }
    if let Some(data) = read_maybe_gz(root, path, area, gaps) {
        out.push(data);
    }
    out
}

const DECOMPRESSED_CAP: u64 = 256 * 1024 * 1024;

fn read_maybe_gz(root: &Root, path: &str, area: &str, gaps: &mut Vec<Gap>) -> Option<Vec<u8>> {
    use std::io::Read;
    let data = match root.read(path) {
        Ok(d) => d,
        Err(e) => {
            if !e.is_not_found() {
                gaps.push(Gap::from_error(area, &e));
            }
            return None;
        }
    };
    if !path.ends_with(".gz") {
        return Some(data);
    }
    let mut out = Vec::new();
    let mut decoder = huoyan_core::inflate::Capped::with_cap(
        flate2::read::MultiGzDecoder::new(&data[..]),
        DECOMPRESSED_CAP,
        path,
    );
    if let Err(e) = decoder.read_to_end(&mut out) {
        gaps.push(Gap::new(
            area,
            huoyan_core::GapReason::Malformed,
            format!("{path}: {e}"),
        ));
    }
    Some(out)
}
