//! The continuous market through the binary: orders, the book, resale, batches, and eight
//! processes trading against one ledger at once.

use std::process::{Command, Stdio};

use crate::test::{NOW, Scratch, Test, WINDOW, backends, example_config};

/// `market order ARGS… --window WINDOW`
fn order(e: &Scratch, args: &[&str]) -> Test {
    e.surplus(&[&["market", "order"], args, &["--window", WINDOW]].concat())
}

#[test]
fn orders_trade_at_the_resting_price() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let e = Scratch::with_offers_on(backend);
        order(&e, &["sell", "--rps", "50", "--limit", "0.80"])
            .stdout_contains("order #1 (sell, operator, 50 rps")
            .run();
        order(&e, &["sell", "--rps", "28", "--limit", "0.90"])
            .status(1)
            .stderr("error: only 27 rps are unsold in every slot of 2026-11-30T16:00Z/4h; asked for 28\n")
            .run();
        order(&e, &["buy", "--buyer", "shop", "--rps", "20", "--limit", "1.00"])
            .stdout_contains("traded 20 rps in 1 trade at 0.80 on average for 64.00 EUR; 0 resting, 0 cancelled")
            .run();
        order(&e, &["buy", "--buyer", "news", "--rps", "40", "--limit", "0.85", "--ioc"])
            .stdout_contains("traded 30 rps in 1 trade at 0.80 on average for 96.00 EUR; 0 resting, 10 cancelled")
            .run();
        order(&e, &["buy", "--buyer", "api", "--rps", "10", "--limit", "0.70"]).stdout_contains("10 resting").run();

        let book = e.surplus(&["market", "book", "--window", WINDOW, "--format", "json"]).run().json();
        assert_eq!(book["bids"], serde_json::json!([{"price": "0.70", "rps": 10, "orders": 1}]));
        assert_eq!(book["asks"], serde_json::json!([]));
        let rows = e.sales();
        let rows: Vec<(&str, i64, &str, &str, i64)> =
            rows.iter().map(|(b, r, u, k, i)| (b.as_str(), *r, u.as_str(), k.as_str(), *i)).collect();
        let sales = e.surplus(&["market", "sales", "--format", "json"]).run().json();
        assert_eq!(rows, [("shop", 20, "0.80", "order", 2), ("news", 30, "0.80", "order", 3)]);
        assert_eq!(sales[0]["total"], "64.00"); // 20 rps × 4 h × 0.80

        let open = e.surplus(&["market", "orders", "--open", "--format", "json"]).run().json();
        assert_eq!(open.as_array().unwrap().len(), 1);
        e.surplus(&["market", "order", "cancel", "4"]).stdout("cancelled order #4: 10 rps were still open\n").run();
        e.surplus(&["market", "order", "cancel", "4"])
            .status(1)
            .stderr("error: order #4 is cancelled, not open\n")
            .run();
        // 27 rps are still unsold; an auction can have them, not more.
        e.surplus(&["market", "auction", "create", "--window", WINDOW]).stdout_contains(", 27 rps,").run();
    }
}

#[test]
fn buyers_resell_only_what_they_hold() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let e = Scratch::with_offers_on(backend);
        order(&e, &["sell", "--rps", "30", "--limit", "0.50"]).run();
        order(&e, &["buy", "--buyer", "shop", "--rps", "30", "--limit", "0.50"]).run();
        order(&e, &["sell", "--buyer", "shop", "--rps", "31", "--limit", "2"])
            .status(1)
            .stderr("error: shop holds only 30 rps in every slot of 2026-11-30T16:00Z/4h; asked to sell 31\n")
            .run();
        order(&e, &["sell", "--buyer", "shop", "--rps", "10", "--limit", "2"]).run();
        order(&e, &["buy", "--buyer", "news", "--rps", "10", "--limit", "2"]).stdout_contains("traded 10 rps").run();
        let sales = e.surplus(&["market", "sales", "--buyer", "news", "--format", "json"]).run().json();
        assert_eq!((sales[0]["seller"].as_str(), sales[0]["rps"].as_i64()), (Some("shop"), Some(10)));
        // A resale does not use the network's supply: 77 − 30 sold by the operator is left.
        e.surplus(&["market", "auction", "create", "--window", WINDOW]).stdout_contains(", 47 rps,").run();
    }
}

