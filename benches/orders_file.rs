//! `surplus market order --file` through the ledger, end to end: 20,000 orders, half the
//! operator's asks and half buyers' bids at prices that cross (target ≥ 20,000 orders/s).
//!
//! `cargo bench --bench orders_file`.

use std::fmt::Write as _;
use std::process::Command;
use std::time::Instant;

use surplus::core::window::{Slot, Window};
use surplus::ledger::{Ledger, NewOffer};

const ORDERS: usize = 20_000;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ledger.db");
    let window = Window::new(1_795_600_800, 4 * 3600).unwrap(); // 2026-11-30T16:00Z/4h
    let offers: Vec<NewOffer> = window
        .slot_starts(Slot::HOUR)
        .map(|s| NewOffer { slot: Window::new(s, 3600).unwrap(), rps: 1_000_000 })
        .collect();
    Ledger::open(&db, surplus::ledger::OpenOptions::write("EUR")).unwrap().save_offers(&offers, 0, "bench").unwrap();

    let mut csv = String::from("side,buyer,window,rps,limit,tif\n");
    let mut x: u64 = 7;
    for i in 0..ORDERS {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let r = (x >> 33) as usize;
        if i % 2 == 0 {
            writeln!(csv, "sell,,{window},1,{},gtc", ["0.50", "0.60", "0.70"][r % 3]).unwrap();
        } else {
            let (buyer, tif) = (["shop", "news", "api"][r % 3], ["gtc", "ioc"][r / 3 % 2]);
            writeln!(csv, "buy,{buyer},{window},{},{},{tif}", 1 + r % 3, ["0.55", "0.65", "0.75"][r / 7 % 3]).unwrap();
        }
    }
    let file = dir.path().join("orders.csv");
    std::fs::write(&file, csv).unwrap();

    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/surplus.yaml");
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_surplus"))
        .args(["-c", config, "--db", db.to_str().unwrap(), "market", "order", "--file", file.to_str().unwrap()])
        .output()
        .unwrap();
    let took = started.elapsed().as_secs_f64();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    print!("{}", String::from_utf8_lossy(&out.stdout));
    println!("market order --file, {ORDERS} orders, end to end: {took:.2} s, {:.0} orders/s", ORDERS as f64 / took);
}
