//! `surplus market order --file` through the ledger, end to end, on each backend (SQLite, and
//! PostgreSQL when installed; see `support/bench_ledger.rs`):
//! - 20,000 orders, half the operator's asks and half buyers' bids at prices that cross
//!   (target ≥ 20,000 orders/s on SQLite);
//! - 100,000 buyers' bids that all rest, so the book grows to 100,000 orders (target
//!   ≥ 5,000 orders/s on PostgreSQL).
//!
//! `cargo bench --bench orders_file`.

#[path = "support/bench_ledger.rs"]
mod bench_ledger;
#[path = "../tests/support/pg_cluster.rs"]
#[allow(unused_imports)]
mod pg_cluster;

use std::fmt::Write as _;
use std::process::Command;
use std::time::Instant;

use surplus::core::window::{Slot, Window};
use surplus::ledger::NewOffer;

fn main() {
    for bench in bench_ledger::fresh_ledgers() {
        run(&bench, "crossing", &crossing(20_000));
    }
    for bench in bench_ledger::fresh_ledgers() {
        run(&bench, "resting buys", &resting_buys(100_000));
    }
}

fn window() -> Window {
    bench_ledger::tomorrow() // orders are taken only before their window
}

/// Half the operator's asks, half bids that cross them.
fn crossing(orders: usize) -> String {
    let window = window();
    let mut csv = String::from("side,buyer,window,rps,limit,tif\n");
    let mut x: u64 = 7;
    for i in 0..orders {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let r = (x >> 33) as usize;
        if i % 2 == 0 {
            writeln!(csv, "sell,,{window},1,{},gtc", ["0.50", "0.60", "0.70"][r % 3]).unwrap();
        } else {
            let (buyer, tif) = (["shop", "news", "api"][r % 3], ["gtc", "ioc"][r / 3 % 2]);
            writeln!(csv, "buy,{buyer},{window},{},{},{tif}", 1 + r % 3, ["0.55", "0.65", "0.75"][r / 7 % 3]).unwrap();
        }
    }
    csv
}

/// Bids with nothing to sell them: every one rests.
fn resting_buys(orders: usize) -> String {
    let window = window();
    let mut csv = String::from("side,buyer,window,rps,limit,tif\n");
    for i in 0..orders {
        let buyer = ["shop", "news", "api"][i % 3];
        writeln!(csv, "buy,{buyer},{window},{},0.{:02},gtc", 1 + i % 3, 10 + i % 50).unwrap();
    }
    csv
}

fn run(bench: &bench_ledger::BenchLedger, what: &str, csv: &str) {
    let offers: Vec<NewOffer> = window()
        .slot_starts(Slot::HOUR)
        .map(|s| NewOffer { slot: Window::new(s, 3600).unwrap(), rps: 1_000_000 })
        .collect();
    bench.open().save_offers(&offers, 0, "bench").unwrap();
    let orders = csv.lines().count() - 1;
    let file = bench.dir.path().join("orders.csv");
    std::fs::write(&file, csv).unwrap();

    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/surplus.yaml");
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_surplus"))
        .args(["-c", config, "--db", &bench.db, "market", "order", "--file", file.to_str().unwrap()])
        .output()
        .unwrap();
    let took = started.elapsed().as_secs_f64();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    if let Some(last) = stdout.lines().last() {
        println!("{last}");
    }
    println!(
        "[{}] market order --file, {orders} orders ({what}), end to end: {took:.2} s, {:.0} orders/s",
        bench.name,
        orders as f64 / took
    );
}
