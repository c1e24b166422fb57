//! Config parsing and validation: the example loads, and bad values are named by line:column.

use std::path::{Path, PathBuf};

use super::*;

/// The least a config says; other modules' tests build on it.
pub(super) const MINIMAL: &str = "\
network:
  zone: cdn.example.net
  nameservers:
    - name: ns1.cdn.example.net
      addresses: [127.0.0.53]
proxies:
  - name: edge-1
    addresses: [127.0.0.11]
    capacity_rps: 100
";

pub(super) fn parse(text: &str) -> Result<Config, String> {
    Config::parse(text, Path::new("surplus.yaml"), PathBuf::from("/etc/surplus")).map_err(|e| e.to_string())
}

fn error(text: &str) -> String {
    parse(text).expect_err("config should be refused")
}

#[test]
fn the_example_is_valid_and_on_loopback() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/surplus.yaml");
    let config = Config::load(&path).unwrap();
    assert_eq!(config.proxies.len(), 3);
    assert_eq!(config.total_capacity(), 90.0);
    let mut addresses: Vec<std::net::IpAddr> = config.proxies.iter().flat_map(|p| p.addresses.clone()).collect();
    addresses.extend(config.network.nameservers.iter().flat_map(|n| n.addresses.clone()));
    for b in &config.buyers {
        addresses.extend(b.fallback.servers.iter().flatten().map(|s| s.address));
    }
    addresses.extend(config.dns.listen.iter().map(|a| a.ip()));
    assert!(addresses.iter().all(|a| a.is_loopback()), "{addresses:?}");
    assert_eq!(
        config.ledger_location(None).unwrap().to_string(),
        path.parent().unwrap().join("surplus.db").display().to_string()
    );
}

#[test]
fn defaults() {
    let c = parse(MINIMAL).unwrap();
    assert_eq!(c.network.ttl.secs(), 20);
    assert_eq!(c.market.slot.secs(), 3600);
    assert_eq!((c.market.quantile.0, c.market.margin.0), (0.95, 0.10));
    assert_eq!(c.market.overage_price, None);
    let c = parse(&format!("{MINIMAL}market:\n  overage_price: 1.20\n")).unwrap();
    assert_eq!(c.market.overage_price, Some(crate::core::money::Money(1_200_000)));
    assert_eq!(c.control.interval.secs(), 5);
    assert_eq!(c.control.keep_samples.secs(), 2 * 86_400);
    assert_eq!(c.ledger_location(None).unwrap().to_string(), "/etc/surplus/surplus.db");
    assert_eq!(c.ledger_location(Some(Path::new("x.db"))).unwrap().to_string(), "x.db");
    let pg = parse(&format!("{MINIMAL}database: postgres://surplus:secret@db.example.net/surplus\n")).unwrap();
    let at = pg.ledger_location(None).unwrap();
    assert_eq!(at.backend(), "postgres");
    assert!(!at.to_string().contains("secret"), "{at}");
    assert_eq!(c.ledger_location(Some(Path::new("sqlite:y.db"))).unwrap().to_string(), "y.db");
}

#[test]
fn value_errors_name_line_and_column() {
    let bad = MINIMAL.replace("capacity_rps: 100", "capacity_rps: -5");
    assert_eq!(error(&bad), "surplus.yaml:9:19: proxies[0].capacity_rps: expected requests per second > 0, got -5");
    let bad = MINIMAL.replace("127.0.0.11", "127.0.0.300");
    assert_eq!(error(&bad), "surplus.yaml:8:17: proxies[0].addresses[0]: invalid IP address syntax");
    let bad = MINIMAL.replace("zone: cdn.example.net", "zone: cdn..example.net");
    assert_eq!(
        error(&bad),
        "surplus.yaml:2:9: network.zone: `cdn..example.net` is not a domain name: each label must be 1 to 63 characters"
    );
    let bad = format!("{MINIMAL}market:\n  slot: 7m\n");
    assert_eq!(
        error(&bad),
        "surplus.yaml:11:9: market.slot: slot 7m must be a whole number of seconds, at least 1m, and divide a day evenly"
    );
    let bad = format!("{MINIMAL}market:\n  overage_price: -1\n");
    assert_eq!(error(&bad), "surplus.yaml:11:18: market.overage_price: expected a price >= 0, got -1.00");
    let bad = format!("{MINIMAL}market:\n  margin: 1.5\n");
    assert_eq!(error(&bad), "surplus.yaml:11:11: market.margin: expected a fraction between 0 and 1, got 1.5");
    let bad = format!("{MINIMAL}control:\n  keep_samples: 30m\n");
    assert_eq!(
        error(&bad),
        "surplus.yaml:11:17: control.keep_samples: expected at least 1h (samples not yet written are held up to an \
         hour), got 30m"
    );
    let bad = format!("{MINIMAL}control:\n  interval: soon\n");
    assert!(
        error(&bad).starts_with("surplus.yaml:11:13: control.interval: `soon` is not a duration"),
        "{}",
        error(&bad)
    );
}

