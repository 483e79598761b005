//! The system itself: hostname, kernel release and version, boot time, uptime, load, memory and
//! loaded kernel modules.
//!
//! Sources (live): `/proc/sys/kernel/{hostname,osrelease,version,tainted}`, `/proc/sys/kernel/random/
//! boot_id`, `/proc/stat` (btime), `/proc/uptime`, `/proc/loadavg`, `/proc/meminfo`,
//! `/proc/modules`; and from the root: `/etc/machine-id`. Host identity ties every piece of
//! evidence to the machine and boot it came from; a kernel module the responder does not
//! recognise (or one marked out-of-tree/unsigned, taint `OE`) is how rootkits like Diamorphine
//! hide; load and memory tell a cryptominer at a glance.

use huoyan_core::{Gap, GapReason, ProcFs, Root, Timestamp};
use serde::Serialize;

use crate::ParseError;

/// `/proc/loadavg`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LoadAvg {
    /// 1-minute load.
    pub one: f64,
    /// 5-minute load.
    pub five: f64,
    /// 15-minute load.
    pub fifteen: f64,
    /// Runnable scheduling entities.
    pub running: u64,
    /// Total scheduling entities (threads).
    pub total: u64,
    /// Most recently assigned pid.
    pub last_pid: u64,
}

/// Memory figures from `/proc/meminfo`, in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Memory {
    /// `MemTotal`.
    pub total: u64,
    /// `MemFree`.
    pub free: u64,
    /// `MemAvailable`.
    pub available: u64,
    /// `SwapTotal`.
    pub swap_total: u64,
    /// `SwapFree`.
    pub swap_free: u64,
}

/// One loaded kernel module (`/proc/modules`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Module {
    /// Module name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Reference count (`-` when unknown).
    pub refcount: Option<u64>,
    /// Modules that use it.
    pub used_by: Vec<String>,
    /// `Live`, `Loading`, `Unloading`.
    pub state: String,
    /// Taint flags (`O` out of tree, `E` unsigned, `P` proprietary …), without parentheses.
    pub taint: Option<String>,
}

/// Everything about the system itself.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SystemInfo {
    /// Kernel hostname.
    pub hostname: Option<String>,
    /// `/etc/machine-id` of the root.
    pub machine_id: Option<String>,
    /// Random id of this boot.
    pub boot_id: Option<String>,
    /// Kernel release (`uname -r`).
    pub kernel_release: Option<String>,
    /// Kernel build version string (`uname -v`).
    pub kernel_version: Option<String>,
    /// Boot time (UTC).
    pub boot_time: Option<Timestamp>,
    /// Seconds since boot.
    pub uptime_seconds: Option<f64>,
    /// Load averages.
    pub load: Option<LoadAvg>,
    /// Memory.
    pub memory: Option<Memory>,
    /// Kernel taint bitmask (`/proc/sys/kernel/tainted`); 0 means clean.
    pub tainted: Option<u64>,
    /// Letters of the set taint bits (`O` out-of-tree module, `E` unsigned module, …).
    pub taint_flags: Vec<String>,
    /// Loaded kernel modules.
    pub modules: Vec<Module>,
}

/// Taint bits in kernel order (Documentation/admin-guide/tainted-kernels.rst): letter and meaning.
pub const TAINT_BITS: &[(char, &str)] = &[
    ('P', "proprietary module loaded"),
    ('F', "module force-loaded"),
    ('S', "kernel running on an out-of-spec system"),
    ('R', "module force-unloaded"),
    ('M', "machine check exception"),
    ('B', "bad page referenced"),
    ('U', "taint requested by user space"),
    ('D', "kernel died recently (oops or BUG)"),
    ('A', "ACPI table overridden"),
    ('W', "kernel issued a warning"),
    ('C', "staging driver loaded"),
    ('I', "firmware bug workaround"),
    ('O', "out-of-tree module loaded"),
    ('E', "unsigned module loaded"),
    ('L', "soft lockup occurred"),
    ('K', "kernel live-patched"),
    ('X', "auxiliary taint"),
    ('T', "built with struct randomization"),
    ('N', "in-kernel test taint"),
];

/// Parses `/proc/sys/kernel/tainted` (a decimal bitmask).
pub fn parse_tainted(data: &[u8]) -> Result<u64, ParseError> {
    std::str::from_utf8(data)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| ParseError::malformed("/proc/sys/kernel/tainted", "not a number"))
}

/// `letter: meaning` for each set taint bit.
pub fn taint_flags(mask: u64) -> Vec<String> {
    TAINT_BITS
        .iter()
        .enumerate()
        .filter(|(bit, _)| mask & (1u64 << bit) != 0)
        .map(|(_, (letter, meaning))| format!("{letter}: {meaning}"))
        .collect()
}

