#!/usr/bin/env python3
"""Writes a synthetic combined-format access log of at least SIZE bytes (default 1 GiB) for the
huoyan web bench: mostly ordinary browsing, a share of scanner noise, and attack requests built
from the web-payloads corpus (URL-encoded as clients send them). Output goes where you say
(e.g. /tmp/...), never into the repository."""
import os
import random
import sys
import urllib.parse

def main():
    out = sys.argv[1]
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 1 << 30
    corpus = sys.argv[3] if len(sys.argv) > 3 else None
    rnd = random.Random(42)
    payloads = []
    if corpus:
        for dirpath, _, files in os.walk(corpus):
            for f in files:
                if f.endswith(".tsv") or f == "LICENSE" or f.endswith(".md"):
                    continue
                with open(os.path.join(dirpath, f), "rb") as fh:
                    for line in fh.read().splitlines():
                        if line.strip() and not line.startswith(b"# "):
                            payloads.append(urllib.parse.quote(line, safe=""))
    pages = ["/", "/index.php", "/products.php?id=%d", "/blog/%d/hello-world/", "/static/app.%d.js",
             "/wp-content/uploads/2024/0%d/photo.jpg", "/search?q=shoes+size+%d", "/cart", "/api/v1/items?page=%d"]
    agents = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0 Safari/537.36",
              "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 Version/17.3 Mobile/15E148 Safari/604.1",
              "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
              "sqlmap/1.7.2#stable (https://sqlmap.org)", "Mozilla/5.0 (compatible; Nuclei - Open-source project)"]
    written = 0
    t = 1_700_000_000
    buf = []
    with open(out, "w") as fh:
        while written < size:
            t += rnd.randint(0, 2)
            ip = "%d.%d.%d.%d" % (rnd.randint(1, 223), rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(1, 254))
            if payloads and rnd.random() < 0.05:
                target = "/index.php?q=" + rnd.choice(payloads)
                ua = rnd.choice(agents[3:])
                status = rnd.choice([200, 403, 404, 500])
            else:
                p = rnd.choice(pages)
                target = p % rnd.randint(1, 9) if "%d" in p else p
                ua = rnd.choice(agents[:3])
                status = rnd.choice([200, 200, 200, 304, 404])
            stamp = __import__("time").strftime("%d/%b/%Y:%H:%M:%S +0000", __import__("time").gmtime(t))
            method = "POST" if rnd.random() < 0.05 else "GET"
            line = '%s - - [%s] "%s %s HTTP/1.1" %d %d "-" "%s"\n' % (ip, stamp, method, target, status, rnd.randint(100, 90000), ua)
            buf.append(line)
            written += len(line)
            if len(buf) >= 10000:
                fh.write("".join(buf))
                buf = []
        fh.write("".join(buf))

if __name__ == "__main__":
    main()
