//! Eight processes racing for the last rps of one slot, each the real binary on a connection of
//! its own: exactly what was offered is sold, and every loser is told so in one clear line (on
//! PostgreSQL this is SERIALIZABLE and its retries at work; on SQLite, the file lock).

use std::process::Command;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::test::{Backend, NOW, Scratch, backends, example_config};

/// The slot raced for: the example offers 80 rps in it.
const HOUR: &str = "2026-11-30T16:00Z/1h";
const OFFERED: i64 = 80;
const RACERS: usize = 8;

/// The line every loser prints: nothing is left, not a serialization failure.
const REFUSED: &str = "error: only 0 rps are unsold in every slot of 2026-11-30T16:00Z/1h; asked for 1\n";

#[test]
fn eight_processes_race_for_the_last_rps_and_exactly_the_offer_is_sold() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        race(backend);
    }
}

/// shop rests a buy of more than is offered; each racer sells the operator's capacity 1 rps at a
/// time (`market order sell`, one process per order), which trades against that buy at once,
/// until it is refused. The 1 rps steps make the offer divisible however the racers interleave,
/// so the sales must add up to the offer exactly; each racer stops at its first refusal, so
/// there are exactly [`RACERS`] refusals, every one of them the unsold line.
fn race(backend: Backend) {
    let m = Scratch::with_offers_on(backend);
    m.surplus(&["market", "order", "buy", "--buyer", "shop", "--window", HOUR, "--rps", "100", "--limit", "1.00"])
        .stdout_contains("100 resting")
        .run();
    let (db, config) = (m.db(), example_config());
    let (won, lost) = (AtomicI64::new(0), AtomicI64::new(0));
    let started = std::time::Instant::now();
    std::thread::scope(|s| {
        for racer in 0..RACERS {
            let (db, config, won, lost) = (&db, &config, &won, &lost);
            s.spawn(move || {
                loop {
                    let out = Command::new(env!("CARGO_BIN_EXE_surplus"))
                        .env("SURPLUS_NOW", NOW)
                        .args(["-c", config.to_str().unwrap(), "--db", db, "market", "order", "sell"])
                        .args(["--window", HOUR, "--rps", "1", "--limit", "0.50"])
                        .output()
                        .unwrap();
                    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
                    if out.status.success() {
                        assert!(stdout.contains("traded 1 rps in 1 trade at 1.00"), "racer {racer}: {stdout}");
                        won.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    assert_eq!((out.status.code(), stderr.as_ref()), (Some(1), REFUSED), "racer {racer}");
                    lost.fetch_add(1, Ordering::Relaxed);
                    return;
                }
            });
        }
    });
    let (won, lost) = (won.into_inner(), lost.into_inner());
    assert_eq!((won, lost), (OFFERED, RACERS as i64), "sold and refused");
    assert_eq!(m.count("SELECT CAST(COALESCE(SUM(rps), 0) AS BIGINT) FROM sales"), OFFERED, "sold");
    assert_eq!(m.count("SELECT COUNT(*) FROM sales"), OFFERED, "one sale per order");
    assert_eq!(m.count("SELECT remaining FROM orders WHERE id = 1"), 100 - OFFERED, "shop's buy");
    m.surplus(&["ledger", "check"]).stdout_contains("not-oversold").run();
    let retried = match backend {
        Backend::Postgres => format!("; {} transactions rolled back", rollbacks(&m)),
        Backend::Sqlite => String::new(),
    };
    println!("{backend:?}: {RACERS} racers, {won} sold, {lost} refused in {:?}{retried}", started.elapsed());
}

/// How many transactions the ledger's database has rolled back (a serialization failure
/// retried, or a refusal): PostgreSQL's own count, flushed when each session ends.
fn rollbacks(m: &Scratch) -> i64 {
    m.count("SELECT xact_rollback FROM pg_stat_database WHERE datname = current_database()")
}
