//! The monitor and every buyer's controller, as one `dns serve` runs them: re-reading sales
//! between intervals, one step of the law per interval, the log lines of what changed, and
//! the board (`dns status`, metrics). On a node that does not lead (src/control/cluster.rs)
//! only the monitor and the sales run; the board then shows the leader's published state.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use super::usage_writer::UsageWriter;
use crate::config::Config;
use crate::core::control::{Params, Reading};
use crate::core::control_loop::{Buyer, ControlLoop, Readings};
use crate::core::holding::Holding;
use crate::core::published_control::Applied;
use crate::core::sale_schedule::SaleSchedule;
use crate::dns::control_board::{BuyerStatus, ControlBoard};
use crate::dns::generation::Generation;
use crate::ledger::Ledger;
use crate::ledger::cluster::NewState;
use crate::monitor::{Monitor, MonitorState, Taken};

/// The control loop's state: the monitor of the current config and every buyer's controller
/// ([`ControlLoop`], kept by name across reloads). Every node runs the monitor (its usage
/// samples carry what the proxies served); only the leader steps the controllers.
pub struct Controllers {
    pub config: Arc<Config>,
    pub monitor: Monitor,
    pub plan: ControlLoop,
    /// Per proxy, the last source error logged and whether its proxy was down then (to log
    /// changes once).
    pub errors: Vec<Option<(String, bool)>>,
    /// The last interval's readings, for the board between intervals.
    pub last_taken: Taken,
    /// When the monitor was last read.
    pub taken_at: Instant,
    /// Seconds the last readings cover: the time between the two reads, not the nominal
    /// interval (see [`UsageWriter::wait`]).
    pub last_span: f64,
    /// The sales from a little before the last read to [`SCHEDULE_AHEAD`] after: what the
    /// buyers hold, known through an outage of the ledger.
    pub schedule: SaleSchedule,
}

/// How far ahead of now the sales are read: the law and the usage samples know what each
/// buyer holds for this long without the ledger (a window that closes meanwhile closes on
/// time). Past it, a buyer is taken to hold nothing: nothing says it still does.
pub const SCHEDULE_AHEAD: i64 = 24 * 3_600;

impl Controllers {
    pub fn new(g: &Generation) -> Controllers {
        let mut monitor = Monitor::new(&g.config);
        // Nothing counted yet; this only says what each source is.
        let last_taken = monitor.take(|_| true);
        let control = Controllers {
            last_taken,
            taken_at: Instant::now(),
            last_span: UsageWriter::interval(g) as f64,
            config: Arc::clone(&g.config),
            monitor,
            plan: ControlLoop::new(Controllers::params(&g.config)),
            errors: Vec::new(),
            schedule: SaleSchedule::default(),
        };
        control.announce();
        control
    }

    pub fn params(config: &Config) -> Params {
        let interval = u32::try_from(config.control.interval.secs()).unwrap_or(u32::MAX);
        let ttl = u32::try_from(config.network.ttl.secs()).unwrap_or(u32::MAX);
        // The monitor reads at the boundary what arrived during the interval: no delay.
        Params::new(interval, ttl, 0, config.control.headroom.0)
    }

