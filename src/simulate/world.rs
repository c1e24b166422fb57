//! The simulated world: resolvers caching the server's answers for their clients, and the
//! requests those clients send to the proxies or to the buyer, second by second, with the real
//! controller and the real answer split deciding each answer.
//!
//! The model, per buyer and per second `t`:
//! - Demand `D(t)` requests/s is shared among resolvers by Zipf weights `w_i` (assigned in a
//!   random order, so a resolver's size says nothing about its place on the split's hash line).
//! - A resolver with an answer cached sends its clients' `D·w_i` requests where the answer
//!   points. When its cache has run out, its next client request makes it ask the server: the
//!   chance of that within the second is `1 − e^(−D·w_i)`. It then keeps the answer for the TTL,
//!   or for its own hold time if it is a holder.
//! - The proxies serve a Poisson count at the summed rate of the resolvers pointing at them.
//! - At every interval boundary the controller reads the served count of the interval that
//!   ended `monitor_delay` ago and sets `f` for the next interval.
//!
//! Everything random comes from one ChaCha8 stream seeded by `--seed`, so a run is exactly
//! repeatable on any machine.

use std::net::{IpAddr, Ipv6Addr};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Poisson};

use super::bound;
use super::scenario::{Scenario, Selection, SimBuyer};
use crate::core::client_hash::Subnet;
use crate::core::client_split;
use crate::core::control::{Controller, Input, Params, Reading};
use crate::core::fraction_split::{FractionSplit, ppm};
use crate::core::proxy_line::ProxyLine;

/// How a run is made.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub seed: u64,
    pub policy: Policy,
}

/// Who decides each answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Policy {
    /// The real controller and its proxy line.
    Controlled,
    /// `f` at the estimate during the sale, as weighted DNS does.
    OpenLoop,
    /// An oracle of [`super::bound`], keeping the expected load at most `level` × the
    /// purchase, with demand known as `sight` says.
    Oracle { level: f64, sight: Sight },
}

/// How much of the demand an oracle knows when it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sight {
    /// Every second's demand, the future's too.
    Foresight,
    /// The demand of the second it answers in, taken to last: what a law that knew the present
    /// exactly, with no monitor delay or noise, could do.
    Present,
}

/// One buyer's control interval.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IntervalRow {
    pub buyer: String,
    /// Seconds from the start.
    pub start_s: i64,
    pub seconds: i64,
    pub demand_rps: f64,
    pub served_rps: f64,
    pub purchased_rps: f64,
    /// The fraction in force during the interval.
    pub f: f64,
    pub mode: &'static str,
    pub proxy_answers: u64,
    pub fallback_answers: u64,
}

/// One resolver.
struct Resolver {
    share: f64,
    subnet: Subnet,
    /// How long it keeps an answer, seconds.
    keeps: i64,
}

/// One buyer's resolvers' caches and counts.
struct BuyerState {
    key: u64,
    controller: Controller,
    split: FractionSplit,
    f: f64,
    /// Which clients get proxies: the controller's line, or `f` of the bare line in open loop.
    line: ProxyLine,
    /// Per resolver: when its cached answer runs out, and whether it points at proxies.
    expires: Vec<i64>,
    to_proxy: Vec<bool>,
    /// Served requests per finished interval.
    served: Vec<u64>,
    /// This interval's counts.
    served_now: u64,
    demand_sum: f64,
    answers: [u64; 2],
    /// Queries in the last interval closed.
    last_queries: u64,
    mode: &'static str,
    purchased: f64,
    /// The oracle's expected proxy load per second from now on, of the answers it has given.
    committed: Vec<f64>,
}

