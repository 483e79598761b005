//! `rootkit.preload_hidden` — which processes, ports and files a preload rootkit hides from the
//! host's own tools.
//!
//! **What it looks at:** only on the live host, and only when `rootkit.preload_hooks` would report
//! a hiding library (an `/etc/ld.so.preload` entry, or a library no package owns that a process
//! maps or preloads, exporting `readdir`, `fopen` …): huoyan's raw view — `/proc` listed with
//! `getdents64`, `/proc/net/{tcp,tcp6,udp,udp6}` read directly, directories listed with
//! `getdents64` through the Root — is compared with what the host's own dynamically linked tools
//! see through the host's loader: `ls -1a /proc`, `cat` and `sed -n p` of the socket tables
//! (`cat` reads with `read(2)`, `sed` through stdio's `fopen`, the two paths rootkits hook), and
//! `ls -1a` of the hider's own directory, of `/etc` when the hider is global, and of the
//! directories of the absolute paths named in the library's strings. For a library some
//! processes preload through `LD_PRELOAD` (not /etc/ld.so.preload), the tools run with
//! `LD_PRELOAD` set to it (the view those processes and their children get); a library only
//! mapped (`dlopen`) gets no view. The
//! tools' output is compared, never trusted: each runs with an empty environment (plus `PATH`,
//! `LC_ALL=C` and that `LD_PRELOAD`), no stdin, a 5 s timeout and a 16 MiB output cap, and every
//! run is written to the action journal. A pid, socket or name counts as hidden only when
//! huoyan's raw view shows it both before and after the tool ran and the tool's output is
//! complete (exit status 0, headers present, not truncated); a socket must be missed by two runs
//! of the same tool (a socket table read in chunks can skip an entry while sockets close).
//!
//! **Why an attacker leaves this trace:** the point of a userland rootkit is to make `ps`,
//! `netstat` and `ls` lie about the attacker's processes, backdoor ports and files. Knowing that a
//! hider is loaded is not enough to respond: the responder needs what it hides, because those are
//! the implant, its listener and its files.
//!
//! **Example:** pid 31337 `/usr/bin/.sshd -D` is listed in /proc but missing from `/bin/ls -1a
//! /proc` run through the host's loader (hidden by `/usr/lib/libprocesshider.so`).
//!
//! **Calibration:** role `activity`. Critical for each hidden pid, socket and file: a library
//! that hooks libc removed exactly that entry from the host's tools while the kernel shows it —
//! an attacker's deliberate concealment. A view that differs wholesale (a tool that lists no pid
//! at all, or misses more than half of them) is reported as a gap, not as findings.
//!
//! **ATT&CK:** T1014 (Rootkit), T1574.006 (Dynamic Linker Hijacking), T1564 (Hide Artifacts).

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use huoyan_artifacts::sockets::{inet, InetProto, InetSocket};
use huoyan_core::{ActionJournal, CheckInfo, Gap, GapReason, Outcome, ProcFs, Root, Severity};
use serde_json::json;

use super::preload_hooks::{hiders, Hider};
use crate::registry::Check;
use crate::Context;

/// See the module documentation.
pub struct PreloadHidden;

static INFO: CheckInfo = CheckInfo {
    id: "rootkit.preload_hidden",
    title: "Hidden from the host's own tools by a preload rootkit",
    title_zh: "被预加载 rootkit 对本机工具隐藏的对象",
    mitre: &["T1014", "T1574.006", "T1564"],
    remediation: "Treat the hidden process, port or file as the attacker's: dump and stop the \
                  process (huoyan process dump/kill), collect the file, block the port; then \
                  remove the hiding library from a static shell and rebuild the host.",
    remediation_zh:
        "将被隐藏的进程、端口或文件视为攻击者所有：转储并结束该进程（huoyan process dump/kill）、\
                     取证保存该文件、封禁该端口；然后在静态 shell 中移除隐藏库并重建主机。",
};

