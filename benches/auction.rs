//! Auction speed: clearing 1,000,000 bids in memory under each rule (target < 1 s), and, on
//! each backend (SQLite, and PostgreSQL when installed; see `support/bench_ledger.rs`),
//! `surplus market auction bid --file` of 1,000,000 bids and `surplus market auction run` on
//! them, end to end (targets on PostgreSQL: < 20 s and < 10 s).
//!
//! `cargo bench --bench auction` (`-- none` skips the in-memory clearing).

#[path = "support/bench_ledger.rs"]
mod bench_ledger;
#[path = "../tests/support/pg_cluster.rs"]
#[allow(unused_imports)]
mod pg_cluster;

use std::fmt::Write as _;
use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use criterion::{Criterion, criterion_group};
use surplus::core::auction::{Bid, Rule, clear};
use surplus::core::money::Money;
use surplus::core::window::Window;
use surplus::ledger::{NewAuction, NewOffer};

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

/// Timed runs of the real binary on each backend: `auction bid --file` of 1,000,000 bids
/// (one CSV), then `auction run` on them.
fn end_to_end() {
    for ledger in bench_ledger::fresh_ledgers() {
        end_to_end_on(&ledger);
    }
}

fn end_to_end_on(bench: &bench_ledger::BenchLedger) {
    let window = bench_ledger::tomorrow(); // `auction bid` takes bids only before the window
    {
        let mut ledger = bench.open();
        let offers: Vec<NewOffer> = window
            .slot_starts(surplus::core::window::Slot::HOUR)
            .map(|s| NewOffer { slot: Window::new(s, 3600).unwrap(), rps: SUPPLY })
            .collect();
        ledger.save_offers(&offers, 0, "bench").unwrap();
        ledger
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
    }
    let names = ["shop", "news", "api"];
    let mut csv = String::from("buyer,rps,price,min_rps\n");
    for b in bids() {
        let cents = b.price.micros() / 10_000;
        let buyer = names[b.id as usize % 3];
        writeln!(csv, "{buyer},{},{}.{:02},{}", b.rps, cents / 100, cents % 100, b.min_rps).unwrap();
    }
    let file = bench.dir.path().join("bids.csv");
    std::fs::write(&file, csv).unwrap();
    let (took, out) = surplus(bench, "bid", &["market", "auction", "bid", "1", "--file", file.to_str().unwrap()]);
    println!("[{}] auction bid --file, 1,000,000 bids, end to end: {took:.2} s ({})", bench.name, out.trim());
    let (took, out) = surplus(bench, "run", &["market", "auction", "run", "1", "--format", "csv"]);
    let winners = out.lines().skip(1).filter(|l| !l.contains(",0,0.00,0.00")).count();
    println!("[{}] auction run, 1,000,000 stored bids, end to end: {took:.2} s ({winners} winners)", bench.name);
}

/// Runs the binary on the bench's ledger: seconds taken, and its stdout. `step` names the run
/// for a profiler: `SURPLUS_BENCH_WRAP="perf record -g -o /tmp/{}.data --"` runs the binary
/// under that command, `{}` replaced by `BACKEND-STEP` (the time then includes the profiler).
fn surplus(bench: &bench_ledger::BenchLedger, step: &str, args: &[&str]) -> (f64, String) {
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/surplus.yaml");
    let wrap = std::env::var("SURPLUS_BENCH_WRAP").unwrap_or_default();
    let name = format!("{}-{step}", bench.name);
    let mut words = wrap.split_whitespace().map(|w| w.replace("{}", &name));
    let mut command = match words.next() {
        Some(program) => {
            let mut c = Command::new(program);
            c.args(words).arg(env!("CARGO_BIN_EXE_surplus"));
            c
        }
        None => Command::new(env!("CARGO_BIN_EXE_surplus")),
    };
    let started = Instant::now();
    let out = command.args(["-c", config, "--db", &bench.db]).args(args).output().unwrap();
    let took = started.elapsed().as_secs_f64();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (took, String::from_utf8_lossy(&out.stdout).into_owned())
}

criterion_group!(benches, clearing);

fn main() {
    benches();
    end_to_end();
    Criterion::default().configure_from_args().final_summary();
}
