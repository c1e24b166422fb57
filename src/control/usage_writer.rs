//! Turns the DNS server's answer counters into usage samples, one per buyer and control
//! interval on a grid of unix time, and writes them to the ledger; holds them while it is
//! unreachable, and spools them at a stop it cannot write ([`super::spooled_usage`]).

use std::time::Duration;

use jiff::Timestamp;

use super::controllers::Controllers;
use super::spooled_usage::SpooledUsage;
use super::watcher::until;
use crate::core::published_control::NodeCounts;
use crate::dns::counters::{Registry, Totals};
use crate::dns::generation::Generation;
use crate::ledger::{Ledger, UsageBatch, UsageSample};
use crate::monitor::{MonitorState, Taken};

/// The most usage samples held while the ledger is unreachable: an hour of 5-second samples
/// for 200 buyers (about 150 bytes each in memory). The oldest go first beyond it.
const HELD_SAMPLES: usize = 200 * 720;

/// How long one attempt to reconnect to a lost PostgreSQL ledger may take: the watcher also
/// steps the controllers, which must not stall for long (the answer path never waits on it).
const RECONNECT_WAIT: Duration = Duration::from_secs(1);

/// Turns the answer counters into usage samples, one per buyer and `control.interval`, on a
/// grid of unix time (so samples of several servers line up).
pub struct UsageWriter {
    server: String,
    /// This process's name for its batches in the ledger (`usage_batches`): the server, the
    /// pid and a random part, so no two processes share one, even on one host.
    writer: String,
    /// The next batch's number.
    seq: i64,
    /// Start of the interval being counted.
    pub start: i64,
    /// The last interval written: its start and each buyer's answers (proxy and fallback),
    /// the DNS queries this node reports in its heartbeat.
    pub last_counts: NodeCounts,
    /// Batches the ledger could not take yet (unreachable, restarting, or the reply to their
    /// commit lost: then the ledger skips them when they come again), oldest first, written
    /// with the next interval's: at most [`HELD_SAMPLES`] samples, the oldest batches dropped
    /// (and their samples counted) beyond that.
    held: std::collections::VecDeque<UsageBatch>,
    /// Samples in `held`.
    held_samples: usize,
    /// Samples dropped from `held` since the ledger was last reachable.
    dropped: u64,
    /// Batches of servers that stopped while the ledger was unreachable, from the spool
    /// ([`SpooledUsage`]), written before this server's own.
    spooled: Vec<SpooledUsage>,
    /// The registries counted: the current generation's, and one a reload replaced, which
    /// serving threads may still count into for a moment, so it is read once more after.
    sources: Vec<Source>,
}

/// One registry's counts at the start of the interval.
struct Source {
    registry: Registry,
    counted: Totals,
    /// Buyers' names in the registry's order.
    buyers: Vec<String>,
    /// Replaced by a reload before the last write.
    retired: bool,
}

impl Source {
    pub fn of(g: &Generation) -> Source {
        Source {
            registry: g.registry.clone(),
            counted: g.registry.totals(),
            buyers: g.config.buyers.iter().map(|b| b.name.clone()).collect(),
            retired: false,
        }
    }
}

impl UsageWriter {
    pub fn new(server: String, g: &Generation) -> UsageWriter {
        let spool = g.config.usage_spool_dir();
        let mut spooled = Vec::new();
        for found in SpooledUsage::load_all(&spool) {
            match found {
                Ok(s) => {
                    tracing::info!(
                        "{}: {} usage samples a server ({}) spooled as it stopped; writing them to the ledger",
                        s.path.display(),
                        s.samples(),
                        s.writer
                    );
                    spooled.push(s);
                }
                Err(e) => tracing::error!("usage spool: {e:#} (left in place)"),
            }
        }
        UsageWriter {
            spooled,
            writer: format!("{server}:{}:{:016x}", std::process::id(), rand::random::<u64>()),
            server,
            seq: 1,
            last_counts: NodeCounts::default(),
            start: Self::grid(g, Timestamp::now().as_second()),
            sources: vec![Source::of(g)],
            held: std::collections::VecDeque::new(),
            held_samples: 0,
            dropped: 0,
        }
    }

