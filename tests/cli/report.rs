//! `surplus report usage|sales|capacity` on a ledger with real sales (auctions run through the
//! CLI) and usage samples written by the same call `dns serve` makes (`Ledger::record_usage`),
//! with hand-computed charges.

use surplus::ledger::UsageSample;

use crate::test::{AFTER, Backend, Scratch, WINDOW, backends};

/// 2026-11-30T16:00:00Z, the start of [`WINDOW`].
const T16: i64 = 1_796_054_400;
const H: i64 = 3600;

/// Writes one sample per 5 s in `[from, to)` for `buyer`, `served(t)` requests each.
fn samples(m: &Scratch, buyer: &str, from: i64, to: i64, purchased: i64, served: impl Fn(i64) -> Option<u64>) {
    let mut ledger = m.ledger();
    let batch: Vec<UsageSample> = (from..to)
        .step_by(5)
        .map(|t| UsageSample {
            server: "127.0.0.53:5353".into(),
            buyer: buyer.into(),
            start: t,
            seconds: 5,
            purchased_rps: purchased,
            proxy_answers: 6,
            fallback_answers: 4,
            fraction: 0.6,
            served_requests: served(t),
            monitor: if served(t).is_some() { "ok" } else { "stale" }.into(),
        })
        .collect();
    ledger.record_usage(&batch).unwrap();
}

/// shop 40 and news 30 rps guaranteed for [`WINDOW`] at 0.50 (uniform, the reserve); api 20
/// rps best effort for 18–20h and 10 rps for 22–02h, at 0.50.
fn market(backend: Backend) -> Scratch {
    let m = Scratch::with_offers_on(backend);
    m.surplus(&["market", "auction", "create", "--window", WINDOW]).run();
    let bids = m.file("bids.csv", "buyer,rps,price,min_rps\nshop,40,1.20,10\nnews,30,0.90,0\n");
    m.surplus(&["market", "auction", "bid", "1", "--file", bids.to_str().unwrap()]).run();
    m.surplus(&["market", "auction", "run", "1"]).run();
    for (n, window, rps) in [(2, "2026-11-30T18:00Z/2h", "20"), (3, "2026-11-30T22:00Z/4h", "10")] {
        m.surplus(&["market", "auction", "create", "--window", window, "--best-effort", "--rps", rps]).run();
        m.surplus(&["market", "auction", "bid", &n.to_string(), "--buyer", "api", "--rps", rps, "--price", "0.72"])
            .run();
        m.surplus(&["market", "auction", "run", &n.to_string()]).run();
    }
    m
}

/// The usage the tests below compute by hand:
/// - shop: 40 rps (200 per sample) 16–18h, 60 rps in 16:30–16:35, nothing 17:00–17:10 (the
///   server down), and nothing after 18h: 1,260 × 200 + 60 × 300 = 270,000 requests in 6,600
///   measured seconds.
/// - news: 25 rps for the whole window, the monitor stale 19:00–19:30.
/// - api: 10 rps 18–20h (72,000 requests), 5 rps 22–02h (36,000 a day).
pub fn used(backend: Backend) -> Scratch {
    let m = market(backend);
    let shop = |t: i64| Some(if (T16 + 1800..T16 + 2100).contains(&t) { 300 } else { 200 });
    samples(&m, "shop", T16, T16 + H, 40, shop);
    samples(&m, "shop", T16 + H + 600, T16 + 2 * H, 40, shop);
    samples(&m, "news", T16, T16 + 4 * H, 30, |t| (!(T16 + 3 * H..T16 + 3 * H + 1800).contains(&t)).then_some(125));
    samples(&m, "api", T16 + 2 * H, T16 + 4 * H, 20, |_| Some(50));
    samples(&m, "api", T16 + 6 * H, T16 + 10 * H, 10, |_| Some(25));
    m
}

/// `report usage --format json ARGS…`, once every sale is over.
fn usage_json(m: &Scratch, args: &[&str]) -> Vec<serde_json::Value> {
    let mut all = vec!["report", "usage", "--format", "json"];
    all.extend(args);
    m.surplus(&all).now(AFTER).run().json().as_array().unwrap().clone()
}

