//! The ledger at a CDN's size: 100 name servers and 1,000 buyers at a 5-second interval write
//! 20,000 usage samples a second into one PostgreSQL, each node one batch of 1,000 samples and
//! one heartbeat per interval, the leader also its lease and the 1,000 buyers' published
//! control states, while the leader folds the pending usage into the rollups every 10 s
//! (`control/usage_fold.rs`: its cadence and chunks) and expires old samples as `dns serve` does
//! (`control/sample_expiry.rs`: its chunk, budget and cadence, but for samples older than
//! 20 s, so a 60 s run sees it work). Every call is the one `dns serve` makes. The nodes
//! connect first and start together at an interval boundary.
//!
//! Printed: the sustained rate of samples, the intervals whose batch missed its interval, the
//! batch write time (p50, p99, max), the folds (rows, time) and the lag of the rollups table
//! behind the samples, the expiry's rate and backlog, and then how long what reads the result
//! takes: `report usage` (the
//! binary, over the run's hour of one sale per buyer), `dns status`'s newest sample per buyer,
//! and `ledger check`.
//!
//! `cargo bench --bench ledger_scale` (PostgreSQL, durability off as in the tests);
//! `SURPLUS_BENCH_PG_DURABLE=1` runs it on a cluster with `fsync` and `synchronous_commit` on.
//! `SURPLUS_SCALE_SECS`, `_NODES`, `_BUYERS` change the size.

#[path = "support/bench_ledger.rs"]
mod bench_ledger;
#[path = "../tests/support/pg_cluster.rs"]
#[allow(unused_imports)]
mod pg_cluster;

use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use surplus::control::usage_fold;
use surplus::core::auction::{Bid, Rule, clear};
use surplus::core::control_lease::Me;
use surplus::core::money::Money;
use surplus::core::service::Service;
use surplus::core::window::Window;
use surplus::ledger::cluster::{NewState, NodeBeat};
use surplus::ledger::location::Location;
use surplus::ledger::{Ledger, NewAuction, NewBid, NewOffer, UsageBatch, UsageSample};

const INTERVAL: i64 = 5;
/// Expiry in the bench: every `EXPIRE_EVERY` seconds, samples older than `EXPIRE_AFTER`.
const EXPIRE_EVERY: Duration = Duration::from_secs(10);
const EXPIRE_AFTER: i64 = 20;
/// `control/sample_expiry.rs`'s chunk and budget.
const EXPIRE_CHUNK: i64 = 20_000;
const EXPIRE_BUDGET: Duration = Duration::from_secs(2);

