//! The control law: each interval, from the requests the proxies served for a buyer, the
//! fraction `f` of its DNS answers that go to proxies next.
//!
//! # The law
//!
//! DNS answers are not requests. A proxy answer keeps bringing load for as long as resolvers
//! cache it (the TTL, longer for resolvers that enforce a minimum), the monitor reports with a
//! delay, and one resolver can carry a large share of the clients. So a reading taken now shows
//! the `f` of a while ago, blurred. A law that compares the reading with the target and nudges
//! the *current* `f` (an integral controller) keeps pushing while the last push is still on its
//! way, and overshoots; slow enough to be safe, it is too slow for a flash crowd.
//!
//! Instead every reading is paired with the `f` that produced it: the mean of the `f`s in force
//! over the interval the reading covers and the `ttl_intervals` before it (the answers whose
//! cached copies brought that load), shifted back by the monitor's `delay_intervals`. Served
//! load divided by that *effective* `f` estimates the buyer's whole demand, and the `f` that
//! meets the target at that demand is `f_eff × target / served`. Because both sides of that
//! estimate come from the same moment, it does not depend on what `f` has done since: a second
//! reading during the lag gives the same answer as the first, and nothing winds up.
//!
//! - **Above the target** (`purchased × (1 − headroom)`): cut straight to the computed `f`
//!   (never above the current one). Cutting is safe: it only removes load, and caches already
//!   delay it by a TTL.
//! - **Below it**: move `raise_gain` (0.5) of the way up to the computed `f`, never down. The
//!   gain below 1 absorbs noise and the steps a big resolver makes in the served-vs-`f` curve;
//!   with a stale pairing the geometric approach still converges because the target `f` is fixed
//!   by the pairing, not by the current `f`.
//! - **A lump:** when a reading is above the *purchase*, the effective `f` that produced it is
//!   remembered as a ceiling, and raises stop just below it, so the law does not walk back into
//!   the same big resolver every few intervals. The ceiling is forgotten when served falls
//!   below 35% of the target (demand fell further than any lump explains) or after 60
//!   intervals (5 minutes at 5 s), to try the ground above it again. Releasing on the
//!   *estimated demand* instead fails exactly where a ceiling is needed: a lump that is a third
//!   of the load halves the estimate as it comes and goes.
//! - **Below the purchase at `f` = 1** the computed `f` is above 1 and `f` goes to 1: all of the
//!   buyer's demand is served.
//! - **Early warning from DNS queries.** When the monitor reports `delay_intervals` late, the
//!   DNS queries for the buyer's names are the only current sign of demand. Resolvers already
//!   asking every TTL cannot ask more, so queries grow *less* than demand: if the interval just
//!   ended had `g ≥ 2` times the queries of the interval the reading covers, demand grew by at
//!   least `g`, and the reading projected by `g` is a safe basis for a cut (never a raise). In
//!   the default scenario this takes 0.13 points off the above-purchase share over 100 seeds
//!   and helps or is neutral on every variant tried (no holders, Zipf 1.3, 200 resolvers, TTL
//!   60 s). Without a monitor delay (as in `dns serve`, which reads its sources at the interval
//!   boundary) it is off: the reading is as fresh as the queries.
//!
//! Stability, in short: between readings the loop is open (nothing is changed on data already
//! acted on), cuts are bounded by the model and raises are a contraction towards a fixed point,
//! so with a monotone served-vs-`f` curve `f` converges to the largest point whose load is at
//! most the target; the ceiling breaks the only cycle left, a lump straddling the target.
//! `surplus simulate` measures it against caching resolvers.
//!
//! # Outside the loop
//!
//! - No sale now: `f` = 0 and the state resets; a sale window opens at the buyer's `estimate`.
//! - No monitor for the buyer: `f` stays at the `estimate` (open loop).
//! - A stale or failed monitor: `f` is held for `hold_stale` intervals, then multiplied by
//!   `walk_down` each interval towards 0. `f` is never raised without a fresh reading.

use std::collections::VecDeque;