    pub fn buyers(config: &Config) -> Vec<Buyer<'_>> {
        config.buyers.iter().map(|b| Buyer { name: &b.name, estimate: b.estimate.0 }).collect()
    }

    pub fn announce(&self) {
        let unmonitored = self.monitor.unmonitored();
        if unmonitored.is_empty() {
            tracing::info!("control: closed loop, monitoring every proxy");
        } else {
            tracing::warn!(
                "control: open loop (each buyer's f stays at its estimate): no monitor source for proxy {}",
                unmonitored.join(", ")
            );
        }
    }

    /// After a reload: the new config's monitor; controllers carry over by buyer name.
    pub fn follow(&mut self, g: &Generation) {
        if Arc::ptr_eq(&self.config, &g.config) {
            return;
        }
        self.config = Arc::clone(&g.config);
        self.monitor = Monitor::new(&g.config);
        self.last_taken = self.monitor.take(|_| true);
        self.taken_at = Instant::now();
        self.errors.clear();
        let names: Vec<&str> = g.config.buyers.iter().map(|b| b.name.as_str()).collect();
        self.plan.reconfigure(Controllers::params(&g.config), &names);
        self.announce();
    }

    /// Reads the sales from two intervals ago ([`UsageWriter`] samples the interval that just
    /// ended) to [`SCHEDULE_AHEAD`]; unreadable, the schedule read before stays.
    pub fn read_schedule(&mut self, ledger: &Ledger, g: &Generation, now: i64) -> anyhow::Result<()> {
        let from = now - 2 * UsageWriter::interval(g);
        self.schedule = ledger.sale_schedule(from, now + SCHEDULE_AHEAD)?;
        Ok(())
    }

    /// What each buyer holds at `now`, from the schedule: nothing where it does not reach.
    pub fn holdings_at(&self, now: i64) -> Vec<Holding> {
        self.schedule.holdings_at(now).unwrap_or_default()
    }

    /// Re-reads sales. A window that opens or closes takes effect now, not at the next
    /// interval: the controller starts the buyer at its estimate, or stops it. Whether any
    /// buyer's did.
    pub fn refresh_sales(&mut self, ledger: &mut Ledger, g: &Generation, now: i64) -> anyhow::Result<bool> {
        self.read_schedule(ledger, g, now)?;
        let open_loop = !self.monitor.unmonitored().is_empty();
        let decisions = self.plan.sales(self.holdings_at(now), &Controllers::buyers(&g.config), open_loop);
        let mut changed = false;
        for (i, (buyer, d)) in g.config.buyers.iter().zip(decisions).enumerate() {
            let Some(d) = d else { continue };
            changed = true;
            g.live.set_line(i, &d.line);
            tracing::info!(
                "buyer {}: {} rps bought now, fraction {:.2} ({})",
                buyer.name,
                d.purchased_rps,
                d.f,
                d.mode.name()
            );
        }
        Ok(changed)
    }

    /// One interval: each buyer's controller reads the monitor (and the DNS queries of every
    /// node, `queries`, per buyer) and sets its fraction. What the buyers hold comes from the
    /// schedule, so this needs no ledger: a leader whose ledger is away steps until its lease
    /// ends, and a node alone steps on ([`super::cluster`]).
    pub fn step(&mut self, g: &Generation, now: i64, taken: &Taken, queries: &[Option<u64>]) {
        let seconds = self.last_span;
        let holdings = self.holdings_at(now);
        self.log_sources(taken);
        let config = &g.config;
        let readings: Vec<Reading> = (0..config.buyers.len()).map(|i| taken.reading(i, seconds)).collect();
        let healthy_capacity_rps: f64 = config
            .proxies
            .iter()
            .enumerate()
            .filter(|(i, _)| g.live.is_healthy(*i))
            .map(|(_, p)| p.capacity_rps.0)
            .sum();
        let read = Readings {
            buyers: &readings,
            total_load_rps: taken.load_rps(seconds),
            unmonitored: taken.state() == MonitorState::Unmonitored,
            healthy_capacity_rps,
            margin: config.market.margin.0,
            queries,
        };
        let decisions = self.plan.interval(holdings, &Controllers::buyers(config), &read);
        for (i, (buyer, d)) in config.buyers.iter().zip(decisions).enumerate() {
            g.live.set_line(i, &d.line);
            if let (Some(state), Reading::Served(rps)) = (self.plan.state(&buyer.name), readings[i]) {
                tracing::debug!(
                    "control {}: served {rps:.2} rps over {seconds:.3} s at f {:.4}; f {:.4}, ceiling {}, excluded {:.4}",
                    buyer.name,
                    state.effective_f,
                    d.f,
                    state.ceiling.map_or_else(|| "none".to_string(), |c| format!("{:.4}", c.f)),
                    d.line.excluded()
                );
            }
            if d.mode != d.before {
                tracing::info!(
                    "buyer {}: {} → {} (f {:.3}, {} rps bought)",
                    buyer.name,
                    d.before.name(),
                    d.mode.name(),
                    d.f,
                    d.purchased_rps
                );
            }
        }
    }

    pub fn log_sources(&mut self, taken: &Taken) {
        self.errors.resize(taken.sources.len(), None);
        for (s, logged) in taken.sources.iter().zip(&mut self.errors) {
            // The health check and the monitor run on clocks of their own, so a stopped
            // proxy's source usually fails an interval before the check says it is down: the
            // error is logged again when that changes how it counts.
            let was_down = logged.as_ref().map(|(_, down)| *down);
            match (&s.error, was_down) {
                (Some(e), Some(false) | None) if s.proxy_down => {
                    tracing::warn!("monitor {}: {e} (the proxy is down: counted as serving nothing)", s.proxy)
                }
                (Some(e), None | Some(true)) if !s.proxy_down => tracing::warn!("monitor {}: {e}", s.proxy),
                (None, Some(_)) => tracing::info!("monitor {}: reading again ({})", s.proxy, s.describe()),
                _ => {}
            }
            *logged = s.error.clone().map(|e| (e, s.proxy_down));
        }
    }

    /// Buyer `i`'s state as every node is to apply it.
    fn applied(&self, g: &Generation, taken: &Taken, i: usize, buyer: &str) -> Applied {
        let state = self.plan.state(buyer).copied();
        Applied {
            line: g.live.line(i),
            mode: state.map_or(crate::core::control::Mode::Off, |s| s.mode),
            purchased_rps: self.plan.purchased(buyer),
            best_effort_rps: self.plan.cap(buyer),
            target_rps: state.map_or(0.0, |s| s.target_rps),
            served_rps: match taken.reading(i, self.last_span) {
                Reading::Served(rps) => Some(rps),
                _ => None,
            },
            ceiling: state.and_then(|s| s.ceiling).map(|c| c.f),
            demand_rps: state.and_then(|s| s.demand_rps),
        }
    }

    /// Each buyer's state as every node is to apply it, with the controller's memory, for
    /// publication.
    pub fn publication(&self, g: &Generation, taken: &Taken) -> Vec<NewState> {
        g.config
            .buyers
            .iter()
            .enumerate()
            .map(|(i, b)| NewState {
                buyer: b.name.clone(),
                // Neither can fail: plain numbers and strings (a NaN writes as null, and reads
                // back as no state, which the reader handles).
                applied: serde_json::to_string(&self.applied(g, taken, i, &b.name)).unwrap_or_default(),
                memory: self.plan.memory(&b.name).and_then(|m| serde_json::to_string(&m).ok()).unwrap_or_default(),
            })
            .collect()
    }

    /// What `dns status` and the metrics show: this node's own controllers, or, on a node
    /// that does not lead, the `published` state it applies (the leader's reading and law).
    /// The share is always the one this node answers with.
    pub fn board(&self, g: &Generation, taken: &Taken, published: Option<&BTreeMap<String, Applied>>) -> ControlBoard {
        let own: BTreeMap<String, Applied>;
        let (states, monitor) = match published {
            Some(published) => (published, self.last_taken.state()),
            None => {
                own = g
                    .config
                    .buyers
                    .iter()
                    .enumerate()
                    .map(|(i, b)| (b.name.clone(), self.applied(g, taken, i, &b.name)))
                    .collect();
                (&own, taken.state())
            }
        };
        let buyers = g
            .config
            .buyers
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let a = states.get(&b.name);
                BuyerStatus {
                    name: b.name.clone(),
                    purchased_rps: a.map_or(0.0, |a| a.purchased_rps),
                    best_effort_rps: a.and_then(|a| a.best_effort_rps),
                    served_rps: a.and_then(|a| a.served_rps),
                    target_rps: a.map_or(0.0, |a| a.target_rps),
                    f: g.live.fraction(i),
                    excluded: g.live.line(i).excluded(),
                    ceiling: a.and_then(|a| a.ceiling),
                    mode: a.map_or("off", |a| a.mode.name()),
                    monitor: monitor.name(),
                }
            })
            .collect();
        ControlBoard { buyers, sources: taken.sources.clone(), load_rps: taken.load_rps(self.last_span) }
    }
}
