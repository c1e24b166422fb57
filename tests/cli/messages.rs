//! Exit codes and messages: bad usage exits 2 wherever it is found (by clap or by a check that
//! needs the config or the ledger), a failed operation 1, and each error names what to fix.

use std::time::{Duration, Instant};

use crate::test::{Backend, Scratch, WINDOW, backends};

#[test]
fn usage_errors_found_after_parsing_exit_2_like_clap_errors() {
    let s = Scratch::with_offers();
    let order = |args: &[&str]| {
        let mut all = vec!["market", "order"];
        all.extend(args);
        s.surplus(&all)
    };
    order(&["buy", "--buyer", "shop", "--window", "2026-11-30T16:30Z/1h", "--rps", "1", "--limit", "1"])
        .status(2)
        .stderr(
            "error: --window: window 2026-11-30T16:30Z/1h is not on the 1h slot grid (slots start at midnight UTC)\n",
        )
        .run();
    order(&["buy", "--buyer", "eve", "--window", WINDOW, "--rps", "1", "--limit", "1"])
        .status(2)
        .stderr("error: --buyer: unknown buyer `eve` (not in the configuration)\n")
        .run();
    s.surplus(&["capacity", "measure", "--for", "2026-11-30T16:30Z/1h"])
        .status(2)
        .stderr_contains("error: --for: window 2026-11-30T16:30Z/1h is not on the 1h slot grid")
        .run();
    s.surplus(&["capacity", "measure", "--for", WINDOW, "--margin", "1"])
        .status(2)
        .stderr("error: --margin 1: must be below 1 (1 would sell nothing)\n")
        .run();
    // A failed operation is still 1: nothing is wrong with how it was asked.
    s.surplus(&["market", "auction", "run", "9"]).status(1).stderr("error: no auction #9\n").run();
}

#[test]
fn negative_numbers_reach_the_check_that_explains_the_bound() {
    let s = Scratch::with_offers();
    s.surplus(&["market", "order", "buy", "--buyer", "shop", "--window", WINDOW, "--rps", "5", "--limit", "-1"])
        .status(2)
        .stderr_contains("error: invalid value '-1' for '--limit <PRICE>': prices must be > 0, got -1")
        .run();
    s.surplus(&["market", "order", "sell", "--window", WINDOW, "--rps", "-5", "--limit", "1"])
        .status(2)
        .stderr_contains("error: invalid value '-5' for '--rps <N>': -5 is not in 1..")
        .run();
    s.surplus(&["market", "auction", "create", "--window", WINDOW, "--reserve", "-0.5"])
        .status(2)
        .stderr_contains("error: invalid value '-0.5' for '--reserve <PRICE>': prices must be >= 0, got -0.5")
        .run();
}

#[test]
fn dns_query_takes_ip_addresses_and_says_so() {
    let s = Scratch::empty();
    s.surplus(&["dns", "query", "www.shop.example", "--server", "localhost:5353"])
        .status(2)
        .stderr_contains(
            "error: invalid value 'localhost:5353' for '--server <ADDR>': expected an IP address, ADDR or ADDR:PORT (like 127.0.0.1:5353); host names are not looked up",
        )
        .run();
    s.surplus(&["dns", "query", "a..b", "--server", "127.0.0.1:9"])
        .status(2)
        .stderr("error: \"a..b\" is not a domain name\n")
        .run();
    // An IPv6 address with a port is taken (nothing answers on the discard port: that is 1).
    s.surplus(&["dns", "query", "x.example", "--server", "[::1]:9", "--count", "1", "--timeout", "1"])
        .status(1)
        .stderr_contains("error: [::1]:9 answered none of 1 queries for x.example")
        .run();
}

#[test]
fn dns_query_against_a_silent_server_fails_after_one_timeout() {
    // A socket that receives and never answers: every query is lost.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    let s = Scratch::empty();
    let started = Instant::now();
    s.surplus(&["dns", "query", "www.shop.example", "--server", &addr, "--count", "300", "--timeout", "1"])
        .status(1)
        .stderr(&format!("error: {addr} answered none of 300 queries for www.shop.example (no answer within 1s)\n"))
        .run();
    // One after another with 2 s each, this took 10 minutes; all at once it is the one timeout.
    // The bound is loose on purpose: it tells "once" from "per query", not fast from slow.
    assert!(started.elapsed() < Duration::from_secs(60), "took {:?}", started.elapsed());
    drop(silent);
}

