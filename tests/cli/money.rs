//! Money end to end: the bounds on prices, rps and windows that keep every total within the
//! ledger (refused before anything is written), and charges, totals and revenue printed to the
//! currency's minor unit, rounded half-even at the line, totals the sum of the printed lines.

use std::path::PathBuf;

use crate::test::{Scratch, Test, WINDOW, backends, example_config, root};

/// The first hour of [`WINDOW`], where the example offers 80 rps.
const HOUR: &str = "2026-11-30T16:00Z/1h";

/// A copy of the example config in `dir` with `from` replaced by `to` (and the log paths made
/// absolute, so the copy still reads the example's logs).
fn config_with(dir: &std::path::Path, from: &str, to: &str) -> PathBuf {
    let logs = root().join("examples/logs/");
    let text = std::fs::read_to_string(example_config()).unwrap();
    assert!(text.contains(from), "the example has no `{from}`");
    let text = text.replace(from, to).replace("path: logs/", &format!("path: {}", logs.display()));
    let path = dir.join("surplus.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Sells, in one pay-as-bid auction of [`HOUR`], 1 rps to each of `bids` (buyer, price).
fn sell(m: &Scratch, bids: &[(&str, &str)]) {
    m.surplus(&["market", "auction", "create", "--window", HOUR, "--reserve", "0.1", "--rule", "pay-as-bid"]).run();
    for (buyer, price) in bids {
        m.surplus(&["market", "auction", "bid", "1", "--buyer", buyer, "--rps", "1", "--price", price]).run();
    }
}

#[test]
fn a_price_above_the_bound_is_refused_before_anything_is_written() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let m = Scratch::with_offers_on(backend);
        m.surplus(&["market", "auction", "create", "--window", WINDOW, "--rule", "pay-as-bid"]).run();
        let too_much = "price 9223372036854.00 per rps-hour is above the largest surplus takes (1000.00";
        m.surplus(&["market", "auction", "bid", "1", "--buyer", "shop", "--rps", "10", "--price", "9223372036854"])
            .status(2)
            .stderr_contains(too_much)
            .run();
        let bids = m.file("bids.csv", "buyer,rps,price\nshop,10,0.80\nnews,10,9223372036854\n");
        m.surplus(&["market", "auction", "bid", "1", "--file", bids.to_str().unwrap()])
            .status(1)
            .stderr_contains(&format!("bids.csv:3: {too_much}"))
            .run();
        let bids =
            m.file("bids.yaml", "- {buyer: shop, rps: 10, price: 0.8}\n- {buyer: news, rps: 10, price: 1000.000001}\n");
        m.surplus(&["market", "auction", "bid", "1", "--file", bids.to_str().unwrap()])
            .status(1)
            .stderr_contains("bids.yaml:2: ")
            .stderr_contains("price 1000.000001 per rps-hour is above the largest surplus takes")
            .run();
        m.surplus(&["market", "auction", "create", "--window", HOUR, "--reserve", "1001"]).status(2).run();
        m.surplus(&["market", "order", "sell", "--window", WINDOW, "--rps", "5", "--limit", "9223372036854"])
            .status(2)
            .stderr_contains(too_much)
            .run();
        let orders = m.file("orders.csv", &format!("side,buyer,window,rps,limit\nsell,,{WINDOW},5,9223372036854\n"));
        m.surplus(&["market", "order", "--file", orders.to_str().unwrap()])
            .status(1)
            .stderr_contains(&format!("orders.csv:2: {too_much}"))
            .run();
        // Nothing was written: no bids, no orders, no sales.
        let show = m.surplus(&["market", "auction", "show", "1", "--format", "json"]).run().json();
        assert_eq!(show["bids"], serde_json::json!([]));
        assert_eq!(m.surplus(&["market", "orders", "--format", "json"]).run().json(), serde_json::json!([]));
        // The highest price there is still sells, and its total is exact.
        m.surplus(&["market", "auction", "bid", "1", "--buyer", "shop", "--rps", "10", "--price", "1000"]).run();
        let run = m.surplus(&["market", "auction", "run", "1", "--format", "json"]).run().json();
        assert_eq!(run["allocations"][0]["total"], "40000.00");
    }
}

