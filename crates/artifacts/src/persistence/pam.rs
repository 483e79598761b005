//! PAM stacks: `/etc/pam.d/*` (one file per service) and the older single `/etc/pam.conf`.
//!
//! Each rule is `type control module-path [arguments]` (pam.conf puts the service name first);
//! `type` may be prefixed with `-` (ignore a missing module), `control` may be a bracketed
//! `[value=action …]` list, and `@include file` pulls in another stack. Rules decide who may log
//! in and what runs at login, so a backdoor module (`pam_backdoor.so`), a `sufficient
//! pam_permit.so` in an auth stack, or `pam_exec.so expose_authtok /tmp/.log` that receives every
//! typed password sits here.

use serde::Serialize;

use super::script::logical_lines;

/// One PAM rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PamRule {
    /// 1-based line number.
    pub line: usize,
    /// Service name (pam.conf only).
    pub service: Option<String>,
    /// `auth`, `account`, `password`, `session` (without a leading `-`).
    pub kind: String,
    /// `required`, `requisite`, `sufficient`, `optional`, `include`, `substack` or `[…]`.
    pub control: String,
    /// Module name or path as written.
    pub module: String,
    /// Arguments.
    pub args: Vec<String>,
}

/// An `@include` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PamInclude {
    /// 1-based line number.
    pub line: usize,
    /// The included file name.
    pub file: String,
}

/// Parses a PAM file; `with_service` for pam.conf.
pub fn parse_pam(data: &[u8], with_service: bool) -> (Vec<PamRule>, Vec<PamInclude>) {
    let mut rules = Vec::new();
    let mut includes = Vec::new();
    for l in logical_lines(data) {
        let text = l.command.trim();
        if let Some(file) = text.strip_prefix("@include") {
            includes.push(PamInclude {
                line: l.line,
                file: file.trim().to_string(),
            });
            continue;
        }
        let mut rest = text;
        let next = |rest: &mut &str| -> Option<String> {
            let s = rest.trim_start();
            if s.is_empty() {
                return None;
            }
            let end = if s.starts_with('[') {
                s.find(']').map(|e| e + 1).unwrap_or(s.len())
            } else {
                s.find(char::is_whitespace).unwrap_or(s.len())
            };
            *rest = &s[end..];
            Some(s[..end].to_string())
        };
        let service = if with_service { next(&mut rest) } else { None };
        let (Some(kind), Some(control), Some(module)) =
            (next(&mut rest), next(&mut rest), next(&mut rest))
        else {
            continue;
        };
        let args = rest.split_whitespace().map(str::to_string).collect();
        rules.push(PamRule {
            line: l.line,
            service,
            kind: kind.trim_start_matches('-').to_string(),
            control,
            module,
            args,
        });
    }
    (rules, includes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_common_auth() {
        let (rules, includes) = parse_pam(b"# here are the per-package modules (the \"Primary\" block)\nauth\t[success=1 default=ignore]\tpam_unix.so nullok\nauth\trequisite\t\t\tpam_deny.so\nauth\trequired\t\t\tpam_permit.so\n-auth optional pam_systemd_home.so\n@include common-account\n", false);
        assert_eq!(rules.len(), 4);
        assert_eq!(rules[0].control, "[success=1 default=ignore]");
        assert_eq!(rules[0].module, "pam_unix.so");
        assert_eq!(rules[0].args, ["nullok"]);
        assert_eq!(rules[0].line, 2);
        assert_eq!(rules[3].kind, "auth");
        assert_eq!(includes[0].file, "common-account");
    }

    #[test]
    fn pam_conf_and_garbage() {
        let (rules, _) = parse_pam(
            b"sshd auth sufficient pam_permit.so\nlogin\n[unterminated\n\xff\xfe\n",
            true,
        );
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].service.as_deref(), Some("sshd"));
        let _ = parse_pam(b"auth [", false);
    }
}
