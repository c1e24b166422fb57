//! `capacity measure | history --prometheus` against a real Prometheus holding a week of
//! backfilled counters, compared with the same commands on access logs of the same traffic,
//! and each way reading a server can fail.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::prometheus_server::{self, PrometheusServer};
use crate::test::{Scratch, Test};

const DAY: i64 = 86_400;
/// Requests per second of `proxy` in minute `m` of the history: constant within each minute,
/// so a slot's p95 second (logs) and its p95 step (Prometheus) are the same number. A daily
/// shape plus a hash, 0 to 5 rps: small enough that a week of logs stays small.
fn rate(proxy: usize, m: i64) -> i64 {
    let hour = (m / 60) % 24;
    let shape = if (8..20).contains(&hour) { 2 } else { 0 };
    let hash = (m.wrapping_mul(2_654_435_761) ^ (proxy as i64 * 40_503)).rem_euclid(97);
    shape + hash % 4
}

/// Bytes of every response.
const BYTES: i64 = 100;

/// The week of history: the whole hours `[start, end)` ending two hours ago.
fn history_range() -> (i64, i64) {
    let now = jiff::Timestamp::now().as_second();
    let end = now.div_euclid(3600) * 3600 - 2 * 3600;
    (end - 7 * DAY, end)
}

/// The same traffic as Prometheus counters every 15 s (`instance` names the proxy by address
/// and by name) and as combined-format access logs.
fn history(scratch: &Scratch, start: i64, end: i64) -> (String, [PathBuf; 2]) {
    let instances = ["127.0.0.11:9113", "edge-2:9113"];
    let mut om = String::from("# HELP proxy_requests Requests served.\n# TYPE proxy_requests counter\n");
    let mut bytes = String::from("# HELP proxy_bytes Bytes sent.\n# TYPE proxy_bytes counter\n");
    let mut logs = [String::new(), String::new()];
    let mut totals = [0i64; 2];
    let mut t = start;
    while t <= end {
        for p in 0..2 {
            writeln!(om, "proxy_requests_total{{instance=\"{}\"}} {} {t}", instances[p], totals[p]).unwrap();
            writeln!(bytes, "proxy_bytes_total{{instance=\"{}\"}} {} {t}", instances[p], totals[p] * BYTES).unwrap();
        }
        if t == end {
            break;
        }
        for s in t..t + 15 {
            let stamp = jiff::Timestamp::from_second(s).unwrap().strftime("%d/%b/%Y:%H:%M:%S +0000").to_string();
            for p in 0..2 {
                let n = rate(p, (s - start) / 60);
                totals[p] += n;
                for _ in 0..n {
                    writeln!(logs[p], "127.0.0.1 - - [{stamp}] \"GET / HTTP/1.1\" 200 {BYTES} \"-\" \"-\"").unwrap();
                }
            }
        }
        t += 15;
    }
    om.push_str(&bytes);
    om.push_str("# EOF\n");
    let paths = [scratch.file("edge-1.log", &logs[0]), scratch.file("edge-2.log", &logs[1])];
    (om, paths)
}

fn config(scratch: &Scratch, logs: &[PathBuf; 2]) -> PathBuf {
    scratch.file(
        "surplus.yaml",
        &format!(
            "network: {{zone: cdn.example.net, nameservers: [{{name: ns1.cdn.example.net, addresses: [127.0.0.53]}}]}}\n\
             proxies:\n\
             \x20 - {{name: edge-1, addresses: [127.0.0.11], capacity_rps: 40, log: {{path: '{}', format: combined}}}}\n\
             \x20 - {{name: edge-2, addresses: [127.0.0.12], capacity_rps: 30, log: {{path: '{}', format: combined}}}}\n",
            logs[0].display(),
            logs[1].display()
        ),
    )
}

fn instant(t: i64) -> String {
    jiff::Timestamp::from_second(t).unwrap().to_string()
}

/// `(proxy, start, requests, p95, mean, bytes, seconds)` of `capacity history --format json`.
type HistorySlot = (String, String, f64, f64, f64, f64, f64);