#[test]
fn rps_and_windows_beyond_the_bounds_are_refused() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let m = Scratch::with_offers_on(backend);
        m.surplus(&["market", "auction", "create", "--window", WINDOW]).run();
        m.surplus(&["market", "auction", "bid", "1", "--buyer", "shop", "--rps", "10000001", "--price", "1"])
            .status(2)
            .stderr_contains("10000001 is not in 1..=10000000")
            .run();
        let bids = m.file("bids.csv", "buyer,rps,price\nshop,10000001,0.80\n");
        m.surplus(&["market", "auction", "bid", "1", "--file", bids.to_str().unwrap()])
            .status(1)
            .stderr_contains(
                "bids.csv:2: 10000001 rps is above the largest surplus takes (10000000 per bid, order or sale)",
            )
            .run();
        let orders = m.file("orders.csv", &format!("side,buyer,window,rps,limit\nbuy,shop,{WINDOW},10000001,1\n"));
        m.surplus(&["market", "order", "--file", orders.to_str().unwrap()])
            .status(1)
            .stderr_contains("orders.csv:2: rps: 10000001 rps is above the largest surplus takes")
            .run();
        // A window longer than 31 days: its total could pass what the ledger holds.
        let long = "2027-01-01T00:00Z/32d";
        m.surplus(&["market", "auction", "create", "--window", long, "--rps", "10", "--best-effort"])
            .status(2)
            .stderr_contains("window 2027-01-01T00:00Z/768h is longer than the longest surplus sells (31d)")
            .run();
        m.surplus(&["market", "order", "buy", "--buyer", "shop", "--window", long, "--rps", "1", "--limit", "1"])
            .status(2)
            .stderr_contains("is longer than the longest surplus sells (31d)")
            .run();
        assert_eq!(
            m.surplus(&["market", "auction", "list", "--format", "json"]).run().json().as_array().unwrap().len(),
            1
        );
        assert_eq!(m.surplus(&["market", "orders", "--format", "json"]).run().json(), serde_json::json!([]));
    }
}

#[test]
fn the_bounds_are_in_the_help() {
    let help = Test::new().args(["market", "auction", "bid", "--help"]).run().stdout;
    assert!(help.contains("1 to 10000000 rps") && help.contains("at most 1000"), "{help}");
    let help = Test::new().args(["market", "order", "buy", "--help"]).run().stdout;
    assert!(help.contains("at most 31 days") && help.contains("at most 1000"), "{help}");
}

#[test]
fn a_config_price_above_the_bound_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = config_with(dir.path(), "reserve_price: 0.50", "reserve_price: 9223372036854");
    Test::new()
        .config(&path)
        .args(["config", "check"])
        .status(1)
        .stderr_contains("market.reserve_price: price 9223372036854.00 per rps-hour is above the largest surplus takes")
        .run();
}

