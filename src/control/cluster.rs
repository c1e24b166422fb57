//! One `dns serve`'s part among several on one ledger: it takes or renews the lease
//! ([`crate::core::control_lease`]) and, leading, steps the controllers and publishes every
//! buyer's state; following, it applies what the leader published. Every node writes a
//! heartbeat each interval (name, address, version, config hash, role, the control version it
//! answers with, its DNS queries per buyer and the share it serves each buyer), which the
//! leader sums for the law and `dns status` shows.
//!
//! A lone server is the same case with one node: it takes the lease at start and leads.
//!
//! **Departures from DESIGN.md's "Several hosts".** Every node runs the monitor, not only the
//! leader: each node's usage samples carry what the proxies served (so `report usage` is
//! whole through a failover or an outage of the ledger), and a node that takes over has a
//! monitor that is already warm. Only the leader's readings drive the law.
//!
//! **Timing.** The leader renews at each interval boundary and publishes right after its
//! step; a follower looks for the new version every [`LOOK`] from its boundary until it has
//! it (at most `LOOK_FOR`), and otherwise every [`super::watcher::SALES_REFRESH`], so a
//! state reaches it within a few hundred milliseconds of being written. A follower claims the
//! lease at its boundary and again half an interval later, but only once the lease it last
//! read has expired by its clock (before, a claim could only find it held, and would cost a
//! transaction): a leader killed just after it renewed (a lease of two intervals) is
//! succeeded within two and a half.
//!
//! **Alone.** A leader that cannot reach the ledger goes on stepping (what the buyers hold
//! comes from the sales read ahead, [`super::controllers::SCHEDULE_AHEAD`]) until its lease's
//! end by its own clock, then stops; back, it renews if nobody took over (the same epoch),
//! else follows. A follower that cannot reach the ledger keeps the state it applied while a
//! lease it knows of may still run; after that no leader can be publishing, and it steps its
//! own controllers from its own monitor, carrying on from the last published memory, which
//! followers keep for this ([`control_lease::steps_alone`]). This departs from the issue's
//! "keeps answering with the last state it applied": held fixed, a share sits wherever the
//! law happened to be, and the three-node test saw a buyer at 84% of its purchase through a
//! minute without PostgreSQL (the law dithers between two shares when a few clients stand
//! behind a buyer); stepping, every node reads the same proxies and reaches the share one
//! leader would. When the ledger is back, one node takes the lease: if nobody published
//! since it stepped alone, it carries on from its own controllers (newer than the ledger's),
//! else from the published memory; the others apply its first publication. Once a node has
//! seen no publication for `dns.control_stale` it stops stepping and moves each buyer to the
//! safe share ([`published_control::safe_line`], held to what the schedule says the buyer
//! holds now, so a window that closed meanwhile gives it nothing) and says why.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::controllers::Controllers;
use crate::core::control_lease::{self, Claim, Lease, Me};
use crate::core::published_control::{self, Applied, BuyerMemory, HeardNode, NodeCounts};
use crate::dns::generation::Generation;
use crate::ledger::Ledger;
use crate::ledger::cluster::{NodeBeat, PublishError};
use crate::monitor::Taken;

/// How often a follower looks for the leader's publication after its boundary.
pub const LOOK: Duration = Duration::from_millis(100);
/// How long after its boundary a follower keeps looking every [`LOOK`].
const LOOK_FOR: Duration = Duration::from_millis(1_500);