/// The law's parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Share of the purchase kept free: the target is `purchased × (1 − headroom)`.
    pub headroom: f64,
    /// Intervals an answer stays in resolvers' caches: ⌈TTL / interval⌉.
    pub ttl_intervals: usize,
    /// Intervals between requests being served and the monitor reporting them.
    pub delay_intervals: usize,
    /// Stale readings for which `f` is held before it walks down.
    pub hold_stale: u32,
    /// What `f` is multiplied by each interval while walking down.
    pub walk_down: f64,
    /// Share of the way to the computed `f` that one raise goes.
    pub raise_gain: f64,
}

impl Params {
    /// The defaults for an `interval_s` control interval, answers with a `ttl_s` TTL, a monitor
    /// `delay_s` behind, and `headroom`.
    pub fn new(interval_s: u32, ttl_s: u32, delay_s: u32, headroom: f64) -> Params {
        let interval = interval_s.max(1);
        Params {
            headroom: headroom.clamp(0.0, 1.0),
            ttl_intervals: ttl_s.div_ceil(interval) as usize,
            delay_intervals: delay_s.div_ceil(interval) as usize,
            hold_stale: 3,
            walk_down: 0.5,
            raise_gain: 0.5,
        }
    }
}

/// What the monitor says about one interval of a buyer's served load.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reading {
    /// No monitor source covers this buyer.
    Unmonitored,
    /// The monitor failed or fell behind.
    Stale,
    /// Requests per second the proxies served for the buyer.
    Served(f64),
}

/// One interval's inputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Input {
    /// What the buyer holds now, rps (all its sales in force added up; 0 outside them).
    pub purchased_rps: f64,
    /// The buyer's estimate: `f` when a sale window opens and in open loop.
    pub estimate: f64,
    pub reading: Reading,
    /// DNS queries for the buyer's names in the interval just ended (`None`: not counted, or
    /// not an interval step).
    pub queries: Option<u64>,
}

/// Why `f` is what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// No sale in force: `f` = 0.
    Off,
    /// A sale window has just opened: `f` = estimate, waiting for readings.
    Opening,
    /// No monitor: `f` = estimate.
    OpenLoop,
    /// Following fresh readings.
    Closed,
    /// The monitor is stale: `f` held.
    Holding,
    /// The monitor has been stale too long: `f` walking down.
    WalkingDown,
}

impl Mode {
    /// The name shown in logs, metrics and `dns status`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Off => "off",
            Mode::Opening => "opening",
            Mode::OpenLoop => "open_loop",
            Mode::Closed => "closed",
            Mode::Holding => "holding",
            Mode::WalkingDown => "walking_down",
        }
    }
}

/// A remembered over-purchase: raises stop below `f` for a while.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ceiling {
    pub f: f64,
    /// Estimated demand at `f` = 1 when it was set, rps.
    pub demand: f64,
    /// Intervals since it was set.
    pub age: u32,
}

/// The law's state after a step, for logs, metrics and `dns status`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct State {
    pub f: f64,
    pub mode: Mode,
    /// Served rps aimed at (0 outside sales).
    pub target_rps: f64,
    /// The `f` the last reading is paired with.
    pub effective_f: f64,
    /// Estimated demand at `f` = 1, rps, from the last fresh reading.
    pub demand_rps: Option<f64>,
    pub ceiling: Option<Ceiling>,
    /// Stale readings in a row.
    pub stale: u32,
}

/// Below this effective `f` a reading says nothing about demand.
const MIN_EFFECTIVE_F: f64 = 1e-3;
/// Smaller `f`s are 0 (a walk-down ends).
const MIN_F: f64 = 1e-4;
/// Raises stop this far below a ceiling.
const CEILING_MARGIN: f64 = 0.98;
/// A ceiling is forgotten when served falls below this share of the target: demand has
/// fallen so far that no lump explains it.
const CEILING_RELEASE: f64 = 0.35;
/// A ceiling is forgotten after this many intervals, to try the ground above it again.
const CEILING_LIFE: u32 = 60;
/// Query growth that counts as a jump in demand. Interval-to-interval noise in `surplus
/// simulate` is 1.45 at the 99th percentile (~300 queries an interval); 1.6 still cut on noise
/// often enough to cost utilisation, 2.0 does not (see the module notes).
const QUERY_JUMP: f64 = 2.0;
/// Fewer queries than this in the reading's interval say too little to compare.
const MIN_QUERIES: u64 = 100;

