//! `lsof.txt`: the `lsof -n` view: every open file of every process, deleted ones marked.

use std::collections::HashMap;

use huoyan_artifacts::proc::LinkTarget;
use huoyan_core::FileKind;

use super::netstat::endpoint;
use super::{banner, Table};
use crate::Scene;

fn kind_label(kind: Option<FileKind>, target: &LinkTarget) -> &'static str {
    match target {
        LinkTarget::Socket { .. } => "sock",
        LinkTarget::Pipe { .. } => "FIFO",
        LinkTarget::AnonInode { .. } => "a_inode",
        LinkTarget::Other { .. } => "unknown",
        LinkTarget::Path { .. } => match kind {
            Some(FileKind::File) => "REG",
            Some(FileKind::Dir) => "DIR",
            Some(FileKind::CharDevice) => "CHR",
            Some(FileKind::BlockDevice) => "BLK",
            Some(FileKind::Fifo) => "FIFO",
            Some(FileKind::Socket) => "unix",
            _ => "?",
        },
    }
}

/// Renders the open-files table.
pub fn lsof(scene: &Scene) -> String {
    let procs: HashMap<u32, (&str, String)> = scene
        .processes
        .iter()
        .map(|p| (p.pid, (p.comm.as_str(), p.user_label())))
        .collect();
    // Describe sockets as lsof does: protocol and endpoints instead of an inode.
    let mut sockets: HashMap<u64, String> = HashMap::new();
    for s in &scene.sockets.inet {
        let k = &s.socket;
        let remote = if k.listening {
            String::new()
        } else {
            format!("->{}", endpoint(&k.remote_ip, k.remote_port))
        };
        sockets.insert(
            k.inode,
            format!(
                "{} {}{remote} ({})",
                k.proto.file().to_uppercase(),
                endpoint(&k.local_ip, k.local_port),
                k.state
            ),
        );
    }
    for s in &scene.sockets.unix {
        let k = &s.socket;
        sockets.insert(
            k.inode,
            format!(
                "unix {} {} {}",
                k.kind,
                k.path.as_deref().unwrap_or(""),
                k.state
            ),
        );
    }
    let mut t = Table::new(&[
        "COMMAND", "PID", "USER", "FD", "TYPE", "SIZE", "NODE", "NAME",
    ])
    .right(&[1, 5, 6]);
    for f in &scene.open_files {
        let (comm, user) = procs
            .get(&f.pid)
            .map(|(c, u)| (c.to_string(), u.clone()))
            .unwrap_or_else(|| ("?".into(), "?".into()));
        let name = match f.target.socket_inode().and_then(|i| sockets.get(&i)) {
            Some(desc) => desc.clone(),
            None => {
                let shown = f.target.display();
                if f.deleted && !shown.ends_with(" (deleted)") {
                    format!("{shown} (deleted)")
                } else {
                    shown
                }
            }
        };
        t.row(vec![
            comm,
            f.pid.to_string(),
            user,
            f.fd.clone(),
            kind_label(f.kind, &f.target).into(),
            f.size.map(|s| s.to_string()).unwrap_or_default(),
            f.inode.map(|s| s.to_string()).unwrap_or_default(),
            name,
        ]);
    }
    let mut out = banner("open files (lsof -n)", scene);
    out.push_str(
        "# FD: cwd working directory, rtd root directory, txt executable, mem mapped file, \
         DEL mapped deleted file, N descriptor\n",
    );
    out.push_str(&t.render());
    out
}
