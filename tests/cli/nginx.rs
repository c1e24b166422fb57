//! The controller's monitor against real nginx proxies on loopback: two nginx servers write
//! access logs with the Host, a load client sends the buyer's requests at a known rate (and
//! another buyer's), one log is rotated the way logrotate and nginx do it, and the requests
//! the server's usage samples count must match nginx's own logs. A best-effort buyer's cap
//! follows the proxies' free capacity, with the total load read from nginx's `stub_status`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::dns::Server;
use crate::test::{Scratch, Test, root, system_tool};

/// An nginx on `address`, answering 200 to everything and logging in `format`
/// (`vhost_combined` or `combined_host`), except under `/quiet` (not logged), `/nginx_status`
/// (its stub_status) and `/stats/` (files the test writes, standing in for an exporter).
pub struct Nginx {
    child: Child,
    dir: PathBuf,
    pub addr: SocketAddr,
    format: &'static str,
}

impl Nginx {
    fn start(scratch: &Scratch, name: &str, ip: &str) -> Nginx {
        Nginx::start_logging(scratch, name, ip, "vhost_combined")
    }

    pub fn start_logging(scratch: &Scratch, name: &str, ip: &str, format: &'static str) -> Nginx {
        let port = std::net::TcpListener::bind((ip, 0)).unwrap().local_addr().unwrap().port();
        Nginx::launch(scratch, name, ip, port, format, None)
    }

    /// An nginx on `ip:port` logging in `format`; with `upstream`, a reverse proxy to it.
    pub fn launch(
        scratch: &Scratch,
        name: &str,
        ip: &str,
        port: u16,
        format: &'static str,
        upstream: Option<SocketAddr>,
    ) -> Nginx {
        let root = match upstream {
            Some(origin) => format!("proxy_pass http://{origin};"),
            None => r#"return 200 "ok\n";"#.to_string(),
        };
        Nginx::launch_serving(scratch, name, ip, port, format, &root)
    }

