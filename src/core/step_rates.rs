//! Request rates at a fixed step, as a Prometheus range query gives them, and the slot usage
//! they make: the history source beside the log scanner's per-second counts.
//!
//! A range query evaluates its expression at `start, start + step, …`. We take the value at `t`
//! as the rate over the step that ends at `t`, `[t − step, t)`. An expression is either a rate
//! already (`sum(rate(nginx_http_requests_total[1m]))`), or a counter (`sum by (instance)
//! (nginx_http_requests_total)`), which is differentiated here as Prometheus's `rate()` does it:
//! the increase between two points over the time between them, a counter that went down having
//! been reset (a proxy restarted) and counted from zero since. A point missing from a counter's
//! series (a scrape that failed, marked stale) spreads the next increase over the steps it
//! spans, as `rate()` interpolates across a missed sample; a gap longer than
//! [`MAX_COUNTER_GAP`] (Prometheus's lookback) is left uncovered, as `rate()` would have nothing
//! in its window there, and the next point starts a new baseline.
//!
//! A slot's load from logs is the 95th percentile of its per-second rates; from steps it is the
//! same quantile of its step rates, which smooths bursts shorter than the step. Callers say
//! which one a figure is.

use super::capacity::{SLOT_LOAD_QUANTILE, SlotUsage};
use super::quantile::quantile;
use super::window::Slot;

/// The longest gap between a counter's points that an increase is spread over (Prometheus's
/// default lookback delta): beyond it the steps between are uncovered.
pub const MAX_COUNTER_GAP: i64 = 300;

/// What a series' values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesKind {
    /// Per-second rates over the step (or a window) ending at each point.
    Rate,
    /// A cumulative counter, differentiated here.
    Counter,
}

/// One source's rate per step over a fixed grid; `None` where no series had a point.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRates {
    /// The end of the grid's first step (its start is `first_end − step`).
    first_end: i64,
    step: u32,
    rates: Vec<Option<f64>>,
}

impl StepRates {
    /// An empty grid of the steps ending at `first_end`, `first_end + step`, … up to `last_end`.
    pub fn new(first_end: i64, last_end: i64, step: u32) -> StepRates {
        let steps = if last_end < first_end { 0 } else { (last_end - first_end) / i64::from(step) + 1 };
        StepRates { first_end, step, rates: vec![None; steps as usize] }
    }

    pub fn step(&self) -> u32 {
        self.step
    }

    /// The rates per step, in time order.
    pub fn rates(&self) -> &[Option<f64>] {
        &self.rates
    }

    /// Adds one series' points (time order, on the grid's timestamps; others are ignored).
    pub fn add(&mut self, kind: SeriesKind, points: &[(i64, f64)]) {
        match kind {
            SeriesKind::Rate => {
                for &(t, rate) in points {
                    self.add_at(t, rate);
                }
            }
            SeriesKind::Counter => {
                for pair in points.windows(2) {
                    let ((t0, v0), (t1, v1)) = (pair[0], pair[1]);
                    let gap = t1 - t0;
                    if gap <= 0 || gap > MAX_COUNTER_GAP {
                        continue;
                    }
                    let increase = if v1 >= v0 { v1 - v0 } else { v1 };
                    let rate = increase / gap as f64;
                    let mut t = t0 + i64::from(self.step);
                    while t <= t1 {
                        self.add_at(t, rate);
                        t += i64::from(self.step);
                    }
                }
            }
        }
    }

    fn add_at(&mut self, end: i64, rate: f64) {
        let Some(index) = self.index(end) else { return };
        let slot = &mut self.rates[index];
        *slot = Some(slot.unwrap_or(0.0) + rate);
    }

    fn index(&self, end: i64) -> Option<usize> {
        let offset = end - self.first_end;
        if offset < 0 || offset % i64::from(self.step) != 0 {
            return None;
        }
        let index = (offset / i64::from(self.step)) as usize;
        (index < self.rates.len()).then_some(index)
    }

    /// The same rates times `share` (a fleet's series shared over its proxies).
    pub fn scaled(&self, share: f64) -> StepRates {
        StepRates { rates: self.rates.iter().map(|r| r.map(|r| r * share)).collect(), ..self.clone() }
    }