/// Parses `/proc/uptime` (seconds since boot, then idle seconds).
pub fn parse_uptime(data: &[u8]) -> Result<f64, ParseError> {
    std::str::from_utf8(data)
        .ok()
        .and_then(|s| s.split_ascii_whitespace().next())
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0)
        .ok_or_else(|| ParseError::malformed("/proc/uptime", "no number of seconds"))
}

/// Parses `/proc/loadavg` (`0.97 0.40 0.16 11/163 14441`).
pub fn parse_loadavg(data: &[u8]) -> Result<LoadAvg, ParseError> {
    let what = "/proc/loadavg";
    let text = std::str::from_utf8(data).map_err(|_| ParseError::malformed(what, "not text"))?;
    let f: Vec<&str> = text.split_ascii_whitespace().collect();
    if f.len() < 5 {
        return Err(ParseError::Truncated {
            what,
            need: 5,
            have: f.len(),
        });
    }
    let bad = |why: &str| ParseError::malformed(what, why.to_string());
    let (running, total) = f[3].split_once('/').ok_or_else(|| bad("runnable/total"))?;
    Ok(LoadAvg {
        one: f[0].parse().map_err(|_| bad("1-minute load"))?,
        five: f[1].parse().map_err(|_| bad("5-minute load"))?,
        fifteen: f[2].parse().map_err(|_| bad("15-minute load"))?,
        running: running.parse().map_err(|_| bad("runnable"))?,
        total: total.parse().map_err(|_| bad("total"))?,
        last_pid: f[4].parse().map_err(|_| bad("last pid"))?,
    })
}

/// Parses `/proc/meminfo`; `MemTotal` is required.
pub fn parse_meminfo(data: &[u8]) -> Result<Memory, ParseError> {
    let what = "/proc/meminfo";
    let text = std::str::from_utf8(data).map_err(|_| ParseError::malformed(what, "not text"))?;
    let mut m = Memory::default();
    let mut have_total = false;
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let Some(kb) = value
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse::<u64>()
            .ok()
        else {
            continue;
        };
        let bytes = kb.saturating_mul(1024);
        match key {
            "MemTotal" => {
                m.total = bytes;
                have_total = true;
            }
            "MemFree" => m.free = bytes,
            "MemAvailable" => m.available = bytes,
            "SwapTotal" => m.swap_total = bytes,
            "SwapFree" => m.swap_free = bytes,
            _ => {}
        }
    }
    if !have_total {
        return Err(ParseError::malformed(what, "no MemTotal line"));
    }
    Ok(m)
}

/// Parses `/proc/modules`.
pub fn parse_modules(data: &[u8]) -> Result<Vec<Module>, ParseError> {
    let what = "/proc/modules";
    let text = std::str::from_utf8(data).map_err(|_| ParseError::malformed(what, "not text"))?;
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_ascii_whitespace().collect();
        if f.len() < 5 {
            return Err(ParseError::Truncated {
                what,
                need: 5,
                have: f.len(),
            });
        }
        let size = f[1]
            .parse()
            .map_err(|_| ParseError::malformed(what, format!("size {:?}", f[1])))?;
        out.push(Module {
            name: f[0].to_string(),
            size,
            refcount: f[2].parse().ok(),
            used_by: f[3]
                .split(',')
                .filter(|s| !s.is_empty() && *s != "-")
                .map(String::from)
                .collect(),
            state: f[4].to_string(),
            taint: f
                .get(6)
                .map(|t| t.trim_start_matches('(').trim_end_matches(')').to_string()),
        });
    }
    Ok(out)
}

fn trimmed(data: &[u8]) -> String {
    huoyan_core::text::bytes_to_string(data).trim().to_string()
}