fn slots(json: &serde_json::Value) -> Vec<HistorySlot> {
    json.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["proxy"].as_str().unwrap().to_string(),
                r["start"].as_str().unwrap().to_string(),
                r["requests"].as_f64().unwrap(),
                r["p95_rps"].as_f64().unwrap(),
                r["mean_rps"].as_f64().unwrap(),
                r["bytes"].as_f64().unwrap(),
                r["seconds"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn within_1pct(a: f64, b: f64) -> bool {
    (a - b).abs() <= 0.01 * a.abs().max(b.abs()) + 1e-9
}

#[test]
fn prometheus_history_gives_the_offers_the_logs_of_the_same_traffic_give() {
    if !prometheus_server::available() {
        return;
    }
    let scratch = Scratch::empty();
    let (start, end) = history_range();
    let (om, logs) = history(&scratch, start, end);
    let prometheus = PrometheusServer::with_history(&scratch.dir.path().join("prometheus"), &om);
    let config = config(&scratch, &logs);
    let range = ["--since".to_string(), instant(start), "--until".to_string(), instant(end)];
    let from_logs = Test::new().config(&config).args(["capacity", "history", "--format", "json"]).args(&range).run();
    let logs_slots = slots(&from_logs.json());
    assert_eq!(logs_slots.len(), 2 * 168, "a week of hours per proxy from logs");

    // The counters, differentiated by surplus, at the step the data holds (found: 15 s), and
    // rate() at a 1 m step: each the same slots as the logs, within 1%.
    let counter = ["--prometheus", &prometheus.url, "--query", "proxy_requests_total", "--counter"];
    let bytes = ["--bytes-query", "proxy_bytes_total"];
    let rate = ["--prometheus", &prometheus.url, "--query", "rate(proxy_requests_total[1m])", "--step", "1m"];
    for (what, args) in [("counter", &counter[..]), ("rate", &rate[..])] {
        let ran = Test::new()
            .config(&config)
            .args(["capacity", "history", "--format", "json"])
            .args(args)
            .args(if what == "counter" { &bytes[..] } else { &[][..] })
            .args(&range)
            .run();
        let got = slots(&ran.json());
        assert_eq!(got.len(), logs_slots.len(), "{what}: {}", ran.stderr);
        for (l, p) in logs_slots.iter().zip(&got) {
            assert_eq!((&l.0, &l.1), (&p.0, &p.1), "{what}: the same proxies and slots");
            // Logs cover a slot from its first request, steps from the slot's start: the
            // means compare where both cover the same seconds (all but a first quiet minute).
            let same_mean = l.6 != p.6 || within_1pct(l.4, p.4);
            assert!(
                within_1pct(l.2, p.2) && within_1pct(l.3, p.3) && same_mean,
                "{what}: {} {}: logs {l:?}, prometheus {p:?}",
                l.0,
                l.1
            );
            if what == "counter" {
                assert!(within_1pct(l.5, p.5), "bytes: logs {l:?}, prometheus {p:?}");
            }
        }
    }

    // The offers: a week forecast from each, per proxy and hour, within 1%.
    let window = ["--for".to_string(), format!("{}/168h", instant(end)), "--by-proxy".into()];
    let measure = |extra: &[&str]| {
        Test::new()
            .config(&config)
            .args(["capacity", "measure", "--format", "json"])
            .args(&window)
            .args(&range)
            .args(extra)
            .run()
            .json()
    };
    let logs_offers = measure(&[]);
    let prom_offers = measure(&counter);
    assert_eq!(prom_offers["prometheus"]["step_secs"], 15, "{prom_offers}");
    // 40,321 points a series over a week at 15 s: 5 range requests, and 1 to find the step.
    assert_eq!(prom_offers["prometheus"]["requests"], 6, "{prom_offers}");
    assert_eq!(prom_offers["profile"], "hour_of_week");
    let (a, b) = (logs_offers["slots"].as_array().unwrap(), prom_offers["slots"].as_array().unwrap());
    assert_eq!(a.len(), 168);
    assert_eq!(a.len(), b.len());
    let mut compared = 0;
    for (l, p) in a.iter().zip(b) {
        assert_eq!(l["start"], p["start"]);
        for (lp, pp) in l["proxies"].as_array().unwrap().iter().zip(p["proxies"].as_array().unwrap()) {
            assert_eq!(lp["name"], pp["name"]);
            let (lf, pf) = (lp["forecast_rps"].as_f64().unwrap(), pp["forecast_rps"].as_f64().unwrap());
            assert!(
                within_1pct(lf, pf),
                "{} at {}: forecast {lf} from logs, {pf} from Prometheus",
                lp["name"],
                l["start"]
            );
            compared += 1;
        }
        assert_eq!(l["offer_rps"], p["offer_rps"], "at {}", l["start"]);
    }
    assert_eq!(compared, 2 * 168);

    // One series for the fleet: shared over the proxies by capacity (40 : 30), and said so.
    let fleet = ["--prometheus", &prometheus.url, "--query", "sum(rate(proxy_requests_total[1m]))", "--step", "1m"];
    let ran = Test::new()
        .config(&config)
        .args(["capacity", "measure", "--format", "json"])
        .args(&window)
        .args(&range)
        .args(fleet)
        .stderr_contains("one series for the whole fleet: shared over the 2 proxies by their capacity_rps")
        .run();
    let json = ran.json();
    assert_eq!(json["prometheus"]["shared_by_capacity"], true);
    let first = &json["slots"][0]["proxies"];
    let (f1, f2) = (first[0]["forecast_rps"].as_f64().unwrap(), first[1]["forecast_rps"].as_f64().unwrap());
    // (Each figure is rounded to 3 decimals in the JSON.)
    assert!((f1 / f2 - 40.0 / 30.0).abs() < 2e-3, "{f1} : {f2}");

    // What can go wrong, against the real server, each a line and a non-zero exit.
    let fails = |args: &[&str], says: &str| {
        Test::new()
            .config(&config)
            .args(["capacity", "measure"])
            .args(&window[..2])
            .args(args)
            .status(1)
            .stderr_contains(says)
            .run()
    };
    let url = prometheus.url.as_str();
    let (since, until) = (instant(start), instant(end));
    let inside = ["--since", since.as_str(), "--until", until.as_str()];
    let ran = fails(
        &["--prometheus", url, "--query", "rate(proxy_requests_total[1m]", "--step", "1m"],
        "the server refused the query (bad_data)",
    );
    assert!(ran.stderr.contains("unclosed") || ran.stderr.contains("parse error"), "{}", ran.stderr);
    assert_eq!(ran.stderr.lines().count(), 1, "{}", ran.stderr);
    let down = format!("http://127.0.0.1:{}", prometheus_server::free_tcp_port());
    fails(&["--prometheus", &down, "--query", "proxy_requests_total", "--step", "15s"], "cannot reach the server");
    let (before, long_before) = (instant(start - 20 * DAY), instant(start - 30 * DAY));
    fails(
        &[
            "--prometheus",
            url,
            "--query",
            "proxy_requests_total",
            "--counter",
            "--since",
            &long_before,
            "--until",
            &before,
        ],
        "no data at all in",
    );
    let earlier = instant(start - DAY);
    let ran = fails(
        &[
            "--prometheus",
            url,
            "--query",
            "proxy_requests_total",
            "--counter",
            "--since",
            &earlier,
            "--until",
            &instant(end),
        ],
        &format!("data only from {} to {}", instant(start), instant(end)),
    );
    assert!(ran.stderr.contains("retention"), "{}", ran.stderr);
    let label = ["--prometheus", url, "--query", "proxy_requests_total", "--proxy-label", "proxy", "--step", "15s"];
    fails(&[&label[..], &inside].concat(), "has no `proxy` label");
    let nan = ["--prometheus", url, "--query", "proxy_requests_total / 0", "--step", "15s"];
    fails(&[&nan[..], &inside].concat(), "is not a number of requests");
    // Behind a proxy that wants a bearer token: refused without it, read with it.
    let upstream: std::net::SocketAddr = url.trim_start_matches("http://").parse().unwrap();
    let guard = crate::nginx::Nginx::bearer_guard(&scratch, "guard", "127.0.0.1", upstream, "s3cret");
    let guarded = format!("http://{}", guard.addr);
    let token = scratch.file("prom.token", "s3cret\n");
    let read = ["--prometheus", guarded.as_str(), "--query", "proxy_requests_total", "--counter", "--step", "15s"];
    fails(&[&read[..], &inside].concat(), "HTTP 401");
    Test::new()
        .config(&config)
        .args(["capacity", "measure"])
        .args(&window[..2])
        .args(read)
        .args(inside)
        .args(["--bearer-token-file", token.to_str().unwrap()])
        .run();

    // `config check --online` against the same server: a query that gives a scalar, and one
    // whose series have no host label, are refused with what they are.
    let online = |query: &str, says: &str| {
        let text = std::fs::read_to_string(&config).unwrap()
            + &format!("monitor:\n  prometheus_query: {{url: '{url}', query: '{query}'}}\n");
        let with_query = scratch.file("online.yaml", &text);
        Test::new().config(&with_query).args(["config", "check", "--online"]).status(1).stderr_contains(says).run();
    };
    online("scalar(sum(proxy_requests_total))", "the query gives a scalar, not one series per host or proxy");
    // (The history is hours old, so "now" has no sample of it: a series made up on the spot.)
    online(r#"label_replace(vector(3), "instance", "edge-1", "", "")"#, "has no `host` label");

    // A step that cuts slots is bad usage (exit 2), found before any request.
    Test::new()
        .config(&config)
        .args(["capacity", "measure", "--prometheus", url, "--query", "proxy_requests_total", "--step", "7s"])
        .status(2)
        .stderr("error: --step 7s: must be whole seconds that divide the slot (1h)\n")
        .run();
}

#[test]
fn prometheus_over_tls_is_read_with_the_systems_roots_and_capacity_in_the_config_needs_no_flags() {
    if !prometheus_server::available() {
        return;
    }
    let scratch = Scratch::empty();
    // A day of one proxy's counter, 10 rps, served over HTTPS only.
    let end = jiff::Timestamp::now().as_second().div_euclid(3600) * 3600 - 3600;
    let start = end - DAY;
    let mut om = String::from("# HELP proxy_requests Requests served.\n# TYPE proxy_requests counter\n");
    for (k, t) in (start..=end).step_by(15).enumerate() {
        writeln!(om, "proxy_requests_total{{instance=\"edge-1\"}} {} {t}", k * 150).unwrap();
    }
    om.push_str("# EOF\n");
    let (prometheus, ca) = PrometheusServer::with_history_over_tls(&scratch.dir.path().join("prometheus"), &om);
    assert!(prometheus.url.starts_with("https://127.0.0.1:"));
    let config = scratch.file(
        "surplus.yaml",
        &format!(
            "network: {{zone: cdn.example.net, nameservers: [{{name: ns1.cdn.example.net, addresses: [127.0.0.53]}}]}}\n\
             proxies:\n  - {{name: edge-1, addresses: [127.0.0.11], capacity_rps: 40}}\n\
             capacity:\n  prometheus: {{url: '{}', query: proxy_requests_total, counter: true}}\n",
            prometheus.url
        ),
    );
    let range = ["--since".to_string(), instant(start), "--until".to_string(), instant(end)];
    let window = format!("{}/1h", instant(end));
    // The test's CA is not among the system's roots: refused, as any unknown issuer is.
    let ran = Test::new()
        .config(&config)
        .args(["capacity", "measure", "--for", &window])
        .args(&range)
        .env("SSL_CERT_FILE", "/nonexistent")
        .status(1)
        .stderr_contains("cannot reach the server")
        .run();
    assert!(
        ran.stderr.to_lowercase().contains("certificate") || ran.stderr.contains("UnknownIssuer"),
        "{}",
        ran.stderr
    );
    // Trusted through SSL_CERT_FILE (where the system's roots are looked up first): the
    // config's `capacity.prometheus` alone, no flags, reads the day.
    let json = Test::new()
        .config(&config)
        .args(["capacity", "measure", "--for", &window, "--format", "json"])
        .args(&range)
        .env("SSL_CERT_FILE", ca.to_str().unwrap())
        .run()
        .json();
    assert_eq!(json["prometheus"]["url"], prometheus.url.as_str());
    assert_eq!(json["prometheus"]["step_secs"], 15);
    assert_eq!(json["profile"], "hour_of_day");
    assert_eq!(json["slots"][0]["forecast_rps"], 10.0, "{json}");
    assert_eq!(json["slots"][0]["offer_rps"], 26, "40 × 0.9 − 10");
}
