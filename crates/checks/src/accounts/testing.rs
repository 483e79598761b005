//! Test support shared by the checks of this branch: a throwaway root with given files.

use std::path::Path;

use huoyan_core::{Outcome, Root, Window};

use crate::{Check, Context};

/// A temporary root holding `files` (logical path, contents); directories are created.
pub(crate) fn root_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, contents) in files {
        write(dir.path(), path, contents);
    }
    dir
}

/// Writes one file into a fixture directory.
pub(crate) fn write(base: &Path, path: &str, contents: &str) {
    let host = base.join(path.trim_start_matches('/'));
    if let Some(parent) = host.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(host, contents).expect("write");
}

/// Runs one check on a directory as root, with an optional `--since`.
pub(crate) fn run(check: &dyn Check, dir: &Path, window: Window) -> Outcome {
    let ctx = Context::new(Root::new(dir).expect("root"), window);
    let mut out = Outcome::default();
    check.run(&ctx, &mut out);
    out
}

/// Runs with the default window.
pub(crate) fn run_default(check: &dyn Check, dir: &Path) -> Outcome {
    run(check, dir, Window::default())
}

/// Sets a file's permission bits.
pub(crate) fn chmod(base: &Path, path: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let host = base.join(path.trim_start_matches('/'));
    std::fs::set_permissions(host, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// A real Debian 12 base /etc/passwd (base-passwd 3.6.1) plus one person.
pub(crate) const DEBIAN_PASSWD: &str = "root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
sync:x:4:65534:sync:/bin:/bin/sync
games:x:5:60:games:/usr/games:/usr/sbin/nologin
man:x:6:12:man:/var/cache/man:/usr/sbin/nologin
lp:x:7:7:lp:/var/spool/lpd:/usr/sbin/nologin
mail:x:8:8:mail:/var/mail:/usr/sbin/nologin
news:x:9:9:news:/var/spool/news:/usr/sbin/nologin
uucp:x:10:10:uucp:/var/spool/uucp:/usr/sbin/nologin
proxy:x:13:13:proxy:/bin:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
backup:x:34:34:backup:/var/backups:/usr/sbin/nologin
list:x:38:38:Mailing List Manager:/var/list:/usr/sbin/nologin
irc:x:39:39:ircd:/run/ircd:/usr/sbin/nologin
_apt:x:42:65534::/nonexistent:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash
";
