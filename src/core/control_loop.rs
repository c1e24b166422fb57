//! Every buyer's controller together, as `dns serve` runs them: what each buyer is held to
//! (its guaranteed holding plus its best-effort cap), sale windows opening and closing between
//! intervals, and one step per control interval. Pure: the server reads the ledger, the monitor
//! and the health checks, and passes them in.

use std::collections::HashMap;

use super::best_effort::{self, Claim, Pool};
use super::control::{Controller, Input, Mode, Params, Reading, State};
use super::holding::Holding;
use super::proxy_line::ProxyLine;
use super::published_control::BuyerMemory;

/// A buyer of the config, in the config's order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Buyer<'a> {
    pub name: &'a str,
    pub estimate: f64,
}

/// What one control interval read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Readings<'a> {
    /// Per buyer, in the order of the buyers passed with it.
    pub buyers: &'a [Reading],
    /// Requests per second every proxy served, for everyone, when every source read.
    pub total_load_rps: Option<f64>,
    /// Some proxy has no monitor source: everyone is open loop.
    pub unmonitored: bool,
    /// Sum of the healthy proxies' capacity, rps.
    pub healthy_capacity_rps: f64,
    /// `market.margin`.
    pub margin: f64,
    /// Per buyer, the DNS queries for its names in the interval just ended, summed over the
    /// name servers (empty: not counted).
    pub queries: &'a [Option<u64>],
}

/// What a step did to one buyer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    pub f: f64,
    /// Which clients get proxies: share `f` of the buyer's hash line.
    pub line: ProxyLine,
    pub before: Mode,
    pub mode: Mode,
    /// What the buyer was held to, rps.
    pub purchased_rps: f64,
}

/// The controllers, by buyer name, and what they hold the buyers to.
#[derive(Debug, Clone)]
pub struct ControlLoop {
    params: Params,
    controllers: HashMap<String, Controller>,
    holdings: Vec<Holding>,
    /// Best-effort caps by buyer, rps, from the last interval whose total load was known.
    caps: HashMap<String, f64>,
}

impl ControlLoop {
    pub fn new(params: Params) -> ControlLoop {
        ControlLoop { params, controllers: HashMap::new(), holdings: Vec::new(), caps: HashMap::new() }
    }

    /// After a reload: controllers of buyers still configured carry over, unless the law's
    /// parameters changed.
    pub fn reconfigure(&mut self, params: Params, names: &[&str]) {
        self.params = params;
        self.controllers.retain(|name, c| names.contains(&name.as_str()) && *c.params() == params);
    }

    /// A buyer's controller state, once it has one.
    pub fn state(&self, buyer: &str) -> Option<&State> {
        self.controllers.get(buyer).map(Controller::state)
    }

    /// A buyer's best-effort cap, rps, once measured.
    pub fn cap(&self, buyer: &str) -> Option<f64> {
        self.caps.get(buyer).copied()
    }

    /// What `buyer` is held to now.
    pub fn purchased(&self, buyer: &str) -> f64 {
        self.purchased_under(&self.holdings, buyer)
    }

    /// What `buyer` is held to under `holdings`: its guaranteed rps plus, for a best-effort
    /// sale, its cap, or what it bought while no cap is known (open loop, first interval).
    pub fn purchased_under(&self, holdings: &[Holding], buyer: &str) -> f64 {
        let Some(h) = holdings.iter().find(|h| h.buyer == buyer) else { return 0.0 };
        let best_effort = match h.best_effort_rps {
            0 => 0.0,
            bought => self.cap(buyer).unwrap_or(bought as f64),
        };
        h.guaranteed_rps as f64 + best_effort
    }

    /// A buyer's controller and best-effort cap, for the next leader to carry on from.
    pub fn memory(&self, buyer: &str) -> Option<BuyerMemory> {
        let controller = self.controllers.get(buyer)?.clone();
        Some(BuyerMemory { controller, cap: self.cap(buyer) })
    }

    /// Carries on from a buyer's published memory. Refused (false; the buyer starts afresh as
    /// after a reload) when it was made under other parameters of the law or is not one this
    /// code could have made ([`Controller::is_consistent`]).
    pub fn restore(&mut self, buyer: &str, memory: BuyerMemory) -> bool {
        if *memory.controller.params() != self.params || !memory.controller.is_consistent() {
            return false;
        }
        self.controllers.insert(buyer.to_string(), memory.controller);
        match memory.cap.filter(|c| c.is_finite() && *c >= 0.0) {
            Some(cap) => self.caps.insert(buyer.to_string(), cap),
            None => self.caps.remove(buyer),
        };
        true
    }

