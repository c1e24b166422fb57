//! The watcher thread of `dns serve`: until the server stops, it follows the monitor, and at
//! every `control.interval` boundary writes the usage samples, claims the lease, steps the
//! controllers and publishes (leading) or applies the leader's state (following), and writes
//! the node's heartbeat (and, leading, expires old samples every 10 s); between boundaries it
//! re-reads the sales and looks for publications.

use std::time::{Duration, Instant};

use jiff::Timestamp;

use super::cluster::Cluster;
use super::controllers::Controllers;
use super::sample_expiry::SampleExpiry;
use super::usage_fold::UsageFold;
use super::usage_writer::UsageWriter;
use crate::dns::serving::Serving;
use crate::ledger::location::Location;
use crate::ledger::{Ledger, Waits};

/// How often active sales are re-read from the ledger (a new sale takes effect within this).
pub const SALES_REFRESH: Duration = Duration::from_secs(2);
/// How often the watcher reads the monitor's logs (so no read has much to do) and looks at
/// the clock, at most.
const POLL: Duration = Duration::from_millis(100);

/// How long a statement of the watcher may wait on a PostgreSQL ledger: for a lock, 2 s (its
/// writes are rows no other writer touches, so a wait means someone holds a whole table), in
/// all 30 s (its largest statement writes one interval's samples of every buyer). A write cut short is held and tried again, as
/// when the ledger is away; the controllers go on meanwhile.
pub const LEDGER_WAITS: Waits = Waits { lock: Duration::from_secs(2), statement: Duration::from_secs(30) };

/// The watcher's parts.
pub struct Watcher {
    pub ledger: Ledger,
    pub ledger_location: Location,
    pub usage: UsageWriter,
    pub controllers: Controllers,
    pub cluster: Cluster,
    pub expiry: SampleExpiry,
    /// PostgreSQL's fold of pending usage (none on SQLite, which has nothing to fold).
    pub fold: Option<UsageFold>,
}

fn now_ms() -> i64 {
    Timestamp::now().as_millisecond()
}

impl Watcher {
    /// Before serving: the lease (a lone server takes it at once) and the state to answer
    /// with, the node's own or the leader's.
    pub fn start(&mut self, serving: &Serving) -> anyhow::Result<()> {
        let (_, g) = serving.current();
        let now = now_ms();
        self.cluster.claim(&mut self.ledger, &mut self.controllers, &g, now);
        if self.cluster.leads(now) {
            self.controllers.refresh_sales(&mut self.ledger, &g, now / 1_000)?;
        } else {
            if let Err(e) = self.controllers.read_schedule(&self.ledger, &g, now / 1_000) {
                tracing::warn!("ledger {}: {e:#}", self.ledger_location);
            }
            self.cluster.follow(&mut self.ledger, &mut self.controllers, &g, now);
        }
        self.post_board(serving);
        Ok(())
    }

    fn post_board(&self, serving: &Serving) {
        let (_, g) = serving.current();
        let board = self.controllers.board(&g, &self.controllers.last_taken, self.cluster.published(now_ms()));
        *serving.board.lock().unwrap_or_else(|e| e.into_inner()) = board;
    }

    /// Runs until the server stops; then writes the last (partial) interval. Returns how many
    /// usage samples were lost, if any were.
    pub fn run(&mut self, serving: &Serving) -> Option<usize> {
        let mut next_sales = Instant::now() + SALES_REFRESH;
        loop {
            let stopping = serving.stopping();
            if !stopping {
                std::thread::sleep(self.usage.wait(&serving.current().1, Timestamp::now()));
            }
            let (_, g) = serving.current();
            self.controllers.follow(&g);
            self.controllers.monitor.poll();
            let now = Timestamp::now();
            self.usage.follow(&g);
            // The interval first: it is read at its boundary, before anything else the loop
            // does (re-reading sales waits on the ledger) can make the reading late.
            if self.usage.due(&g, now.as_second(), stopping) {
                self.interval(serving, stopping);
            }
            let now_ms = now_ms();
            if !self.cluster.leads(now_ms) {
                self.cluster.claim_if_due(&mut self.ledger, &mut self.controllers, &g, now_ms);
            }
            if !self.cluster.leads(now_ms)
                && self.cluster.look_due()
                && self.cluster.follow(&mut self.ledger, &mut self.controllers, &g, now_ms)
            {
                self.post_board(serving);
            }
            if Instant::now() >= next_sales {
                next_sales = Instant::now() + SALES_REFRESH;
                self.between_intervals(serving, now_ms);
            }
            if stopping {
                self.cluster.stop(&mut self.ledger, now_ms);
                return self.usage.spool(&g);
            }
        }
    }