#[test]
fn usage_lines_have_exact_use_and_charges() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let m = used(backend);
        let lines = usage_json(&m, &[]);
        let summary: Vec<(&str, i64, Option<u64>, &str, &str)> = lines
            .iter()
            .map(|l| {
                (
                    l["buyer"].as_str().unwrap(),
                    l["sale_id"].as_i64().unwrap(),
                    l["served_requests"].as_u64(),
                    l["billing"].as_str().unwrap(),
                    l["charge"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                // 72,000 × 0.50 / 3600 = 10.00; 144,000 × 0.50 / 3600 = 20.00.
                ("api", 3, Some(72_000), "actual", "10.00"),
                ("api", 4, Some(72_000), "actual", "10.00"),
                // 30 × 4 × 0.50 and 40 × 4 × 0.50, whatever was used.
                ("news", 2, Some(2520 * 125), "reserved", "60.00"),
                ("shop", 1, Some(270_000), "reserved", "80.00"),
            ]
        );
        let shop = &lines[3];
        assert_eq!(shop["window_start"], "2026-11-30T16:00:00Z");
        assert_eq!(shop["window_end"], "2026-11-30T20:00:00Z");
        assert_eq!((shop["purchased_rps"].as_i64(), shop["measured_seconds"].as_i64()), (Some(40), Some(6600)));
        // 270,000 / 6,600 s = 40.909 rps, 102.273% of 40 rps.
        assert_eq!((shop["mean_rps"].as_f64(), shop["utilisation_pct"].as_f64()), (Some(40.909), Some(102.273)));
        // 22 buckets: 21 at 40 rps and one at 60: the 95th percentile (21st) is 40.
        assert_eq!((shop["peak_rps"].as_f64(), shop["p95_rps"].as_f64()), (Some(60.0), Some(40.0)));
        assert_eq!(
            (shop["above_purchase_requests"].as_u64(), shop["above_purchase_seconds"].as_i64()),
            (Some(6000), Some(300))
        );
        // Gaps: 17:00–17:10 and 18:00–20:00.
        assert_eq!((shop["gaps"].as_u64(), shop["gap_seconds"].as_i64()), (Some(2), Some(600 + 2 * H)));
        assert_eq!(
            (shop["proxy_answers"].as_u64(), shop["fallback_answers"].as_u64()),
            (Some(1320 * 6), Some(1320 * 4))
        );
        assert_eq!(shop["fraction_mean"].as_f64(), Some(0.6));
        assert_eq!(shop["rule"], "40 rps × 4 h × 0.50");
        assert_eq!((shop["currency"].as_str(), shop["unit_price"].as_str()), (Some("EUR"), Some("0.50")));
        // The stale half hour of news is a gap, not zero use.
        assert_eq!((lines[2]["gaps"].as_u64(), lines[2]["gap_seconds"].as_i64()), (Some(1), Some(1800)));
        assert_eq!(lines[2]["mean_rps"].as_f64(), Some(25.0));

        // p95 billing: 40 rps × 4 h × 0.50 (no overage: the p95 is not above the purchase).
        let p95 = usage_json(&m, &["--buyer", "shop", "--billing", "p95"]);
        assert_eq!(
            (p95.len(), p95[0]["charge"].as_str(), p95[0]["rule"].as_str()),
            (1, Some("80.00"), Some("p95 40 rps × 4 h × 0.50"))
        );
    }
}