fn setting(name: &str, default: i64) -> i64 {
    std::env::var(format!("SURPLUS_SCALE_{name}")).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn unix_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

fn buyer(i: i64) -> String {
    format!("buyer-{i:04}")
}

/// What the run measured.
#[derive(Default)]
struct Tally {
    /// Batch write times, ms.
    batch_ms: Vec<f64>,
    /// Batches that finished after their interval's end (the next batch was due).
    late: u64,
    failed: u64,
    /// The intervals written (their starts).
    intervals: std::collections::BTreeSet<i64>,
}

/// One hour of capacity and one sale per buyer, over the run.
fn sell(ledger: &mut Ledger, buyers: i64, hour: i64) {
    let window = Window::new(hour, 3600).unwrap();
    ledger.save_offers(&[NewOffer { slot: window, rps: buyers * 10 }], hour - 86_400, "bench").unwrap();
    let new = NewAuction {
        window,
        rps: Some(buyers * 10),
        rule: Rule::Uniform,
        reserve: Money(500_000),
        closes_at: None,
        service: Service::Guaranteed,
        currency: "EUR".into(),
    };
    let auction = ledger.create_auction(&new, hour - 86_400).unwrap();
    let bids: Vec<NewBid> =
        (0..buyers).map(|i| NewBid { buyer: buyer(i), rps: 10, min_rps: 0, price: Money(800_000) }).collect();
    ledger.place_bids(auction.id, &bids, "EUR", hour - 86_400).unwrap();
    ledger.settle_auction(auction.id, hour - 86_400, false, |a, b: &[Bid]| clear(a.rps, a.reserve, a.rule, b)).unwrap();
}

/// Node `n`'s interval starting at `start`: a sample per buyer.
fn batch(n: i64, seq: i64, start: i64, buyers: i64) -> UsageBatch {
    let samples = (0..buyers)
        .map(|b| UsageSample {
            server: format!("10.0.{}.{}:53", n / 256, n % 256),
            buyer: buyer(b),
            start,
            seconds: INTERVAL,
            purchased_rps: 10,
            proxy_answers: 40 + ((n + b + start) % 13) as u64,
            fallback_answers: 10,
            fraction: 0.8,
            served_requests: Some(45 + ((n * 7 + b + start) % 11) as u64),
            monitor: "ok".into(),
        })
        .collect();
    UsageBatch { seq, samples }
}

fn beat(n: i64, counts: &str, now_ms: i64, leading: Option<i64>) -> NodeBeat {
    NodeBeat {
        node: format!("ns-{n:03}"),
        instance: format!("ns-{n:03}:1:bench"),
        address: format!("10.0.{}.{}:53", n / 256, n % 256),
        version: env!("CARGO_PKG_VERSION").into(),
        config_hash: "bench".into(),
        started_at: now_ms,
        heartbeat_at: now_ms,
        interval_ms: INTERVAL * 1000,
        leading_epoch: leading,
        applied_version: Some(1),
        counts: counts.into(),
        serving: "{}".into(),
    }
}

/// One node: at each interval boundary (its own offset into it, as nodes' clocks and loads
/// differ), its samples and heartbeat; node 0 also leads (lease and publication).
fn node(mut ledger: Ledger, n: i64, buyers: i64, (from, until): (i64, i64), tally: &Mutex<Tally>, written: &AtomicU64) {
    let counts =
        format!("{{{}}}", (0..buyers).map(|b| format!("\"{}\":[40,10]", buyer(b))).collect::<Vec<_>>().join(","));
    let states: Vec<NewState> = (0..buyers)
        .map(|b| NewState {
            buyer: buyer(b),
            applied: r#"{"share":0.8,"proxies":[["edge-1",1.0],["edge-2",1.0]]}"#.into(),
            memory: r#"{"integral":0.1,"smoothed":48.0}"#.into(),
        })
        .collect();
    let (node_name, instance) = (format!("ns-{n:03}"), format!("ns-{n:03}:1:bench"));
    let me = Me { node: &node_name, instance: &instance };
    let offset_ms = (n * 37) % 1000;
    let mut seq = 1;
    loop {
        // The sleep from the clock, not from `from`: a node that woke early would write its
        // first interval twice.
        let clock = unix_ms();
        let next = (clock.max(from * 1000) / 1000 / INTERVAL + 1) * INTERVAL;
        if next >= until {
            return;
        }
        std::thread::sleep(Duration::from_millis((next * 1000 + offset_ms - clock) as u64));
        let began = Instant::now();
        let b = batch(n, seq, next - INTERVAL, buyers);
        seq += 1;
        let mut ok = ledger.record_usage_batches(&format!("ns-{n:03}:1:bench"), &[b], next).is_ok();
        let mut leading = None;
        if n == 0 {
            let now_ms = unix_ms();
            if let Ok((claim, _)) = ledger.claim_control_lease(me, now_ms, 2 * INTERVAL * 1000)
                && claim.leads()
            {
                let epoch = claim.lease().epoch;
                leading = Some(epoch);
                ok &= ledger.publish_control(me, epoch, now_ms, &states).is_ok();
            }
        }
        ok &= ledger.heartbeat(&beat(n, &counts, unix_ms(), leading)).is_ok();
        let took = began.elapsed();
        written.fetch_add(buyers as u64, Ordering::Relaxed);
        let mut t = tally.lock().unwrap();
        t.intervals.insert(next - INTERVAL);
        t.batch_ms.push(took.as_secs_f64() * 1000.0);
        if offset_ms as u128 + took.as_millis() >= (INTERVAL * 1000) as u128 {
            t.late += 1;
        }
        if !ok {
            t.failed += 1;
        }
    }
}

/// The leader's expiry, as `SampleExpiry::run_if_due` does it: (rows deleted, time spent).
fn expire(bench: &bench_ledger::BenchLedger, stop: &AtomicBool) -> (u64, Duration) {
    let mut ledger = bench.open();
    let (mut deleted, mut spent) = (0, Duration::ZERO);
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(EXPIRE_EVERY);
        let began = Instant::now();
        loop {
            let n = ledger.expire_samples(unix_ms() / 1000 - EXPIRE_AFTER, EXPIRE_CHUNK).unwrap();
            deleted += n;
            if n < EXPIRE_CHUNK as u64 || began.elapsed() >= EXPIRE_BUDGET {
                break;
            }
        }
        spent += began.elapsed();
    }
    (deleted, spent)
}

