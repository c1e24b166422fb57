//! `surplus monitor export` as a real process: started on port 0, fed by lines appended to a
//! log (rotated the way logrotate does it), read over HTTP with the parser `dns serve`'s
//! `stats: {kind: prometheus}` source uses; and, with nginx, the whole path: nginx logs, the
//! exporter beside it, `dns serve` reading it, and the ledger's served requests equal nginx's.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use surplus::monitor::stats_text;

use crate::test::{Scratch, Test};

/// A running `monitor export`, killed when dropped.
pub struct Exporter {
    child: Child,
    pub url: String,
    log: PathBuf,
}

impl Exporter {
    /// `monitor export ARGS --listen 127.0.0.1:0`, once it listens.
    pub fn start(scratch: &Scratch, args: &[&str]) -> Exporter {
        let log = (0..).map(|i| scratch.dir.path().join(format!("export-{i}.log"))).find(|p| !p.exists()).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_surplus"))
            .args(["monitor", "export", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let Some(addr) = line.strip_prefix("listening on ").and_then(|l| l.split(' ').next()) else {
            panic!("monitor export did not start: {line:?}\n{}", std::fs::read_to_string(&log).unwrap_or_default());
        };
        Exporter { child, url: format!("http://{addr}/metrics"), log }
    }

    /// The /metrics text, or the status and body of a refusal.
    pub fn scrape(&self) -> Result<String, (u16, String)> {
        let agent = ureq::Agent::new_with_config(ureq::Agent::config_builder().http_status_as_error(false).build());
        let mut response = agent.get(&self.url).call().unwrap();
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().unwrap();
        if status == 200 { Ok(body) } else { Err((status, body)) }
    }

    /// Waits until the requests per host are `want`, read as `dns serve` reads `stats: {kind:
    /// prometheus, metric: surplus_proxy_requests_total}` (label `host`, its default).
    pub fn wait_for(&self, want: &[(&str, u64)]) -> String {
        let want: HashMap<String, u64> = want.iter().map(|(h, n)| (h.to_string(), *n)).collect();
        let started = Instant::now();
        loop {
            // Refused for a moment after a log comes back, until the exporter's next read.
            let got = self.scrape().map(|t| stats_text::prometheus(&t, "surplus_proxy_requests_total", "host", &[]));
            if got.as_ref() == Ok(&want) {
                return self.scrape().unwrap();
            }
            assert!(started.elapsed() < Duration::from_secs(10), "got {got:?}, want {want:?}\n{}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn stop(&mut self) -> Option<i32> {
        // SAFETY: kill(2) on our own child's pid.
        assert_eq!(unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) }, 0);
        self.child.wait().unwrap().code()
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn append(path: &Path, text: &str) {
    std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap().write_all(text.as_bytes()).unwrap();
}

/// A vhost_combined line for `host`, `bytes` long.
fn line(host: &str, bytes: u64) -> String {
    format!("{host}:80 10.0.0.1 - - [02/Dec/2026:15:00:00 +0000] \"GET / HTTP/1.1\" 200 {bytes} \"-\" \"ua\"\n")
}

fn value(text: &str, series: &str) -> u64 {
    let line = text.lines().find(|l| l.starts_with(series)).unwrap_or_else(|| panic!("no {series} in\n{text}"));
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

#[test]
fn monitor_export_counts_a_proxys_log_per_host_across_a_rotation() {
    let scratch = Scratch::empty();
    std::fs::create_dir_all(scratch.dir.path().join("logs")).unwrap();
    let live = scratch.dir.path().join("logs/access.log");
    // Logged before it starts: not this run's load.
    append(&live, &line("www.shop.example", 1).repeat(3));
    let config = scratch.file(
        "surplus.yaml",
        "network: {zone: cdn.example.net, nameservers: [{name: ns1.cdn.example.net, addresses: [127.0.0.53]}]}\n\
         proxies:\n  - {name: edge-a, addresses: [127.0.0.2], capacity_rps: 10, log: {path: 'logs/access.log*', format: vhost_combined}}\n\
         buyers:\n  - {name: shop, hosts: [www.shop.example], fallback: {handback: origin.shop.example}, estimate: 0.5}\n  \
         - {name: news, hosts: [news.example.org], fallback: {handback: origin.news.example.org}, estimate: 0.5}\n",
    );
    let mut exporter = Exporter::start(&scratch, &["-c", config.to_str().unwrap(), "--proxy", "edge-a"]);
    // Every buyer's host has a series from the start: the name server's first reading is a
    // baseline.
    let first = exporter.wait_for(&[("www.shop.example", 0), ("news.example.org", 0)]);
    let file = format!("surplus_proxy_log_read_bytes_total{{file=\"{}\"}}", live.display());
    assert_eq!(value(&first, &file), 0);

    let batch = line("www.shop.example", 100).repeat(5) + &line("News.Example.Org", 10) + &line("other.example", 1);
    append(&live, &batch);
    let text = exporter.wait_for(&[("www.shop.example", 5), ("news.example.org", 1), ("other.example", 1)]);
    assert_eq!(value(&text, &file), batch.len() as u64);
    assert_eq!(value(&text, "surplus_proxy_bytes_total{host=\"www.shop.example\"}"), 500);
    // logrotate renames the log; the proxy writes once more to the old file, then reopens.
    let rotated = scratch.dir.path().join("logs/access.log.1");
    std::fs::rename(&live, &rotated).unwrap();
    append(&rotated, &line("www.shop.example", 100));
    std::thread::sleep(Duration::from_millis(300));
    append(&live, &line("www.shop.example", 100).repeat(2));
    let text = exporter.wait_for(&[("www.shop.example", 8), ("news.example.org", 1), ("other.example", 1)]);
    let read = batch.len() + 3 * line("www.shop.example", 100).len();
    assert_eq!(value(&text, &file), read as u64, "bytes read count both files' lines");
    let position = format!("surplus_proxy_log_position_bytes{{file=\"{}\"}}", live.display());
    assert_eq!(value(&text, &position), 2 * line("www.shop.example", 100).len() as u64, "in the new file");
    assert!(text.contains("# TYPE surplus_proxy_requests_total counter\n"), "{text}");
    assert_eq!(exporter.stop(), Some(0), "SIGTERM is a clean stop");
    assert!(exporter.log().contains("from its end"), "{}", exporter.log());
}

#[test]
fn monitor_export_refuses_the_scrape_while_its_log_is_gone_and_bad_usage_exits_2() {
    let scratch = Scratch::empty();
    let live = scratch.dir.path().join("access.log");
    append(&live, "");
    let exporter = Exporter::start(&scratch, &["--log-format", "vhost_combined", live.to_str().unwrap()]);
    append(&live, &line("www.shop.example", 1));
    exporter.wait_for(&[("www.shop.example", 1)]);
    // Deleted, not rotated: past the follower's 5 s grace the counters are not to be trusted,
    // and a name server reading them must see a failed source, not an idle proxy.
    std::fs::remove_file(&live).unwrap();
    let started = Instant::now();
    let refused = loop {
        match exporter.scrape() {
            Err(refused) => break refused,
            Ok(_) => assert!(started.elapsed() < Duration::from_secs(10), "still served\n{}", exporter.log()),
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(refused.0, 503);
    assert!(refused.1.contains("access.log: gone for "), "{refused:?}");
    append(&live, &line("www.shop.example", 1));
    exporter.wait_for(&[("www.shop.example", 2)]);

    let dir = scratch.dir.path().to_str().unwrap();
    let glob = format!("{dir}/access.log*");
    for (args, message) in [
        (vec![], "error: no logs to follow: give LOG files, or --proxy NAME to follow its `log:`\n"),
        (
            vec![glob.as_str()],
            &*format!("error: {glob}: a glob; give the live file (rotated ones are followed through its renames)\n"),
        ),
        (
            vec!["--log-format", "combined", live.to_str().unwrap()],
            &*format!(
                "error: {}: the combined format has no Host, so requests cannot be told apart by buyer: give a format with the host (--log-format)\n",
                live.display()
            ),
        ),
    ] {
        Test::new().args(["monitor", "export", "--listen", "127.0.0.1:0"]).args(args).status(2).stderr(message).run();
    }
    let config = crate::test::example_config();
    Test::new()
        .config(&config)
        .args(["monitor", "export", "--proxy", "edge-9"])
        .status(2)
        .stderr(&format!(
            "error: --proxy edge-9: no such proxy in {} (known: edge-1, edge-2, edge-3)\n",
            config.display()
        ))
        .run();
    // clap's own check of --listen: exit 2 too.
    Test::new()
        .args(["monitor", "export", "--listen", "256.0.0.1:1", live.to_str().unwrap()])
        .status(2)
        .stderr_contains("invalid value '256.0.0.1:1' for '--listen <ADDR>'")
        .run();
}

#[test]
fn monitor_export_beside_two_nginx_feeds_dns_serve_and_the_ledger_matches_nginx() {
    use crate::dns::Server;
    use crate::nginx::{Nginx, config_with, samples, shop_and_news_load};
    if !crate::test::system_tool("nginx", "nginx-light") {
        return;
    }
    let scratch = Scratch::empty();
    // Proxies at 127.0.0.1xx, as `sell_now` expects of proxy answers; one log format each.
    let a = Nginx::start_logging(&scratch, "edge-a", "127.0.0.112", "vhost_combined");
    let b = Nginx::start_logging(&scratch, "edge-b", "127.0.0.113", "combined_host");
    // Each proxy's exporter, as on its own host: only its log, no configuration.
    let exporters = [(&a, "vhost_combined"), (&b, "combined_host")]
        .map(|(n, format)| Exporter::start(&scratch, &["--log-format", format, n.log().to_str().unwrap()]));
    // The name server reads them with nothing but the documented `stats:` line.
    let stats = |e: &Exporter| {
        format!(
            "\n    monitor: stats\n    stats: {{kind: prometheus, url: '{}', metric: surplus_proxy_requests_total}}",
            e.url
        )
    };
    let config = config_with(&scratch, &a, &b, 100, [stats(&exporters[0]), stats(&exporters[1])]);
    let mut server = Server::start_with(&scratch, &config, &[]);
    server.wait_for_log("control: closed loop, monitoring every proxy");
    server.sell_now(&scratch, "shop", "www.shop.example.");
    let at = server.metrics.trim_start_matches("http://").trim_end_matches("/metrics").to_string();
    // The load of the test beside this one, which follows the logs itself: shop bought 10 rps.
    let mut status = serde_json::Value::Null;
    let (a_load, b_load, news) = shop_and_news_load(&a, &b, || {
        status = Test::new().config(&config).args(["dns", "status", "--metrics", &at, "--format", "json"]).run().json();
    });
    // The last lines logged, exported and read at the next 1 s interval; the last interval is
    // written at stop.
    std::thread::sleep(Duration::from_millis(1500));
    let exported = exporters
        .each_ref()
        .map(|e| stats_text::prometheus(&e.scrape().unwrap(), "surplus_proxy_requests_total", "host", &[]));
    server.signal(libc::SIGTERM);
    assert_eq!(server.wait_exit(), Some(0));
    let shop = status["buyers"].as_array().unwrap().iter().find(|b| b["buyer"] == "shop").unwrap().clone();
    assert_eq!((shop["mode"].as_str(), shop["monitor"].as_str()), (Some("closed"), Some("ok")), "{status:#}");
    assert!(shop["f"].as_f64().unwrap() < 0.5, "60 rps served on 10 bought: f cut below its estimate: {status:#}");

    let logged_shop = a.logged("www.shop.example") + b.logged("www.shop.example");
    assert_eq!(logged_shop, a_load + b_load, "nginx logged every request");
    assert_eq!(b.logged("news.example.org"), news);
    // The exporters count what nginx logged, exactly, the rotation included.
    assert_eq!(exported[0]["www.shop.example"] as usize, a.logged("www.shop.example"), "{exported:?}");
    assert_eq!(exported[1]["www.shop.example"] as usize, b.logged("www.shop.example"), "{exported:?}");
    assert_eq!(exported[1]["news.example.org"] as usize, news, "{exported:?}");
    // And the name server's usage samples hold what the exporters counted (the stats source
    // takes increases, so this is every request since the server started).
    let rows = samples(&scratch.db());
    let served = |buyer: &str| -> i64 { rows.iter().filter(|r| r.0 == buyer).filter_map(|r| r.2).sum() };
    assert_eq!((served("shop"), served("news")), (logged_shop as i64, news as i64), "{rows:?}");
    assert!(rows.iter().all(|r| r.3 == "ok"), "every sample had a fresh monitor: {rows:?}");
}