#[test]
fn lines_by_slot_and_by_day_split_sales_at_their_boundaries() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let m = used(backend);
        let slots = usage_json(&m, &["--buyer", "shop", "--by", "slot"]);
        let got: Vec<(&str, Option<u64>, &str, Option<u64>)> = slots
            .iter()
            .map(|l| {
                (
                    l["window_start"].as_str().unwrap(),
                    l["served_requests"].as_u64(),
                    l["charge"].as_str().unwrap(),
                    l["gaps"].as_u64(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("2026-11-30T16:00:00Z", Some(660 * 200 + 60 * 300), "20.00", Some(0)),
                ("2026-11-30T17:00:00Z", Some(600 * 200), "20.00", Some(1)),
                ("2026-11-30T18:00:00Z", None, "20.00", Some(1)),
                ("2026-11-30T19:00:00Z", None, "20.00", Some(1)),
            ]
        );
        // api's 22:00–02:00 sale crosses midnight: a line for each day, 36,000 requests each.
        let days = usage_json(&m, &["--buyer", "api", "--by", "day", "--since", "2026-11-30T21:00Z"]);
        let got: Vec<(&str, &str, Option<u64>, &str)> = days
            .iter()
            .map(|l| {
                (
                    l["window_start"].as_str().unwrap(),
                    l["window_end"].as_str().unwrap(),
                    l["served_requests"].as_u64(),
                    l["charge"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("2026-11-30T22:00:00Z", "2026-12-01T00:00:00Z", Some(36_000), "5.00"),
                ("2026-12-01T00:00:00Z", "2026-12-01T02:00:00Z", Some(36_000), "5.00"),
            ]
        );
    }
}

#[test]
fn the_json_and_csv_keep_their_fields() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let m = used(backend);
        let lines = usage_json(&m, &["--buyer", "shop"]);
        let keys: Vec<&str> = lines[0].as_object().unwrap().keys().map(String::as_str).collect();
        let expected = [
            "buyer",
            "sale_id",
            "service",
            "seller",
            "mechanism",
            "window_start",
            "window_end",
            "hours",
            "purchased_rps",
            "measured_seconds",
            "served_requests",
            "mean_rps",
            "peak_rps",
            "p95_rps",
            "utilisation_pct",
            "above_purchase_seconds",
            "above_purchase_requests",
            "proxy_answers",
            "fallback_answers",
            "fraction_min",
            "fraction_mean",
            "fraction_max",
            "gap_seconds",
            "gaps",
            "billing",
            "rule",
            "unit_price",
            "charge",
            "currency",
        ];
        let mut sorted = expected.to_vec();
        sorted.sort();
        assert_eq!(keys, sorted, "serde_json sorts keys");
        let csv = m.surplus(&["report", "usage", "--buyer", "shop", "--format", "csv"]).run().stdout;
        assert_eq!(csv.lines().next().unwrap(), expected.join(","));
        assert!(csv.lines().nth(1).unwrap().starts_with("shop,1,guaranteed,,auction,2026-11-30T16:00:00Z,"));
    }
}

#[test]
fn the_table_ends_with_totals_per_buyer_and_gaps() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        used(backend)
        .surplus(&["report", "usage"])
        .stdout_contains("shop: 1 line, 270000 requests served, owes 80.00 EUR\n")
        .stdout_contains("api: 2 lines, 144000 requests served, owes 20.00 EUR\n")
        .stdout_contains("total: 4 lines, 3 buyers, 160.00 EUR; 2 lines have gaps (2h 40m without a measurement, not counted as use)\n")
        .run();
        market(backend)
            .surplus(&["report", "usage", "--buyer", "nobody"])
            .status(2)
            .stderr("error: --buyer nobody: no such buyer (buyers: api, news, shop)\n")
            .run();
        market(backend)
            .surplus(&["report", "usage", "--since", "2026-12-01T00:00Z", "--until", "2026-11-30T00:00Z"])
            .status(2)
            .stderr("error: --since 2026-12-01T00:00:00Z is not before --until 2026-11-30T00:00:00Z\n")
            .run();
    }
}

/// offered, sold by auction, best effort, unsold, used rps, and revenue.
type Period<'a> = (Option<f64>, f64, f64, Option<f64>, Option<f64>, &'a str);

