#!/usr/bin/env python3
"""Larkspur ledger: pulls shop orders into a small SQLite ledger and mails a daily summary."""
import argparse
import configparser
import json
import smtplib
import sqlite3
import urllib.request
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, HTTPServer

CONF = configparser.ConfigParser()
CONF.read("/opt/app/ledger.ini")
DB = CONF.get("db", "path", fallback="/opt/app/var/ledger.sqlite3")
SHOP = "https://www.larkspur-coop.example/wp-json/wc/v3/orders?status=completed&per_page=50"


def db():
    c = sqlite3.connect(DB)
    c.execute("create table if not exists orders (id integer primary key, total text, created text)")
    return c


def sync(quiet=False):
    with urllib.request.urlopen(SHOP, timeout=20) as r:
        orders = json.load(r)
    c = db()
    for o in orders:
        c.execute("insert or ignore into orders values (?, ?, ?)", (o["id"], o["total"], o["date_created"]))
    c.commit()
    if not quiet:
        print("synced", len(orders))


def report(email=False):
    c = db()
    n, total = c.execute("select count(*), coalesce(sum(total), 0) from orders where date(created) = date('now', '-1 day')").fetchone()
    text = "Orders yesterday: %d, total %.2f GBP" % (n, float(total))
    if email:
        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = "ledger@larkspur-coop.example", CONF.get("mail", "to"), "Ledger daily"
        m.set_content(text)
        with smtplib.SMTP("localhost") as s:
            s.send_message(m)
    else:
        print(text)


class Api(BaseHTTPRequestHandler):
    def do_GET(self):
        rows = db().execute("select id, total, created from orders order by id desc limit 20").fetchall()
        body = json.dumps(rows).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    a = argparse.ArgumentParser()
    a.add_argument("cmd", choices=["sync", "report", "serve"])
    a.add_argument("--quiet", action="store_true")
    a.add_argument("--email", action="store_true")
    args = a.parse_args()
    if args.cmd == "sync":
        sync(args.quiet)
    elif args.cmd == "report":
        report(args.email)
    else:
        HTTPServer(("127.0.0.1", 8087), Api).serve_forever()