#[test]
fn unknown_and_missing_keys() {
    let bad = MINIMAL.replace("capacity_rps", "capacity");
    assert!(
        error(&bad).starts_with("surplus.yaml:9:5: proxies[0]: unknown field `capacity`, expected one of"),
        "{}",
        error(&bad)
    );
    let bad = MINIMAL.replace("    capacity_rps: 100\n", "");
    assert_eq!(error(&bad), "surplus.yaml:7:5: proxies[0]: missing field `capacity_rps`");
    assert!(error("network: [").starts_with("surplus.yaml:1:"), "{}", error("network: ["));
}

#[test]
fn cross_item_errors_are_located_too() {
    let two = format!("{MINIMAL}  - name: edge-1\n    addresses: [127.0.0.12]\n    capacity_rps: 5\n");
    assert_eq!(error(&two), "surplus.yaml:10:11: proxies[1].name: duplicate proxy name `edge-1` (first at proxies[0])");

    let buyers = format!(
        "{MINIMAL}buyers:\n  - name: a\n    hosts: [x.example]\n    fallback: {{handback: o.example}}\n    estimate: 0.5\n  - name: b\n    hosts: [y.example, X.example.]\n    fallback: {{handback: o.example}}\n    estimate: 0.5\n"
    );
    assert_eq!(error(&buyers), "surplus.yaml:16:24: buyers[1].hosts[1]: host x.example is already a host of buyer a");

    let both = format!(
        "{MINIMAL}buyers:\n  - name: a\n    hosts: [x.example]\n    fallback: {{handback: o.example, resolve: o.example}}\n    estimate: 0.5\n"
    );
    assert_eq!(
        error(&both),
        "surplus.yaml:13:15: buyers[0].fallback: expected exactly one of `handback: NAME`, `servers: [...]` or `resolve: NAME`"
    );

    let bad_format = MINIMAL.replace("capacity_rps: 100", "capacity_rps: 100\n    log: {path: a.log, format: apache}");
    assert_eq!(
        error(&bad_format),
        "surplus.yaml:10:32: proxies[0].log.format: unknown log format `apache` (known: auto, combined, common, vhost_combined, combined_host, squid, json)"
    );

    let no_ns = MINIMAL
        .replace("    - name: ns1.cdn.example.net\n      addresses: [127.0.0.53]\n", "")
        .replace("nameservers:", "nameservers: []");
    assert_eq!(error(&no_ns), "surplus.yaml:3:16: network.nameservers: expected at least one name server");

    let health = MINIMAL.replace("capacity_rps: 100", "capacity_rps: 100\n    health: {interval: 5s}");
    assert_eq!(
        error(&health),
        "surplus.yaml:10:13: proxies[0].health: expected exactly one of `tcp: PORT` or `http: URL`"
    );
}

#[test]
fn a_buyer_host_cannot_be_a_proxy_name() {
    let clash = format!(
        "{MINIMAL}buyers:\n  - name: shop\n    hosts: [edge-1.cdn.example.net]\n    fallback: {{handback: o.example}}\n    estimate: 0.5\n"
    );
    assert_eq!(
        error(&clash),
        "surplus.yaml:12:13: buyers[0].hosts[0]: edge-1.cdn.example.net is both proxy edge-1 and a host of buyer shop"
    );
}

#[test]
fn read_errors_name_the_file() {
    let err = Config::load(Path::new("/nonexistent/surplus.yaml")).unwrap_err().to_string();
    assert_eq!(err, "/nonexistent/surplus.yaml: No such file or directory (os error 2)");
}

