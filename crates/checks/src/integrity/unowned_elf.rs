//! `integrity.unowned_elf` and `integrity.script_for_elf` — executables no package installed,
//! and core commands that are scripts.
//!
//! **What it looks at:** every regular file under `/bin`, `/sbin`, `/usr/bin`, `/usr/sbin`,
//! `/lib*`, `/usr/lib*`, `/usr/libexec` that no dpkg `.list` or rpm header names (only those are
//! opened, to read 4 bytes of ELF magic); and `ps`, `ls`, `netstat`, `ss`, `top`, `lsof`, `find`,
//! `login`, `su`, `sudo`, `sshd` in the command directories, which must be ELF binaries.
//!
//! **Why an attacker leaves this trace:** implants are dropped beside real commands and libraries
//! (`/usr/bin/.sshd`, `/usr/lib/x86_64-linux-gnu/libsystemd-shared.so.1`) to blend in; a wrapper
//! script in place of `ps` filters the attacker's processes from the real binary's output.
//!
//! **Example:** `/usr/sbin/kworkerd is an ELF file that no package owns` (high).
//!
//! **Calibration:** role `activity`; critical or high only for evidence that an attacker acted,
//! medium for what needs a look, low and info for context; a weakness rather than an act is
//! marked `hardening` (docs/PRECISION.md).
//!
//! **ATT&CK:** T1036.005 (Match Legitimate Name or Location), T1574.006, T1014.

use huoyan_core::{CheckInfo, Outcome};

use crate::registry::Check;
use crate::Context;

/// The further ids this check reports under.
static EMITS: &[&CheckInfo] = &[&huoyan_integrity::unowned::SCRIPT_FOR_ELF];

/// See the module documentation.
pub struct UnownedElf;

impl Check for UnownedElf {
    fn info(&self) -> &'static CheckInfo {
        &huoyan_integrity::unowned::UNOWNED_ELF
    }

    fn emits(&self) -> &'static [&'static CheckInfo] {
        EMITS
    }

    fn run(&self, ctx: &Context, out: &mut Outcome) {
        let index = huoyan_integrity::PackageIndex::shared(&ctx.root);
        huoyan_integrity::unowned::unowned_elfs(&ctx.root, &index, out);
        huoyan_integrity::unowned::scripts_where_elf_expected(&ctx.root, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use huoyan_core::{Root, Window};

    fn root_with_dpkg(dir: &std::path::Path) {
        std::fs::create_dir_all(dir.join("usr/bin")).expect("mkdir");
        std::fs::create_dir_all(dir.join("var/lib/dpkg/info")).expect("mkdir");
        std::fs::write(
            dir.join("var/lib/dpkg/status"),
            "Package: procps\nStatus: install ok installed\nArchitecture: amd64\n\n",
        )
        .expect("status");
        std::fs::write(
            dir.join("var/lib/dpkg/info/procps.list"),
            "/.\n/usr\n/usr/bin\n/usr/bin/ps\n",
        )
        .expect("list");
        let elf = std::fs::read("/proc/self/exe").expect("self");
        std::fs::write(dir.join("usr/bin/ps"), &elf).expect("ps");
    }

    #[test]
    fn flags_unowned_elf_and_script_ps() {
        let dir = tempfile::tempdir().expect("tempdir");
        root_with_dpkg(dir.path());
        let elf = std::fs::read("/proc/self/exe").expect("self");
        std::fs::write(dir.path().join("usr/bin/.kworker"), &elf).expect("implant");
        std::fs::write(
            dir.path().join("usr/bin/ps"),
            "#!/bin/sh\nps.orig \"$@\" | grep -v x\n",
        )
        .expect("script");
        let ctx = Context::new(Root::new(dir.path()).expect("root"), Window::default());
        let mut out = Outcome::default();
        UnownedElf.run(&ctx, &mut out);
        let ids: Vec<(&str, &Vec<String>)> = out
            .findings
            .iter()
            .map(|f| (f.check_id.as_str(), &f.paths))
            .collect();
        assert_eq!(out.findings.len(), 2, "{ids:?}");
        assert!(out
            .findings
            .iter()
            .any(|f| f.check_id == "integrity.unowned_elf" && f.paths == ["/usr/bin/.kworker"]));
        assert!(out
            .findings
            .iter()
            .any(|f| f.check_id == "integrity.script_for_elf" && f.paths == ["/usr/bin/ps"]));
    }

    #[test]
    fn owned_elf_is_quiet() {
        let dir = tempfile::tempdir().expect("tempdir");
        root_with_dpkg(dir.path());
        let ctx = Context::new(Root::new(dir.path()).expect("root"), Window::default());
        let mut out = Outcome::default();
        UnownedElf.run(&ctx, &mut out);
        assert!(out.findings.is_empty(), "{:?}", out.findings);
    }
}
