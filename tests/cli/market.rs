//! `surplus market auction …` and `market sales` against an on-disk ledger, from offers made by
//! `capacity measure --save` on the bundled example (80, 79, 77, 77 rps for 2026-11-30 16–20h).

use crate::test::{Scratch, WINDOW, backends};

/// Sales, as `market sales --format json` lists them.
fn sales(m: &Scratch) -> serde_json::Value {
    m.surplus(&["market", "sales", "--format", "json"]).run().json()
}

const BIDS: &str = "buyer,rps,price,min_rps\nshop,40,1.20,10\nnews,30,0.90,0\napi,20,0.80,15\nshop,10,0.60,0\n";

#[test]
fn an_auction_from_offer_to_sales() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let m = Scratch::with_offers_on(backend);
        m.surplus(&["market", "auction", "create", "--window", WINDOW, "--reserve", "0.50"])
            .stdout("created auction #1: 2026-11-30T16:00Z/4h, 77 rps, uniform, reserve 0.50 EUR, open\n")
            .run();
        let bids = m.file("bids.csv", BIDS);
        m.surplus(&["market", "auction", "bid", "1", "--file", bids.to_str().unwrap()])
            .stdout("placed 4 bids, #1..#4 on auction #1\n")
            .run();
        m.surplus(&["market", "auction", "bid", "1", "--buyer", "news", "--rps", "5", "--price", "0.70"]).run();

        // A dry run shows the result and writes nothing.
        m.surplus(&["market", "auction", "run", "1", "--dry-run"])
            .stdout_contains("revenue 154.00 EUR (dry run: nothing written)")
            .run();
        assert_eq!(sales(&m), serde_json::json!([]));

        // api's 20@0.80 wants ≥ 15 of the 7 left after shop and news: skipped; news' 5@0.70 wins;
        // shop's 10@0.60 gets the last 2. Nobody below the last winner lost: the reserve is the price.
        let run = m.surplus(&["market", "auction", "run", "1", "--format", "json"]).run().json();
        assert_eq!(run["sold_rps"], 77);
        assert_eq!(run["clearing_price"], "0.50");
        assert_eq!(run["revenue"], "154.00");
        let won: Vec<(i64, i64, &str)> = run["allocations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["bid_id"].as_i64().unwrap(), a["won_rps"].as_i64().unwrap(), a["total"].as_str().unwrap()))
            .collect();
        assert_eq!(won, [(1, 40, "80.00"), (2, 30, "60.00"), (5, 5, "10.00"), (4, 2, "4.00")]);
        assert_eq!(run["allocations"][2]["rank"], 4, "api's skipped bid keeps its rank");

        let rows: Vec<(String, i64, String, String, i64)> = m.sales();
        let rows: Vec<(&str, i64, &str, &str, i64)> =
            rows.iter().map(|(b, r, u, k, i)| (b.as_str(), *r, u.as_str(), k.as_str(), *i)).collect();
        // An auction's sales are recorded in the order its bids were placed (ledger/auctions.rs
        // says why), not in rank order: shop's bid #4 before news' #5.
        assert_eq!(
            rows,
            [
                ("shop", 40, "0.50", "auction", 1),
                ("news", 30, "0.50", "auction", 1),
                ("shop", 2, "0.50", "auction", 1),
                ("news", 5, "0.50", "auction", 1)
            ]
        );
        let sales = sales(&m);
        assert_eq!(sales[0]["window_start"], "2026-11-30T16:00:00Z");
        assert_eq!(sales[0]["window_end"], "2026-11-30T20:00:00Z");

        // A cleared auction takes no more bids.
        m.surplus(&["market", "auction", "bid", "1", "--buyer", "shop", "--rps", "5", "--price", "2"])
            .status(1)
            .stderr_contains("error: auction #1 was cleared at ")
            .run();
        // Once only; and the list and show agree.
        m.surplus(&["market", "auction", "run", "1"])
            .status(1)
            .stderr_contains("error: auction #1 was cleared at ")
            .run();
        let list = m.surplus(&["market", "auction", "list", "--status", "cleared", "--format", "json"]).run().json();
        assert_eq!(
            (list[0]["id"].as_i64(), list[0]["rps"].as_i64(), list[0]["status"].as_str()),
            (Some(1), Some(77), Some("cleared"))
        );
        m.surplus(&["market", "auction", "show", "1"])
            .stdout_contains("auction #1: 2026-11-30T16:00Z/4h, 77 rps, uniform, reserve 0.50 EUR, cleared")
            .run();

        // What is left: 3 rps in the first hour only (80 − 77); never more.
        m.surplus(&["market", "auction", "create", "--window", WINDOW])
            .status(1)
            .stderr("error: nothing is unsold in every slot of 2026-11-30T16:00Z/4h\n")
            .run();
        m.surplus(&["market", "auction", "create", "--window", "2026-11-30T16:00Z/1h", "--rps", "4"])
            .status(1)
            .stderr("error: only 3 rps are unsold in every slot of 2026-11-30T16:00Z/1h; asked for 4\n")
            .run();
        m.surplus(&["market", "auction", "create", "--window", "2026-11-30T16:00Z/1h"]).stdout_contains("3 rps").run();
        // Sold slots keep their offers when capacity is measured again.
        m.surplus(&["capacity", "measure", "--for", WINDOW, "--save"])
            .stderr_contains("saved 0 offers")
            .stderr_contains("kept 4")
            .run();
    }
}