#[test]
fn durations_take_one_form() {
    // jiff's friendly format reads `20 seconds`; the config, like the command line, does not.
    let bad = MINIMAL.replace("  zone: cdn.example.net", "  zone: cdn.example.net\n  ttl: 20 seconds");
    assert_eq!(
        error(&bad),
        "surplus.yaml:3:8: network.ttl: `20 seconds` is not a duration: expected a number with a unit, like 90s, 15m, 1h, 1h30m or 2d"
    );
    let good = MINIMAL.replace("  zone: cdn.example.net", "  zone: cdn.example.net\n  ttl: 30s");
    assert_eq!(parse(&good).unwrap().network.ttl.secs(), 30);
}

#[test]
fn ports_above_65535_are_named() {
    let bad = format!("{MINIMAL}dns:\n  listen: [127.0.0.1:53, 127.0.0.1:99999]\n");
    assert_eq!(error(&bad), "surplus.yaml:11:26: dns.listen[1]: port 99999 is above 65535");
    let bad = format!("{MINIMAL}dns:\n  metrics: 127.0.0.1:70000\n");
    assert_eq!(error(&bad), "surplus.yaml:11:12: dns.metrics: port 70000 is above 65535");
    let bad = format!("{MINIMAL}dns:\n  metrics: localhost:9153\n");
    assert_eq!(
        error(&bad),
        "surplus.yaml:11:12: dns.metrics: `localhost:9153` is not ADDR:PORT: `localhost` is not an IP address (host names are not looked up)"
    );
    let bad = MINIMAL.replace("capacity_rps: 100", "capacity_rps: 100\n    health: {tcp: 99999}");
    assert_eq!(error(&bad), "surplus.yaml:10:19: proxies[0].health.tcp: port 99999 is above 65535");
    let good = format!("{MINIMAL}dns:\n  listen: ['[::1]:5353']\n  metrics: 127.0.0.1:9153\n");
    assert_eq!(parse(&good).unwrap().dns.listen[0].port(), 5353);
}

#[test]
fn a_misindented_key_is_reported_at_its_own_line() {
    // Indented less than its neighbours: the key leaves its mapping, which then misses it.
    for spaces in [2, 3] {
        let bad = MINIMAL.replace("    capacity_rps: 100", &format!("{}capacity_rps: 100", " ".repeat(spaces)));
        assert_eq!(
            error(&bad),
            format!(
                "surplus.yaml:9:{}: proxies[0].capacity_rps: indented to column {}, not 5 like the other keys of proxies[0] (line 7)",
                spaces + 1,
                spaces + 1
            )
        );
    }
    // Indented more: serde_yaml's parser stops at the key itself.
    let bad = MINIMAL.replace("    capacity_rps: 100", "      capacity_rps: 100");
    assert_eq!(error(&bad), "surplus.yaml:9:7: `capacity_rps` is not indented like the keys above it");
    // A key that is missing, not misplaced, is still reported as missing.
    let two = MINIMAL.replace("    capacity_rps: 100\n", "")
        + "  - name: edge-2\n    addresses: [127.0.0.12]\n    capacity_rps: 5\n";
    assert_eq!(error(&two), "surplus.yaml:7:5: proxies[0]: missing field `capacity_rps`");
}

#[test]
fn proxies_per_answer_are_1_to_8() {
    let bad = format!("{MINIMAL}dns:\n  answers: 0\n");
    assert_eq!(error(&bad), "surplus.yaml:11:12: dns.answers: expected 1 to 8 proxies per answer, got 0");
    let bad = format!("{MINIMAL}dns:\n  answers: 300\n");
    assert_eq!(error(&bad), "surplus.yaml:11:12: dns.answers: expected 1 to 8 proxies per answer, got 300");
    assert_eq!(parse(&format!("{MINIMAL}dns:\n  answers: 3\n")).unwrap().dns.answers, 3);
    assert_eq!(parse(MINIMAL).unwrap().dns.answers, 2);
}