    /// A reverse proxy on `ip` (a free port) to `upstream` that lets through only requests
    /// carrying `Authorization: Bearer TOKEN` (401 otherwise), as a server behind an
    /// authenticating proxy is.
    pub fn bearer_guard(scratch: &Scratch, name: &str, ip: &str, upstream: SocketAddr, token: &str) -> Nginx {
        let port = std::net::TcpListener::bind((ip, 0)).unwrap().local_addr().unwrap().port();
        let root =
            format!(r#"if ($http_authorization != "Bearer {token}") {{ return 401; }} proxy_pass http://{upstream};"#);
        Nginx::launch_serving(scratch, name, ip, port, "vhost_combined", &root)
    }

    /// An nginx on `ip:port` logging in `format`, whose `location /` does `root`.
    fn launch_serving(scratch: &Scratch, name: &str, ip: &str, port: u16, format: &'static str, root: &str) -> Nginx {
        let dir = scratch.dir.path().join(name);
        std::fs::create_dir_all(dir.join("logs")).unwrap();
        std::fs::create_dir_all(dir.join("stats")).unwrap();
        let conf = format!(
            r#"worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 256; }}
http {{
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    log_format vhost_combined '$host:$server_port $remote_addr - $remote_user [$time_local] '
                              '"$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';
    log_format combined_host '$remote_addr - $remote_user [$time_local] "$request" $status '
                             '$body_bytes_sent "$http_referer" "$http_user_agent" "$host"';
    access_log {dir}/logs/access.log {format};
    server {{
        listen {ip}:{port};
        location / {{ {root} }}
        location /quiet {{ access_log off; return 200 "ok\n"; }}
        location = /nginx_status {{ access_log off; stub_status; }}
        location /stats/ {{ access_log off; alias {dir}/stats/; }}
    }}
}}
"#,
            dir = dir.display(),
        );
        std::fs::write(dir.join("nginx.conf"), conf).unwrap();
        let child = Command::new("nginx")
            .args(["-p", dir.to_str().unwrap(), "-c", dir.join("nginx.conf").to_str().unwrap(), "-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let addr: SocketAddr = format!("{ip}:{port}").parse().unwrap();
        let started = Instant::now();
        while TcpStream::connect(addr).is_err() {
            assert!(started.elapsed() < Duration::from_secs(10), "nginx did not start on {addr}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Nginx { child, dir, addr, format }
    }

    pub fn log(&self) -> PathBuf {
        self.dir.join("logs/access.log")
    }

    /// One request with `host` for `path`; the status line.
    pub fn get(&self, host: &str, path: &str) -> String {
        let mut s = TcpStream::connect(self.addr).unwrap();
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes()).unwrap();
        let mut reply = String::new();
        s.read_to_string(&mut reply).unwrap();
        reply.lines().next().unwrap_or_default().to_string()
    }

    /// Publishes `text` at `/stats/NAME`, whole (written aside, then renamed into place).
    fn publish(&self, name: &str, text: &str) {
        let aside = self.dir.join("stats").join(format!(".{name}"));
        std::fs::write(&aside, text).unwrap();
        std::fs::rename(aside, self.dir.join("stats").join(name)).unwrap();
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// logrotate's way: rename the log, then tell nginx to reopen (USR1).
    fn rotate(&self) {
        std::fs::rename(self.log(), self.dir.join("logs/access.log.1")).unwrap();
        // SAFETY: kill(2) on our own child's pid.
        assert_eq!(unsafe { libc::kill(self.child.id() as i32, libc::SIGUSR1) }, 0);
        let started = Instant::now();
        while !self.log().exists() {
            assert!(started.elapsed() < Duration::from_secs(5), "nginx did not reopen its log");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Lines nginx logged for `host`, in every file of its log directory.
    pub fn logged(&self, host: &str) -> usize {
        let (prefix, suffix) = (format!("{host}:"), format!(" \"{host}\""));
        let ours = |l: &&str| match self.format {
            "combined_host" => l.ends_with(&suffix),
            _ => l.starts_with(&prefix),
        };
        std::fs::read_dir(self.dir.join("logs"))
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .map(|text| text.lines().filter(ours).count())
            .sum()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SAFETY: kill(2) on our own child's pid; QUIT is nginx's graceful stop.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGQUIT) };
        let _ = self.child.wait();
    }
}

/// Sends `rate` requests per second with `host` to `nginx` for `seconds`.
fn load(nginx: &Nginx, host: &str, rate: u32, seconds: u32) -> usize {
    load_path(nginx, host, "/", rate, seconds)
}

/// Sends `rate` requests per second for `path` with `host` to `nginx` for `seconds`.
fn load_path(nginx: &Nginx, host: &str, path: &str, rate: u32, seconds: u32) -> usize {
    let started = Instant::now();
    let total = rate * seconds;
    for i in 0..total {
        let due = started + Duration::from_secs_f64(f64::from(i) / f64::from(rate));
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        assert!(nginx.get(host, path).contains(" 200 "), "nginx did not answer 200");
    }
    total as usize
}

/// shop: 40 rps at `a` and 20 at `b` for 4 s, `a`'s log rotated half way; news: 10 rps at
/// `b`. `during` runs three seconds in, while the load runs, when the controller has had two
/// 1 s readings of it (after the load stops, served falls to 0 and f rises again, as it
/// should). Returns the requests sent: shop's at `a`, shop's at `b`, news's.
pub fn shop_and_news_load(a: &Nginx, b: &Nginx, during: impl FnOnce()) -> (usize, usize, usize) {
    std::thread::scope(|s| {
        let first = s.spawn(|| {
            let sent = load(a, "www.shop.example", 40, 2);
            a.rotate();
            sent + load(a, "www.shop.example", 40, 2)
        });
        let second = s.spawn(|| load(b, "www.shop.example", 20, 4));
        let third = s.spawn(|| load(b, "news.example.org", 10, 4));
        std::thread::sleep(Duration::from_secs(3));
        during();
        (first.join().unwrap(), second.join().unwrap(), third.join().unwrap())
    })
}

fn config(scratch: &Scratch, a: &Nginx, b: &Nginx) -> PathBuf {
    config_with(scratch, a, b, 100, [String::new(), String::new()])
}

/// The YAML that gives a proxy its nginx's stub_status as its stats endpoint.
fn stub_status(n: &Nginx) -> String {
    format!("\n    stats: {{kind: nginx_stub_status, url: '{}'}}", n.url("/nginx_status"))
}

/// Two proxies of `capacity` rps each, following the nginx logs, with `extra` YAML each.
pub fn config_with(scratch: &Scratch, a: &Nginx, b: &Nginx, capacity: u32, extra: [String; 2]) -> PathBuf {
    // The example logs give `capacity measure` a history to sell from; the monitor follows the
    // nginx logs the load goes to.
    let history = root().join("examples/logs/edge-1/access.log*");
    let proxy = |name: &str, n: &Nginx, stats: &str| {
        format!(
            "  - name: {name}\n    addresses: [{ip}]\n    capacity_rps: {capacity}\n    log:\n      path: {history}\n      format: {format}\n      follow: {live}{stats}",
            ip = n.addr.ip(),
            format = n.format,
            history = history.display(),
            live = n.log().display()
        )
    };
    let text = [
        "network:",
        "  zone: cdn.example.net",
        "  nameservers:",
        "    - name: ns1.cdn.example.net",
        "      addresses: [127.0.0.53]",
        "  ttl: 20s",
        "proxies:",
        &proxy("edge-a", a, &extra[0]),
        &proxy("edge-b", b, &extra[1]),
        "buyers:",
        "  - name: shop",
        "    hosts: [www.shop.example]",
        "    fallback: {handback: origin.shop.example}",
        "    estimate: 0.5",
        "  - name: news",
        "    hosts: [news.example.org]",
        "    fallback: {handback: origin.news.example.org}",
        "    estimate: 0.5",
        "control:",
        "  interval: 1s",
        // The delegated hosts' handback names are learned (a zone apex cannot be a CNAME):
        // from nothing, on loopback, so nothing leaves the machine.
        "dns:",
        "  resolvers: [127.0.0.1:9]",
        "",
    ]
    .join("\n");
    scratch.file("surplus.yaml", &text)
}

pub fn samples(db: &str) -> Vec<(String, i64, Option<i64>, String)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt =
        conn.prepare("SELECT buyer, start, served_requests, monitor FROM usage_samples ORDER BY start, buyer").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap().map(Result::unwrap).collect()
}

#[test]
fn served_requests_in_the_ledger_match_what_two_real_nginx_logged() {
    if !system_tool("nginx", "nginx-light") {
        return;
    }
    let scratch = Scratch::empty();
    let a = Nginx::start(&scratch, "edge-a", "127.0.0.14");
    // edge-b writes nginx's combined format with the host appended.
    let b = Nginx::start_logging(&scratch, "edge-b", "127.0.0.15", "combined_host");
    let config = config(&scratch, &a, &b);
    let mut server = Server::start_with(&scratch, &config, &[]);
    server.wait_for_log("control: closed loop, monitoring every proxy");
    server.sell_now(&scratch, "shop", "www.shop.example.");

    let at = server.metrics.trim_start_matches("http://").trim_end_matches("/metrics").to_string();
    let (mut status, mut metrics) = (serde_json::Value::Null, String::new());
    // shop bought 10 rps.
    let (a_load, b_load, news) = shop_and_news_load(&a, &b, || {
        status = Test::new().config(&config).args(["dns", "status", "--metrics", &at, "--format", "json"]).run().json();
        metrics = ureq::get(&server.metrics).call().unwrap().into_body().read_to_string().unwrap();
    });
    // Let the last lines be logged and read, then stop: the last interval is written at stop.
    std::thread::sleep(Duration::from_millis(1500));
    let shop = status["buyers"].as_array().unwrap().iter().find(|b| b["buyer"] == "shop").unwrap().clone();
    assert_eq!(
        (shop["mode"].as_str(), shop["monitor"].as_str(), shop["purchased_rps"].as_f64()),
        (Some("closed"), Some("ok"), Some(10.0)),
        "{status:#}"
    );
    assert!(shop["f"].as_f64().unwrap() < 0.5, "{status:#}");
    server.signal(libc::SIGTERM);
    assert_eq!(server.wait_exit(), Some(0));

    let logged_shop = a.logged("www.shop.example") + b.logged("www.shop.example");
    assert_eq!(logged_shop, a_load + b_load, "nginx logged every request");
    assert_eq!(b.logged("news.example.org"), news);
    let rows = samples(&scratch.db());
    let served = |buyer: &str| -> i64 { rows.iter().filter(|r| r.0 == buyer).filter_map(|r| r.2).sum() };
    // Within 1% of nginx's own count (lines are counted once each, so it is exact here).
    let shop = served("shop") as f64;
    assert!((shop - logged_shop as f64).abs() <= 0.01 * logged_shop as f64, "ledger {shop} vs nginx {logged_shop}");
    assert!((served("news") as f64 - news as f64).abs() <= 0.01 * news as f64, "news {}", served("news"));
    assert!(rows.iter().all(|r| r.3 == "ok"), "every sample had a fresh monitor: {rows:?}");
    // The bill's recount: `report usage --logs` over nginx's own logs (rotated, and in two
    // formats, detected) finds what the ledger has, through the rollups.
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let at = |t: i64| jiff::Timestamp::from_second(t).unwrap().to_string();
    let logs = [format!("{}*", a.log().display()), format!("{}*", b.log().display())];
    let db = scratch.db();
    let recount = Test::new()
        .config(&config)
        .args(["--db", &db, "report", "usage", "--buyer", "shop", "--format", "json"])
        .args(["--since", &at(now - 3600), "--until", &at(now + 3600), "--logs", &logs[0], &logs[1]])
        .run()
        .json();
    let (ledger, logged, unmeasured) = (
        recount[0]["ledger_requests"].as_i64().unwrap(),
        recount[0]["logs_requests"].as_i64().unwrap(),
        recount[0]["unmeasured_logs_requests"].as_i64().unwrap(),
    );
    assert_eq!((ledger, logged + unmeasured), (served("shop"), logged_shop as i64), "{recount:#}");
    assert!((ledger - logged).abs() as f64 <= 0.01 * logged_shop as f64, "{recount:#}");
    // Serving 60 rps on a 10 rps purchase, the controller cut shop's fraction below its
    // estimate from nginx's counts.
    let value = |series: &str| -> f64 {
        let line =
            metrics.lines().find(|l| l.starts_with(series)).unwrap_or_else(|| panic!("no {series} in\n{metrics}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    assert!(value("surplus_dns_fraction{buyer=\"shop\"}") < 0.5, "{metrics}");
    assert_eq!(value("surplus_control_mode{buyer=\"shop\",mode=\"closed\",monitor=\"ok\"}"), 1.0);
    assert_eq!(value(&format!("surplus_monitor_up{{proxy=\"edge-a\",source=\"log {}\"}}", a.log().display())), 1.0);
}

/// The value of the series that starts with `series` in Prometheus text.
fn value(metrics: &str, series: &str) -> f64 {
    let line = metrics.lines().find(|l| l.starts_with(series)).unwrap_or_else(|| panic!("no {series} in\n{metrics}"));
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

#[test]
fn a_best_effort_cap_is_the_free_capacity_with_the_total_load_from_stub_status() {
    if !system_tool("nginx", "nginx-light") {
        return;
    }
    let scratch = Scratch::empty();
    let a = Nginx::start(&scratch, "edge-a", "127.0.0.16");
    let b = Nginx::start(&scratch, "edge-b", "127.0.0.17");
    // 2 × 50 rps, 10% margin: 90 rps usable.
    let config = config_with(&scratch, &a, &b, 50, [stub_status(&a), stub_status(&b)]);
    let mut server = Server::start_with(&scratch, &config, &[]);
    server.wait_for_log("control: closed loop, monitoring every proxy");
    // news holds 10 rps guaranteed; shop buys 10 rps best effort (its weight: it is alone).
    server.sell_now(&scratch, "news", "news.example.org.");
    let now = jiff::Timestamp::now().as_second();
    // The window `sell_now` measured: two hours from this one, so the sale outlasts the test.
    let window = format!("{}/2h", jiff::Timestamp::from_second(now - now % 3600).unwrap().strftime("%Y-%m-%dT%H:%MZ"));
    scratch.surplus(&["market", "auction", "create", "--window", &window, "--rps", "10", "--best-effort"]).run();
    scratch.surplus(&["market", "auction", "bid", "2", "--buyer", "shop", "--rps", "10", "--price", "1"]).run();
    scratch.surplus(&["market", "auction", "run", "2"]).run();
    Test::new()
        .config(&config)
        .args(["--db", &scratch.db(), "market", "sales", "--format", "csv"])
        .stdout_contains(",shop,operator,")
        .stdout_contains(",10,best-effort,")
        .run();

    // 30 rps of other sites' traffic nginx does not log (only stub_status sees it), news 10
    // and shop 10 rps, for 5 s. Everyone else's load is then 40 + 2 (the stub_status reads,
    // one per proxy per 1 s interval), so shop's cap is 90 − 42 = 48 rps: shop's own 10 is
    // taken back out. Counting from the logs alone would have said 90 − 10 = 80.
    let at = server.metrics.trim_start_matches("http://").trim_end_matches("/metrics").to_string();
    let (status, metrics) = std::thread::scope(|s| {
        s.spawn(|| load_path(&a, "other.example", "/quiet", 30, 5));
        s.spawn(|| load(&b, "news.example.org", 10, 5));
        s.spawn(|| load(&b, "www.shop.example", 10, 5));
        std::thread::sleep(Duration::from_secs(4));
        let status =
            Test::new().config(&config).args(["dns", "status", "--metrics", &at, "--format", "json"]).run().json();
        let metrics = ureq::get(&server.metrics).call().unwrap().into_body().read_to_string().unwrap();
        (status, metrics)
    });
    let buyer = |name: &str| status["buyers"].as_array().unwrap().iter().find(|b| b["buyer"] == name).unwrap().clone();
    let (shop, news) = (buyer("shop"), buyer("news"));
    let cap = shop["best_effort_rps"].as_f64().unwrap_or_else(|| panic!("no cap: {status:#}"));
    assert!((44.0..=52.0).contains(&cap), "shop's cap {cap}, expected 48: {status:#}");
    assert_eq!(shop["purchased_rps"].as_f64(), Some(cap), "shop holds nothing guaranteed");
    assert_eq!((news["purchased_rps"].as_f64(), news["best_effort_rps"].as_f64()), (Some(10.0), None));
    let load = value(&metrics, "surplus_monitor_load_rps");
    assert!((47.0..=57.0).contains(&load), "total load {load}, expected 52:\n{metrics}");
    assert_eq!(value(&metrics, "surplus_monitor_up{proxy=\"edge-a\""), 1.0, "{metrics}");
    assert!(metrics.contains(", stub_status http://127.0.0.16:"), "{metrics}");
    server.signal(libc::SIGTERM);
    assert_eq!(server.wait_exit(), Some(0));
    // The usage samples hold shop to its cap, interval by interval.
    let conn = rusqlite::Connection::open(scratch.db()).unwrap();
    let caps: Vec<i64> = conn
        .prepare("SELECT purchased_rps FROM usage_samples WHERE buyer = 'shop' AND served_requests > 0 ORDER BY start")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(caps.iter().any(|c| (44..=52).contains(c)), "{caps:?}");
}

#[test]
fn a_proxy_that_goes_down_counts_as_serving_nothing_and_the_others_stay_under_control() {
    if !system_tool("nginx", "nginx-light") {
        return;
    }
    let scratch = Scratch::empty();
    // Proxies at 127.0.0.1xx, as `sell_now` expects of proxy answers.
    let a = Nginx::start(&scratch, "edge-a", "127.0.0.110");
    let b = Nginx::start(&scratch, "edge-b", "127.0.0.111");
    // Both counted by stub_status, which fails with its proxy; health checked every second.
    let health = |n: &Nginx| format!("{}\n    health: {{tcp: {}, interval: 1s}}", stub_status(n), n.addr.port());
    let config = config_with(&scratch, &a, &b, 50, [health(&a), health(&b)]);
    let mut server = Server::start_with(&scratch, &config, &[]);
    server.wait_for_log("control: closed loop, monitoring every proxy");
    server.sell_now(&scratch, "news", "news.example.org.");
    let at = server.metrics.trim_start_matches("http://").trim_end_matches("/metrics").to_string();
    let news = |config: &Path| {
        let status =
            Test::new().config(config).args(["dns", "status", "--metrics", &at, "--format", "json"]).run().json();
        status["buyers"].as_array().unwrap().iter().find(|b| b["buyer"] == "news").unwrap().clone()
    };
    std::thread::scope(|s| {
        // news keeps coming to edge-a for the whole test.
        s.spawn(|| load(&a, "news.example.org", 10, 12));
        std::thread::sleep(Duration::from_secs(3));
        assert_eq!(news(&config)["mode"], "closed");
        // edge-b stops: its health check fails within a second and its stub_status with it.
        drop(b);
        // 6 s: past the 3 intervals a stale monitor holds f for, then walks it down.
        std::thread::sleep(Duration::from_secs(6));
        let after = news(&config);
        assert_eq!((after["mode"].as_str(), after["monitor"].as_str()), (Some("closed"), Some("ok")), "{after:#}");
        let served = after["served_rps"].as_f64().unwrap_or_else(|| panic!("no reading: {after:#}"));
        assert!((6.0..=14.0).contains(&served), "news read {served} rps from edge-a alone: {after:#}");
    });
    let metrics = ureq::get(&server.metrics).call().unwrap().into_body().read_to_string().unwrap();
    assert_eq!(value(&metrics, "surplus_monitor_up{proxy=\"edge-b\""), 0.0, "{metrics}");
    assert_eq!(value(&metrics, "surplus_proxy_healthy{proxy=\"edge-b\"}"), 0.0, "{metrics}");
    server.wait_for_log("monitor edge-b:");
    assert!(server.log().contains("(the proxy is down: counted as serving nothing)"), "{}", server.log());
    server.signal(libc::SIGTERM);
    assert_eq!(server.wait_exit(), Some(0));
    // The samples are measured ("ok") throughout, but for an interval or two in which the
    // monitor read edge-b's failed stub_status before the health check saw edge-b down (their
    // clocks differ). Without the fix, every sample from edge-b's stop on is stale.
    let states: Vec<String> = samples(&scratch.db()).into_iter().filter(|s| s.0 == "news").map(|s| s.3).collect();
    let stale = states.iter().filter(|s| *s != "ok").count();
    assert!(states.len() >= 8 && stale <= 2, "{states:?}");
    assert!(states[states.len() - 3..].iter().all(|s| s == "ok"), "{states:?}");
}

#[test]
fn served_requests_from_a_prometheus_exporter_and_the_nginx_plus_api_over_http() {
    if !system_tool("nginx", "nginx-light") {
        return;
    }
    let scratch = Scratch::empty();
    let a = Nginx::start(&scratch, "edge-a", "127.0.0.18");
    let b = Nginx::start(&scratch, "edge-b", "127.0.0.19");
    // edge-a "exports" nginx-vts-exporter's counter, edge-b the nginx Plus API; the test moves
    // the counters, nginx serves them over HTTP.
    let prometheus = |shop: u64, news: u64| {
        format!(
            "# TYPE nginx_vts_server_requests_total counter\n\
             nginx_vts_server_requests_total{{host=\"www.shop.example\",code=\"2xx\"}} {shop}\n\
             nginx_vts_server_requests_total{{host=\"www.shop.example\",code=\"total\"}} {shop}\n\
             nginx_vts_server_requests_total{{host=\"news.example.org\",code=\"total\"}} {news}\n"
        )
    };
    let plus = |shop: u64| format!(r#"{{"www.shop.example": {{"requests": {shop}, "processing": 0}}}}"#);
    a.publish("metrics", &prometheus(1000, 7));
    b.publish("plus.json", &plus(500));
    let extra = [
        format!(
            "\n    monitor: stats\n    stats: {{kind: prometheus, url: '{}', metric: nginx_vts_server_requests_total, match: {{code: total}}}}",
            a.url("/stats/metrics")
        ),
        format!("\n    monitor: stats\n    stats: {{kind: nginx_plus, url: '{}'}}", b.url("/stats/plus.json")),
    ];
    let config = config_with(&scratch, &a, &b, 100, extra);
    let mut server = Server::start_with(&scratch, &config, &[]);
    server.wait_for_log("control: closed loop, monitoring every proxy");
    server.sell_now(&scratch, "shop", "www.shop.example.");
    // 4 s at 40 rps (edge-a) and 20 rps (edge-b) for shop, then edge-a's exporter restarts and
    // counts 5 from zero: 4 × 40 + 4 × 20 + 5 = 245 requests, 12 of them news's.
    let (mut shop_a, mut shop_b) = (1000, 500);
    for second in 1..=4 {
        std::thread::sleep(Duration::from_secs(1));
        (shop_a, shop_b) = (shop_a + 40, shop_b + 20);
        a.publish("metrics", &prometheus(shop_a, 7 + 3 * second));
        b.publish("plus.json", &plus(shop_b));
    }
    std::thread::sleep(Duration::from_secs(1));
    a.publish("metrics", &prometheus(5, 0));
    std::thread::sleep(Duration::from_millis(1500));
    let metrics = ureq::get(&server.metrics).call().unwrap().into_body().read_to_string().unwrap();
    server.signal(libc::SIGTERM);
    assert_eq!(server.wait_exit(), Some(0));
    let rows = samples(&scratch.db());
    let served = |buyer: &str| -> i64 { rows.iter().filter(|r| r.0 == buyer).filter_map(|r| r.2).sum() };
    assert_eq!((served("shop"), served("news")), (245, 12), "{rows:?}");
    assert!(rows.iter().all(|r| r.3 == "ok"), "every sample had a fresh monitor: {rows:?}");
    let source = format!("surplus_monitor_up{{proxy=\"edge-b\",source=\"stats {}\"}}", b.url("/stats/plus.json"));
    assert_eq!(value(&metrics, &source), 1.0, "{metrics}");
}