    /// The first and last second covered by a step with a rate, inclusive.
    pub fn span(&self) -> Option<(i64, i64)> {
        let first = self.rates.iter().position(Option::is_some)?;
        let last = self.rates.iter().rposition(Option::is_some)?;
        Some((self.end(first) - i64::from(self.step), self.end(last) - 1))
    }

    fn end(&self, index: usize) -> i64 {
        self.first_end + index as i64 * i64::from(self.step)
    }

    /// Usage per slot of `slot` (whose length `step` must divide) for every slot with a covered
    /// step, with bytes from `bytes` (a byte rate on the same grid) where given.
    pub fn slot_usage(&self, bytes: Option<&StepRates>, slot: Slot) -> Vec<SlotUsage> {
        let step = i64::from(self.step);
        let mut out: Vec<SlotUsage> = Vec::new();
        let mut rates: Vec<f64> = Vec::new();
        let mut byte_sum = 0.0;
        let mut current: Option<i64> = None;
        let mut flush = |index: i64, rates: &mut Vec<f64>, byte_sum: &mut f64| {
            if rates.is_empty() {
                return;
            }
            let start = slot.start(index);
            let covered_secs = rates.len() as i64 * step;
            let requests: f64 = rates.iter().map(|r| r * step as f64).sum();
            let peak = rates.iter().copied().fold(0.0, f64::max);
            out.push(SlotUsage {
                start,
                end: start + i64::from(slot.secs()),
                covered_secs: covered_secs as u32,
                requests: requests.round() as u64,
                bytes: byte_sum.round() as u64,
                mean_rps: requests / covered_secs as f64,
                peak_rps: peak.round() as u32,
                p95_rps: quantile(rates, SLOT_LOAD_QUANTILE).unwrap_or(0.0),
            });
            rates.clear();
            *byte_sum = 0.0;
        };
        for (i, rate) in self.rates.iter().enumerate() {
            let Some(rate) = rate else { continue };
            let begins = self.end(i) - step;
            let index = slot.index(begins);
            if current.is_some_and(|c| c != index) {
                flush(current.unwrap_or_default(), &mut rates, &mut byte_sum);
            }
            current = Some(index);
            rates.push(*rate);
            byte_sum += bytes.and_then(|b| b.rates.get(i).copied().flatten()).unwrap_or(0.0) * step as f64;
        }
        if let Some(index) = current {
            flush(index, &mut rates, &mut byte_sum);
        }
        out
    }
}

