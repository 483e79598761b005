//! Gathering the scene from the kernel, volatile first and in parallel.
//!
//! Order: the process list (raw getdents64 of /proc), then in parallel every process's status,
//! command line, links and open files, while the hidden-process cross-view (kill(pid, 0) over the
//! pid range), logins, network and system facts are read on the other side of a `rayon::join`;
//! then any hidden process found; then sockets of every network namespace seen; then the owners
//! of each socket; last the executables' SHA-256 (the slowest part), one hash per distinct file.

use std::collections::{BTreeMap, HashMap};

use huoyan_artifacts::logins::{read_logins, Login};
use huoyan_artifacts::net::{read_network, Network};
use huoyan_artifacts::proc::fds::{
    read_mapped_files, read_open_files, OpenFile, MAX_FDS_PER_PROCESS,
};
use huoyan_artifacts::proc::mountinfo::{self, Mount};
use huoyan_artifacts::proc::{self, crossview, BootClock, LinkTarget, Process};
use huoyan_artifacts::sockets::{self, SocketTable};
use huoyan_artifacts::system::{read_system, SystemInfo};
use huoyan_artifacts::users::UserDb;
use huoyan_core::{Gap, ProcFs, Root, Timestamp};
use rayon::prelude::*;
use serde::Serialize;

use crate::SnapshotError;

/// Everything captured, before it is written.
#[derive(Debug, Default, Serialize)]
pub struct Scene {
    /// Processes, by pid.
    pub processes: Vec<Process>,
    /// Open files of every process readable.
    pub open_files: Vec<OpenFile>,
    /// Sockets with owners.
    pub sockets: SocketTable,
    /// Current sessions.
    pub logins: Vec<Login>,
    /// Interfaces, routes, neighbours.
    pub network: Network,
    /// Host facts and modules.
    pub system: SystemInfo,
    /// Mount table of huoyan's own mount namespace.
    pub mounts: Vec<Mount>,
    /// What could not be read.
    pub gaps: Vec<Gap>,
    /// Collection start, the "now" of every relative figure (idle, %CPU).
    pub now: Timestamp,
    /// True when captured with euid 0.
    pub privileged: bool,
    /// True when executables were hashed.
    pub executables_hashed: bool,
}

struct ProcessPass {
    processes: Vec<Process>,
    open_files: Vec<OpenFile>,
    gaps: Vec<Gap>,
}

fn process_pass(
    proc_fs: &ProcFs,
    pids: &[u32],
    clock: Option<&BootClock>,
    users: &UserDb,
) -> ProcessPass {
    let per_pid: Vec<(Option<Process>, Vec<OpenFile>, Vec<Gap>)> = pids
        .par_iter()
        .map(|&pid| {
            let (process, mut gaps) = match proc::read_process(proc_fs, pid, clock, users) {
                Ok(v) => v,
                // Exited between the listing and the read: not a gap, just gone. Unless it still
                // answers kill(pid, 0): then its /proc entry is being hidden (an empty directory
                // bind-mounted over /proc/PID is a known way to hide a process from ps).
                Err(e) if e.is_not_found() => {
                    let gaps = if crossview::answers(pid) {
                        vec![Gap {
                            area: "snapshot.processes".into(),
                            path: Some(format!("/proc/{pid}")),
                            reason: huoyan_core::GapReason::Error,
                            detail: format!(
                                "pid {pid} exists (answers kill(pid, 0)) but /proc/{pid}/stat is \
                                 missing: its /proc entry is masked (e.g. a bind mount over \
                                 /proc/{pid}), a way to hide a process"
                            ),
                        }]
                    } else {
                        Vec::new()
                    };
                    return (None, Vec::new(), gaps);
                }
                Err(e) => {
                    return (
                        None,
                        Vec::new(),
                        vec![Gap::from_error("snapshot.processes", &e)],
                    )
                }
            };
            let mut files = match read_open_files(proc_fs, pid) {
                Ok(f) => {
                    if f.truncated() {
                        gaps.push(Gap {
                            area: "snapshot.open_files".into(),
                            path: Some(format!("/proc/{pid}/fd")),
                            reason: huoyan_core::GapReason::Truncated,
                            detail: format!(
                                "{} descriptors; only the first {MAX_FDS_PER_PROCESS} were read",
                                f.fd_count
                            ),
                        });
                    }
                    f.files
                }
                Err(e) if e.is_not_found() => Vec::new(),
                Err(e) => {
                    gaps.push(Gap::from_error("snapshot.open_files", &e));
                    Vec::new()
                }
            };
            if !process.kernel_thread {
                match read_mapped_files(proc_fs, pid) {
                    Ok(m) => files.extend(m),
                    Err(e) if e.is_not_found() => {}
                    Err(e) => gaps.push(Gap::from_error("snapshot.mapped_files", &e)),
                }
            }
            (Some(process), files, gaps)
        })
        .collect();
    let mut pass = ProcessPass {
        processes: Vec::with_capacity(per_pid.len()),
        open_files: Vec::new(),
        gaps: Vec::new(),
    };
    for (p, f, g) in per_pid {
        pass.processes.extend(p);
        pass.open_files.extend(f);
        pass.gaps.extend(g);
    }
    pass
}

