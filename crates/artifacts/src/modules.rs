//! Kernel modules: what is loaded, what the kernel's taint says, what is on disk, and what is
//! configured to load at boot.
//!
//! **Where it lives:** `/proc/modules` (live: name, size, refcount, users, state, address, taint
//! letters), `/sys/module/NAME/` (live: one directory per loaded or built-in module; loadable ones
//! have `initstate`), `/proc/sys/kernel/tainted` (live: a bit mask), `/lib/modules/RELEASE/
//! modules.dep` and `modules.builtin` (the module tree depmod knows), `/etc/modules-load.d/*.conf`,
//! `/etc/modules` and `/etc/modprobe.d/*.conf` (boot-time loading and `install` hooks).
//!
//! **Why it matters to a responder:** a kernel rootkit (Diamorphine, Reptile, Adore-ng, Suterusu)
//! is a module that removes itself from the module list: it then still shows in `/sys/module`,
//! taints the kernel (out-of-tree, unsigned) and left a `.ko` somewhere outside the tree, and is
//! made persistent through modules-load.d or a modprobe `install` command.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use serde::Serialize;

/// One line of `/proc/modules`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadedModule {
    /// Module name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Reference count.
    pub refcount: i64,
    /// Modules using this one.
    pub used_by: Vec<String>,
    /// `Live`, `Loading` or `Unloading`.
    pub state: String,
    /// Load address (`0x0000000000000000` unless privileged).
    pub address: String,
    /// Taint letters such as `(OE)` without the parentheses.
    pub taint: String,
}

