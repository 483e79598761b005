//! Findings and gaps: what huoyan tells the responder.
//!
//! A [`Finding`] is one actionable observation: which check saw it, how bad it is, what and where
//! (paths, pids, users, IPs, time), the structured evidence, the MITRE ATT&CK technique, and what
//! to do about it in English and Chinese. A [`Gap`] is the honest other half: something that could
//! not be examined, and why (absent, no permission, live-only on an image …).
//!
//! Static facts about a check (its titles, techniques and remediation) live in a [`CheckInfo`]
//! next to the check; a finding is built from it so every finding carries both languages.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::time::Timestamp;
use crate::RootError;

/// How bad a finding is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Context, inventory; not a problem by itself.
    #[default]
    Info,
    /// Worth knowing, weak signal.
    Low,
    /// Suspicious; needs a look.
    Medium,
    /// Very likely malicious or dangerous.
    High,
    /// Compromise evidence; act now.
    Critical,
}

impl Severity {
    /// Lower-case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Chinese name, for the zh report.
    pub fn as_zh(self) -> &'static str {
        match self {
            Severity::Info => "信息",
            Severity::Low => "低",
            Severity::Medium => "中",
            Severity::High => "高",
            Severity::Critical => "严重",
        }
    }

    /// Parses a lower-case name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "info" => Severity::Info,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a finding is evidence of: an attacker's action, or a weakness of the host.
///
/// The calibration rule (README, docs/PRECISION.md): critical and high mean evidence that an
/// attacker acted; medium needs a human look; low and info are context. Posture and hardening
/// (sudo rules, sshd settings, logs never written, monitoring absent) are [`Kind::Hardening`]
/// whatever their severity: they are reported in their own section and never raise the verdict.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Something happened on this host that may be the attacker's doing.
    #[default]
    Evidence,
    /// A weakness that lets an attacker in or hides them; not a sign that one was here.
    Hardening,
}

impl Kind {
    /// Lower-case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Evidence => "evidence",
            Kind::Hardening => "hardening",
        }
    }
}

/// What part a finding plays in the attack story. The registry gives each check its role
/// (`huoyan_checks::role_of`), the report reads it instead of matching check ids.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// How an attacker may have come in: a brute force that succeeded, an exploit request, a
    /// webshell used from an address. Candidates for the story's root cause.
    EntryPoint,
    /// A way back in that stays after the attacker leaves: backdoor accounts, keys, cron jobs,
    /// services, webshell files, preload hooks, rootkits.
    Foothold,
    /// Anything else an attacker does on the host: commands, processes, connections, tampering.
    #[default]
    Activity,
    /// Internet background noise: guessing and scanning that did not succeed.
    Background,
    /// A weakness of the host, not a sign of an attacker (always [`Kind::Hardening`]).
    Hardening,
}

impl Role {
    /// Lower-case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::EntryPoint => "entry_point",
            Role::Foothold => "foothold",
            Role::Activity => "activity",
            Role::Background => "background",
            Role::Hardening => "hardening",
        }
    }
}

/// The fixed facts of one check: identity, titles and remediation in both languages, ATT&CK.
#[derive(Debug, Clone, Copy)]
pub struct CheckInfo {
    /// Stable id, `area.name` (e.g. `accounts.uid0`).
    pub id: &'static str,
    /// Short English title.
    pub title: &'static str,
    /// Short Chinese title.
    pub title_zh: &'static str,
    /// MITRE ATT&CK technique ids (e.g. `T1136.001`).
    pub mitre: &'static [&'static str],
    /// What to do, in English.
    pub remediation: &'static str,
    /// What to do, in Chinese.
    pub remediation_zh: &'static str,
}

impl CheckInfo {
    /// Starts a finding of this check.
    pub fn finding(&self, severity: Severity, summary: impl Into<String>) -> Finding {
        Finding {
            id: String::new(),
            check_id: self.id.to_string(),
            severity,
            kind: Kind::Evidence,
            role: Role::Activity,
            title: self.title.to_string(),
            title_zh: self.title_zh.to_string(),
            summary: summary.into(),
            paths: Vec::new(),
            pids: Vec::new(),
            users: Vec::new(),
            ips: Vec::new(),
            hosts: Vec::new(),
            time: None,
            evidence: serde_json::Value::Null,
            mitre: self.mitre.iter().map(|s| s.to_string()).collect(),
            remediation: self.remediation.to_string(),
            remediation_zh: self.remediation_zh.to_string(),
        }
    }

    /// A gap recorded by this check.
    pub fn gap(&self, path: Option<String>, reason: GapReason, detail: impl Into<String>) -> Gap {
        Gap {
            area: self.id.to_string(),
            path,
            reason,
            detail: detail.into(),
        }
    }
}