#[test]
fn a_bad_line_in_an_order_file_places_nothing() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let e = Scratch::with_offers_on(backend);
        let file = e.dir.path().join("orders.csv");
        std::fs::write(
            &file,
            format!("side,buyer,window,rps,limit,tif\nsell,,{WINDOW},5,0.5,gtc\nbuy,mallory,{WINDOW},5,1,gtc\n"),
        )
        .unwrap();
        e.surplus(&["market", "order", "--file", file.to_str().unwrap()])
            .status(1)
            .stderr(&format!(
                "error: {}:3: buyer: unknown buyer `mallory` (not in the configuration)\n",
                file.display()
            ))
            .run();
        std::fs::write(
            &file,
            format!("side,buyer,window,rps,limit\nsell,,{WINDOW},5,0.5\nbuy,shop,2026-11-30T16:30Z/1h,5,1\n"),
        )
        .unwrap();
        e.surplus(&["market", "order", "--file", file.to_str().unwrap()])
            .status(1)
            .stderr_contains(":3: window: window 2026-11-30T16:30Z/1h is not on the 1h slot grid")
            .run();
        std::fs::write(&file, format!("side,buyer,window,rps,limit\nhold,,{WINDOW},5,0.5\n")).unwrap();
        e.surplus(&["market", "order", "--file", file.to_str().unwrap()])
            .status(1)
            .stderr_contains(":2: side: expected buy or sell, got `hold`")
            .run();
        std::fs::write(&file, format!("side,buyer,window,rps,limit\nsell,,{WINDOW},1,0.5\nsell,,{WINDOW},x,0.5\n"))
            .unwrap();
        e.surplus(&["market", "order", "--file", file.to_str().unwrap()])
            .status(1)
            .stderr(&format!("error: {}:3: rps: invalid digit found in string\n", file.display()))
            .run();
        std::fs::write(&file, format!("side,buyer,window,rps,limit\nsell,,{WINDOW},0,0.5\n")).unwrap();
        e.surplus(&["market", "order", "--file", file.to_str().unwrap()])
            .status(1)
            .stderr_contains(":2: rps: must be > 0, got 0")
            .run();
        assert_eq!(e.surplus(&["market", "orders", "--format", "json"]).run().json(), serde_json::json!([]));
    }
}