/// Longest a host tool may run.
const TIMEOUT: Duration = Duration::from_secs(5);
/// Most output read from a host tool.
const OUTPUT_CAP: usize = 16 << 20;
/// Most directories compared per view.
const MAX_DIRS: usize = 16;
/// Most per-library views (libraries found only in some processes' `LD_PRELOAD` or maps).
const MAX_LIBRARY_VIEWS: usize = 4;
/// Most findings of one kind per view (the rest are counted in a gap).
const MAX_FINDINGS: usize = 200;
/// Largest part of a library searched for path strings.
const STRINGS_CAP: u64 = 16 << 20;

const SOCKET_TABLES: [InetProto; 4] = [
    InetProto::Tcp,
    InetProto::Tcp6,
    InetProto::Udp,
    InetProto::Udp6,
];

impl Check for PreloadHidden {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }
    fn live_only(&self) -> bool {
        true
    }
    fn run(&self, ctx: &Context, out: &mut Outcome) {
        // Live host only: on an image there is no loader to ask and nothing is run.
        if !ctx.root.is_host() {
            return;
        }
        let Some(proc_fs) = &ctx.proc_fs else {
            return;
        };
        let found = hiders(&ctx.root, proc_fs);
        compare_views(ctx, proc_fs, &found, out);
    }
}

/// One way the host's tools are run: with the loader's own preloads (`preload: None`, the view
/// every program gets from `/etc/ld.so.preload`), or with one library preloaded.
struct View<'a> {
    preload: Option<&'a Path>,
    hiders: Vec<&'a Hider>,
}

/// The views to take for these hiders; none when there is no hider (then nothing is run).
fn views(found: &[Hider]) -> Vec<View<'_>> {
    let mut out = Vec::new();
    let global: Vec<&Hider> = found.iter().filter(|h| h.global).collect();
    if !global.is_empty() {
        out.push(View {
            preload: None,
            hiders: global,
        });
    }
    // A library only mapped (dlopen) is not loaded into the host's tools by anyone: no view.
    for h in found
        .iter()
        .filter(|h| !h.global && h.preloaded)
        .take(MAX_LIBRARY_VIEWS)
    {
        out.push(View {
            preload: Some(&h.path),
            hiders: vec![h],
        });
    }
    out
}

fn compare_views(ctx: &Context, proc_fs: &ProcFs, found: &[Hider], out: &mut Outcome) {
    for view in views(found) {
        let runner = Runner {
            preload: view.preload,
            journal: ctx.journal.as_deref(),
        };
        let libs: Vec<String> = view
            .hiders
            .iter()
            .map(|h| h.path.display().to_string())
            .collect();
        let mut hooks: Vec<&str> = view
            .hiders
            .iter()
            .flat_map(|h| h.hooks.iter().map(String::as_str))
            .collect();
        hooks.sort_unstable();
        hooks.dedup();
        let by = if view.preload.is_some() {
            format!(
                "{} (overrides {}; preloaded into the tool)",
                libs.join(", "),
                hooks.join(", ")
            )
        } else {
            format!(
                "{} (overrides {}; /etc/ld.so.preload)",
                libs.join(", "),
                hooks.join(", ")
            )
        };
        hidden_processes(ctx, proc_fs, &runner, &by, &libs, out);
        hidden_sockets(ctx, proc_fs, &runner, &by, &libs, out);
        let dirs = directories(&ctx.root, &view);
        for dir in dirs {
            hidden_files(&ctx.root, &runner, &dir, &by, &libs, out);
        }
    }
}

/// Runs host tools for one view.
struct Runner<'a> {
    preload: Option<&'a Path>,
    journal: Option<&'a ActionJournal>,
}

fn first_existing(candidates: &[&str]) -> Option<PathBuf> {
    candidates.iter().map(PathBuf::from).find(|p| {
        Root::host()
            .stat(p)
            .is_ok_and(|m| m.kind == huoyan_core::FileKind::File)
    })
}

