//! `report usage` over 30 days × 100 buyers of 5-minute rollups (864,000 of them), on each
//! backend (SQLite, and PostgreSQL when installed; see `support/bench_ledger.rs`). Target
//! < 2 s on PostgreSQL.
//!
//! Unlike `benches/report.rs`, which writes 51.8 million samples through `record_usage` (20
//! minutes and 7 GB on SQLite) so that the triggers make the rollups, this writes the rollups
//! themselves, in one statement; what a report reads is the same shape. The sales come from
//! real auctions (one per day, a bid per buyer).
//!
//! `cargo bench --bench report_rollups`.

#[path = "support/bench_ledger.rs"]
mod bench_ledger;
#[path = "../tests/support/pg_cluster.rs"]
#[allow(unused_imports)]
mod pg_cluster;

use std::process::Command;
use std::time::Instant;

use surplus::core::auction::{Bid, Rule, clear};
use surplus::core::billing::Billing;
use surplus::core::money::Money;
use surplus::core::service::Service;
use surplus::core::usage_report::{BUCKET_SECS, Period, ReportOptions, usage_lines};
use surplus::core::window::Window;
use surplus::ledger::{Ledger, NewAuction, NewBid, NewOffer};

const BUYERS: i64 = 100;
const DAYS: i64 = 30;
/// 2026-10-01T00:00:00Z.
const START: i64 = 1_790_812_800;
const DAY: i64 = 86_400;

/// The rollups, written once for both dialects (a recursive CTE: SQLite has no
/// `generate_series` built in). Buyers are `buyer-100` … `buyer-199`.
const ROLLUPS: &str = "
WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < 8639),
               b(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM b WHERE i < 99)
INSERT INTO usage_rollups (buyer, span, start, server, samples, seconds, purchased, measured_seconds,
                           served_requests, above_seconds, above_requests, peak_rps, proxy_answers,
                           fallback_answers, fraction_seconds, fraction_min, fraction_max)
SELECT 'buyer-' || CAST(100 + i AS TEXT), 300, CAST(1790812800 + 300 * n AS BIGINT), '127.0.0.53:53', 60, 300,
       30000, 300, 24000 + (i * 7 + n) % 50 * 100, 0, 0, 100.0, 12000, 6000, 150.0, 0.5, 0.725
FROM b, k";

fn buyer(i: i64) -> String {
    format!("buyer-{}", 100 + i)
}

fn build(bench: &bench_ledger::BenchLedger) {
    let began = Instant::now();
    let mut ledger = bench.open();
    let offers: Vec<NewOffer> =
        (0..DAYS * 24).map(|h| NewOffer { slot: Window::new(START + h * 3600, 3600).unwrap(), rps: 20_000 }).collect();
    ledger.save_offers(&offers, START - DAY, "bench").unwrap();
    for day in 0..DAYS {
        let new = NewAuction {
            window: Window::new(START + day * DAY, DAY).unwrap(),
            rps: Some(10_000),
            rule: Rule::Uniform,
            reserve: Money(500_000),
            closes_at: None,
            service: Service::Guaranteed,
            currency: "EUR".into(),
        };
        let auction = ledger.create_auction(&new, START - DAY).unwrap();
        let bids: Vec<NewBid> = (0..BUYERS)
            .map(|i| NewBid { buyer: buyer(i), rps: 100, min_rps: 0, price: Money(800_000 + i * 1000) })
            .collect();
        ledger.place_bids(auction.id, &bids, "EUR", START - DAY).unwrap();
        ledger
            .settle_auction(auction.id, START - DAY, false, |a, b: &[Bid]| clear(a.rps, a.reserve, a.rule, b))
            .unwrap();
    }
    drop(ledger);
    if bench.is_postgres() {
        let mut client = postgres::Client::connect(&bench.db, postgres::NoTls).unwrap();
        client.batch_execute(ROLLUPS).unwrap();
        client.batch_execute("VACUUM ANALYZE usage_rollups").unwrap();
    } else {
        let conn = rusqlite::Connection::open(&bench.db).unwrap();
        conn.execute_batch(ROLLUPS).unwrap();
    }
    eprintln!("[{}] built in {:.1?}", bench.name, began.elapsed());
}

/// The in-process report `benches/report.rs` times: read, split per sale, bill by p95.
fn report_in_process(ledger: &Ledger) -> usize {
    let range = Window::new(START, DAYS * DAY).unwrap();
    let sales = ledger.sales(None, None).unwrap();
    let usage = ledger.usage_buckets(None, range.start, range.end, BUCKET_SECS).unwrap();
    let opts = ReportOptions {
        range,
        period: Period::Sale,
        billing: Some(Billing::P95),
        overage_price: None,
        overage_currency: "EUR".into(),
        now: i64::MAX,
    };
    usage_lines(&sales, &usage, &opts).unwrap().len()
}

fn main() {
    for bench in bench_ledger::fresh_ledgers() {
        build(&bench);
        let location = surplus::ledger::location::Location::parse(&bench.db, std::path::Path::new("")).unwrap();
        let ledger = Ledger::open_location(&location, surplus::ledger::OpenOptions::read()).unwrap();
        for run in 1..=3 {
            let started = Instant::now();
            let lines = report_in_process(&ledger);
            println!(
                "[{}] report usage in process (read, attribute, bill p95), run {run}: {:.2} s ({lines} lines)",
                bench.name,
                started.elapsed().as_secs_f64()
            );
        }
        let config = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/surplus.yaml");
        for run in 1..=3 {
            let started = Instant::now();
            let out = Command::new(env!("CARGO_BIN_EXE_surplus"))
                .args(["-c", config, "--db", &bench.db, "report", "usage", "--format", "json"])
                .args(["--since", "2026-10-01T00:00Z", "--until", "2026-10-31T00:00Z"])
                .output()
                .unwrap();
            let took = started.elapsed().as_secs_f64();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            println!(
                "[{}] surplus report usage --format json, run {run}: {took:.2} s ({} bytes)",
                bench.name,
                out.stdout.len()
            );
        }
    }
}