    /// One interval's end: samples, lease, law or publication, heartbeat, board.
    fn interval(&mut self, serving: &Serving, stopping: bool) {
        let (_, g) = serving.current();
        let now = Timestamp::now().as_second();
        let c = &mut self.controllers;
        let taken = c.monitor.take(|i| g.live.is_healthy(i));
        let span = c.taken_at.elapsed().as_secs_f64();
        c.taken_at = Instant::now();
        let warn = |e: anyhow::Error, at: &Location| tracing::warn!("ledger {at}: {e:#}");
        // Unreadable, the schedule read before stays; the usage write below says why.
        let _ = c.read_schedule(&self.ledger, &g, now);
        if let Err(e) = self.usage.write(&mut self.ledger, &g, now, stopping, &taken, c) {
            warn(e, &self.ledger_location);
        }
        c.last_span = span;
        let now_ms = now_ms();
        self.cluster.claim(&mut self.ledger, c, &g, now_ms);
        if let Some(fold) = &self.fold {
            fold.lead(self.cluster.leads(now_ms) && !stopping);
        }
        if self.cluster.leads(now_ms) {
            let queries = self.cluster.summed_queries(Some(&self.ledger), &g, &self.usage.last_counts, now_ms);
            c.step(&g, now, &taken, &queries);
            self.cluster.publish(&mut self.ledger, c, &g, &taken, now_ms);
            let keep = g.config.control.keep_samples.secs();
            self.expiry.run_if_due(&mut self.ledger, &self.ledger_location, keep, now);
        } else {
            self.cluster.await_publication();
            self.cluster.follow(&mut self.ledger, c, &g, now_ms);
            if self.cluster.steps_alone(now_ms) {
                let queries = self.cluster.summed_queries(None, &g, &self.usage.last_counts, now_ms);
                c.step(&g, now, &taken, &queries);
            } else {
                c.log_sources(&taken);
                self.cluster.check_stale(&g, c, now_ms);
            }
        }
        self.cluster.heartbeat(&mut self.ledger, &g, &self.usage.last_counts, now_ms);
        c.last_taken = taken;
        self.post_board(serving);
    }

    /// Every [`SALES_REFRESH`]: the leader re-reads the sales (a window that opened or closed
    /// is published at once); a follower looks for a publication.
    fn between_intervals(&mut self, serving: &Serving, now_ms: i64) {
        let (_, g) = serving.current();
        if self.cluster.leads(now_ms) {
            match self.controllers.refresh_sales(&mut self.ledger, &g, now_ms / 1_000) {
                Ok(true) => {
                    let taken = self.controllers.last_taken.clone();
                    self.cluster.publish(&mut self.ledger, &self.controllers, &g, &taken, now_ms);
                }
                Ok(false) => {}
                Err(e) => tracing::warn!("ledger {}: {e:#}", self.ledger_location),
            }
        } else {
            self.cluster.follow(&mut self.ledger, &mut self.controllers, &g, now_ms);
            self.cluster.check_stale(&g, &self.controllers, now_ms);
        }
        self.post_board(serving);
    }
}

/// `POLL`, or the time from `now` to unix second `due` if that is shorter (nothing once it
/// has passed).
pub fn until(due: i64, now: Timestamp) -> Duration {
    let left = Timestamp::from_second(due).map_or(jiff::SignedDuration::ZERO, |due| now.duration_until(due));
    Duration::try_from(left).unwrap_or(Duration::ZERO).min(POLL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watcher_wakes_at_the_interval_boundary_not_up_to_a_poll_after_it() {
        let at = |s: f64| Timestamp::from_duration(jiff::SignedDuration::from_secs_f64(s)).unwrap();
        assert_eq!(until(100, at(99.0)), POLL);
        assert_eq!(until(100, at(99.96)), Duration::from_millis(40));
        assert_eq!(until(100, at(100.0)), Duration::ZERO);
        assert_eq!(until(100, at(100.3)), Duration::ZERO, "late: look now");
    }
}
