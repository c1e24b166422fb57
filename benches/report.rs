//! `report usage` over 30 days of 5-second samples for 100 buyers (51.8 million samples).
//!
//! `cargo bench --bench report`. The ledger is built once, through the same write path
//! `dns serve` uses (`Ledger::record_usage`, so the per-minute rollups are kept by its
//! triggers), with one sale per buyer per day from a real auction; it is kept in
//! `target/bench-ledgers/` and reused while the schema is the same. Building it takes
//! minutes and about 6 GB; the build time is printed.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use surplus::core::auction::{Bid, Rule, clear};
use surplus::core::billing::Billing;
use surplus::core::money::Money;
use surplus::core::service::Service;
use surplus::core::usage_report::{BUCKET_SECS, Period, ReportOptions, usage_lines};
use surplus::core::window::Window;
use surplus::ledger::{Ledger, NewAuction, NewBid, NewOffer, UsageSample};

const BUYERS: usize = 100;
const DAYS: i64 = 30;
const INTERVAL: i64 = 5;
/// 2026-10-01T00:00:00Z.
const START: i64 = 1_790_812_800;
const DAY: i64 = 86_400;

fn ledger_path() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-ledgers");
    std::fs::create_dir_all(&dir).expect("create target/bench-ledgers");
    // Named after the schema (FNV-1a of every migration), so a changed schema builds anew.
    let schema = surplus::ledger::sqlite::migrations::MIGRATIONS.concat();
    let hash = schema.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    dir.join(format!("usage-{BUYERS}x{DAYS}d-{hash:016x}.db"))
}

fn buyer(i: usize) -> String {
    format!("buyer-{i:03}")
}

/// A served count with a daily swing and some bursts, deterministic.
fn served(i: usize, t: i64) -> Option<u64> {
    let mut x = (t as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (i as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    x ^= x >> 29;
    // An hour a day without a monitor reading, so reports see gaps.
    if (t - START).rem_euclid(DAY) / 3600 == (i as i64 % 24) && (t - START) / DAY % 7 == 0 {
        return None;
    }
    let day = ((t - START).rem_euclid(DAY) as f64 / DAY as f64 * std::f64::consts::TAU).sin();
    let burst = if x.is_multiple_of(97) { 3.0 } else { 1.0 };
    Some(((80.0 + 30.0 * day) * burst * INTERVAL as f64) as u64 + x % 50)
}

fn build(path: &Path) {
    let began = Instant::now();
    let partial = path.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    let mut ledger = Ledger::open(&partial, surplus::ledger::OpenOptions::write("EUR")).expect("open bench ledger");
    let offers: Vec<NewOffer> =
        (0..DAYS * 24).map(|h| NewOffer { slot: Window::new(START + h * 3600, 3600).unwrap(), rps: 20_000 }).collect();
    ledger.save_offers(&offers, START - DAY, "bench").unwrap();
    for day in 0..DAYS {
        let window = Window::new(START + day * DAY, DAY).unwrap();
        let new = NewAuction {
            window,
            rps: Some(10_000),
            rule: Rule::Uniform,
            reserve: Money(500_000),
            closes_at: None,
            service: Service::Guaranteed,
            currency: "EUR".into(),
        };
        let auction = ledger.create_auction(&new, START - DAY).unwrap();
        let bids: Vec<NewBid> = (0..BUYERS)
            .map(|i| NewBid { buyer: buyer(i), rps: 100, min_rps: 0, price: Money(800_000 + i as i64 * 1000) })
            .collect();
        ledger.place_bids(auction.id, &bids, "EUR", START - DAY).unwrap();
        ledger
            .settle_auction(auction.id, START - DAY, false, |a, b: &[Bid]| clear(a.rps, a.reserve, a.rule, b))
            .unwrap();
    }
    // An hour of samples per transaction.
    let per_hour = 3600 / INTERVAL;
    let mut batch = Vec::with_capacity(per_hour as usize * BUYERS);
    for hour in 0..DAYS * 24 {
        batch.clear();
        for k in 0..per_hour {
            let t = START + hour * 3600 + k * INTERVAL;
            for i in 0..BUYERS {
                let served = served(i, t);
                batch.push(UsageSample {
                    server: "127.0.0.53:53".into(),
                    buyer: buyer(i),
                    start: t,
                    seconds: INTERVAL,
                    purchased_rps: 100,
                    proxy_answers: 40,
                    fallback_answers: 20,
                    fraction: 0.5 + (k % 10) as f64 / 40.0,
                    monitor: if served.is_some() { "ok" } else { "stale" }.into(),
                    served_requests: served,
                });
            }
        }
        ledger.record_usage(&batch).unwrap();
    }
    drop(ledger);
    std::fs::rename(&partial, path).unwrap();
    let _ = std::fs::remove_file(partial.with_extension("partial-wal"));
    let _ = std::fs::remove_file(partial.with_extension("partial-shm"));
    eprintln!(
        "built {} ({} samples) in {:.0?}",
        path.display(),
        DAYS * DAY / INTERVAL * BUYERS as i64,
        began.elapsed()
    );
}

fn report(c: &mut Criterion) {
    let path = ledger_path();
    if !path.exists() {
        build(&path);
    }
    let ledger = Ledger::open(&path, surplus::ledger::OpenOptions::read()).unwrap();
    let mut group = c.benchmark_group("report");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    group.bench_function("usage buckets, 100 buyers x 30 days", |b| {
        b.iter(|| black_box(ledger.usage_buckets(None, START, START + DAYS * DAY, 300).unwrap()))
    });
    let range = Window::new(START, DAYS * DAY).unwrap();
    group.bench_function("report usage (read, attribute, bill), 100 buyers x 30 days", |b| {
        b.iter(|| {
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
            black_box(usage_lines(&sales, &usage, &opts))
        })
    });
    group.finish();
}

criterion_group!(benches, report);
criterion_main!(benches);
