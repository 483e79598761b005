//! One timeline event: a time, where it came from, what happened, and the entities involved.

use huoyan_core::{Finding, Severity, Timestamp};
use serde::{Deserialize, Serialize};

/// ECS `event.category` families used by huoyan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Logins, failed logins, su/sudo.
    Authentication,
    /// File creation, modification, change.
    File,
    /// Process start, commands run.
    Process,
    /// Connections.
    Network,
    /// Package installs and removals.
    Package,
    /// Accounts and groups.
    Iam,
    /// Web requests.
    Web,
    /// Boots, shutdowns, service changes.
    Host,
    /// A huoyan finding.
    IntrusionDetection,
}

impl Category {
    /// The ECS category name.
    pub fn ecs(self) -> &'static str {
        match self {
            Category::Authentication => "authentication",
            Category::File => "file",
            Category::Process => "process",
            Category::Network => "network",
            Category::Package => "package",
            Category::Iam => "iam",
            Category::Web => "web",
            Category::Host => "host",
            Category::IntrusionDetection => "intrusion_detection",
        }
    }
}

/// One event on the super timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// When (UTC, microsecond precision when the source has it).
    pub time: Timestamp,
    /// Which artifact it came from (`wtmp`, `btmp`, `auth.log`, `file`, `dpkg`, `finding` …).
    pub source: String,
    /// What kind of event (`login`, `failed_login`, `file_modified`, `package_install` …).
    pub kind: String,
    /// What the time means (Timesketch `timestamp_desc`).
    pub timestamp_desc: String,
    /// One line for people.
    pub message: String,
    /// ECS category.
    pub category: Category,
    /// Files involved.
    pub paths: Vec<String>,
    /// Users involved.
    pub users: Vec<String>,
    /// IP addresses involved.
    pub ips: Vec<String>,
    /// Processes involved.
    pub pids: Vec<u32>,
    /// The finding this event is, if it is one.
    pub finding_id: Option<String>,
    /// Check id of that finding.
    pub check_id: Option<String>,
    /// Severity of that finding.
    pub severity: Option<Severity>,
    /// ATT&CK techniques of that finding.
    pub mitre: Vec<String>,
}

impl Event {
    /// A new event with no entities.
    pub fn new(
        time: Timestamp,
        source: impl Into<String>,
        kind: impl Into<String>,
        timestamp_desc: impl Into<String>,
        category: Category,
        message: impl Into<String>,
    ) -> Self {
        Event {
            time,
            source: source.into(),
            kind: kind.into(),
            timestamp_desc: timestamp_desc.into(),
            message: message.into(),
            category,
            paths: Vec::new(),
            users: Vec::new(),
            ips: Vec::new(),
            pids: Vec::new(),
            finding_id: None,
            check_id: None,
            severity: None,
            mitre: Vec::new(),
        }
    }

    /// Adds a path.
    pub fn path(mut self, p: impl Into<String>) -> Self {
        self.paths.push(p.into());
        self
    }

    /// Adds a user (empty names are ignored).
    pub fn user(mut self, u: impl Into<String>) -> Self {
        let u = u.into();
        if !u.is_empty() {
            self.users.push(u);
        }
        self
    }

    /// Adds an IP address (empty ones are ignored).
    pub fn ip(mut self, ip: impl Into<String>) -> Self {
        let ip = ip.into();
        if !ip.is_empty() {
            self.ips.push(ip);
        }
        self
    }

    /// Adds a pid.
    pub fn pid(mut self, pid: u32) -> Self {
        self.pids.push(pid);
        self
    }

    /// The event of a finding that has a time.
    pub fn from_finding(f: &Finding) -> Option<Self> {
        let time = f.time?;
        Some(Event {
            time,
            source: "finding".into(),
            kind: "finding".into(),
            timestamp_desc: "Event Time".into(),
            message: format!("[{}] {}: {}", f.severity, f.title, f.summary),
            category: Category::IntrusionDetection,
            paths: f.paths.clone(),
            users: f.users.clone(),
            ips: f.ips.clone(),
            pids: f.pids.clone(),
            finding_id: Some(f.id.clone()),
            check_id: Some(f.check_id.clone()),
            severity: Some(f.severity),
            mitre: f.mitre.clone(),
        })
    }
}