/// Runs `scenario` and returns its intervals, buyer by buyer in time order.
pub fn run(scenario: &Scenario, options: &Options) -> Vec<IntervalRow> {
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let resolvers = resolvers(scenario, &mut rng);
    let interval = scenario.interval.secs().max(1);
    let ttl = scenario.ttl.secs().max(0);
    let delay = scenario.monitor_delay.map_or(0, |d| d.secs());
    let params = Params::new(interval as u32, ttl as u32, delay as u32, scenario.headroom.0);
    let mut buyers: Vec<BuyerState> = scenario
        .buyers
        .iter()
        .map(|b| BuyerState {
            key: client_split::buyer_key(&b.name),
            controller: Controller::new(params),
            split: FractionSplit::new(),
            f: 0.0,
            line: ProxyLine::default(),
            expires: vec![i64::MIN; resolvers.len()],
            to_proxy: vec![false; resolvers.len()],
            served: Vec::new(),
            served_now: 0,
            demand_sum: 0.0,
            answers: [0; 2],
            last_queries: 0,
            mode: "off",
            purchased: 0.0,
            committed: Vec::new(),
        })
        .collect();
    if let Policy::Oracle { .. } = options.policy {
        let longest = resolvers.iter().map(|r| r.keeps).max().unwrap_or(0).max(ttl);
        let horizon = (scenario.duration.secs() + longest + 2) as usize;
        buyers.iter_mut().for_each(|b| b.committed = vec![0.0; horizon]);
    }
    let mut rows: Vec<Vec<IntervalRow>> = vec![Vec::new(); buyers.len()];
    let duration = scenario.duration.secs();
    for t in 0..=duration {
        if t % interval == 0 || t == duration {
            for (b, state) in buyers.iter_mut().enumerate() {
                if t > 0 {
                    rows[b].push(close_interval(state, &scenario.buyers[b].name, t, interval));
                }
                if t == duration {
                    continue;
                }
                let buyer = &scenario.buyers[b];
                state.purchased = if buyer.sale.contains(t) { buyer.purchased_rps.0 } else { 0.0 };
                // The interval the monitor has reported by now.
                let reported = (t - delay).div_euclid(interval) - 1;
                let reading = usize::try_from(reported)
                    .ok()
                    .and_then(|j| state.served.get(j))
                    .map_or(Reading::Served(0.0), |&n| Reading::Served(n as f64 / interval as f64));
                // The server counts the queries it answered as they come: no monitor delay.
                let queries = (t > 0).then_some(state.last_queries);
                let input = Input { purchased_rps: state.purchased, estimate: buyer.estimate.0, reading, queries };
                state.f = state.controller.step(&input);
                state.line = state.controller.line();
                state.mode = state.controller.state().mode.name();
                match options.policy {
                    Policy::Controlled => {}
                    Policy::OpenLoop => {
                        state.f = if state.purchased > 0.0 { buyer.estimate.0 } else { 0.0 };
                        state.line = ProxyLine::below(ppm(state.f));
                        state.mode = if state.purchased > 0.0 { "open_loop" } else { "off" };
                    }
                    Policy::Oracle { .. } => state.mode = if state.purchased > 0.0 { "oracle" } else { "off" },
                }
            }
        }
        if t == duration {
            break;
        }
        for (b, state) in buyers.iter_mut().enumerate() {
            let demand = scenario.buyers[b].demand.at(t);
            state.demand_sum += demand;
            let decide = match options.policy {
                Policy::Oracle { level, sight } => Decide::Oracle { buyer: &scenario.buyers[b], level, sight },
                _ => Decide::Line(scenario.selection),
            };
            let rate = second(state, &resolvers, demand, t, decide, ttl, &mut rng);
            if rate > 0.0 {
                state.served_now += Poisson::new(rate).map_or(0.0, |p| p.sample(&mut rng)) as u64;
            }
        }
    }
    rows.into_iter().flatten().collect()
}

/// How a lookup's answer is chosen.
enum Decide<'a> {
    /// By the proxy line (or, per answer, by `f`).
    Line(Selection),
    /// By an oracle, with `buyer`'s sale known in advance and its demand as `sight` says.
    Oracle { buyer: &'a SimBuyer, level: f64, sight: Sight },
}

