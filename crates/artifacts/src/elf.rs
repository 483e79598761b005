//! ELF files: is it an executable at all, which functions a shared library exports, and what a
//! kernel module says about itself.
//!
//! **Where it lives:** every binary, library and `.ko` module on the root.
//!
//! **Why it matters to a responder:** an LD_PRELOAD rootkit (Jynx, Azazel, libprocesshider,
//! bdvl) is a shared library whose *exported* dynamic symbols override libc's `readdir`,
//! `getdents`, `fopen` or `accept` so that `ps`, `ls` and `netstat` stop showing the attacker.
//! A system command replaced by a shell script, or an ELF where no package put one, is just as
//! telling. A kernel module's `.modinfo` section names it, its author and the kernel it was built
//! for. Parsing is done with the `object` crate, which bounds-checks every offset.

use object::{Object, ObjectSection, ObjectSymbol, SymbolKind};

use crate::ParseError;

/// libc functions that userland rootkits override to hide files, processes and connections,
/// or to steal credentials (the facts behind Jynx/Azazel/libprocesshider/bdvl hooks).
pub const HOOK_SYMBOLS: &[&str] = &[
    "readdir",
    "readdir64",
    "readdir_r",
    "readdir64_r",
    "getdents",
    "getdents64",
    "opendir",
    "fopen",
    "fopen64",
    "open",
    "open64",
    "openat",
    "accept",
    "accept4",
    "__xstat",
    "__xstat64",
    "__lxstat",
    "__lxstat64",
    "stat",
    "lstat",
    "pam_authenticate",
    "pam_sm_authenticate",
    "execve",
];

/// True when the bytes start with the ELF magic.
pub fn is_elf(data: &[u8]) -> bool {
    data.starts_with(b"\x7fELF")
}

/// True when the bytes start with `#!` (a script).
pub fn is_script(data: &[u8]) -> bool {
    data.starts_with(b"#!")
}

/// Names of the functions (and untyped symbols) a shared object or executable *defines* in its
/// dynamic symbol table, i.e. what it offers to the dynamic linker.
pub fn dynamic_exports(data: &[u8]) -> Result<Vec<String>, ParseError> {
    if !is_elf(data) {
        return Err(ParseError::malformed("elf", "no ELF magic"));
    }
    let file =
        object::File::parse(data).map_err(|e| ParseError::malformed("elf", e.to_string()))?;
    let mut out: Vec<String> = file
        .dynamic_symbols()
        .filter(|s| {
            !s.is_undefined()
                && (s.is_global() || s.is_weak())
                && matches!(s.kind(), SymbolKind::Text | SymbolKind::Unknown)
        })
        .filter_map(|s| s.name().ok().map(str::to_string))
        .filter(|n| !n.is_empty())
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// The exported names that override a libc function rootkits hook (sorted).
pub fn hooked_symbols(exports: &[String]) -> Vec<String> {
    exports
        .iter()
        .filter(|e| {
            let base = e.split('@').next().unwrap_or(e);
            HOOK_SYMBOLS.contains(&base)
        })
        .cloned()
        .collect()
}

/// `key=value` pairs of a kernel module's `.modinfo` section (uncompressed `.ko` only).
pub fn modinfo(data: &[u8]) -> Result<Vec<(String, String)>, ParseError> {
    if !is_elf(data) {
        return Err(ParseError::malformed("kernel module", "no ELF magic"));
    }
    let file = object::File::parse(data)
        .map_err(|e| ParseError::malformed("kernel module", e.to_string()))?;
    let Some(section) = file.section_by_name(".modinfo") else {
        return Ok(Vec::new());
    };
    let bytes = section
        .data()
        .map_err(|e| ParseError::malformed("kernel module", e.to_string()))?;
    Ok(bytes
        .split(|&b| b == 0)
        .filter_map(|kv| {
            let text = String::from_utf8_lossy(kv);
            text.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect())
}

/// Printable ASCII runs of at least `min` bytes (what `strings -a` shows), capped in number.
pub fn printable_strings(data: &[u8], min: usize, max_count: usize) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, &b) in data.iter().enumerate() {
        let printable = (0x20..0x7f).contains(&b) || b == b'\t';
        match (printable, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if i - s >= min {
                    out.push(&data[s..i]);
                    if out.len() >= max_count {
                        return out;
                    }
                }
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        if data.len() - s >= min {
            out.push(&data[s..]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own_exe() -> Vec<u8> {
        std::fs::read("/proc/self/exe").expect("read self")
    }

    #[test]
    fn magic_and_script() {
        assert!(is_elf(&own_exe()));
        assert!(!is_elf(b"#!/bin/sh\n"));
        assert!(is_script(b"#!/bin/sh\n"));
    }

    #[test]
    fn libc_exports_readdir_hooks() {
        // Debian's libc is the reference: it defines every hooked function.
        let Ok(data) = std::fs::read("/lib/x86_64-linux-gnu/libc.so.6") else {
            return;
        };
        let exports = dynamic_exports(&data).expect("parse libc");
        let hooks = hooked_symbols(&exports);
        assert!(hooks.iter().any(|h| h == "readdir"));
        assert!(hooks.iter().any(|h| h == "fopen"));
    }

    #[test]
    fn garbage_and_truncated_elf_are_errors_not_panics() {
        let exe = own_exe();
        for cut in [4, 16, 64, 200, 4096] {
            let _ = dynamic_exports(&exe[..cut.min(exe.len())]);
            let _ = modinfo(&exe[..cut.min(exe.len())]);
        }
        assert!(dynamic_exports(b"not elf").is_err());
        let mut junk = b"\x7fELF".to_vec();
        junk.extend(std::iter::repeat_n(0xffu8, 100));
        let _ = dynamic_exports(&junk);
    }

    #[test]
    fn strings_like_strings_a() {
        let s = printable_strings(b"\0\0/dev/ttyof\0ab\0xyzw", 4, 10);
        assert_eq!(s, vec![&b"/dev/ttyof"[..], b"xyzw"]);
    }
}
