//! Every home directory worth examining, with its owner.
//!
//! Histories, rc files, user crontabs and user systemd units live in home directories. The list
//! is: every account's home from the root's own `/etc/passwd`, plus `/root` even when passwd
//! does not say so, plus directories under `/home` that no account claims any more (a deleted
//! attacker account often leaves its home — and its history — behind).

use huoyan_core::FileKind;

use crate::Context;

/// One home directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Home {
    /// Account name (for an orphaned directory: its name under /home).
    pub user: String,
    /// Logical path.
    pub path: String,
    /// True when no passwd entry has this home.
    pub orphaned: bool,
    /// The account's login shell, if it has a passwd entry.
    pub shell: Option<String>,
}

/// Every home of the root, deduplicated, in passwd order then orphans.
pub fn homes(ctx: &Context) -> Vec<Home> {
    let users = ctx.users();
    let mut out: Vec<Home> = users
        .homes()
        .into_iter()
        .map(|(user, path)| Home {
            shell: users.user(&user).map(|e| e.shell.clone()),
            user,
            path: path.trim_end_matches('/').to_string(),
            orphaned: false,
        })
        .collect();
    if !out.iter().any(|h| h.path == "/root") {
        out.push(Home {
            user: "root".into(),
            path: "/root".into(),
            orphaned: false,
            shell: users.user("root").map(|e| e.shell.clone()),
        });
    }
    if let Ok(entries) = ctx.root.read_dir("/home") {
        for e in entries {
            let path = format!("/home/{}", huoyan_core::root::display_name(&e.name));
            if e.kind == FileKind::Dir && !out.iter().any(|h| h.path == path) {
                out.push(Home {
                    user: huoyan_core::root::display_name(&e.name),
                    path,
                    orphaned: true,
                    shell: None,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use huoyan_core::{Root, Window};

    #[test]
    fn accounts_root_and_orphans() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("etc")).expect("mkdir");
        std::fs::write(
            dir.path().join("etc/passwd"),
            "root:x:0:0::/root:/bin/bash\nalice:x:1000:1000::/home/alice/:/bin/zsh\nsvc:x:999:999::/:/usr/sbin/nologin\n",
        )
        .expect("passwd");
        for d in ["home/alice", "home/gone"] {
            std::fs::create_dir_all(dir.path().join(d)).expect("mkdir");
        }
        std::fs::write(dir.path().join("home/notadir"), b"").expect("file");
        let ctx = Context::new(Root::new(dir.path()).expect("root"), Window::default());
        let homes = homes(&ctx);
        let paths: Vec<&str> = homes.iter().map(|h| h.path.as_str()).collect();
        assert_eq!(paths, ["/root", "/home/alice", "/home/gone"]);
        assert_eq!(homes[1].shell.as_deref(), Some("/bin/zsh"));
        assert!(homes[2].orphaned);
        assert_eq!(homes[2].user, "gone");
    }
}
