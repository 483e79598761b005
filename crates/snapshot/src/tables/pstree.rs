//! `pstree.txt`: the process tree (`ps auxwwf` / `pstree -pua`), so a reverse shell under a web
//! server or a miner under cron shows where it hangs.

use std::collections::{BTreeMap, HashSet};

use huoyan_artifacts::proc::Process;

use super::{banner, ps::flags};
use crate::Scene;

fn line(p: &Process) -> String {
    let mut s = format!("{} {} {}", p.pid, p.user_label(), p.command());
    let f = flags(p);
    if f != "-" {
        s.push_str(&format!("  [{f}]"));
    }
    huoyan_core::text::sanitize(&s).into_owned()
}

/// Renders the forest: roots are processes whose parent is not captured (pid 1, kthreadd, and
/// orphans of hidden or vanished parents).
pub fn pstree(scene: &Scene) -> String {
    let by_pid: BTreeMap<u32, &Process> = scene.processes.iter().map(|p| (p.pid, p)).collect();
    let mut children: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    let mut roots = Vec::new();
    for p in &scene.processes {
        if p.ppid != p.pid && by_pid.contains_key(&p.ppid) {
            children.entry(p.ppid).or_default().push(p.pid);
        } else {
            roots.push(p.pid);
        }
    }
    let mut out = banner("process tree (pstree -pua)", scene);
    out.push_str("# pid user command  [FLAGS as in ps.txt]\n");
    let mut seen = HashSet::new();
    // Iterative depth-first walk: (pid, prefix for children, connector for this line).
    let mut stack: Vec<(u32, String, String)> = roots
        .iter()
        .rev()
        .map(|&pid| (pid, String::new(), String::new()))
        .collect();
    while let Some((pid, prefix, connector)) = stack.pop() {
        if !seen.insert(pid) {
            continue; // a cycle can only come from a race; never loop
        }
        let Some(p) = by_pid.get(&pid) else { continue };
        out.push_str(&format!("{connector}{}\n", line(p)));
        let kids = children.get(&pid).cloned().unwrap_or_default();
        let n = kids.len();
        for (i, kid) in kids.into_iter().enumerate().rev() {
            let last = i + 1 == n;
            let conn = format!("{prefix}{}", if last { "└─ " } else { "├─ " });
            let next = format!("{prefix}{}", if last { "   " } else { "│  " });
            stack.push((kid, next, conn));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proc(pid: u32, ppid: u32, cmd: &str) -> Process {
        Process {
            pid,
            ppid,
            cmdline: vec![cmd.to_string()],
            euser: Some("root".into()),
            ..Process::default()
        }
    }

    #[test]
    fn draws_the_tree_and_escapes() {
        let scene = Scene {
            processes: vec![
                proc(1, 0, "init"),
                proc(10, 1, "nginx"),
                proc(11, 10, "sh\x1b[2J"),
                proc(12, 1, "cron"),
                proc(99, 98, "orphan"),
            ],
            ..Scene::default()
        };
        let t = pstree(&scene);
        let body: Vec<&str> = t.lines().skip(2).collect();
        assert_eq!(
            body,
            vec![
                "1 root init",
                "├─ 10 root nginx",
                "│  └─ 11 root sh\\e[2J",
                "└─ 12 root cron",
                "99 root orphan",
            ]
        );
    }
}