#[test]
fn charges_are_printed_to_the_cent_and_totals_add_up_the_printed_lines() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let m = Scratch::with_offers_on(backend);
        // 1 rps for 1 h at 0.125 (three times) and 0.135: 0.51 exactly, but bills of 0.12 (half to
        // even), 0.12, 0.12 and 0.14, which add up to 0.50.
        sell(&m, &[("shop", "0.125"), ("shop", "0.125"), ("shop", "0.125"), ("news", "0.135")]);
        let run = m.surplus(&["market", "auction", "run", "1"]).stdout_contains("revenue 0.50 EUR").run().stdout;
        let rows = run.lines().map(|l| l.split_whitespace().collect::<Vec<_>>());
        let totals: Vec<&str> = rows.filter(|r| r.len() == 9 && r[0].parse::<u32>().is_ok()).map(|r| r[8]).collect();
        assert_eq!(totals, ["0.14", "0.12", "0.12", "0.12"], "{run}");
        assert!(run.contains(" 0.125 "), "unit prices keep their decimals:\n{run}");

        m.surplus(&["market", "sales"]).stdout_contains("4 sales, 0.50 EUR in all").run();
        let csv = m.surplus(&["market", "sales", "--format", "csv"]).run().stdout;
        assert!(csv.lines().skip(1).all(|l| l.contains(",0.12,EUR,") || l.contains(",0.14,EUR,")), "{csv}");
        let json = m.surplus(&["market", "sales", "--format", "json"]).run().json();
        assert_eq!(json[1]["total"], "0.125", "JSON keeps the exact amount");

        let show = m.surplus(&["market", "auction", "show", "1", "--format", "csv"]).run().stdout;
        assert!(show.lines().nth(1).unwrap().ends_with(",0.125,0.12,EUR"), "{show}");

        m.surplus(&["report", "usage"])
            .stdout_contains("shop: 3 lines, 0 requests served, owes 0.36 EUR")
            .stdout_contains("news: 1 line, 0 requests served, owes 0.14 EUR")
            .stdout_contains("total: 4 lines, 2 buyers, 0.50 EUR")
            .run();
        let csv = m.surplus(&["report", "usage", "--format", "csv"]).run().stdout;
        let charges: Vec<&str> = csv.lines().skip(1).map(|l| l.rsplit(',').nth(1).unwrap()).collect();
        assert_eq!(charges, ["0.14", "0.12", "0.12", "0.12"], "{csv}");
        let json = m.surplus(&["report", "usage", "--format", "json"]).run().json();
        assert_eq!((&json[0]["charge"], &json[1]["charge"]), (&"0.135".into(), &"0.125".into()));

        // The operator's revenue is what the bills add up to; JSON keeps the exact sum.
        m.surplus(&["report", "sales"]).stdout_contains("4 periods, revenue 0.50 EUR").run();
        let json = m.surplus(&["report", "sales", "--format", "json"]).run().json();
        assert_eq!(json[0]["revenue"], "0.51");
    }
}

#[test]
fn a_currency_without_cents_is_printed_in_whole_units() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let m = Scratch::empty_on(backend);
        a_ledger_in_yen(&m);
    }
}

fn a_ledger_in_yen(m: &Scratch) {
    let config = config_with(m.dir.path(), "currency: EUR", "currency: JPY");
    let db = m.db();
    let surplus = |args: &[&str]| Test::new().now(crate::test::NOW).config(&config).args(["--db", &db]).args(args);
    surplus(&["capacity", "measure", "--for", WINDOW, "--save"]).run();
    surplus(&["market", "auction", "create", "--window", HOUR, "--reserve", "1", "--rule", "pay-as-bid"]).run();
    for (buyer, price) in [("shop", "2.5"), ("news", "3.5")] {
        surplus(&["market", "auction", "bid", "1", "--buyer", buyer, "--rps", "1", "--price", price]).run();
    }
    // 2.5 and 3.5 yen: half to even, 2 and 4.
    surplus(&["market", "auction", "run", "1"]).stdout_contains("revenue 6 JPY").run();
    let csv = surplus(&["market", "sales", "--format", "csv"]).run().stdout;
    assert!(csv.contains(",2.5,2,JPY,auction,") && csv.contains(",3.5,4,JPY,auction,"), "{csv}");
    surplus(&["report", "usage"]).stdout_contains("shop: 1 line, 0 requests served, owes 2 JPY").run();
}

#[test]
fn order_fills_say_what_they_cost_to_the_cent() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let m = Scratch::with_offers_on(backend);
        m.surplus(&["market", "order", "sell", "--window", HOUR, "--rps", "3", "--limit", "0.125"]).run();
        m.surplus(&["market", "order", "buy", "--buyer", "shop", "--window", HOUR, "--rps", "1", "--limit", "0.2"])
            .stdout_contains("traded 1 rps in 1 trade at 0.125 on average for 0.12 EUR; 0 resting, 0 cancelled")
            .run();
    }
}