    pub fn interval(g: &Generation) -> i64 {
        g.config.control.interval.secs().max(1)
    }

    pub fn grid(g: &Generation, now: i64) -> i64 {
        now - now.rem_euclid(Self::interval(g))
    }

    /// Counts a registry a reload (or a relearned `resolve:`) brought in, from zero.
    pub fn follow(&mut self, g: &Generation) {
        if !self.sources.iter().any(|s| s.registry.same(&g.registry)) {
            let mut source = Source::of(g);
            source.counted = Totals { buyers: vec![[0; 2]; source.buyers.len()], ..Totals::default() };
            self.sources.push(source);
        }
    }

    /// How long the watcher sleeps before it looks again: its `POLL`, or less if the interval
    /// ends sooner, so the monitor is read at the boundary. Sleeping `POLL` whatever the time
    /// read each interval up to `POLL` late, later by each turn's own work, until the
    /// lateness wrapped: that reading covered 0.9 s of a 1 s interval and read 10% low, and
    /// the one before a turn of the loop later read high (the end-to-end test saw 24 and 34
    /// rps at 29 rps steady, and the law cut on the 34).
    pub fn wait(&self, g: &Generation, now: Timestamp) -> Duration {
        until(self.start + Self::interval(g), now)
    }

    /// Whether the interval has ended (with `last`, the server is stopping: write what there is).
    pub fn due(&self, g: &Generation, now: i64, last: bool) -> bool {
        last || now >= self.start + Self::interval(g)
    }

    /// Writes the interval, one sample per buyer of the current config and per buyer a reload
    /// removed, with the requests the monitor counted (`taken`).
    pub fn write(
        &mut self,
        ledger: &mut Ledger,
        g: &Generation,
        now: i64,
        last: bool,
        taken: &Taken,
        control: &Controllers,
    ) -> anyhow::Result<()> {
        let interval = Self::interval(g);
        let ended = now >= self.start + interval;
        // Late by a whole interval or more (a stalled host, a ledger call that hung), the
        // counters read now hold every interval since `start`: one sample says so, rather
        // than an interval's length over more than an interval's counts.
        let seconds = if ended { Self::grid(g, now) - self.start } else { (now - self.start).max(1) };
        if ended && seconds > interval {
            tracing::info!(
                "usage: the interval boundary was read {} s late; one sample per buyer covers the {seconds} s from {}",
                seconds - interval,
                self.start
            );
        }
        let mut answers: Vec<(String, [u64; 2])> = Vec::new();
        for source in &mut self.sources {
            let totals = source.registry.totals();
            for (i, buyer) in source.buyers.iter().enumerate() {
                let delta = [0, 1].map(|k| totals.buyers[i][k] - source.counted.buyers[i][k]);
                match answers.iter_mut().find(|(name, _)| name == buyer) {
                    Some((_, sum)) => *sum = [sum[0] + delta[0], sum[1] + delta[1]],
                    None => answers.push((buyer.clone(), delta)),
                }
            }
            source.counted = totals;
        }
        self.last_counts = NodeCounts {
            start: self.start,
            queries: answers.iter().map(|(buyer, [proxy, fallback])| (buyer.clone(), proxy + fallback)).collect(),
        };
        // Past the schedule (an outage of more than a day): what the controllers were last told.
        let holdings = control.schedule.holdings_at(self.start);
        let samples: Vec<UsageSample> = answers
            .into_iter()
            .map(|(buyer, [proxy, fallback])| {
                let index = g.config.buyers.iter().position(|b| b.name == buyer);
                UsageSample {
                    server: self.server.clone(),
                    start: self.start,
                    seconds,
                    // What the buyer was held to: a best-effort cap is the one in force.
                    purchased_rps: match &holdings {
                        Some(h) => control.plan.purchased_under(h, &buyer),
                        None => control.plan.purchased(&buyer),
                    }
                    .round() as i64,
                    proxy_answers: proxy,
                    fallback_answers: fallback,
                    fraction: index.map_or(0.0, |j| g.live.fraction(j)),
                    served_requests: index.and_then(|j| taken.served.get(j).copied().flatten()),
                    // A buyer a reload removed is no longer monitored.
                    monitor: index.map_or(MonitorState::Unmonitored, |_| taken.state()).name().into(),
                    buyer,
                }
            })
            .collect();
        // A registry replaced before the previous write has had a whole interval for every
        // serving thread to move on; one replaced since is read once more.
        self.sources.retain(|s| !s.retired);
        for s in &mut self.sources {
            s.retired = !s.registry.same(&g.registry);
        }
        if !last {
            self.start = Self::grid(g, now);
        }
        self.record(ledger, samples, now)
    }

