#!/usr/bin/env python3
"""Generate the bundled example access logs that `surplus capacity measure` reads.

Writes one week (Mon 2026-11-16 00:00Z to Mon 2026-11-23 00:00Z, exclusive) of
synthetic traffic for three proxies into examples/logs/ next to this script:

  edge-1/  vhost_combined  host:port client - - [time] "req" status bytes "ref" "agent"
  edge-2/  nginx combined  client - - [time] "req" status bytes "ref" "agent"
  edge-3/  JSON lines      nginx log_format escape=json

Each directory is rotated logrotate-style, one UTC day per file: access.log is
2026-11-22, access.log.1 is 2026-11-21, access.log.2.gz .. access.log.6.gz are
older days (gzip, mtime 0).  Load is diurnal (trough ~04:00, peak ~19:00 UTC),
weekends run at ~60%, and requests arrive in page-view bursts.  A few deliberate
oddities are mixed in: lines logged out of order, "-" byte counts, \\x22-escaped
quotes, TLS handshakes sent to the plain-HTTP port, and exactly three malformed
lines in edge-2/access.log.1.

Fully deterministic (fixed seeds, no clock or environment): re-running it gives
byte-identical files.  Usage: python3 examples/genlogs.py
"""
import gzip
import json
import math
import os
import random
import time

START = 1794787200  # 2026-11-16T00:00:00Z, a Monday
DAYS = 7
DAY = 86400
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "logs")
MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

# Page views per second for edge-1 at the weekday 19:00 peak; other proxies scale down.
PV_PEAK = 0.036
WEEKEND = 0.6
NIGHT_FLOOR = 0.03  # trough (~04:00) as a fraction of the peak
DAYTIME = 0.22  # daytime plateau on top of the floor; the rest is the evening peak

# name, format, load scale, seed, site weights (shop, news, api, other)
PROXIES = [
    ("edge-1", "vhost", 1.0, 101, (70, 14, 14, 2)),
    ("edge-2", "combined", 0.7, 202, (25, 55, 18, 2)),
    ("edge-3", "json", 0.4, 303, (18, 20, 60, 2)),
]

AGENTS = [  # clients stick to one; the last is the mobile app that calls the API
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "ShopApp/4.2.1 (Android 14) okhttp/4.12.0",
]
CURL = "curl/8.5.0"

# Sites: (page host, asset host, pages [(path, sizes)], assets [(path, size)])
SITES = {
    "shop": ("www.shop.example", "shop.cdn.example.net",
             [("/", (18734, 18790)), ("/category/shoes", (24102, 24466)), ("/category/bags", (22950,)),
              ("/product/1042", (15388,)), ("/product/2210", (16021,)), ("/product/3187", (14877,)),
              ("/cart", (9120, 9344)), ("/search?q=boots", (20510, 21037))],
             [("/static/css/main.css", 48211), ("/static/js/app.js", 131072), ("/static/js/vendor.js", 286420),
              ("/img/logo.svg", 3907), ("/img/p/1042.jpg", 61244), ("/img/p/2210.jpg", 58310),
              ("/img/p/3187.jpg", 70115), ("/fonts/inter.woff2", 48256), ("/img/banner.webp", 92630)]),
    "news": ("news.example.org", "news.example.org",
             [("/", (41220, 41388)), ("/world/", (33051,)), ("/tech/", (30990, 31102)),
              ("/2026/11/storm-warning.html", (27410,)), ("/2026/11/election-recap.html", (29874,)),
              ("/2026/11/chip-shortage.html", (25533,))],
             [("/assets/site.css", 35120), ("/assets/site.js", 88431), ("/assets/img/hero.webp", 120394),
              ("/assets/img/thumb-1.webp", 14220), ("/assets/img/thumb-2.webp", 13877),
              ("/favicon.ico", 4286)]),
    "api": ("api.example.net", "api.example.net",
            [("/v1/session", (512,)), ("/v1/feed", (8832, 9015))],
            [("/v1/items?page=1", 6144), ("/v1/items?page=2", 6010), ("/v1/items/1042", 1733),
             ("/v1/items/2210", 1690), ("/v1/cart", 402), ("/v1/recommendations", 3311),
             ("/v1/events", 2)]),
    "other": ("other.example.com", "other.example.com",
              [("/", (612,)), ("/robots.txt", (68,))],
              [("/favicon.ico", 1150), ("/index.html", 612)]),
}
SITE_NAMES = ["shop", "news", "api", "other"]