/// This node's identity, role and the state it applies.
pub struct Cluster {
    node: String,
    instance: String,
    address: String,
    /// Unix ms.
    started_at: i64,
    /// The lease as this node last wrote it, while it leads.
    leading: Option<Lease>,
    /// The control version this node answers with (its own publication when it leads).
    applied_version: i64,
    /// Unix ms the applied version was written, by its writer's clock.
    heard_at: i64,
    /// The leader's published states this node applies, by buyer (empty while it leads).
    published: BTreeMap<String, Applied>,
    /// Whether the safe shares are in force (logged once).
    safe: bool,
    /// Whether the last look at the ledger failed (logged once).
    unreachable: bool,
    /// Whether the last claim or look at the ledger failed.
    away: bool,
    /// While this node steps its controllers alone: the version it applied when it began.
    alone_from: Option<i64>,
    /// A follower looks every [`LOOK`] until then.
    looking_until: Option<Instant>,
    next_look: Instant,
    /// A follower's second claim of the interval, half-way through it.
    next_claim: Option<Instant>,
    /// How long after the leader wrote it each publication was applied here, ms (not the
    /// first: that one was written before this node started).
    lags: Vec<i64>,
    /// Unix ms: when the lease held by another node ends, as last read. A follower does not
    /// claim before it: the row can only have been renewed since, never shortened (a release
    /// is its holder's, and only makes it end sooner, which the next read shows).
    others_until: Option<i64>,
}

impl Cluster {
    pub fn new(node: String, address: String, now_ms: i64) -> Cluster {
        let instance = format!("{node}:{}:{:08x}", std::process::id(), rand::random::<u32>());
        Cluster {
            node,
            instance,
            address,
            started_at: now_ms,
            leading: None,
            applied_version: 0,
            heard_at: now_ms,
            published: BTreeMap::new(),
            safe: false,
            unreachable: false,
            away: false,
            alone_from: None,
            looking_until: None,
            next_look: Instant::now(),
            next_claim: None,
            lags: Vec::new(),
            others_until: None,
        }
    }