impl Runner<'_> {
    /// Runs a host tool and returns its standard output, or why it cannot be used.
    fn run(&self, candidates: &[&str], args: &[&OsStr]) -> Result<(PathBuf, Vec<u8>), String> {
        let program = first_existing(candidates)
            .ok_or_else(|| format!("none of {candidates:?} exists on this host"))?;
        let shown_args: Vec<String> = args
            .iter()
            .map(|a| huoyan_core::text::bytes_to_string(a.as_bytes()))
            .collect();
        let what = format!(
            "{} {}{}",
            program.display(),
            shown_args.join(" "),
            self.preload
                .map(|p| format!(" with LD_PRELOAD={}", p.display()))
                .unwrap_or_default()
        );
        if let Some(j) = self.journal {
            j.record(
                "run",
                what.clone(),
                "host tool through the host's loader, to compare its view with huoyan's \
                 (rootkit.preload_hidden); its output is compared, never trusted",
            );
        }
        // The one host program huoyan runs outside tests, on purpose: what the host's own tools
        // see through its loader is the thing measured (issue 15); the output is compared with
        // huoyan's raw view and never trusted, and the run is journaled above.
        let mut cmd = Command::new(&program);
        cmd.args(args)
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(lib) = self.preload {
            cmd.env("LD_PRELOAD", lib);
        }
        let started = Instant::now();
        let mut child = cmd.spawn().map_err(|e| format!("{what}: {e}"))?;
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{what}: no output pipe"));
        };
        // Read in a thread, capped; dropping the pipe at the cap ends a tool that writes on.
        let reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let ok = stdout
                .take(OUTPUT_CAP as u64 + 1)
                .read_to_end(&mut buf)
                .is_ok();
            (buf, ok)
        });
        let status = loop {
            match child.try_wait() {
                Ok(Some(st)) => break Some(st),
                Ok(None) if started.elapsed() < TIMEOUT => {
                    std::thread::sleep(Duration::from_millis(5))
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
            }
        };
        let (buf, read_ok) = reader.join().unwrap_or_default();
        let verdict = match status {
            None => Err(format!("{what}: killed after {TIMEOUT:?}")),
            Some(st) if !st.success() => Err(format!("{what}: exited with {st}")),
            Some(_) if buf.len() > OUTPUT_CAP => {
                Err(format!("{what}: output over {OUTPUT_CAP} bytes"))
            }
            Some(_) if !read_ok => Err(format!("{what}: output unreadable")),
            Some(_) => Ok((program, buf)),
        };
        if let Some(j) = self.journal {
            j.record(
                "ran",
                what,
                match &verdict {
                    Ok((_, b)) => format!(
                        "exit 0, {} bytes in {} ms",
                        b.len(),
                        started.elapsed().as_millis()
                    ),
                    Err(e) => e.clone(),
                },
            );
        }
        verdict
    }
}

fn gap(out: &mut Outcome, detail: String) {
    out.gap(Gap::new(INFO.id, GapReason::Error, detail));
}

/// Pids the tool's `/proc` listing shows.
fn listed_pids(listing: &[u8]) -> BTreeSet<u32> {
    listing
        .split(|&b| b == b'\n')
        .filter_map(|l| std::str::from_utf8(l).ok()?.parse().ok())
        .collect()
}

/// The raw stable set: in both of huoyan's reads around the tool's run.
fn stable<T: Ord + Clone>(before: &BTreeSet<T>, after: &BTreeSet<T>) -> BTreeSet<T> {
    before.intersection(after).cloned().collect()
}

/// A difference too large to be a rootkit's filter (the tool saw a different world).
fn wholesale(hidden: usize, total: usize) -> bool {
    total == 0 || hidden * 2 > total
}

