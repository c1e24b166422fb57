//! The leader's fold of PostgreSQL's pending usage into the rollups (`Ledger::fold_usage`;
//! PostgreSQL migration 8 says why the servers' samples no longer write the rollups
//! themselves). Reports are exact without it (they read the rollups and what is pending), so a
//! fold that fails or a service without a leader costs only the pending rows' growth, which
//! the next fold takes in. SQLite rolls up in each sample's transaction: nothing to fold.
//!
//! The fold runs on a thread of its own with a connection of its own, not on the watcher's:
//! at 100 servers and 1,000 buyers 10 s bring 200,000 pending rows, and on the bench's two
//! shared cores a round folding 200,000–400,000 took 6–15 s (`benches/ledger_scale.rs`),
//! which on the watcher would have held the leader's controllers and lease renewal for longer
//! than an interval.
//! Here it only takes a core from the database now and then; the watcher says, each interval,
//! whether this node leads, and only the leader folds.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::ledger::location::Location;
use crate::ledger::{Ledger, LedgerError};

/// How long the fold's thread sleeps between rounds. Each round upserts each (buyer,
/// server)'s minute and 5 minutes once per chunk, however many samples it holds, so a longer
/// pause writes fewer rollup rows; a shorter one keeps the table nearer the samples (reports
/// do not wait for it).
pub const EVERY: Duration = Duration::from_secs(10);

/// Pending rows per transaction: 200 servers' intervals of 100 buyers. A chunk's locks and
/// its share of the WAL stay small, and a fold that fails loses one chunk's work.
pub const CHUNK: i64 = 20_000;

/// How long a reconnect may take before the round is given up (the next round tries again).
const RECONNECT_WAIT: Duration = Duration::from_secs(1);

/// The fold's thread, seen from the watcher: whether this node leads.
#[derive(Debug)]
pub struct UsageFold {
    leading: Arc<AtomicBool>,
}

impl UsageFold {
    /// Starts folding on `ledger` (a connection of the fold's own) every [`EVERY`] while
    /// [`UsageFold::lead`] last said this node leads. The thread ends with the process.
    pub fn start(mut ledger: Ledger, at: Location) -> std::io::Result<UsageFold> {
        let leading = Arc::new(AtomicBool::new(false));
        let leads = Arc::clone(&leading);
        std::thread::Builder::new().name("usage-fold".into()).spawn(move || {
            loop {
                std::thread::sleep(EVERY);
                if leads.load(Ordering::Relaxed) {
                    fold_round(&mut ledger, &at, || leads.load(Ordering::Relaxed));
                }
            }
        })?;
        Ok(UsageFold { leading })
    }

    /// Whether this node leads now (the watcher tells, each interval).
    pub fn lead(&self, leads: bool) {
        self.leading.store(leads, Ordering::Relaxed);
    }
}

/// One round: chunks until one comes back short or this node stops leading; returns how many
/// rows it folded. An error is logged and ends the round (what was folded stays folded).
pub fn fold_round(ledger: &mut Ledger, at: &Location, leads: impl Fn() -> bool) -> u64 {
    let began = Instant::now();
    let (folded, result) = fold_chunks(ledger, leads);
    match result {
        Ok(()) if folded > 0 => {
            tracing::debug!("folded {folded} pending usage rows into the rollups in {} ms", began.elapsed().as_millis())
        }
        Ok(()) => {}
        Err(e) => tracing::warn!(
            "ledger {at}: cannot fold pending usage into the rollups ({e}); reports still count it; \
             trying again in {} s",
            EVERY.as_secs()
        ),
    }
    folded
}

fn fold_chunks(ledger: &mut Ledger, leads: impl Fn() -> bool) -> (u64, Result<(), LedgerError>) {
    if let Err(e) = ledger.reconnect(RECONNECT_WAIT) {
        return (0, Err(e));
    }
    let mut folded = 0;
    while leads() {
        match ledger.fold_usage(CHUNK) {
            Ok(n) => {
                folded += n;
                if n < CHUNK as u64 {
                    break;
                }
            }
            Err(e) => return (folded, Err(e)),
        }
    }
    (folded, Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::UsageSample;

    fn sample(buyer: &str, start: i64) -> UsageSample {
        UsageSample {
            server: "ns1".into(),
            buyer: buyer.into(),
            start,
            seconds: 5,
            purchased_rps: 10,
            proxy_answers: 3,
            fallback_answers: 1,
            fraction: 0.5,
            served_requests: None,
            monitor: "ok".into(),
        }
    }

    /// A round folds everything pending, over as many chunks as it takes, and nothing when
    /// this node does not lead.
    #[test]
    fn a_round_folds_all_that_is_pending_while_this_node_leads() {
        if crate::ledger::postgres::pg_cluster::shared().is_none() {
            return;
        }
        let url = crate::ledger::test_backends::fresh_postgres_url();
        let at = Location::parse(&url, std::path::Path::new("")).unwrap();
        let mut ledger = Ledger::open_location(&at, crate::ledger::OpenOptions::write("EUR")).unwrap();
        let t = 1_795_564_800;
        let samples: Vec<UsageSample> =
            (0..(CHUNK + 5)).map(|i| sample(&format!("b{:03}", i % 500), t + 5 * (i / 500))).collect();
        ledger.record_usage(&samples).unwrap();
        assert_eq!(fold_round(&mut ledger, &at, || false), 0);
        assert_eq!(ledger.usage_pending().unwrap().0, CHUNK as u64 + 5);
        assert_eq!(fold_round(&mut ledger, &at, || true), CHUNK as u64 + 5);
        assert_eq!(ledger.usage_pending().unwrap(), (0, None));
    }
}