    /// A follower's view: the best-effort caps the leader published, so what it records as
    /// each buyer's purchase is the leader's.
    pub fn adopt_caps(&mut self, caps: impl IntoIterator<Item = (String, f64)>) {
        self.caps = caps.into_iter().filter(|(_, c)| c.is_finite() && *c >= 0.0).collect();
    }

    fn controller(&mut self, buyer: &str) -> &mut Controller {
        let params = self.params;
        self.controllers.entry(buyer.to_string()).or_insert_with(|| Controller::new(params))
    }

    /// Sales re-read between intervals. A window that opened or closed takes effect now: the
    /// buyer starts at its estimate, or stops. Per buyer, what changed.
    pub fn sales(&mut self, holdings: Vec<Holding>, buyers: &[Buyer<'_>], open_loop: bool) -> Vec<Option<Decision>> {
        self.holdings = holdings;
        let reading = if open_loop { Reading::Unmonitored } else { Reading::Served(0.0) };
        buyers
            .iter()
            .map(|b| {
                let purchased_rps = self.purchased(b.name);
                let c = self.controller(b.name);
                let before = c.state().mode;
                if (purchased_rps > 0.0) == (before != Mode::Off) {
                    return None;
                }
                let f = c.step(&Input { purchased_rps, estimate: b.estimate, reading, queries: None });
                Some(Decision { f, line: c.line(), before, mode: c.state().mode, purchased_rps })
            })
            .collect()
    }

    /// One control interval: the best-effort caps from the load read, then every buyer's step.
    pub fn interval(&mut self, holdings: Vec<Holding>, buyers: &[Buyer<'_>], read: &Readings<'_>) -> Vec<Decision> {
        self.holdings = holdings;
        self.update_caps(buyers, read);
        buyers
            .iter()
            .zip(read.buyers)
            .enumerate()
            .map(|(i, (b, &reading))| {
                let purchased_rps = self.purchased(b.name);
                let queries = read.queries.get(i).copied().flatten();
                let c = self.controller(b.name);
                let before = c.state().mode;
                let f = c.step(&Input { purchased_rps, estimate: b.estimate, reading, queries });
                Decision { f, line: c.line(), before, mode: c.state().mode, purchased_rps }
            })
            .collect()
    }

    /// Kept as they were while the total load is unknown because a source failed (the
    /// controllers hold then); dropped when some proxy has no source at all (open loop:
    /// best-effort buyers stay at their estimate like everyone).
    fn update_caps(&mut self, buyers: &[Buyer<'_>], read: &Readings<'_>) {
        let Some(total_load_rps) = read.total_load_rps else {
            if read.unmonitored {
                self.caps.clear();
            }
            return;
        };
        let pool = Pool { healthy_capacity_rps: read.healthy_capacity_rps, margin: read.margin, total_load_rps };
        let claimants: Vec<&Holding> = self.holdings.iter().filter(|h| h.best_effort_rps > 0).collect();
        let claims: Vec<Claim> = claimants
            .iter()
            .map(|h| {
                let reading = buyers.iter().position(|b| b.name == h.buyer).and_then(|i| read.buyers.get(i));
                Claim {
                    guaranteed_rps: h.guaranteed_rps as f64,
                    best_effort_rps: h.best_effort_rps as f64,
                    served_rps: match reading {
                        Some(Reading::Served(rps)) => *rps,
                        _ => 0.0,
                    },
                }
            })
            .collect();
        let caps = best_effort::caps(pool, &claims);
        self.caps = claimants.iter().zip(caps).map(|(h, cap)| (h.buyer.clone(), cap)).collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(buyer: &str, guaranteed_rps: i64, best_effort_rps: i64) -> Holding {
        Holding { buyer: buyer.into(), guaranteed_rps, best_effort_rps }
    }

    const BUYERS: [Buyer<'static>; 2] = [Buyer { name: "shop", estimate: 0.5 }, Buyer { name: "news", estimate: 0.3 }];

    fn read(buyers: &[Reading], total: Option<f64>, healthy: f64) -> Readings<'_> {
        Readings {
            buyers,
            total_load_rps: total,
            unmonitored: false,
            healthy_capacity_rps: healthy,
            margin: 0.1,
            queries: &[],
        }
    }

    fn fresh() -> ControlLoop {
        ControlLoop::new(Params::new(5, 20, 0, 0.05))
    }

    #[test]
    fn a_window_opens_at_the_estimate_and_closes_to_zero_between_intervals() {
        let mut l = fresh();
        let opened = l.sales(vec![held("news", 10, 0)], &BUYERS, false);
        assert_eq!(opened[0], None, "shop holds nothing and is off already");
        let news = opened[1].unwrap();
        assert_eq!((news.f, news.before, news.mode, news.purchased_rps), (0.3, Mode::Off, Mode::Opening, 10.0));
        assert_eq!(l.sales(vec![held("news", 10, 0)], &BUYERS, false), [None, None], "nothing changed");
        let closed = l.sales(vec![], &BUYERS, false)[1].unwrap();
        assert_eq!((closed.f, closed.mode), (0.0, Mode::Off));
    }

    #[test]
    fn a_best_effort_buyer_is_held_to_its_share_of_the_free_capacity() {
        let mut l = fresh();
        let holdings = || vec![held("shop", 0, 30), held("news", 20, 10)];
        l.sales(holdings(), &BUYERS, false);
        // Before any load is known: what each bought.
        assert_eq!((l.purchased("shop"), l.purchased("news")), (30.0, 30.0));
        // 200 healthy × 0.9 = 180 usable; 100 served in all, shop 20 and news 25 (5 above its
        // guarantee): others 75, free 105, shared 3:1.
        let readings = [Reading::Served(20.0), Reading::Served(25.0)];
        let d = l.interval(holdings(), &BUYERS, &read(&readings, Some(100.0), 200.0));
        assert_eq!((l.cap("shop"), l.cap("news")), (Some(78.75), Some(26.25)));
        assert_eq!((d[0].purchased_rps, d[1].purchased_rps), (78.75, 46.25));
        // A proxy goes down: less capacity, smaller caps.
        l.interval(holdings(), &BUYERS, &read(&readings, Some(100.0), 100.0));
        assert_eq!(l.cap("shop"), Some(11.25));
        // A failing source: the total is unknown, the caps stay and the controllers hold.
        let stale = [Reading::Stale, Reading::Stale];
        let d = l.interval(holdings(), &BUYERS, &read(&stale, None, 100.0));
        assert_eq!((l.cap("shop"), d[0].mode), (Some(11.25), Mode::Holding));
        // A proxy without any source: open loop, back to what was bought.
        let none = Readings { unmonitored: true, ..read(&[Reading::Unmonitored; 2], None, 100.0) };
        let d = l.interval(holdings(), &BUYERS, &none);
        assert_eq!((l.cap("shop"), d[0].purchased_rps, d[0].f), (None, 30.0, 0.5));
    }

    #[test]
    fn controllers_survive_a_reload_by_name_unless_the_law_changed() {
        let mut l = fresh();
        l.sales(vec![held("shop", 10, 0), held("news", 10, 0)], &BUYERS, false);
        l.reconfigure(Params::new(5, 20, 0, 0.05), &["shop"]);
        assert!(l.state("shop").is_some_and(|s| s.mode == Mode::Opening));
        assert!(l.state("news").is_none(), "news left the config");
        l.reconfigure(Params::new(5, 60, 0, 0.05), &["shop"]);
        assert!(l.state("shop").is_none(), "a new TTL is a new law");
    }

    #[test]
    fn a_successor_carries_on_from_the_published_memory_not_from_nothing() {
        let mut leader = fresh();
        let holdings = || vec![held("shop", 0, 30), held("news", 20, 0)];
        leader.sales(holdings(), &BUYERS, false);
        let readings = [Reading::Served(20.0), Reading::Served(25.0)];
        for _ in 0..4 {
            leader.interval(holdings(), &BUYERS, &read(&readings, Some(100.0), 200.0));
        }
        let published: Vec<String> =
            ["shop", "news"].iter().map(|b| serde_json::to_string(&leader.memory(b).unwrap()).unwrap()).collect();
        let mut successor = fresh();
        for (b, text) in ["shop", "news"].iter().zip(&published) {
            assert!(successor.restore(b, serde_json::from_str(text).unwrap()));
        }
        assert_eq!(successor.cap("shop"), leader.cap("shop"));
        assert_eq!(successor.state("news"), leader.state("news"));
        // The next step is the same step: no jump at the change of leader.
        let a = leader.interval(holdings(), &BUYERS, &read(&readings, Some(100.0), 200.0));
        let b = successor.interval(holdings(), &BUYERS, &read(&readings, Some(100.0), 200.0));
        assert_eq!(a, b);
        // Another law's memory is not used.
        let mut other = ControlLoop::new(Params::new(5, 60, 0, 0.05));
        assert!(!other.restore("shop", serde_json::from_str(&published[0]).unwrap()));
        assert!(other.state("shop").is_none());
    }
}
