//! The report's own words in English and Chinese. Finding titles and remediations come from each
//! check's `CheckInfo`, which holds both languages.

use huoyan_core::Finding;

/// Report language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

impl Lang {
    /// Parses `en` or `zh`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "en" => Some(Lang::En),
            "zh" | "zh-CN" | "cn" => Some(Lang::Zh),
            _ => None,
        }
    }

    /// Picks the text of this language.
    pub fn pick<'a>(self, en: &'a str, zh: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }

    /// A finding's title in this language.
    pub fn title(self, f: &Finding) -> &str {
        match self {
            Lang::Zh if !f.title_zh.is_empty() => &f.title_zh,
            _ => &f.title,
        }
    }

    /// A finding's remediation in this language.
    pub fn remediation(self, f: &Finding) -> &str {
        match self {
            Lang::Zh if !f.remediation_zh.is_empty() => &f.remediation_zh,
            _ => &f.remediation,
        }
    }

    /// `lang` attribute for HTML.
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }
}

/// Section headings and fixed phrases.
pub struct Words {
    /// Report title.
    pub title: &'static str,
    /// Summary heading.
    pub summary: &'static str,
    /// Cause heading.
    pub cause: &'static str,
    /// Timeline heading.
    pub timeline: &'static str,
    /// Scope heading.
    pub scope: &'static str,
    /// Findings heading.
    pub findings: &'static str,
    /// Handling heading.
    pub handling: &'static str,
    /// Prevention heading.
    pub prevention: &'static str,
    /// Not-examined heading.
    pub not_examined: &'static str,
    /// Verdict label.
    pub verdict: &'static str,
    /// Host label.
    pub host: &'static str,
    /// Generated label.
    pub generated: &'static str,
    /// Confidence label.
    pub confidence: &'static str,
    /// Entry points left open.
    pub open_entries: &'static str,
    /// Time column.
    pub time: &'static str,
    /// Tactic column.
    pub tactic: &'static str,
    /// Step column.
    pub step: &'static str,
    /// Evidence column.
    pub evidence: &'static str,
    /// Unknown time.
    pub unknown_time: &'static str,
    /// Users label.
    pub users: &'static str,
    /// Files label.
    pub files: &'static str,
    /// Processes label.
    pub processes: &'static str,
    /// Addresses label.
    pub addresses: &'static str,
    /// Remediation label.
    pub remediation: &'static str,
    /// No items.
    pub none: &'static str,
    /// Counts sentence prefix.
    pub counts: &'static str,
    /// Action column.
    pub action: &'static str,
    /// Target column.
    pub target: &'static str,
    /// Hardening heading (posture findings, which never raise the verdict).
    pub hardening: &'static str,
    /// The sentence under the hardening heading.
    pub hardening_note: &'static str,
    /// Label of the hardening count.
    pub hardening_count: &'static str,
    /// Why an inconclusive verdict was given.
    pub inconclusive_why: &'static str,
    /// Heading of the responders' own notes in the handling section.
    pub responder_notes: &'static str,
    /// Heading of huoyan's own actions in the handling section.
    pub huoyan_actions: &'static str,
    /// Heading of the findings the responder accepted (`--ignore`).
    pub suppressed: &'static str,
    /// The sentence under it.
    pub suppressed_note: &'static str,
    /// Table of contents heading.
    pub contents: &'static str,
    /// The short numbered attack story at the top.
    pub attack_flow: &'static str,
    /// What to do now (remediations of the findings).
    pub do_now: &'static str,
    /// When no evidence finding asks for action.
    pub nothing_to_do: &'static str,
    /// When no attack step was reconstructed.
    pub no_steps: &'static str,
    /// Machine id label.
    pub machine_id: &'static str,
    /// Examined root label.
    pub root: &'static str,
    /// A live host was examined.
    pub live_host: &'static str,
    /// A disk image was examined.
    pub disk_image: &'static str,
    /// Kernel label.
    pub kernel: &'static str,
    /// Finding id label.
    pub id: &'static str,
    /// A timeline row that stands for several findings of one check.
    pub same_check: &'static str,
    /// The sentence under the timeline heading.
    pub timeline_note: &'static str,
    /// Where a borrowed time came from.
    pub mtime_of: &'static str,
    /// Evidence label: a log line.
    pub log_line: &'static str,
    /// Evidence label: a command.
    pub command: &'static str,
    /// Evidence label: an excerpt.
    pub excerpt: &'static str,
    /// Evidence label: a request.
    pub request: &'static str,
    /// Evidence label: an entry.
    pub entry: &'static str,
    /// Column: area of a gap.
    pub area: &'static str,
    /// Column: path.
    pub path: &'static str,
    /// Column: reason.
    pub reason: &'static str,
    /// Shown when the host name is unknown.
    pub no_hostname: &'static str,
    /// Where a suppression came from.
    pub source: &'static str,
    /// Summary of the collapsed rest of a check's findings.
    pub more_of_check: &'static str,
}

/// The words of a language.
pub fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