    /// Records `samples` as a batch after those held; holds them all if the ledger cannot take
    /// them.
    pub fn record(&mut self, ledger: &mut Ledger, samples: Vec<UsageSample>, now: i64) -> anyhow::Result<()> {
        let fresh = samples.len();
        self.held.push_back(UsageBatch { seq: self.seq, samples });
        self.seq += 1;
        self.held_samples += fresh;
        while self.held_samples > HELD_SAMPLES {
            let Some(oldest) = self.held.pop_front() else { break };
            self.held_samples -= oldest.samples.len();
            self.dropped += oldest.samples.len() as u64;
        }
        let written = ledger
            .reconnect(RECONNECT_WAIT)
            .map_err(anyhow::Error::from)
            .and_then(|()| self.write_spooled(ledger, now))
            .and_then(|()| Ok(ledger.record_usage_batches(&self.writer, self.held.make_contiguous(), now)?));
        let skipped = match written {
            Ok(skipped) => skipped,
            Err(e) => {
                let dropped = match self.dropped {
                    0 => String::new(),
                    n => format!(", {n} older ones dropped"),
                };
                return Err(e.context(format!("holding {} usage samples until it is back{dropped}", self.held_samples)));
            }
        };
        let earlier = self.held_samples - fresh;
        if earlier > 0 {
            let landed = match skipped {
                0 => String::new(),
                n => format!("; {n} of their batches had landed already, their reply lost, and were not counted again"),
            };
            tracing::info!(
                "the ledger is back: wrote {earlier} usage samples held while it was unreachable ({} dropped{landed})",
                self.dropped
            );
        }
        self.held.clear();
        self.held_samples = 0;
        self.dropped = 0;
        Ok(())
    }

    /// Writes the spooled batches of stopped servers, each writer in its own transaction, and
    /// removes each file once its batches are in.
    pub fn write_spooled(&mut self, ledger: &mut Ledger, now: i64) -> anyhow::Result<()> {
        while let Some(s) = self.spooled.first() {
            let skipped = ledger.record_usage_batches(&s.writer, &s.batches, now)?;
            let landed = match skipped {
                0 => String::new(),
                n => format!("; {n} of its batches were in the ledger already and were not counted again"),
            };
            tracing::info!("{}: wrote {} spooled usage samples to the ledger{landed}", s.path.display(), s.samples());
            if let Err(e) = s.remove() {
                tracing::warn!("usage spool: {e:#}");
            }
            self.spooled.remove(0);
        }
        Ok(())
    }

    /// At stop, after the last write failed: keeps what is held in the spool for the next
    /// start. Returns how many samples were lost, if they could not be kept.
    pub fn spool(&mut self, g: &Generation) -> Option<usize> {
        if self.held.is_empty() {
            return None;
        }
        let held = self.held_samples;
        let dir = g.config.usage_spool_dir();
        match SpooledUsage::save(&dir, &self.writer, self.held.drain(..).collect()) {
            Ok(saved) => {
                tracing::warn!(
                    "the ledger is unreachable: kept {held} usage samples in {}; the next `dns serve` with this \
                     spool writes them",
                    saved.path.display()
                );
                self.held_samples = 0;
                None
            }
            Err(e) => {
                tracing::error!("the ledger is unreachable and {held} usage samples are lost: {e:#}");
                Some(held)
            }
        }
    }
}
