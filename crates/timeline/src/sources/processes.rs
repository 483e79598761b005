//! Process start times from the live /proc (`/proc/PID/stat` start ticks + boot time).

use huoyan_core::{Gap, ProcFs, Root};

use crate::{Category, Event};

pub(super) fn collect(
    proc_fs: &ProcFs,
    _root: &Root,
    events: &mut Vec<Event>,
    gaps: &mut Vec<Gap>,
) {
    let boot = match proc_fs.read("stat") {
        Ok(data) => String::from_utf8_lossy(&data).lines().find_map(|l| {
            l.strip_prefix("btime ")
                .and_then(|v| v.trim().parse::<i64>().ok())
        }),
        Err(e) => {
            gaps.push(Gap::from_error("timeline.processes", &e));
            None
        }
    };
    let Some(boot) = boot else { return };
    let ticks = rustix_ticks();
    let pids = match proc_fs.pids() {
        Ok(p) => p,
        Err(e) => {
            gaps.push(Gap::from_error("timeline.processes", &e));
            return;
        }
    };
    for pid in pids {
        let Ok(stat) = proc_fs.read(&format!("{pid}/stat")) else {
            continue;
        };
        let Some(close) = stat.iter().rposition(|&b| b == b')') else {
            continue;
        };
        let open = stat.iter().position(|&b| b == b'(').unwrap_or(0);
        let comm = huoyan_core::text::bytes_to_string(&stat[open + 1..close]);
        let rest = String::from_utf8_lossy(&stat[close + 1..]).to_string();
        // Field 22 (starttime) is the 20th field after the closing parenthesis.
        let Some(start) = rest
            .split_whitespace()
            .nth(19)
            .and_then(|v| v.parse::<u64>().ok())
        else {
            continue;
        };
        let micros = boot * 1_000_000 + (start as i64) * 1_000_000 / ticks;
        let Some(time) = huoyan_core::time::from_unix_micros(micros) else {
            continue;
        };
        let cmdline = proc_fs
            .read(&format!("{pid}/cmdline"))
            .map(|c| huoyan_core::text::nul_args_to_string(&c))
            .unwrap_or_default();
        let shown = if cmdline.is_empty() {
            format!("[{comm}]")
        } else {
            cmdline
        };
        events.push(
            Event::new(
                time,
                "process",
                "process_start",
                "Process Start Time",
                Category::Process,
                format!("process {pid} started: {shown}"),
            )
            .pid(pid),
        );
    }
}

fn rustix_ticks() -> i64 {
    // CLK_TCK is 100 on every Linux architecture huoyan targets.
    100
}