# Deliberate oddities: kind -> [(proxy, day index)], day 6 = access.log, 5 = access.log.1.
SPECIALS = {
    "late": [("edge-1", 0), ("edge-1", 3), ("edge-1", 6), ("edge-2", 1), ("edge-2", 5),
             ("edge-3", 2), ("edge-3", 6)],
    "dashbytes": [("edge-1", 1), ("edge-1", 5), ("edge-1", 6), ("edge-2", 0), ("edge-2", 5), ("edge-2", 6)],
    "quote": [("edge-1", 2), ("edge-1", 6), ("edge-2", 4), ("edge-2", 5), ("edge-3", 3), ("edge-3", 5)],
    "tls": [("edge-1", 4), ("edge-1", 5), ("edge-2", 2), ("edge-2", 6), ("edge-3", 6)],
}
TLS_TEXT = r"\x16\x03\x01\x02\x00\x01\x00\x01\xFC\x03\x03"
# A shorter ClientHello whose bytes are all < 0x20, so escape=json output stays valid UTF-8.
TLS_JSON = "\x16\x03\x01\x00\x1f\x01\x00\x00\x1b\x03\x03"


def make_clients():
    rnd = random.Random(7)
    seen, clients = set(), []
    while len(clients) < 300:
        ip = "%s.%d" % (rnd.choice(["192.0.2", "198.51.100", "203.0.113"]), rnd.randint(1, 254))
        if ip not in seen:
            seen.add(ip)
            clients.append(ip)
    while len(clients) < 360:
        ip = "2001:db8::%x" % (0x1f if len(clients) == 300 else rnd.randint(1, 0xfff))
        if ip not in seen:
            seen.add(ip)
            clients.append(ip)
    agents = [rnd.choices(range(len(AGENTS) - 1), (30, 25, 25, 20))[0] for _ in clients]
    weights = [1.0 / (i + 10) for i in range(len(clients))]  # a few heavy hitters
    return clients, agents, weights


CLIENTS, CLIENT_AGENT, CLIENT_W = make_clients()


def _ramp(x):
    x = min(1.0, max(0.0, x))
    return (1 - math.cos(math.pi * x)) / 2


def shape(t):
    """Relative load at unix time t: a daytime plateau plus an evening peak.

    ~1.0 at 18:00-20:00 UTC on weekdays, lowest (~0.03) around 03:00-04:00,
    and weekends scaled by WEEKEND.
    """
    h = (t % DAY) / 3600.0
    if h < 4.0:
        day = 1 - _ramp((h + 4.0) / 7.0)  # evening ramp-down continues past midnight
    elif h < 11.0:
        day = _ramp((h - 4.0) / 7.0)
    elif h < 20.0:
        day = 1.0
    else:
        day = 1 - _ramp((h - 20.0) / 7.0)
    d = (h - 19.0 + 12.0) % 24.0 - 12.0
    f = NIGHT_FLOOR + DAYTIME * day + (1 - NIGHT_FLOOR - DAYTIME) * math.exp(-d * d / (2 * 1.7 ** 2))
    if ((t - START) // DAY) % 7 >= 5:
        f *= WEEKEND
    return f


def page_view(rnd, t0, site_w):
    """One client's burst: 4-20 requests within 0-2 s. Returns request dicts."""
    site = rnd.choices(SITE_NAMES, site_w)[0]
    phost, ahost, pages, assets = SITES[site]
    c = rnd.choices(range(len(CLIENTS)), CLIENT_W)[0]
    ip, agent = CLIENTS[c], AGENTS[CLIENT_AGENT[c]]
    if site == "api":
        agent = AGENTS[-1]
    n = 4 + int(17 * rnd.random() ** 2)  # 4..20, mostly small
    if rnd.random() < 0.8:  # bigger pages take longer to load
        span = min(2.0, n * rnd.uniform(0.08, 0.16))
    else:
        span = rnd.random() * 2.0
    page, sizes = rnd.choice(pages)
    base_ref = rnd.choices(["-", "https://www.google.com/", "https://news.example.org/"], (80, 17, 3))[0]
    if site == "api":
        base_ref = "-"
    # assets: same-origin gets the full page URL, cross-origin (the CDN) only the origin
    page_url = "https://%s%s" % (phost, page if ahost == phost else "/")
    reqs = []
    offs = sorted(rnd.random() * span for _ in range(n - 1))
    if rnd.random() < 0.02:  # plain-HTTP hit first, redirected
        reqs.append(dict(t=t0, host=phost, port=80, ip=ip, method="GET", path=page, status=301,
                         size=162, ref=base_ref, agent=agent, rt="0.000"))
    reqs.append(dict(t=t0 + 0.001, host=phost, port=443, ip=ip, method="GET", path=page,
                     status=rnd.choices([200, 404, 500], (97, 2.5, 0.5))[0], size=rnd.choice(sizes),
                     ref=base_ref, agent=agent, rt=rnd.choice(["0.012", "0.018", "0.027", "0.041", "0.066", "0.130"])))
    if reqs[-1]["status"] != 200:
        reqs[-1]["size"] = {404: 153, 500: 177}[reqs[-1]["status"]]
    for off in offs:
        path, size = rnd.choice(assets)
        status = rnd.choices([200, 304, 404, 206, 499], (84, 13, 1.5, 1, 0.5))[0]
        if status == 304:
            size = 0
        elif status == 404:
            size = 153
        elif status == 206:
            size = size // 4
        elif status == 499:
            size = 0
        method = "POST" if path == "/v1/events" else "GET"
        reqs.append(dict(t=t0 + 0.002 + off, host=ahost, port=443, ip=ip, method=method, path=path,
                         status=status, size=size, ref=page_url if site != "api" else "-", agent=agent,
                         rt=rnd.choice(["0.000", "0.001", "0.002", "0.004", "0.009"])))
    return reqs


def gen_day(name, scale, seed, site_w, day):
    rnd = random.Random(seed * 1000 + day)
    lo, hi = START + day * DAY, START + (day + 1) * DAY
    lam_max = PV_PEAK * scale
    reqs = []
    t = lo
    while True:
        t += rnd.expovariate(lam_max)
        if t >= hi:
            break
        if rnd.random() < shape(t):
            reqs.extend(r for r in page_view(rnd, t, site_w) if r["t"] < hi)
    reqs.sort(key=lambda r: r["t"])
    for r in reqs:
        r["sec"] = int(r["t"])
    n = len(reqs)
    used = set()

    def pick():
        while True:
            i = rnd.randint(n // 10, n * 9 // 10)
            if not ({i - 1, i, i + 1} & used):
                used.add(i)
                return i

    for kind, targets in SPECIALS.items():
        for _ in range(targets.count((name, day))):
            r = reqs[pick()]
            if kind == "late":  # a slow request logged after its successors
                r["late"] = True
            elif kind == "dashbytes":
                r["status"], r["size"] = rnd.choice([304, 408]), None
            elif kind == "quote":
                r.update(method="GET", path='/search?q="shoes"', host="www.shop.example", port=443,
                         status=200, size=21877, agent=CURL, ref="-", rt="0.021")
            elif kind == "tls":
                r.update(tls=True, host="_", port=80, status=400, size=150, ref="-", agent="-", rt="0.001")
    for i, r in enumerate(reqs):
        if r.get("late"):
            r["sec"] = reqs[i - 1]["sec"] - rnd.randint(1, 30)
    return reqs


def stamp(sec):
    g = time.gmtime(sec)
    return "%02d/%s/%04d:%02d:%02d:%02d +0000" % (
        g.tm_mday, MON[g.tm_mon - 1], g.tm_year, g.tm_hour, g.tm_min, g.tm_sec)


def nginx_escape(s):
    return "".join(c if 0x20 <= ord(c) < 0x7f and c not in '"\\' else "\\x%02X" % ord(c) for c in s)


def fmt_text(r, vhost):
    if r.get("tls"):
        req = TLS_TEXT
    else:
        req = nginx_escape("%s %s HTTP/1.1" % (r["method"], r["path"]))
    size = "-" if r["size"] is None else str(r["size"])
    line = '%s - - [%s] "%s" %d %s "%s" "%s"\n' % (
        r["ip"], stamp(r["sec"]), req, r["status"], size, r["ref"], r["agent"])
    if vhost:
        line = "%s:%d %s" % (r["host"], r["port"], line)
    return line


def fmt_json(r):
    req = TLS_JSON if r.get("tls") else "%s %s HTTP/1.1" % (r["method"], r["path"])
    obj = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(r["sec"])),
        "remote_addr": r["ip"],
        "host": r["host"],
        "request": req,
        "status": r["status"],
        "body_bytes_sent": r["size"] or 0,
        "request_time": r["rt"],
        "http_user_agent": "" if r["agent"] == "-" else r["agent"],
    }
    return json.dumps(obj, separators=(",", ":")) + "\n"