/// One actionable observation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable id of this finding (`check_id#hash`), for citing it in timelines and reports.
    pub id: String,
    /// Which check produced it.
    pub check_id: String,
    /// How bad it is.
    pub severity: Severity,
    /// Evidence of an attacker's action, or a hardening weakness (never raises the verdict).
    #[serde(default)]
    pub kind: Kind,
    /// Its part in the attack story (from the registry).
    #[serde(default)]
    pub role: Role,
    /// Short English title (from the check).
    pub title: String,
    /// Short Chinese title (from the check).
    pub title_zh: String,
    /// One-line description with the specifics (already includes the host's text verbatim;
    /// sanitise before printing to a terminal).
    pub summary: String,
    /// Files involved (logical paths inside the root).
    pub paths: Vec<String>,
    /// Processes involved.
    pub pids: Vec<u32>,
    /// Users involved.
    pub users: Vec<String>,
    /// IP addresses (or networks such as `203.0.113.0/24`) involved.
    pub ips: Vec<String>,
    /// Remote hosts named only by a host name (old sshd and PAM log `rhost=host.example.org`
    /// when `UseDNS` resolved the peer): kept as logged, never guessed into an address.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// When it happened, if known (UTC).
    pub time: Option<Timestamp>,
    /// Structured evidence (the line, the record, the hashes …).
    pub evidence: serde_json::Value,
    /// MITRE ATT&CK technique ids.
    pub mitre: Vec<String>,
    /// What to do, in English.
    pub remediation: String,
    /// What to do, in Chinese.
    pub remediation_zh: String,
}

impl Finding {
    /// Adds a path.
    pub fn path(mut self, p: impl Into<String>) -> Self {
        push_unique(&mut self.paths, p.into());
        self
    }

    /// Adds a pid.
    pub fn pid(mut self, pid: u32) -> Self {
        if !self.pids.contains(&pid) {
            self.pids.push(pid);
        }
        self
    }

    /// Adds a user.
    pub fn user(mut self, u: impl Into<String>) -> Self {
        push_unique(&mut self.users, u.into());
        self
    }

    /// Adds an IP address.
    pub fn ip(mut self, ip: impl Into<String>) -> Self {
        push_unique(&mut self.ips, ip.into());
        self
    }

    /// Adds a remote source as logged: to [`Finding::ips`] when it parses as an address or a
    /// network (`203.0.113.0/24`), otherwise to [`Finding::hosts`] (a host name); an empty
    /// source is no entity.
    pub fn source(mut self, source: impl Into<String>) -> Self {
        let s = source.into();
        if s.is_empty() {
            return self;
        }
        let addr = s.split_once('/').map_or(s.as_str(), |(a, _)| a);
        if addr.parse::<std::net::IpAddr>().is_ok() {
            push_unique(&mut self.ips, s);
        } else {
            push_unique(&mut self.hosts, s);
        }
        self
    }

    /// Marks this finding as a hardening weakness rather than evidence of an attack.
    pub fn hardening(mut self) -> Self {
        self.kind = Kind::Hardening;
        self.role = Role::Hardening;
        self
    }

    /// Sets its part in the attack story; [`Role::Hardening`] also makes it hardening, and a
    /// finding its check marked as hardening stays hardening.
    pub fn with_role(mut self, role: Role) -> Self {
        self.set_role(role);
        self
    }

    /// In-place form of [`Finding::with_role`].
    pub fn set_role(&mut self, role: Role) {
        if self.kind == Kind::Hardening || role == Role::Hardening {
            self.kind = Kind::Hardening;
            self.role = Role::Hardening;
        } else {
            self.role = role;
        }
    }

    /// True when it is evidence of an attacker's action (not hardening).
    pub fn is_evidence(&self) -> bool {
        self.kind == Kind::Evidence
    }

    /// Sets the event time.
    pub fn at(mut self, time: Option<Timestamp>) -> Self {
        self.time = time;
        self
    }

    /// Sets the structured evidence.
    pub fn evidence(mut self, evidence: serde_json::Value) -> Self {
        self.evidence = evidence;
        self
    }

    /// Replaces the remediation with a more specific one (both languages).
    pub fn remediation(mut self, en: impl Into<String>, zh: impl Into<String>) -> Self {
        self.remediation = en.into();
        self.remediation_zh = zh.into();
        self
    }

    /// Computes the stable id from the check id and the specifics. Called by [`Outcome::add`].
    pub fn with_id(mut self) -> Self {
        if self.id.is_empty() {
            let mut h = Sha256::new();
            h.update(self.check_id.as_bytes());
            h.update(self.summary.as_bytes());
            for p in &self.paths {
                h.update(p.as_bytes());
            }
            for pid in &self.pids {
                h.update(pid.to_le_bytes());
            }
            for u in self
                .users
                .iter()
                .chain(self.ips.iter())
                .chain(self.hosts.iter())
            {
                h.update(u.as_bytes());
            }
            let digest = h.finalize();
            self.id = format!("{}#{}", self.check_id, hex::encode(&digest[..5]));
        }
        self
    }
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// Why something could not be examined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapReason {
    /// The file or directory is not there.
    Absent,
    /// The kernel refused access (run as root).
    PermissionDenied,
    /// Only possible on a live host (e.g. /proc), and the root is an image.
    LiveOnly,
    /// Not supported on this system (kernel feature, format version).
    Unsupported,
    /// Read was cut at a size or count cap.
    Truncated,
    /// A special file (FIFO, device, socket) that is never opened.
    SpecialFile,
    /// The data was malformed.
    Malformed,
    /// Any other error.
    Error,
}