fn hidden_processes(
    ctx: &Context,
    proc_fs: &ProcFs,
    runner: &Runner,
    by: &str,
    libs: &[String],
    out: &mut Outcome,
) {
    let raw = || -> BTreeSet<u32> { proc_fs.pids().unwrap_or_default().into_iter().collect() };
    let before = raw();
    let proc_dir = proc_fs.base().as_os_str().to_owned();
    let tool = runner.run(
        &["/bin/ls", "/usr/bin/ls"],
        &[OsStr::new("-1a"), proc_dir.as_os_str()],
    );
    let after = raw();
    let (program, listing) = match tool {
        Ok(v) => v,
        Err(e) => return gap(out, format!("processes hidden by {by} not compared: {e}")),
    };
    let seen = listed_pids(&listing);
    let both = stable(&before, &after);
    let hidden: Vec<u32> = both.difference(&seen).copied().collect();
    if hidden.is_empty() {
        return;
    }
    if seen.is_empty() || wholesale(hidden.len(), both.len()) {
        return gap(
            out,
            format!(
                "{} lists {} of {} pids: too different a view to name what {by} hides",
                program.display(),
                seen.len(),
                both.len()
            ),
        );
    }
    let scene = ctx.scene().and_then(Result::ok);
    for pid in hidden.iter().take(MAX_FINDINGS) {
        let p = scene.and_then(|s| s.processes.iter().find(|p| p.pid == *pid));
        let exe = p
            .and_then(|p| p.exe.as_ref().map(|e| e.display()))
            .or_else(|| {
                proc_fs
                    .read_link(&format!("{pid}/exe"))
                    .ok()
                    .map(|b| huoyan_core::text::bytes_to_string(&b))
            });
        let cmdline = match p {
            Some(p) => p.cmdline.clone(),
            None => proc_fs
                .read_capped(&format!("{pid}/cmdline"), 64 << 10)
                .map(|c| {
                    c.data
                        .split(|&b| b == 0)
                        .filter(|a| !a.is_empty())
                        .map(huoyan_core::text::bytes_to_string)
                        .collect()
                })
                .unwrap_or_default(),
        };
        let mut f = INFO
            .finding(
                Severity::Critical,
                format!(
                    "pid {pid} ({}) is hidden from the host's tools by {by}: the kernel lists \
                     it, {} -1a /proc does not",
                    if cmdline.is_empty() {
                        exe.clone().unwrap_or_else(|| "?".into())
                    } else {
                        cmdline.join(" ")
                    },
                    program.display()
                ),
            )
            .pid(*pid)
            .evidence(json!({
                "kind": "process",
                "pid": pid,
                "exe": exe,
                "cmdline": cmdline,
                "libraries": libs,
                "tool": format!("{} -1a /proc", program.display()),
                "preloaded_into_tool": runner.preload.map(|p| p.display().to_string()),
            }));
        if let Some(p) = p {
            f = f.user(p.user_label()).at(p.start_time);
        }
        for lib in libs {
            f = f.path(lib.clone());
        }
        if let Some(e) = &exe {
            f = f.path(e.clone());
        }
        out.add(f);
    }
    if hidden.len() > MAX_FINDINGS {
        out.gap(Gap::new(
            INFO.id,
            GapReason::Truncated,
            format!(
                "{} hidden pids; only the first {MAX_FINDINGS} reported",
                hidden.len()
            ),
        ));
    }
}

/// huoyan's raw socket tables: inode → socket (inode 0, TIME_WAIT and the like, left out).
fn raw_sockets(proc_fs: &ProcFs) -> BTreeMap<u64, InetSocket> {
    let mut out = BTreeMap::new();
    for proto in SOCKET_TABLES {
        if let Ok(data) = proc_fs.read(&format!("net/{}", proto.file())) {
            if let Ok(v) = inet::parse(&data, proto) {
                out.extend(v.into_iter().filter(|s| s.inode != 0).map(|s| (s.inode, s)));
            }
        }
    }
    out
}

/// Inodes in a tool's copy of socket tables, and how many table headers it printed.
fn tool_socket_inodes(text: &[u8]) -> (BTreeSet<u64>, usize) {
    let mut inodes = BTreeSet::new();
    let mut headers = 0;
    for line in text.split(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(line);
        let f: Vec<&str> = line.split_ascii_whitespace().collect();
        match f.first() {
            Some(&"sl") => headers += 1,
            Some(first) if first.ends_with(':') && f.len() > 9 => {
                if let Ok(i) = f[9].parse() {
                    inodes.insert(i);
                }
            }
            _ => {}
        }
    }
    (inodes, headers)
}