/// Hashes each distinct executable once (by device and inode), through `/proc/PID/exe`.
fn hash_executables(proc_fs: &ProcFs, processes: &mut [Process], gaps: &mut Vec<Gap>) {
    let mut groups: BTreeMap<(u64, u64), Vec<usize>> = BTreeMap::new();
    for (i, p) in processes.iter().enumerate() {
        if !matches!(p.exe, Some(LinkTarget::Path { .. })) {
            continue;
        }
        match proc::exe_identity(proc_fs, p.pid) {
            Ok(id) => groups.entry(id).or_default().push(i),
            Err(e) if e.is_not_found() => {}
            Err(e) => gaps.push(Gap::from_error("snapshot.exe_hash", &e)),
        }
    }
    let results: Vec<(Vec<usize>, Result<proc::ExeHash, Gap>)> = groups
        .into_values()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|members| {
            let mut last = None;
            // If the first member exited meanwhile, another one still maps the same file.
            for &i in members.iter().take(3) {
                match proc::hash_exe(proc_fs, processes[i].pid) {
                    Ok(h) => return (members, Ok(h)),
                    Err(e) => last = Some(Gap::from_error("snapshot.exe_hash", &e)),
                }
            }
            let gap = last.unwrap_or_else(|| {
                Gap::new(
                    "snapshot.exe_hash",
                    huoyan_core::GapReason::Error,
                    "no member to hash",
                )
            });
            (members, Err(gap))
        })
        .collect();
    for (members, result) in results {
        match result {
            Ok(h) => {
                for i in members {
                    processes[i].exe_sha256 = Some(h.sha256.clone());
                    processes[i].exe_size = Some(h.size);
                }
            }
            Err(gap) => gaps.push(gap),
        }
    }
}

/// Socket inode → pids holding it.
fn socket_owners(open_files: &[OpenFile]) -> HashMap<u64, Vec<u32>> {
    let mut by_inode: HashMap<u64, Vec<u32>> = HashMap::new();
    for f in open_files {
        if let Some(inode) = f.target.socket_inode() {
            let pids = by_inode.entry(inode).or_default();
            if !pids.contains(&f.pid) {
                pids.push(f.pid);
            }
        }
    }
    for pids in by_inode.values_mut() {
        pids.sort_unstable();
    }
    by_inode
}

fn read_mounts(proc_fs: &ProcFs, gaps: &mut Vec<Gap>) -> Vec<Mount> {
    match proc_fs.read("self/mountinfo") {
        Ok(d) => mountinfo::parse(&d).unwrap_or_else(|e| {
            gaps.push(Gap {
                area: "snapshot.mounts".into(),
                path: Some("/proc/self/mountinfo".into()),
                reason: huoyan_core::GapReason::Malformed,
                detail: e.to_string(),
            });
            Vec::new()
        }),
        Err(e) => {
            gaps.push(Gap::from_error("snapshot.mounts", &e));
            Vec::new()
        }
    }
}