/// Reads what the system says about itself. `root` gives `/etc/machine-id`.
pub fn read_system(proc_fs: &ProcFs, root: &Root) -> (SystemInfo, Vec<Gap>) {
    let mut info = SystemInfo::default();
    let mut gaps = Vec::new();
    let area = "artifacts.system";
    let read = |rel: &str, gaps: &mut Vec<Gap>| match proc_fs.read_capped(rel, 1 << 20) {
        Ok(c) => Some(c.data),
        Err(e) => {
            gaps.push(Gap::from_error(area, &e));
            None
        }
    };
    fn parsed<T>(gaps: &mut Vec<Gap>, path: &str, r: Result<T, ParseError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                gaps.push(Gap {
                    area: "artifacts.system".into(),
                    path: Some(path.into()),
                    reason: GapReason::Malformed,
                    detail: e.to_string(),
                });
                None
            }
        }
    }
    info.hostname = read("sys/kernel/hostname", &mut gaps).map(|d| trimmed(&d));
    info.kernel_release = read("sys/kernel/osrelease", &mut gaps).map(|d| trimmed(&d));
    info.kernel_version = read("sys/kernel/version", &mut gaps).map(|d| trimmed(&d));
    info.boot_id = read("sys/kernel/random/boot_id", &mut gaps).map(|d| trimmed(&d));
    if let Some(d) = read("stat", &mut gaps) {
        info.boot_time = parsed(
            &mut gaps,
            "/proc/stat",
            crate::proc::kernel_stat::parse_btime(&d),
        )
        .and_then(|s| huoyan_core::time::from_unix(s, 0));
    }
    if let Some(d) = read("uptime", &mut gaps) {
        info.uptime_seconds = parsed(&mut gaps, "/proc/uptime", parse_uptime(&d));
    }
    if let Some(d) = read("loadavg", &mut gaps) {
        info.load = parsed(&mut gaps, "/proc/loadavg", parse_loadavg(&d));
    }
    if let Some(d) = read("meminfo", &mut gaps) {
        info.memory = parsed(&mut gaps, "/proc/meminfo", parse_meminfo(&d));
    }
    if let Some(d) = read("sys/kernel/tainted", &mut gaps) {
        info.tainted = parsed(&mut gaps, "/proc/sys/kernel/tainted", parse_tainted(&d));
        info.taint_flags = info.tainted.map(taint_flags).unwrap_or_default();
    }
    match proc_fs.read("modules") {
        Ok(d) => {
            info.modules = parsed(&mut gaps, "/proc/modules", parse_modules(&d)).unwrap_or_default()
        }
        Err(e) if e.is_not_found() => gaps.push(Gap {
            area: area.into(),
            path: Some("/proc/modules".into()),
            reason: GapReason::Unsupported,
            detail: "kernel built without loadable module support (no /proc/modules)".into(),
        }),
        Err(e) => gaps.push(Gap::from_error(area, &e)),
    }
    match root.read_capped("/etc/machine-id", 256) {
        Ok(c) => info.machine_id = Some(trimmed(&c.data)).filter(|s| !s.is_empty()),
        Err(e) => gaps.push(Gap::from_error(area, &e)),
    }
    (info, gaps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_uptime_and_load() {
        assert_eq!(parse_uptime(b"562.23 991.31\n"), Ok(562.23));
        assert!(parse_uptime(b"").is_err());
        assert!(parse_uptime(b"abc").is_err());
        assert!(parse_uptime(b"\xff").is_err());
        let l = parse_loadavg(b"0.97 0.40 0.16 11/163 14441\n").expect("load");
        assert_eq!(l.total, 163);
        assert_eq!(l.last_pid, 14441);
        assert!(parse_loadavg(b"0.97 0.40 0.16").is_err());
        assert!(parse_loadavg(b"0.97 0.40 0.16 11 1").is_err());
        assert!(parse_loadavg(b"\xff\xfe").is_err());
    }

    #[test]
    fn parses_meminfo() {
        let m = parse_meminfo(b"MemTotal:        2030000 kB\nMemFree:  100 kB\nMemAvailable: 1000 kB\nSwapTotal: 0 kB\n")
            .expect("meminfo");
        assert_eq!(m.total, 2_030_000 * 1024);
        assert_eq!(m.available, 1000 * 1024);
        assert!(parse_meminfo(b"MemFree: 1 kB\n").is_err());
        assert!(parse_meminfo(b"MemTot").is_err());
        assert!(parse_meminfo(b"\xff").is_err());
    }

    #[test]
    fn parses_taint() {
        assert_eq!(parse_tainted(b"0\n"), Ok(0));
        let mask = parse_tainted(b"12288\n").expect("taint");
        assert_eq!(
            taint_flags(mask),
            vec!["O: out-of-tree module loaded", "E: unsigned module loaded"]
        );
        assert!(parse_tainted(b"").is_err());
        assert!(parse_tainted(b"x1").is_err());
    }

    #[test]
    fn parses_modules() {
        let data = b"diamorphine 16384 0 - Live 0xffffffffc0a00000 (OE)\n\
nf_tables 319488 3 nft_chain_nat,nft_compat, Live 0xffffffffc0b00000\n";
        let v = parse_modules(data).expect("modules");
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].taint.as_deref(), Some("OE"));
        assert_eq!(v[1].used_by, vec!["nft_chain_nat", "nft_compat"]);
        assert_eq!(v[1].refcount, Some(3));
        assert!(parse_modules(&data[..20]).is_err());
        assert!(parse_modules(b"x notanumber 0 - Live 0x0\n").is_err());
        assert!(parse_modules(b"\xff").is_err());
    }
}