/// One buyer's controller.
#[derive(Debug, Clone)]
pub struct Controller {
    params: Params,
    state: State,
    /// The `f` in force in each past interval, oldest first.
    history: VecDeque<f64>,
    /// The DNS queries of each past interval, aligned with `history`.
    queries: VecDeque<Option<u64>>,
}

impl Controller {
    pub fn new(params: Params) -> Controller {
        Controller {
            params,
            state: State {
                f: 0.0,
                mode: Mode::Off,
                target_rps: 0.0,
                effective_f: 0.0,
                demand_rps: None,
                ceiling: None,
                stale: 0,
            },
            history: VecDeque::new(),
            queries: VecDeque::new(),
        }
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// Takes one interval's inputs and returns `f` for the next interval, in [0, 1].
    pub fn step(&mut self, input: &Input) -> f64 {
        self.queries.push_back(input.queries);
        while self.queries.len() > self.keep() {
            self.queries.pop_front();
        }
        // NaN is no purchase either.
        if input.purchased_rps.is_nan() || input.purchased_rps <= 0.0 {
            self.state = Controller::new(self.params).state;
            self.remember(0.0);
            return 0.0;
        }
        let estimate = if input.estimate.is_finite() { input.estimate.clamp(0.0, 1.0) } else { 0.0 };
        self.state.target_rps = input.purchased_rps * (1.0 - self.params.headroom);
        let f = match (self.state.mode, input.reading) {
            (_, Reading::Unmonitored) => {
                self.state.mode = Mode::OpenLoop;
                estimate
            }
            (Mode::Off, _) => {
                self.state.mode = Mode::Opening;
                estimate
            }
            (_, Reading::Stale) => self.stale(),
            (_, Reading::Served(served)) => self.closed(served),
        };
        let f = if f < MIN_F { 0.0 } else { f.min(1.0) };
        self.state.f = f;
        self.remember(f);
        f
    }

    fn keep(&self) -> usize {
        self.params.ttl_intervals + self.params.delay_intervals + 2
    }

    fn remember(&mut self, f: f64) {
        self.history.push_back(f);
        while self.history.len() > self.keep() {
            self.history.pop_front();
        }
    }

    /// How many times more DNS queries the interval just ended had than the one the reading
    /// covers, when the monitor lags and both were counted with enough queries to tell.
    fn query_growth(&self) -> Option<f64> {
        let n = self.queries.len();
        if self.params.delay_intervals == 0 {
            return None;
        }
        let then = (*self.queries.get(n.checked_sub(1 + self.params.delay_intervals)?)?)?;
        let now = (*self.queries.get(n.checked_sub(1)?)?)?;
        (then >= MIN_QUERIES).then(|| now as f64 / then as f64)
    }

    fn stale(&mut self) -> f64 {
        self.state.stale += 1;
        if self.state.stale <= self.params.hold_stale {
            self.state.mode = Mode::Holding;
            return self.state.f;
        }
        self.state.mode = Mode::WalkingDown;
        self.state.f * self.params.walk_down
    }

    /// The `f` in force when the requests of the interval that `delay_intervals` readings ago
    /// ended were answered (the history so far, before this step's `f` is added).
    fn effective_f(&self) -> Option<f64> {
        let end = self.history.len().checked_sub(1 + self.params.delay_intervals)?;
        let start = end.saturating_sub(self.params.ttl_intervals);
        let span = self.history.range(start..=end);
        let n = span.len() as f64;
        Some(span.sum::<f64>() / n)
    }

    fn closed(&mut self, served: f64) -> f64 {
        self.state.stale = 0;
        let f = self.state.f;
        if self.state.mode == Mode::Holding || self.state.mode == Mode::WalkingDown {
            self.state.mode = Mode::Closed;
        }
        let Some(f_eff) = self.effective_f() else {
            return f;
        };
        self.state.effective_f = f_eff;
        if f_eff < MIN_EFFECTIVE_F || !served.is_finite() || served < 0.0 {
            return f;
        }
        self.state.mode = Mode::Closed;
        let target = self.state.target_rps;
        let purchased = target / (1.0 - self.params.headroom).max(f64::MIN_POSITIVE);
        let demand = served / f_eff;
        self.state.demand_rps = Some(demand);
        let wanted = if served > 0.0 { f_eff * target / served } else { 1.0 };
        if let Some(c) = &mut self.state.ceiling {
            c.age += 1;
            if served < CEILING_RELEASE * target || c.age > CEILING_LIFE {
                self.state.ceiling = None;
            }
        }
        if served > purchased {
            let lower = self.state.ceiling.is_none_or(|c| f_eff < c.f);
            if lower {
                self.state.ceiling = Some(Ceiling { f: f_eff, demand, age: 0 });
            }
        }
        if served > target {
            return f.min(wanted);
        }
        // Early warning: the reading is `delay` old, but DNS queries are counted as they come.
        // A jump in them is a jump in demand (one at least as large: resolvers already asking
        // every TTL cannot ask more), so project the reading by it and cut now if that is over.
        if let Some(growth) = self.query_growth().filter(|g| *g >= QUERY_JUMP) {
            let projected = served * growth;
            if projected > target {
                return f.min(f_eff * target / projected);
            }
        }
        let mut up = f + self.params.raise_gain * (wanted - f);
        if let Some(c) = self.state.ceiling {
            up = up.min(c.f * CEILING_MARGIN);
        }
        f.max(up)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A plant for the law: demand reaches proxies in proportion to the mean `f` of the last
    /// `ttl + 1` intervals (resolvers re-asking evenly over the TTL), seen `delay` intervals late.
    struct Plant {
        controller: Controller,
        applied: Vec<f64>,
        served: Vec<f64>,
    }

    impl Plant {
        fn new() -> Plant {
            Plant { controller: Controller::new(Params::new(5, 20, 5, 0.05)), applied: Vec::new(), served: Vec::new() }
        }

        /// Runs one interval at `demand` and `purchased`, returning the new `f`.
        fn run(&mut self, demand: f64, purchased: f64) -> f64 {
            let p = *self.controller.params();
            let n = self.applied.len();
            let from = n.saturating_sub(p.ttl_intervals + 1);
            let coverage = if n == 0 { 0.0 } else { self.applied[from..].iter().sum::<f64>() / (n - from) as f64 };
            self.served.push(demand * coverage);
            let reading = match self.served.len().checked_sub(1 + p.delay_intervals) {
                Some(i) => Reading::Served(self.served[i]),
                None => Reading::Stale,
            };
            let f = self.controller.step(&Input { purchased_rps: purchased, estimate: 0.5, reading, queries: None });
            self.applied.push(f);
            f
        }

        fn served_now(&self) -> f64 {
            *self.served.last().unwrap()
        }
    }

    #[test]
    fn a_jump_in_dns_queries_cuts_before_the_late_reading_shows_it() {
        // Monitor one interval late; steady at the target with 400 queries an interval.
        let steady = |queries| Input { purchased_rps: 100.0, estimate: 0.5, reading: Reading::Served(95.0), queries };
        let settle = |delay_s: u32| {
            let mut c = Controller::new(Params::new(5, 20, delay_s, 0.05));
            let mut f = 0.0;
            for _ in 0..12 {
                f = c.step(&steady(Some(400)));
            }
            (c, f)
        };
        let after = |last: Option<u64>| {
            let (mut c, f) = settle(5);
            (f, c.step(&steady(last)))
        };
        let (before, cut) = after(Some(1000));
        assert!(before > 0.0);
        // 2.5 × the queries: demand grew at least 2.5 × too, so the 95 rps read is ≥ 237.5 now.
        let f_eff = before; // steady: every f in the pairing window is the same
        assert!((cut - f_eff * 95.0 / 237.5).abs() < 1e-9, "{before} → {cut}");
        // Growth within the noise, or no count: the reading alone, which is on target.
        assert_eq!(after(Some(700)).1, before);
        assert_eq!(after(None).1, before);
        // Without a monitor delay the reading is current: queries add nothing.
        let (mut c, f) = settle(0);
        assert_eq!(c.step(&steady(Some(4000))), f);
    }

    fn input(purchased: f64, reading: Reading) -> Input {
        Input { purchased_rps: purchased, estimate: 0.5, reading, queries: None }
    }

    #[test]
    fn a_window_opens_at_the_estimate_and_f_is_zero_outside() {
        let mut c = Controller::new(Params::new(5, 20, 0, 0.05));
        assert_eq!(c.step(&input(0.0, Reading::Served(10.0))), 0.0);
        assert_eq!(c.state().mode, Mode::Off);
        assert_eq!(c.step(&input(1000.0, Reading::Served(0.0))), 0.5);
        assert_eq!(c.state().mode, Mode::Opening);
        c.step(&input(1000.0, Reading::Served(400.0)));
        assert_eq!(c.step(&input(0.0, Reading::Served(400.0))), 0.0, "the window closed");
        assert_eq!(c.state().mode, Mode::Off);
        assert_eq!(c.step(&input(f64::NAN, Reading::Served(400.0))), 0.0);
    }

    #[test]
    fn without_a_monitor_f_stays_at_the_estimate() {
        let mut c = Controller::new(Params::new(5, 20, 0, 0.05));
        for _ in 0..20 {
            assert_eq!(c.step(&input(1000.0, Reading::Unmonitored)), 0.5);
        }
        assert_eq!(c.state().mode, Mode::OpenLoop);
    }

    #[test]
    fn demand_above_the_purchase_settles_just_under_the_target() {
        let mut plant = Plant::new();
        for _ in 0..60 {
            plant.run(3000.0, 1000.0);
        }
        let served = plant.served_now();
        assert!((900.0..=950.0 + 1e-9).contains(&served), "{served}");
        assert!((plant.controller.state().f - 950.0 / 3000.0).abs() < 0.02);
    }

    #[test]
    fn demand_below_the_purchase_gets_f_one() {
        let mut plant = Plant::new();
        for _ in 0..40 {
            plant.run(600.0, 1000.0);
        }
        assert_eq!(plant.controller.state().f, 1.0);
        assert!((plant.served_now() - 600.0).abs() < 1e-9);
    }

    #[test]
    fn a_step_up_is_cut_within_the_lag_and_never_oscillates_above() {
        let mut plant = Plant::new();
        for _ in 0..60 {
            plant.run(1500.0, 1000.0);
        }
        let before = plant.served.len();
        for _ in 0..60 {
            plant.run(3000.0, 1000.0);
        }
        let after = &plant.served[before..];
        // Above the purchase only while the old answers are still cached (TTL + delay + 1).
        let above = after.iter().filter(|&&s| s > 1000.0).count();
        assert!(above <= 6, "{above} intervals above: {after:?}");
        assert!(after[after.len() - 20..].iter().all(|&s| (850.0..=950.0 + 1e-9).contains(&s)), "{after:?}");
    }

    #[test]
    fn a_ramp_is_followed_from_below() {
        let mut plant = Plant::new();
        for i in 0..200 {
            plant.run(500.0 + 15.0 * f64::from(i), 1000.0);
        }
        // Demand grows 3 rps/s, 1.5% of the purchase per interval. The law does not
        // extrapolate (a trend term would amplify the monitor's noise), so what grows during
        // the lag (delay + TTL, 5 intervals) gets through once: under 1% of the purchase.
        let worst = plant.served.iter().fold(0.0f64, |a, &b| a.max(b));
        assert!(worst < 1010.0, "worst {worst}: {:?}", plant.served);
        assert!(plant.served[plant.served.len() - 50..].iter().all(|&s| s <= 1000.0));
        assert!(plant.served_now() > 850.0, "{}", plant.served_now());
    }

    #[test]
    fn a_stale_monitor_holds_f_then_walks_it_down_and_never_raises_it() {
        let mut c = Controller::new(Params::new(5, 20, 0, 0.05));
        c.step(&input(1000.0, Reading::Served(0.0)));
        for _ in 0..6 {
            c.step(&input(1000.0, Reading::Served(300.0)));
        }
        let f = c.state().f;
        assert!(f > 0.5, "below target: raised ({f})");
        for _ in 0..3 {
            assert_eq!(c.step(&input(1000.0, Reading::Stale)), f);
            assert_eq!(c.state().mode, Mode::Holding);
        }
        assert_eq!(c.step(&input(1000.0, Reading::Stale)), f * 0.5);
        assert_eq!(c.state().mode, Mode::WalkingDown);
        let mut last = f * 0.5;
        for _ in 0..30 {
            let next = c.step(&input(1000.0, Reading::Stale));
            assert!(next <= last);
            last = next;
        }
        assert_eq!(last, 0.0, "walked down to 0");
        // Fresh data again: the law resumes.
        c.step(&input(1000.0, Reading::Served(0.0)));
        assert_eq!(c.state().mode, Mode::Closed);
    }

    #[test]
    fn a_lump_above_the_purchase_sets_a_ceiling_until_demand_falls() {
        // Demand spread thinly, plus one big resolver (a sixth of the load at f = 1) at 0.5.
        let served = |f: f64, demand: f64| demand * f + if f >= 0.5 { demand * 2.0 / 15.0 } else { 0.0 };
        let mut c = Controller::new(Params::new(5, 0, 0, 0.05));
        c.step(&input(1000.0, Reading::Served(0.0)));
        c.step(&input(1000.0, Reading::Served(served(0.5, 1800.0))));
        assert_eq!(c.state().ceiling, Some(Ceiling { f: 0.5, demand: 2280.0, age: 0 }));
        // Without the big resolver the law would aim at 950 / 1800 = 0.53: raises stop under
        // the ceiling instead.
        for _ in 0..30 {
            let f = c.state().f;
            c.step(&input(1000.0, Reading::Served(served(f, 1800.0))));
            assert!(served(c.state().f, 1800.0) <= 1000.0, "walked back into the lump at {}", c.state().f);
        }
        assert!((0.45..=0.49 + 1e-12).contains(&c.state().f), "{}", c.state().f);
        // Demand falls by half: the ceiling goes and f rises to 1.
        for _ in 0..30 {
            let f = c.state().f;
            c.step(&input(1000.0, Reading::Served(served(f, 800.0) * 0.8)));
        }
        assert_eq!(c.state().ceiling, None);
        assert_eq!(c.state().f, 1.0);
    }

    proptest! {
        /// Whatever the readings, f is in [0, 1], 0 outside sales, and never rises on a stale
        /// or missing reading.
        #[test]
        fn f_stays_in_bounds(steps in proptest::collection::vec((0u8..4, -10.0f64..5000.0, 0.0f64..2000.0, -1.0f64..2.0), 1..200)) {
            let mut c = Controller::new(Params::new(5, 20, 5, 0.05));
            for (kind, served, purchased, estimate) in steps {
                let purchased = if kind == 3 { 0.0 } else { purchased };
                let reading = match kind {
                    0 => Reading::Stale,
                    1 => Reading::Unmonitored,
                    _ => Reading::Served(served),
                };
                let before = c.state().f;
                let f = c.step(&Input { purchased_rps: purchased, estimate, reading, queries: None });
                prop_assert!((0.0..=1.0).contains(&f), "{f}");
                if purchased <= 0.0 {
                    prop_assert_eq!(f, 0.0);
                }
                if reading == Reading::Stale && c.state().mode != Mode::Opening {
                    prop_assert!(f <= before, "{before} -> {f} on a stale reading");
                }
            }
        }
    }
}