#[test]
fn sales_and_capacity_per_slot() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let m = used(backend);
        let json = m.surplus(&["report", "capacity", "--format", "json", "--until", "2026-11-30T20:00Z"]).run().json();
        let got: Vec<Period> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|w| {
                (
                    w["offered_rps"].as_f64(),
                    w["sold_auction_rps"].as_f64().unwrap(),
                    w["best_effort_rps"].as_f64().unwrap(),
                    w["unsold_rps"].as_f64(),
                    w["used_rps"].as_f64(),
                    w["revenue"].as_str().unwrap(),
                )
            })
            .collect();
        // Offers 80, 79, 77, 77; 70 sold; used: shop 150,000 / 3,600 s + news 25, then shop
        // 120,000 / 3,000 s + news 25; api's use is billed (10 rps → 5.00 an hour).
        assert_eq!(
            got,
            [
                (Some(80.0), 70.0, 0.0, Some(10.0), Some(66.667), "35.00"),
                (Some(79.0), 70.0, 0.0, Some(9.0), Some(65.0), "35.00"),
                (Some(77.0), 70.0, 20.0, Some(7.0), Some(35.0), "40.00"),
                (Some(77.0), 70.0, 20.0, Some(7.0), Some(35.0), "40.00"),
            ]
        );
        m.surplus(&["report", "sales", "--until", "2026-11-30T20:00Z"])
            .stdout_contains("4 periods, revenue 150.00 EUR\n")
            .run();
    }
}

