//! Operating `dns serve`: the split measured from outside with `dns query`, reloads and stops
//! by signal, usage samples in the ledger, health changes, and `resolve:` fallbacks learned
//! from a DNS server run by the test.

use std::net::{Ipv4Addr, UdpSocket};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::{RData, Record, RecordType};

use crate::dns::{Server, first_in_line, subnet};
use crate::test::{Scratch, example_config};

/// The example config with `edits` (`(from, to)` text replacements, each of which must apply),
/// written into the scratch directory.
fn config_with(scratch: &Scratch, name: &str, edits: &[(&str, &str)]) -> PathBuf {
    let mut text = std::fs::read_to_string(example_config()).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "the example config has no {from:?}");
        text = text.replacen(from, to, 1);
    }
    scratch.file(name, &text)
}

/// Addresses in an answer, as text.
fn addresses(m: &Message) -> Vec<String> {
    let mut a: Vec<String> = m
        .answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::A(a) => Some(a.to_string()),
            _ => None,
        })
        .collect();
    a.sort();
    a
}

/// Polls `what` every 100 ms until it holds, for at most `secs` seconds.
fn eventually(secs: u64, message: &str, mut what: impl FnMut() -> bool) {
    let started = Instant::now();
    while !what() {
        assert!(started.elapsed() < Duration::from_secs(secs), "{message} (waited {secs} s)");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn dns_query_sees_each_client_subnet_stay_on_its_side_of_the_split() {
    let scratch = Scratch::empty();
    let server = Server::start_with(&scratch, &example_config(), &["--threads", "1"]);
    server.sell_now(&scratch, "shop", "shop.cdn.example.net.");
    let addr = server.addr.to_string();
    let ask = |extra: &[&str]| {
        let mut args =
            vec!["dns", "query", "shop.cdn.example.net", "--server", &addr, "--count", "1000", "--format", "json"];
        args.extend(extra);
        scratch.surplus(&args).run().json()
    };
    // The subnet first in line for shop's proxies gets them every time; the last in line (of
    // 256, so far above f = 0.5) never does.
    let first = format!("{}/24", first_in_line("shop"));
    let json = ask(&["--subnet", &first]);
    assert_eq!(
        (json["queries"].as_i64(), json["proxy"].as_i64(), json["errors"].as_i64()),
        (Some(1000), Some(1000), Some(0))
    );
    // edge-1 and edge-2 fail their health checks here, so every proxy answer is edge-3 alone.
    let answers = json["answers"].as_array().unwrap();
    let proxy_answers: Vec<&str> =
        answers.iter().filter(|a| a["kind"] == "proxy").map(|a| a["answer"].as_str().unwrap()).collect();
    assert_eq!(proxy_answers, ["127.0.0.13"]);
    let key = surplus::core::client_split::buyer_key("shop");
    let place = |i: &u32| {
        surplus::core::client_split::place(&surplus::core::client_hash::Subnet::of(subnet(*i).into(), 24), key)
    };
    let last = (0..256).max_by_key(place).map(subnet).unwrap();
    assert_eq!(ask(&["--subnet", &format!("{last}/24")])["fallback"], 1000);
    // Without a subnet this host's own address decides, the same way each time.
    let own = ask(&[]);
    assert!(own["proxy"] == 1000 || own["fallback"] == 1000, "{own:#}");

    // The table form says the same in a line a person reads.
    let table = scratch
        .surplus(&["dns", "query", "shop.cdn.example.net", "--server", &addr, "--count", "10", "--subnet", &first])
        .run()
        .stdout;
    assert!(table.contains(&format!("10 queries to {addr}: proxy 10 (100.0%), fallback 0")), "{table}");
    scratch
        .surplus(&["dns", "query", "x.example", "--subnet", "10.0.0.0/33"])
        .status(2)
        .stderr_contains("prefix length \"33\" is not 0 to 32")
        .run();
    // A name outside our zones is refused, and a bad server address is a clear error.
    let refused = scratch.surplus(&["dns", "query", "example.com", "--server", &addr, "--count", "2"]).run().stdout;
    assert!(refused.contains("REFUSED"), "{refused}");
    scratch
        .surplus(&["dns", "query", "x.example", "--server", "nowhere"])
        .status(2)
        .stderr_contains("error: invalid value 'nowhere' for '--server <ADDR>': expected an IP address")
        .run();
}

#[test]
fn sighup_reloads_a_good_config_keeps_the_old_on_a_bad_one_and_sigterm_stops_with_usage_written() {
    let scratch = Scratch::empty();
    let config = config_with(&scratch, "surplus.yaml", &[]);
    let mut server = Server::start_with(&scratch, &config, &[]);
    let news = |server: &Server| addresses(&server.query("news.example.org.", RecordType::A));
    let mut sent = 0;
    for _ in 0..10 {
        assert!(["127.0.0.21", "127.0.0.22"].contains(&news(&server)[0].as_str()));
        sent += 1;
    }

    // A good config: news's servers change without a restart.
    config_with(&scratch, "surplus.yaml", &[("- address: 127.0.0.21", "- address: 127.0.0.23")]);
    server.signal(libc::SIGHUP);
    server.wait_for_log("reloaded");
    // Logged once swapped in: from then on no thread answers from the old config.
    let seen: Vec<Vec<String>> = (0..20).map(|_| news(&server)).collect();
    sent += 20;
    assert!(seen.iter().all(|a| a == &["127.0.0.23"] || a == &["127.0.0.22"]), "{seen:?}");
    assert!(seen.iter().any(|a| a == &["127.0.0.23"]), "{seen:?}");

    // A bad config: reported, and the running one kept.
    scratch.file("surplus.yaml", "network: {zone: [}\n");
    server.signal(libc::SIGHUP);
    server.wait_for_log("reload failed, still serving the previous config");
    assert!(server.log().contains("surplus.yaml:1:"), "the error names the file and line:\n{}", server.log());
    for _ in 0..10 {
        assert!(["127.0.0.23", "127.0.0.22"].contains(&news(&server)[0].as_str()));
        sent += 1;
    }

    // SIGTERM: a clean exit, and every answer given is in the ledger's usage samples, once.
    server.signal(libc::SIGTERM);
    assert_eq!(server.wait_exit(), Some(0));
    assert!(server.log().contains("stopped"), "{}", server.log());
    let ledger = rusqlite::Connection::open(scratch.db()).unwrap();
    let (proxy, fallback): (i64, i64) = ledger
        .query_row(
            "SELECT sum(proxy_answers), sum(fallback_answers) FROM usage_samples WHERE buyer = 'news'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((proxy, fallback), (0, sent));
    let shop_rows: i64 =
        ledger.query_row("SELECT count(*) FROM usage_samples WHERE buyer = 'shop'", [], |r| r.get(0)).unwrap();
    assert!(shop_rows >= 1, "a sample per buyer per interval, answered or not");
}

#[test]
fn a_proxy_that_fails_its_health_check_gets_no_answers_until_it_recovers() {
    let scratch = Scratch::empty();
    let listener = std::net::TcpListener::bind("127.0.0.13:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // edge-3 gets a TCP health check on a port the test opens and closes; edge-1 and edge-2
    // have no listener and stay down.
    let config = config_with(
        &scratch,
        "surplus.yaml",
        &[("    capacity_rps: 20\n", &format!("    capacity_rps: 20\n    health: {{tcp: {port}, interval: 1s}}\n"))],
    );
    let server = Server::start_with(&scratch, &config, &[]);
    server.sell_now(&scratch, "shop", "shop.cdn.example.net.");
    let proxied = |server: &Server| server.proxied("shop.cdn.example.net.", 40);
    assert!(proxied(&server) >= 8);

    drop(listener);
    eventually(5, "edge-3 was not taken out", || proxied(&server) == 0);
    server.wait_for_log("proxy edge-3: unhealthy");

    let _listener = std::net::TcpListener::bind(("127.0.0.13", port)).unwrap();
    eventually(5, "edge-3 did not come back", || proxied(&server) >= 8);
    server.wait_for_log("proxy edge-3: healthy again");
}

/// A DNS server for the test: answers A queries for every name with `addresses` (TTL 1), AAAA
/// with no data, and nothing at all while `silent`.
struct BuyerDns {
    port: u16,
    addresses: Arc<Mutex<Vec<Ipv4Addr>>>,
    silent: Arc<AtomicBool>,
}

impl BuyerDns {
    fn start(addresses: &[Ipv4Addr]) -> BuyerDns {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = socket.local_addr().unwrap().port();
        let addresses = Arc::new(Mutex::new(addresses.to_vec()));
        let silent = Arc::new(AtomicBool::new(false));
        let (a, s) = (Arc::clone(&addresses), Arc::clone(&silent));
        std::thread::spawn(move || {
            let mut buf = [0u8; 1500];
            while let Ok((n, peer)) = socket.recv_from(&mut buf) {
                let Ok(query) = Message::from_vec(&buf[..n]) else { continue };
                if s.load(Ordering::Relaxed) {
                    continue;
                }
                let mut reply = Message::new(query.metadata.id, MessageType::Response, query.metadata.op_code);
                reply.metadata.authoritative = true;
                reply.metadata.response_code = ResponseCode::NoError;
                reply.add_queries(query.queries.clone());
                let q = &query.queries[0];
                if q.query_type() == RecordType::A {
                    for ip in a.lock().unwrap().iter() {
                        reply.add_answer(Record::from_rdata(q.name().clone(), 1, RData::A((*ip).into())));
                    }
                }
                let _ = socket.send_to(&reply.to_vec().unwrap(), peer);
            }
        });
        BuyerDns { port, addresses, silent }
    }
}

#[test]
fn a_resolve_fallback_answers_what_the_buyers_dns_says_and_keeps_it_when_that_fails() {
    let scratch = Scratch::empty();
    let buyer = BuyerDns::start(&[Ipv4Addr::new(127, 0, 0, 31), Ipv4Addr::new(127, 0, 0, 32)]);
    let config = config_with(
        &scratch,
        "surplus.yaml",
        &[("resolvers: [127.0.0.1:5300]", &format!("resolvers: [127.0.0.1:{}]", buyer.port))],
    );
    let server = Server::start_with(&scratch, &config, &["--threads", "1"]);
    let api = |server: &Server| addresses(&server.query("api.example.net.", RecordType::A));

    // api (`resolve: origin.api.example.net`, client_hash) has no sale: every answer is one of
    // the addresses its DNS gave, the same one for the same client.
    eventually(5, "the fallback's addresses were not learned", || !api(&server).is_empty());
    let first = api(&server);
    assert!(first == ["127.0.0.31"] || first == ["127.0.0.32"], "{first:?}");
    assert!((0..10).all(|_| api(&server) == first));
    server.wait_for_log("buyer api: origin.api.example.net is [127.0.0.31, 127.0.0.32]");

    // The buyer moves its origin: picked up at the TTL (1 s).
    *buyer.addresses.lock().unwrap() = vec![Ipv4Addr::new(127, 0, 0, 33)];
    eventually(5, "the new address was not learned", || api(&server) == ["127.0.0.33"]);

    // The buyer's DNS goes silent: the last addresses are kept.
    buyer.silent.store(true, Ordering::Relaxed);
    server.wait_for_log("buyer api: cannot resolve origin.api.example.net");
    assert!(server.log().contains("keeping 1 known addresses"), "{}", server.log());
    assert!((0..10).all(|_| api(&server) == ["127.0.0.33"]));
}

#[test]
fn dns_status_shows_each_buyer_from_the_server_and_from_the_ledger_when_it_is_gone() {
    let scratch = Scratch::empty();
    let mut server = Server::start(&scratch);
    server.sell_now(&scratch, "shop", "shop.cdn.example.net.");
    let at = server.metrics.trim_start_matches("http://").trim_end_matches("/metrics").to_string();
    // The example's edge-2 logs in `combined`, without the host: every buyer is open loop.
    server
        .wait_for_log("control: open loop (each buyer's f stays at its estimate): no monitor source for proxy edge-2");
    // The URL `dns serve` prints is taken as it is, and so is ADDR:PORT.
    let table = scratch.surplus(&["dns", "status", "--metrics", &server.metrics]).run().stdout;
    let shop = table.lines().find(|l| l.trim_start().starts_with("shop")).unwrap_or_else(|| panic!("{table}"));
    let cells: Vec<&str> = shop.split_whitespace().collect();
    // buyer, purchased, best effort, served, target, f, excluded, ceiling, proxy answers,
    // fallback answers, mode, monitor
    assert_eq!(
        (cells[1], cells[2], cells[5], cells[6], cells[7], cells[10], cells[11]),
        ("10.00", "-", "0.500", "0.000", "-", "open_loop", "none"),
        "{table}"
    );
    assert!(table.contains(&format!("from metrics http://{at}/metrics")), "{table}");
    assert!(table.contains("monitor edge-2: DOWN (none)"), "{table}");
    server.signal(libc::SIGTERM);
    assert_eq!(server.wait_exit(), Some(0));
    // No server now. Asked for by --metrics, that is an error, not stale samples unawares.
    scratch
        .surplus(&["dns", "status", "--metrics", &at])
        .status(1)
        .stderr_contains(&format!("error: --metrics http://{at}/metrics: no answer: "))
        .run();
    // From the config's dns.metrics (a port just closed), the ledger's newest samples, saying
    // which address was tried and why it was not used.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let config = config_with(&scratch, "closed.yaml", &[("metrics: 127.0.0.53:9153", &format!("metrics: {closed}"))]);
    let ran = crate::test::Test::new()
        .config(&config)
        .args(["--db", &scratch.db(), "dns", "status", "--format", "json"])
        .stderr_contains(&format!("note: dns.metrics http://{closed}/metrics: no answer: "))
        .stderr_contains("; showing the ledger's newest usage samples")
        .run();
    let json = ran.json();
    let source = json["source"].as_str().unwrap();
    assert!(
        source.starts_with("ledger ") && source.contains(&format!("dns.metrics http://{closed}/metrics")),
        "{json:#}"
    );
    let shop = json["buyers"].as_array().unwrap().iter().find(|b| b["buyer"] == "shop").unwrap();
    assert_eq!(
        (shop["purchased_rps"].as_f64(), shop["f"].as_f64(), shop["monitor"].as_str()),
        (Some(10.0), Some(0.5), Some("none"))
    );

    // --watch 1 prints the status again every second until stopped (here after 2.5 s); not on a
    // terminal, without clearing the screen.
    let mut watch = std::process::Command::new(env!("CARGO_BIN_EXE_surplus"))
        .args(["-c", config.to_str().unwrap(), "--db", &scratch.db()])
        .args(["dns", "status", "--watch", "1", "--format", "csv"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    watch.kill().unwrap();
    let out = watch.wait_with_output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let headers = text.lines().filter(|l| l.starts_with("buyer,purchased_rps,best_effort_rps,served_rps,")).count();
    assert!((2..=4).contains(&headers), "{headers} refreshes in 2.5 s:\n{text}");
    assert!(text.lines().filter(|l| l.starts_with("shop,10")).count() >= 2, "{text}");
    assert!(!text.contains('\x1b'), "no terminal codes when not on a terminal");
}

/// RFC 1034 §3.6.2, RFC 2181 §10.1: `www.shop.example` is delegated to us, so it is a zone
/// apex (SOA, NS) and cannot be a CNAME: its `handback: origin.shop.example` answers the
/// addresses the buyer's DNS gives for origin.shop.example, while the CNAMEd
/// `shop.cdn.example.net` keeps the CNAME. Before anything is learned it is SERVFAIL, and the
/// log says why.
#[test]
fn a_delegated_handback_host_answers_the_learned_addresses_not_a_cname_rfc1034_s3_6_2() {
    let scratch = Scratch::empty();
    let unlearned = Server::start(&scratch);
    unlearned.wait_for_log(
        "keeping 0 known addresses; until it does, fallback answers at www.shop.example are SERVFAIL (a zone apex cannot be a CNAME, RFC 1034 §3.6.2)",
    );
    let m = unlearned.query("www.shop.example.", RecordType::A);
    assert_eq!((m.metadata.response_code, m.answers.len()), (ResponseCode::ServFail, 0));
    drop(unlearned);

    let buyer = BuyerDns::start(&[Ipv4Addr::new(127, 0, 0, 31)]);
    let config = config_with(
        &scratch,
        "surplus.yaml",
        &[("resolvers: [127.0.0.1:5300]", &format!("resolvers: [127.0.0.1:{}]", buyer.port))],
    );
    let server = Server::start_with(&scratch, &config, &[]);
    let shop = |server: &Server| server.query("www.shop.example.", RecordType::A);
    eventually(5, "origin.shop.example was not learned", || addresses(&shop(&server)) == ["127.0.0.31"]);
    server.wait_for_log("buyer shop: origin.shop.example is [127.0.0.31]");
    for rtype in [RecordType::A, RecordType::AAAA, RecordType::TXT, RecordType::CNAME, RecordType::ANY] {
        let m = server.query("www.shop.example.", rtype);
        assert_eq!(m.metadata.response_code, ResponseCode::NoError, "{rtype}");
        assert!(m.answers.iter().all(|r| r.record_type() != RecordType::CNAME), "{rtype}: {m:?}");
    }
    let m = server.query("shop.cdn.example.net.", RecordType::A);
    assert!(matches!(&m.answers[0].data, RData::CNAME(c) if c.0.to_ascii() == "origin.shop.example."), "{m:?}");
}

/// The SOA serial is the zones' data's, recorded in the ledger: two servers of one config on
/// one ledger serve the same one; a change to the data (a proxy's address) gives a larger one;
/// a restart without a change keeps it (RFC 1035 §3.3.13, RFC 1982).
#[test]
fn every_server_of_the_same_zone_data_serves_the_same_serial_rfc1035_s3_3_13() {
    let scratch = Scratch::empty();
    let serial = |server: &Server, zone: &str| -> u32 {
        let m = server.query(zone, RecordType::SOA);
        let RData::SOA(soa) = &m.answers[0].data else { panic!("{m:?}") };
        soa.serial
    };
    let config = config_with(&scratch, "surplus.yaml", &[]);
    let a = Server::start_with(&scratch, &config, &[]);
    std::thread::sleep(Duration::from_millis(1100)); // a clock serial would differ by now
    let b = Server::start_with(&scratch, &config, &[]);
    let first = serial(&a, "cdn.example.net.");
    assert_eq!(serial(&b, "cdn.example.net."), first);
    assert_eq!(serial(&a, "www.shop.example."), serial(&b, "www.shop.example."));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    assert!(u64::from(first) + 60 > now && u64::from(first) <= now, "{first}: from the clock when first recorded");
    // NODATA's SOA carries it too.
    let m = a.query("ns1.cdn.example.net.", RecordType::AAAA);
    let RData::SOA(soa) = &m.authorities[0].data else { panic!("{m:?}") };
    assert_eq!(soa.serial, first);
    let news = serial(&a, "news.example.org.");
    drop((a, b));

    config_with(&scratch, "surplus.yaml", &[("addresses: [127.0.0.12]", "addresses: [127.0.0.19]")]);
    let changed = Server::start_with(&scratch, &config, &[]);
    let second = serial(&changed, "cdn.example.net.");
    assert!(second > first, "{second} after {first}");
    // A buyer zone's data did not change: its serial stays.
    assert_eq!(serial(&changed, "news.example.org."), news);
    let shop = serial(&changed, "www.shop.example.");
    drop(changed);
    let again = Server::start_with(&scratch, &config, &[]);
    assert_eq!((serial(&again, "cdn.example.net."), serial(&again, "www.shop.example.")), (second, shop));
    // A reload that changes no zone data keeps the serial; one that does moves it on.
    config_with(
        &scratch,
        "surplus.yaml",
        &[("addresses: [127.0.0.12]", "addresses: [127.0.0.19]"), ("estimate: 0.5", "estimate: 0.6")],
    );
    again.signal(libc::SIGHUP);
    again.wait_for_log("reloaded");
    assert_eq!(serial(&again, "cdn.example.net."), second);
    config_with(&scratch, "surplus.yaml", &[("addresses: [127.0.0.12]", "addresses: [127.0.0.18]")]);
    again.signal(libc::SIGHUP);
    eventually(5, "the reload's serial", || serial(&again, "cdn.example.net.") > second);
}

/// `dns serve` on a PostgreSQL ledger whose server really stops (fast shutdown: the session is
/// ended, connections are refused) and starts again on the same port, on a cluster of the
/// test's own. While it is down every answer is right and prompt (the answer path never waits
/// on the database), and the log says how many usage samples are held; once it is back the
/// server reconnects by itself and writes exactly those; after SIGTERM the ledger's samples
/// add up to exactly the answers sent.
#[test]
fn a_postgres_restart_during_dns_serve_keeps_answers_prompt_and_every_answer_counted_once() {
    let Some(mut cluster) = crate::pg_cluster::private() else { return };
    let (url, scratch, config) = one_second_intervals_on(&cluster);
    let mut server = Server::start_with(&scratch, &config, &[]);
    // Each query's time; one query for news (no sale: a fallback answer) each.
    let mut took: Vec<Duration> = Vec::new();
    let ask = |server: &Server, took: &mut Vec<Duration>| {
        let begun = Instant::now();
        let answer = addresses(&server.query("news.example.org.", RecordType::A));
        took.push(begun.elapsed());
        assert!(["127.0.0.21", "127.0.0.22"].contains(&answer[0].as_str()), "{answer:?}");
    };
    // The held counts the log has said so far, oldest first.
    let held = |server: &Server| -> Vec<u64> {
        server
            .log()
            .lines()
            .filter_map(|l| l.split_once("holding ")?.1.split_once(" usage samples until it is back")?.0.parse().ok())
            .collect()
    };
    let keep_asking = |took: &mut Vec<Duration>, until: &dyn Fn(&Server) -> bool, what: &str| {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !until(&server) {
            assert!(Instant::now() < deadline, "{what} within 20 s:\n{}", server.log());
            ask(&server, took);
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    for _ in 0..10 {
        ask(&server, &mut took);
    }
    let before = took.len();
    cluster.stop();
    // Down for two intervals' samples at least (three buyers each), the reconnect tried each time.
    keep_asking(&mut took, &|s| held(s).last().is_some_and(|&n| n >= 6), "6 samples held");
    cluster.start();
    keep_asking(&mut took, &|s| s.log().contains("while it was unreachable"), "the held samples written");
    let mut down = took[before..].to_vec();
    for _ in 0..7 {
        ask(&server, &mut took);
    }
    let sent = took.len() as i64;
    server.signal(libc::SIGTERM);
    assert_eq!(server.wait_exit(), Some(0));
    let log = server.log();
    // Each interval adds one sample per buyer, and what was written is what was last held.
    let counts = held(&server);
    assert!(counts.windows(2).all(|w| w[1] == w[0] + 3), "{counts:?}\n{log}");
    let wrote: Option<u64> =
        log.lines().find_map(|l| l.split("the ledger is back: wrote ").nth(1)?.split(' ').next()?.parse().ok());
    assert_eq!(wrote, counts.last().copied(), "{log}");
    assert!(log.contains("reconnected"), "{log}");
    // Prompt: an answer that waited on the database would wait for a reconnect (up to 1 s).
    down.sort();
    let (median, slowest) = (down[down.len() / 2], down[down.len() - 1]);
    eprintln!(
        "{} answers from the stop to the held samples' write: median {median:?}, slowest {slowest:?}; \
         held {counts:?}, then wrote {wrote:?}; {sent} answers in all",
        down.len()
    );
    assert!(slowest < Duration::from_millis(500), "median {median:?}, slowest {slowest:?}");
    assert_eq!(news_answers_in(&url), (0, sent), "{log}");
}

#[test]
fn usage_held_when_dns_serve_stops_with_postgres_down_is_spooled_and_written_by_the_next_start() {
    let Some(mut cluster) = crate::pg_cluster::private() else { return };
    let (url, scratch, config) = one_second_intervals_on(&cluster);
    let spool = config.parent().unwrap().join("usage-spool");
    let mut sent = 0;
    let ask = |server: &Server, sent: &mut i64| {
        let answer = addresses(&server.query("news.example.org.", RecordType::A));
        assert!(["127.0.0.21", "127.0.0.22"].contains(&answer[0].as_str()), "{answer:?}");
        *sent += 1;
    };
    let mut first = Server::start_with(&scratch, &config, &[]);
    for _ in 0..10 {
        ask(&first, &mut sent);
    }
    cluster.stop();
    // Answered while the ledger is down, then stopped before it is back.
    for _ in 0..5 {
        ask(&first, &mut sent);
        std::thread::sleep(Duration::from_millis(100));
    }
    first.signal(libc::SIGTERM);
    assert_eq!(first.wait_exit(), Some(0), "{}", first.log());
    let log = first.log();
    let kept: usize = log
        .lines()
        .find_map(|l| l.split("the ledger is unreachable: kept ").nth(1)?.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("nothing kept:\n{log}"));
    let files: Vec<PathBuf> = std::fs::read_dir(&spool).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(log.contains(&format!("in {}; the next `dns serve`", files[0].display())), "{log}");

    cluster.start();
    let mut second = Server::start_with(&scratch, &config, &[]);
    second.wait_for_log(&format!("{}: wrote {kept} spooled usage samples to the ledger", files[0].display()));
    assert!(second.log().contains(&format!("{}: {kept} usage samples a server", files[0].display())));
    for _ in 0..3 {
        ask(&second, &mut sent);
    }
    second.signal(libc::SIGTERM);
    assert_eq!(second.wait_exit(), Some(0), "{}", second.log());
    assert_eq!(std::fs::read_dir(&spool).unwrap().count(), 0, "the spool is emptied once written");
    assert_eq!(news_answers_in(&url), (0, sent), "{}{}", log, second.log());
}

#[test]
fn a_table_locked_on_a_postgres_ledger_holds_usage_for_a_moment_and_never_stalls_the_watcher() {
    let Some(cluster) = crate::pg_cluster::private() else { return };
    let (url, scratch, config) = one_second_intervals_on(&cluster);
    let mut server = Server::start_with(&scratch, &config, &[]);
    let mut sent = 0i64;
    let ask = |server: &Server, sent: &mut i64| {
        let answer = addresses(&server.query("news.example.org.", RecordType::A));
        assert!(["127.0.0.21", "127.0.0.22"].contains(&answer[0].as_str()), "{answer:?}");
        *sent += 1;
    };
    ask(&server, &mut sent);
    std::thread::sleep(Duration::from_millis(1500)); // a sample written
    // An operator's session takes the whole table and keeps it for 8 s.
    let mut operator = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let mut lock = operator.transaction().unwrap();
    lock.batch_execute("LOCK TABLE usage_samples IN ACCESS EXCLUSIVE MODE").unwrap();
    let locked = Instant::now();
    let held = |server: &Server| server.log().contains("usage samples until it is back");
    while !held(&server) {
        assert!(locked.elapsed() < Duration::from_secs(7), "the write waited on the lock:\n{}", server.log());
        ask(&server, &mut sent);
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(server.log().contains("lock timeout"), "{}", server.log());
    std::thread::sleep(Duration::from_secs(8).saturating_sub(locked.elapsed()));
    lock.commit().unwrap();
    server.wait_for_log("while it was unreachable");
    ask(&server, &mut sent);
    server.signal(libc::SIGTERM);
    assert_eq!(server.wait_exit(), Some(0));
    assert_eq!(news_answers_in(&url), (0, sent), "{}", server.log());
}

/// A fresh database on `cluster`, a scratch directory on it, and the example config with a 1 s
/// control interval (a sample a second).
fn one_second_intervals_on(cluster: &crate::pg_cluster::PrivateCluster) -> (String, Scratch, PathBuf) {
    let url = cluster.fresh_database();
    let scratch = Scratch::on_database(url.clone());
    let config = config_with(
        &scratch,
        "surplus.yaml",
        &[("  interval: 5s        # how often served", "  interval: 1s        # how often served")],
    );
    (url, scratch, config)
}

/// news's (proxy, fallback) answers in the ledger at `url`, over every sample.
fn news_answers_in(url: &str) -> (i64, i64) {
    let mut ledger = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let row = ledger
        .query_one(
            "SELECT sum(proxy_answers)::bigint, sum(fallback_answers)::bigint FROM usage_samples WHERE buyer = 'news'",
            &[],
        )
        .unwrap();
    (row.get(0), row.get(1))
}