/// Parses `/proc/modules`. Malformed lines are skipped.
pub fn parse_proc_modules(data: &[u8]) -> Vec<LoadedModule> {
    let text = String::from_utf8_lossy(data);
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 6 {
                return None;
            }
            Some(LoadedModule {
                name: f[0].to_string(),
                size: f[1].parse().ok()?,
                refcount: f[2].parse().unwrap_or(-1),
                used_by: f[3]
                    .split(',')
                    .filter(|s| !s.is_empty() && *s != "-")
                    .map(str::to_string)
                    .collect(),
                state: f[4].to_string(),
                address: f[5].to_string(),
                taint: f
                    .get(6)
                    .map(|t| t.trim_matches(|c| c == '(' || c == ')').to_string())
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// One set bit of the kernel taint mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TaintFlag {
    /// Bit number.
    pub bit: u32,
    /// The letter the kernel prints.
    pub letter: char,
    /// What it means.
    pub meaning: &'static str,
    /// True when a rootkit typically causes it (out-of-tree, unsigned, forced load …).
    pub rootkit_relevant: bool,
}

/// Kernel taint bits (Documentation/admin-guide/tainted-kernels.rst).
const TAINTS: &[(u32, char, &str, bool)] = &[
    (0, 'P', "proprietary module loaded", true),
    (1, 'F', "module was force-loaded", true),
    (
        2,
        'S',
        "kernel running on an out-of-specification system",
        false,
    ),
    (3, 'R', "module was force-unloaded", true),
    (
        4,
        'M',
        "processor reported a machine check exception",
        false,
    ),
    (
        5,
        'B',
        "bad page referenced or unexpected page flags",
        false,
    ),
    (6, 'U', "taint requested by userspace", false),
    (7, 'D', "kernel died recently (oops or BUG)", false),
    (8, 'A', "ACPI table overridden by user", false),
    (9, 'W', "kernel issued a warning", false),
    (10, 'C', "staging driver loaded", false),
    (
        11,
        'I',
        "workaround for platform firmware bug applied",
        false,
    ),
    (
        12,
        'O',
        "externally-built (out-of-tree) module loaded",
        true,
    ),
    (13, 'E', "unsigned module loaded", true),
    (14, 'L', "soft lockup occurred", false),
    (15, 'K', "kernel live patched", false),
    (16, 'X', "auxiliary taint (distribution-defined)", false),
    (
        17,
        'T',
        "kernel built with the struct randomization plugin",
        false,
    ),
    (18, 'N', "in-kernel test has been run", false),
    (
        19,
        'J',
        "userspace used a mutating debug operation in fwctl",
        false,
    ),
];

/// Parses `/proc/sys/kernel/tainted` (a decimal number).
pub fn parse_tainted(data: &[u8]) -> Option<u64> {
    String::from_utf8_lossy(data).trim().parse().ok()
}

/// The set flags of a taint mask, known bits only.
pub fn decode_taint(mask: u64) -> Vec<TaintFlag> {
    TAINTS
        .iter()
        .filter(|(bit, ..)| mask & (1u64 << bit) != 0)
        .map(|&(bit, letter, meaning, rootkit_relevant)| TaintFlag {
            bit,
            letter,
            meaning,
            rootkit_relevant,
        })
        .collect()
}

/// Module name as the kernel uses it, from a file name: extension(s) dropped, `-` → `_`.
pub fn module_name_from_file(file_name: &str) -> Option<String> {
    let base = file_name.rsplit('/').next()?;
    let stem = [".ko.xz", ".ko.zst", ".ko.gz", ".ko"]
        .iter()
        .find_map(|ext| base.strip_suffix(ext))?;
    if stem.is_empty() {
        return None;
    }
    Some(stem.replace('-', "_"))
}

/// True for a kernel module file name (`.ko`, `.ko.xz`, `.ko.zst`, `.ko.gz`).
pub fn is_module_file(file_name: &[u8]) -> bool {
    [&b".ko"[..], b".ko.xz", b".ko.zst", b".ko.gz"]
        .iter()
        .any(|ext| file_name.ends_with(ext))
}

/// Parses `modules.dep` (`kernel/fs/x.ko.xz: dep1 dep2`): the module paths relative to
/// `/lib/modules/RELEASE`, with their kernel names.
pub fn parse_modules_dep(data: &[u8]) -> Vec<(String, PathBuf)> {
    data.split(|&b| b == b'\n')
        .filter_map(|line| {
            let colon = memchr::memchr(b':', line)?;
            let path = &line[..colon];
            let name = module_name_from_file(std::str::from_utf8(path).ok()?)?;
            Some((name, PathBuf::from(OsStr::from_bytes(path))))
        })
        .collect()
}

/// Parses `modules.builtin` (one `kernel/…/x.ko` per line) into kernel module names.
pub fn parse_modules_builtin(data: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(data)
        .lines()
        .filter_map(module_name_from_file)
        .collect()
}

/// One directive of a modprobe.d file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModprobeDirective {
    /// 1-based line number.
    pub line: usize,
    /// `install`, `remove`, `alias`, `options`, `blacklist`, `softdep`.
    pub keyword: String,
    /// The module the directive is about.
    pub module: String,
    /// The rest of the line (for `install`/`remove`: a shell command).
    pub rest: String,
}

/// Parses a modprobe.d configuration file (comments and blank lines skipped; `\` continues).
pub fn parse_modprobe_conf(data: &[u8]) -> Vec<ModprobeDirective> {
    let text = String::from_utf8_lossy(data);
    let mut out = Vec::new();
    let mut pending = String::new();
    let mut start_line = 0;
    for (i, raw) in text.lines().enumerate() {
        if pending.is_empty() {
            start_line = i + 1;
        }
        if let Some(cont) = raw.strip_suffix('\\') {
            pending.push_str(cont);
            pending.push(' ');
            continue;
        }
        pending.push_str(raw);
        let line = std::mem::take(&mut pending);
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.splitn(3, char::is_whitespace);
        let keyword = parts.next().unwrap_or("").to_string();
        let module = parts.next().unwrap_or("").to_string();
        let rest = parts.next().unwrap_or("").trim().to_string();
        out.push(ModprobeDirective {
            line: start_line,
            keyword,
            module,
            rest,
        });
    }
    out
}

/// Parses a modules-load.d file or `/etc/modules`: module names, one per line (`#`/`;` comments).
pub fn parse_modules_load(data: &[u8]) -> Vec<(usize, String)> {
    String::from_utf8_lossy(data)
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let l = l.trim();
            if l.is_empty() || l.starts_with('#') || l.starts_with(';') {
                return None;
            }
            Some((i + 1, l.split_whitespace().next()?.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_modules_lines() {
        let data = b"diamorphine 16384 0 - Live 0x0000000000000000 (OE)\n\
nf_tables 376832 1 nft_compat, Live 0xffffffffc0a00000\n\
garbage\n";
        let m = parse_proc_modules(data);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].name, "diamorphine");
        assert_eq!(m[0].taint, "OE");
        assert_eq!(m[1].used_by, vec!["nft_compat"]);
        assert_eq!(m[1].taint, "");
    }

    #[test]
    fn decodes_taint_mask() {
        // O (4096) + E (8192)
        let flags = decode_taint(12288);
        let letters: String = flags.iter().map(|f| f.letter).collect();
        assert_eq!(letters, "OE");
        assert!(flags.iter().all(|f| f.rootkit_relevant));
        assert!(decode_taint(0).is_empty());
        assert_eq!(parse_tainted(b"12288\n"), Some(12288));
        assert_eq!(parse_tainted(b"x"), None);
    }

    #[test]
    fn module_names() {
        assert_eq!(
            module_name_from_file("kernel/net/nf-tables.ko.zst").as_deref(),
            Some("nf_tables")
        );
        assert_eq!(module_name_from_file("x.txt"), None);
        assert!(is_module_file(b"rootkit.ko"));
        let dep = parse_modules_dep(b"kernel/fs/fat/vfat.ko.xz: kernel/fs/fat/fat.ko.xz\nbad\n");
        assert_eq!(dep.len(), 1);
        assert_eq!(dep[0].0, "vfat");
    }

    #[test]
    fn modprobe_install_hooks() {
        let d = parse_modprobe_conf(
            b"# comment\ninstall usb-storage /bin/true\ninstall dummy /tmp/.x/run.sh \\\n --now\noptions snd index=1\n",
        );
        assert_eq!(d.len(), 3);
        assert_eq!(d[0].keyword, "install");
        assert_eq!(d[1].rest, "/tmp/.x/run.sh   --now");
        assert_eq!(d[1].line, 3);
        let l = parse_modules_load(b"# x\nloop\n; y\ndiamorphine\n");
        assert_eq!(l, vec![(2, "loop".into()), (4, "diamorphine".into())]);
    }

    #[test]
    fn garbage_never_panics() {
        for data in [&b""[..], b"\xff\xfe\n\\", b"a b c d e f g h i j"] {
            let _ = parse_proc_modules(data);
            let _ = parse_modules_dep(data);
            let _ = parse_modprobe_conf(data);
            let _ = parse_modules_load(data);
            let _ = parse_modules_builtin(data);
        }
    }
}
