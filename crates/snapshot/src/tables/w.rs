//! `w.txt`: the `w` view: uptime, load, and who is logged in doing what.

use huoyan_artifacts::proc::Process;

use super::{banner, Table};
use crate::Scene;

fn duration(secs: i64) -> String {
    let secs = secs.max(0);
    if secs >= 86_400 {
        format!("{}days", secs / 86_400)
    } else if secs >= 3600 {
        format!("{}:{:02}m", secs / 3600, (secs % 3600) / 60)
    } else if secs >= 60 {
        format!("{}:{:02}", secs / 60, secs % 60)
    } else {
        format!("{secs}.00s")
    }
}

fn uptime(secs: i64) -> String {
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let clock = if rest >= 3600 {
        format!("{}:{:02}", rest / 3600, (rest % 3600) / 60)
    } else {
        format!("{} min", rest / 60)
    };
    match days {
        0 => clock,
        1 => format!("1 day, {clock}"),
        n => format!("{n} days, {clock}"),
    }
}

/// The foreground process of a terminal (as `w` shows in WHAT): the newest process on the tty
/// that leads its foreground process group.
fn what<'a>(scene: &'a Scene, tty: &str, session_pid: i32) -> Option<&'a Process> {
    let on_tty = || {
        scene
            .processes
            .iter()
            .filter(move |p| p.tty.as_deref() == Some(tty))
    };
    on_tty()
        .filter(|p| p.pgrp == p.tpgid)
        .max_by_key(|p| p.start_ticks)
        .or_else(|| on_tty().max_by_key(|p| p.start_ticks))
        .or_else(|| scene.processes.iter().find(|p| p.pid as i32 == session_pid))
}

/// Renders the logged-in users table.
pub fn w(scene: &Scene) -> String {
    let mut out = banner("logged-in users (w)", scene);
    let up = scene
        .system
        .uptime_seconds
        .map(|s| uptime(s as i64))
        .unwrap_or_else(|| "?".into());
    let load = scene
        .system
        .load
        .map(|l| format!("{:.2}, {:.2}, {:.2}", l.one, l.five, l.fifteen))
        .unwrap_or_else(|| "?".into());
    out.push_str(&format!(
        " {} up {up}, {} users, load average: {load}\n",
        scene.now.strftime("%H:%M:%S"),
        scene.logins.len()
    ));
    let mut t = Table::new(&["USER", "TTY", "FROM", "LOGIN@", "IDLE", "PID", "WHAT"]);
    for l in &scene.logins {
        t.row(vec![
            l.user.clone(),
            l.tty.clone(),
            if l.from.is_empty() {
                "-".into()
            } else {
                l.from.clone()
            },
            l.login_time
                .map(huoyan_core::time::format_short)
                .unwrap_or_else(|| "?".into()),
            l.idle_seconds.map(duration).unwrap_or_else(|| "?".into()),
            l.pid.to_string(),
            what(scene, &l.tty, l.pid)
                .map(Process::command)
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    out.push_str(&t.render());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_w() {
        assert_eq!(uptime(35 * 60), "35 min");
        assert_eq!(uptime(3 * 86_400 + 3600 + 120), "3 days, 1:02");
        assert_eq!(duration(5), "5.00s");
        assert_eq!(duration(125), "2:05");
        assert_eq!(duration(7300), "2:01m");
        assert_eq!(duration(-3), "0.00s");
    }
}