/// Captures the scene.
pub fn collect(
    proc_fs: &ProcFs,
    root: &Root,
    now: Timestamp,
    options: &crate::CaptureOptions,
) -> Result<Scene, SnapshotError> {
    let pids = proc_fs
        .pids()
        .map_err(|e| SnapshotError::NoProcesses(e.to_string()))?;
    let mut gaps = Vec::new();
    let (users, user_errors) = UserDb::read(root);
    gaps.extend(
        user_errors
            .iter()
            .filter(|e| !(e.is_not_found() || e.path().ends_with("shadow")))
            .map(|e| Gap::from_error("snapshot.users", e)),
    );
    let clock = match BootClock::read(proc_fs) {
        Ok(c) => Some(c),
        Err(g) => {
            gaps.push(g);
            None
        }
    };
    let host = Root::host();
    type Side = (
        crossview::CrossView,
        (
            (Vec<Login>, Vec<Gap>),
            ((Network, Vec<Gap>), (SystemInfo, Vec<Gap>)),
        ),
    );
    let (pass, side): (ProcessPass, Side) = rayon::join(
        || process_pass(proc_fs, &pids, clock.as_ref(), &users),
        || {
            rayon::join(
                || crossview::hidden_pids(proc_fs, &pids, crossview::quick_limit(proc_fs, &pids)),
                || {
                    rayon::join(
                        || read_logins(root, now),
                        || {
                            rayon::join(
                                || read_network(proc_fs, &host),
                                || read_system(proc_fs, root),
                            )
                        },
                    )
                },
            )
        },
    );
    let (view, ((logins, login_gaps), ((network, net_gaps), (system, sys_gaps)))) = side;
    let hidden = view.hidden;
    if !view.unreadable.is_empty() {
        let shown: Vec<String> = view
            .unreadable
            .iter()
            .take(20)
            .map(u32::to_string)
            .collect();
        gaps.push(Gap {
            area: "snapshot.processes".into(),
            path: Some("/proc".into()),
            reason: huoyan_core::GapReason::PermissionDenied,
            detail: format!(
                "{} process or thread ids answer kill(pid, 0) but /proc shows nothing for them \
                 (hidepid mount option when not root, or hidden from direct lookup too): {}{}",
                view.unreadable.len(),
                shown.join(", "),
                if view.unreadable.len() > 20 {
                    ", …"
                } else {
                    ""
                }
            ),
        });
    }
    let ProcessPass {
        mut processes,
        mut open_files,
        gaps: pass_gaps,
    } = pass;
    if !hidden.is_empty() {
        // Processes a rootkit hides from the listing are still readable by pid: capture them.
        let extra = process_pass(proc_fs, &hidden, clock.as_ref(), &users);
        for mut p in extra.processes {
            p.hidden_from_listing = true;
            processes.push(p);
        }
        open_files.extend(extra.open_files);
        gaps.extend(extra.gaps);
        processes.sort_by_key(|p| p.pid);
    }
    gaps.extend(pass_gaps);
    let ns_of: Vec<(u32, Option<u64>)> = processes.iter().map(|p| (p.pid, p.net_ns)).collect();
    let (mut socket_table, socket_gaps) = sockets::read_all(proc_fs, &ns_of);
    socket_table.attach_owners(&socket_owners(&open_files));
    gaps.extend(socket_gaps);
    let own_ns = socket_table
        .namespaces
        .iter()
        .find(|(_, pid)| pid.is_none())
        .map(|(ns, _)| *ns);
    let mut network = network;
    let (namespaces, ns_gaps) =
        huoyan_artifacts::net::netns::read_namespaces(proc_fs, &host, &ns_of, own_ns);
    network.namespaces = namespaces;
    gaps.extend(ns_gaps);
    let mounts = read_mounts(proc_fs, &mut gaps);
    gaps.extend(login_gaps);
    gaps.extend(net_gaps);
    gaps.extend(sys_gaps);
    if options.hash_executables {
        hash_executables(proc_fs, &mut processes, &mut gaps);
    } else {
        gaps.push(Gap::new(
            "snapshot.exe_hash",
            huoyan_core::GapReason::Unsupported,
            "executables not hashed: disabled by the caller (--no-hash)",
        ));
    }
    Ok(Scene {
        processes,
        open_files,
        sockets: socket_table,
        logins,
        network,
        system,
        mounts,
        gaps,
        now,
        privileged: rustix::process::geteuid().is_root(),
        executables_hashed: options.hash_executables,
    })
}