/// `network.soa`: defaults inside RFC 1912 §2.2 (expire at least a week), minimum the TTL, and
/// timers that cannot work named at their key.
#[test]
fn soa_timers_default_inside_rfc1912_s2_2_and_bad_ones_are_named() {
    let config = parse(MINIMAL).unwrap();
    let t = config.network.soa_times();
    assert_eq!((t.refresh, t.retry, t.expire, t.minimum), (3600, 600, 1_209_600, 20));
    assert!(t.expire >= 604_800);
    assert_eq!(config.network.hostmaster(), "hostmaster.cdn.example.net");
    let with = |soa: &str| MINIMAL.replace("proxies:", &format!("  soa: {soa}\nproxies:"));
    let config =
        parse(&with("{refresh: 2h, retry: 15m, expire: 28d, minimum: 5m, hostmaster: dns.example.org}")).unwrap();
    let t = config.network.soa_times();
    assert_eq!((t.refresh, t.retry, t.expire, t.minimum), (7200, 900, 2_419_200, 300));
    assert_eq!(config.network.hostmaster(), "dns.example.org");
    assert_eq!(
        error(&with("{refresh: 10m, retry: 1h}")),
        "surplus.yaml:6:30: network.soa.retry: expected less than refresh (600s), got 3600s"
    );
    assert_eq!(
        error(&with("{expire: 1h}")),
        "surplus.yaml:6:17: network.soa.expire: expected at least refresh + retry (4200s; RFC 1912 §2.2 suggests 2 to 4 weeks), got 3600s"
    );
    assert!(error(&with("{minimum: 0s}")).contains("network.soa.minimum"), "{}", error(&with("{minimum: 0s}")));
    assert!(error(&with("{refresh: 30000d}")).contains("network.soa.refresh"));
    assert!(error(&with("{ttl: 1h}")).contains("unknown field `ttl`"));
}

#[test]
fn nsid_is_printable_ascii_and_the_cookie_secret_file_is_beside_the_config_rfc5001() {
    let bad = format!("{MINIMAL}dns:\n  nsid: \"node\\u0007\"\n");
    assert_eq!(
        error(&bad),
        "surplus.yaml:11:9: dns.nsid: expected printable ASCII of at most 255 bytes, got \"node\\u{7}\""
    );
    let long = format!("{MINIMAL}dns:\n  nsid: {}\n", "n".repeat(256));
    assert!(error(&long).starts_with("surplus.yaml:11:9: dns.nsid: expected printable ASCII"), "{}", error(&long));
    let c = parse(&format!("{MINIMAL}dns:\n  nsid: \"\"\n  cookie_secret_file: cookie.secret\n")).unwrap();
    assert_eq!(c.dns.nsid.as_deref(), Some(""));
    assert_eq!(c.cookie_secret_path(), Some(PathBuf::from("/etc/surplus/cookie.secret")));
    let c = parse(MINIMAL).unwrap();
    assert_eq!((c.dns.nsid.as_deref(), c.cookie_secret_path()), (None, None));
}

#[test]
fn the_examples_prometheus_sections_parse_once_uncommented() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/surplus.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    // The commented blocks that start `# monitor:` and `# capacity:`, up to the next blank line.
    let mut out = String::new();
    let mut inside = false;
    for line in text.lines() {
        inside = (inside && !line.is_empty()) || line == "# monitor:" || line == "# capacity:";
        out.push_str(if inside { line.strip_prefix("# ").unwrap_or(line) } else { line });
        out.push('\n');
    }
    let config = parse(&out).unwrap();
    let q = config.monitor.prometheus_query.unwrap();
    assert_eq!((q.label.as_str(), q.counter, q.proxies.unwrap().len()), ("host", false, 2));
    let h = config.capacity.prometheus.unwrap();
    assert_eq!((h.proxy_label.as_str(), h.step.map(|s| s.secs())), ("instance", Some(15)));
}

#[test]
fn prometheus_sources_are_checked_where_they_are_written() {
    let monitor = |body: &str| error(&format!("{MINIMAL}monitor:\n  prometheus_query:\n{body}"));
    assert_eq!(
        monitor("    url: prometheus:9090\n    query: x\n"),
        "surplus.yaml:12:10: monitor.prometheus_query.url: expected an http:// or https:// URL, got \"prometheus:9090\""
    );
    assert_eq!(
        monitor("    url: http://p:9090\n    query: x\n    proxies: [edge-1, edge-9]\n"),
        "surplus.yaml:14:23: monitor.prometheus_query.proxies[1]: no proxy is named edge-9"
    );
    let capacity = |body: &str| error(&format!("{MINIMAL}capacity:\n  prometheus:\n{body}"));
    assert_eq!(
        capacity("    url: http://p:9090\n    query: x\n    step: 7s\n"),
        "surplus.yaml:14:11: capacity.prometheus.step: expected whole seconds that divide market.slot (1h), got 7s"
    );
    assert!(capacity("    url: http://p:9090\n").contains("missing field `query`"));
}