/// Eight processes, 500 orders each at prices that cross each other's, against one ledger whose
/// supply runs out part way: nothing is oversold, every order is placed or refused, the fills add
/// up, and no process trades on a stale book (which would leave the book crossed, or fill an
/// order twice).
#[test]
fn eight_processes_trading_at_once() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let e = Scratch::empty_on(backend);
        // 600 rps per proxy: about 1600 rps to sell per slot, against 8 × 250 asks of 1 rps.
        let config = e.dir.path().join("surplus.yaml");
        let text = std::fs::read_to_string(example_config())
            .unwrap()
            .replace("capacity_rps: 40 ", "capacity_rps: 600 ")
            .replace("capacity_rps: 30", "capacity_rps: 600")
            .replace("capacity_rps: 20", "capacity_rps: 600")
            .replace("path: logs/", &format!("path: {}/examples/logs/", env!("CARGO_MANIFEST_DIR")));
        std::fs::write(&config, text).unwrap();
        Test::new()
            .config(&config)
            .args(["--db", &e.db(), "capacity", "measure", "--for", WINDOW, "--save"])
            .now(NOW)
            .run();
        let buyers = ["shop", "news", "api"];
        let (asks, bids) = (["0.55", "0.60", "0.65"], ["0.50", "0.55", "0.60", "0.65", "0.70"]);
        let children: Vec<_> = (0..8)
            .map(|p| {
                let mut text = String::from("side,buyer,window,rps,limit,tif\n");
                for i in 0..500usize {
                    let k = i * 7 + p * 13;
                    if (i + p) % 2 == 0 {
                        text += &format!("sell,,{WINDOW},1,{},gtc\n", asks[k % 3]);
                    } else {
                        let tif = if k % 5 == 0 { "ioc" } else { "gtc" };
                        text += &format!("buy,{},{WINDOW},{},{},{tif}\n", buyers[k % 3], 1 + k % 2, bids[k % 5]);
                    }
                }
                let file = e.dir.path().join(format!("orders-{p}.csv"));
                std::fs::write(&file, text).unwrap();
                Command::new(env!("CARGO_BIN_EXE_surplus"))
                    .env("SURPLUS_NOW", NOW)
                    .args([
                        "-c",
                        config.to_str().unwrap(),
                        "--db",
                        &e.db(),
                        "market",
                        "order",
                        "--file",
                        file.to_str().unwrap(),
                    ])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let (mut placed, mut refused) = (0i64, 0i64);
        for child in children {
            let out = child.wait_with_output().unwrap();
            let stdout = String::from_utf8(out.stdout).unwrap();
            let stderr = String::from_utf8(out.stderr).unwrap();
            let summary = stdout.lines().last().unwrap_or_else(|| panic!("no summary; stderr: {stderr}"));
            let number = |after: &str, before: &str| -> i64 {
                let tail = &summary[summary.find(after).unwrap() + after.len()..];
                tail[..tail.find(before).unwrap()].trim().parse().unwrap()
            };
            placed += number("placed ", " orders");
            refused += number("cancelled; ", " refused");
            for line in stderr.lines().filter(|l| l.starts_with("refused: ")) {
                assert!(line.contains("rps are unsold in every slot"), "{line}");
            }
        }
        assert_eq!(placed + refused, 8 * 500, "every order is placed or refused");

        let count = |sql: &str| e.count(sql);
        assert_eq!(count("SELECT COUNT(*) FROM orders"), placed);
        assert_eq!(count("SELECT COUNT(*) FROM offers WHERE rps < sold + reserved"), 0, "oversold");
        assert_eq!(
            count(
                "SELECT COUNT(*) FROM offers o WHERE o.sold <> (SELECT COALESCE(SUM(rps), 0) FROM sales s WHERE s.seller IS NULL AND s.window_start < o.slot_end AND s.window_end > o.slot_start)"
            ),
            0
        );
        assert!(refused > 0, "supply should run out part way");
        let trades = count("SELECT COUNT(*) FROM sales");
        let across = count(
            "SELECT COUNT(*) FROM sales s JOIN orders b ON b.id = s.buy_order JOIN orders a ON a.id = s.sell_order WHERE abs(b.id - a.id) > 1",
        );
        assert!(trades > 100 && across > 0, "{trades} trades, {across} between orders placed apart");
        // Fills add up: every order's rps = what it traded + what rests or was cancelled.
        assert_eq!(
            count(
                "SELECT COUNT(*) FROM orders o WHERE o.rps <> CASE WHEN o.status = 'filled' THEN 0 ELSE o.remaining END
               + (SELECT COALESCE(SUM(s.rps), 0) FROM sales s WHERE s.buy_order = o.id OR s.sell_order = o.id)"
            ),
            0
        );
        // And the book is not left crossed.
        assert_eq!(
            count(
                "SELECT COUNT(*) FROM orders b, orders a WHERE b.side = 'buy' AND a.side = 'sell' AND b.status = 'open'
               AND a.status = 'open' AND b.limit_price >= a.limit_price"
            ),
            0
        );
    }
}