/// The leader's fold, as `UsageFold`'s thread does it (its cadence, its rounds of chunks):
/// each round's (rows, seconds).
fn fold(bench: &bench_ledger::BenchLedger, stop: &AtomicBool) -> Vec<(u64, f64)> {
    let mut ledger = bench.open();
    let at = Location::parse(&bench.db, std::path::Path::new("")).unwrap();
    let mut folds = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(usage_fold::EVERY);
        let began = Instant::now();
        let n = usage_fold::fold_round(&mut ledger, &at, || true);
        folds.push((n, began.elapsed().as_secs_f64()));
    }
    folds
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn count(client: &mut postgres::Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).unwrap().get(0)
}

fn timed(what: &str, name: &str, f: impl FnOnce() -> String) {
    let began = Instant::now();
    let said = f();
    println!("[{name}] {what}: {:.2} s ({said})", began.elapsed().as_secs_f64());
}

fn main() {
    let (secs, nodes, buyers) = (setting("SECS", 60), setting("NODES", 100), setting("BUYERS", 1000));
    // SQLite is one host's ledger: the scale run is PostgreSQL's.
    for bench in bench_ledger::fresh_ledgers().into_iter().filter(|b| b.is_postgres()) {
        let name = bench.name;
        let now = unix_ms() / 1000;
        let hour = now - now % 3600;
        sell(&mut bench.open(), buyers, hour);
        // Every node connected before the first interval, which all start at together.
        let ledgers: Vec<Ledger> = (0..nodes).map(|_| bench.open()).collect();
        let from = unix_ms() / 1000 + 1;
        let until = from + secs;
        println!(
            "[{name}] {nodes} nodes × {buyers} buyers, a batch each every {INTERVAL} s for {secs} s: {} samples/s offered",
            nodes * buyers / INTERVAL
        );
        let tally = Mutex::new(Tally::default());
        let written = AtomicU64::new(0);
        let stop = Arc::new(AtomicBool::new(false));
        let ((expired, expiring), folds) = std::thread::scope(|scope| {
            let expirer = scope.spawn(|| expire(&bench, &stop));
            let folder = scope.spawn(|| fold(&bench, &stop));
            let workers: Vec<_> = ledgers
                .into_iter()
                .zip(0..)
                .map(|(ledger, n)| {
                    let (tally, written) = (&tally, &written);
                    scope.spawn(move || node(ledger, n, buyers, (from, until), tally, written))
                })
                .collect();
            for w in workers {
                w.join().unwrap();
            }
            stop.store(true, Ordering::Relaxed);
            (expirer.join().unwrap(), folder.join().unwrap())
        });
        let mut t = tally.into_inner().unwrap();
        t.batch_ms.sort_by(f64::total_cmp);
        let samples = written.load(Ordering::Relaxed);
        println!(
            "[{name}] wrote {samples} samples in {} batches over {} intervals: {:.0} samples/s; {} batches late, {} failed",
            t.batch_ms.len(),
            t.intervals.len(),
            samples as f64 / (t.intervals.len() as i64 * INTERVAL) as f64,
            t.late,
            t.failed
        );
        println!(
            "[{name}] a node's interval (batch of {buyers} samples + heartbeat; the leader's also lease and publication): \
             p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
            percentile(&t.batch_ms, 0.5),
            percentile(&t.batch_ms, 0.99),
            t.batch_ms.last().unwrap()
        );
        let mut client = postgres::Client::connect(&bench.db, postgres::NoTls).unwrap();
        let kept = count(&mut client, "SELECT COUNT(*) FROM usage_samples");
        let old = count(
            &mut client,
            &format!("SELECT COUNT(*) FROM usage_samples WHERE start < {}", unix_ms() / 1000 - EXPIRE_AFTER - 10),
        );
        println!(
            "[{name}] expiry: {expired} samples deleted in {:.1} s of rounds ({:.0} samples/s while deleting); \
             {kept} kept, {old} older than the cut + one round left behind",
            expiring.as_secs_f64(),
            expired as f64 / expiring.as_secs_f64().max(1e-9)
        );
        let mut took: Vec<f64> = folds.iter().map(|f| f.1).collect();
        took.sort_by(f64::total_cmp);
        let rows: Vec<u64> = folds.iter().map(|f| f.0).collect();
        println!(
            "[{name}] folds every {} s in chunks of {}: {} folds of {}–{} pending rows, p50 {:.2} s, max {:.2} s",
            usage_fold::EVERY.as_secs(),
            usage_fold::CHUNK,
            folds.len(),
            rows.iter().min().unwrap_or(&0),
            rows.iter().max().unwrap_or(&0),
            percentile(&took, 0.5),
            took.last().unwrap_or(&0.0)
        );
        // The lag: what the last fold left (the table is behind by the pending rows; reports
        // read both, so they are not), then a last fold, after which every sample written is
        // in the minute rollups, expired or not.
        let (pending, oldest) = bench.open().usage_pending().unwrap();
        let newest_sample = count(&mut client, "SELECT COALESCE(MAX(start), 0) FROM usage_samples");
        println!(
            "[{name}] rollups table behind the samples at the end: {pending} pending rows, the oldest of a sample {} s \
             before the newest",
            oldest.map_or(0, |o| newest_sample - o)
        );
        let began = Instant::now();
        let last = bench.open().fold_usage(i64::MAX).unwrap();
        let rolled = count(&mut client, "SELECT COALESCE(SUM(samples), 0)::BIGINT FROM usage_rollups WHERE span = 60");
        println!(
            "[{name}] last fold: {last} rows in {:.2} s; then {rolled} samples in the minute rollups of {samples} written",
            began.elapsed().as_secs_f64()
        );
        drop(client);

        let config = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/surplus.yaml");
        let surplus = |args: &[&str]| {
            let out = Command::new(env!("CARGO_BIN_EXE_surplus"))
                .env("SURPLUS_NOW", jiff::Timestamp::from_second(hour + 3600).unwrap().to_string())
                .args(["-c", config, "--db", &bench.db])
                .args(args)
                .output()
                .unwrap();
            assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
            out.stdout
        };
        for run in 1..=3 {
            timed(&format!("surplus report usage --format json, run {run}"), name, || {
                format!("{} bytes", surplus(&["report", "usage", "--format", "json"]).len())
            });
        }
        let ledger = bench.open();
        for run in 1..=3 {
            timed(&format!("newest sample per buyer (dns status), run {run}"), name, || {
                format!("{} buyers", ledger.latest_usage().unwrap().len())
            });
        }
        timed("surplus ledger check", name, || format!("{} bytes", surplus(&["ledger", "check"]).len()));
    }
}
