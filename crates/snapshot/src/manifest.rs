//! Writing the snapshot: every file created exclusively (never overwriting), hashed as written,
//! journalled, and listed with its SHA-256 in `manifest.json`, written last.
//!
//! Files are not fsynced one by one: on a host whose disk is busy (an attacker's miner, a log
//! storm) each fsync waits for the whole journal, which made the snapshot several times slower
//! in measurement; the manifest's hashes tell whether a copy taken later is complete.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use huoyan_core::{ActionJournal, Gap, Timestamp};
use serde::Serialize;

use crate::collect::Scene;
use crate::{layout, tables, SnapshotError, SnapshotSummary};

/// One file of the snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct FileRecord {
    /// File name inside the snapshot directory.
    pub name: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// Which machine and boot the snapshot describes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct HostIdentity {
    /// Kernel hostname.
    pub hostname: Option<String>,
    /// `/etc/machine-id`.
    pub machine_id: Option<String>,
    /// `/proc/sys/kernel/random/boot_id`.
    pub boot_id: Option<String>,
    /// Kernel release.
    pub kernel_release: Option<String>,
}

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Manifest {
    /// Always `huoyan snapshot`.
    pub kind: String,
    /// huoyan version.
    pub huoyan_version: String,
    /// Collection start (UTC).
    pub started: Timestamp,
    /// Collection end, after the last file but the manifest was written (UTC).
    pub finished: Timestamp,
    /// Host identity.
    pub host: HostIdentity,
    /// True when captured as root (euid 0); otherwise expect gaps.
    pub privileged: bool,
    /// True when running executables were SHA-256 hashed.
    pub executables_hashed: bool,
    /// Counts per artifact.
    pub counts: BTreeMap<String, usize>,
    /// Number of gaps (details in gaps.json).
    pub gaps: usize,
    /// Every other file in the directory, with its SHA-256.
    pub files: Vec<FileRecord>,
}

struct Writer<'a> {
    dir: &'a Path,
    journal: &'a ActionJournal,
    files: Vec<FileRecord>,
}

impl Writer<'_> {
    fn write(&mut self, name: &str, bytes: &[u8]) -> Result<(), SnapshotError> {
        let path = self.dir.join(name);
        let io = |source| SnapshotError::Io {
            path: path.clone(),
            source,
        };
        let mut file = huoyan_core::outfile::create_new(&path).map_err(io)?;
        file.write_all(bytes).map_err(io)?;
        let sha256 = huoyan_core::hash::sha256_bytes(bytes);
        self.journal.record(
            "write",
            path.display().to_string(),
            format!("{} bytes, sha256 {sha256}", bytes.len()),
        );
        self.files.push(FileRecord {
            name: name.to_string(),
            sha256,
            bytes: bytes.len() as u64,
        });
        Ok(())
    }

    fn json<T: Serialize>(&mut self, name: &str, value: &T) -> Result<(), SnapshotError> {
        let mut bytes =
            huoyan_core::jsonl::to_vec_pretty(value).map_err(|e| SnapshotError::Io {
                path: self.dir.join(name),
                source: e,
            })?;
        bytes.push(b'\n');
        self.write(name, &bytes)
    }
}

fn gap_counts(gaps: &[Gap]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for g in gaps {
        let reason = serde_json::to_value(g.reason)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        *counts.entry(format!("{}: {reason}", g.area)).or_insert(0) += 1;
    }
    counts
}