#[test]
fn pay_as_bid_and_vickrey_prices() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        // Same bids, same allocation (shop 40, news 30, news 5, shop 2). Per hour, pay-as-bid is
        // 48, 27, 3.5, 1.2. Vickrey charges each winner what the others (and the 0.50 reserve on
        // unsold rps) lose because of it: shop's 40 displace news 5→… and api's 20, worth 58.5 − 31.7
        // = 26.8/h; news' 30: 74.5 − 52.7 = 21.8/h; news' 5: 79.2 − 76.2 = 3.0/h; shop's 2: 1.0/h.
        for (rule, totals, revenue) in [
            ("pay-as-bid", ["192.00", "108.00", "14.00", "4.80"], "318.80"),
            ("vickrey", ["107.20", "87.20", "12.00", "4.00"], "210.40"),
        ] {
            let m = Scratch::with_offers_on(backend);
            m.surplus(&["market", "auction", "create", "--window", WINDOW, "--rule", rule, "--reserve", "0.50"]).run();
            let bids = m.file("bids.csv", BIDS);
            m.surplus(&["market", "auction", "bid", "1", "--file", bids.to_str().unwrap()]).run();
            m.surplus(&["market", "auction", "bid", "1", "--buyer", "news", "--rps", "5", "--price", "0.70"]).run();
            let run = m.surplus(&["market", "auction", "run", "1", "--format", "json"]).run().json();
            let allocations = run["allocations"].as_array().unwrap();
            let won: Vec<i64> = allocations.iter().map(|a| a["won_rps"].as_i64().unwrap()).collect();
            assert_eq!(won, [40, 30, 5, 2], "{rule}");
            let paid: Vec<&str> =
                allocations.iter().filter(|a| a["won_rps"] != 0).map(|a| a["total"].as_str().unwrap()).collect();
            assert_eq!(paid, totals, "{rule}");
            assert_eq!(run["revenue"], revenue, "{rule}");
            assert_eq!(run["clearing_price"], serde_json::Value::Null);
        }
    }
}