    fn me(&self) -> Me<'_> {
        Me { node: &self.node, instance: &self.instance }
    }

    pub fn node(&self) -> &str {
        &self.node
    }

    /// Whether this node leads at `now_ms` (by its own clock, before its lease's end).
    pub fn leads(&self, now_ms: i64) -> bool {
        self.leading.as_ref().is_some_and(|l| control_lease::still_leads(l, self.me(), now_ms))
    }

    /// The published states applied here, for the board; `None` while leading or stepping
    /// alone (the board shows the node's own controllers then).
    pub fn published(&self, now_ms: i64) -> Option<&BTreeMap<String, Applied>> {
        (!self.leads(now_ms) && self.alone_from.is_none()).then_some(&self.published)
    }

    /// Whether this follower steps its own controllers this interval
    /// ([`control_lease::steps_alone`]); says so when it begins. Not once the state is stale:
    /// the safe shares hold then.
    pub fn steps_alone(&mut self, now_ms: i64) -> bool {
        if self.leads(now_ms) || self.safe || !control_lease::steps_alone(self.away, self.others_until, now_ms) {
            return false;
        }
        if self.alone_from.is_none() {
            tracing::warn!(
                "the ledger is away and no lease runs: stepping the controllers from this node's monitor, from the \
                 control state of version {}",
                self.applied_version
            );
            self.alone_from = Some(self.applied_version);
        }
        true
    }

    fn interval_ms(g: &Generation) -> i64 {
        g.config.control.interval.secs().max(1) * 1_000
    }

    /// Takes or renews the lease. Taking it, the node carries on from the published
    /// controllers and re-reads the sales; losing it, it follows.
    pub fn claim(&mut self, ledger: &mut Ledger, controllers: &mut Controllers, g: &Generation, now_ms: i64) {
        if self.leading.is_none() && self.others_until.is_some_and(|until| now_ms < until) {
            self.schedule_claim(g);
            return;
        }
        let length = control_lease::length_ms(Cluster::interval_ms(g));
        let claimed = ledger.claim_control_lease(self.me(), now_ms, length);
        self.away = claimed.is_err();
        match claimed {
            Ok((Claim::Take(lease), before)) => {
                let published = before.as_ref().map_or(0, |r| r.published);
                let was = before.filter(|r| r.lease.epoch < lease.epoch).map(|r| r.lease.holder);
                let was = match &was {
                    Some(holder) => format!("; {holder} led before"),
                    None => String::new(),
                };
                tracing::info!("leading the control as {} (epoch {}{was})", self.node, lease.epoch);
                self.leading = Some(lease);
                self.others_until = None;
                self.take_over(ledger, controllers, g, published, now_ms);
            }
            Ok((Claim::Renew(lease), _)) => self.leading = Some(lease),
            Ok((Claim::Held(lease), _)) => {
                self.others_until = Some(lease.expires);
                if self.leading.take().is_some() {
                    tracing::warn!("no longer leading: {} leads (epoch {})", lease.holder, lease.epoch);
                }
                self.schedule_claim(g);
            }
            Err(e) => {
                if let Some(lease) = &self.leading
                    && !control_lease::still_leads(lease, self.me(), now_ms)
                {
                    tracing::warn!(
                        "stopped leading: the lease of epoch {} ended without the ledger to renew it ({e})",
                        lease.epoch
                    );
                    self.leading = None;
                }
                if self.leading.is_none() {
                    self.schedule_claim(g);
                }
            }
        }
    }

    fn schedule_claim(&mut self, g: &Generation) {
        let half = Duration::from_millis(u64::try_from(Cluster::interval_ms(g) / 2).unwrap_or(500));
        self.next_claim = Some(Instant::now() + half);
    }

    /// A follower's claim half-way through the interval, when due.
    pub fn claim_if_due(&mut self, ledger: &mut Ledger, controllers: &mut Controllers, g: &Generation, now_ms: i64) {
        if self.next_claim.is_some_and(|at| Instant::now() >= at) {
            self.next_claim = None;
            self.claim(ledger, controllers, g, now_ms);
        }
    }

    /// A new leader carries on from the published memory of each configured buyer; the
    /// lines already in force are the published ones (it followed them), so nobody's traffic
    /// steps. A node that stepped alone since the last publication (`published`, the version
    /// the lease row had) carries on from its own controllers instead: they are newer. Then
    /// the sales, for windows that opened or closed meanwhile.
    fn take_over(
        &mut self,
        ledger: &mut Ledger,
        controllers: &mut Controllers,
        g: &Generation,
        published: i64,
        now_ms: i64,
    ) {
        let alone_from = self.alone_from.take();
        self.published.clear();
        self.safe = false;
        if alone_from.is_some() && published == self.applied_version {
            tracing::info!("carrying on from this node's own controllers: nobody published while it stepped alone");
        } else {
            self.restore(ledger, controllers, g);
        }
        if let Err(e) = controllers.refresh_sales(ledger, g, now_ms / 1_000) {
            tracing::warn!("ledger: {e:#}");
        }
    }

    fn restore(&mut self, ledger: &mut Ledger, controllers: &mut Controllers, g: &Generation) {
        let states = match ledger.control_states(true) {
            Ok(states) => states,
            Err(e) => {
                tracing::warn!("cannot read the published control state ({e}); the controllers start afresh");
                Vec::new()
            }
        };
        let mut carried = 0;
        for s in &states {
            if !g.config.buyers.iter().any(|b| b.name == s.buyer) {
                continue;
            }
            match serde_json::from_str::<BuyerMemory>(&s.memory) {
                Ok(memory) => match controllers.plan.restore(&s.buyer, memory) {
                    true => carried += 1,
                    false => {
                        tracing::info!("buyer {}: the published controller is of another law; starting afresh", s.buyer)
                    }
                },
                Err(_) if s.memory.is_empty() => {}
                Err(e) => tracing::warn!("buyer {}: unreadable published controller ({e}); starting afresh", s.buyer),
            }
        }
        if !states.is_empty() {
            tracing::info!("carrying on from the published state of {carried} of {} buyers", states.len());
        }
    }

    /// The leader publishes every buyer's state; fenced off, it stops leading.
    pub fn publish(
        &mut self,
        ledger: &mut Ledger,
        controllers: &Controllers,
        g: &Generation,
        taken: &Taken,
        now_ms: i64,
    ) {
        let Some(epoch) = self.leading.as_ref().map(|l| l.epoch) else { return };
        match ledger.publish_control(self.me(), epoch, now_ms, &controllers.publication(g, taken)) {
            Ok(version) => {
                self.applied_version = version;
                self.heard_at = now_ms;
            }
            Err(PublishError::Fenced { epoch, now }) => {
                tracing::warn!("no longer leading: control state of epoch {epoch} refused ({now})");
                self.leading = None;
                self.schedule_claim(g);
            }
            Err(PublishError::Ledger(e)) => tracing::warn!("cannot publish the control state: {e}"),
        }
    }

    /// At a follower's boundary: looks for the leader's publication until it comes.
    pub fn await_publication(&mut self) {
        self.looking_until = Some(Instant::now() + LOOK_FOR);
    }

    /// Whether a follower should look now: every [`LOOK`] while awaiting a publication.
    pub fn look_due(&self) -> bool {
        self.looking_until.is_some_and(|until| Instant::now() < until) && Instant::now() >= self.next_look
    }

    /// The leader's publication, applied if it is newer than what this node answers with.
    /// Whether it was.
    pub fn follow(&mut self, ledger: &mut Ledger, controllers: &mut Controllers, g: &Generation, now_ms: i64) -> bool {
        self.next_look = Instant::now() + LOOK;
        let row = ledger.control_lease();
        self.away = row.is_err();
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                if !self.unreachable {
                    tracing::warn!("cannot read the control state ({e}); answering with the last applied");
                    self.unreachable = true;
                }
                return false;
            }
        };
        self.unreachable = false;
        self.others_until = row.as_ref().filter(|r| r.lease.instance != self.instance).map(|r| r.lease.expires);
        let Some(row) = row.filter(|r| r.published > self.applied_version) else { return false };
        // With the controllers' memory: a follower that finds itself alone carries on from it.
        let states = match ledger.control_states(true) {
            Ok(states) => states,
            Err(e) => {
                tracing::warn!("cannot read the control state ({e}); answering with the last applied");
                return false;
            }
        };
        self.published = states
            .iter()
            .filter_map(|s| match serde_json::from_str::<Applied>(&s.applied) {
                Ok(a) => Some((s.buyer.clone(), a)),
                Err(e) => {
                    tracing::warn!("buyer {}: unreadable published state ({e}); keeping what it had", s.buyer);
                    None
                }
            })
            .collect();
        self.apply(g);
        controllers.plan.adopt_caps(self.published.iter().filter_map(|(b, a)| Some((b.clone(), a.best_effort_rps?))));
        for s in &states {
            // Another law's memory is refused here as at a takeover; the buyer then starts
            // afresh should this node step alone.
            if let Ok(memory) = serde_json::from_str::<BuyerMemory>(&s.memory) {
                controllers.plan.restore(&s.buyer, memory);
            }
        }
        if self.safe || self.alone_from.is_some() {
            tracing::info!("control state from {} again: answering with it", row.lease.holder);
            self.safe = false;
            self.alone_from = None;
        }
        if self.applied_version > 0 {
            self.lags.push(now_ms - row.published_at);
        }
        self.applied_version = row.published;
        self.heard_at = row.published_at;
        self.looking_until = None;
        true
    }

    /// Puts the published lines in force; a buyer not published (no sale yet) gets none.
    fn apply(&self, g: &Generation) {
        for (i, b) in g.config.buyers.iter().enumerate() {
            let line = self.published.get(&b.name).map(|a| a.line).unwrap_or_default();
            g.live.set_line(i, &line);
        }
    }

    /// A follower that has heard nothing for `dns.control_stale` moves each buyer to the share
    /// that cannot exceed what it holds (by the schedule, where it reaches; else what was
    /// last published).
    pub fn check_stale(&mut self, g: &Generation, controllers: &Controllers, now_ms: i64) {
        let stale_ms = g.config.dns.control_stale.secs().max(1) * 1_000;
        if self.safe || self.leads(now_ms) || !published_control::is_stale(self.heard_at, now_ms, stale_ms) {
            return;
        }
        let headroom = g.config.control.headroom.0;
        let holdings = controllers.schedule.holdings_at(now_ms / 1_000);
        for (i, b) in g.config.buyers.iter().enumerate() {
            let Some(a) = self.published.get(&b.name) else { continue };
            let purchased = holdings.as_ref().map_or(a.purchased_rps, |h| controllers.plan.purchased_under(h, &b.name));
            let line = published_control::safe_line(a, purchased.min(a.purchased_rps), headroom);
            g.live.set_line(i, &line);
        }
        tracing::warn!(
            "no control state for {} s (dns.control_stale): each buyer moved to the share that keeps it within \
             its purchase at the last demand estimated",
            (now_ms - self.heard_at) / 1_000
        );
        self.safe = true;
        self.alone_from = None;
    }

    /// Per configured buyer, the DNS queries of every node in their last intervals: this
    /// node's `own` counts and, from the `ledger` (none while alone), the others' heartbeats
    /// ([`published_control::summed_queries`]).
    pub fn summed_queries(
        &self,
        ledger: Option<&Ledger>,
        g: &Generation,
        own: &NodeCounts,
        now_ms: i64,
    ) -> Vec<Option<u64>> {
        let mut heard: Vec<HeardNode> = match ledger.map(Ledger::dns_nodes).unwrap_or(Ok(Vec::new())) {
            Ok(nodes) => nodes
                .into_iter()
                .filter(|n| n.node != self.node)
                .filter_map(|n| {
                    let counts = serde_json::from_str(&n.counts).ok()?;
                    Some(HeardNode { heartbeat_at: n.heartbeat_at, interval_ms: n.interval_ms, counts })
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        heard.push(HeardNode { heartbeat_at: now_ms, interval_ms: Cluster::interval_ms(g), counts: own.clone() });
        let buyers: Vec<&str> = g.config.buyers.iter().map(|b| b.name.as_str()).collect();
        published_control::summed_queries(&heard, &buyers, now_ms)
    }

    /// Writes this node's heartbeat.
    pub fn heartbeat(&self, ledger: &mut Ledger, g: &Generation, counts: &NodeCounts, now_ms: i64) {
        let serving: BTreeMap<&str, f64> =
            g.config.buyers.iter().enumerate().map(|(i, b)| (b.name.as_str(), g.live.fraction(i))).collect();
        let beat = NodeBeat {
            node: self.node.clone(),
            instance: self.instance.clone(),
            address: self.address.clone(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            config_hash: crate::config::config_hash::config_hash(&g.config),
            started_at: self.started_at,
            heartbeat_at: now_ms,
            interval_ms: Cluster::interval_ms(g),
            leading_epoch: self.leading.as_ref().filter(|_| self.leads(now_ms)).map(|l| l.epoch),
            applied_version: Some(self.applied_version),
            counts: serde_json::to_string(counts).unwrap_or_default(),
            serving: serde_json::to_string(&serving).unwrap_or_default(),
        };
        if let Err(e) = ledger.heartbeat(&beat) {
            tracing::debug!("heartbeat not written: {e}");
        }
    }

    /// At a clean stop: lets the lease go so another node leads at once, and says how soon
    /// this node applied the leader's publications.
    pub fn stop(&mut self, ledger: &mut Ledger, now_ms: i64) {
        if self.leading.take().is_some() {
            match ledger.release_control_lease(self.me(), now_ms) {
                Ok(true) => tracing::info!("released the control lease"),
                Ok(false) => {}
                Err(e) => tracing::warn!("could not release the control lease ({e}); another node leads at its end"),
            }
        }
        if let Some(summary) = lag_summary(&mut self.lags) {
            tracing::info!("applied {summary}");
        }
    }
}

/// "N published control states, ms after they were written: p50 …, p99 …, max …".
fn lag_summary(lags: &mut [i64]) -> Option<String> {
    if lags.is_empty() {
        return None;
    }
    lags.sort_unstable();
    let at = |q: f64| lags[((lags.len() - 1) as f64 * q).round() as usize];
    Some(format!(
        "{} published control states, ms after they were written: p50 {}, p99 {}, max {}",
        lags.len(),
        at(0.5),
        at(0.99),
        lags[lags.len() - 1]
    ))
}
