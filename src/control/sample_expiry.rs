//! The leader's share of keeping the ledger's size bounded: every 10 s it deletes the raw
//! usage samples older than `control.keep_samples` ([`crate::ledger::usage_expiry`] says why
//! that loses nothing a report reads), a chunk at a time within a time budget so the
//! controllers it also runs are never held up for long, and the heartbeat rows of nodes not
//! heard from for as long. Behind (a ledger upgraded with months of samples), it catches up
//! over the following rounds instead of in one long delete.

use std::time::{Duration, Instant};

use crate::ledger::Ledger;
use crate::ledger::location::Location;

/// How often the leader expires samples: at 100 servers and 1,000 buyers a minute brings 1.2
/// million, and a round deletes about 270,000 (the bench measured 135,000 a second while the
/// servers write), so a round a minute would fall behind.
const EVERY: Duration = Duration::from_secs(10);

/// Samples per delete (whole intervals: one more interval's at most). Each is its own
/// transaction, so on SQLite no other writer waits behind more than one chunk.
const CHUNK: i64 = 20_000;

/// How long one round may go on deleting chunks (the leader's controllers wait meanwhile).
/// The bench (`benches/ledger_scale.rs`) runs rounds of this chunk, budget and cadence and
/// reports whether they keep up.
const BUDGET: Duration = Duration::from_secs(2);

/// When the next round is due.
#[derive(Debug)]
pub struct SampleExpiry {
    next: Instant,
}

impl Default for SampleExpiry {
    fn default() -> SampleExpiry {
        SampleExpiry { next: Instant::now() }
    }
}

impl SampleExpiry {
    /// Deletes samples that started `keep_secs` or more before unix second `now`, if a round is
    /// due; returns how many.
    pub fn run_if_due(&mut self, ledger: &mut Ledger, at: &Location, keep_secs: i64, now: i64) -> u64 {
        if Instant::now() < self.next {
            return 0;
        }
        self.next = Instant::now() + EVERY;
        let began = Instant::now();
        let mut deleted = 0;
        loop {
            match ledger.expire_samples(now - keep_secs, CHUNK) {
                Ok(n) => {
                    deleted += n;
                    if n < CHUNK as u64 || began.elapsed() >= BUDGET {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!("ledger {at}: cannot expire old usage samples ({e}); trying again in 10 s");
                    break;
                }
            }
        }
        // A node silent for as long as samples are kept is out of service: `dns status` stops
        // listing it (its samples, rolled up, stay in the reports).
        match ledger.forget_silent_nodes((now - keep_secs) * 1000) {
            Ok(gone) if !gone.is_empty() => tracing::info!(
                "forgot {} (not heard from for {keep_secs} s): no longer listed by dns status",
                gone.join(", ")
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!("ledger {at}: cannot forget silent nodes ({e})"),
        }
        if deleted > 0 {
            tracing::info!(
                "expired {deleted} usage samples older than {keep_secs} s in {} ms (their rollups stay)",
                began.elapsed().as_millis()
            );
        }
        deleted
    }
}