impl GapReason {
    /// Classifies a file-access error.
    pub fn of(err: &RootError) -> Self {
        match err {
            RootError::NotFound { .. } => GapReason::Absent,
            RootError::PermissionDenied { .. } => GapReason::PermissionDenied,
            RootError::WrongKind { kind, .. } if kind.is_special() => GapReason::SpecialFile,
            RootError::Limit { .. } => GapReason::Truncated,
            _ => GapReason::Error,
        }
    }
}

/// Something that could not be examined, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    /// Which check or artifact reader it concerns.
    pub area: String,
    /// The path, where one applies.
    pub path: Option<String>,
    /// Why.
    pub reason: GapReason,
    /// Human-readable detail (the error text).
    pub detail: String,
}

impl Gap {
    /// A gap from a file-access error.
    pub fn from_error(area: impl Into<String>, err: &RootError) -> Self {
        Gap {
            area: area.into(),
            path: Some(err.path().to_string()),
            reason: GapReason::of(err),
            detail: err.to_string(),
        }
    }

    /// A gap with an explicit reason.
    pub fn new(area: impl Into<String>, reason: GapReason, detail: impl Into<String>) -> Self {
        Gap {
            area: area.into(),
            path: None,
            reason,
            detail: detail.into(),
        }
    }
}

/// What a check (or a whole run) produced.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Outcome {
    /// The findings, in the order found.
    pub findings: Vec<Finding>,
    /// What could not be examined.
    pub gaps: Vec<Gap>,
}

impl Outcome {
    /// Adds a finding (assigning its id).
    pub fn add(&mut self, finding: Finding) {
        self.findings.push(finding.with_id());
    }

    /// Adds a gap.
    pub fn gap(&mut self, gap: Gap) {
        self.gaps.push(gap);
    }

    /// Records a file-access error as a gap unless the file is simply absent and `absent_ok`.
    pub fn gap_from(&mut self, area: &str, err: &RootError, absent_ok: bool) {
        if absent_ok && err.is_not_found() {
            return;
        }
        self.gaps.push(Gap::from_error(area, err));
    }

    /// Appends another outcome.
    pub fn merge(&mut self, other: Outcome) {
        self.findings.extend(other.findings);
        self.gaps.extend(other.gaps);
    }

    /// Sorts findings by severity (worst first), then check id, then time; removes duplicates.
    pub fn sort(&mut self) {
        self.findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.check_id.cmp(&b.check_id))
                .then_with(|| a.time.cmp(&b.time))
                .then_with(|| a.id.cmp(&b.id))
        });
        self.findings.dedup_by(|a, b| a.id == b.id);
        self.gaps
            .sort_by(|a, b| a.area.cmp(&b.area).then(a.path.cmp(&b.path)));
        self.gaps.dedup();
    }

    /// The worst severity among the evidence findings (hardening never raises the verdict).
    pub fn worst(&self) -> Option<Severity> {
        self.findings
            .iter()
            .filter(|f| f.is_evidence())
            .map(|f| f.severity)
            .max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INFO: CheckInfo = CheckInfo {
        id: "test.example",
        title: "Example",
        title_zh: "示例",
        mitre: &["T1059"],
        remediation: "Fix it.",
        remediation_zh: "修复。",
    };

    /// A source goes to `ips` only when it is an address or a network; a host name is kept as
    /// logged in `hosts`, and hosts appear in the JSON only when there are some.
    #[test]
    fn sources_are_addresses_or_host_names() {
        let f = INFO
            .finding(Severity::High, "x")
            .source("203.0.113.7")
            .source("2001:db8::1")
            .source("203.0.113.0/24")
            .source("host.example.org")
            .source("bad;name");
        assert_eq!(f.ips, ["203.0.113.7", "2001:db8::1", "203.0.113.0/24"]);
        assert_eq!(f.hosts, ["host.example.org", "bad;name"]);
        let v = serde_json::to_value(INFO.finding(Severity::Low, "y")).expect("json");
        assert!(v.get("hosts").is_none());
    }

    #[test]
    fn finding_serialises_with_documented_fields() {
        let mut out = Outcome::default();
        out.add(
            INFO.finding(Severity::High, "x")
                .path("/tmp/x")
                .pid(7)
                .user("root")
                .ip("203.0.113.7"),
        );
        let v = serde_json::to_value(&out.findings[0]).expect("json");
        for key in [
            "id",
            "check_id",
            "severity",
            "kind",
            "role",
            "title",
            "title_zh",
            "summary",
            "paths",
            "pids",
            "users",
            "ips",
            "time",
            "evidence",
            "mitre",
            "remediation",
            "remediation_zh",
        ] {
            assert!(v.get(key).is_some(), "missing {key}");
        }
        assert_eq!(v["severity"], "high");
        assert!(out.findings[0].id.starts_with("test.example#"));
    }

    #[test]
    fn severity_orders() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Info < Severity::Low);
    }
}