/// The step to read at when none is given: the most common time between changes of a series
/// sampled every second (`points` at 1 s steps), rounded up to a length that divides `slot`.
/// A scrape every 15 s changes a counter (or a `rate()` over it) every 15 s, so that is the
/// finest step the data holds. `None` when the values never change.
pub fn step_of_changes(points: &[(i64, f64)], slot: Slot) -> Option<u32> {
    let changes: Vec<i64> = points.windows(2).filter(|w| w[0].1 != w[1].1).map(|w| w[1].0).collect();
    let mut gaps: Vec<i64> = changes.windows(2).map(|w| w[1] - w[0]).filter(|g| *g > 0).collect();
    if gaps.is_empty() {
        return None;
    }
    gaps.sort_unstable();
    let median = gaps[gaps.len() / 2];
    (median..=i64::from(slot.secs())).find(|s| i64::from(slot.secs()) % s == 0).map(|s| s as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hour() -> Slot {
        Slot::from_secs(3600).unwrap()
    }

    #[test]
    fn a_rate_point_is_the_step_that_ends_at_it() {
        let mut r = StepRates::new(15, 60, 15);
        r.add(SeriesKind::Rate, &[(0, 9.0), (15, 1.0), (30, 2.0), (60, 4.0), (75, 8.0)]);
        assert_eq!(r.rates(), &[Some(1.0), Some(2.0), None, Some(4.0)]);
        assert_eq!(r.span(), Some((0, 59)));
    }

    #[test]
    fn a_counter_is_differentiated_as_rate_does_it_across_a_reset() {
        let mut r = StepRates::new(15, 60, 15);
        // 10 rps, then the proxy restarts between 30 and 45 and has counted 60 since.
        r.add(SeriesKind::Counter, &[(0, 1000.0), (15, 1150.0), (30, 1300.0), (45, 60.0), (60, 210.0)]);
        assert_eq!(r.rates(), &[Some(10.0), Some(10.0), Some(4.0), Some(10.0)]);
    }

    #[test]
    fn a_missed_scrape_spreads_the_increase_and_a_long_gap_is_uncovered() {
        let mut r = StepRates::new(15, 45, 15);
        r.add(SeriesKind::Counter, &[(0, 0.0), (30, 300.0), (45, 450.0)]);
        assert_eq!(r.rates(), &[Some(10.0), Some(10.0), Some(10.0)]);

        let mut r = StepRates::new(60, 60 * 10, 60);
        r.add(SeriesKind::Counter, &[(0, 0.0), (60, 60.0), (60 * 9, 100_000.0), (60 * 10, 100_060.0)]);
        let covered: Vec<bool> = r.rates().iter().map(Option::is_some).collect();
        assert_eq!(covered, [true, false, false, false, false, false, false, false, false, true]);
        assert_eq!(r.rates()[9], Some(1.0));
    }

    #[test]
    fn series_of_one_source_add_up_and_a_fleet_is_shared() {
        let mut r = StepRates::new(15, 15, 15);
        r.add(SeriesKind::Rate, &[(15, 3.0)]);
        r.add(SeriesKind::Rate, &[(15, 4.5)]);
        assert_eq!(r.rates(), &[Some(7.5)]);
        assert_eq!(r.scaled(0.4).rates(), &[Some(3.0)]);
    }

    #[test]
    fn a_slots_load_is_the_same_quantile_of_its_step_rates_as_of_seconds() {
        // A rate constant within each minute: the p95 of 240 steps of 15 s equals the p95 of
        // the 3,600 seconds, as every minute's rate is repeated the same share of times.
        let minute_rate = |m: i64| ((m * 37) % 61) as f64;
        let mut r = StepRates::new(15, 3600, 15);
        let points: Vec<(i64, f64)> = (1..=240).map(|k| (k * 15, minute_rate((k * 15 - 1) / 60))).collect();
        r.add(SeriesKind::Rate, &points);
        let mut bytes = StepRates::new(15, 3600, 15);
        bytes.add(SeriesKind::Rate, &points.iter().map(|&(t, v)| (t, v * 100.0)).collect::<Vec<_>>());
        let usage = r.slot_usage(Some(&bytes), hour());
        assert_eq!(usage.len(), 1);
        let mut seconds: Vec<u32> = (0..3600).map(|s| minute_rate(s / 60) as u32).collect();
        let p95 = crate::core::quantile::quantile_counts(&mut seconds, SLOT_LOAD_QUANTILE).unwrap();
        let requests: f64 = (0..60).map(|m| minute_rate(m) * 60.0).sum();
        let u = &usage[0];
        assert!((u.p95_rps - p95).abs() < 1e-9, "{} vs {p95}", u.p95_rps);
        assert_eq!((u.start, u.end, u.covered_secs, u.requests), (0, 3600, 3600, requests as u64));
        assert_eq!(u.bytes, (requests * 100.0) as u64);
        assert_eq!(u.peak_rps, 60);
    }

    #[test]
    fn slots_without_a_covered_step_are_left_out() {
        let mut r = StepRates::new(60, 3 * 3600, 60);
        r.add(SeriesKind::Rate, &[(60, 1.0), (2 * 3600 + 60, 2.0)]);
        let usage = r.slot_usage(None, hour());
        assert_eq!(usage.iter().map(|u| (u.start, u.covered_secs)).collect::<Vec<_>>(), [(0, 60), (7200, 60)]);
    }

    #[test]
    fn the_default_step_is_how_often_the_data_changes() {
        // A counter scraped every 15 s, read every second.
        let points: Vec<(i64, f64)> = (0..600).map(|s| (s, ((s / 15) * 150) as f64)).collect();
        assert_eq!(step_of_changes(&points, hour()), Some(15));
        // Every 14 s does not divide an hour: the next length that does.
        let points: Vec<(i64, f64)> = (0..600).map(|s| (s, (s / 14) as f64)).collect();
        assert_eq!(step_of_changes(&points, hour()), Some(15));
        assert_eq!(step_of_changes(&[(0, 1.0), (1, 1.0)], hour()), None);
    }
}
