//! The one way huoyan creates a file: never through a symlink, never over something it did not
//! create itself.
//!
//! The case folder, the snapshot folder, the bundle's folder and the state directory may be
//! reachable by the attacker (a case folder re-used by `report`, a `/tmp` output folder, a
//! planted `report.en.html -> /etc/shadow`). A plain `File::create` follows such a link and
//! truncates its target, so every writer goes through this module:
//!
//! - [`create_new`] opens with `O_CREAT|O_EXCL|O_NOFOLLOW` (a planted name, link or not, is an
//!   error rather than a target);
//! - [`write_replace`] and [`Replacing`] write a fresh temporary file beside the destination and
//!   `rename` it over the name: a rename replaces a symlink itself, never the file it points to;
//! - [`open_append`] appends to a journal only if it is a regular file reached without a link;
//! - [`ensure_dir`] creates a directory and refuses one that is a symlink.
//!
//! And the files huoyan reads back from an operator-given path (a bundle to verify, a case
//! folder to report) go through [`open_regular`]: a FIFO or a device there must be refused with
//! a clear error, never block forever or stream `/dev/zero`.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Mode of the files huoyan writes: they hold evidence, so owner-only.
pub const FILE_MODE: u32 = 0o600;

fn no_follow() -> i32 {
    libc::O_NOFOLLOW | libc::O_CLOEXEC
}

/// Creates `path`, which must not exist (not even as a dangling symlink), mode [`FILE_MODE`].
pub fn create_new(path: &Path) -> io::Result<File> {
    create_new_mode(path, FILE_MODE)
}

/// [`create_new`] with an explicit mode.
pub fn create_new_mode(path: &Path, mode: u32) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .custom_flags(no_follow())
        .open(path)
}

/// Opens `path` for appending, creating it if missing; refuses a symlink (`O_NOFOLLOW`) and
/// anything that is not a regular file (a FIFO would block, a device would be written to).
pub fn open_append(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(FILE_MODE)
        .custom_flags(no_follow() | libc::O_NONBLOCK)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a regular file", path.display()),
        ));
    }
    Ok(file)
}

/// Creates the directory `dir` (and its parents) and checks that `dir` itself is a real
/// directory, not a symlink to one.
pub fn ensure_dir(dir: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_dir() => return Ok(()),
        Ok(_) => {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} exists and is not a directory", dir.display()),
            ))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    std::fs::create_dir_all(dir)?;
    let m = std::fs::symlink_metadata(dir)?;
    if m.file_type().is_dir() {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} is not a directory", dir.display()),
        ))
    }
}

/// Opens `path` read-only if it is a regular file: a FIFO does not block the open
/// (`O_NONBLOCK`), and anything but a regular file is refused with an error naming its kind.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC)
        .open(path)?;
    let ft = file.metadata()?.file_type();
    if ft.is_file() {
        return Ok(file);
    }
    use std::os::unix::fs::FileTypeExt;
    let kind = if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_char_device() {
        "a character device"
    } else if ft.is_block_device() {
        "a block device"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_dir() {
        "a directory"
    } else {
        "a special file"
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{} is not a regular file ({kind})", path.display()),
    ))
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A file being written under a temporary name beside its destination; [`Replacing::commit`]
/// renames it over the destination. Dropped without a commit, the temporary file is removed.
#[derive(Debug)]
pub struct Replacing {
    file: Option<File>,
    tmp: PathBuf,
    dest: PathBuf,
}

impl Replacing {
    /// Starts writing `dest` (created or replaced on commit).
    pub fn new(dest: &Path) -> io::Result<Self> {
        let parent = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = dest.file_name().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} has no file name", dest.display()),
            )
        })?;
        let pid = std::process::id();
        let mut last = None;
        for _ in 0..64 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let mut tmp_name = std::ffi::OsString::from(".");
            tmp_name.push(name);
            tmp_name.push(format!(".huoyan-{pid}-{n}.tmp"));
            let tmp = parent.join(tmp_name);
            match create_new(&tmp) {
                Ok(file) => {
                    return Ok(Replacing {
                        file: Some(file),
                        tmp,
                        dest: dest.to_path_buf(),
                    })
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("no free temporary name")))
    }

    /// Flushes the data to disk and renames the temporary file over the destination.
    pub fn commit(mut self) -> io::Result<()> {
        if let Some(file) = self.file.take() {
            file.sync_all()?;
        }
        // A directory at the destination would swallow the rename target's name: refuse.
        if let Ok(m) = std::fs::symlink_metadata(&self.dest) {
            if m.file_type().is_dir() {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{} is a directory", self.dest.display()),
                ));
            }
        }
        std::fs::rename(&self.tmp, &self.dest)?;
        // Committed: nothing left to clean up.
        self.tmp = PathBuf::new();
        Ok(())
    }
}

impl Write for Replacing {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.file.as_mut() {
            Some(f) => f.write(buf),
            None => Err(io::Error::other("file already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.file.as_mut() {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for Replacing {
    fn drop(&mut self) {
        if !self.tmp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `bytes` to `path`, replacing whatever name was there (a symlink is replaced, its
/// target left untouched).
pub fn write_replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut r = Replacing::new(path)?;
    r.write_all(bytes)?;
    r.commit()
}

/// True when `path` exists as a symlink (used by tests and by callers that report it).
pub fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Inode number and device of `path` without following a link (tests compare them).
pub fn identity(path: &Path) -> Option<(u64, u64)> {
    std::fs::symlink_metadata(path)
        .ok()
        .map(|m| (m.dev(), m.ino()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_new_refuses_a_planted_symlink() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("target");
        std::fs::write(&target, b"precious").expect("write");
        let link = dir.path().join("out");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        assert!(create_new(&link).is_err());
        assert_eq!(std::fs::read(&target).expect("read"), b"precious");
    }

    #[test]
    fn write_replace_replaces_the_link_not_its_target() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("target");
        std::fs::write(&target, b"precious").expect("write");
        let link = dir.path().join("report.en.html");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        write_replace(&link, b"report").expect("write");
        assert_eq!(std::fs::read(&target).expect("read"), b"precious");
        assert!(!is_symlink(&link));
        assert_eq!(std::fs::read(&link).expect("read"), b"report");
        // No temporary file left behind.
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 2);
    }

    #[test]
    fn open_append_refuses_links_and_fifos() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("target");
        std::fs::write(&target, b"x").expect("write");
        let link = dir.path().join("journal.jsonl");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        assert!(open_append(&link).is_err());
        let fifo = dir.path().join("fifo");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .expect("mkfifo");
        assert!(open_append(&fifo).is_err());
        assert!(open_append(&dir.path().join("new")).is_ok());
    }

    #[test]
    fn open_regular_refuses_fifos_and_devices_without_blocking() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("findings.jsonl");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .expect("mkfifo");
        let e = open_regular(&fifo).expect_err("fifo");
        assert!(e.to_string().contains("FIFO"), "{e}");
        let e = open_regular(Path::new("/dev/zero")).expect_err("device");
        assert!(e.to_string().contains("character device"), "{e}");
        let f = dir.path().join("f");
        std::fs::write(&f, b"x").expect("write");
        assert!(open_regular(&f).is_ok());
    }

    #[test]
    fn ensure_dir_refuses_a_symlinked_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).expect("mkdir");
        let link = dir.path().join("timeline");
        std::os::unix::fs::symlink(&elsewhere, &link).expect("symlink");
        assert!(ensure_dir(&link).is_err());
        assert!(ensure_dir(&dir.path().join("a/b")).is_ok());
    }
}