/// One second of one buyer: resolvers whose answers ran out ask again; returns the request
/// rate pointed at the proxies.
fn second(
    state: &mut BuyerState,
    resolvers: &[Resolver],
    demand: f64,
    t: i64,
    decide: Decide<'_>,
    ttl: i64,
    rng: &mut ChaCha8Rng,
) -> f64 {
    let f_ppm = ppm(state.f);
    let mut rate = 0.0;
    for (i, r) in resolvers.iter().enumerate() {
        let clients = demand * r.share;
        if state.expires[i] > t {
            if state.to_proxy[i] {
                rate += clients;
            }
            continue;
        }
        state.to_proxy[i] = false;
        let asks = 1.0 - (-clients).exp();
        if clients <= 0.0 || rng.random::<f64>() >= asks {
            continue;
        }
        let keeps = ttl.max(r.keeps);
        let proxy = match &decide {
            Decide::Line(Selection::PerClient) => state.line.to_proxy(client_split::place(&r.subnet, state.key)),
            Decide::Line(Selection::PerAnswer) => state.split.next(f_ppm),
            Decide::Oracle { buyer, level, sight } => {
                let ask = bound::Ask { share: r.share, first: clients / asks, t, keeps };
                bound::admit(&mut state.committed, buyer, *level, *sight, &ask)
            }
        };
        state.to_proxy[i] = proxy;
        state.expires[i] = t + keeps;
        state.answers[usize::from(!proxy)] += 1;
        if proxy {
            // A second in which at least one request came: the Poisson count given that,
            // so that a small resolver's requests are not lost between its lookups.
            rate += clients / asks;
        }
    }
    rate
}

/// Ends the interval before `t`: its row, and its served count for the monitor.
fn close_interval(state: &mut BuyerState, buyer: &str, t: i64, interval: i64) -> IntervalRow {
    let start = (t - 1) - (t - 1).rem_euclid(interval);
    let seconds = t - start;
    state.served.push(state.served_now);
    let row = IntervalRow {
        buyer: buyer.to_string(),
        start_s: start,
        seconds,
        demand_rps: state.demand_sum / seconds as f64,
        served_rps: state.served_now as f64 / seconds as f64,
        purchased_rps: state.purchased,
        f: state.f,
        mode: state.mode,
        proxy_answers: state.answers[0],
        fallback_answers: state.answers[1],
    };
    state.served_now = 0;
    state.demand_sum = 0.0;
    state.last_queries = state.answers[0] + state.answers[1];
    state.answers = [0; 2];
    row
}

/// The resolvers: Zipf shares in a random order, some of them holders.
fn resolvers(scenario: &Scenario, rng: &mut ChaCha8Rng) -> Vec<Resolver> {
    let spec = &scenario.resolvers;
    let n = spec.count as usize;
    let mut shares: Vec<f64> = (1..=n).map(|k| (k as f64).powf(-spec.zipf)).collect();
    let total: f64 = shares.iter().sum();
    shares.iter_mut().for_each(|s| *s /= total);
    shares.shuffle(rng);
    let (low, high) = spec.hold.map_or((0, 0), |(a, b)| (a.secs(), b.secs()));
    shares
        .into_iter()
        .enumerate()
        .map(|(i, share)| {
            let holder = rng.random::<f64>() < spec.holders.0;
            let keeps = if holder { rng.random_range(low..=high) } else { 0 };
            // Each resolver its own /56 in the documentation prefix.
            let i = i as u64;
            let address = Ipv6Addr::new(0x2001, 0x0db8, (i >> 8) as u16, ((i & 0xff) << 8) as u16, 0, 0, 0, 1);
            Resolver { share, subnet: Subnet::of_resolver(IpAddr::V6(address)), keeps }
        })
        .collect()
}
