//! `ps.txt`: the `ps auxww` view, plus a FLAGS column for what `ps` never shows.

use huoyan_artifacts::proc::{LinkTarget, Process};

use super::{banner, Table};
use crate::Scene;

fn stat_letters(p: &Process) -> String {
    let mut s = p.state.to_string();
    if p.nice < 0 {
        s.push('<');
    } else if p.nice > 0 {
        s.push('N');
    }
    if p.session == p.pid as i32 {
        s.push('s');
    }
    if p.threads > 1 {
        s.push('l');
    }
    if p.tty_nr != 0 && p.pgrp == p.tpgid {
        s.push('+');
    }
    s
}

fn cpu_time(seconds: f64) -> String {
    let total = seconds as u64;
    format!("{}:{:02}", total / 60, total % 60)
}

/// Flags: `D` exe deleted, `M` exe is a memfd, `P` LD_PRELOAD set, `H` HISTFILE set,
/// `U` real and effective uid differ, `X` hidden from the /proc listing (rootkit).
pub(crate) fn flags(p: &Process) -> String {
    let mut f = String::new();
    if let Some(LinkTarget::Path { deleted, memfd, .. }) = &p.exe {
        if *memfd {
            f.push('M');
        } else if *deleted {
            f.push('D');
        }
    }
    if p.env.keys().any(|k| k.starts_with("LD_PRELOAD")) {
        f.push('P');
    }
    if p.env.keys().any(|k| k.starts_with("HISTFILE")) {
        f.push('H');
    }
    if p.uid != p.euid {
        f.push('U');
    }
    if p.hidden_from_listing {
        f.push('X');
    }
    if f.is_empty() {
        f.push('-');
    }
    f
}

/// Renders the process table.
pub fn ps(scene: &Scene) -> String {
    let mem_total = scene.system.memory.map(|m| m.total).unwrap_or(0);
    let now = scene.now.as_second();
    let mut t = Table::new(&[
        "USER", "PID", "PPID", "%CPU", "%MEM", "VSZ", "RSS", "TTY", "STAT", "START", "TIME",
        "FLAGS", "COMMAND",
    ])
    .right(&[1, 2, 3, 4, 5, 6]);
    for p in &scene.processes {
        let elapsed = p
            .start_time
            .map(|s| (now - s.as_second()).max(1) as f64)
            .unwrap_or(1.0);
        let mem = if mem_total > 0 {
            p.rss_bytes as f64 * 100.0 / mem_total as f64
        } else {
            0.0
        };
        t.row(vec![
            p.user_label(),
            p.pid.to_string(),
            p.ppid.to_string(),
            format!("{:.1}", p.cpu_seconds * 100.0 / elapsed),
            format!("{mem:.1}"),
            (p.vsize_bytes / 1024).to_string(),
            (p.rss_bytes / 1024).to_string(),
            p.tty.clone().unwrap_or_else(|| "?".into()),
            stat_letters(p),
            p.start_time
                .map(huoyan_core::time::format_short)
                .unwrap_or_else(|| "?".into()),
            cpu_time(p.cpu_seconds),
            flags(p),
            p.command(),
        ]);
    }
    let mut out = banner("processes (ps auxww)", scene);
    out.push_str(
        "# START is UTC. FLAGS: D exe deleted, M exe in memory (memfd), P LD_PRELOAD, H HISTFILE, U setuid (uid != euid), X HIDDEN from the /proc listing (rootkit)\n",
    );
    out.push_str(&t.render());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_mark_what_ps_hides() {
        let mut p = Process {
            exe: Some(LinkTarget::Path {
                path: "/tmp/x".into(),
                deleted: true,
                memfd: false,
            }),
            uid: 1000,
            euid: 0,
            hidden_from_listing: true,
            ..Process::default()
        };
        p.env.insert("LD_PRELOAD".into(), "/tmp/.l.so".into());
        assert_eq!(flags(&p), "DPUX");
        assert_eq!(flags(&Process::default()), "-");
        assert_eq!(cpu_time(125.9), "2:05");
    }
}