#[test]
fn the_chart_draws_served_with_its_gaps_and_the_purchase() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let m = used(backend);
        let path = m.dir.path().join("usage.svg");
        m.surplus(&["report", "usage", "--buyer", "shop", "--chart", path.to_str().unwrap()]).run();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..100.min(svg.len())]);
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("shop: requests per second"));
        // Served is blue, broken at the 17:00–17:10 gap: two lines before 18h; purchased is one
        // red line; the fraction one green line per run too.
        assert_eq!(svg.matches(r##"stroke="#1E5AC8""##).count(), 2 + 1, "two runs and the legend");
        assert_eq!(svg.matches(r##"stroke="#C81E1E""##).count(), 1 + 1);
        assert_eq!(svg.matches(r##"stroke="#148C3C""##).count(), 2);
    }
}

/// The fixture of the README's reconciliation: the ledger measured shop 16:00–16:10, and the
/// proxy's log (returned) counts 10 requests fewer then and 30 just after.
fn reconciled() -> (Scratch, std::path::PathBuf) {
    let m = market(Backend::Sqlite);
    // The ledger: 16:00–16:10 measured, 600 requests per 5 minutes for shop.
    samples(&m, "shop", T16, T16 + 600, 40, |_| Some(10));
    // The proxy's log: 590 requests in the first 5 minutes, 600 in the next, 30 in 16:10–16:15
    // when nothing was measured, and 40 for other hosts.
    let mut log = String::new();
    let mut line = |host: &str, t: i64| {
        let (m_, s) = ((t - T16) / 60, (t - T16) % 60);
        log.push_str(&format!(
            "{host}:443 203.0.113.7 - - [30/Nov/2026:16:{m_:02}:{s:02} +0000] \"GET / HTTP/1.1\" 200 512 \"-\" \"load\"\n"
        ));
    };
    (0..590).for_each(|i| line("www.shop.example", T16 + i * 300 / 590));
    (0..600).for_each(|i| line("www.shop.example", T16 + 300 + i / 2));
    (0..30).for_each(|i| line("shop.cdn.example.net", T16 + 600 + i * 10));
    (0..40).for_each(|i| line("elsewhere.example", T16 + i));
    let path = m.file("access.log", &log);
    (m, path)
}

#[test]
fn logs_reconcile_with_the_ledger() {
    let (m, path) = reconciled();
    let json = m
        .surplus(&["report", "usage", "--buyer", "shop", "--format", "json", "--logs", path.to_str().unwrap()])
        .run()
        .json();
    let shop = &json[0];
    assert_eq!(
        (shop["ledger_requests"].as_u64(), shop["logs_requests"].as_u64(), shop["difference"].as_i64()),
        (Some(1200), Some(1190), Some(10))
    );
    assert_eq!((shop["difference_pct"].as_f64(), shop["unmeasured_logs_requests"].as_u64()), (Some(0.84), Some(30)));
    m.surplus(&["report", "usage", "--buyer", "shop", "--logs", path.to_str().unwrap()])
        .stdout_contains("1260 log lines in 1 file: 0 skipped as malformed, 40 for hosts of no buyer\n")
        .run();
    // A log without the host cannot be split by buyer.
    let common = m.file("common.log", "203.0.113.7 - - [30/Nov/2026:16:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n");
    m.surplus(&["report", "usage", "--logs", common.to_str().unwrap()])
        .status(1)
        .stderr_contains("common.log: the common format has no Host, so requests cannot be told apart by buyer\n")
        .run();
}

#[test]
fn the_present_is_the_clock_given() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        // shop measured 16–17h only: at 18:00 one hour is missing; the rest has not happened yet.
        let m = market(backend);
        samples(&m, "shop", T16, T16 + H, 40, |_| Some(200));
        let gap_at = |now: &str| {
            let json = m.surplus(&["report", "usage", "--buyer", "shop", "--format", "json"]).now(now).run().json();
            json[0]["gap_seconds"].as_i64()
        };
        assert_eq!(gap_at("2026-11-30T18:00Z"), Some(H));
        assert_eq!(gap_at(AFTER), Some(3 * H));
        // A clock before the newest sample does not undo what was measured.
        assert_eq!(gap_at("2026-11-30T12:00Z"), Some(0));
    }
}

/// The README's billing examples (`--db /tmp/rr/surplus.db` is [`used`], `/tmp/rc/…` is
/// [`reconciled`]) print what the binary prints on those fixtures, at the README's
/// `SURPLUS_NOW`, which is the harness's.
#[test]
fn the_readme_report_examples_are_current() {
    let readme = std::fs::read_to_string(crate::test::root().join("README.md")).unwrap();
    let (rr, (rc, log)) = (used(Backend::Sqlite), reconciled());
    let lines: Vec<&str> = readme.lines().collect();
    let mut checked = 0;
    for (i, line) in lines.iter().enumerate() {
        let Some(command) = line.strip_prefix("$ surplus -c examples/surplus.yaml --db ") else { continue };
        let (m, args) = if let Some(args) = command.strip_prefix("/tmp/rr/surplus.db ") {
            (&rr, args.to_string())
        } else if let Some(args) = command.strip_prefix("/tmp/rc/surplus.db ") {
            (&rc, args.replace("/tmp/rc/access.log", log.to_str().unwrap()))
        } else {
            continue;
        };
        let printed: Vec<&str> =
            lines[i + 1..].iter().take_while(|l| !l.starts_with("$ ") && !l.starts_with("```")).copied().collect();
        let args: Vec<&str> = args.split_whitespace().collect();
        let ran = m.surplus(&args).run();
        let got: Vec<&str> = ran.stdout.lines().map(str::trim_end).collect();
        let want: Vec<&str> = printed.iter().map(|l| l.trim_end()).collect();
        assert_eq!(want, got, "README.md:{}: `{line}` prints something else now", i + 1);
        checked += 1;
    }
    assert!(checked >= 5, "found {checked} report examples in the README");
}

/// Not a check: writes the README's billing fixtures where its examples read them
/// (`/tmp/rr/surplus.db`, `/tmp/rc/surplus.db` and `/tmp/rc/access.log`), so a reader can run
/// them: `cargo test --test cli report::readme_ledgers -- --ignored`.
#[test]
#[ignore]
fn readme_ledgers() {
    let (rr, (rc, log)) = (used(Backend::Sqlite), reconciled());
    for dir in ["/tmp/rr", "/tmp/rc"] {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::copy(rr.db(), "/tmp/rr/surplus.db").unwrap();
    std::fs::copy(rc.db(), "/tmp/rc/surplus.db").unwrap();
    std::fs::copy(log, "/tmp/rc/access.log").unwrap();
}
