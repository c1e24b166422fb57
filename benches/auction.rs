//! Auction speed: clearing 1,000,000 bids in memory under each rule (target < 1 s), and
//! `surplus market auction run` on 1,000,000 bids stored in the ledger, end to end (target < 5 s).
//!
//! `cargo bench --bench auction`.

use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use criterion::{Criterion, criterion_group};
use surplus::core::auction::{Bid, Rule, clear};
use surplus::core::money::Money;
use surplus::core::window::Window;
use surplus::ledger::{Ledger, NewAuction, NewBid, NewOffer};

const BIDS: usize = 1_000_000;

/// Deterministic pseudo-random bids: rps 1..100, prices 0.01..10.00, a third with a min-rps.
fn bids() -> Vec<Bid> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        x >> 33
    };
    (0..BIDS)
        .map(|i| {
            let rps = (next() % 100 + 1) as i64;
            let min_rps = if next() % 3 == 0 { rps / 2 } else { 0 };
            Bid { id: i as i64 + 1, rps, min_rps, price: Money((next() % 1000 + 1) as i64 * 10_000) }
        })
        .collect()
}

/// Supply for about a third of the demand, so there are many winners and many losers.
const SUPPLY: i64 = 16_000_000;

fn clearing(c: &mut Criterion) {
    let bids = bids();
    let mut group = c.benchmark_group("clear_1m_bids");
    group.sample_size(10);
    for rule in [Rule::Uniform, Rule::PayAsBid, Rule::Vickrey] {
        group.bench_function(rule.name(), |b| b.iter(|| clear(SUPPLY, Money(50_000), rule, black_box(&bids)).sold_rps));
    }
    group.finish();
}

/// One timed run of the real binary on a ledger holding 1,000,000 bids.
fn end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ledger.db");
    let window = Window::new(1_795_600_800, 4 * 3600).unwrap(); // 2026-11-30T16:00Z/4h
    {
        let mut ledger = Ledger::open(&db, surplus::ledger::OpenOptions::write("EUR")).unwrap();
        let offers: Vec<NewOffer> = window
            .slot_starts(surplus::core::window::Slot::HOUR)
            .map(|s| NewOffer { slot: Window::new(s, 3600).unwrap(), rps: SUPPLY })
            .collect();
        ledger.save_offers(&offers, 0, "bench").unwrap();
        let auction = ledger
            .create_auction(
                &NewAuction {
                    window,
                    rps: None,
                    rule: Rule::Uniform,
                    reserve: Money(50_000),
                    closes_at: None,
                    service: Default::default(),
                    currency: "EUR".into(),
                },
                0,
            )
            .unwrap();
        let names = ["shop", "news", "api"];
        let new: Vec<NewBid> = bids()
            .iter()
            .map(|b| NewBid { buyer: names[b.id as usize % 3].into(), rps: b.rps, min_rps: b.min_rps, price: b.price })
            .collect();
        ledger.place_bids(auction.id, &new, "EUR", 1).unwrap();
    }
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/surplus.yaml");
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_surplus"))
        .args(["-c", config, "--db", db.to_str().unwrap(), "market", "auction", "run", "1", "--format", "csv"])
        .output()
        .unwrap();
    let took = started.elapsed();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let winners = String::from_utf8_lossy(&out.stdout).lines().skip(1).filter(|l| !l.contains(",0,0.00,0.00")).count();
    println!("auction run, 1,000,000 stored bids, end to end: {:.2} s ({winners} winners)", took.as_secs_f64());
}

criterion_group!(benches, clearing);

fn main() {
    benches();
    end_to_end();
    Criterion::default().configure_from_args().final_summary();
}