#[test]
fn bad_bids_write_nothing() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let m = Scratch::with_offers_on(backend);
        m.surplus(&["market", "auction", "create", "--window", WINDOW]).run();
        let bad = m.file("bids.csv", "buyer,rps,price,min_rps\nshop,40,1.20,10\nmallory,30,0.90,0\n");
        m.surplus(&["market", "auction", "bid", "1", "--file", bad.to_str().unwrap()])
            .status(1)
            .stderr(&format!("error: {}:3: buyer: unknown buyer `mallory` (not in the configuration)\n", bad.display()))
            .run();
        let bad = m.file("bids.csv", "buyer,rps,price\nshop,40,1.20\nnews,thirty,0.90\n");
        m.surplus(&["market", "auction", "bid", "1", "--file", bad.to_str().unwrap()])
            .status(1)
            .stderr(&format!("error: {}:3: rps: invalid digit found in string\n", bad.display()))
            .run();
        let bad =
            m.file("bids.yaml", "- {buyer: shop, rps: 10, price: 1}\n- {buyer: news, rps: 5, price: 1, min_rps: 6}\n");
        m.surplus(&["market", "auction", "bid", "1", "--file", bad.to_str().unwrap()])
            .status(1)
            .stderr(&format!("error: {}:2: [1]: min_rps must be between 0 and rps (5), got 6\n", bad.display()))
            .run();
        m.surplus(&[
            "market",
            "auction",
            "bid",
            "1",
            "--buyer",
            "shop",
            "--rps",
            "5",
            "--price",
            "1",
            "--min-rps",
            "6",
        ])
        .status(2)
        .stderr("error: min_rps must be between 0 and rps (5), got 6\n")
        .run();
        m.surplus(&["market", "auction", "bid", "1", "--buyer", "eve", "--rps", "5", "--price", "1"])
            .status(2)
            .stderr_contains("unknown buyer `eve`")
            .run();
        m.surplus(&["market", "auction", "bid", "1", "--buyer", "shop", "--rps", "0", "--price", "1"]).status(2).run();
        m.surplus(&["market", "auction", "bid", "1", "--buyer", "shop", "--rps", "5", "--price", "0"]).status(2).run();
        m.surplus(&["market", "auction", "bid", "1", "--buyer", "shop", "--rps", "5", "--price", "-1"])
            .status(2)
            .stderr_contains("invalid value '-1' for '--price <PRICE>': prices must be > 0, got -1")
            .run();
        m.surplus(&["market", "auction", "bid", "7", "--buyer", "shop", "--rps", "5", "--price", "1"])
            .status(1)
            .stderr("error: no auction #7\n")
            .run();
        let show = m.surplus(&["market", "auction", "show", "1", "--format", "json"]).run().json();
        assert_eq!(show["bids"], serde_json::json!([]));
    }
}

#[test]
fn windows_need_offers_and_the_grid() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let m = Scratch::with_offers_on(backend);
        m.surplus(&["market", "auction", "create", "--window", "2026-11-30T18:00Z/4h"])
        .status(1)
        .stderr("error: no capacity is offered for 2026-11-30T20:00:00Z (window 2026-11-30T18:00Z/4h); run `surplus capacity measure --save` for it\n")
        .run();
        m.surplus(&["market", "auction", "create", "--window", "2026-11-30T16:30Z/1h"])
        .status(2)
        .stderr(
            "error: --window: window 2026-11-30T16:30Z/1h is not on the 1h slot grid (slots start at midnight UTC)\n",
        )
        .run();
        m.surplus(&["market", "auction", "create", "--window", "tomorrow/4h"]).status(2).run();
        m.surplus(&["market", "auction", "create", "--window", WINDOW, "--rps", "-3"]).status(2).run();
        assert_eq!(m.surplus(&["market", "auction", "list", "--format", "json"]).run().json(), serde_json::json!([]));
    }
}

#[test]
fn cancelling_releases_capacity_and_closed_auctions_refuse_bids() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let m = Scratch::with_offers_on(backend);
        m.surplus(&["market", "auction", "create", "--window", WINDOW, "--closes", "2026-11-30T14:00Z"]).run();
        m.surplus(&["market", "auction", "bid", "1", "--buyer", "shop", "--rps", "5", "--price", "1"])
            .now("2026-11-30T14:00Z")
            .status(1)
            .stderr("error: auction #1 closed for bids at 2026-11-30T14:00:00Z\n")
            .run();
        m.surplus(&["market", "auction", "cancel", "1"]).stdout_contains("cancelled auction #1").run();
        m.surplus(&["market", "auction", "run", "1"]).status(1).stderr_contains("auction #1 was cancelled at").run();
        m.surplus(&["market", "auction", "create", "--window", WINDOW]).stdout_contains("77 rps").run();
    }
}
