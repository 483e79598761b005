//! Package installs, upgrades and removals from dpkg.log, apt history, yum and dnf logs.

use huoyan_artifacts::pkglog;
use huoyan_core::{Gap, Root};
use jiff::tz::TimeZone;

use super::read_rotated;
use crate::{Category, Event};

pub(super) fn collect(root: &Root, tz: &TimeZone, events: &mut Vec<Event>, gaps: &mut Vec<Gap>) {
    let mut found = Vec::new();
    for data in read_rotated(root, "/var/log/dpkg.log", "timeline.packages", gaps) {
        found.extend(pkglog::parse_dpkg_log(&data, tz));
    }
    for data in read_rotated(root, "/var/log/apt/history.log", "timeline.packages", gaps) {
        found.extend(pkglog::parse_apt_history(&data, tz));
    }
    let year = root
        .stat("/var/log/yum.log")
        .ok()
        .and_then(|m| m.mtime)
        .map(|t| t.to_zoned(tz.clone()).year())
        .unwrap_or(1970);
    for data in read_rotated(root, "/var/log/yum.log", "timeline.packages", gaps) {
        found.extend(pkglog::parse_yum_log(&data, year, tz));
    }
    for data in read_rotated(root, "/var/log/dnf.rpm.log", "timeline.packages", gaps) {
        found.extend(pkglog::parse_yum_log(&data, year, tz));
    }
    // dpkg.log and apt history describe the same install: keep dpkg's line when both exist.
    let dpkg_seen: std::collections::HashSet<(i64, String)> = found
        .iter()
        .filter(|e| e.source == "dpkg")
        .map(|e| (e.time.as_second() / 60, e.package.clone()))
        .collect();
    for e in found {
        if e.source == "apt" && dpkg_seen.contains(&(e.time.as_second() / 60, e.package.clone())) {
            continue;
        }
        let mut message = format!("package {} {} {}", e.action, e.package, e.version);
        if let Some(cmd) = &e.command {
            message.push_str(&format!(" ({cmd})"));
        }
        let mut ev = Event::new(
            e.time,
            e.source,
            format!("package_{}", e.action),
            "Package Action Time",
            Category::Package,
            message.trim_end().to_string(),
        );
        if let Some(by) = &e.requested_by {
            ev = ev.user(by.split(' ').next().unwrap_or(by).to_string());
        }
        events.push(ev);
    }
}
