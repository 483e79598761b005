//! The auto-rollback watchdog: a detached copy of huoyan that removes the containment at the
//! deadline unless the responder confirmed it.
//!
//! A responder who isolates a remote server and loses their session (a mistyped `--allow`, a NAT
//! in between, a VPN that changes address) must get the server back without walking to the data
//! centre. So `--apply` re-executes our own binary (`/proc/self/exe`, which works even if the file
//! was deleted, and never a binary from the host's PATH) in a new session (`setsid`, double fork:
//! it survives the SSH session's hang-up), with stdio on /dev/null. It inherits the network
//! namespace, so it removes the table it was armed for. It polls the state file a few times a
//! second and exits as soon as the containment is confirmed, released or replaced.

use std::ffi::CString;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use crate::error::{ContainError, Result};
use crate::state::{StateFile, Status};

/// How often the watchdog looks at the state file.
pub const POLL: Duration = Duration::from_millis(200);

/// Starts `/proc/self/exe ARGS…` detached (new session, reparented to init, stdio on /dev/null)
/// and returns its pid.
pub fn spawn_detached(args: &[String]) -> Result<u32> {
    let fail = |what: &str, e: std::io::Error| ContainError::Io {
        path: format!("watchdog ({what})"),
        source: e,
    };
    let exe = CString::new("/proc/self/exe").map_err(|e| fail("argv", std::io::Error::other(e)))?;
    let mut argv: Vec<CString> =
        vec![CString::new("huoyan").map_err(|e| fail("argv", std::io::Error::other(e)))?];
    for a in args {
        argv.push(CString::new(a.as_str()).map_err(|e| fail("argv", std::io::Error::other(e)))?);
    }
    let mut ptrs: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
    ptrs.push(std::ptr::null());
    let devnull = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
        .map_err(|e| fail("/dev/null", e))?;
    let (reader, writer) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)
        .map_err(|e| fail("pipe", e.into()))?;
    let null_fd = devnull.as_raw_fd();
    let write_fd = writer.as_raw_fd();

    // SAFETY: between fork and exec/_exit the children call only async-signal-safe functions
    // (setsid, fork, chdir, dup2, execv, write, _exit) on memory prepared before the fork.
    let child = unsafe { libc::fork() };
    if child < 0 {
        return Err(fail("fork", std::io::Error::last_os_error()));
    }
    if child == 0 {
        unsafe {
            libc::setsid();
            let grandchild = libc::fork();
            if grandchild == 0 {
                // Do not keep the caller's directory (maybe a mount to be unmounted) busy.
                libc::chdir(c"/".as_ptr());
                libc::dup2(null_fd, 0);
                libc::dup2(null_fd, 1);
                libc::dup2(null_fd, 2);
                libc::execv(exe.as_ptr(), ptrs.as_ptr());
                libc::_exit(127);
            }
            let bytes = grandchild.to_ne_bytes();
            libc::write(write_fd, bytes.as_ptr().cast(), bytes.len());
            libc::_exit(0);
        }
    }
    drop(writer);
    let mut buf = [0u8; 4];
    let mut got = 0;
    while got < buf.len() {
        match rustix::io::read(&reader, &mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(fail("pipe read", e.into())),
        }
    }
    let mut status = 0;
    // SAFETY: waiting for our own direct child.
    unsafe { libc::waitpid(child, &mut status, 0) };
    let pid = i32::from_ne_bytes(buf);
    if got != 4 || pid <= 0 {
        return Err(fail(
            "fork",
            std::io::Error::other("the watchdog did not start"),
        ));
    }
    Ok(pid.unsigned_abs())
}

/// What ended the watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEnd {
    /// Confirmed, released or replaced by a newer apply: nothing done.
    Stood,
    /// The deadline passed: the previous state was restored.
    RolledBack,
}

/// The watchdog's loop: waits `after`, then calls `rollback` unless the state of `apply_id`
/// changed from armed first. `rollback` runs while the state lock is held.
pub fn watch(
    file: &StateFile,
    apply_id: &str,
    after: Duration,
    mut rollback: impl FnMut() -> Result<()>,
) -> Result<WatchEnd> {
    let start = Instant::now();
    loop {
        {
            let lock = file.lock()?;
            let Some(mut state) = file.load(&lock)? else {
                return Ok(WatchEnd::Stood);
            };
            if state.apply_id != apply_id || state.status != Status::Armed {
                return Ok(WatchEnd::Stood);
            }
            if start.elapsed() >= after {
                let result = rollback();
                state.updated_at = huoyan_core::time::now();
                state.deadline = None;
                match result {
                    Ok(()) => {
                        state.status = Status::RolledBack;
                        file.save(&lock, &state)?;
                        return Ok(WatchEnd::RolledBack);
                    }
                    Err(e) => {
                        state.status = Status::RollbackFailed;
                        state.last_error = Some(e.to_string());
                        file.save(&lock, &state)?;
                        return Err(e);
                    }
                }
            }
        }
        let left = after.saturating_sub(start.elapsed());
        std::thread::sleep(left.min(POLL));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;
    use crate::state::ContainState;

    fn armed(file: &StateFile, id: &str) {
        let now = huoyan_core::time::now();
        let lock = file.lock().unwrap();
        file.save(
            &lock,
            &ContainState {
                apply_id: id.into(),
                netns: 1,
                status: Status::Armed,
                applied_at: now,
                deadline: None,
                rollback_after_secs: 1,
                policy: Policy::default(),
                ruleset: String::new(),
                previous_tables: vec![],
                previous_policy: None,
                watchdog_pid: None,
                watchdog_ready: true,
                case_dir: None,
                updated_at: now,
                last_error: None,
            },
        )
        .unwrap();
    }

    fn status(file: &StateFile) -> Status {
        let lock = file.lock().unwrap();
        file.load(&lock).unwrap().unwrap().status
    }

    #[test]
    fn rolls_back_at_the_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let file = StateFile::in_dir(dir.path(), 1);
        armed(&file, "a");
        let mut calls = 0;
        let end = watch(&file, "a", Duration::from_millis(300), || {
            calls += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!((end, calls), (WatchEnd::RolledBack, 1));
        assert_eq!(status(&file), Status::RolledBack);
    }

    #[test]
    fn stands_down_when_confirmed_or_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let file = StateFile::in_dir(dir.path(), 1);
        armed(&file, "b");
        let f2 = file.clone();
        let confirmer = std::thread::spawn(move || {
            let lock = f2.lock().unwrap();
            let mut s = f2.load(&lock).unwrap().unwrap();
            s.status = Status::Confirmed;
            f2.save(&lock, &s).unwrap();
        });
        confirmer.join().unwrap();
        let end = watch(&file, "b", Duration::from_secs(60), || {
            panic!("rolled back")
        })
        .unwrap();
        assert_eq!(end, WatchEnd::Stood);
        // A newer apply replaced this one: the old watchdog leaves it alone.
        armed(&file, "c");
        let end = watch(&file, "b", Duration::ZERO, || panic!("rolled back")).unwrap();
        assert_eq!(end, WatchEnd::Stood);
        assert_eq!(status(&file), Status::Armed);
    }

    #[test]
    fn failed_rollback_is_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let file = StateFile::in_dir(dir.path(), 1);
        armed(&file, "d");
        let end = watch(&file, "d", Duration::ZERO, || {
            Err(ContainError::BadReply("kernel said no".into()))
        });
        assert!(end.is_err());
        assert_eq!(status(&file), Status::RollbackFailed);
    }
}