fn hidden_sockets(
    ctx: &Context,
    proc_fs: &ProcFs,
    runner: &Runner,
    by: &str,
    libs: &[String],
    out: &mut Outcome,
) {
    let tables: Vec<OsString> = SOCKET_TABLES
        .iter()
        .map(|p| proc_fs.base().join("net").join(p.file()))
        .filter(|p| p.exists())
        .map(PathBuf::into_os_string)
        .collect();
    if tables.is_empty() {
        return;
    }
    let before = raw_sockets(proc_fs);
    // cat reads with read(2), sed through stdio's fopen: rootkits hook one or the other.
    let mut tools: Vec<(String, BTreeSet<u64>)> = Vec::new();
    for (candidates, pre) in [
        (&["/bin/cat", "/usr/bin/cat"][..], &[][..]),
        (&["/bin/sed", "/usr/bin/sed"][..], &["-n", "p"][..]),
    ] {
        let mut args: Vec<&OsStr> = pre.iter().map(OsStr::new).collect();
        args.extend(tables.iter().map(OsString::as_os_str));
        let Some((program, mut seen)) =
            socket_view(runner, candidates, &args, tables.len(), by, out)
        else {
            continue;
        };
        // A socket table read in chunks can skip an entry when sockets close meanwhile (the
        // kernel resumes by position): a miss counts only when a second run misses it too.
        if before.keys().any(|i| !seen.contains(i)) {
            match socket_view(runner, candidates, &args, tables.len(), by, out) {
                Some((_, again)) => seen.extend(again),
                None => continue,
            }
        }
        tools.push((program, seen));
    }
    let after = raw_sockets(proc_fs);
    let both: BTreeSet<u64> = before
        .keys()
        .filter(|i| after.contains_key(i))
        .copied()
        .collect();
    // inode → tools that missed it
    let mut hidden: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for (tool, seen) in &tools {
        let missed: Vec<u64> = both.difference(seen).copied().collect();
        if missed.is_empty() {
            continue;
        }
        if wholesale(missed.len(), both.len()) {
            gap(
                out,
                format!(
                    "{tool} misses {} of {} sockets: too different a view to name what {by} hides",
                    missed.len(),
                    both.len()
                ),
            );
            continue;
        }
        for i in missed {
            hidden.entry(i).or_default().push(tool.clone());
        }
    }
    let scene = ctx.scene().and_then(Result::ok);
    for (inode, missed_by) in hidden.iter().take(MAX_FINDINGS) {
        let Some(s) = after.get(inode) else { continue };
        let owners: Vec<u32> = scene
            .map(|sc| {
                sc.sockets
                    .inet
                    .iter()
                    .filter(|o| o.socket.inode == *inode)
                    .flat_map(|o| o.owners.pids.iter().copied())
                    .collect()
            })
            .unwrap_or_default();
        let owner_text: Vec<String> = owners
            .iter()
            .map(|pid| {
                let cmd = scene
                    .and_then(|sc| sc.processes.iter().find(|p| p.pid == *pid))
                    .map(|p| p.command())
                    .unwrap_or_default();
                format!("pid {pid} {cmd}")
            })
            .collect();
        let mut f = INFO
            .finding(
                Severity::Critical,
                format!(
                    "{} {}:{} ({}{}) is hidden from the host's tools by {by}: /proc/net/{} lists \
                     it, {} do{} not",
                    proto_name(s.proto),
                    s.local_ip,
                    s.local_port,
                    if s.listening { "listening" } else { &s.state },
                    if owner_text.is_empty() {
                        String::new()
                    } else {
                        format!(", {}", owner_text.join("; "))
                    },
                    s.proto.file(),
                    missed_by.join(" and "),
                    if missed_by.len() == 1 { "es" } else { "" }
                ),
            )
            .ip(s.local_ip.to_string())
            .evidence(json!({
                "kind": "socket",
                "proto": s.proto,
                "local_ip": s.local_ip.to_string(),
                "local_port": s.local_port,
                "remote_ip": s.remote_ip.to_string(),
                "remote_port": s.remote_port,
                "state": s.state,
                "inode": inode,
                "owners": owners,
                "missed_by": missed_by,
                "libraries": libs,
                "preloaded_into_tool": runner.preload.map(|p| p.display().to_string()),
            }));
        if !s.remote_ip.is_unspecified() {
            f = f.ip(s.remote_ip.to_string());
        }
        for pid in &owners {
            f = f.pid(*pid);
        }
        for lib in libs {
            f = f.path(lib.clone());
        }
        out.add(f);
    }
}

