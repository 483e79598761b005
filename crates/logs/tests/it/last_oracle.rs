//! The `last` and `lastb` views against util-linux `last` output kept with the utmp samples
//! (../shared/corpora/utmp-samples, `*.last.txt`, made with TZ=UTC).

use huoyan_core::{Root, Timestamp, Window};

fn when(t: Option<Timestamp>) -> String {
    t.map(|t| t.strftime("%a %b %e %H:%M:%S %Y").to_string())
        .unwrap_or_default()
}

/// (user, tty, login, logout-or-status) of the oracle's user rows.
fn oracle(text: &str) -> Vec<(String, String, String, String)> {
    text.lines()
        .filter(|l| {
            !l.is_empty()
                && !l.contains(" begins ")
                && !l.starts_with("runlevel")
                && !l.starts_with("reboot")
                && !l.starts_with("shutdown")
        })
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let login = f[3..8].join(" ");
            let rest = if f.get(8) == Some(&"-") {
                f[9..14].join(" ")
            } else {
                f[8..].join(" ")
            };
            (f[0].to_string(), f[1].to_string(), login, rest)
        })
        .collect()
}

fn root_with(file: &str, name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(dir.path().join("var/log")).expect("mkdir");
    let src = huoyan_testkit::corpus("utmp-samples")
        .join("utmp-samples/utmp-rs-0.4.0")
        .join(file);
    std::fs::copy(src, dir.path().join("var/log").join(name)).expect("copy");
    dir
}

fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn last_matches_util_linux() {
    let mut checked = 0;
    for name in ["with_host_32", "basic32"] {
        let dir = root_with(&format!("{name}.utmp"), "wtmp");
        let data =
            huoyan_logs::collect::collect(&Root::new(dir.path()).expect("root"), Window::default());
        let ours: Vec<(String, String, String, String)> = huoyan_logs::logins::last(&data)
            .into_iter()
            .filter(|s| !matches!(s.user.as_str(), "reboot" | "shutdown"))
            .map(|s| {
                let end = if s.logout.is_some() {
                    when(s.logout)
                } else {
                    s.status.clone()
                };
                (s.user, s.tty, when(s.login), end)
            })
            .collect();
        let text = std::fs::read_to_string(
            huoyan_testkit::corpus("utmp-samples")
                .join(format!("utmp-samples/utmp-rs-0.4.0/{name}.last.txt")),
        )
        .expect("oracle");
        let want = oracle(&text);
        assert_eq!(ours.len(), want.len(), "{name}: {ours:#?}");
        for (o, w) in ours.iter().zip(&want) {
            assert_eq!(
                (&o.0, &o.1, norm(&o.2), norm(&o.3)),
                (&w.0, &w.1, norm(&w.2), norm(&w.3)),
                "{name}"
            );
            checked += 1;
        }
    }
    println!("last: {checked} sessions identical to util-linux last");
}

#[test]
fn lastb_lists_every_failed_login() {
    let dir = root_with("long_user_32.utmp", "btmp");
    let data =
        huoyan_logs::collect::collect(&Root::new(dir.path()).expect("root"), Window::default());
    let rows = huoyan_logs::logins::lastb(&data);
    let text = std::fs::read_to_string(
        huoyan_testkit::corpus("utmp-samples")
            .join("utmp-samples/utmp-rs-0.4.0/long_user_32.last.txt"),
    )
    .expect("oracle");
    let want = oracle(&text);
    assert_eq!(rows.len(), want.len());
    for (r, w) in rows.iter().zip(&want) {
        assert_eq!(
            (&r.user, &r.tty, norm(&when(r.time))),
            (&w.0, &w.1, norm(&w.2))
        );
    }
}