def corrupt(lines):
    """Insert exactly three malformed lines; returns their 1-based line numbers."""
    n = len(lines)
    a, b, c = n * 23 // 100, n * 58 // 100, n * 87 // 100
    # c first so earlier inserts don't shift later positions
    tail = lines[c][lines[c].index('"') + 1:]  # second half of a torn write
    lines.insert(c, tail)
    lines.insert(b, "\t  \t--  \n")  # blank-ish garbage
    nxt = lines[a]
    lines.insert(a, nxt[:nxt.index("]") - 9] + "\n")  # truncated inside the timestamp
    return [a + 1, b + 2, c + 3]


def main():
    for name, fmt, scale, seed, site_w in PROXIES:
        d = os.path.join(OUT, name)
        os.makedirs(d, exist_ok=True)
        for day in range(DAYS):
            reqs = gen_day(name, scale, seed, site_w, day)
            if fmt == "json":
                lines = [fmt_json(r) for r in reqs]
            else:
                lines = [fmt_text(r, fmt == "vhost") for r in reqs]
            bad = corrupt(lines) if (name, day) == ("edge-2", 5) else None
            data = "".join(lines).encode("utf-8")
            rot = DAYS - 1 - day
            fn = "access.log" if rot == 0 else "access.log.%d" % rot
            if rot >= 2:
                fn += ".gz"
                data = gzip.compress(data, compresslevel=9, mtime=0)
            with open(os.path.join(d, fn), "wb") as f:
                f.write(data)
            print("%s/%s: %d lines%s" % (name, fn, len(lines),
                                         ", malformed at lines %s" % bad if bad else ""))


if __name__ == "__main__":
    main()