/// One run of a tool over the socket tables: its name and the inodes it printed, when complete.
fn socket_view(
    runner: &Runner,
    candidates: &[&str],
    args: &[&OsStr],
    tables: usize,
    by: &str,
    out: &mut Outcome,
) -> Option<(String, BTreeSet<u64>)> {
    match runner.run(candidates, args) {
        Ok((program, text)) => {
            let (inodes, headers) = tool_socket_inodes(&text);
            if headers == tables {
                Some((program.display().to_string(), inodes))
            } else {
                gap(
                    out,
                    format!(
                        "{} printed {headers} of {tables} socket table headers: view not used",
                        program.display()
                    ),
                );
                None
            }
        }
        Err(e) => {
            gap(out, format!("sockets hidden by {by} not compared: {e}"));
            None
        }
    }
}

fn proto_name(p: InetProto) -> &'static str {
    if p.is_tcp() {
        "tcp"
    } else {
        "udp"
    }
}

/// Absolute paths named in a library's strings (runs of printable bytes starting with `/`).
pub(crate) fn path_strings(data: &[u8]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for run in data.split(|b| !(0x21..0x7f).contains(b)) {
        if run.len() < 5 || run[0] != b'/' || run.len() > 4096 {
            continue;
        }
        let Ok(s) = std::str::from_utf8(run) else {
            continue;
        };
        let plain = s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+".contains(&b));
        let system = ["/proc", "/sys", "/dev"]
            .iter()
            .any(|p| s == *p || s.starts_with(&format!("{p}/")));
        if plain && !system && !s.contains("//") && !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
        if out.len() >= 256 {
            break;
        }
    }
    out
}

/// Directories to compare for one view: each hider's own, `/etc` for a global hider (the
/// rootkit often hides `ld.so.preload` itself), and those of the paths in its strings.
fn directories(root: &Root, view: &View) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    let add = |d: PathBuf, dirs: &mut Vec<PathBuf>| {
        if dirs.len() < MAX_DIRS && !dirs.contains(&d) && d != Path::new("/proc") {
            dirs.push(d);
        }
    };
    for h in &view.hiders {
        if let Some(parent) = h.path.parent() {
            add(parent.to_path_buf(), &mut dirs);
        }
    }
    if view.preload.is_none() {
        add(PathBuf::from("/etc"), &mut dirs);
    }
    for h in &view.hiders {
        let Ok(c) = root.read_capped(&h.path, STRINGS_CAP) else {
            continue;
        };
        for s in path_strings(&c.data) {
            let p = PathBuf::from(&s);
            let Ok(meta) = root.lstat(&p) else { continue };
            if let Some(parent) = p.parent() {
                add(parent.to_path_buf(), &mut dirs);
            }
            if meta.kind == huoyan_core::FileKind::Dir {
                add(p, &mut dirs);
            }
        }
    }
    dirs
}

fn raw_names(root: &Root, dir: &Path) -> Option<BTreeSet<Vec<u8>>> {
    root.read_dir(dir).ok().map(|v| {
        v.into_iter()
            .map(|e| e.name.as_bytes().to_vec())
            .filter(|n| !n.contains(&b'\n'))
            .collect()
    })
}