/// Writes every file of the snapshot and the manifest; returns the summary.
pub fn write_all(
    scene: &Scene,
    dir: &Path,
    started: Timestamp,
    journal: &ActionJournal,
) -> Result<SnapshotSummary, SnapshotError> {
    let mut w = Writer {
        dir,
        journal,
        files: Vec::new(),
    };
    let mut system = serde_json::to_value(&scene.system).unwrap_or_default();
    if let Some(obj) = system.as_object_mut() {
        obj.remove("modules");
    }
    w.json(layout::PROCESSES, &scene.processes)?;
    w.json(layout::OPEN_FILES, &scene.open_files)?;
    w.json(layout::SOCKETS, &scene.sockets)?;
    w.json(layout::LOGINS, &scene.logins)?;
    w.json(layout::MOUNTS, &scene.mounts)?;
    w.json(layout::NETWORK, &scene.network)?;
    w.json(layout::SYSTEM, &system)?;
    w.json(layout::MODULES, &scene.system.modules)?;
    w.json(layout::GAPS, &scene.gaps)?;
    w.write(layout::PS, tables::ps(scene).as_bytes())?;
    w.write(layout::PSTREE, tables::pstree(scene).as_bytes())?;
    w.write(layout::NETSTAT, tables::netstat(scene).as_bytes())?;
    w.write(layout::LSOF, tables::lsof(scene).as_bytes())?;
    w.write(layout::W, tables::w(scene).as_bytes())?;
    let host = HostIdentity {
        hostname: scene.system.hostname.clone(),
        machine_id: scene.system.machine_id.clone(),
        boot_id: scene.system.boot_id.clone(),
        kernel_release: scene.system.kernel_release.clone(),
    };
    let s = &scene.sockets;
    let mut counts = BTreeMap::new();
    counts.insert("processes".to_string(), scene.processes.len());
    counts.insert(
        "hidden_processes".to_string(),
        scene
            .processes
            .iter()
            .filter(|p| p.hidden_from_listing)
            .count(),
    );
    counts.insert("open_files".to_string(), scene.open_files.len());
    counts.insert("inet_sockets".to_string(), s.inet.len());
    counts.insert("unix_sockets".to_string(), s.unix.len());
    counts.insert("packet_sockets".to_string(), s.packet.len());
    counts.insert("net_namespaces".to_string(), s.namespaces.len());
    counts.insert("logins".to_string(), scene.logins.len());
    counts.insert("interfaces".to_string(), scene.network.interfaces.len());
    counts.insert("modules".to_string(), scene.system.modules.len());
    counts.insert("mounts".to_string(), scene.mounts.len());
    let finished = huoyan_core::time::now();
    let manifest = Manifest {
        kind: "huoyan snapshot".into(),
        huoyan_version: huoyan_core::VERSION.into(),
        started,
        finished,
        host: host.clone(),
        privileged: scene.privileged,
        executables_hashed: scene.executables_hashed,
        counts,
        gaps: scene.gaps.len(),
        files: w.files.clone(),
    };
    w.json(layout::MANIFEST, &manifest)?;
    journal.record("end", dir.display().to_string(), "snapshot complete");
    let is_deleted_exe =
        |p: &&huoyan_artifacts::proc::Process| p.exe.as_ref().is_some_and(|e| e.is_deleted());
    Ok(SnapshotSummary {
        out_dir: dir.to_path_buf(),
        started,
        finished,
        host,
        processes: scene.processes.len(),
        hidden_processes: scene
            .processes
            .iter()
            .filter(|p| p.hidden_from_listing)
            .map(|p| p.pid)
            .collect(),
        open_files: scene.open_files.len(),
        deleted_open_files: scene
            .open_files
            .iter()
            .filter(|f| f.deleted && f.fd.bytes().all(|b| b.is_ascii_digit()))
            .count(),
        deleted_mapped_files: scene.open_files.iter().filter(|f| f.fd == "DEL").count(),
        deleted_executables: scene.processes.iter().filter(is_deleted_exe).count(),
        inet_sockets: s.inet.len(),
        listening: s.inet.iter().filter(|x| x.socket.listening).count(),
        other_sockets: s.unix.len() + s.packet.len(),
        net_namespaces: s.namespaces.len(),
        logins: scene.logins.len(),
        promiscuous_interfaces: scene
            .network
            .interfaces
            .iter()
            .filter(|i| i.promisc)
            .map(|i| i.name.clone())
            .collect(),
        modules: scene.system.modules.len(),
        kernel_taint: scene.system.taint_flags.clone(),
        mounts: scene.mounts.len(),
        masked_proc_entries: scene
            .mounts
            .iter()
            .filter_map(|m| m.covers_proc_pid())
            .collect(),
        gap_counts: gap_counts(&scene.gaps),
        gaps: scene.gaps.clone(),
        files: w.files,
    })
}
