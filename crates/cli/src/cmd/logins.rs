//! `huoyan logins`: the `last`, `lastb` and `lastlog` views, read from wtmp (and rotations),
//! wtmpdb, btmp and lastlog directly — never by running the host's tools.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use huoyan_core::text::sanitize;
use huoyan_core::Timestamp;

use crate::common::RootArgs;

/// Which view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum View {
    /// Sessions (wtmp, wtmpdb), newest first.
    Last,
    /// Failed logins (btmp), newest first.
    Lastb,
    /// Each account's last login (lastlog).
    Lastlog,
    /// All three.
    All,
}

/// Arguments of `huoyan logins`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub common: RootArgs,
    /// Which view to print.
    #[arg(long, value_enum, default_value = "all")]
    pub view: View,
}

fn t(x: Option<Timestamp>) -> String {
    x.map(huoyan_core::time::format_short)
        .unwrap_or_else(|| "-".into())
}

fn json_line(out: &mut dyn Write, view: &str, row: &impl serde::Serialize) -> Result<()> {
    let mut v = serde_json::to_value(row)?;
    if let Some(obj) = v.as_object_mut() {
        obj.insert("record".into(), serde_json::Value::String(view.into()));
    }
    huoyan_core::jsonl::to_writer(&mut *out, &v)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Prints the views.
pub fn run(args: &Args) -> Result<ExitCode> {
    let root = args.common.open_root()?;
    let window = args.common.window()?;
    let data = huoyan_logs::data_for(&root, window);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let json = args.common.json;
    let want = |v: View| args.view == v || args.view == View::All;
    if want(View::Last) {
        let rows: Vec<_> = huoyan_logs::logins::last(&data)
            .into_iter()
            .filter(|s| window.contains(s.login))
            .collect();
        if !json {
            writeln!(out, "last ({} sessions):", rows.len())?;
        }
        for s in &rows {
            if json {
                json_line(&mut out, "last", s)?;
            } else {
                writeln!(
                    out,
                    "  {:<12} {:<12} {:<24} {} - {} {}",
                    sanitize(&s.user),
                    sanitize(&s.tty),
                    sanitize(&s.host),
                    t(s.login),
                    t(s.logout),
                    sanitize(&s.status)
                )?;
            }
        }
    }
    if want(View::Lastb) {
        let rows: Vec<_> = huoyan_logs::logins::lastb(&data)
            .into_iter()
            .filter(|s| window.contains(s.time))
            .collect();
        if !json {
            writeln!(out, "lastb ({} failed logins):", rows.len())?;
        }
        for s in &rows {
            if json {
                json_line(&mut out, "lastb", s)?;
            } else {
                writeln!(
                    out,
                    "  {:<12} {:<12} {:<24} {}",
                    sanitize(&s.user),
                    sanitize(&s.tty),
                    sanitize(&s.host),
                    t(s.time)
                )?;
            }
        }
    }
    if want(View::Lastlog) {
        let rows = huoyan_logs::logins::lastlog(&data, &root);
        if !json {
            writeln!(out, "lastlog ({} accounts):", rows.len())?;
        }
        for s in &rows {
            if json {
                json_line(&mut out, "lastlog", s)?;
            } else if s.time.is_none() {
                writeln!(
                    out,
                    "  {:<16} {:>6}  **Never logged in**",
                    sanitize(&s.user),
                    s.uid
                )?;
            } else {
                writeln!(
                    out,
                    "  {:<16} {:>6}  {:<8} {:<24} {}",
                    sanitize(&s.user),
                    s.uid,
                    sanitize(&s.tty),
                    sanitize(&s.host),
                    t(s.time)
                )?;
            }
        }
    }
    for g in &data.gaps {
        if json {
            json_line(&mut out, "gap", g)?;
        } else {
            out.write_all(crate::output::render_gap(g).as_bytes())?;
        }
    }
    Ok(ExitCode::from(crate::exit::CLEAN))
}
