//! The end-to-end control loop of [`crate::e2e`] with the monitor reading nothing but a real
//! Prometheus: each nginx proxy's log is followed by its own `surplus monitor export`,
//! Prometheus scrapes both every second, and `dns serve`'s only source is one
//! `monitor.prometheus_query` for the whole fleet. A buyer asking twice what it bought must
//! still be held to it.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use crate::dns::Server;
use crate::e2e::{
    CLIENTS, Client, ORIGIN, PROXY_A, PROXY_B, SURPLUS_IP, config_with_monitor, control_log, drive, news_so_far, now,
    nsd, proxied_rps, sell, unbound,
};
use crate::monitor_export::Exporter;
use crate::nginx::Nginx;
use crate::prometheus_server::{self, PrometheusServer};
use crate::test::{Scratch, system_tool};

#[test]
fn a_buyer_is_held_to_its_purchase_reading_only_a_prometheus_query() {
    if !(system_tool("nginx", "nginx-light")
        && system_tool("nsd", "nsd")
        && system_tool("unbound", "unbound")
        && prometheus_server::available())
    {
        return;
    }
    let scratch = Scratch::empty();
    let origin = SocketAddr::new(ORIGIN.parse().unwrap(), 80);
    let _origin = Nginx::launch(&scratch, "origin", ORIGIN, 80, "vhost_combined", None);
    let a = Nginx::launch(&scratch, "edge-a", PROXY_A, 80, "vhost_combined", Some(origin));
    let b = Nginx::launch(&scratch, "edge-b", PROXY_B, 80, "vhost_combined", Some(origin));
    let exporters =
        [&a, &b].map(|n| Exporter::start(&scratch, &["--log-format", "vhost_combined", n.log().to_str().unwrap()]));
    let targets: Vec<String> = exporters
        .iter()
        .map(|e| e.url.trim_start_matches("http://").trim_end_matches("/metrics").to_string())
        .collect();
    let prometheus = PrometheusServer::start(&scratch.dir.path().join("prometheus"), &targets, Duration::from_secs(1));
    let (_nsd, nsd) = nsd(&scratch);
    // The counters of every proxy's exporter, differentiated per series by surplus (so a
    // restarted exporter is a reset, not a drop of the fleet's sum), summed by host.
    let monitor = format!(
        "monitor:\n  prometheus_query: {{url: '{}', query: 'surplus_proxy_requests_total', label: host, counter: true}}",
        prometheus.url
    );
    let config = config_with_monitor(&scratch, &a, &b, nsd, &monitor);
    // `config check --online` runs the query once: both proxies' series are there (news and
    // shop have no traffic yet, so no series of their hosts).
    crate::test::Test::new()
        .config(&config)
        .args(["config", "check", "--online"])
        .stdout_contains(&format!("monitor.prometheus_query {}: ", prometheus.url))
        .run();
    let queries_before = instant_queries(&prometheus.url);
    let server = Server::start_with(&scratch, &config, &["--listen", &format!("{SURPLUS_IP}:53"), "-v"]);
    let serving_since = std::time::Instant::now();
    server.wait_for_log("control: closed loop, monitoring every proxy");
    let (_unbound, resolver) = unbound(&scratch, nsd, &[format!("{SURPLUS_IP}:53").parse().unwrap()]);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let clients: Vec<Client> = (0..CLIENTS).map(|k| Client::new(k, resolver)).collect();
    let origin_ip: Ipv4Addr = ORIGIN.parse().unwrap();
    assert!(clients.iter().all(|c| c.resolve(&runtime, "www.news.example") == [origin_ip]));

    // news asks twice the 32 rps it bought, as in the test that follows logs.
    let demand = [("www.news.example", 64), ("www.shop.example", 10), ("api.cdn.example.net", 10)];
    let started = now();
    let dropped = std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_secs(5));
            sell(&scratch, &config);
        });
        drive(&clients, &runtime, &demand, 130)
    });
    let to = started + 130;
    let from = to - 30;
    // (The monitor's readings here are what Prometheus returned.)
    let (samples, readings) = news_so_far(&scratch, &[&a, &b], started, from, to);
    assert!(!dropped.iter().any(|t| *t >= from - 30), "the load stalled (dropped in seconds {dropped:?}): the machine");
    let news = proxied_rps(&[&a, &b], "www.news.example", from, to);
    let shop = proxied_rps(&[&a, &b], "www.shop.example", from, to);
    println!("settled: news {news:.2} rps on the proxies, {:.1}% of the 32 bought (asked 64)", news / 32.0 * 100.0);
    // What Prometheus told the monitor is what the proxies logged, a scrape or two late at
    // either end of the window.
    let read: u64 = samples.iter().map(|(_, n, _)| n).sum();
    let logged = (news * (to - from) as f64).round() as u64;
    assert!(
        read.abs_diff(logged) <= 2 * 64,
        "the monitor read {read} requests of news from Prometheus in 30 s, the proxies logged {logged}"
    );
    assert!(
        (28.8..=33.6).contains(&news),
        "news: {news:.2} rps, not within [90%, 105%] of 32; the controller read {readings:?}:\n{}",
        control_log(&server, "news")
    );
    assert!(shop >= 9.5, "shop asked 10 rps, below its purchase; the proxies served {shop:.2}");
    // One instant query a control interval (1 s) for the whole fleet, as Prometheus counts
    // them: not one per proxy or per buyer.
    let queries = instant_queries(&prometheus.url) - queries_before;
    let intervals = serving_since.elapsed().as_secs_f64();
    println!("{queries} instant queries to Prometheus in {intervals:.0} s of serving");
    assert!(queries as f64 <= intervals + 3.0, "{queries} queries in {intervals:.0} s of 1 s intervals");
    // `dns status` names the one source for both proxies, up.
    let metrics = server.metrics.trim_start_matches("http://").trim_end_matches("/metrics").to_string();
    let status = crate::test::Test::new()
        .config(&config)
        .args(["dns", "status", "--metrics", &metrics, "--format", "json"])
        .run();
    let source = format!("prometheus_query {}", prometheus.url);
    let monitors = status.json()["monitors"].clone();
    assert_eq!(monitors, serde_json::json!([["edge-a", source, true], ["edge-b", source, true]]), "{}", status.stdout);
}

/// The instant queries Prometheus has answered, from its own metrics.
fn instant_queries(url: &str) -> u64 {
    let text = ureq::get(format!("{url}/metrics")).call().unwrap().into_body().read_to_string().unwrap();
    surplus::monitor::stats_text::series(&text, "prometheus_http_requests_total")
        .into_iter()
        .filter(|(labels, _)| labels.iter().any(|(k, v)| k == "handler" && v == "/api/v1/query"))
        .map(|(_, v)| v as u64)
        .sum()
}