static EN: Words = Words {
    title: "Incident report",
    summary: "Summary",
    cause: "Cause",
    timeline: "Attack timeline",
    scope: "Affected scope",
    findings: "Findings by check",
    handling: "Handling record",
    prevention: "Prevention",
    not_examined: "What was not examined",
    verdict: "Verdict",
    host: "Host",
    generated: "Generated",
    confidence: "confidence",
    open_entries: "Still open",
    time: "Time (UTC)",
    tactic: "Tactic",
    step: "Step",
    evidence: "Evidence",
    unknown_time: "time unknown",
    users: "Users",
    files: "Files",
    processes: "Processes",
    addresses: "Addresses",
    remediation: "Remediation",
    none: "none",
    counts: "Findings",
    action: "Action",
    target: "Target",
    hardening: "Hardening",
    hardening_note: "Weaknesses of the host's configuration. They are not evidence that an attacker was here and do not affect the verdict; fix them after the incident is handled.",
    hardening_count: "hardening",
    inconclusive_why: "No verdict of \"no evidence\": these could not be examined",
    responder_notes: "What the responders did (huoyan case note)",
    huoyan_actions: "What huoyan did (action journal)",
    suppressed: "Accepted by the responder (--ignore)",
    suppressed_note: "Findings the responders examined and accepted as known, with their reasons. They do not count towards the verdict.",
    contents: "Contents",
    attack_flow: "Attack flow",
    do_now: "What to do now",
    nothing_to_do: "Nothing to do: no finding is evidence of an attacker.",
    no_steps: "No attack step was reconstructed from the evidence.",
    machine_id: "machine id",
    root: "root",
    live_host: "live host",
    disk_image: "disk image",
    kernel: "kernel",
    id: "id",
    same_check: "more of this check",
    timeline_note: "Every critical and high finding is shown; findings of the same check and severity on the same day share one row. Times are UTC.",
    mtime_of: "mtime of",
    log_line: "line",
    command: "command",
    excerpt: "excerpt",
    request: "request",
    entry: "entry",
    area: "Area",
    path: "Path",
    reason: "Reason",
    no_hostname: "unknown host",
    source: "source",
    more_of_check: "more findings of this check",
};

static ZH: Words = Words {
    title: "安全事件报告",
    summary: "概要",
    cause: "入侵原因",
    timeline: "攻击时间线",
    scope: "影响范围",
    findings: "发现（按检查项分组）",
    handling: "处置记录",
    prevention: "防范建议",
    not_examined: "未能检查的项目",
    verdict: "结论",
    host: "主机",
    generated: "生成时间",
    confidence: "置信度",
    open_entries: "尚未关闭的入口",
    time: "时间 (UTC)",
    tactic: "战术",
    step: "步骤",
    evidence: "证据",
    unknown_time: "时间未知",
    users: "用户",
    files: "文件",
    processes: "进程",
    addresses: "地址",
    remediation: "处置建议",
    none: "无",
    counts: "发现数量",
    action: "操作",
    target: "对象",
    hardening: "安全加固",
    hardening_note:
        "主机配置上的薄弱项。它们不是攻击者到过的证据，不影响结论；事件处置完成后再逐项加固。",
    hardening_count: "加固项",
    inconclusive_why: "无法给出\u{201c}未发现入侵证据\u{201d}的结论：以下内容未能检查",
    responder_notes: "响应人员的处置操作",
    huoyan_actions: "huoyan 自身的操作（操作日志）",
    suppressed: "已确认的忽略项（--ignore）",
    suppressed_note: "响应人员核实后确认为已知、可接受的发现及其理由，不计入结论。",
    contents: "目录",
    attack_flow: "攻击过程",
    do_now: "立即处置",
    nothing_to_do: "无需处置：没有发现攻击者活动的证据。",
    no_steps: "未能根据证据重建出攻击步骤。",
    machine_id: "机器 ID",
    root: "检查路径",
    live_host: "在线主机",
    disk_image: "磁盘镜像",
    kernel: "内核",
    id: "编号",
    same_check: "个同类发现",
    timeline_note:
        "所有严重和高危发现均已列出；同一天内同一检查项、同一严重程度的发现合并为一行。时间为 UTC。",
    mtime_of: "修改时间取自",
    log_line: "日志行",
    command: "命令",
    excerpt: "摘录",
    request: "请求",
    entry: "条目",
    area: "检查项",
    path: "路径",
    reason: "原因",
    no_hostname: "未知主机",
    source: "来源",
    more_of_check: "项同类发现",
};

impl Lang {
    /// A severity's name in this language.
    pub fn severity(self, s: huoyan_core::Severity) -> &'static str {
        self.pick(s.as_str(), s.as_zh())
    }

    /// A count of findings ("1 finding", "3 findings", "3 项发现").
    pub fn findings(self, n: usize) -> String {
        match (self, n) {
            (Lang::En, 1) => "1 finding".into(),
            (Lang::En, n) => format!("{n} findings"),
            (Lang::Zh, n) => format!("{n} 项发现"),
        }
    }

    /// "… and N more" after a cut list.
    pub fn and_more(self, n: usize) -> String {
        match self {
            Lang::En => format!("… and {n} more"),
            Lang::Zh => format!("……另有 {n} 项"),
        }
    }
}