#[test]
fn an_unknown_buyer_is_an_error_naming_the_buyers_there_are() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let s = Scratch::with_offers_on(backend);
        s.surplus(&["market", "auction", "create", "--window", WINDOW]).run();
        s.surplus(&["market", "auction", "bid", "1", "--buyer", "news", "--rps", "5", "--price", "1"]).run();
        s.surplus(&["market", "auction", "run", "1"]).run();
        for command in [&["report", "usage"][..], &["market", "sales"]] {
            let mut args = command.to_vec();
            args.extend(["--buyer", "nosuch"]);
            s.surplus(&args).status(2).stderr("error: --buyer nosuch: no such buyer (buyers: api, news, shop)\n").run();
        }
        // A buyer with no sales in the time asked is not an error: it owes nothing there.
        s.surplus(&["report", "usage", "--buyer", "api"]).stdout("no sales of api in that time\n").run();
        // A buyer since removed from the configuration still has its sales, and is listed apart.
        let text =
            std::fs::read_to_string(crate::test::example_config()).unwrap().replace("- name: news", "- name: daily");
        let renamed = s.file("renamed.yaml", &text);
        let db = s.db();
        let with_renamed = |args: &[&str]| {
            crate::test::Test::new().now(crate::test::NOW).config(&renamed).args(["--db", db.as_str()]).args(args)
        };
        with_renamed(&["market", "sales", "--buyer", "news", "--format", "json"])
            .stdout_contains("\"buyer\": \"news\"")
            .run();
        with_renamed(&["report", "usage", "--buyer", "nosuch"])
            .status(2)
            .stderr("error: --buyer nosuch: no such buyer (buyers: api, daily, shop; only in the ledger: news)\n")
            .run();
    }
}

/// A ledger with something in every listing: offers, a cleared and an open auction, sales, and
/// resting orders.
fn busy(backend: Backend) -> Scratch {
    let s = Scratch::with_offers_on(backend);
    s.surplus(&["market", "auction", "create", "--window", "2026-11-30T16:00Z/2h", "--rps", "20"]).run();
    s.surplus(&["market", "auction", "bid", "1", "--buyer", "shop", "--rps", "10", "--price", "1.25"]).run();
    s.surplus(&["market", "auction", "run", "1"]).run();
    s.surplus(&["market", "auction", "create", "--window", "2026-11-30T18:00Z/2h", "--rps", "5"]).run();
    s.surplus(&["market", "auction", "bid", "2", "--buyer", "news", "--rps", "5", "--price", "0.75"]).run();
    s.surplus(&["market", "order", "sell", "--window", WINDOW, "--rps", "7", "--limit", "2"]).run();
    s.surplus(&["market", "order", "buy", "--buyer", "api", "--window", WINDOW, "--rps", "3", "--limit", "1"]).run();
    s
}

#[test]
fn every_csv_listing_follows_one_convention() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        csv_listings_of(&busy(backend));
    }
}

fn csv_listings_of(s: &Scratch) {
    let listings: &[&[&str]] = &[
        &["config", "check"],
        &["capacity", "offers"],
        &["market", "auction", "list"],
        &["market", "auction", "show", "1"],
        &["market", "auction", "run", "2", "--dry-run"],
        &["market", "sales"],
        &["market", "book", "--window", WINDOW],
        &["market", "orders"],
        &["report", "usage"],
        &["report", "sales"],
        &["report", "sales", "--by", "day"],
        &["report", "capacity"],
        &["dns", "status"],
    ];
    for listing in listings {
        let mut args = listing.to_vec();
        args.extend(["--format", "csv"]);
        let out = s.surplus(&args).run().stdout;
        let what = format!("surplus {}:\n{out}", args.join(" "));
        let mut reader = csv::Reader::from_reader(out.as_bytes());
        let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        for h in &headers {
            let snake = !h.is_empty() && h.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            assert!(snake, "header {h:?} is not snake_case in {what}");
        }
        let money = ["price", "total", "revenue", "reserve", "limit", "charge"];
        if headers.iter().any(|h| money.iter().any(|m| h.contains(m))) {
            assert!(headers.iter().any(|h| h == "currency"), "money without a currency column in {what}");
        }
        assert!(!headers.iter().any(|h| h == "window"), "a window in one cell in {what}");
        for record in reader.records() {
            for (h, cell) in headers.iter().zip(record.unwrap().iter()) {
                assert_ne!(cell, "-", "{h}: `-` for nothing, not an empty cell, in {what}");
                assert!(!cell.contains("Z/"), "{h}: a START/DURATION cell in {what}");
                // Times: RFC 3339 with `T` and seconds, never the tables' `2026-11-30 16:00Z`.
                let b = cell.as_bytes();
                let dated = b.len() >= 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[7] == b'-';
                if dated && !h.contains("method") {
                    assert!(cell.parse::<jiff::Timestamp>().is_ok() && cell.len() == 20, "{h}: {cell:?} in {what}");
                }
            }
        }
    }
}