fn hidden_files(
    root: &Root,
    runner: &Runner,
    dir: &Path,
    by: &str,
    libs: &[String],
    out: &mut Outcome,
) {
    let Some(before) = raw_names(root, dir) else {
        return;
    };
    let Ok(host_dir) = root.resolve(dir) else {
        return;
    };
    let tool = runner.run(
        &["/bin/ls", "/usr/bin/ls"],
        &[OsStr::new("-1a"), OsStr::new("--"), host_dir.as_os_str()],
    );
    let Some(after) = raw_names(root, dir) else {
        return;
    };
    let (program, listing) = match tool {
        Ok(v) => v,
        Err(e) => {
            return gap(
                out,
                format!(
                    "files in {} hidden by {by} not compared: {e}",
                    dir.display()
                ),
            )
        }
    };
    let seen: BTreeSet<&[u8]> = listing.split(|&b| b == b'\n').collect();
    if !seen.contains(&b"."[..]) || !seen.contains(&b".."[..]) {
        return gap(
            out,
            format!(
                "{} -1a {} printed no . and ..: view not used",
                program.display(),
                dir.display()
            ),
        );
    }
    let both = stable(&before, &after);
    let hidden: Vec<&Vec<u8>> = both
        .iter()
        .filter(|n| !seen.contains(n.as_slice()))
        .collect();
    if hidden.is_empty() {
        return;
    }
    if wholesale(hidden.len(), both.len().max(2)) && both.len() > 4 {
        return gap(
            out,
            format!(
                "{} -1a {} misses {} of {} names: too different a view to name what {by} hides",
                program.display(),
                dir.display(),
                hidden.len(),
                both.len()
            ),
        );
    }
    for name in hidden.iter().take(MAX_FINDINGS) {
        let path = dir.join(OsStr::from_bytes(name));
        let shown = path.display().to_string();
        let meta = root.lstat(&path).ok();
        let mut f = INFO
            .finding(
                Severity::Critical,
                format!(
                    "{shown} is hidden from the host's tools by {by}: the directory lists it, {} \
                     -1a {} does not",
                    program.display(),
                    dir.display()
                ),
            )
            .path(shown.clone())
            .evidence(json!({
                "kind": "file",
                "path": shown,
                "file_kind": meta.as_ref().map(|m| format!("{:?}", m.kind)),
                "size": meta.as_ref().map(|m| m.size),
                "uid": meta.as_ref().map(|m| m.uid),
                "libraries": libs,
                "preloaded_into_tool": runner.preload.map(|p| p.display().to_string()),
            }));
        if let Some(m) = &meta {
            f = f.at(m.mtime);
        }
        for lib in libs {
            f = f.path(lib.clone());
        }
        out.add(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use huoyan_core::Window;

    #[test]
    fn no_hider_runs_nothing_and_finds_nothing() {
        let Some(proc_fs) = ProcFs::live() else {
            return;
        };
        let mut ctx = Context::new(Root::host(), Window::default());
        let journal = std::sync::Arc::new(ActionJournal::in_memory());
        ctx.journal = Some(journal.clone());
        let mut out = Outcome::default();
        compare_views(&ctx, &proc_fs, &[], &mut out);
        assert!(out.findings.is_empty() && out.gaps.is_empty());
        assert!(journal.entries().is_empty(), "a host tool was run");
    }

    #[test]
    fn an_image_is_never_compared() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut ctx = Context::new(Root::new(dir.path()).expect("root"), Window::default());
        let journal = std::sync::Arc::new(ActionJournal::in_memory());
        ctx.journal = Some(journal.clone());
        ctx.proc_fs = ProcFs::live();
        let mut out = Outcome::default();
        PreloadHidden.run(&ctx, &mut out);
        assert!(out.findings.is_empty());
        assert!(journal.entries().is_empty());
    }

    #[test]
    fn views_per_hider_kind() {
        let h = |p: &str, global, preloaded| Hider {
            path: PathBuf::from(p),
            hooks: vec!["readdir".into()],
            global,
            preloaded,
        };
        let found = [
            h("/lib/a.so", true, false),
            h("/lib/b.so", true, false),
            h("/tmp/c.so", false, true),
            h("/opt/app/plugin.so", false, false),
        ];
        let v = views(&found);
        assert_eq!(
            v.len(),
            2,
            "one global view, one for the LD_PRELOAD library, none for dlopen"
        );
        assert!(v[0].preload.is_none() && v[0].hiders.len() == 2);
        assert_eq!(v[1].preload, Some(Path::new("/tmp/c.so")));
    }

    #[test]
    fn parses_tool_outputs() {
        assert_eq!(
            listed_pids(b".\n..\n1\n42\nself\nsys\n"),
            BTreeSet::from([1, 42])
        );
        let tcp = b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0\n";
        let (inodes, headers) = tool_socket_inodes(tcp);
        assert_eq!(headers, 1);
        assert_eq!(inodes, BTreeSet::from([4242]));
        assert_eq!(tool_socket_inodes(b"\xff\xfe garbage\n").1, 0);
        assert!(wholesale(3, 4) && !wholesale(1, 100) && wholesale(0, 0));
    }

    #[test]
    fn finds_path_strings() {
        let data = b"\x00readdir\x00/usr/lib/.hidden\x00%s/proc/%d\x00/proc/net/tcp\x00/etc/ld.so.preload\x00ab\x00";
        assert_eq!(
            path_strings(data),
            vec![
                "/usr/lib/.hidden".to_string(),
                "/etc/ld.so.preload".to_string()
            ]
        );
    }
}
